/* Files stap trusts: its caches (modules, the runtime object, DWARF indexes, the guest's
 * kernel and initramfs). A cached file is only used, and a cache directory only written,
 * if nobody but the user and root could have written it: every directory on its path is
 * owned by root or the user and writable by nobody else (a sticky directory such as /tmp
 * excepted), and the file itself is a regular file owned by root or the user, writable by
 * nobody else. New files appear atomically (a mkstemp() temporary renamed into place), so
 * no one can make stap write through a link they planted.
 *
 * libc only: shared by stap and stap-qemu. Functions return 0 or a negative errno; a
 * refusal is -EPERM and, where an fs_why is given, says what was wrong and where. */
#ifndef STAP_FSAFE_H
#define STAP_FSAFE_H

#include <stddef.h>
#include <limits.h>
#include <sys/types.h>

struct fs_why {
	char msg[PATH_MAX + 96];	/* "/x/y is writable by others" */
};

/* The user's home: $HOME if it is an absolute path, else the passwd entry's. */
int fs_home_dir(char *buf, size_t len);

/* Make directory PATH (and missing parents, with MODE) and check that it and every
 * directory above it can be trusted. On success CANON (LEN bytes) holds its canonical
 * path, free of symlinks: use that from then on. */
int fs_trusted_dir(const char *path, mode_t mode, char *canon, size_t len,
		   struct fs_why *why);

/* Open a cached file for reading if it can be trusted (its directory was checked with
 * fs_trusted_dir); returns the descriptor, or -errno. */
int fs_open_trusted(const char *path, struct fs_why *why);
/* The same check without keeping the file open. */
int fs_file_trusted(const char *path, struct fs_why *why);

/* Write DATA to PATH atomically with permission bits MODE. */
int fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode);

/* For writers that stream: a new temporary file next to PATH (its name in TMP, LEN
 * bytes), opened O_EXCL with mode 0600. fs_commit() sets MODE and renames it to PATH
 * (or removes it when RC is nonzero) and returns RC or the first failure. */
int fs_create_temp(const char *path, char *tmp, size_t len);
int fs_commit(int fd, const char *tmp, const char *path, mode_t mode, int rc);

#endif
