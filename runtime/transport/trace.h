/*
 * Output transport: one ring buffer per possible CPU, read by staprun through
 * /sys/kernel/debug/systemtap/<module>/trace<cpu>.
 *
 * Each ring has exactly one producer at a time, the probe hit owning that
 * CPU's context (preemption disabled), and one consumer, a reader of the
 * trace file (serialized by read_lock).  The producer publishes a chunk with
 * a release store of `head` after its bytes are written, the reader frees
 * space with a release store of `tail` after copying them out: a reader never
 * sees bytes that are not written yet, the producer never overwrites bytes
 * not read yet.  Nothing here sleeps, locks or wakes anyone on the producer
 * side, so it is safe in any context, NMI included.  staprun polls the files
 * with a short timeout instead of being woken.
 *
 * The stream format (struct stp_trace_chunk, sequence numbers) is described
 * in include/stp_msg.h.
 *
 * Flight recorder mode (stap -F, the _stp_flight parameter): a full ring
 * drops its oldest chunks to make room for the newest, so that it holds the
 * latest output whenever staprun -A comes to read it.  Then both sides move
 * `tail`, always by whole chunks and only by cmpxchg: the producer evicts
 * chunks before it overwrites their bytes, and the reader copies chunks into
 * a bounce buffer, then claims them with a cmpxchg of the tail it started
 * from; when that fails, the producer evicted (and may have overwritten)
 * what it copied, and it tries again.
 */
#ifndef _STP_TRANSPORT_TRACE_H
#define _STP_TRANSPORT_TRACE_H

struct _stp_ring {
	char *data;			/* vmalloc'ed, `size` bytes */
	unsigned long size;
	unsigned long head;		/* bytes ever produced; producer only */
	unsigned long tail;		/* bytes ever consumed; reader only */
	unsigned long dropped;		/* output bytes lost to a full ring;
					 * producer only */
	unsigned int cpu;
	struct mutex read_lock;
	char *bounce;			/* flight mode: chunks on their way out;
					 * read_lock's */
};

static bool _stp_flight;
module_param(_stp_flight, bool, 0444);
MODULE_PARM_DESC(_stp_flight, "flight recorder: a full output ring overwrites its oldest output");

/* flight mode: what one read() takes at most, and more than any chunk */
#define STP_FLIGHT_BOUNCE max_t(size_t, 65536, 2 * (STP_BUFSIZE + sizeof(struct stp_trace_chunk)))

/* _stp_rings[cpu] for each possible cpu; NULL for impossible ones */
static struct _stp_ring **_stp_rings;
/* last sequence number handed out; the first chunk gets 1 */
static atomic64_t _stp_trace_seq = ATOMIC64_INIT(0);

static unsigned long _stp_ring_used(const struct _stp_ring *r,
				    unsigned long head)
{
	return head - READ_ONCE(r->tail);
}

static void _stp_ring_copy_in(struct _stp_ring *r, unsigned long pos,
			      const void *src, size_t len)
{
	unsigned long off = pos % r->size;
	size_t first = min_t(size_t, len, r->size - off);

	memcpy(r->data + off, src, first);
	memcpy(r->data, (const char *)src + first, len - first);
}

static void _stp_ring_copy_out(const struct _stp_ring *r, unsigned long pos, void *dst,
			       size_t len)
{
	unsigned long off = pos % r->size;
	size_t first = min_t(size_t, len, r->size - off);

	memcpy(dst, r->data + off, first);
	memcpy((char *)dst + first, r->data, len - first);
}

/*
 * Flight mode: make room for `need` bytes at `head` by evicting the oldest
 * chunks; false when that cannot be done (the chunk is larger than the ring,
 * or a header makes no sense).  Producer only.
 */
static bool _stp_ring_make_room(struct _stp_ring *r, unsigned long head, size_t need)
{
	if (need > r->size)
		return false;
	for (;;) {
		unsigned long tail = smp_load_acquire(&r->tail), next;
		struct stp_trace_chunk ch;

		if (r->size - (head - tail) >= need)
			return true;
		_stp_ring_copy_out(r, tail, &ch, sizeof(ch));
		next = tail + sizeof(ch) + ch.len;
		if (head - tail < sizeof(ch) || next - tail > head - tail)
			return false;
		/* a failed cmpxchg: the reader took chunks meanwhile */
		cmpxchg(&r->tail, tail, next);
	}
}

/*
 * Append `len` output bytes as one chunk to the current CPU's ring, or drop
 * them all (counted in `dropped`) if the ring is full (flight mode: unless
 * evicting the oldest chunks makes room).  Caller: a probe hit owning this
 * CPU's context, preemption disabled.
 */
static void _stp_trace_write(const char *buf, size_t len)
{
	struct _stp_ring *r = _stp_rings[smp_processor_id()];
	struct stp_trace_chunk ch;
	unsigned long head = r->head;
	unsigned long used = head - smp_load_acquire(&r->tail);

	if (len == 0)
		return;
	if (_stp_flight && sizeof(ch) + len > r->size - used &&
	    _stp_ring_make_room(r, head, sizeof(ch) + len))
		used = head - smp_load_acquire(&r->tail);
	if (sizeof(ch) + len > r->size - used) {
		r->dropped += len;
		return;
	}
	ch.seq = atomic64_inc_return(&_stp_trace_seq);
	ch.len = len;
	ch.cpu = r->cpu;
	_stp_ring_copy_in(r, head, &ch, sizeof(ch));
	_stp_ring_copy_in(r, head + sizeof(ch), buf, len);
	smp_store_release(&r->head, head + sizeof(ch) + len);
}

/*
 * switch_file(): an empty chunk marked STP_TRACE_SWITCH_FILE, in sequence with
 * the output; 0, or -ENOSPC (nothing written) when the ring is full.
 */
static int _stp_trace_switch_mark(void)
{
	struct _stp_ring *r = _stp_rings[smp_processor_id()];
	struct stp_trace_chunk ch;
	unsigned long head = r->head;
	unsigned long used = head - smp_load_acquire(&r->tail);

	if (_stp_flight && sizeof(ch) > r->size - used &&
	    _stp_ring_make_room(r, head, sizeof(ch)))
		used = head - smp_load_acquire(&r->tail);
	if (sizeof(ch) > r->size - used)
		return -ENOSPC;
	ch.seq = atomic64_inc_return(&_stp_trace_seq);
	ch.len = 0;
	ch.cpu = STP_TRACE_SWITCH_FILE;
	_stp_ring_copy_in(r, head, &ch, sizeof(ch));
	smp_store_release(&r->head, head + sizeof(ch));
	return 0;
}

/* trace files open (staprun holds them open for the whole session) */
static atomic_t _stp_trace_readers = ATOMIC_INIT(0);
/* set once a wait for the reader timed out: it is stuck, stop waiting */
static bool _stp_trace_unread;

/*
 * Process context, before a begin, end or error probe runs: while staprun
 * has the trace files open, sleep while a ring is more than half full, so
 * that the output of the probes before it (which staprun takes while START
 * and EXIT run) does not crowd out the next probe's.  A probe's own output
 * must still fit one ring: it runs with preemption disabled and cannot wait.
 * No wait without a reader (staprun killed, the module removed by
 * staprun -d), when a signal is pending for the waiting task (staprun
 * interrupted), or after STP_TRACE_WAIT_MS without the reader taking
 * anything; from then on, none at all: the output is dropped and counted.
 */
static void _stp_trace_wait_room(void)
{
	unsigned long give_up = jiffies + msecs_to_jiffies(STP_TRACE_WAIT_MS);
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		struct _stp_ring *r = _stp_rings[cpu];
		unsigned long tail;

		if (!r)
			continue;
		tail = READ_ONCE(r->tail);
		while (!_stp_flight && !_stp_trace_unread &&
		       atomic_read(&_stp_trace_readers) > 0 &&
		       READ_ONCE(r->head) - tail > r->size / 2) {
			if (time_after(jiffies, give_up) || signal_pending(current)) {
				_stp_trace_unread = true;
				break;
			}
			msleep_interruptible(1);
			if (READ_ONCE(r->tail) != tail) {
				tail = READ_ONCE(r->tail);
				give_up = jiffies + msecs_to_jiffies(STP_TRACE_WAIT_MS);
			}
		}
	}
}

/* Output bytes dropped on all CPUs; exact once no probe runs any more. */
static unsigned long _stp_trace_dropped(void)
{
	unsigned long n = 0;
	unsigned int cpu;

	for_each_possible_cpu(cpu)
		if (_stp_rings[cpu])
			n += READ_ONCE(_stp_rings[cpu]->dropped);
	return n;
}

/*
 * read(): whatever is published, up to `count` bytes; a chunk may be split
 * across reads.  Returns 0 when the ring is empty: it never blocks (poll
 * reports POLLIN when there is data, but nothing wakes a poller: use a
 * timeout).
 */
/*
 * Flight mode read(): whole chunks, at most `count` bytes (-EMSGSIZE when the
 * next chunk is larger), claimed from the producer by cmpxchg (see the top).
 * Caller holds read_lock.
 */
static ssize_t _stp_trace_read_flight(struct _stp_ring *r, char __user *ubuf, size_t count)
{
	size_t cap = min_t(size_t, count, STP_FLIGHT_BOUNCE);
	unsigned int tries;

	/* a producer evicting faster than this copies could make it retry
	 * for ever: after a few, report nothing for now (staprun polls) */
	for (tries = 0; tries < 64; tries++) {
		unsigned long tail = smp_load_acquire(&r->tail);
		unsigned long head = smp_load_acquire(&r->head);
		size_t n = 0;

		while (head - tail - n >= sizeof(struct stp_trace_chunk)) {
			struct stp_trace_chunk ch;
			size_t total;

			_stp_ring_copy_out(r, tail + n, &ch, sizeof(ch));
			total = sizeof(ch) + ch.len;
			if (total > head - tail - n || total > cap - n)
				break;
			n += total;
		}
		if (n == 0 && head != tail && head - tail <= r->size &&
		    READ_ONCE(r->tail) == tail)
			return -EMSGSIZE;
		_stp_ring_copy_out(r, tail, r->bounce, n);
		if (cmpxchg(&r->tail, tail, tail + n) != tail) {
			cond_resched();
			continue;	/* evicted meanwhile: what was copied may be torn */
		}
		if (n && copy_to_user(ubuf, r->bounce, n))
			return -EFAULT;
		return n;
	}
	return 0;
}

static ssize_t _stp_trace_read(struct file *file, char __user *ubuf,
			       size_t count, loff_t *ppos)
{
	struct _stp_ring *r = file->private_data;
	unsigned long head, tail, off;
	size_t n, first;
	ssize_t rc;

	if (mutex_lock_interruptible(&r->read_lock))
		return -ERESTARTSYS;
	if (_stp_flight) {
		rc = _stp_trace_read_flight(r, ubuf, count);
		mutex_unlock(&r->read_lock);
		return rc;
	}
	head = smp_load_acquire(&r->head);
	tail = r->tail;
	n = min_t(size_t, count, head - tail);
	off = tail % r->size;
	first = min_t(size_t, n, r->size - off);
	if (copy_to_user(ubuf, r->data + off, first) ||
	    copy_to_user(ubuf + first, r->data, n - first)) {
		mutex_unlock(&r->read_lock);
		return -EFAULT;
	}
	smp_store_release(&r->tail, tail + n);
	mutex_unlock(&r->read_lock);
	return n;
}

static __poll_t _stp_trace_poll(struct file *file, poll_table *wait)
{
	struct _stp_ring *r = file->private_data;

	return _stp_ring_used(r, smp_load_acquire(&r->head)) ?
		       EPOLLIN | EPOLLRDNORM : 0;
}

static int _stp_trace_open(struct inode *inode, struct file *file)
{
	atomic_inc(&_stp_trace_readers);
	return simple_open(inode, file);
}

static int _stp_trace_release(struct inode *inode, struct file *file)
{
	atomic_dec(&_stp_trace_readers);
	return 0;
}

static const struct file_operations _stp_trace_fops = {
	.owner = THIS_MODULE,
	.open = _stp_trace_open,
	.release = _stp_trace_release,
	.read = _stp_trace_read,
	.poll = _stp_trace_poll,
	.llseek = noop_llseek,
};

static void _stp_trace_free(void)
{
	unsigned int cpu;

	if (!_stp_rings)
		return;
	for_each_possible_cpu(cpu) {
		if (!_stp_rings[cpu])
			continue;
		vfree(_stp_rings[cpu]->data);
		vfree(_stp_rings[cpu]->bounce);
		kfree(_stp_rings[cpu]);
	}
	kfree(_stp_rings);
	_stp_rings = NULL;
}

/* Allocate a ring of `mb` MiB for each possible CPU.  Process context. */
static int _stp_trace_alloc(unsigned int mb)
{
	unsigned int cpu;

	_stp_rings = kcalloc(nr_cpu_ids, sizeof(*_stp_rings), GFP_KERNEL);
	if (!_stp_rings)
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		struct _stp_ring *r = kzalloc(sizeof(*r), GFP_KERNEL);

		if (!r)
			goto nomem;
		_stp_rings[cpu] = r;
		r->size = (unsigned long)mb << 20;
		r->cpu = cpu;
		mutex_init(&r->read_lock);
		r->data = vmalloc(r->size);
		if (!r->data)
			goto nomem;
		if (_stp_flight) {
			r->bounce = vmalloc(STP_FLIGHT_BOUNCE);
			if (!r->bounce)
				goto nomem;
		}
	}
	return 0;
nomem:
	_stp_trace_free();
	return -ENOMEM;
}

#endif /* _STP_TRANSPORT_TRACE_H */
