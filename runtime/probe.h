/*
 * Running a probe handler: the contract between generated handlers, the
 * probe families that call them, and the session.
 *
 * A family's callback (timer, kprobe, ...) runs a probe with
 *
 *	struct _stp_context *c = _stp_probe_enter(p);
 *	if (c) {
 *		c->regs = regs;		(family-specific fields, optional)
 *		p->fn(c);
 *		_stp_probe_leave(c);
 *	}
 *
 * or simply _stp_probe_run(p).  Between enter and leave the hit runs with
 * preemption disabled and owns its CPU's context; enter returns NULL (and the
 * handler must not run) when the session is not in the probe kind's state or
 * when the context is already owned (a probe hit from inside another: counted
 * as skipped, not toward MAXSKIPPED), or when less than MINSTACKSPACE bytes
 * of stack are left (counted as skipped).  Nothing here sleeps or allocates.
 */
#ifndef _STP_PROBE_H
#define _STP_PROBE_H

/* struct _stp_probe and its kinds are part of the API: stap.h */

/* The session state in which probes of `kind` may run. */
static inline int _stp_probe_state(int kind)
{
	switch (kind) {
	case STP_PROBE_BEGIN:
		return STP_SESSION_STARTING;
	case STP_PROBE_END:
		return STP_SESSION_STOPPING;
	case STP_PROBE_ERROR:
		return STP_SESSION_ERROR;
	default:
		return STP_SESSION_RUNNING;
	}
}

/*
 * MINSTACKSPACE: true when the hit has less kernel stack than that left.
 * Measured on a task's stack (process context, and kprobes, whose int3
 * runs on it); an interrupt or exception stack is not measured.
 */
static inline bool _stp_stack_low(void)
{
	unsigned long sp = (unsigned long)__builtin_frame_address(0);
	unsigned long base = (unsigned long)task_stack_page(current);

	if (sp < base || sp >= base + THREAD_SIZE)
		return false;
	return sp - base < MINSTACKSPACE;
}

/*
 * Claim this CPU's context for a hit of `p`, reset for it; NULL if the hit
 * must not run.  Any context.  A non-NULL result must be passed to
 * _stp_probe_leave() on the same CPU.
 */
struct _stp_context *_stp_probe_enter(const struct _stp_probe *p)
{
	int want = _stp_probe_state(p->kind);
	struct _stp_context *c;

	preempt_disable();
	if (atomic_read(&_stp_session.state) != want)
		goto no;
	if (unlikely(_stp_stack_low())) {
		atomic_inc(&_stp_session.skipped_lowstack);
		_stp_probe_skipped();
		goto no;
	}
	c = _stp_ctx_this();
	if (atomic_inc_return(&c->busy) != 1) {
		atomic_dec(&c->busy);
		_stp_probe_skipped_reentrant();
		goto no;
	}
	/*
	 * Checked again after claiming (atomic_inc_return is a full barrier):
	 * the session's stop changes the state, then waits for hits already
	 * past this point, so none runs after it.
	 */
	if (atomic_read(&_stp_session.state) != want) {
		atomic_dec(&c->busy);
		goto no;
	}
	c->probe = p;
	c->probe_point = p->pp;
	c->last_stmt = NULL;
	c->last_error = NULL;
	c->actionremaining = p->kind == STP_PROBE_EVENT ?
				     MAXACTION : MAXACTION_INTERRUPTIBLE;
	c->nesting = 0;
	c->regs = NULL;
	c->data = NULL;
	c->syscall = NULL;
	c->print_len = 0;
	c->match.ngroups = -1;
	c->cycles_start = get_cycles();
	return c;
no:
	preempt_enable();
	return NULL;
}

/*
 * -t: per probe and CPU, hits and cycles.  The table is allocated at module
 * load for the probes of _stp_probes[]; a family's own probe structures are
 * not counted.
 */
struct _stp_timing {
	u64 hits, total, min, max;
};
static struct _stp_timing *_stp_timings;	/* [probe * nr_cpu_ids + cpu] */

static void _stp_timing_add(const struct _stp_probe *p, u64 cycles);

/*
 * Overload: an event probe that, on one CPU, spends more than
 * STP_OVERLOAD_THRESHOLD cycles in handlers within STP_OVERLOAD_INTERVAL
 * cycles ends the session with an error (unless -D STP_NO_OVERLOAD).
 */
static void _stp_overload_check(struct _stp_context *c, u64 now)
{
#ifndef STP_NO_OVERLOAD
	static const char msg[] = "ERROR: probe overhead exceeded threshold\n";

	if (now - c->overload_start >= STP_OVERLOAD_INTERVAL) {
		c->overload_start = now;
		c->overload_time = 0;
	}
	c->overload_time += now - c->cycles_start;
	if (unlikely(c->overload_time > STP_OVERLOAD_THRESHOLD)) {
		c->overload_time = 0;
		if (atomic_read(&_stp_session.state) == STP_SESSION_RUNNING) {
			_stp_ctl_oob(msg, sizeof(msg) - 1);
			atomic_inc(&_stp_session.errors);
			_stp_session_fail();
		}
	}
#endif
}

/* End the hit: report its error, flush its output, release the context. */
void _stp_probe_leave(struct _stp_context *c)
{
	u64 now = get_cycles();

	if (c->probe->kind == STP_PROBE_EVENT)
		_stp_overload_check(c, now);
	_stp_timing_add(c->probe, now - c->cycles_start);
	if (unlikely(c->last_error))
		_stp_report_error(c);
	_stp_print_flush();
	atomic_dec(&c->busy);
	preempt_enable();
}

/* Run `p` once with the registers `regs` (may be NULL), if the session and the
 * CPU's context allow. */
void _stp_probe_run_regs(const struct _stp_probe *p, struct pt_regs *regs)
{
	struct _stp_context *c = _stp_probe_enter(p);

	if (!c)
		return;
	c->regs = regs;
	p->fn(c);
	_stp_probe_leave(c);
}

void _stp_probe_run(const struct _stp_probe *p)
{
	_stp_probe_run_regs(p, NULL);
}

/*
 * Script function calls: true (and an error recorded) when the call would
 * go deeper than MAXNESTING; otherwise the caller must _stp_nest_leave().
 */
static inline bool _stp_nest_enter(struct _stp_context *c)
{
	if (unlikely(c->nesting + 1 > MAXNESTING)) {
		_stp_error(c, "MAXNESTING exceeded");
		return true;
	}
	c->nesting++;
	return false;
}

static inline void _stp_nest_leave(struct _stp_context *c)
{
	c->nesting--;
}

/*
 * switch_file(): the hit's output so far stays in the current file, what
 * follows goes to staprun's next output file.  0, or -ENOSPC when the output
 * ring is full.
 */
int _stp_switch_file(void)
{
	_stp_print_flush();
	return _stp_trace_switch_mark();
}

#endif /* _STP_PROBE_H */
