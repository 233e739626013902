/*
 * timer.* probes, included by a script's C file that has any (tapsets/timer.c).
 * Each probe has an hrtimer (timer.profile: one per CPU, pinned) that re-arms
 * itself, with a random offset of up to +-rand_ns, then runs the probe in
 * interrupt context.  _stp_timers_init() runs at START before begin probes
 * (hits do nothing until the session runs), _stp_timers_exit() cancels them
 * all, waiting for running callbacks.
 */
#ifndef _STP_TIMER_H
#define _STP_TIMER_H

#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/cpumask.h>
#include <asm/irq_regs.h>

struct _stp_timer {
	const struct _stp_probe *probe;
	u64 period_ns, rand_ns;
	bool per_cpu;
	struct hrtimer t;		/* !per_cpu */
	struct hrtimer *cpus;		/* per_cpu: nr_cpu_ids timers */
	bool started;
};

struct _stp_timer_cpu {
	struct hrtimer t;
	struct _stp_timer *timer;
};

static u64 _stp_timer_next(const struct _stp_timer *st)
{
	u64 span;

	if (!st->rand_ns)
		return st->period_ns;
	span = 2 * st->rand_ns + 1;
	return st->period_ns - st->rand_ns + (get_random_u64() % span);
}

static enum hrtimer_restart _stp_timer_fn(struct hrtimer *t)
{
	struct _stp_timer *st = container_of(t, struct _stp_timer, t);

	hrtimer_forward_now(t, ns_to_ktime(_stp_timer_next(st)));
	_stp_probe_run_regs(st->probe, get_irq_regs());
	return HRTIMER_RESTART;
}

static enum hrtimer_restart _stp_timer_cpu_fn(struct hrtimer *t)
{
	struct _stp_timer_cpu *tc = container_of(t, struct _stp_timer_cpu, t);

	hrtimer_forward_now(t, ns_to_ktime(tc->timer->period_ns));
	_stp_probe_run_regs(tc->timer->probe, get_irq_regs());
	return HRTIMER_RESTART;
}

static void _stp_hrtimer_setup(struct hrtimer *t,
			       enum hrtimer_restart (*fn)(struct hrtimer *),
			       enum hrtimer_mode mode)
{
#ifdef STAPCONF_HRTIMER_SETUP
	hrtimer_setup(t, fn, CLOCK_MONOTONIC, mode);
#else
	hrtimer_init(t, CLOCK_MONOTONIC, mode);
	t->function = fn;
#endif
}

/* runs on each CPU (IPI): start that CPU's pinned timer */
static void _stp_timer_start_cpu(void *arg)
{
	struct _stp_timer *st = arg;
	struct _stp_timer_cpu *tc = (struct _stp_timer_cpu *)st->cpus +
				    smp_processor_id();

	hrtimer_start(&tc->t, ns_to_ktime(st->period_ns),
		      HRTIMER_MODE_REL_PINNED);
}

static void _stp_timers_exit(struct _stp_timer *timers, size_t n)
{
	size_t i;
	unsigned int cpu;

	for (i = 0; i < n; i++) {
		struct _stp_timer *st = &timers[i];

		if (!st->started)
			continue;
		if (st->per_cpu) {
			for_each_possible_cpu(cpu)
				hrtimer_cancel(&((struct _stp_timer_cpu *)st->cpus + cpu)->t);
			kfree(st->cpus);
			st->cpus = NULL;
		} else {
			hrtimer_cancel(&st->t);
		}
		st->started = false;
	}
}

static int _stp_timers_init(struct _stp_timer *timers, size_t n)
{
	size_t i;
	unsigned int cpu;

	for (i = 0; i < n; i++) {
		struct _stp_timer *st = &timers[i];

		if (st->per_cpu) {
			struct _stp_timer_cpu *tc;

			tc = kcalloc(nr_cpu_ids, sizeof(*tc), GFP_KERNEL);
			if (!tc) {
				_stp_timers_exit(timers, n);
				return -ENOMEM;
			}
			st->cpus = (struct hrtimer *)tc;
			for_each_possible_cpu(cpu) {
				tc[cpu].timer = st;
				_stp_hrtimer_setup(&tc[cpu].t, _stp_timer_cpu_fn,
						   HRTIMER_MODE_REL_PINNED);
			}
			st->started = true;
			on_each_cpu(_stp_timer_start_cpu, st, 1);
		} else {
			_stp_hrtimer_setup(&st->t, _stp_timer_fn, HRTIMER_MODE_REL);
			st->started = true;
			hrtimer_start(&st->t, ns_to_ktime(_stp_timer_next(st)),
				      HRTIMER_MODE_REL);
		}
	}
	return 0;
}

#endif /* _STP_TIMER_H */
