/* Run a command inside a throwaway qemu guest that boots an installed Debian kernel.
 *
 * The guest boots the kernel's ELF vmlinux (extracted once from /boot/vmlinuz-<release> and
 * cached) with an initramfs made of a cached busybox base archive plus a per-run archive
 * holding the caller's files and the command. Serial ports carry the data: ttyS0 the kernel
 * console (a log file), ttyS1 the command's stdout, ttyS2 its stderr, ttyS3 control (the
 * guest reports READY and "STATUS <n>"; the host sends "INT" to interrupt the command).
 *
 * The library keeps no state between calls and changes no file-scope variable.
 */
#ifndef STAP_REMOTE_QEMU_H
#define STAP_REMOTE_QEMU_H

#include <stddef.h>

/* One host file to put into the guest's initramfs; missing parent directories are made. */
struct qemu_file {
	const char *host_path;	/* a regular file on the host */
	const char *guest_path;	/* absolute; NULL = same as host_path */
	unsigned mode;		/* permission bits; 0 = those of the host file */
	const char *symlink;	/* non-NULL: the guest path (guest_path, else host_path)
				 * is a symbolic link to this, and no file is read */
};

struct qemu_opts {
	const char *release;	/* kernel release; NULL/"" = newest installed Debian kernel */
	const char *cache_dir;	/* vmlinux and base initramfs cache; NULL/"" = default */
	int verbose;		/* >0: say what happens on stderr; >1: also qemu's own output */
	double timeout;		/* seconds from qemu start; 0 = none; on expiry kill qemu */
	int smp;		/* guest cpus; <= 0 means 2 */
	const char *console_log;	/* non-NULL: keep the guest console log at this path */
	int bzimage;		/* boot /boot/vmlinuz-<release> itself: slower (the guest
				 * decompresses it), but with KASLR, unlike the PVH vmlinux */
	const char *append;	/* more kernel command-line words (e.g. "debugfs=off
				 * lockdown=integrity"), checked by qemu_append_ok(); NULL/"" = none */
	const char *hostfwd;	/* non-NULL: an e1000 NIC on qemu's user-mode network
				 * (restricted: the guest reaches nothing outside) with this
				 * forward, "tcp:127.0.0.1:2222-:22"; the guest configures
				 * it (driver e1000, address 10.0.2.15/24) */
};

/* Distinct failures of qemu_run(); every one is also explained on stderr. */
#define QEMU_E_OOPS	(-EIO)		/* the guest kernel oopsed, warned or hit a BUG */
#define QEMU_E_TIMEOUT	(-ETIMEDOUT)	/* opts->timeout (or a boot timeout) expired */
#define QEMU_E_INTR	(-EINTR)	/* a second SIGINT/SIGTERM killed the guest */
#define QEMU_E_GUEST	(-EPROTO)	/* the guest died without reporting a status */

/* Boot a guest, run CMD there with /bin/sh -c, stream its stdout to OUT_FD and its stderr
 * to ERR_FD as they arrive, and return its exit status (0..255; 128+N when killed by signal
 * N), or a negative errno after printing why on stderr. Every byte the command wrote is
 * delivered before the return, and qemu is dead and the temporary files are gone by then.
 * The command runs as root in /, in its own session, with stdin /dev/null and stdout and
 * stderr on raw serial ttys; processes it leaves behind are killed when it exits.
 *
 * While it runs, SIGINT, SIGTERM and SIGHUP are blocked in the caller and read here: the
 * first one is forwarded into the guest as SIGINT to the command's process group and
 * streaming goes on until the command exits; a second one kills the guest (QEMU_E_INTR).
 * The caller's signal mask is restored before the return.
 *
 * If the guest console shows "Oops", "BUG:", "WARNING:" or "Call Trace", the offending
 * excerpt is printed and QEMU_E_OOPS returned even if the command succeeded. */
int qemu_run(const struct qemu_opts *o, const struct qemu_file *files, size_t n_files,
	     const char *cmd, int out_fd, int err_fd);

/* The release qemu_run() would boot for an empty opts->release: the newest kernel with both
 * /boot/vmlinuz-<release> and kernel headers installed (or, failing that, any vmlinuz).
 * Returns 0, or -ENOENT if there is none, -ENAMETOOLONG if LEN is too small. */
int qemu_default_release(char *buf, size_t len);

/* Is REL a plausible kernel release (letters, digits and ._+~-, as uname -r prints)? It
 * names files under /boot and /lib/modules, so nothing else may pass. */
int qemu_release_ok(const char *rel);

/* Are WORDS plausible kernel command-line words (blank-separated; letters, digits and
 * ._,=:+-/ only)? Nothing that could end or quote the command line may pass. */
int qemu_append_ok(const char *words);

#endif /* STAP_REMOTE_QEMU_H */
