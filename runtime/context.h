/*
 * The per-CPU probe context: scratch state of the probe hit running on a CPU.
 *
 * The generated `struct context` embeds a struct _stp_context as its first
 * member `base`, followed by the script's locals.  One struct context per
 * possible CPU is allocated at module init (runtime_main.h); nothing is
 * allocated in probe context.  A context belongs to the hit that claimed it
 * through _stp_probe_enter() (probe.h) until _stp_probe_leave(): that hit runs
 * with preemption disabled on the context's CPU, so no field needs a lock.
 */
#ifndef _STP_CONTEXT_H
#define _STP_CONTEXT_H

/* Room for one OOB line: "ERROR: <msg> near <stmt>\n" and the like. */
#define STP_OOB_LINE_MAX (2 * MAXSTRINGLEN + 128)

struct _stp_probe;

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
	char oob_buf[STP_OOB_LINE_MAX];	/* scratch for ERROR/WARNING lines */
	char print_buf[STP_BUFSIZE];	/* output of this hit, not yet flushed */
};

/* _stp_ctx[cpu] for each possible cpu; set up before START, freed at unload */
static struct _stp_context **_stp_ctx;

/*
 * The context of the current CPU.  Only meaningful with preemption disabled,
 * inside a hit that owns it (between _stp_probe_enter and _stp_probe_leave).
 */
static inline struct _stp_context *_stp_ctx_this(void)
{
	return _stp_ctx[smp_processor_id()];
}

#endif /* _STP_CONTEXT_H */
