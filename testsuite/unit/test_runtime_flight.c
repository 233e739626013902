/* Unit tests of the output ring (runtime/transport/trace.h) against userspace stand-ins
 * for the kernel calls it makes: without flight recorder mode a full ring keeps its
 * oldest chunks and drops the newest (counted); with it (stap -F) it evicts the oldest
 * whole chunks, so a reader finds the latest output.  Then a producer thread writes
 * while the reader reads: every chunk read is whole, untorn and in sequence, whatever
 * the producer evicted meanwhile.  Prints TAP. */
#include <pthread.h>
#include <sched.h>

#include "linux/kernel.h"

#define __user
#define GFP_KERNEL 0
#define THIS_MODULE NULL
#define STP_BUFSIZE 8192
#define STP_TRACE_WAIT_MS 10
#define EPOLLIN 1
#define EPOLLRDNORM 2
#define ERESTARTSYS 512
#define READ_ONCE(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define smp_load_acquire(p) __atomic_load_n(p, __ATOMIC_ACQUIRE)
#define smp_store_release(p, v) __atomic_store_n(p, v, __ATOMIC_RELEASE)
#define cmpxchg(p, o, n) ({							\
	__typeof__(*(p)) _old = (o);						\
	__atomic_compare_exchange_n(p, &_old, n, false, __ATOMIC_SEQ_CST,	\
				    __ATOMIC_SEQ_CST);				\
	_old; })
#define cond_resched() sched_yield()
#define module_param(name, type, perm)
#define MODULE_PARM_DESC(name, text)
#define ATOMIC_INIT(v) { v }
#define ATOMIC64_INIT(v) { v }
#define jiffies 0ul
#define msecs_to_jiffies(ms) (ms)
#define time_after(a, b) ((long)((b) - (a)) < 0)
#define msleep_interruptible(ms) 0
#define signal_pending(task) 0

typedef unsigned int __poll_t;
typedef uint32_t __u32;
typedef int32_t __s32;
typedef uint64_t __u64;
typedef struct { long counter; } atomic64_t;
struct mutex { pthread_mutex_t m; };
struct inode;
struct file { void *private_data; };
typedef struct poll_table_struct poll_table;
struct file_operations {
	void *owner;
	int (*open)(struct inode *, struct file *);
	int (*release)(struct inode *, struct file *);
	ssize_t (*read)(struct file *, char *, size_t, loff_t *);
	__poll_t (*poll)(struct file *, poll_table *);
	loff_t (*llseek)(struct file *, loff_t, int);
};

static inline long atomic64_inc_return(atomic64_t *a)
{
	return __atomic_add_fetch(&a->counter, 1, __ATOMIC_SEQ_CST);
}
static inline void atomic_inc(atomic_t *a) { __atomic_add_fetch(&a->counter, 1, __ATOMIC_SEQ_CST); }
static inline void atomic_dec(atomic_t *a) { __atomic_sub_fetch(&a->counter, 1, __ATOMIC_SEQ_CST); }
static inline int atomic_read(const atomic_t *a) { return __atomic_load_n(&a->counter, __ATOMIC_SEQ_CST); }
static inline void mutex_init(struct mutex *m) { pthread_mutex_init(&m->m, NULL); }
static inline int mutex_lock_interruptible(struct mutex *m) { return pthread_mutex_lock(&m->m); }
static inline void mutex_unlock(struct mutex *m) { pthread_mutex_unlock(&m->m); }
static inline unsigned long copy_to_user(void *to, const void *from, size_t n)
{
	memcpy(to, from, n);
	return 0;
}
static inline void *vmalloc(size_t n) { return malloc(n); }
static inline void *kzalloc(size_t n, int flags) { (void)flags; return calloc(1, n); }
static inline void *kcalloc(size_t n, size_t len, int flags) { (void)flags; return calloc(n, len); }
static inline void kfree(const void *p) { free((void *)p); }
static inline int simple_open(struct inode *inode, struct file *file) { (void)inode; (void)file; return 0; }
static inline loff_t noop_llseek(struct file *f, loff_t off, int whence)
{
	(void)f; (void)whence;
	return off;
}

#include "stp_msg.h"
#include "transport/trace.h"

#include "tap.h"

#define LINE 1000	/* payload bytes of the single-threaded tests' chunks */

/* Read everything the ring holds; the sequence numbers of the first and last
 * chunks, their count, and whether each chunk was whole, in order and untorn
 * (payload byte i of chunk s is (s + i) & 0xff). */
struct seen {
	uint64_t first, last, n;
	bool bad;
};

static char rbuf[1 << 20];

static void check_chunks(struct seen *s, const char *p, size_t len)
{
	while (len) {
		struct stp_trace_chunk ch;
		uint32_t i;

		if (len < sizeof(ch)) {
			s->bad = true;
			return;
		}
		memcpy(&ch, p, sizeof(ch));
		if ((size_t)ch.len > len - sizeof(ch) || (s->n && ch.seq <= s->last)) {
			s->bad = true;
			return;
		}
		for (i = 0; i < ch.len; i++)
			if ((unsigned char)p[sizeof(ch) + i] != ((ch.seq + i) & 0xff))
				s->bad = true;
		if (!s->n)
			s->first = ch.seq;
		s->last = ch.seq;
		s->n++;
		p += sizeof(ch) + ch.len;
		len -= sizeof(ch) + ch.len;
	}
}

static void read_all(struct seen *s, size_t count)
{
	struct file f = { .private_data = _stp_rings[0] };
	ssize_t n;

	while ((n = _stp_trace_read(&f, rbuf, count, NULL)) > 0)
		check_chunks(s, rbuf, (size_t)n);
	if (n < 0)
		s->bad = true;
}

/* one chunk whose payload is the pattern of the sequence number it will get */
static void write_one(size_t len)
{
	static char buf[STP_BUFSIZE];
	uint64_t seq = (uint64_t)__atomic_load_n(&_stp_trace_seq.counter, __ATOMIC_SEQ_CST) + 1;
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (char)((seq + i) & 0xff);
	_stp_trace_write(buf, len);
}

static volatile int producing;

static void *producer(void *arg)
{
	unsigned int i;

	(void)arg;
	for (i = 0; i < 300000; i++)
		write_one(16 + (i * 7919) % 4000);
	__atomic_store_n(&producing, 0, __ATOMIC_RELEASE);
	return NULL;
}

int main(void)
{
	struct seen s = { 0 };
	unsigned int i;
	pthread_t t;

	/* without flight mode: 3 MB into a 1 MB ring keeps the first chunks */
	_stp_flight = false;
	ok(_stp_trace_alloc(1) == 0, "a 1 MB ring");
	for (i = 0; i < 3000; i++)
		write_one(LINE);
	read_all(&s, sizeof(rbuf));
	ok(!s.bad && s.first == 1 && s.last == s.n && s.n < 3000 &&
	   _stp_trace_dropped() == (3000 - s.n) * LINE,
	   "without -F a full ring drops the newest output, counted");
	_stp_trace_free();

	/* flight mode: the same keeps the last chunks, whole and in order */
	_stp_flight = true;
	_stp_trace_seq.counter = 0;
	memset(&s, 0, sizeof(s));
	ok(_stp_trace_alloc(1) == 0, "a 1 MB ring in flight mode");
	for (i = 0; i < 3000; i++)
		write_one(LINE);
	read_all(&s, sizeof(rbuf));
	ok(!s.bad && s.last == 3000 && s.first > 1 && s.last - s.first + 1 == s.n &&
	   s.n * (LINE + sizeof(struct stp_trace_chunk)) > (1 << 20) - LINE - 16 &&
	   _stp_trace_dropped() == 0,
	   "with -F a full ring evicts the oldest chunks: the latest 1 MB stays, nothing dropped");
	ok(_stp_trace_switch_mark() == 0, "switch_file() evicts to make room too");

	/* a read smaller than the next chunk: EMSGSIZE, nothing lost */
	write_one(LINE);
	{
		struct file f = { .private_data = _stp_rings[0] };

		ok(_stp_trace_read(&f, rbuf, sizeof(struct stp_trace_chunk), NULL) ==
		   sizeof(struct stp_trace_chunk) &&
		   _stp_trace_read(&f, rbuf, 100, NULL) == -EMSGSIZE,
		   "flight mode reads whole chunks only: a mark fits 16 bytes, a line not 100");
	}
	_stp_trace_free();

	/* a producer thread overwriting while the reader reads */
	_stp_trace_seq.counter = 0;
	memset(&s, 0, sizeof(s));
	ok(_stp_trace_alloc(1) == 0, "a 1 MB ring for the threads");
	producing = 1;
	pthread_create(&t, NULL, producer, NULL);
	while (__atomic_load_n(&producing, __ATOMIC_ACQUIRE))
		read_all(&s, 64 * 1024);
	pthread_join(t, NULL);
	read_all(&s, sizeof(rbuf));
	printf("# %lu of 300000 chunks read, the others evicted\n", (unsigned long)s.n);
	ok(!s.bad && s.n > 0 && s.last == 300000,
	   "every chunk read while the producer evicts is whole, untorn and in order");
	_stp_trace_free();
	return tap_done();
}
