/*
 * input.char / input.line probes (tapsets/input.c): staprun copies its stdin into
 * the session's file `input` (/sys/kernel/debug/systemtap/<module>/input, or in
 * /proc/systemtap/<module>/ when the session's files are there), which
 * _stp_input_init() creates at START. Each write runs the input.char probes once
 * per byte, in staprun's process context, and the input.line probes once per
 * line (with its '\n'; a line longer than a string is cut into pieces); closing the
 * file (staprun's stdin ended) runs them on the last line if it has no '\n'.
 * The probe's text is in c->data.
 */
#ifndef _STP_LINUX_INPUT_H
#define _STP_LINUX_INPUT_H

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/mutex.h>
#include <linux/proc_fs.h>
#include <linux/uaccess.h>

struct _stp_input {
	const struct _stp_probe *const *chars;
	size_t n_chars;
	const struct _stp_probe *const *lines;
	size_t n_lines;
	struct dentry *file;		/* in debugfs */
	struct proc_dir_entry *pde;	/* or in /proc */
	struct mutex lock;		/* line, len */
	char line[MAXSTRINGLEN];
	size_t len;
};

static struct _stp_input _stp_input;

static inline void _stp_input_run(const struct _stp_probe *const *v, size_t n, char *text)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct _stp_context *c = _stp_probe_enter(v[i]);

		if (!c)
			continue;
		c->data = text;
		v[i]->fn(c);
		c->data = NULL;
		_stp_probe_leave(c);
	}
}

static inline void _stp_input_line(void)
{
	_stp_input.line[_stp_input.len] = '\0';
	_stp_input_run(_stp_input.lines, _stp_input.n_lines, _stp_input.line);
	_stp_input.len = 0;
}

static inline ssize_t _stp_input_write(struct file *file, const char __user *ubuf,
				       size_t count, loff_t *ppos)
{
	char buf[128];
	size_t done = 0;

	if (mutex_lock_interruptible(&_stp_input.lock))
		return -ERESTARTSYS;
	while (done < count) {
		size_t n = min(count - done, sizeof(buf)), i;

		if (copy_from_user(buf, ubuf + done, n))
			break;
		for (i = 0; i < n; i++) {
			char ch[2] = { buf[i], '\0' };

			_stp_input_run(_stp_input.chars, _stp_input.n_chars, ch);
			_stp_input.line[_stp_input.len++] = buf[i];
			if (buf[i] == '\n' || _stp_input.len == MAXSTRINGLEN - 1)
				_stp_input_line();
		}
		done += n;
	}
	mutex_unlock(&_stp_input.lock);
	return done ? (ssize_t)done : -EFAULT;
}

static inline int _stp_input_release(struct inode *inode, struct file *file)
{
	mutex_lock(&_stp_input.lock);
	if (_stp_input.len)
		_stp_input_line();
	mutex_unlock(&_stp_input.lock);
	return 0;
}

static const struct file_operations _stp_input_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = _stp_input_write,
	.release = _stp_input_release,
	.llseek = noop_llseek,
};

/* in /proc: opening the file pins the module, as debugfs' .owner does */
static inline int _stp_input_proc_open(struct inode *inode, struct file *file)
{
	return try_module_get(THIS_MODULE) ? 0 : -ENODEV;
}

static inline int _stp_input_proc_release(struct inode *inode, struct file *file)
{
	int rc = _stp_input_release(inode, file);

	module_put(THIS_MODULE);
	return rc;
}

static const struct STP_PROC_OPS _stp_input_proc_ops = {
	STP_PROC_OP(open) = _stp_input_proc_open,
	STP_PROC_OP(write) = _stp_input_write,
	STP_PROC_OP(release) = _stp_input_proc_release,
	STP_PROC_LSEEK(noop_llseek),
};

static inline int _stp_input_init(const struct _stp_probe *const *chars, size_t n_chars,
				  const struct _stp_probe *const *lines, size_t n_lines)
{
	struct dentry *d;

	mutex_init(&_stp_input.lock);
	_stp_input.chars = chars;
	_stp_input.n_chars = n_chars;
	_stp_input.lines = lines;
	_stp_input.n_lines = n_lines;
	_stp_input.len = 0;
	if (!_stp_session_dir()) {
		int rc;
		struct proc_dir_entry *dir = _stp_session_procdir(&rc);

		if (!dir)
			return rc;
		_stp_input.pde = proc_create_data("input", 0200, dir, &_stp_input_proc_ops, NULL);
		return _stp_input.pde ? 0 : -ENOMEM;
	}
	d = debugfs_create_file("input", 0200, _stp_session_dir(), NULL, &_stp_input_fops);
	if (IS_ERR(d))
		return PTR_ERR(d);
	_stp_input.file = d;
	return 0;
}

static inline void _stp_input_exit(void)
{
	/* waits for a write or release that is running */
	debugfs_remove(_stp_input.file);
	_stp_input.file = NULL;
	proc_remove(_stp_input.pde);
	_stp_input.pde = NULL;
}

#endif
