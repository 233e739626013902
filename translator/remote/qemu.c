/* Guest runner: boot an installed Debian kernel in qemu with a generated initramfs, run one
 * command in it and stream its output back over serial ports (contract in qemu.h).
 *
 * Layout of one run:
 *   cache:   vmlinux-<release>          ELF kernel unpacked from /boot/vmlinuz-<release>
 *            base-<key>.cpio            busybox, /etc, the guest's /init (initramfs.c)
 *   tmpdir:  initrd.cpio                base archive + per-run archive (files, command)
 *            out, err                   FIFOs behind ttyS1/ttyS2 (qemu "file" chardevs)
 *            ctl.in, ctl.out            FIFOs behind ttyS3 (qemu "pipe" chardev)
 *            console.log, qemu.log      ttyS0 and qemu's own stdout/stderr
 * The host opens every FIFO O_RDWR before qemu starts, so opening never blocks and a read
 * never sees a premature EOF; once qemu is reaped, reading until EAGAIN drains everything.
 */
#define _GNU_SOURCE
#include "qemu.h"
#include "initramfs.h"
#include "fsafe.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define QEMU_BIN	"qemu-system-x86_64"
#define QBOOT_ROM	"/usr/share/qemu/qboot.rom"
#define GUEST_MEM	"512M"
#define KERNEL_CMDLINE	"console=ttyS0 quiet panic=-1 mitigations=off tsc=reliable " \
			"no_timer_check rdinit=/init"
#define BOOT_TIMEOUT	180.0	/* seconds from qemu start until /init says READY */
#define EXIT_GRACE	30.0	/* seconds from the STATUS line until qemu must be gone */
#define PIPE_SIZE	(1 << 20)
#define MAX_ARGS	64

static void *xmalloc(size_t len)
{
	void *p = malloc(len ? len : 1);

	if (!p)
		abort();
	return p;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

void qemu_say(const char *fmt, ...)
{
	va_list ap;

	fputs("qemu: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int qemu_write_all(int fd, const void *p, size_t len)
{
	const char *c = p;

	while (len) {
		ssize_t n = write(fd, c, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {	/* a caller's non-blocking fd */
			struct pollfd pfd = { .fd = fd, .events = POLLOUT };

			poll(&pfd, 1, -1);
			continue;
		}
		if (n < 0)
			return -errno;
		c += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Read FD to its end into a NUL-terminated buffer the caller frees (at most MAX bytes). */
static int read_fd(int fd, size_t max, char **out, size_t *out_len)
{
	char *p = xmalloc(max + 1);
	size_t len = 0;

	while (len < max) {
		ssize_t n = read(fd, p + len, max - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(p);
			return -errno;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	p[len] = 0;
	*out = p;
	*out_len = len;
	return 0;
}

/* Like read_fd() for a file; of a longer file, the last MAX bytes. */
static int read_file(const char *path, size_t max, char **out, size_t *out_len)
{
	struct stat st;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) == 0 && (size_t)st.st_size > max)
		lseek(fd, st.st_size - (off_t)max, SEEK_SET);
	rc = read_fd(fd, max, out, out_len);
	close(fd);
	return rc;
}

static int is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Which executable would execvp() run for NAME; 0 or -ENOENT. */
static int find_in_path(const char *name, char *out, size_t len)
{
	const char *path = getenv("PATH"), *p, *end;

	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path; *p; p = *end ? end + 1 : end) {
		end = strchrnul(p, ':');
		if ((size_t)snprintf(out, len, "%.*s/%s", (int)(end - p), p, name) < len &&
		    is_file(out) && access(out, X_OK) == 0)
			return 0;
	}
	return -ENOENT;
}

/* Append STR to a qemu option value, doubling commas as qemu's option syntax wants. */
static void qemu_escape(char *out, size_t len, const char *prefix, const char *str)
{
	size_t o = (size_t)snprintf(out, len, "%s", prefix);

	for (; *str && o + 2 < len; str++) {
		out[o++] = *str;
		if (*str == ',')
			out[o++] = ',';
	}
	out[o < len ? o : len - 1] = 0;
}

/* Fork and exec ARGV with the given stdio (-1 = /dev/null); MASK is the signal mask the
 * child gets. The child gets its own process group (a terminal's ^C must reach only us)
 * and dies with its parent. Returns the pid or -errno. */
static pid_t spawn(char *const argv[], int in_fd, int out_fd, int err_fd, const sigset_t *mask)
{
	pid_t parent = getpid(), pid;
	int null;

	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0)
		return pid;
	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
	if (mask)
		sigprocmask(SIG_SETMASK, mask, NULL);
	null = open("/dev/null", O_RDWR);
	dup2(in_fd >= 0 ? in_fd : null, 0);
	dup2(out_fd >= 0 ? out_fd : null, 1);
	dup2(err_fd >= 0 ? err_fd : null, 2);
	syscall(SYS_close_range, 3U, ~0U, 0U);
	execvp(argv[0], argv);
	dprintf(2, "qemu: cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* Wait for PID; its exit status, 128+signal, or -errno. */
static int wait_exit(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return 128 + WTERMSIG(st);
}

/* ---- kernel release and cache ---------------------------------------------------- */

static int has_headers(const char *rel)
{
	char p[PATH_MAX];
	struct stat st;

	snprintf(p, sizeof(p), "/usr/src/linux-headers-%s", rel);
	if (stat(p, &st) == 0)
		return 1;
	snprintf(p, sizeof(p), "/lib/modules/%s/build", rel);
	return stat(p, &st) == 0;
}

/* Is every character of S a letter, a digit or one of EXTRA? */
static int plain_chars(const char *s, const char *extra)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr(extra, *s)))
			return 0;
	return 1;
}

int qemu_release_ok(const char *rel)
{
	if (!*rel || *rel == '.' || *rel == '-' || strlen(rel) > 64)
		return 0;
	return plain_chars(rel, "._+~-");
}

int qemu_append_ok(const char *words)
{
	return strlen(words) <= 512 && plain_chars(words, "._,=:+-/ ");
}

int qemu_default_release(char *buf, size_t len)
{
	char best[NAME_MAX + 1] = "";
	int best_hdr = 0;
	struct dirent *e;
	DIR *d;

	d = opendir("/boot");
	if (!d)
		return -ENOENT;
	while ((e = readdir(d))) {
		const char *rel = e->d_name + strlen("vmlinuz-");
		char p[PATH_MAX];
		int hdr;

		if (strncmp(e->d_name, "vmlinuz-", 8) || !*rel)
			continue;
		snprintf(p, sizeof(p), "/boot/%s", e->d_name);
		if (!is_file(p))
			continue;
		hdr = has_headers(rel);
		if (!*best || hdr > best_hdr || (hdr == best_hdr && strverscmp(rel, best) > 0)) {
			snprintf(best, sizeof(best), "%s", rel);
			best_hdr = hdr;
		}
	}
	closedir(d);
	if (!*best)
		return -ENOENT;
	if (strlen(best) >= len)
		return -ENAMETOOLONG;
	memcpy(buf, best, strlen(best) + 1);
	return 0;
}

/* The cache directory, created and checked (fsafe.h): a guest boots what is in it. */
static int cache_dir(const struct qemu_opts *o, char *out, size_t len)
{
	char path[PATH_MAX], home[PATH_MAX];
	const char *env;
	struct fs_why why;
	int rc;

	if (o->cache_dir && *o->cache_dir)
		rc = snprintf(path, sizeof(path), "%s", o->cache_dir);
	else if ((env = getenv("SYSTEMTAP_DIR")) && *env)
		rc = snprintf(path, sizeof(path), "%s/cache/qemu", env);
	else if (fs_home_dir(home, sizeof(home)) == 0)
		rc = snprintf(path, sizeof(path), "%s/.systemtap/cache/qemu", home);
	else {
		qemu_say("no home directory for the guest's cache: set SYSTEMTAP_DIR");
		return -ENOENT;
	}
	if (rc < 0 || (size_t)rc >= sizeof(path))
		return -ENAMETOOLONG;
	rc = fs_trusted_dir(path, 0755, out, len, &why);
	if (rc == -EPERM)
		qemu_say("not using the cache %s: %s (set SYSTEMTAP_DIR to a directory of your own)",
			 path, why.msg);
	else if (rc)
		qemu_say("cannot create cache directory %s: %s", path, strerror(-rc));
	return rc;
}

static int is_elf(const char *path)
{
	char m[4];
	int fd = open(path, O_RDONLY | O_CLOEXEC), ok;

	if (fd < 0)
		return 0;
	ok = read(fd, m, 4) == 4 && !memcmp(m, "\177ELF", 4);
	close(fd);
	return ok;
}

/* Unpack the xz payload of /boot/vmlinuz-REL into the cache (like the kernel's
 * scripts/extract-vmlinux): booting an ELF vmlinux through its PVH entry saves the ~6 s a
 * TCG guest spends decompressing itself. */
static int ensure_vmlinux(const char *cache, const char *rel, int verbose, char *out, size_t len)
{
	static const unsigned char magic[6] = { 0xfd, '7', 'z', 'X', 'Z', 0 };
	char src[PATH_MAX], tmp[2 * PATH_MAX];
	struct stat sst, cst;
	char *img = NULL;
	size_t img_len, i;
	int rc, tries = 0;

	snprintf(src, sizeof(src), "/boot/vmlinuz-%s", rel);
	rc = snprintf(out, len, "%s/vmlinux-%s", cache, rel);
	if (rc < 0 || (size_t)rc >= len)
		return -ENAMETOOLONG;
	if (stat(src, &sst) < 0) {
		qemu_say("no kernel image %s (is the linux-image package for %s installed?)", src, rel);
		return -ENOENT;
	}
	if (stat(out, &cst) == 0 && cst.st_mtime >= sst.st_mtime && is_elf(out) &&
	    fs_file_trusted(out, NULL) == 0)
		return 0;
	if (verbose)
		qemu_say("extracting %s to %s", src, out);
	rc = read_file(src, 256u << 20, &img, &img_len);
	if (rc) {
		qemu_say("cannot read %s: %s", src, strerror(-rc));
		return rc;
	}
	rc = -ENOEXEC;
	for (i = 0; i + sizeof(magic) <= img_len && tries < 8 && rc; i++) {
		char *argv[] = { (char *)"xz", (char *)"-dc", (char *)"--single-stream", NULL };
		int in, fd;
		pid_t pid;

		if (memcmp(img + i, magic, sizeof(magic)))
			continue;
		tries++;
		in = open(src, O_RDONLY | O_CLOEXEC);
		fd = fs_create_temp(out, tmp, sizeof(tmp));
		if (in < 0 || fd < 0 || lseek(in, (off_t)i, SEEK_SET) < 0) {
			rc = fd < 0 ? fd : -errno;
		} else if ((pid = spawn(argv, in, fd, -1, NULL)) < 0) {
			rc = pid;
		} else {
			int st = wait_exit(pid);

			if (st == 127)
				qemu_say("cannot run xz (is xz-utils installed?)");
			rc = st == 0 && is_elf(tmp) ? 0 : -ENOEXEC;
		}
		if (in >= 0)
			close(in);
		if (fd >= 0)
			rc = fs_commit(fd, tmp, out, 0644, rc);
	}
	free(img);
	if (rc)
		qemu_say("cannot extract an ELF vmlinux from %s", src);
	return rc;
}

/* ---- one run ----------------------------------------------------------------------- */

enum { FD_OUT, FD_ERR, FD_CTL, FD_SIG, FD_PID, N_FDS };

struct run {
	const struct qemu_opts *o;
	char dir[PATH_MAX];		/* temporary directory, "" when none */
	char console[PATH_MAX + 16];	/* console log path */
	int fd[N_FDS];			/* out/err/ctl.out FIFOs, signalfd, qemu's pidfd */
	int ctl_in;			/* host → guest control FIFO */
	int dest[2];			/* where FD_OUT and FD_ERR go; -1 after a write error */
	pid_t qpid;			/* 0 once reaped */
	int qstatus;			/* qemu's own exit status once reaped */
	int status;			/* the command's, -1 until reported */
	int ready, n_signals, int_pending;
	double t0, t_ready, t_status;
	char line[256];			/* partial control line */
	size_t line_len;
};

static void tmp_path(const struct run *r, const char *name, char *out, size_t len)
{
	snprintf(out, len, "%s/%s", r->dir, name);
}

static int make_fifo(struct run *r, const char *name, int *fd)
{
	char p[PATH_MAX + 16];

	tmp_path(r, name, p, sizeof(p));
	if (mkfifo(p, 0600) < 0)
		return -errno;
	*fd = open(p, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (*fd < 0)
		return -errno;
	fcntl(*fd, F_SETPIPE_SZ, PIPE_SIZE);
	return 0;
}

static void cleanup_dir(struct run *r)
{
	static const char *const names[] = { "initrd.cpio", "out", "err", "ctl.in", "ctl.out",
					     "console.log", "qemu.log" };
	char p[PATH_MAX + 16];
	size_t i;

	if (!*r->dir)
		return;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		tmp_path(r, names[i], p, sizeof(p));
		unlink(p);
	}
	rmdir(r->dir);
	r->dir[0] = 0;
}

static int kvm_usable(void)
{
	int fd;

	if (access("/sys/module/kvm_intel", F_OK) && access("/sys/module/kvm_amd", F_OK))
		return 0;
	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

struct args {
	char store[8192];	/* the strings */
	size_t used;
	char *argv[MAX_ARGS];
	int n;
};

__attribute__((format(printf, 2, 3)))
static void arg(struct args *a, const char *fmt, ...)
{
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(a->store + a->used, sizeof(a->store) - a->used, fmt, ap);
	va_end(ap);
	if (len < 0 || (size_t)len >= sizeof(a->store) - a->used || a->n + 1 >= MAX_ARGS)
		abort();	/* our own fixed-size vector overflowed */
	a->argv[a->n++] = a->store + a->used;
	a->argv[a->n] = NULL;
	a->used += (size_t)len + 1;
}

/* qemu's argument vector: serial ports 0-3 as described at the top of this file. */
static void qemu_argv(const struct run *r, const char *vmlinux, struct args *a)
{
	static const char *const fixed[] = {
		QEMU_BIN, "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
		"-m", GUEST_MEM, "-append",
	};
	static const char *const chardevs[][2] = {
		{ "file", "console.log" }, { "file", "out" }, { "file", "err" }, { "pipe", "ctl" },
	};
	char tmp[2 * PATH_MAX + 64], p[PATH_MAX + 16];
	size_t i;

	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		arg(a, "%s", fixed[i]);
	if (r->o->append && *r->o->append)
		arg(a, "%s %s", KERNEL_CMDLINE, r->o->append);
	else
		arg(a, "%s", KERNEL_CMDLINE);
	if (r->o->hostfwd) {
		qemu_escape(tmp, sizeof(tmp), "user,id=n0,restrict=on,hostfwd=", r->o->hostfwd);
		arg(a, "-netdev");
		arg(a, "%s", tmp);
		arg(a, "-device");
		arg(a, "e1000,netdev=n0");
	} else {
		arg(a, "-net");
		arg(a, "none");
	}
	if (is_file(QBOOT_ROM)) {
		arg(a, "-bios");
		arg(a, QBOOT_ROM);
	}
	arg(a, "-accel");
	if (kvm_usable()) {
		arg(a, "kvm");
		arg(a, "-cpu");
		arg(a, "host");
	} else {
		/*
		 * One host thread runs every vCPU.  Under qemu 7.2's default, a
		 * thread per vCPU, registering and unregistering a kprobe on
		 * vfs_read while a second task reads in a loop oopses the guest
		 * (RIP 0 in ksys_read) within a few rounds, even from a bare
		 * module whose handler is empty; with thread=single, or one
		 * vCPU, 60 of 60 rounds pass.  The guest keeps its 2 CPUs.
		 */
		arg(a, "tcg,thread=single");
	}
	arg(a, "-smp");
	arg(a, "%d", r->o->smp > 0 ? r->o->smp : 2);
	arg(a, "-kernel");
	arg(a, "%s", vmlinux);
	arg(a, "-initrd");
	tmp_path(r, "initrd.cpio", p, sizeof(p));
	arg(a, "%s", p);
	for (i = 0; i < 4; i++) {
		char pre[32];

		if (i == 0)
			snprintf(p, sizeof(p), "%s", r->console);
		else
			tmp_path(r, chardevs[i][1], p, sizeof(p));
		snprintf(pre, sizeof(pre), "%s,id=s%zu,path=", chardevs[i][0], i);
		qemu_escape(tmp, sizeof(tmp), pre, p);
		arg(a, "-chardev");
		arg(a, "%s", tmp);
		arg(a, "-serial");
		arg(a, "chardev:s%zu", i);
	}
}

static int start_qemu(struct run *r, const char *vmlinux, const sigset_t *old_mask)
{
	char p[PATH_MAX + 16], **argv;
	struct args a = { .n = 0 };
	int log_fd = -1, i;

	qemu_argv(r, vmlinux, &a);
	argv = a.argv;
	if (r->o->verbose > 1) {
		fputs("qemu:", stderr);
		for (i = 0; argv[i]; i++)
			fprintf(stderr, " %s", argv[i]);
		fputc('\n', stderr);
	} else {
		tmp_path(r, "qemu.log", p, sizeof(p));
		log_fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	}
	r->t0 = now_s();
	r->qpid = spawn(argv, -1, log_fd >= 0 ? log_fd : 2, log_fd >= 0 ? log_fd : 2, old_mask);
	if (log_fd >= 0)
		close(log_fd);
	if (r->qpid < 0) {
		int rc = r->qpid;

		r->qpid = 0;
		qemu_say("cannot start %s: %s", QEMU_BIN, strerror(-rc));
		return rc;
	}
	r->fd[FD_PID] = (int)syscall(SYS_pidfd_open, r->qpid, 0);	/* -1 before Linux 5.3 */
	return 0;
}

static void kill_qemu(struct run *r)
{
	if (r->qpid <= 0)
		return;
	kill(r->qpid, SIGKILL);
	r->qstatus = wait_exit(r->qpid);
	r->qpid = 0;
}

/* Reap qemu if it has exited; 1 if it is gone. */
static int reap_qemu(struct run *r)
{
	int st;
	pid_t p;

	if (r->qpid <= 0)
		return 1;
	p = waitpid(r->qpid, &st, WNOHANG);
	if (p == 0 || (p < 0 && errno == EINTR))
		return 0;
	r->qstatus = p < 0 ? -errno : WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	r->qpid = 0;
	return 1;
}

static void send_interrupt(struct run *r)
{
	if (!r->ready) {
		r->int_pending = 1;
		return;
	}
	r->int_pending = 0;
	if (write(r->ctl_in, "INT\n", 4) != 4)
		qemu_say("cannot forward the interrupt to the guest: %s", strerror(errno));
	else if (r->o->verbose)
		qemu_say("interrupt forwarded to the guest");
}

static void control_line(struct run *r, const char *line)
{
	int st;

	if (!strcmp(line, "READY")) {
		r->ready = 1;
		r->t_ready = now_s();
		if (r->o->verbose)
			qemu_say("command started %.2f s after qemu start", r->t_ready - r->t0);
		if (r->int_pending)
			send_interrupt(r);
	} else if (sscanf(line, "STATUS %d", &st) == 1 && r->status < 0) {
		r->status = st & 0xff;
		r->t_status = now_s();
		if (r->o->verbose)
			qemu_say("command exited with status %d %.2f s after qemu start", r->status,
			    r->t_status - r->t0);
	}
}

/* Move what is readable on FD[I] to its destination; returns bytes read, 0 when empty. */
static ssize_t pump(struct run *r, int i)
{
	char buf[1 << 16];
	ssize_t n = read(r->fd[i], buf, sizeof(buf)), k;

	if (n <= 0)
		return 0;
	if (i == FD_OUT || i == FD_ERR) {
		if (r->dest[i] >= 0 && qemu_write_all(r->dest[i], buf, (size_t)n) < 0)
			r->dest[i] = -1;
		return n;
	}
	for (k = 0; k < n; k++) {
		char c = buf[k];

		if (c == '\r')
			continue;
		if (c != '\n') {
			if (r->line_len + 1 < sizeof(r->line))
				r->line[r->line_len++] = c;
			continue;
		}
		r->line[r->line_len] = 0;
		control_line(r, r->line);
		r->line_len = 0;
	}
	return n;
}

/* Handle pending signals; returns QEMU_E_INTR when the guest must die. */
static int on_signals(struct run *r)
{
	struct signalfd_siginfo si;
	int rc = 0;

	while (read(r->fd[FD_SIG], &si, sizeof(si)) == sizeof(si)) {
		if (++r->n_signals == 1) {
			send_interrupt(r);
		} else {
			qemu_say("interrupted again: killing the guest");
			rc = QEMU_E_INTR;
		}
	}
	return rc;
}

/* Stream until qemu exits; 0, or a negative error after which qemu must be killed. */
static int stream(struct run *r)
{
	for (;;) {
		struct pollfd pfd[N_FDS];
		double now = now_s(), deadline = r->t0 + 1e9;
		enum { NO_LIMIT, RUN_LIMIT, BOOT_LIMIT, EXIT_LIMIT } why = NO_LIMIT;
		int i, rc, ms;

		if (r->o->timeout > 0 && r->t0 + r->o->timeout < deadline) {
			deadline = r->t0 + r->o->timeout;
			why = RUN_LIMIT;
		}
		if (!r->ready && r->t0 + BOOT_TIMEOUT < deadline) {
			deadline = r->t0 + BOOT_TIMEOUT;
			why = BOOT_LIMIT;
		}
		if (r->status >= 0 && r->t_status + EXIT_GRACE < deadline) {
			deadline = r->t_status + EXIT_GRACE;
			why = EXIT_LIMIT;
		}
		if (now >= deadline && r->status >= 0) {
			qemu_say("the guest did not power off after the command's exit; killed it");
			return 0;	/* the status and all output are in */
		}
		if (now >= deadline) {
			if (why == RUN_LIMIT)
				qemu_say("timed out after %g s; killing the guest", r->o->timeout);
			else
				qemu_say("the guest did not start the command within %.0f s",
				    BOOT_TIMEOUT);
			return QEMU_E_TIMEOUT;
		}
		ms = (int)((deadline - now) * 1000) + 1;
		for (i = 0; i < N_FDS; i++)
			pfd[i] = (struct pollfd){ .fd = r->fd[i], .events = POLLIN };
		/* without a pidfd, look for qemu's exit ten times a second */
		if (poll(pfd, N_FDS, ms < 100 || r->fd[FD_PID] >= 0 ? ms : 100) < 0 &&
		    errno != EINTR)
			return -errno;
		for (i = 0; i < FD_SIG; i++)
			if (pfd[i].revents & POLLIN)
				pump(r, i);
		if (pfd[FD_SIG].revents & POLLIN) {
			rc = on_signals(r);
			if (rc)
				return rc;
		}
		if (reap_qemu(r))
			return 0;
	}
}

/* Excerpt from the console log around the first sign of a kernel problem; 1 if found. */
static int check_console(const struct run *r)
{
	static const char *const bad[] = { "Oops", "BUG:", "WARNING:", "Call Trace" };
	const char *hit = NULL, *start, *end;
	char *log = NULL;
	size_t len, i;
	int lines;

	if (read_file(r->console, 16u << 20, &log, &len))
		return 0;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *h = strstr(log, bad[i]);

		if (h && (!hit || h < hit))
			hit = h;
	}
	if (!hit) {
		free(log);
		return 0;
	}
	for (start = hit, lines = 0; start > log && lines <= 8; start--)
		lines += start[-1] == '\n';
	start += *start == '\n';
	for (end = hit, lines = 0; *end && lines < 80; end++)
		lines += *end == '\n';
	qemu_say("the guest kernel reported a problem; console log excerpt:");
	for (; start < end; start++)
		if (*start != '\r')
			fputc(*start, stderr);
	if (end[-1] != '\n')
		fputc('\n', stderr);
	fputs("qemu: (end of excerpt)\n", stderr);
	free(log);
	return 1;
}

/* Last lines of a file on stderr, to explain a dead guest. */
static void show_tail(const char *what, const char *path, int n_lines)
{
	char *log = NULL, *p;
	size_t len;

	if (read_file(path, 64u << 10, &log, &len) || !len) {
		free(log);
		return;
	}
	for (p = log + len - 1; p > log && n_lines >= 0; p--)
		n_lines -= *p == '\n';
	qemu_say("%s:", what);
	for (; *p; p++)
		if (*p != '\r')
			fputc(*p, stderr);
	if (log[len - 1] != '\n')
		fputc('\n', stderr);
	free(log);
}

/* Everything after the cache: temp dir, FIFOs, qemu, streaming, verdict. */
static int run_guest(struct run *r, const char *rel, const char *vmlinux, const char *base,
		     const struct qemu_file *files, size_t n_files, const char *cmd,
		     const sigset_t *old_mask)
{
	const char *tmp = getenv("TMPDIR");
	char p[PATH_MAX + 16];
	int i, rc;

	snprintf(r->dir, sizeof(r->dir), "%s/stap-qemu.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(r->dir)) {
		rc = -errno;
		qemu_say("cannot create a temporary directory in %s: %s", tmp ? tmp : "/tmp",
		    strerror(errno));
		r->dir[0] = 0;
		return rc;
	}
	if (r->o->console_log)
		snprintf(r->console, sizeof(r->console), "%s", r->o->console_log);
	else
		tmp_path(r, "console.log", r->console, sizeof(r->console));
	tmp_path(r, "initrd.cpio", p, sizeof(p));
	rc = initramfs_write(p, base, files, n_files, cmd, rel);
	if (rc)
		return rc;
	if ((rc = make_fifo(r, "out", &r->fd[FD_OUT])) ||
	    (rc = make_fifo(r, "err", &r->fd[FD_ERR])) ||
	    (rc = make_fifo(r, "ctl.out", &r->fd[FD_CTL])) ||
	    (rc = make_fifo(r, "ctl.in", &r->ctl_in))) {
		qemu_say("cannot make FIFOs in %s: %s", r->dir, strerror(-rc));
		return rc;
	}
	rc = start_qemu(r, vmlinux, old_mask);
	if (rc)
		return rc;
	rc = stream(r);
	kill_qemu(r);
	for (i = 0; i < FD_SIG; i++)	/* qemu is gone: the FIFOs hold all it wrote */
		while (pump(r, i) > 0)
			;
	if (r->o->verbose)
		qemu_say("qemu exited with status %d %.2f s after its start", r->qstatus,
		    now_s() - r->t0);
	if (check_console(r))
		return rc ? rc : QEMU_E_OOPS;
	if (!rc && r->status < 0) {
		qemu_say("the guest stopped without reporting the command's exit status "
		    "(qemu exit status %d)", r->qstatus);
		tmp_path(r, "qemu.log", p, sizeof(p));
		show_tail("qemu's output", p, 20);
		show_tail("end of the guest console log", r->console, 30);
		rc = QEMU_E_GUEST;
	}
	return rc ? rc : r->status;
}

int qemu_run(const struct qemu_opts *o, const struct qemu_file *files, size_t n_files,
	     const char *cmd, int out_fd, int err_fd)
{
	char rel[NAME_MAX + 1], cache[PATH_MAX], vmlinux[PATH_MAX + 64], base[PATH_MAX + 64];
	char qemu_path[PATH_MAX];
	struct run r = { .o = o, .fd = { -1, -1, -1, -1, -1 }, .ctl_in = -1,
			 .dest = { out_fd, err_fd }, .status = -1 };
	sigset_t set, old_mask;
	int rc, i;

	if (o->release && *o->release) {
		if (!qemu_release_ok(o->release)) {
			qemu_say("invalid kernel release '%s'", o->release);
			return -EINVAL;
		}
		snprintf(rel, sizeof(rel), "%s", o->release);
	} else if ((rc = qemu_default_release(rel, sizeof(rel)))) {
		qemu_say("no installed kernel found in /boot (install linux-image-amd64)");
		return rc;
	}
	if (o->append && !qemu_append_ok(o->append)) {
		qemu_say("invalid kernel command-line words '%s'", o->append);
		return -EINVAL;
	}
	if (find_in_path(QEMU_BIN, qemu_path, sizeof(qemu_path))) {
		qemu_say("%s not found (install qemu-system-x86)", QEMU_BIN);
		return -ENOENT;
	}
	if (o->bzimage)
		snprintf(vmlinux, sizeof(vmlinux), "/boot/vmlinuz-%s", rel);
	if ((rc = cache_dir(o, cache, sizeof(cache))) ||
	    (!o->bzimage &&
	     (rc = ensure_vmlinux(cache, rel, o->verbose, vmlinux, sizeof(vmlinux)))) ||
	    (rc = initramfs_base(cache, o->verbose, base, sizeof(base))))
		return rc;
	if (o->verbose)
		qemu_say("booting %s%s (%s, %d cpus) with %zu files", rel,
		    o->bzimage ? " from its bzImage" : "",
		    kvm_usable() ? "kvm" : "tcg", o->smp > 0 ? o->smp : 2, n_files);

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, &old_mask);
	r.fd[FD_SIG] = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (r.fd[FD_SIG] < 0) {
		rc = -errno;
		qemu_say("signalfd: %s", strerror(errno));
	} else {
		rc = run_guest(&r, rel, vmlinux, base, files, n_files, cmd, &old_mask);
	}
	kill_qemu(&r);
	for (i = 0; i < N_FDS; i++)
		if (r.fd[i] >= 0)
			close(r.fd[i]);
	if (r.ctl_in >= 0)
		close(r.ctl_in);
	cleanup_dir(&r);
	sigprocmask(SIG_SETMASK, &old_mask, NULL);
	return rc;
}
