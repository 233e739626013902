/*
 * procfs probes, included by a script's C file that has any
 * (tapsets/procfs.c): /proc/systemtap/<module>/<name>.  The `systemtap`
 * directory is shared with other sessions and never removed.  open() of a
 * file with a read probe runs it once with an empty $value and keeps what it
 * left for the reader; each write(2) runs the write probe with the bytes
 * written (up to MAXSTRINGLEN - 1) in $value.  Process context; the probes
 * run only while the session runs, like any event probe.
 */
#ifndef _STP_PROCFS_H
#define _STP_PROCFS_H

#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/namei.h>
#include <linux/proc_fs.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

struct _stp_procfs_file {
	const char *name;
	umode_t mode;			/* 0400 / 0200 unless .umask(N) */
	const struct _stp_probe *read, *write;
	struct proc_dir_entry *pde;
};

struct _stp_procfs_buf {
	size_t len;
	char text[MAXSTRINGLEN];
};

static char _stp_procfs_dir[64];

static struct _stp_procfs_file *_stp_procfs_find(struct _stp_procfs_file *f, size_t n,
						 const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(f[i].name, name))
			return &f[i];
	return &f[0];
}

static struct _stp_procfs_file *_stp_procfs_of(struct inode *inode)
{
#ifdef STAPCONF_PDE_DATA
	return pde_data(inode);
#else
	return PDE_DATA(inode);
#endif
}

/* run p with $value in/out of buf */
static void _stp_procfs_run(const struct _stp_probe *p, struct _stp_procfs_buf *buf)
{
	struct _stp_context *c = _stp_probe_enter(p);

	if (!c)
		return;
	c->data = buf->text;
	p->fn(c);
	c->data = NULL;
	_stp_probe_leave(c);
	buf->len = strnlen(buf->text, MAXSTRINGLEN - 1);
}

static int _stp_procfs_open(struct inode *inode, struct file *file)
{
	struct _stp_procfs_file *f = _stp_procfs_of(inode);
	struct _stp_procfs_buf *buf = kzalloc(sizeof(*buf), GFP_KERNEL);

	if (!buf)
		return -ENOMEM;
	file->private_data = buf;
	if ((file->f_mode & FMODE_READ) && f->read)
		_stp_procfs_run(f->read, buf);
	return 0;
}

static int _stp_procfs_release(struct inode *inode, struct file *file)
{
	kfree(file->private_data);
	return 0;
}

static ssize_t _stp_procfs_read(struct file *file, char __user *ubuf, size_t count,
				loff_t *ppos)
{
	struct _stp_procfs_buf *buf = file->private_data;

	return simple_read_from_buffer(ubuf, count, ppos, buf->text, buf->len);
}

static ssize_t _stp_procfs_write(struct file *file, const char __user *ubuf, size_t count,
				 loff_t *ppos)
{
	struct _stp_procfs_file *f = _stp_procfs_of(file_inode(file));
	struct _stp_procfs_buf *buf = file->private_data;
	size_t n = min_t(size_t, count, MAXSTRINGLEN - 1);

	if (!f->write)
		return -EINVAL;
	if (copy_from_user(buf->text, ubuf, n))
		return -EFAULT;
	buf->text[n] = '\0';
	_stp_procfs_run(f->write, buf);
	return count;
}

/* struct proc_ops (5.6 on) names its fields proc_<op> and has no owner */
#ifdef STAPCONF_PROC_OPS
#define _STP_PROC_OP(op) .proc_##op
static const struct proc_ops _stp_procfs_ops = {
	.proc_lseek = default_llseek,
#else
#define _STP_PROC_OP(op) .op
static const struct file_operations _stp_procfs_ops = {
	.owner = THIS_MODULE,
	.llseek = default_llseek,
#endif
	_STP_PROC_OP(open) = _stp_procfs_open,
	_STP_PROC_OP(read) = _stp_procfs_read,
	_STP_PROC_OP(write) = _stp_procfs_write,
	_STP_PROC_OP(release) = _stp_procfs_release,
};
#undef _STP_PROC_OP

static void _stp_procfs_exit(struct _stp_procfs_file *f, size_t n)
{
	if (_stp_procfs_dir[0])
		remove_proc_subtree(_stp_procfs_dir, NULL);
	_stp_procfs_dir[0] = '\0';
}

static int _stp_procfs_init(struct _stp_procfs_file *f, size_t n)
{
	char path[128];
	size_t i;

	struct path dir;
	struct dentry *root = debugfs_lookup("systemtap", NULL), *lock = NULL;
	int tries;

	/*
	 * /proc/systemtap is shared by all sessions and may exist already;
	 * creating it twice would warn.  Sessions starting at once serialize
	 * on an exclusive debugfs file (creating it fails while it exists).
	 */
	for (tries = 0; root && tries < 200; tries++) {
		lock = debugfs_create_file(".procfs-lock", 0400, root, NULL, NULL);
		if (!IS_ERR(lock))
			break;
		lock = NULL;
		msleep(10);
	}
	if (kern_path("/proc/systemtap", LOOKUP_DIRECTORY, &dir) == 0)
		path_put(&dir);
	else
		proc_mkdir("systemtap", NULL);
	debugfs_remove(lock);
	dput(root);
	snprintf(_stp_procfs_dir, sizeof(_stp_procfs_dir), "systemtap/%s", THIS_MODULE->name);
	if (!proc_mkdir(_stp_procfs_dir, NULL)) {
		_stp_procfs_dir[0] = '\0';
		return -EEXIST;
	}
	for (i = 0; i < n; i++) {
		umode_t mode = f[i].mode & ((f[i].read ? 0444 : 0) | (f[i].write ? 0222 : 0));

		snprintf(path, sizeof(path), "%s/%s", _stp_procfs_dir, f[i].name);
		f[i].pde = proc_create_data(path, mode, NULL, &_stp_procfs_ops, &f[i]);
		if (!f[i].pde) {
			_stp_procfs_exit(f, n);
			return -ENOMEM;
		}
	}
	return 0;
}

#endif /* _STP_PROCFS_H */
