/*
 * The running kernel's build id against the debuginfo's: the DWARF-based
 * families (kprobes, tracepoints) refuse to register anything on a mismatch,
 * since addresses and argument types from the wrong DWARF would be wrong.
 */
#ifndef _STP_LINUX_BUILDID_H
#define _STP_LINUX_BUILDID_H

#include <linux/fs.h>
#include <linux/module.h>
#include <linux/slab.h>

/* scratch context for messages from init (process context, serialized) */
static struct _stp_context _stp_kp_msg_ctx;

/*
 * The GNU build id in a file of ELF notes: /sys/kernel/notes for the running
 * kernel, /sys/module/NAME/notes/.note.gnu.build-id for a loaded module; its
 * length or 0.
 */
static size_t _stp_notes_build_id(const char *path, unsigned char *out,
				  size_t cap)
{
	struct file *f = filp_open(path, O_RDONLY, 0);
	unsigned char *buf;
	loff_t pos = 0;
	ssize_t len;
	size_t off = 0, got = 0;

	if (IS_ERR(f))
		return 0;
	buf = kmalloc(4096, GFP_KERNEL);
	if (!buf) {
		filp_close(f, NULL);
		return 0;
	}
	len = kernel_read(f, buf, 4096, &pos);
	filp_close(f, NULL);
	while (len > 0 && off + 12 <= (size_t)len) {
		u32 namesz, descsz, type;
		size_t desc;

		memcpy(&namesz, buf + off, 4);
		memcpy(&descsz, buf + off + 4, 4);
		memcpy(&type, buf + off + 8, 4);
		desc = off + 12 + ALIGN(namesz, 4);
		if (desc + descsz > (size_t)len)
			break;
		if (type == 3 && namesz == 4 && !memcmp(buf + off + 12, "GNU", 4) &&
		    descsz <= cap) {
			memcpy(out, buf + desc, descsz);
			got = descsz;
			break;
		}
		off = desc + ALIGN(descsz, 4);
	}
	kfree(buf);
	return got;
}

/*
 * 0 if the running kernel has the build id `build_id` (or build_id_len is 0:
 * nothing to check), else a warning naming both and -ENOEXEC.  Process
 * context.
 */
static int _stp_check_build_id(const unsigned char *build_id,
			       size_t build_id_len, const char *debuginfo)
{
	unsigned char have[64];
	size_t have_len;

	if (!build_id_len)
		return 0;
	have_len = _stp_notes_build_id("/sys/kernel/notes", have,
				       sizeof(have));
#ifdef STP_TEST_BUILD_ID_MISMATCH
	have[0] ^= 0xff;	/* testsuite: pretend to run on another kernel */
#endif
	if (have_len == build_id_len && !memcmp(have, build_id, build_id_len))
		return 0;
	_stp_warn(&_stp_kp_msg_ctx,
		  "Build-id mismatch [man error::buildid]: \"kernel\" %*phN vs "
		  "\"%s\" %*phN; no probe registered\n",
		  (int)min_t(size_t, have_len, 20), have, debuginfo,
		  (int)min_t(size_t, build_id_len, 20), build_id);
	return -ENOEXEC;
}

/*
 * 0 if module `name` is not loaded or has the build id `build_id`, else a
 * warning and -ENOEXEC.  Only a module loaded before the session can be
 * checked: one that arrives later gets its sysfs notes only after its
 * MODULE_STATE_COMING notifier, when its probes must already be registered.
 */
static int _stp_check_module_build_id(const char *name,
				      const unsigned char *build_id,
				      size_t build_id_len,
				      const char *debuginfo)
{
	char path[MODULE_NAME_LEN + 48];
	unsigned char have[64];
	size_t have_len;

	if (!build_id_len)
		return 0;
	snprintf(path, sizeof(path), "/sys/module/%s/notes/.note.gnu.build-id",
		 name);
	have_len = _stp_notes_build_id(path, have, sizeof(have));
	if (!have_len ||
	    (have_len == build_id_len && !memcmp(have, build_id, build_id_len)))
		return 0;
	_stp_warn(&_stp_kp_msg_ctx,
		  "Build-id mismatch [man error::buildid]: module \"%s\" %*phN vs "
		  "\"%s\" %*phN; its probes are not registered\n", name,
		  (int)min_t(size_t, have_len, 20), have, debuginfo,
		  (int)min_t(size_t, build_id_len, 20), build_id);
	return -ENOEXEC;
}

#endif /* _STP_LINUX_BUILDID_H */
