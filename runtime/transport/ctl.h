/*
 * Control channel: /sys/kernel/debug/systemtap/<module>/ctl.
 *
 * Module->user messages wait in one queue of whole framed messages
 * (include/stp_msg.h).  Any context may queue one: the queue lock is a raw
 * spinlock taken only by trylock, at most MAXTRYLOCK times TRYLOCKDELAY
 * microseconds, so a probe (even an NMI one interrupting the lock holder)
 * never deadlocks; a message that cannot be queued is counted and dropped.
 * STARTED, EXITED and REQUEST_EXIT are never dropped: they are posted as
 * flags and turned into messages by the reader.  Probe context never wakes
 * readers (wake_up may take scheduler locks a probe interrupted); readers
 * use short timeouts, and process context (STARTED, EXITED) wakes them.
 *
 * User->module messages (START, EXIT) are handled in the writer's process
 * context, one at a time (write_mutex), by _stp_session_start() and
 * _stp_session_stop() in runtime_main.h.
 */
#ifndef _STP_TRANSPORT_CTL_H
#define _STP_TRANSPORT_CTL_H

/* a STARTED or EXITED message waiting for the next read */
struct _stp_ctl_status {
	atomic_t pending;
	s32 value;
};

struct _stp_ctl {
	raw_spinlock_t lock;		/* guards head, tail and buf */
	unsigned long head, tail;	/* bytes ever queued / dequeued */
	atomic_t dropped;		/* messages lost: queue full or busy */
	atomic_t opened;		/* one staprun at a time has the file open */
	struct _stp_ctl_status started, exited;
	wait_queue_head_t wq;		/* readers; woken by process context */
	struct mutex read_mutex;	/* one reader at a time: owns bounce */
	struct mutex write_mutex;	/* one START/EXIT handled at a time */
	char bounce[STP_MSG_MAX];	/* dequeued messages on their way out */
	char buf[STP_CTL_BUFSIZE];
};

static struct _stp_ctl *_stp_ctl;

static int _stp_session_start(pid_t target);
static void _stp_session_stop(void);

static void _stp_ctl_copy_out(unsigned long pos, void *dst, size_t len)
{
	unsigned long off = pos % STP_CTL_BUFSIZE;
	size_t first = min_t(size_t, len, STP_CTL_BUFSIZE - off);

	memcpy(dst, _stp_ctl->buf + off, first);
	memcpy((char *)dst + first, _stp_ctl->buf, len - first);
}

static void _stp_ctl_copy_in(unsigned long pos, const void *src, size_t len)
{
	unsigned long off = pos % STP_CTL_BUFSIZE;
	size_t first = min_t(size_t, len, STP_CTL_BUFSIZE - off);

	memcpy(_stp_ctl->buf + off, src, first);
	memcpy(_stp_ctl->buf, (const char *)src + first, len - first);
}

/* Queue one message or fail with -EBUSY/-ENOSPC.  Any context. */
static int _stp_ctl_enqueue(u32 type, const void *data, size_t len)
{
	struct stp_msg_hdr hdr = { .type = type };
	unsigned long flags;
	int tries = 0;

	len = min_t(size_t, len, STP_MSG_MAX_PAYLOAD);
	hdr.len = len;
	while (!raw_spin_trylock_irqsave(&_stp_ctl->lock, flags)) {
		if (++tries >= MAXTRYLOCK)
			return -EBUSY;
		udelay(TRYLOCKDELAY);
	}
	if (_stp_ctl->head - _stp_ctl->tail + sizeof(hdr) + len >
	    STP_CTL_BUFSIZE) {
		raw_spin_unlock_irqrestore(&_stp_ctl->lock, flags);
		return -ENOSPC;
	}
	_stp_ctl_copy_in(_stp_ctl->head, &hdr, sizeof(hdr));
	_stp_ctl_copy_in(_stp_ctl->head + sizeof(hdr), data, len);
	_stp_ctl->head += sizeof(hdr) + len;
	raw_spin_unlock_irqrestore(&_stp_ctl->lock, flags);
	return 0;
}

/*
 * Queue one message; payloads beyond STP_MSG_MAX_PAYLOAD are cut.  Safe in
 * any context; a message that cannot be queued now is dropped and counted.
 */
static int _stp_ctl_send(u32 type, const void *data, size_t len)
{
	int rc = _stp_ctl_enqueue(type, data, len);

	if (rc)
		atomic_inc(&_stp_ctl->dropped);
	return rc;
}

/*
 * STARTED and EXITED (process context) must never be lost, so they are not
 * queued: they are posted here and appended by the next read, STARTED after
 * what was queued before it, EXITED only once the queue is empty (nothing is
 * queued after it: no probe runs any more).
 */
static void _stp_ctl_post(struct _stp_ctl_status *st, s32 value)
{
	st->value = value;
	atomic_set_release(&st->pending, 1);
	wake_up_interruptible(&_stp_ctl->wq);
}

/* Queue one line of text for staprun's stderr.  Safe in any context. */
static inline int _stp_ctl_oob(const char *text, size_t len)
{
	return _stp_ctl_send(STP_MSG_OOB, text, len);
}

/*
 * system(): queue a shell command for staprun to run.  Safe in any context;
 * 0, or -ENOSPC when the control queue is full (the command is dropped).
 */
int _stp_system(const char *cmd)
{
	return _stp_ctl_send(STP_MSG_SYSTEM, cmd, strnlen(cmd, STP_MSG_MAX_PAYLOAD));
}

static bool _stp_ctl_readable(void)
{
	return READ_ONCE(_stp_ctl->head) != READ_ONCE(_stp_ctl->tail) ||
	       atomic_read(&_stp_ctl->started.pending) ||
	       atomic_read(&_stp_ctl->exited.pending) ||
	       atomic_read(&_stp_session.exit_req) == STP_EXIT_PENDING;
}

/* Append a payload-less or status message to bounce if it fits. */
static bool _stp_ctl_append(u32 type, const struct _stp_ctl_status *st,
			    size_t cap, size_t *n)
{
	struct stp_msg_hdr hdr = { .type = type };
	struct stp_msg_status status = { .status = st ? st->value : 0 };

	hdr.len = st ? sizeof(status) : 0;
	if (sizeof(hdr) + hdr.len > cap - *n)
		return false;
	memcpy(_stp_ctl->bounce + *n, &hdr, sizeof(hdr));
	memcpy(_stp_ctl->bounce + *n + sizeof(hdr), &status, hdr.len);
	*n += sizeof(hdr) + hdr.len;
	return true;
}

/*
 * Move whole queued messages into bounce, at most `cap` bytes, then the
 * posted ones: STARTED, REQUEST_EXIT, EXITED.  Posts are taken before the
 * queue is read, so whatever was queued before them (like the ERROR line
 * behind an exit request) comes first.  Returns the bytes moved, or
 * -EMSGSIZE when `cap` cannot hold the next message.
 */
static ssize_t _stp_ctl_dequeue(size_t cap)
{
	struct stp_msg_hdr hdr;
	unsigned long flags;
	bool started, exit_req, exited, empty, too_big = false;
	size_t n = 0;

	started = atomic_xchg(&_stp_ctl->started.pending, 0);
	exit_req = atomic_cmpxchg(&_stp_session.exit_req, STP_EXIT_PENDING,
				  STP_EXIT_SENT) == STP_EXIT_PENDING;
	exited = atomic_xchg(&_stp_ctl->exited.pending, 0);
	raw_spin_lock_irqsave(&_stp_ctl->lock, flags);
	while (_stp_ctl->tail != _stp_ctl->head) {
		size_t total;

		_stp_ctl_copy_out(_stp_ctl->tail, &hdr, sizeof(hdr));
		total = sizeof(hdr) + hdr.len;
		if (total > cap - n) {
			too_big = n == 0;
			break;
		}
		_stp_ctl_copy_out(_stp_ctl->tail, _stp_ctl->bounce + n, total);
		_stp_ctl->tail += total;
		n += total;
	}
	empty = _stp_ctl->tail == _stp_ctl->head;
	raw_spin_unlock_irqrestore(&_stp_ctl->lock, flags);
	/* what does not fit (or must wait) is posted again for the next read */
	if (started && !_stp_ctl_append(STP_MSG_STARTED, &_stp_ctl->started,
					cap, &n)) {
		atomic_set(&_stp_ctl->started.pending, 1);
		exit_req = exited = false;
	}
	if (exit_req && !_stp_ctl_append(STP_MSG_REQUEST_EXIT, NULL, cap, &n)) {
		atomic_set(&_stp_session.exit_req, STP_EXIT_PENDING);
		exited = false;
	}
	if (exited && !(empty && _stp_ctl_append(STP_MSG_EXITED,
						 &_stp_ctl->exited, cap, &n)))
		atomic_set(&_stp_ctl->exited.pending, 1);
	if (n == 0 && (started || exit_req || exited))
		too_big = true;
	return too_big ? -EMSGSIZE : (ssize_t)n;
}

/*
 * read(): one or more whole messages.  Blocks until there is one, unless
 * O_NONBLOCK (-EAGAIN); waits in steps of 20 ms, because probe context queues
 * messages without waking anyone.
 */
static ssize_t _stp_ctl_read(struct file *file, char __user *ubuf,
			     size_t count, loff_t *ppos)
{
	ssize_t n;

	if (mutex_lock_interruptible(&_stp_ctl->read_mutex))
		return -ERESTARTSYS;
	for (;;) {
		n = _stp_ctl_dequeue(min_t(size_t, count, STP_MSG_MAX));
		if (n != 0)
			break;
		if (file->f_flags & O_NONBLOCK) {
			n = -EAGAIN;
			break;
		}
		if (wait_event_interruptible_timeout(_stp_ctl->wq,
						     _stp_ctl_readable(),
						     msecs_to_jiffies(20)) < 0) {
			n = -ERESTARTSYS;
			break;
		}
	}
	if (n > 0 && copy_to_user(ubuf, _stp_ctl->bounce, n))
		n = -EFAULT;
	mutex_unlock(&_stp_ctl->read_mutex);
	return n;
}

/* write(): exactly one whole user->module message. */
static ssize_t _stp_ctl_write(struct file *file, const char __user *ubuf,
			      size_t count, loff_t *ppos)
{
	struct {
		struct stp_msg_hdr hdr;
		union {
			struct stp_msg_start start;
			char raw[64];
		} u;
	} msg;
	int rc = 0;

	if (count < sizeof(msg.hdr) || count > sizeof(msg))
		return -EINVAL;
	memset(&msg, 0, sizeof(msg));
	if (copy_from_user(&msg, ubuf, count))
		return -EFAULT;
	if (msg.hdr.len != count - sizeof(msg.hdr))
		return -EINVAL;
	if (mutex_lock_interruptible(&_stp_ctl->write_mutex))
		return -ERESTARTSYS;
	switch (msg.hdr.type) {
	case STP_MSG_START:
		if (msg.hdr.len < sizeof(msg.u.start))
			rc = -EINVAL;
		else
			rc = _stp_session_start(msg.u.start.target_pid);
		break;
	case STP_MSG_EXIT:
		_stp_session_stop();
		break;
	default:
		rc = -EINVAL;
		break;
	}
	mutex_unlock(&_stp_ctl->write_mutex);
	return rc ? rc : (ssize_t)count;
}

static __poll_t _stp_ctl_poll(struct file *file, poll_table *wait)
{
	poll_wait(file, &_stp_ctl->wq, wait);
	return EPOLLOUT | EPOLLWRNORM |
	       (_stp_ctl_readable() ? EPOLLIN | EPOLLRDNORM : 0);
}

/* One staprun at a time: a second (staprun -A on a module that has one) gets
 * EBUSY. */
static int _stp_ctl_open(struct inode *inode, struct file *file)
{
	if (atomic_cmpxchg(&_stp_ctl->opened, 0, 1) != 0)
		return -EBUSY;
	return simple_open(inode, file);
}

static int _stp_ctl_release(struct inode *inode, struct file *file)
{
	atomic_set(&_stp_ctl->opened, 0);
	return 0;
}

static const struct file_operations _stp_ctl_fops = {
	.owner = THIS_MODULE,
	.open = _stp_ctl_open,
	.release = _stp_ctl_release,
	.read = _stp_ctl_read,
	.write = _stp_ctl_write,
	.poll = _stp_ctl_poll,
	.llseek = noop_llseek,
};

static int _stp_ctl_alloc(void)
{
	_stp_ctl = kvzalloc(sizeof(*_stp_ctl), GFP_KERNEL);
	if (!_stp_ctl)
		return -ENOMEM;
	raw_spin_lock_init(&_stp_ctl->lock);
	init_waitqueue_head(&_stp_ctl->wq);
	mutex_init(&_stp_ctl->read_mutex);
	mutex_init(&_stp_ctl->write_mutex);
	return 0;
}

static void _stp_ctl_free(void)
{
	kvfree(_stp_ctl);
	_stp_ctl = NULL;
}

#endif /* _STP_TRANSPORT_CTL_H */
