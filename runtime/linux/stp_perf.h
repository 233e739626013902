/*
 * perf.* probes (tapsets/perf.c): one kernel perf counter per online CPU and
 * probe, created at START and released at the end. The counter's overflow
 * (every `period` events, or `period` times a second with freq) runs the probe,
 * in NMI or interrupt context, with the interrupted registers. A counter the
 * machine cannot provide (no hardware PMU) fails the start with an error
 * naming the probe.
 */
#ifndef _STP_LINUX_PERF_H
#define _STP_LINUX_PERF_H

#include <linux/cpumask.h>
#include <linux/perf_event.h>
#include <linux/slab.h>

struct _stp_perf {
	const struct _stp_probe *probe;
	u32 type;
	u64 config, period;
	int freq;
	const char *what;		/* the point as written, for messages */
	struct perf_event **events;	/* nr_cpu_ids, NULL where none */
};

static void _stp_perf_hit(struct perf_event *ev, struct perf_sample_data *data,
			  struct pt_regs *regs)
{
	const struct _stp_perf *sp = ev->overflow_handler_context;

	_stp_probe_run_regs(sp->probe, regs);
}

static void _stp_perf_exit(struct _stp_perf *v, size_t n)
{
	size_t i;
	unsigned int cpu;

	for (i = 0; i < n; i++) {
		if (!v[i].events)
			continue;
		for_each_possible_cpu(cpu)
			if (v[i].events[cpu])
				perf_event_release_kernel(v[i].events[cpu]);
		kfree(v[i].events);
		v[i].events = NULL;
	}
}

/* 0, or -errno with none left (reported on staprun's stderr) */
static int _stp_perf_init(struct _stp_perf *v, size_t n)
{
	size_t i;
	unsigned int cpu;

	for (i = 0; i < n; i++) {
		struct perf_event_attr attr = {
			.type = v[i].type,
			.size = sizeof(attr),
			.config = v[i].config,
			.sample_period = v[i].period,
			.freq = v[i].freq ? 1 : 0,
			.pinned = 1,
		};

		v[i].events = kcalloc(nr_cpu_ids, sizeof(*v[i].events), GFP_KERNEL);
		if (!v[i].events) {
			_stp_perf_exit(v, i);
			return -ENOMEM;
		}
		cpus_read_lock();
		for_each_online_cpu(cpu) {
			struct perf_event *ev;

			ev = perf_event_create_kernel_counter(&attr, cpu, NULL,
							      _stp_perf_hit, &v[i]);
			if (IS_ERR(ev)) {
				int rc = PTR_ERR(ev);

				cpus_read_unlock();
				_stp_start_error("perf probe %s is not supported by this kernel or machine (rc %d)",
						 v[i].what, rc);
				_stp_perf_exit(v, i + 1);
				return rc;
			}
			v[i].events[cpu] = ev;
		}
		cpus_read_unlock();
	}
	return 0;
}

#endif
