/*
 * kernel.trace("SYSTEM:NAME") probes.  The translator emits, per argument
 * signature, a callback with the tracepoint's prototype that stores the
 * arguments in an array and runs the probe with c->data pointing at it
 * (_STP_TPARG(i) in stp_loc.h reads them), and a table of struct
 * _stp_tracepoint.  _stp_tracepoints_init() checks the build id (the argument
 * types come from the debuginfo), finds each struct tracepoint by name with
 * for_each_kernel_tracepoint() and registers the callback with the table
 * entry as its data.  A tracepoint the kernel does not have is reported and
 * skipped, as a kprobe that fails to register is.
 */
#ifndef _STP_LINUX_TRACEPOINTS_H
#define _STP_LINUX_TRACEPOINTS_H

#include <linux/tracepoint.h>

#include "linux/stp_buildid.h"
#include "linux/stp_loc.h"

struct _stp_tracepoint {
	struct _stp_site_probe sp;	/* first: the context's probe points here */
	const char *name;		/* "sched_switch" */
	void *cb;			/* the generated callback */
	struct tracepoint *tp;		/* found at init */
	bool registered;
};

/* From a generated callback: run the probe of `data` with the arguments. */
static void _stp_tracepoint_run(void *data, u64 *args)
{
	struct _stp_tracepoint *t = data;
	struct _stp_context *c = _stp_probe_enter(&t->sp.p);

	if (!c)
		return;
	c->data = (char *)args;
	t->sp.p.fn(c);
	c->data = NULL;
	_stp_probe_leave(c);
}

struct _stp_tp_lookup {
	struct _stp_tracepoint *t;
	size_t n;
};

static void _stp_tp_lookup_one(struct tracepoint *tp, void *priv)
{
	struct _stp_tp_lookup *l = priv;
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!l->t[i].tp && !strcmp(tp->name, l->t[i].name))
			l->t[i].tp = tp;
}

static void _stp_tracepoints_exit(struct _stp_tracepoint *t, size_t n)
{
	size_t i;
	bool any = false;

	for (i = 0; i < n; i++) {
		if (!t[i].registered)
			continue;
		tracepoint_probe_unregister(t[i].tp, t[i].cb, &t[i]);
		t[i].registered = false;
		any = true;
	}
	/* no callback may still run when the module goes */
	if (any)
		tracepoint_synchronize_unregister();
}

/* 0 or -errno (nothing left registered). */
static int _stp_tracepoints_init(struct _stp_tracepoint *t, size_t n,
				 const unsigned char *build_id,
				 size_t build_id_len, const char *debuginfo)
{
	struct _stp_tp_lookup l = { t, n };
	size_t i;

	if (_stp_check_build_id(build_id, build_id_len, debuginfo))
		return -ENOEXEC;
	for (i = 0; i < n; i++) {
		t[i].tp = NULL;
		t[i].registered = false;
	}
	for_each_kernel_tracepoint(_stp_tp_lookup_one, &l);
	for (i = 0; i < n; i++) {
		int rc = -ENOENT;

		if (t[i].tp)
			rc = tracepoint_probe_register(t[i].tp, t[i].cb, &t[i]);
		t[i].registered = rc == 0;
		if (rc)
			_stp_warn(&_stp_kp_msg_ctx,
				  "probe %s registration error (rc %d)\n",
				  t[i].sp.p.pp, rc);
	}
	return 0;
}

#endif /* _STP_LINUX_TRACEPOINTS_H */
