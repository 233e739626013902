/*
 * procfs probes, included by a script's C file that has any
 * (tapsets/procfs.c): /proc/systemtap/<module>/<name>, in the directory the
 * runtime makes and removes (transport/procfs.h).  open() of a
 * file with a read probe runs it once with an empty $value and keeps what it
 * left for the reader; each write(2) runs the write probe with the bytes
 * written (up to MAXSTRINGLEN - 1) in $value.  Process context; the probes
 * run only while the session runs, like any event probe.
 */
#ifndef _STP_PROCFS_H
#define _STP_PROCFS_H

#include <linux/fs.h>
#include <linux/module.h>
#include <linux/mutex.h>
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

static const struct STP_PROC_OPS _stp_procfs_ops = {
	STP_PROC_LSEEK(default_llseek),
	STP_PROC_OP(open) = _stp_procfs_open,
	STP_PROC_OP(read) = _stp_procfs_read,
	STP_PROC_OP(write) = _stp_procfs_write,
	STP_PROC_OP(release) = _stp_procfs_release,
};

/* remove our files; the directory goes with the module (transport/procfs.h) */
static void _stp_procfs_exit(struct _stp_procfs_file *f, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		proc_remove(f[i].pde);
		f[i].pde = NULL;
	}
}

static int _stp_procfs_init(struct _stp_procfs_file *f, size_t n)
{
	struct proc_dir_entry *dir;
	size_t i;
	int rc;

	dir = _stp_session_procdir(&rc);
	if (!dir)
		return rc;
	for (i = 0; i < n; i++) {
		umode_t mode = f[i].mode & ((f[i].read ? 0444 : 0) | (f[i].write ? 0222 : 0));

		if (_stp_procfs_name_taken(f[i].name)) {
			_stp_start_error("procfs file '%s' is taken by the session's own files "
					 "in /proc/systemtap/%s (debugfs is unusable here)",
					 f[i].name, THIS_MODULE->name);
			_stp_procfs_exit(f, n);
			return -EEXIST;
		}
		f[i].pde = proc_create_data(f[i].name, mode, dir, &_stp_procfs_ops, &f[i]);
		if (!f[i].pde) {
			_stp_procfs_exit(f, n);
			return -ENOMEM;
		}
	}
	return 0;
}

#endif /* _STP_PROCFS_H */
