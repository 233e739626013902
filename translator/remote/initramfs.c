/* The qemu guest's initramfs (see initramfs.h): a newc cpio writer, the cached base
 * archive with busybox and the guest's /init, and the per-run archive.
 *
 * The guest side of the protocol with qemu.c lives in /init below: ttyS1 and ttyS2 carry
 * the command's stdout and stderr, ttyS3 is control ("READY" and "STATUS <n>" out, "INT"
 * in), the command is read from /run/stap-qemu/cmd.
 */
#define _GNU_SOURCE
#include "initramfs.h"
#include "fsafe.h"
#include "qemu.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The guest's /init. The command runs in the foreground (a background job of a
 * non-interactive shell would start with SIGINT ignored) in its own session, whose id
 * the wrapper writes to $R/pid so that the ttyS3 reader can interrupt the whole group. */
static const char guest_init[] =
	"#!/bin/sh\n"
	"# stap-qemu guest init: run /run/stap-qemu/cmd, report on ttyS3, power off\n"
	"export PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=dumb\n"
	"mount -t proc proc /proc\n"
	"mount -t sysfs sysfs /sys\n"
	"mount -t devtmpfs devtmpfs /dev\n"
	"mkdir -p /dev/pts /dev/shm\n"
	"mount -t devpts devpts /dev/pts\n"
	"mount -t tmpfs tmpfs /dev/shm\n"
	"mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null  # absent with debugfs=off\n"
	"mount -t securityfs securityfs /sys/kernel/security\n"
	"mount -t tracefs tracefs /sys/kernel/tracing\n"
	"hostname guest\n"
	"dmesg -n 8\n"
	"for t in 1 2 3; do stty -F /dev/ttyS$t raw -echo; done\n"
	"R=/run/stap-qemu\n"
	"exec 3<>/dev/ttyS3\n"
	"(\n"
	"\twhile read -r req; do\n"
	"\t\tcase $req in\n"
	"\t\tINT*) [ -s $R/pid ] && kill -INT -$(cat $R/pid) ;;\n"
	"\t\tesac\n"
	"\tdone\n"
	") <&3 &\n"
	"reader=$!\n"
	"echo READY >&3\n"
	"cd /\n"
	"sh -c 'echo $$ >/run/stap-qemu/pid; exec setsid sh -c \"$(cat /run/stap-qemu/cmd)\"' \\\n"
	"\t</dev/null >/dev/ttyS1 2>/dev/ttyS2 3>&-\n"
	"st=$?\n"
	"pid=$(cat $R/pid)\n"
	"# an interrupted sh -c dies at once; let the rest of its session finish its output\n"
	"if [ $st -gt 128 ]; then\n"
	"\ti=0\n"
	"\twhile [ $i -lt 300 ] && kill -0 -$pid 2>/dev/null; do sleep 0.1; i=$((i+1)); done\n"
	"fi\n"
	"# leftovers die; their last close of ttyS1/ttyS2 waits until those bytes are sent\n"
	"kill -KILL -$pid 2>/dev/null\n"
	"i=0\n"
	"while [ $i -lt 100 ] && kill -0 -$pid 2>/dev/null; do sleep 0.05; i=$((i+1)); done\n"
	"{ kill $reader; wait $reader; } 2>/dev/null\n"
	"echo \"STATUS $st\" >&3\n"
	"# the last close of a serial tty waits until its bytes are sent\n"
	"exec 3>&-\n"
	"poweroff -f\n";

/* Directories of the base archive; files may be added below them without new entries. */
static const char *const base_dirs[] = {
	"bin", "sbin", "lib", "lib64", "dev", "proc", "sys", "tmp", "etc", "root", "run",
	"var", "var/tmp", "mnt", "usr", "usr/bin", "usr/sbin", "usr/lib", "usr/lib64",
};

static void *xmalloc(size_t len)
{
	void *p = malloc(len ? len : 1);

	if (!p)
		abort();
	return p;
}


static int is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* ---- newc cpio writer -------------------------------------------------------------- */

struct cpio {
	int fd;
	unsigned long long off;	/* bytes written, for 4-byte alignment */
	unsigned ino;
	unsigned long mtime;
	int err;		/* first error, -errno */
};

static void cpio_put(struct cpio *c, const void *p, size_t len)
{
	int rc;

	if (c->err)
		return;
	rc = qemu_write_all(c->fd, p, len);
	if (rc)
		c->err = rc;
	c->off += len;
}

static void cpio_align(struct cpio *c, unsigned to)
{
	static const char zeros[512];

	if (c->off % to)
		cpio_put(c, zeros, to - c->off % to);
}

static void cpio_header(struct cpio *c, const char *name, unsigned mode, size_t size,
			unsigned rmajor, unsigned rminor)
{
	char h[128];

	snprintf(h, sizeof(h), "070701%08X%08X%08X%08X%08X%08X%08zX%08X%08X%08X%08X%08zX%08X",
		 c->ino++, mode, 0u, 0u, 1u, (unsigned)c->mtime, size, 0u, 0u, rmajor, rminor,
		 strlen(name) + 1, 0u);
	cpio_put(c, h, 110);
	cpio_put(c, name, strlen(name) + 1);
	cpio_align(c, 4);
}

static void cpio_data(struct cpio *c, const char *name, unsigned mode, const void *p,
		      size_t len)
{
	cpio_header(c, name, mode, len, 0, 0);
	cpio_put(c, p, len);
	cpio_align(c, 4);
}

static void cpio_dir(struct cpio *c, const char *name, unsigned perm)
{
	cpio_header(c, name, S_IFDIR | perm, 0, 0, 0);
}

static void cpio_symlink(struct cpio *c, const char *name, const char *target)
{
	cpio_data(c, name, S_IFLNK | 0777, target, strlen(target));
}

static void cpio_node(struct cpio *c, const char *name, unsigned mode, unsigned ma,
		      unsigned mi)
{
	cpio_header(c, name, mode, 0, ma, mi);
}

/* Copy host file PATH in as NAME; PERM 0 = the host file's permissions. */
static int cpio_host_file(struct cpio *c, const char *name, const char *path, unsigned perm)
{
	char buf[1 << 16];
	struct stat st;
	size_t left;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		int rc = fd < 0 ? -errno : -EINVAL;

		qemu_say("cannot add %s to the guest: %s", path,
		    fd < 0 ? strerror(errno) : "not a regular file");
		if (fd >= 0)
			close(fd);
		return rc;
	}
	c->mtime = (unsigned long)st.st_mtime;
	cpio_header(c, name, S_IFREG | (perm ? perm : (st.st_mode & 07777)), (size_t)st.st_size,
		    0, 0);
	for (left = (size_t)st.st_size; left && !c->err;) {
		ssize_t n = read(fd, buf, left < sizeof(buf) ? left : sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			c->err = n < 0 ? -errno : -EIO;	/* the file shrank under us */
			break;
		}
		cpio_put(c, buf, (size_t)n);
		left -= (size_t)n;
	}
	close(fd);
	cpio_align(c, 4);
	return c->err;
}

static void cpio_trailer(struct cpio *c)
{
	c->mtime = 0;
	cpio_header(c, "TRAILER!!!", 0, 0, 0, 0);
	cpio_align(c, 512);
}

/* ---- base archive ------------------------------------------------------------------ */

/* A busybox that needs a dynamic loader cannot run in a guest without libc. */
static int is_static_elf(const char *path)
{
	unsigned char eh[64], ph[56];
	uint64_t phoff;
	uint16_t phentsize, phnum, i;
	int fd, ok = 1;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (pread(fd, eh, sizeof(eh), 0) != sizeof(eh) || memcmp(eh, "\177ELF\2", 5)) {
		close(fd);
		return 0;
	}
	memcpy(&phoff, eh + 32, 8);
	memcpy(&phentsize, eh + 54, 2);
	memcpy(&phnum, eh + 56, 2);
	for (i = 0; i < phnum && ok; i++) {
		uint32_t type;

		if (pread(fd, ph, sizeof(ph), (off_t)(phoff + (uint64_t)i * phentsize)) !=
		    sizeof(ph))
			ok = 0;
		memcpy(&type, ph, 4);
		if (type == 3)	/* PT_INTERP */
			ok = 0;
	}
	close(fd);
	return ok;
}

/* busybox's applet paths ("bin/ls", "usr/bin/awk", ...), one a line. */
static int list_applets(const char *busybox, char **out)
{
	char cmd[PATH_MAX + 32], *p;
	size_t len, cap = 1 << 20;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "%s --list-full", busybox);
	f = popen(cmd, "re");
	if (!f)
		return -errno;
	p = xmalloc(cap + 1);
	len = fread(p, 1, cap, f);
	p[len] = 0;
	if (pclose(f) != 0 || !len) {
		free(p);
		return -ECHILD;
	}
	*out = p;
	return 0;
}

static unsigned long long fnv1a(unsigned long long h, const void *p, size_t len)
{
	const unsigned char *c = p;

	while (len--)
		h = (h ^ *c++) * 0x100000001b3ULL;
	return h;
}

/* Write busybox's applet links; "bin/x" and "sbin/x" go below usr/ (merged /usr). */
static void write_applets(struct cpio *c, char *list)
{
	char *line, *save = NULL, name[PATH_MAX];

	for (line = strtok_r(list, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		const char *base = strrchr(line, '/');

		if (!base || !strcmp(base + 1, "busybox"))
			continue;
		if (!strncmp(line, "usr/", 4))
			snprintf(name, sizeof(name), "%s", line);
		else
			snprintf(name, sizeof(name), "usr/%s", line);
		cpio_symlink(c, name, "/usr/bin/busybox");
	}
}

/* two unprivileged users for the privilege tests: stapusr's member alice, and bob */
static const char passwd[] = "root:x:0:0:root:/root:/bin/sh\n"
			     "alice:x:1000:1000:alice:/tmp:/bin/sh\n"
			     "bob:x:1001:1001:bob:/tmp:/bin/sh\n"
			     "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n";
static const char group[] = "root:x:0:\nstapusr:x:156:alice\nstapsys:x:157:\n"
			    "stapdev:x:158:\nalice:x:1000:\nbob:x:1001:\n"
			    "nogroup:x:65534:\n";

static int write_base(int fd, const char *busybox)
{
	struct cpio c = { .ino = 1, .mtime = (unsigned long)time(NULL) };
	char *list = NULL;
	size_t i;
	int rc;

	rc = list_applets(busybox, &list);
	if (rc) {
		qemu_say("cannot list the applets of %s", busybox);
		return rc;
	}
	c.fd = fd;
	cpio_dir(&c, ".", 0755);	/* the root directory: root's alone, as on a real system */
	for (i = 0; i < sizeof(base_dirs) / sizeof(base_dirs[0]); i++) {
		const char *d = base_dirs[i];

		if (!strcmp(d, "bin") || !strcmp(d, "sbin") || !strcmp(d, "lib") ||
		    !strcmp(d, "lib64"))
			continue;
		cpio_dir(&c, d, !strcmp(d, "tmp") || !strcmp(d, "var/tmp") ? 01777 :
				!strcmp(d, "root") ? 0700 : 0755);
	}
	cpio_symlink(&c, "bin", "usr/bin");
	cpio_symlink(&c, "sbin", "usr/sbin");
	cpio_symlink(&c, "lib", "usr/lib");
	cpio_symlink(&c, "lib64", "usr/lib64");
	cpio_node(&c, "dev/console", S_IFCHR | 0600, 5, 1);
	cpio_node(&c, "dev/null", S_IFCHR | 0666, 1, 3);
	cpio_data(&c, "etc/passwd", S_IFREG | 0644, passwd, strlen(passwd));
	cpio_data(&c, "etc/group", S_IFREG | 0644, group, strlen(group));
	cpio_data(&c, "etc/hostname", S_IFREG | 0644, "guest\n", 6);
	cpio_data(&c, "init", S_IFREG | 0755, guest_init, strlen(guest_init));
	rc = cpio_host_file(&c, "usr/bin/busybox", busybox, 0755);
	write_applets(&c, list);
	cpio_trailer(&c);
	rc = rc ? rc : c.err;
	free(list);
	return rc;
}

/* The base archive's name carries a hash of /init and busybox's identity. */
int initramfs_base(const char *cache, int verbose, char *out, size_t len)
{
	static const char *const candidates[] = { "/usr/bin/busybox", "/bin/busybox" };
	char tmp[2 * PATH_MAX];
	const char *bb = NULL;
	unsigned long long key = 0xcbf29ce484222325ULL;
	struct stat st;
	size_t i;
	int rc, fd;

	for (i = 0; i < 2 && !bb; i++)
		if (is_static_elf(candidates[i]))
			bb = candidates[i];
	if (!bb || stat(bb, &st) < 0) {
		qemu_say("no static busybox found (install busybox-static)");
		return -ENOENT;
	}
	key = fnv1a(key, guest_init, sizeof(guest_init));
	key = fnv1a(key, passwd, sizeof(passwd));
	key = fnv1a(key, group, sizeof(group));
	key = fnv1a(key, "root 0755", 9);
	key = fnv1a(key, &st.st_size, sizeof(st.st_size));
	key = fnv1a(key, &st.st_mtime, sizeof(st.st_mtime));
	snprintf(out, len, "%s/base-%016llx.cpio", cache, key);
	if (is_file(out) && fs_file_trusted(out, NULL) == 0)
		return 0;
	if (verbose)
		qemu_say("writing base initramfs %s", out);
	fd = fs_create_temp(out, tmp, sizeof(tmp));
	rc = fd < 0 ? fd : fs_commit(fd, tmp, out, 0644, write_base(fd, bb));
	if (rc)
		qemu_say("cannot write %s: %s", out, strerror(-rc));
	return rc;
}

/* ---- per-run archive --------------------------------------------------------------- */

/* GUEST (absolute, or NULL for HOST's absolute path) as a cpio name without the leading
 * slash, "." and empty components; ".." is refused. */
static int guest_name(const char *host, const char *guest, char *out, size_t len)
{
	char abs[PATH_MAX];
	const char *p, *end;
	size_t o = 0;

	if (!guest) {
		if (host[0] == '/')
			guest = host;
		else if (realpath(host, abs))
			guest = abs;
		else
			return -errno;
	}
	if (guest[0] != '/')
		return -EINVAL;
	for (p = guest; *p; p = end) {
		while (*p == '/')
			p++;
		end = strchrnul(p, '/');
		if (end == p || (end - p == 1 && p[0] == '.'))
			continue;
		if (end - p == 2 && p[0] == '.' && p[1] == '.')
			return -EINVAL;
		if (o + (size_t)(end - p) + 2 > len)
			return -ENAMETOOLONG;
		if (o)
			out[o++] = '/';
		memcpy(out + o, p, (size_t)(end - p));
		o += (size_t)(end - p);
	}
	out[o] = 0;
	return o ? 0 : -EINVAL;
}

static int is_base_dir(const char *d, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(base_dirs) / sizeof(base_dirs[0]); i++)
		if (strlen(base_dirs[i]) == len && !memcmp(base_dirs[i], d, len))
			return 1;
	return 0;
}

/* Directory entries for the parents of NAMES[I] not in the base archive and not parents
 * of an earlier name (those were written already). */
static void write_parents(struct cpio *c, char (*names)[PATH_MAX], size_t i)
{
	const char *n = names[i], *slash;
	char dir[PATH_MAX];

	for (slash = strchr(n, '/'); slash; slash = strchr(slash + 1, '/')) {
		size_t len = (size_t)(slash - n), j;
		int seen = is_base_dir(n, len);

		for (j = 0; j < i && !seen; j++)
			seen = !strncmp(names[j], n, len + 1);
		if (seen)
			continue;
		memcpy(dir, n, len);
		dir[len] = 0;
		cpio_dir(c, dir, 0755);
	}
}

static int copy_fd(int from, int to)
{
	char buf[1 << 16];

	for (;;) {
		ssize_t n = read(from, buf, sizeof(buf));
		int rc;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : 0;
		rc = qemu_write_all(to, buf, (size_t)n);
		if (rc)
			return rc;
	}
}

/* Kernel modules every guest can load with modprobe: brd and loop give it block devices
 * (the guest has no disk) for scripts that watch block I/O. */
static const char *const guest_modules[] = {
	"kernel/drivers/block/brd.ko", "kernel/drivers/block/loop.ko",
};

/* The host's modules.dep line for module REL_KO ("kernel/x/y.ko: dep.ko ..."), without
 * its newline, in OUT; 0, or -ENOENT. */
static int dep_line(FILE *dep, const char *rel_ko, char *out, size_t len)
{
	size_t n = strlen(rel_ko);

	rewind(dep);
	while (fgets(out, (int)len, dep)) {
		if (!strncmp(out, rel_ko, n) && out[n] == ':') {
			out[strcspn(out, "\n")] = 0;
			return 0;
		}
	}
	return -ENOENT;
}

/* Put the guest_modules of RELEASE that the host has, with the modules they depend on,
 * under /lib/modules/RELEASE, with a modules.dep for busybox's modprobe. Missing ones
 * are left out: the guest then just cannot load them. */
static int write_modules(struct cpio *c, const char *release)
{
	char dir[PATH_MAX], path[PATH_MAX * 2], line[PATH_MAX * 4], name[PATH_MAX * 2];
	char *deps = NULL, *word, *save;
	size_t deps_len = 0, i;
	FILE *dep, *mem;
	int rc = 0;

	snprintf(dir, sizeof(dir), "/lib/modules/%s", release);
	snprintf(path, sizeof(path), "%s/modules.dep", dir);
	dep = fopen(path, "re");
	if (!dep)
		return 0;
	mem = open_memstream(&deps, &deps_len);
	if (!mem) {
		fclose(dep);
		return -ENOMEM;
	}
	snprintf(name, sizeof(name), "usr/lib/modules/%s", release);
	cpio_dir(c, "usr/lib/modules", 0755);
	cpio_dir(c, name, 0755);
	for (i = 0; i < sizeof(guest_modules) / sizeof(guest_modules[0]) && !rc; i++) {
		if (dep_line(dep, guest_modules[i], line, sizeof(line)))
			continue;
		fprintf(mem, "%s\n", line);
		/* the module itself, then what it needs (modules.dep lists all of it) */
		for (word = strtok_r(line, ": ", &save); word && !rc;
		     word = strtok_r(NULL, " ", &save)) {
			char *slash;

			snprintf(path, sizeof(path), "%s/%s", dir, word);
			snprintf(name, sizeof(name), "usr/lib/modules/%s/%s", release, word);
			for (slash = strchr(name + strlen("usr/lib/modules/") + strlen(release) + 1,
					    '/');
			     slash; slash = strchr(slash + 1, '/')) {
				*slash = 0;
				cpio_dir(c, name, 0755);
				*slash = '/';
			}
			rc = cpio_host_file(c, name, path, 0644);
		}
	}
	fclose(mem);
	fclose(dep);
	snprintf(name, sizeof(name), "usr/lib/modules/%s/modules.dep", release);
	if (!rc)
		cpio_data(c, name, S_IFREG | 0644, deps, deps_len);
	free(deps);
	return rc;
}

int initramfs_write(const char *path, const char *base, const struct qemu_file *files,
		    size_t n_files, const char *cmd, const char *release)
{
	char (*names)[PATH_MAX] = xmalloc((n_files ? n_files : 1) * sizeof(*names));
	struct cpio c = { .ino = 1u << 20, .mtime = (unsigned long)time(NULL) };
	struct stat st;
	int bfd, rc = 0;
	size_t i;

	c.fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	bfd = open(base, O_RDONLY | O_CLOEXEC);
	if (c.fd < 0 || bfd < 0 || fstat(bfd, &st) < 0) {
		rc = -errno;
		qemu_say("cannot write %s: %s", path, strerror(errno));
		goto out;
	}
	c.err = copy_fd(bfd, c.fd);
	c.off = (unsigned long long)st.st_size;
	cpio_dir(&c, "run/stap-qemu", 0755);
	cpio_data(&c, "run/stap-qemu/cmd", S_IFREG | 0644, cmd, strlen(cmd));
	if (release)
		rc = write_modules(&c, release);
	for (i = 0; i < n_files && !rc; i++) {
		rc = guest_name(files[i].host_path, files[i].guest_path, names[i], PATH_MAX);
		if (rc) {
			qemu_say("bad guest path for %s: %s", files[i].host_path,
			    files[i].guest_path ? files[i].guest_path : "(none)");
			break;
		}
		write_parents(&c, names, i);
		if (files[i].symlink)
			cpio_symlink(&c, names[i], files[i].symlink);
		else
			rc = cpio_host_file(&c, names[i], files[i].host_path,
					    files[i].mode & 07777);
	}
	cpio_trailer(&c);
	if (c.err)
		qemu_say("cannot write %s: %s", path, strerror(-c.err));
	rc = rc ? rc : c.err;
out:
	if (bfd >= 0)
		close(bfd);
	if (c.fd >= 0 && close(c.fd) < 0 && !rc)
		rc = -errno;
	free(names);
	return rc;
}
