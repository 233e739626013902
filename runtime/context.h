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

/* struct _stp_context itself is part of the API: stap.h */

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
