/*
 * Inserting and removing the module, and making sure debugfs is mounted.
 * Every failure is reported here, once, in words a user can act on.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "staprun.h"
#include "stp_msg.h"

#define DEBUGFS_MAGIC 0x64626720

/* Mount debugfs on /sys/kernel/debug unless it is there already. */
int debugfs_ensure(void)
{
	struct statfs st;

	if (statfs(STAPRUN_DEBUGFS, &st) < 0) {
		int e = errno;

		sr_err("cannot access %s: %s", STAPRUN_DEBUGFS, strerror(e));
		return -e;
	}
	if (st.f_type == DEBUGFS_MAGIC)
		return 0;
	if (mount("debugfs", STAPRUN_DEBUGFS, "debugfs", 0, NULL) < 0) {
		int e = errno;

		sr_err("cannot mount debugfs on %s: %s", STAPRUN_DEBUGFS,
		       strerror(e));
		return -e;
	}
	return 0;
}

/* Read the whole file; 0 or -errno, reported. */
static int read_file(const char *path, int fd, unsigned char **img,
		     size_t *size)
{
	struct stat st;
	size_t done = 0;

	if (fstat(fd, &st) < 0) {
		int e = errno;

		sr_err("cannot stat %s: %s", path, strerror(e));
		return -e;
	}
	if (!S_ISREG(st.st_mode)) {
		sr_err("%s is not a regular file", path);
		return -EINVAL;
	}
	*size = (size_t)st.st_size;
	*img = xmalloc(*size);
	while (done < *size) {
		ssize_t n = read(fd, *img + done, *size - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = n < 0 ? errno : EIO;

			sr_err("cannot read %s: %s", path,
			       n < 0 ? strerror(e) : "file shrank");
			return -e;
		}
		done += (size_t)n;
	}
	return 0;
}

static void report_load_error(const struct staprun *sr, int e)
{
	switch (e) {
	case EEXIST:
		sr_err("module %s is already loaded", sr->name);
		break;
	case ENOSYS:
		sr_err("cannot load module %s: this kernel cannot load modules",
		       sr->name);
		break;
	case EPERM:
		sr_err("cannot load module %s: %s (not root, or the kernel "
		       "forbids loading modules)", sr->name, strerror(e));
		break;
	case ENOEXEC:
		sr_err("cannot load module %s: %s (built for another kernel?)",
		       sr->name, strerror(e));
		break;
	case EKEYREJECTED:	/* unsigned, or signed with a key the kernel does not know */
	case ENOKEY:
		sr_err("cannot load module %s: %s: this kernel loads only modules signed "
		       "with a key it trusts (Secure Boot or module.sig_enforce). Build the "
		       "module with stap --sign-module and enrol its key once with "
		       "\"mokutil --import ~/.systemtap/signing_key.x509\", then reboot and "
		       "confirm the enrolment", sr->name, strerror(e));
		break;
	case EBADMSG:
		sr_err("cannot load module %s: %s: its signature is malformed. Build it "
		       "again with stap --sign-module (and enrol the key with \"mokutil "
		       "--import ~/.systemtap/signing_key.x509\" on a Secure Boot machine)",
		       sr->name, strerror(e));
		break;
	default:
		sr_err("cannot load module %s: %s", sr->name, strerror(e));
		break;
	}
}

/*
 * -R: a new name for the module, as long as its own (the image keeps its
 * layout): its last six characters become '_' and five of a number made from
 * the pid and the clock, so that another copy of the same module can be
 * loaded next to it.  The renamed module is no longer the file that was
 * signed: a kernel that enforces signatures refuses it.
 */
static int rename_image(struct staprun *sr, unsigned char *img, size_t size)
{
	static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
	size_t len = strlen(sr->name), i;
	uint64_t v = now_ns() ^ ((uint64_t)getpid() << 20);
	char name[STAPRUN_MODNAME_MAX];

	if (len < 8) {
		sr_err("cannot rename module %s: its name is too short (staprun -R keeps "
		       "its length and needs at least 8 characters)", sr->name);
		return -EINVAL;
	}
	memcpy(name, sr->name, len + 1);
	name[len - 6] = '_';
	for (i = len - 5; i < len; i++, v /= 36)
		name[i] = digits[v % 36];
	if (modinfo_rename(img, size, name)) {
		sr_err("cannot rename module %s", sr->name);
		return -ENOEXEC;
	}
	sr_dbg(sr, "module %s renamed to %s", sr->name, name);
	memcpy(sr->name, name, len + 1);
	return 0;
}

/*
 * Read the module's name from the file, then insert it with sr->params.
 * On success sr->name is set and sr->loaded is true.
 */
int module_load(struct staprun *sr)
{
	const char *params = sr->params ? sr->params : "";
	unsigned char *img = NULL;
	size_t size = 0;
	int fd, rc;

	const char *path = priv_module_path(sr, sr->module_path);
	char level[16];
	bool flight;

	if (!path)
		return -EPERM;
	/* below stapdev, the checked real path: no symlink may replace a part of it */
	fd = open(path, O_RDONLY | O_CLOEXEC | (sr->level == PRIV_DEV ? 0 : O_NOFOLLOW));
	if (fd < 0) {
		int e = errno;

		sr_err("cannot open module %s: %s", sr->module_path,
		       strerror(e));
		return -e;
	}
	rc = priv_check_file(sr, fd);
	if (rc == 0)
		rc = read_file(sr->module_path, fd, &img, &size);
	if (rc == 0)
		rc = priv_check_image(sr, img, size);
	if (rc)
		goto out;
	/* a stapusr module's process probes see only the caller's processes */
	if (modinfo_field(img, size, "stap_privilege", level, sizeof(level)) == 0 &&
	    !strcmp(level, "stapusr")) {
		char *p = xmalloc(strlen(params) + 32);

		sprintf(p, "%s%s_stp_uid=%u", params, *params ? " " : "", (unsigned)getuid());
		free(sr->params);
		sr->params = p;
		params = p;
	}
	/* stap -b, stap -F: modes the runtime learns from staprun */
	sr->bulk = modinfo_field(img, size, "stap_bulk", level, sizeof(level)) == 0;
	flight = modinfo_field(img, size, "stap_flight", level, sizeof(level)) == 0;
	if (sr->bulk || flight) {
		char *p = xmalloc(strlen(params) + 64);

		sprintf(p, "%s%s%s%s%s", params, *params ? " " : "",
			sr->bulk ? STP_BULK_PARAM "=1" : "", sr->bulk && flight ? " " : "",
			flight ? STP_FLIGHT_PARAM "=1" : "");
		free(sr->params);
		sr->params = p;
		params = p;
	}
	rc = modinfo_name(img, size, sr->name, sizeof(sr->name));
	if (rc) {
		sr_err("%s is not a kernel module", sr->module_path);
		goto out;
	}
	if (sr->rename) {
		rc = rename_image(sr, img, size);
		if (rc)
			goto out;
	}
	sr_dbg(sr, "module %s from %s, parameters '%s'", sr->name,
	       sr->module_path, params);
	errno = ENOSYS;
	rc = sr->rename ? -1 : (int)syscall(SYS_finit_module, fd, params, 0);
	if (rc < 0 && errno == ENOSYS)	/* renamed: the image, changed in memory */
		rc = (int)syscall(SYS_init_module, img, size, params);
	if (rc < 0) {
		rc = -errno;
		report_load_error(sr, -rc);
		goto out;
	}
	sr->loaded = true;
	sr_dbg(sr, "module %s inserted", sr->name);
out:
	free(img);
	close(fd);
	return rc;
}

/*
 * Remove the module; all our files in its debugfs directory must be closed
 * (they hold a reference).  Retries briefly while the kernel still counts a
 * reference (a closing file, a probe being unregistered).
 */
int module_unload(struct staprun *sr)
{
	struct timespec delay = { 0, 10 * 1000 * 1000 };
	int tries, e = 0;

	if (!sr->loaded)
		return 0;
	for (tries = 0; tries < 300; tries++) {
		if (syscall(SYS_delete_module, sr->name, O_NONBLOCK) == 0) {
			sr->loaded = false;
			sr_dbg(sr, "module %s removed", sr->name);
			return 0;
		}
		e = errno;
		if (e != EAGAIN && e != EBUSY && e != EINTR)
			break;
		nanosleep(&delay, NULL);
	}
	sr_err("cannot remove module %s: %s", sr->name, strerror(e));
	return -e;
}

/*
 * The module name that `arg` stands for: a name, or a path NAME.ko whose
 * basename is taken.  0, or -EINVAL (reported) for anything that is not a
 * plain module name.
 */
int module_name_arg(const char *arg, char *name, size_t cap)
{
	const char *base = strrchr(arg, '/');
	size_t n, i;

	base = base ? base + 1 : arg;
	n = strlen(base);
	if (n > 3 && !strcmp(base + n - 3, ".ko"))
		n -= 3;
	for (i = 0; i < n; i++)
		if (!((base[i] >= 'a' && base[i] <= 'z') || (base[i] >= 'A' && base[i] <= 'Z') ||
		      (base[i] >= '0' && base[i] <= '9') || base[i] == '_'))
			break;
	if (n == 0 || i < n || n >= cap) {
		sr_err("'%s' is not a module name", arg);
		return -EINVAL;
	}
	memcpy(name, base, n);
	name[n] = '\0';
	return 0;
}

/*
 * Remove one systemtap module that no staprun holds; only a module with our
 * transport directory counts, so that no other kernel module can be removed
 * this way.  0, or -errno (reported unless quiet and merely in use).
 */
static int delete_one(const char *name, bool quiet)
{
	char dir[256];
	struct stat st;

	snprintf(dir, sizeof(dir), "%s/systemtap/%s", STAPRUN_DEBUGFS, name);
	if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		sr_err("module %s is not a loaded systemtap module", name);
		return -ENOENT;
	}
	if (syscall(SYS_delete_module, name, O_NONBLOCK) == 0)
		return 0;
	if (errno == EWOULDBLOCK || errno == EBUSY) {
		if (!quiet)
			sr_err("module %s is in use (a staprun is attached to it)", name);
		return -EBUSY;
	}
	sr_err("cannot remove module %s: %s", name, strerror(errno));
	return -errno;
}

/*
 * staprun -d MODULE: remove a systemtap module left behind by a staprun that
 * was killed (its module_exit runs the end probes and unregisters every
 * probe).  "*" removes every systemtap module no staprun is attached to.
 */
int module_delete(const char *arg)
{
	char name[STAPRUN_MODNAME_MAX], dir[256];
	struct dirent *de;
	DIR *d;
	int rc = 0;

	if (strcmp(arg, "*")) {
		rc = module_name_arg(arg, name, sizeof(name));
		return rc ? rc : delete_one(name, false);
	}
	snprintf(dir, sizeof(dir), "%s/systemtap", STAPRUN_DEBUGFS);
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		int e;

		if (de->d_name[0] == '.' || strlen(de->d_name) >= sizeof(name))
			continue;
		e = delete_one(de->d_name, true);
		if (e && e != -EBUSY && !rc)
			rc = e;
	}
	closedir(d);
	return rc;
}
