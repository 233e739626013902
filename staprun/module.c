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

/*
 * Mount debugfs on /sys/kernel/debug unless it is there already.  Not being
 * able to is no error by itself: a kernel booted with debugfs=off has none,
 * and the module then puts its files in /proc (session_dir()).
 */
void debugfs_ensure(const struct staprun *sr)
{
	struct statfs st;

	if (statfs(STAPRUN_DEBUGFS, &st) == 0 && st.f_type == DEBUGFS_MAGIC)
		return;
	if (mount("debugfs", STAPRUN_DEBUGFS, "debugfs", 0, NULL) < 0 && sr)
		sr_dbg(sr, "cannot mount debugfs on %s: %s", STAPRUN_DEBUGFS,
		       strerror(errno));
}

/*
 * Where the loaded module put its files: debugfs, or /proc when debugfs was
 * unusable to it (debugfs=off, a locked-down kernel).  Sets sr->dir and
 * sr->ctl_name; 0, or -ENOENT (reported).
 */
int session_dir(struct staprun *sr)
{
	static const struct { const char *dir, *ctl; } where[] = {
		{ STP_DEBUGFS_DIR, STP_DEBUGFS_CTL },
		{ STP_PROC_DIR, STP_PROC_CTL },
	};
	struct stat st;
	char ctl[256];
	size_t i;

	for (i = 0; i < sizeof(where) / sizeof(where[0]); i++) {
		snprintf(ctl, sizeof(ctl), "%s/%s/%s", where[i].dir, sr->name, where[i].ctl);
		if (stat(ctl, &st) == 0) {	/* with the effective ids: not access() */
			snprintf(sr->dir, sizeof(sr->dir), "%s/%s", where[i].dir, sr->name);
			sr->ctl_name = where[i].ctl;
			sr_dbg(sr, "session files in %s", sr->dir);
			return 0;
		}
	}
	sr_err("module %s has no control file in %s/%s/ or %s/%s/", sr->name,
	       STP_DEBUGFS_DIR, sr->name, STP_PROC_DIR, sr->name);
	return -ENOENT;
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

/* The kernel's lockdown level, from securityfs ("none" when it has none), in buf. */
static const char *lockdown_level(char *buf, size_t cap)
{
	char text[128], *open_, *close_;
	int fd = open("/sys/kernel/security/lockdown", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, text, sizeof(text) - 1) : -1;

	if (fd >= 0)
		close(fd);
	snprintf(buf, cap, "none");
	if (n <= 0)
		return buf;
	text[n] = '\0';
	open_ = strchr(text, '[');
	close_ = open_ ? strchr(open_, ']') : NULL;
	if (close_) {
		*close_ = '\0';
		snprintf(buf, cap, "%s", open_ + 1);
	}
	return buf;
}

#define ENROL_HINT "enrol its key once with \"mokutil --import ~/.systemtap/signing_key.x509\", " \
	"then reboot and confirm the enrolment"

static void report_load_error(const struct staprun *sr, int e, bool is_signed)
{
	char lockdown[32];

	switch (e) {
	case EEXIST:
		sr_err("module %s is already loaded", sr->name);
		break;
	case ENOSYS:
		sr_err("cannot load module %s: this kernel cannot load modules",
		       sr->name);
		break;
	case EPERM:
		if (geteuid() == 0 && strcmp(lockdown_level(lockdown, sizeof(lockdown)), "none")) {
			sr_err("cannot load module %s: %s: the kernel is locked down (%s: Secure "
			       "Boot or lockdown=) and loads only modules signed with a key it "
			       "trusts. %s", sr->name, strerror(e), lockdown, is_signed ?
			       "The module is signed, but not with such a key: " ENROL_HINT :
			       "Build the module with stap --sign-module and " ENROL_HINT);
			break;
		}
		sr_err("cannot load module %s: %s (not root, or the kernel "
		       "forbids loading modules)", sr->name, strerror(e));
		break;
	case ENOEXEC:
		sr_err("cannot load module %s: %s (built for another kernel?)",
		       sr->name, strerror(e));
		break;
	case EKEYREJECTED:	/* unsigned, or signed with a key the kernel does not know */
	case ENOKEY:
		if (is_signed)
			sr_err("cannot load module %s: %s: this kernel loads only modules signed "
			       "with a key it trusts (Secure Boot or module.sig_enforce), and the "
			       "module's key is not one of them: " ENROL_HINT, sr->name, strerror(e));
		else
			sr_err("cannot load module %s: %s: this kernel loads only modules signed "
			       "with a key it trusts (Secure Boot or module.sig_enforce). Build the "
			       "module with stap --sign-module and " ENROL_HINT, sr->name, strerror(e));
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
	bool signed_only = sr->level != PRIV_DEV && !sr->in_moddir;
	char level[16], why[512];
	bool flight;

	if (!path)
		return -EPERM;
	/* below stapdev, the checked real path: no symlink may replace a part of it;
	 * a module elsewhere is opened with the caller's own ids */
	if (signed_only)	/* not blocking on a FIFO: read_file() wants a regular file */
		fd = priv_open_as_caller(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	else
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
	if (rc == 0 && signed_only && sig_verify(img, size, why, sizeof(why))) {
		sr_err("members of the groups \"stapusr\" and \"stapsys\" may only run modules "
		       "in %s/ or modules signed by a key trusted in %s/: %s is neither: %s",
		       sr->moddir, STAPRUN_TRUST_DIR, sr->module_path, why);
		rc = -EPERM;
	}
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
	/* a module taken for its signature is loaded from the image verified (the
	 * file is the caller's to change); a renamed one from the image changed in
	 * memory */
	errno = ENOSYS;
	rc = signed_only || sr->rename ? -1 : (int)syscall(SYS_finit_module, fd, params, 0);
	if (signed_only || sr->rename || (rc < 0 && errno == ENOSYS))
		rc = (int)syscall(SYS_init_module, img, size, params);
	if (rc < 0) {
		rc = -errno;
		report_load_error(sr, -rc, sig_present(img, size));
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

/* Is `name` a loaded systemtap module: does it have our control file? */
static bool is_stap_module(const char *name)
{
	struct stat st;
	char ctl[256];

	snprintf(ctl, sizeof(ctl), "%s/%s/%s", STP_DEBUGFS_DIR, name, STP_DEBUGFS_CTL);
	if (stat(ctl, &st) == 0)
		return true;
	snprintf(ctl, sizeof(ctl), "%s/%s/%s", STP_PROC_DIR, name, STP_PROC_CTL);
	return stat(ctl, &st) == 0;
}

/*
 * Remove one systemtap module that no staprun holds; only a module with our
 * control file counts, so that no other kernel module can be removed this
 * way.  0, or -errno (reported unless quiet and merely in use).
 */
static int delete_one(const char *name, bool quiet)
{
	if (!is_stap_module(name)) {
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

/* "*": every systemtap module in `dir` that no staprun is attached to */
static int delete_all(const char *dir)
{
	char name[STAPRUN_MODNAME_MAX];
	struct dirent *de;
	DIR *d;
	int rc = 0;

	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		int e;

		if (de->d_name[0] == '.' || strlen(de->d_name) >= sizeof(name) ||
		    !is_stap_module(de->d_name))
			continue;
		e = delete_one(de->d_name, true);
		if (e && e != -EBUSY && !rc)
			rc = e;
	}
	closedir(d);
	return rc;
}

/*
 * staprun -d MODULE: remove a systemtap module left behind by a staprun that
 * was killed (its module_exit runs the end probes and unregisters every
 * probe).  "*" removes every systemtap module no staprun is attached to.
 */
int module_delete(const char *arg)
{
	char name[STAPRUN_MODNAME_MAX];
	int rc, rc2;

	if (strcmp(arg, "*")) {
		rc = module_name_arg(arg, name, sizeof(name));
		return rc ? rc : delete_one(name, false);
	}
	rc = delete_all(STP_DEBUGFS_DIR);
	rc2 = delete_all(STP_PROC_DIR);
	return rc ? rc : rc2;
}
