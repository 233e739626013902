/*
 * The runtime's API for generated code: the only header a script's C file
 * includes.  It pulls in light kernel headers only, so that a new script
 * compiles fast; the runtime itself (runtime.h and the files it includes) is
 * compiled once per kernel and option set into an object linked with every
 * script's (translator/build.c), or included in the same file by hand-written
 * modules (runtime/test/).
 *
 * Everything here is either a type, a static inline helper without kernel
 * dependencies beyond these headers, or a prototype of a function defined by
 * the runtime.  Nothing allocates; everything is callable from probe context.
 */
#ifndef _STP_STAP_H
#define _STP_STAP_H

#include <linux/types.h>
#include <linux/compiler.h>
#include <linux/kernel.h>
#include <linux/string.h>

#if __has_include("stp_autoconf.h")
#include "stp_autoconf.h"	/* kernel features of the target (build.c) */
#endif
#include "limits.h"
#include "regex_types.h"

#ifndef INT64_MIN
#define INT64_MIN ((int64_t)(-0x7fffffffffffffffLL - 1))
#endif
#ifndef INT64_MAX
#define INT64_MAX ((int64_t)0x7fffffffffffffffLL)
#endif

struct pt_regs;
struct _stp_probe;

/* ---- statistics (stat.h) ---------------------------------------------- */

enum _stp_hist_type { STP_HIST_NONE, STP_HIST_LINEAR, STP_HIST_LOG };

/* Log histograms have 128 buckets: 64 negative, zero, 63 positive powers. */
#define STP_HIST_LOG_BUCKETS 128
#define STP_HIST_LOG_BUCKET0 64

/* Histogram shape of one statistic, fixed at translation time. */
struct _stp_hist {
	int type;			/* enum _stp_hist_type */
	int64_t start, stop, interval;	/* linear only */
	int buckets;			/* incl. under/overflow for linear */
};

/* One CPU's (or the aggregate's) accumulated values. */
struct _stp_stat {
	int64_t count, sum, min, max;
	/* @variance as 4.8 computes it (stat.h): each CPU runs Welford's
	 * algorithm in integers (avg_s, m2); an aggregate sums each merged
	 * CPU's n * avg_s, n * avg_s^2 and (n - 1) * variance (wrapping) */
	int64_t avg_s, m2;
	int64_t wsum, wsq, s2;
	bool merged;			/* the sums above are valid */
	int64_t buckets[STP_MAX_BUCKETS];
};

/* A scalar statistic global: one _stp_stat per possible CPU. */
struct _stp_statvar {
	const struct _stp_hist *hist;
	struct _stp_stat *pcpu;		/* nr_cpu_ids entries, allocated at init */
};

/* ---- the per-CPU probe context (context.h) ------------------------------ */

/* a syscall probe hit (linux/stp_syscalls.h): the call's user registers, which
 * hold its arguments, its number, and in a .return hit its result */
struct _stp_sys_hit {
	struct pt_regs *regs;
	long nr;
	long ret;
};

struct _stp_context {
	atomic_t busy;			/* 1 while a hit owns the context */
	const struct _stp_probe *probe;	/* the probe being run */
	const char *probe_point;	/* pp() of that probe */
	const char *last_stmt;		/* "identifier 'x' at t.stp:3:9", or
					 * NULL; named in ERROR lines */
	const char *last_error;		/* NULL, or the error ending this hit
					 * (usually error_buf) */
	long actionremaining;		/* statement budget left, MAXACTION */
	int nesting;			/* script function call depth */
	struct pt_regs *regs;		/* registers at the probe, or NULL */
	size_t print_len;		/* bytes used in print_buf */
	char error_buf[MAXSTRINGLEN];	/* last_error's text */
	char oob_buf[2 * MAXSTRINGLEN + 128]; /* scratch for ERROR/WARNING */
	u64 cycles_start;		/* get_cycles() when the hit began */
	u64 overload_start, overload_time; /* cycles in handlers per interval */
	char *data;			/* family-specific: procfs $value */
	struct _stp_sys_hit *syscall;	/* a syscall probe hit's call, else NULL */
	const char *probe_func;		/* probefunc() of a hit whose probe knows it
					 * (a syscall's "__x64_sys_openat"), else NULL */
	unsigned long ubias;		/* a uprobe hit: its object's load bias (where
					 * it is mapped less its link-time address) */
	int tok_pos;			/* tokenize(): position in tok_buf */
	char tok_buf[MAXSTRINGLEN];	/* tokenize(): the string being split */
	struct _stp_stat stat;		/* scratch: an aggregated statistic */
	struct _stp_match match;	/* regex.h: the last =~ of this hit */
	char match_str[MAXSTRINGLEN];	/* the string it matched */
	char print_buf[STP_BUFSIZE];	/* output of this hit, not yet flushed */
};

/* ---- probes (probe.h) ------------------------------------------------------ */

enum _stp_probe_kind {
	STP_PROBE_BEGIN,	/* run at START, in table order */
	STP_PROBE_END,		/* run at EXIT after exit() or staprun's stop */
	STP_PROBE_ERROR,	/* run at EXIT after a fatal error */
	STP_PROBE_EVENT,	/* anything registered by _stp_script_init() */
};

struct _stp_probe {
	int kind;				/* enum _stp_probe_kind */
	const char *pp;				/* pp(): "timer.ms(10)" */
	const char *pn;				/* pn(): the script's point with its
						 * wildcards expanded, or NULL: pp */
	const char *location;			/* "t.stp:3:1", for messages */
	void (*fn)(struct _stp_context *c);	/* the generated handler */
};

/*
 * Event families run a probe with _stp_probe_run(p), _stp_probe_run_regs(p, regs)
 * (the interrupted registers), or with enter / set c->regs and other fields /
 * p->fn(c) / leave (probe.h has the contract).
 */
struct _stp_context *_stp_probe_enter(const struct _stp_probe *p);
void _stp_probe_leave(struct _stp_context *c);
void _stp_probe_run(const struct _stp_probe *p);
void _stp_probe_run_regs(const struct _stp_probe *p, struct pt_regs *regs);

/* ---- regular expressions (regex.h) ---------------------------------------- */

/* str =~ re: 1 or 0; scratch holds STP_REGEX_SCRATCH bytes for re */
int64_t _stp_regex_match(struct _stp_context *c, const struct _stp_regex *re,
			 const char *str, void *scratch);
/* matched(n), ngroups(): an error after a failed match */
void _stp_regex_matched(struct _stp_context *c, int64_t n, char *out);
int64_t _stp_regex_ngroups(struct _stp_context *c);

/* ---- strings (stp_string.h) --------------------------------------------- */

/* Copy a string value, truncated to MAXSTRINGLEN - 1 bytes. */
static inline void _stp_scpy(char *dst, const char *src)
{
	if (dst != src)
		strscpy(dst, src, MAXSTRINGLEN);
}

/* Append to a string value; the result is truncated, never overflows. */
static inline void _stp_scat(char *dst, const char *src)
{
	size_t n = strnlen(dst, MAXSTRINGLEN - 1);

	if (n < MAXSTRINGLEN - 1)
		strscpy(dst + n, src, MAXSTRINGLEN - n);
}

/* ---- errors, session control (error.h, session.h) ------------------------ */

__printf(2, 3) void _stp_error(struct _stp_context *c, const char *fmt, ...);
__printf(2, 3) void _stp_warn(struct _stp_context *c, const char *fmt, ...);
/* a failed START's reason, from a family's init: `ERROR: <msg>` on stderr */
__printf(1, 2) void _stp_start_error(const char *fmt, ...);
void _stp_exit(void);
/* abort(): exit() and leave the handler now, reported as no error */
void _stp_abort(struct _stp_context *c);
extern const char _stp_abort_msg[];
/* `next` in a function: set as last_error, it unwinds the calls like an error that
 * no catch takes, and the hit ends without a report */
extern const char _stp_next_msg[];
pid_t _stp_target(void);
const char *_stp_module_name(void);
/* remote_id(), remote_uri(): staprun -r N:URI (session.h) */
extern long _stp_remote_id;
extern char *_stp_remote_uri;
/* system(): have staprun run cmd with /bin/sh -c; 0 or -errno (transport/ctl.h) */
int _stp_system(const char *cmd);
/* switch_file(): staprun -o starts its next file here; 0 or -errno (probe.h) */
int _stp_switch_file(void);
/* the session's debugfs directory, /sys/kernel/debug/systemtap/<module>/, where a
 * family may add files at _stp_script_init() (transport/debugfs.h) */
struct dentry *_stp_session_dir(void);

/*
 * Charge `n` statements to the hit's budget.  True when the handler must stop
 * now: the budget is exhausted (an error) or an error is already recorded.
 */
static inline bool _stp_action(struct _stp_context *c, long n)
{
	if (unlikely(c->last_error))
		return true;
	c->actionremaining -= n;
	if (unlikely(c->actionremaining < 0)) {
		_stp_error(c, "MAXACTION exceeded");
		return true;
	}
	return false;
}

/*
 * For generated handlers, where `c` is the struct context * whose first
 * member is `base`, and which end with an `out:` label (after which nothing
 * but cleanup runs):
 *	STP_ACTION(c, n)  charge n statements; leave on error or exhaustion
 *	STP_CHECK(c)      leave if an error is recorded
 */
#define STP_ACTION(c, n)                                                      \
	do {                                                                  \
		if (_stp_action(&(c)->base, (n)))                             \
			goto out;                                             \
	} while (0)

#define STP_CHECK(c)                                                          \
	do {                                                                  \
		if (unlikely((c)->base.last_error))                           \
			goto out;                                             \
	} while (0)

/* ---- output (print.h, format.h) ----------------------------------------- */

/*
 * Output goes to the hit's print buffer when `dst` is NULL, else it is
 * appended to the string value `dst` (MAXSTRINGLEN, truncated).
 */
void _stp_print(const char *s);
void _stp_print_char(char ch);
void _stp_print_bytes(const char *s, size_t len);
__printf(1, 2) void _stp_printf(const char *fmt, ...);
__printf(2, 3) void _stp_out_printf(char *dst, const char *fmt, ...);
void _stp_out_bytes(char *dst, const char *s, size_t len);
/* printf's %b: v in `prec` (1, 2, 4 or 8) bytes, host order, in a field of
 * `width` bytes padded with NULs (-1: not given; format.h has the defaults) */
void _stp_out_binary(char *dst, int64_t v, int width, int prec, int left);
/* printf's %m / %M: `len` bytes of kernel memory at addr, raw or as hex */
void _stp_out_memory(struct _stp_context *c, char *dst, int64_t addr,
		     int64_t len, int64_t width, int left, bool hex);
/*
 * A width or precision taken from a script's `*` argument is clamped to
 * [0, STP_BUFSIZE], as 4.8 clamps it to its print buffer: one conversion
 * never writes more than the buffer holds, a huge value neither keeps the
 * probe busy (preemption off) nor reaches the kernel vsnprintf()'s
 * "field width/precision too large" WARN_ONCE, and a value above 2^31 is not
 * cut to a small or negative int.
 */
#define STP_FIELD_MAX STP_BUFSIZE

static inline int _stp_fmt_width(int64_t w)
{
	return w < 0 ? 0 : w > STP_FIELD_MAX ? STP_FIELD_MAX : (int)w;
}

static inline int _stp_fmt_prec(int64_t p)
{
	return _stp_fmt_width(p);
}

/* print(@hist_*(x)): c->stat in systemtap's ASCII layout */
void _stp_out_hist(char *dst, const struct _stp_hist *h,
		   const struct _stp_stat *st);

/* ---- kernel memory (deref.h) --------------------------------------------- */

/*
 * Read `size` bytes (1, 2, 4, 8) of kernel memory at `addr`, zero-extended;
 * a fault records "kernel read fault at 0x..." in c and returns 0.
 */
uint64_t _stp_deref(struct _stp_context *c, unsigned long addr, int size);
/* kernel_string(): a NUL-terminated kernel string into dst (MAXSTRINGLEN,
 * truncated); a fault is an error.  Returns dst. */
char *_stp_kernel_string(struct _stp_context *c, char *dst,
			 unsigned long addr, size_t maxlen);
/*
 * Copy len bytes of kernel memory at addr to dst (dst NULL: only check that
 * they can be read): 0, or -EFAULT with "kernel read fault at 0x..." recorded
 * in c.
 */
int _stp_deref_buffer(struct _stp_context *c, void *dst, unsigned long addr,
		      size_t len);

/*
 * For the embedded C of guru-mode functions, as systemtap's runtime offers it:
 * kread(ptr) is *ptr read fault-safe; kderef_buffer(dst, addr, len) copies
 * (or with dst NULL checks) len bytes.  A fault is a script error and jumps to
 * the label that CATCH_DEREF_FAULT() places, where the function cleans up
 * (rcu_read_unlock(), ...) before it returns.
 */
#define kread(ptr)                                                            \
	({                                                                    \
		union {                                                       \
			__typeof__(*(ptr)) v;                                 \
			char b[sizeof(*(ptr))];                               \
		} kread_u_;                                                   \
		if (_stp_deref_buffer(CONTEXT, kread_u_.b,                    \
				      (unsigned long)(ptr), sizeof(kread_u_))) \
			goto deref_fault;                                     \
		kread_u_.v;                                                   \
	})
#define kderef_buffer(dst, addr, len)                                         \
	do {                                                                  \
		if (_stp_deref_buffer(CONTEXT, (dst), (unsigned long)(addr),  \
				      (len)))                                 \
			goto deref_fault;                                     \
	} while (0)
/* struct file's dentry is f_path.dentry (systemtap's autoconf name for it) */
#define STAPCONF_DPATH_PATH 1
#define CATCH_DEREF_FAULT()                                                   \
	if (0) {                                                              \
deref_fault: __attribute__((unused));                                         \
	}

/* ---- global variables: locks (lock.h) ------------------------------------ */

/* A reader/writer lock that is only ever tried: readers > 0, writer -1. */
struct _stp_rwlock {
	atomic_t cnt;
	atomic_t contention;		/* hits skipped on this lock */
	const char *name;
};

struct _stp_lockreq {
	struct _stp_rwlock *lock;
	bool write;
};

/*
 * Take every lock of `req` (sorted by the translator, so no two hits can
 * deadlock), each tried MAXTRYLOCK times TRYLOCKDELAY us apart.  False when
 * one cannot be had: the others are released and the hit counts as skipped.
 */
bool _stp_lock_all(const struct _stp_lockreq *req, int n);
void _stp_unlock_all(const struct _stp_lockreq *req, int n);

/* ---- associative arrays (map.h) ------------------------------------------- */

enum _stp_vtype { STP_T_LONG, STP_T_STRING, STP_T_STAT };

#define STP_MAP_MAX_KEYS 9

union _stp_key {
	int64_t l;
	const char *s;
};

struct _stp_submap;

/*
 * A global array.  The translator fills in the shape; _stp_map_init()
 * preallocates storage for `cap` entries (per CPU plus an aggregate for
 * arrays of statistics), so that no probe ever allocates.
 */
struct _stp_map {
	const char *name;
	int n_keys;
	u8 key_types[STP_MAP_MAX_KEYS];	/* STP_T_LONG or STP_T_STRING */
	int val_type;			/* enum _stp_vtype */
	u32 cap;			/* entries */
	bool wrap;			/* global a%: evict the oldest */
	const struct _stp_hist *hist;	/* STP_T_STAT */
	/* runtime-owned from here on */
	size_t entry_size, val_off;
	size_t key_off[STP_MAP_MAX_KEYS];
	struct _stp_submap *sub;	/* [0]: the map; stats: [cpu], [nr] agg */
	int n_sub;
};

int _stp_map_init(struct _stp_map *m);
void _stp_map_free(struct _stp_map *m);

/* all return -E2BIG when the array is full (the translator's error) */
int64_t _stp_map_get_l(struct _stp_map *m, const union _stp_key *k);
const char *_stp_map_get_s(struct _stp_map *m, const union _stp_key *k);
int _stp_map_set_l(struct _stp_map *m, const union _stp_key *k, int64_t v);
int _stp_map_set_s(struct _stp_map *m, const union _stp_key *k,
		   const char *v);
int _stp_map_add_stat(struct _stp_map *m, const union _stp_key *k,
		      int64_t v);
/* aggregate one key's statistic into *out; false if the key has none */
bool _stp_map_get_stat(struct _stp_map *m, const union _stp_key *k,
		       struct _stp_stat *out);
bool _stp_map_exists(struct _stp_map *m, const union _stp_key *k);
void _stp_map_delete(struct _stp_map *m, const union _stp_key *k);
void _stp_map_clear(struct _stp_map *m);
u32 _stp_map_size(struct _stp_map *m);
/* slices: the key columns whose bit is set in `wild` match anything (a[1, *]) */
bool _stp_map_exists_slice(struct _stp_map *m, const union _stp_key *k, u32 wild);
void _stp_map_delete_slice(struct _stp_map *m, const union _stp_key *k, u32 wild);
bool _stp_entry_match(struct _stp_map *m, void *e, const union _stp_key *k, u32 wild);
/* end of session: print a global written but never read */
void _stp_map_print(struct _stp_map *m);
void _stp_statvar_print(const char *name, struct _stp_statvar *sv);

/*
 * foreach: put the entries' indices into idx (room for m->cap), sorted by
 * key column `col` (1-based), by value (col -1), or in insertion order (col
 * 0), `dir` +1 ascending or -1 descending; stop after `limit` if >= 0.
 * Arrays of statistics are aggregated first and sort by value with col -1
 * (@count), -2 (@sum), -3 (@min), -4 (@max), -5 (@avg) or -6 (@variance).
 * Returns the number of indices.
 */
u32 _stp_map_collect(struct _stp_map *m, u32 *idx, int col, int dir,
		     int64_t limit);
/* the entry behind an index from _stp_map_collect, NULL if deleted since */
void *_stp_map_entry(struct _stp_map *m, u32 i);
int64_t _stp_entry_key_l(struct _stp_map *m, void *e, int col);
const char *_stp_entry_key_s(struct _stp_map *m, void *e, int col);
int64_t _stp_entry_val_l(struct _stp_map *m, void *e);
const char *_stp_entry_val_s(struct _stp_map *m, void *e);
void _stp_entry_stat(struct _stp_map *m, void *e, struct _stp_stat *out);

/* ---- scalar statistics (stat.h) ------------------------------------------- */

int _stp_statvar_init(struct _stp_statvar *sv);
void _stp_statvar_free(struct _stp_statvar *sv);
void _stp_statvar_add(struct _stp_statvar *sv, int64_t v);
void _stp_statvar_get(struct _stp_statvar *sv, struct _stp_stat *out);
void _stp_statvar_clear(struct _stp_statvar *sv);
void _stp_stat_add(const struct _stp_hist *h, struct _stp_stat *st,
		   int64_t v);
/*
 * @count @sum @min @max @avg @variance of an aggregate (op: 0..5 in that
 * order); anything but @count of an empty one is an error, returning 0.
 */
int64_t _stp_stat_extract(struct _stp_context *c, const struct _stp_stat *st,
			  int op);
/* @hist_*(x)[i]: the count of bucket i, 0 outside the histogram */
int64_t _stp_stat_bucket(const struct _stp_hist *h, const struct _stp_stat *st,
			 int64_t i);
int _stp_hist_nbuckets(const struct _stp_hist *h);

/* ---- arithmetic ------------------------------------------------------------ */

/* systemtap's division: by zero an error; INT64_MIN / -1 wraps */
static inline int64_t _stp_div(struct _stp_context *c, int64_t a, int64_t b)
{
	if (unlikely(b == 0)) {
		_stp_error(c, "division by 0");
		return 0;
	}
	if (unlikely(b == -1))
		return (int64_t)(0 - (uint64_t)a);
	return a / b;
}

static inline int64_t _stp_mod(struct _stp_context *c, int64_t a, int64_t b)
{
	if (unlikely(b == 0)) {
		_stp_error(c, "division by 0");
		return 0;
	}
	if (unlikely(b == -1))
		return 0;
	return a % b;
}

#endif /* _STP_STAP_H */
