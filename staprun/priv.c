/*
 * Who may run what: staprun may be installed setuid root (owner root, group
 * stapusr, mode 04754), so everything here runs before anything is opened
 * on the caller's behalf.
 *
 *   root, or a member of stapdev: any module.
 *   a member of stapusr (and maybe stapsys): only a module under
 *     /lib/modules/RELEASE/systemtap/ whose every directory and the file
 *     itself belong to root and are writable by nobody else, or a module
 *     anywhere signed by a key trusted in /etc/systemtap/staprun/ (sig.c);
 *     built for that level (its .modinfo stap_privilege, written by stap
 *     --privilege); module parameters only of the script's own (not the
 *     runtime's "_..."), -s at most STAPRUN_BUFSIZE_USR_MAX, no staprun -d.
 *   anyone else: nothing.
 *
 * Group membership is read from /etc/group (no NSS in a static program)
 * against the real gid and the supplementary groups.  The -o file is opened
 * and the -c command and system() commands run with the caller's own ids.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "staprun.h"

#define SYSTEMTAP_MODDIR "/lib/modules/%s/systemtap"

static const char *const level_names[] = { "stapusr", "stapsys", "stapdev" };

/* The gid of group `name` in /etc/group, or -1. */
static long group_gid(const char *name)
{
	FILE *f = fopen("/etc/group", "re");
	char line[1024];
	size_t n = strlen(name);
	long gid = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *p;

		if (strncmp(line, name, n) || line[n] != ':')
			continue;
		p = strchr(line + n + 1, ':');	/* past the password field */
		if (p)
			gid = strtol(p + 1, NULL, 10);
		break;
	}
	fclose(f);
	return gid;
}

static bool in_group(const char *name)
{
	long gid = group_gid(name);
	gid_t groups[256];
	int n, i;

	if (gid < 0)
		return false;
	if ((long)getgid() == gid)
		return true;
	n = getgroups(256, groups);
	for (i = 0; i < n; i++)
		if ((long)groups[i] == gid)
			return true;
	return false;
}

/* The caller's level; 0, or -EPERM (reported) for a user in no group. */
int priv_init(struct staprun *sr)
{
	if (getuid() == 0 || in_group("stapdev")) {
		sr->level = PRIV_DEV;
		return 0;
	}
	if (in_group("stapusr")) {
		sr->level = in_group("stapsys") ? PRIV_SYS : PRIV_USR;
		return 0;
	}
	sr_err("You are trying to run systemtap as a normal user.\n"
	       "You should either be root, or be part of the group \"stapusr\" and "
	       "possibly one of the groups \"stapsys\" or \"stapdev\".");
	return -EPERM;
}

/* Run from here on with the caller's real ids (a child about to exec). */
void priv_drop(void)
{
	if (setgid(getgid()) < 0 || setuid(getuid()) < 0) {
		fprintf(stderr, "ERROR: cannot drop privileges: %s\n", strerror(errno));
		_exit(127);
	}
}

/* open(path, flags, 0666) or, with flags -1, unlink(path) with the caller's own
 * ids (the -o files); as the calls, -1 with errno set */
static int as_caller(const char *path, int flags)
{
	uid_t euid = geteuid();
	gid_t egid = getegid();
	int fd, e;

	if (setegid(getgid()) < 0 || seteuid(getuid()) < 0)
		return -1;
	fd = flags == -1 ? unlink(path) : open(path, flags, 0666);
	e = errno;
	if (seteuid(euid) < 0 || setegid(egid) < 0) {
		if (fd > 0)
			close(fd);
		errno = EPERM;
		return -1;
	}
	errno = e;
	return fd;
}

int priv_open_as_caller(const char *path, int flags)
{
	return as_caller(path, flags);
}

int priv_unlink_as_caller(const char *path)
{
	return as_caller(path, -1);
}

/*
 * Every directory from `dir` up to / belongs to root and only root may write
 * it; 0, or -EPERM with the offending directory named in `why`.
 */
int priv_check_root_dir(const char *dir, char *why, size_t cap)
{
	char path[PATH_MAX];
	struct stat st;
	char *slash;

	snprintf(path, sizeof(path), "%s", dir);
	for (;;) {
		if (lstat(path[0] ? path : "/", &st) < 0 && errno == ENOENT) {
			snprintf(why, cap, "%s does not exist", path);
			return -EPERM;
		}
		if (lstat(path[0] ? path : "/", &st) < 0 || !S_ISDIR(st.st_mode) ||
		    st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH))) {
			snprintf(why, cap, "%s is not a directory that only root may change",
				 path[0] ? path : "/");
			return -EPERM;
		}
		if (!path[0])
			return 0;
		slash = strrchr(path, '/');
		*slash = '\0';
	}
}

/*
 * For a user below stapdev: the real path of a module in the systemtap
 * directory, checked to be a root-owned file there, to open instead of the
 * one given (sr->in_moddir); any other module is opened as given, with the
 * caller's own ids, and runs only if signed by a trusted key (sig.c).  NULL
 * (reported) when a directory on the way is unsafe.  For stapdev: the path as
 * given.
 */
const char *priv_module_path(struct staprun *sr, const char *given)
{
	static char real[PATH_MAX];
	char dir[PATH_MAX], why[PATH_MAX + 64];
	struct utsname u;
	size_t n;

	sr->in_moddir = false;
	if (sr->level == PRIV_DEV)
		return given;
	if (uname(&u) < 0)
		return NULL;
	snprintf(real, sizeof(real), SYSTEMTAP_MODDIR, u.release);
	if (!realpath(real, dir))	/* /lib may be a link to usr/lib */
		snprintf(dir, sizeof(dir), SYSTEMTAP_MODDIR, u.release);
	snprintf(sr->moddir, sizeof(sr->moddir), "%s", dir);
	n = strlen(dir);
	if (!realpath(given, real) || strncmp(real, dir, n) || real[n] != '/')
		return given;
	*strrchr(real, '/') = '\0';
	if (priv_check_root_dir(real, why, sizeof(why))) {
		sr_err("%s", why);
		return NULL;
	}
	real[strlen(real)] = '/';
	sr->in_moddir = true;
	return real;
}

/* The module file, open: a regular file of root's that nobody else may write. */
int priv_check_file(const struct staprun *sr, int fd)
{
	struct stat st;

	if (sr->level == PRIV_DEV || !sr->in_moddir)
		return 0;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & (S_IWGRP | S_IWOTH))) {
		sr_err("module %s must belong to root and be writable by nobody else",
		       sr->module_path);
		return -EPERM;
	}
	return 0;
}

/* The module's recorded level is one the caller has. */
int priv_check_image(const struct staprun *sr, const void *img, size_t size)
{
	char level[16];
	int i;

	if (sr->level == PRIV_DEV)
		return 0;
	if (modinfo_field(img, size, "stap_privilege", level, sizeof(level)))
		snprintf(level, sizeof(level), "stapdev");
	for (i = 0; i <= (int)sr->level; i++)
		if (!strcmp(level, level_names[i]))
			return 0;
	sr_err("module %s was built for --privilege=%s; you may run only modules built "
	       "for --privilege=%s%s", sr->module_path, level, level_names[sr->level],
	       sr->level == PRIV_SYS ? " or stapusr" : "");
	return -EPERM;
}

/* Module parameters below stapdev: the script's globals (-G), never the runtime's. */
int priv_check_params(const struct staprun *sr, char **params, int n)
{
	int i;

	if (sr->level == PRIV_DEV)
		return 0;
	for (i = 0; i < n; i++) {
		const char *p = params[i];
		size_t j;

		for (j = 0; p[j] && p[j] != '='; j++)
			if (!(p[j] == '_' || (p[j] >= 'a' && p[j] <= 'z') ||
			      (p[j] >= 'A' && p[j] <= 'Z') || (j && p[j] >= '0' && p[j] <= '9')))
				break;
		if (p[0] == '_' || p[j] != '=' || j == 0 || strpbrk(p + j + 1, " \t\n\"")) {
			sr_err("module parameter '%s' is not allowed: members of \"stapusr\" may "
			       "set only the script's globals (NAME=VALUE)", p);
			return -EPERM;
		}
	}
	return 0;
}
