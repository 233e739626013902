/* The qemu guest's initramfs: uncompressed newc cpio archives, a base one cached per
 * busybox and /init version (busybox-static with applet links, merged-/usr symlinks,
 * /etc/passwd and group, the guest's /init), followed by a small per-run one holding the
 * caller's files and the command. The kernel unpacks concatenated archives in order.
 */
#ifndef STAP_REMOTE_INITRAMFS_H
#define STAP_REMOTE_INITRAMFS_H

#include <stddef.h>

struct qemu_file;

/* qemu.c: "qemu: MSG" on stderr; write all of a buffer (EINTR, EAGAIN), 0 or -errno */
void qemu_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int qemu_write_all(int fd, const void *p, size_t len);

/* Put in OUT the path of the base archive in directory CACHE, writing it first if it is
 * not there. 0, or -errno after a message on stderr. */
int initramfs_base(const char *cache, int verbose, char *out, size_t len);

/* Write PATH (which must not exist): a copy of the base archive BASE, then an archive
 * with FILES (parent directories made), CMD as /run/stap-qemu/cmd for the guest's /init,
 * and, for a non-NULL RELEASE, the kernel modules the guest may load (brd and loop, for
 * block devices) under /lib/modules/RELEASE with their modules.dep. 0, or -errno after
 * a message on stderr. */
int initramfs_write(const char *path, const char *base, const struct qemu_file *files,
		    size_t n_files, const char *cmd, const char *release);

#endif /* STAP_REMOTE_INITRAMFS_H */
