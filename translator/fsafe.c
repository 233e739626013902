/* Files stap trusts: see fsafe.h for the rules. */
#define _GNU_SOURCE	/* mkostemp */
#include "fsafe.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int refuse(struct fs_why *why, const char *path, const char *what)
{
	if (why)
		snprintf(why->msg, sizeof(why->msg), "%s %s", path, what);
	return -EPERM;
}

int fs_home_dir(char *buf, size_t len)
{
	const char *home = getenv("HOME");
	struct passwd *pw;

	if (!home || home[0] != '/') {
		pw = getpwuid(geteuid());
		home = pw && pw->pw_dir && pw->pw_dir[0] == '/' ? pw->pw_dir : NULL;
	}
	if (!home)
		return -ENOENT;
	if ((size_t)snprintf(buf, len, "%s", home) >= len)
		return -ENAMETOOLONG;
	return 0;
}

static bool owner_ok(const struct stat *st)
{
	return st->st_uid == 0 || st->st_uid == geteuid();
}

/* One directory on the path: LAST is the directory itself, else one above it. */
static int check_dir(const char *path, bool last, struct fs_why *why)
{
	struct stat st;

	if (lstat(path, &st))
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return refuse(why, path, "is not a directory");
	if (!owner_ok(&st))
		return refuse(why, path, "belongs to another user");
	if (!(st.st_mode & (S_IWGRP | S_IWOTH)))
		return 0;
	/* a sticky directory (/tmp) is fine above: nobody can replace what is ours in it */
	if (!last && (st.st_mode & S_ISVTX))
		return 0;
	return refuse(why, path, "is writable by others");
}

static int mkdirs(const char *path, mode_t mode)
{
	char tmp[PATH_MAX];
	size_t i, len = strlen(path);

	if (len >= sizeof(tmp))
		return -ENAMETOOLONG;
	memcpy(tmp, path, len + 1);
	for (i = 1; i <= len; i++) {
		if (tmp[i] != '/' && tmp[i] != '\0')
			continue;
		tmp[i] = '\0';
		if (mkdir(tmp, mode) && errno != EEXIST)
			return -errno;
		tmp[i] = path[i];
	}
	return 0;
}

int fs_trusted_dir(const char *path, mode_t mode, char *canon, size_t len,
		   struct fs_why *why)
{
	char real[PATH_MAX], *p;
	int rc;

	if (path[0] != '/')
		return refuse(why, path, "is not an absolute path");
	/* made only if missing: most runs find it, and each mkdir is a system call */
	if (!realpath(path, real)) {
		if (errno != ENOENT)
			return -errno;
		rc = mkdirs(path, mode);
		if (rc)
			return rc;
		if (!realpath(path, real))
			return -errno;
	}
	/* every directory from / down, the last one strictest */
	rc = check_dir("/", real[1] == '\0', why);
	for (p = real + 1; !rc && *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		rc = check_dir(real, false, why);
		*p = '/';
	}
	if (!rc && real[1])
		rc = check_dir(real, true, why);
	if (rc)
		return rc;
	if ((size_t)snprintf(canon, len, "%s", real) >= len)
		return -ENAMETOOLONG;
	return 0;
}

int fs_open_trusted(const char *path, struct fs_why *why)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK), rc = 0;

	if (fd < 0)
		return errno == ELOOP ? refuse(why, path, "is a symbolic link") : -errno;
	if (fstat(fd, &st))
		rc = -errno;
	else if (!S_ISREG(st.st_mode))
		rc = refuse(why, path, "is not a regular file");
	else if (!owner_ok(&st))
		rc = refuse(why, path, "belongs to another user");
	else if (st.st_mode & (S_IWGRP | S_IWOTH))
		rc = refuse(why, path, "is writable by others");
	if (rc) {
		close(fd);
		return rc;
	}
	/* O_NONBLOCK only kept a planted FIFO from blocking the open */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return fd;
}

int fs_file_trusted(const char *path, struct fs_why *why)
{
	int fd = fs_open_trusted(path, why);

	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

int fs_create_temp(const char *path, char *tmp, size_t len)
{
	int fd;

	if ((size_t)snprintf(tmp, len, "%s.tmp.XXXXXX", path) >= len)
		return -ENAMETOOLONG;
	fd = mkostemp(tmp, O_CLOEXEC);	/* O_EXCL, mode 0600 */
	return fd < 0 ? -errno : fd;
}

int fs_commit(int fd, const char *tmp, const char *path, mode_t mode, int rc)
{
	if (!rc && fchmod(fd, mode))
		rc = -errno;
	if (close(fd) && !rc)
		rc = -errno;
	if (!rc && rename(tmp, path))
		rc = -errno;
	if (rc)
		unlink(tmp);
	return rc;
}

int fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
	char tmp[PATH_MAX + 16];
	const char *p = data;
	int fd = fs_create_temp(path, tmp, sizeof(tmp)), rc = 0;

	if (fd < 0)
		return fd;
	while (len && !rc) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			break;
		}
		p += n;
		len -= (size_t)n;
	}
	return fs_commit(fd, tmp, path, mode, rc);
}
