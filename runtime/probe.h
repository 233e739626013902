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
 * as skipped).  Nothing here sleeps or allocates.
 */
#ifndef _STP_PROBE_H
#define _STP_PROBE_H

enum _stp_probe_kind {
	STP_PROBE_BEGIN,	/* run at START, in table order */
	STP_PROBE_END,		/* run at EXIT after exit() or staprun's stop */
	STP_PROBE_ERROR,	/* run at EXIT after a fatal error */
	STP_PROBE_EVENT,	/* anything registered by _stp_script_init() */
};

struct _stp_probe {
	int kind;				/* enum _stp_probe_kind */
	const char *pp;				/* pp(): "timer.ms(10)" */
	const char *location;			/* "t.stp:3:1", for messages */
	void (*fn)(struct _stp_context *c);	/* the generated handler */
};

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
 * Claim this CPU's context for a hit of `p`, reset for it; NULL if the hit
 * must not run.  Any context.  A non-NULL result must be passed to
 * _stp_probe_leave() on the same CPU.
 */
static inline struct _stp_context *_stp_probe_enter(const struct _stp_probe *p)
{
	int want = _stp_probe_state(p->kind);
	struct _stp_context *c;

	preempt_disable();
	if (atomic_read(&_stp_session.state) != want)
		goto no;
	c = _stp_ctx_this();
	if (atomic_inc_return(&c->busy) != 1) {
		atomic_dec(&c->busy);
		_stp_probe_skipped();
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
	c->print_len = 0;
	return c;
no:
	preempt_enable();
	return NULL;
}

/* End the hit: report its error, flush its output, release the context. */
static inline void _stp_probe_leave(struct _stp_context *c)
{
	if (unlikely(c->last_error))
		_stp_report_error(c);
	_stp_print_flush();
	atomic_dec(&c->busy);
	preempt_enable();
}

/* Run `p` once, if the session and the CPU's context allow. */
static inline void _stp_probe_run(const struct _stp_probe *p)
{
	struct _stp_context *c = _stp_probe_enter(p);

	if (!c)
		return;
	p->fn(c);
	_stp_probe_leave(c);
}

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

#endif /* _STP_PROBE_H */
