/*
 * The module's life: included last by stp_runtime.c (the script object, built
 * apart, provides `_stp_probes[]`, its context size and `_stp_script_init()` /
 * `_stp_script_exit()`), or at the end of a hand-written module (runtime/test/)
 * after its `struct context`, handlers and `_stp_probes[]`.
 *
 *   module_init   allocate contexts, output rings, the ctl queue; create the
 *                 debugfs files (or /proc ones).  No probe runs yet.
 *   START         (staprun's ctl write) _stp_script_init(), then begin probes
 *                 in table order, then RUNNING; reply STARTED.
 *   EXIT          stop event probes and wait for running hits; end probes
 *                 (error probes if the session failed); _stp_script_exit();
 *                 summary warnings; reply EXITED with the exit status.
 *   module_exit   the EXIT sequence if staprun never sent EXIT (killed), then
 *                 remove files and free everything.
 */
#ifndef _STP_RUNTIME_MAIN_H
#define _STP_RUNTIME_MAIN_H

/*
 * What the script provides.  In one file with the script (runtime/test/),
 * its static `_stp_probes[]` and `struct context`; compiled apart
 * (stp_runtime.c), the script object's _stp_n_probes and _stp_context_size.
 */
#ifndef STP_N_PROBES
#define STP_N_PROBES ARRAY_SIZE(_stp_probes)
#endif
#ifndef STP_CONTEXT_SIZE
#define STP_CONTEXT_SIZE sizeof(struct context)
#endif

/* staprun -s: output ring per CPU in MiB (0: STP_TRACE_BUFSIZE_MB) */
static int _stp_bufsize;
module_param(_stp_bufsize, int, 0);
MODULE_PARM_DESC(_stp_bufsize, "output buffer per CPU, in MiB");

/* stap -b: staprun writes each CPU's output to its own file; the runtime only
 * keeps the value for staprun -A to read back */
static bool _stp_bulk;
module_param(_stp_bulk, bool, 0444);
MODULE_PARM_DESC(_stp_bulk, "bulk mode: output files per CPU");

/* staprun -r N:URI: remote_id() and remote_uri() */
static int _stp_remote_id = -1;
module_param(_stp_remote_id, int, 0);
static char *_stp_remote_uri;
module_param(_stp_remote_uri, charp, 0);

long _stp_remote_index(void)
{
	return _stp_remote_id;
}

const char *_stp_remote_name(void)
{
	return _stp_remote_uri ? _stp_remote_uri : "";
}

/* true once _stp_script_init() succeeded: _stp_script_exit() is owed */
static bool _stp_script_inited;

/* Run every probe of `kind`, in table order.  Process context. */
static void _stp_run_probes(int kind)
{
	size_t i;

	for (i = 0; i < STP_N_PROBES; i++)
		if (_stp_probes[i].kind == kind) {
			_stp_trace_wait_room();
			_stp_probe_run(&_stp_probes[i]);
		}
}

static int _stp_session_start(pid_t target)
{
	int rc;

	if (atomic_cmpxchg(&_stp_session.state, STP_SESSION_LOADED,
			   STP_SESSION_STARTING) != STP_SESSION_LOADED)
		return -EBUSY;
	_stp_session.target = target;
	rc = _stp_script_init();
	if (rc) {
		atomic_set(&_stp_session.state, STP_SESSION_STOPPED);
		_stp_ctl_post(&_stp_ctl->started, rc);
		return 0;
	}
	_stp_script_inited = true;
	_stp_run_probes(STP_PROBE_BEGIN);
	/* unless a begin probe called exit() or failed */
	atomic_cmpxchg(&_stp_session.state, STP_SESSION_STARTING,
		       STP_SESSION_RUNNING);
	_stp_ctl_post(&_stp_ctl->started, 0);
	return 0;
}

/* Wait until no hit owns any context; hits starting now see the new state. */
static void _stp_wait_for_hits(void)
{
	unsigned int cpu;
	int ms = 0;

	synchronize_rcu();	/* hits run with preemption disabled */
	for_each_possible_cpu(cpu) {
		while (atomic_read(&_stp_ctx[cpu]->busy) && ms < 5000) {
			msleep(1);
			ms++;
		}
	}
}

static void _stp_timing_add(const struct _stp_probe *p, u64 cycles)
{
#ifdef STP_TIMING
	struct _stp_timing *t;
	size_t i = p - _stp_probes;

	if (!_stp_timings || p < _stp_probes || i >= STP_N_PROBES)
		return;
	t = &_stp_timings[i * nr_cpu_ids + smp_processor_id()];
	if (!t->hits || cycles < t->min)
		t->min = cycles;
	if (cycles > t->max)
		t->max = cycles;
	t->hits++;
	t->total += cycles;
#endif
}

/* -t: "probe hit report" lines on stderr, per probe over all CPUs */
static void _stp_timing_report(void)
{
#ifdef STP_TIMING
	char buf[256];
	size_t i;
	unsigned int cpu;

	if (!_stp_timings)
		return;
	_stp_oob_printf(buf, sizeof(buf), "----- probe hit report:\n");
	for (i = 0; i < STP_N_PROBES; i++) {
		struct _stp_timing sum = { 0 };

		for_each_possible_cpu(cpu) {
			struct _stp_timing *t = &_stp_timings[i * nr_cpu_ids + cpu];

			if (!t->hits)
				continue;
			if (!sum.hits || t->min < sum.min)
				sum.min = t->min;
			sum.max = max(sum.max, t->max);
			sum.hits += t->hits;
			sum.total += t->total;
		}
		if (!sum.hits)
			continue;
		_stp_oob_printf(buf, sizeof(buf),
				"%s, (%s), hits: %llu, cycles: %llumin/%lluavg/%llumax, index: %zu\n",
				_stp_probes[i].pp, _stp_probes[i].location ?: "",
				sum.hits, sum.min, div64_u64(sum.total, sum.hits),
				sum.max, i);
	}
#endif
}

static void _stp_summary(void)
{
	char buf[128];
	int errors = atomic_read(&_stp_session.errors);
	int skipped = atomic_read(&_stp_session.skipped);
	int reentrant = atomic_read(&_stp_session.skipped_reentrant);
	int lowstack = atomic_read(&_stp_session.skipped_lowstack);
	unsigned long dropped = _stp_trace_dropped();
	int lost = atomic_read(&_stp_ctl->dropped);

	if (dropped)
		_stp_oob_printf(buf, sizeof(buf),
				"WARNING: %lu bytes of output dropped: the "
				"output buffer was full (try staprun -s)\n",
				dropped);
	if (lost)
		_stp_oob_printf(buf, sizeof(buf),
				"WARNING: %d control messages dropped\n", lost);
	if (errors || skipped)
		_stp_oob_printf(buf, sizeof(buf),
				"WARNING: Number of errors: %d, skipped probes: "
				"%d\n", errors, skipped);
	if (reentrant)
		_stp_oob_printf(buf, sizeof(buf),
				"WARNING: Skipped due to reentrancy: %d\n",
				reentrant);
	if (lowstack)
		_stp_oob_printf(buf, sizeof(buf),
				"WARNING: Skipped due to low stack: %d\n",
				lowstack);
}

/*
 * The EXIT sequence; idempotent (a second EXIT only repeats EXITED).
 * Process context, under the ctl write mutex or at module exit.
 */
static void _stp_session_stop(void)
{
	int st;

	atomic_cmpxchg(&_stp_session.state, STP_SESSION_LOADED,
		       STP_SESSION_STOPPED);
	atomic_cmpxchg(&_stp_session.state, STP_SESSION_RUNNING,
		       STP_SESSION_STOPPING);
	st = atomic_read(&_stp_session.state);
	if (st != STP_SESSION_STOPPED) {
		_stp_wait_for_hits();
		st = atomic_read(&_stp_session.state);
		if (st == STP_SESSION_STOPPING)
			_stp_run_probes(STP_PROBE_END);
		else if (st == STP_SESSION_ERROR)
			_stp_run_probes(STP_PROBE_ERROR);
		atomic_set(&_stp_session.state, STP_SESSION_STOPPED);
		_stp_timing_report();
		if (_stp_script_inited) {
			_stp_script_inited = false;
			_stp_script_exit();
		}
		_stp_summary();
	}
	_stp_ctl_post(&_stp_ctl->exited,
		      atomic_read(&_stp_session.errors) ? 1 : 0);
}

static void _stp_ctx_free(void)
{
	unsigned int cpu;

	if (!_stp_ctx)
		return;
	for_each_possible_cpu(cpu)
		kvfree(_stp_ctx[cpu]);
	kfree(_stp_ctx);
	_stp_ctx = NULL;
}

static int _stp_ctx_alloc(void)
{
	unsigned int cpu;

	_stp_ctx = kcalloc(nr_cpu_ids, sizeof(*_stp_ctx), GFP_KERNEL);
	if (!_stp_ctx)
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		/* the whole generated context; base is its first member */
		_stp_ctx[cpu] = kvzalloc(STP_CONTEXT_SIZE, GFP_KERNEL);
		if (!_stp_ctx[cpu]) {
			_stp_ctx_free();
			return -ENOMEM;
		}
	}
	return 0;
}

static int __init _stp_module_init(void)
{
	unsigned int mb = _stp_bufsize > 0 ? _stp_bufsize : STP_TRACE_BUFSIZE_MB;
	int rc;

#ifndef STP_SPLIT
	BUILD_BUG_ON(offsetof(struct context, base) != 0);
#endif
	BUILD_BUG_ON(STP_CTL_BUFSIZE < STP_MSG_MAX);
	if (mb > STP_BUFSIZE_MB_MAX)
		return -EINVAL;
	rc = _stp_ctx_alloc();
	if (rc)
		return rc;
#ifdef STP_TIMING
	_stp_timings = kcalloc(STP_N_PROBES * nr_cpu_ids, sizeof(*_stp_timings),
			       GFP_KERNEL);
#endif
	rc = _stp_trace_alloc(mb);
	if (rc)
		goto free_ctx;
	rc = _stp_ctl_alloc();
	if (rc)
		goto free_trace;
	rc = _stp_transport_files_init();
	if (rc)
		goto free_ctl;
	return 0;
free_ctl:
	_stp_ctl_free();
free_trace:
	_stp_trace_free();
free_ctx:
	_stp_ctx_free();
	kfree(_stp_timings);
	_stp_timings = NULL;
	return rc;
}

static void __exit _stp_module_exit(void)
{
	/* nobody has a file open (they pin the module), so no START/EXIT
	 * can be in progress; a session staprun never stopped stops here */
	_stp_session_stop();
	_stp_transport_files_remove();
	_stp_ctl_free();
	_stp_trace_free();
	_stp_ctx_free();
	kfree(_stp_timings);
}

module_init(_stp_module_init);
module_exit(_stp_module_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("systemtap session");

#endif /* _STP_RUNTIME_MAIN_H */
