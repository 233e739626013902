/*
 * The session's files: /sys/kernel/debug/systemtap/<module name>/ with
 * `ctl` and one `trace<cpu>` per possible CPU (or the same in /proc when
 * debugfs cannot serve: transport/procfs.h).
 *
 * The `systemtap` directory is shared by every loaded session: it is looked
 * up, created if absent, and never removed (removing it would take the other
 * sessions' directories with it; an empty directory is harmless).  Our own
 * directory goes away with the module.  The files' fops name THIS_MODULE as
 * owner, so the module cannot be unloaded while staprun holds one open.
 */
#ifndef _STP_TRANSPORT_DEBUGFS_H
#define _STP_TRANSPORT_DEBUGFS_H

#include <linux/security.h>

static struct dentry *_stp_debugfs_dir;

/* The shared parent, with a reference the caller drops with dput(). */
static struct dentry *_stp_debugfs_root(void)
{
	struct dentry *root = debugfs_lookup("systemtap", NULL);

	if (root)
		return root;
	root = debugfs_create_dir("systemtap", NULL);
	if (!IS_ERR(root))
		return dget(root);
	/* another session created it between our lookup and create */
	root = debugfs_lookup("systemtap", NULL);
	return root ? root : ERR_PTR(-ENOENT);
}

struct dentry *_stp_session_dir(void)
{
	return _stp_debugfs_dir;
}

static void _stp_debugfs_remove(void)
{
	debugfs_remove(_stp_debugfs_dir);
	_stp_debugfs_dir = NULL;
}

/* Create our directory and files.  Process context, at module init. */
static int _stp_debugfs_init(void)
{
	struct dentry *root = _stp_debugfs_root();
	struct dentry *d;
	unsigned int cpu;
	char name[32];

	if (IS_ERR(root))
		return PTR_ERR(root);
	/* THIS_MODULE->name, not KBUILD_MODNAME: the runtime object is
	 * compiled once for every module it is linked into */
	_stp_debugfs_dir = debugfs_create_dir(THIS_MODULE->name, root);
	dput(root);
	if (IS_ERR(_stp_debugfs_dir)) {
		int rc = PTR_ERR(_stp_debugfs_dir);

		_stp_debugfs_dir = NULL;
		return rc;
	}
	d = debugfs_create_file("ctl", 0600, _stp_debugfs_dir, NULL,
				&_stp_ctl_fops);
	if (IS_ERR(d))
		goto fail;
	for_each_possible_cpu(cpu) {
		snprintf(name, sizeof(name), "trace%u", cpu);
		d = debugfs_create_file(name, 0400, _stp_debugfs_dir,
					_stp_rings[cpu], &_stp_trace_fops);
		if (IS_ERR(d))
			goto fail;
	}
	return 0;
fail:
	_stp_debugfs_remove();
	return PTR_ERR(d);
}

/*
 * debugfs serves unless the kernel is locked down (every debugfs file that
 * can be written is then refused, the control file among them) or was booted
 * with debugfs=off (nothing can be created); /proc serves then.
 */
static bool _stp_debugfs_usable(void)
{
#ifdef STAPCONF_LOCKDOWN_DEBUGFS
	return security_locked_down(LOCKDOWN_DEBUGFS) == 0;
#else
	return true;
#endif
}

/* The session's files, in debugfs or else in /proc.  Module init. */
static int _stp_transport_files_init(void)
{
	if (_stp_debugfs_usable() && _stp_debugfs_init() == 0)
		return 0;
	return _stp_proc_transport_init();
}

static void _stp_transport_files_remove(void)
{
	_stp_debugfs_remove();
	_stp_proc_transport_remove();
}

#endif /* _STP_TRANSPORT_DEBUGFS_H */
