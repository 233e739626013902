/*
 * The session's files in /proc, for kernels where debugfs cannot serve:
 * booted with debugfs=off (nothing can be created there), or locked down
 * (lockdown=integrity or Secure Boot: no debugfs file may be written, so no
 * control channel).  /proc/systemtap/<module name>/ then holds `.cmd` (the
 * control channel, 0600), one `trace<cpu>` per possible CPU (0400) and, for a
 * script with input probes, `input` (0200); procfs probes put their files in
 * the same directory.  Everything belongs to root, as in debugfs.
 *
 * /proc/systemtap is shared by every session and never removed.  Creating an
 * entry that exists warns, so the look-up and the creation happen under the
 * lock of /proc's own directory inode: every session loaded at once
 * serializes there.  Our directory is made on first use (the transport at
 * module init, or the procfs probes of a debugfs session at START) and
 * removed with the module.
 *
 * proc entries name no owner module: opening one takes a module reference,
 * closing it drops it, so that the module cannot be removed while staprun
 * holds a file (as debugfs' .owner does).  Removing the entries waits for
 * reads and writes in progress and closes what is still open.
 */
#ifndef _STP_TRANSPORT_PROCFS_H
#define _STP_TRANSPORT_PROCFS_H

#include <linux/namei.h>

static struct proc_dir_entry *_stp_proc_dir;
static char _stp_proc_dir_name[96];
static DEFINE_MUTEX(_stp_proc_dir_lock);

static void *_stp_proc_data(const struct inode *inode)
{
#ifdef STAPCONF_PDE_DATA
	return pde_data(inode);
#else
	return PDE_DATA(inode);
#endif
}

/* Make /proc/systemtap unless it is there: under /proc's inode lock. */
static int _stp_proc_root(void)
{
	struct path proc;
	struct dentry *d;
	int rc = 0;

	rc = kern_path("/proc", LOOKUP_DIRECTORY, &proc);
	if (rc)
		return rc;
	inode_lock(d_inode(proc.dentry));
	d = lookup_one_len("systemtap", proc.dentry, strlen("systemtap"));
	if (!IS_ERR(d) && d_really_is_positive(d)) {
		dput(d);
	} else {
		if (!IS_ERR(d))
			dput(d);
		if (!proc_mkdir("systemtap", NULL))
			rc = -ENOMEM;
	}
	inode_unlock(d_inode(proc.dentry));
	path_put(&proc);
	return rc;
}

/*
 * /proc/systemtap/<module>/, made on the first call; NULL (with *err set) if
 * it cannot be made.  Process context.
 */
struct proc_dir_entry *_stp_session_procdir(int *err)
{
	int rc = 0;

	mutex_lock(&_stp_proc_dir_lock);
	if (!_stp_proc_dir) {
		rc = _stp_proc_root();
		snprintf(_stp_proc_dir_name, sizeof(_stp_proc_dir_name), "systemtap/%s",
			 THIS_MODULE->name);
		if (rc == 0) {
			_stp_proc_dir = proc_mkdir(_stp_proc_dir_name, NULL);
			if (!_stp_proc_dir)
				rc = -EEXIST;
		}
	}
	mutex_unlock(&_stp_proc_dir_lock);
	if (err)
		*err = rc;
	return _stp_proc_dir;
}

/* true when the session's control channel and output are in /proc */
static bool _stp_transport_on_procfs;

bool _stp_procfs_name_taken(const char *name)
{
	size_t i;

	if (!_stp_transport_on_procfs)
		return false;
	if (!strcmp(name, STP_PROC_CTL) || !strcmp(name, "input"))
		return true;
	if (strncmp(name, "trace", 5) || !name[5])
		return false;
	for (i = 5; name[i]; i++)
		if (name[i] < '0' || name[i] > '9')
			return false;
	return true;
}

static int _stp_proc_ctl_open(struct inode *inode, struct file *file)
{
	if (!try_module_get(THIS_MODULE))
		return -ENODEV;
	return 0;
}

static int _stp_proc_ctl_release(struct inode *inode, struct file *file)
{
	module_put(THIS_MODULE);
	return 0;
}

static int _stp_proc_trace_open(struct inode *inode, struct file *file)
{
	if (!try_module_get(THIS_MODULE))
		return -ENODEV;
	file->private_data = _stp_proc_data(inode);
	atomic_inc(&_stp_trace_readers);
	return 0;
}

static int _stp_proc_trace_release(struct inode *inode, struct file *file)
{
	atomic_dec(&_stp_trace_readers);
	module_put(THIS_MODULE);
	return 0;
}

static const struct STP_PROC_OPS _stp_proc_ctl_ops = {
	STP_PROC_OP(open) = _stp_proc_ctl_open,
	STP_PROC_OP(release) = _stp_proc_ctl_release,
	STP_PROC_OP(read) = _stp_ctl_read,
	STP_PROC_OP(write) = _stp_ctl_write,
	STP_PROC_OP(poll) = _stp_ctl_poll,
	STP_PROC_LSEEK(noop_llseek),
};

static const struct STP_PROC_OPS _stp_proc_trace_ops = {
	STP_PROC_OP(open) = _stp_proc_trace_open,
	STP_PROC_OP(release) = _stp_proc_trace_release,
	STP_PROC_OP(read) = _stp_trace_read,
	STP_PROC_OP(poll) = _stp_trace_poll,
	STP_PROC_LSEEK(noop_llseek),
};

/* Remove our directory and everything in it (module exit). */
static void _stp_proc_transport_remove(void)
{
	mutex_lock(&_stp_proc_dir_lock);
	if (_stp_proc_dir)
		remove_proc_subtree(_stp_proc_dir_name, NULL);
	_stp_proc_dir = NULL;
	mutex_unlock(&_stp_proc_dir_lock);
}

/* Create the control and output files in /proc.  Process context, module init. */
static int _stp_proc_transport_init(void)
{
	struct proc_dir_entry *dir;
	unsigned int cpu;
	char name[32];
	int rc;

	dir = _stp_session_procdir(&rc);
	if (!dir)
		return rc;
	_stp_transport_on_procfs = true;
	if (!proc_create_data(STP_PROC_CTL, 0600, dir, &_stp_proc_ctl_ops, NULL))
		goto fail;
	for_each_possible_cpu(cpu) {
		snprintf(name, sizeof(name), "trace%u", cpu);
		if (!proc_create_data(name, 0400, dir, &_stp_proc_trace_ops, _stp_rings[cpu]))
			goto fail;
	}
	return 0;
fail:
	_stp_proc_transport_remove();
	_stp_transport_on_procfs = false;
	return -ENOMEM;
}

#endif /* _STP_TRANSPORT_PROCFS_H */
