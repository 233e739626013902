/*
 * kernel.data(...).write / .rw probes (tapsets/hwbkpt.c): one wide hardware
 * breakpoint (a watchpoint on every CPU) per probe, registered at START and
 * unregistered at the end. A hit runs the probe after the access, with the
 * registers of the accessing code.
 */
#ifndef _STP_LINUX_HWBKPT_H
#define _STP_LINUX_HWBKPT_H

#include <linux/hw_breakpoint.h>
#include <linux/perf_event.h>
#include <linux/sched.h>

struct _stp_hwbkpt {
	const struct _stp_probe *probe;
	unsigned long addr;		/* link-time address if reloc */
	int reloc, len, rw;
	const char *what;		/* the address or symbol, for messages */
	struct perf_event *__percpu *bp;
};

static inline void _stp_hwbkpt_hit(struct perf_event *bp, struct perf_sample_data *data,
				   struct pt_regs *regs)
{
	const struct _stp_hwbkpt *h = bp->overflow_handler_context;

	_stp_probe_run_regs(h->probe, regs);
}

static inline void _stp_hwbkpt_exit(struct _stp_hwbkpt *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].bp) {
			unregister_wide_hw_breakpoint(v[i].bp);
			v[i].bp = NULL;
		}
}

/* 0, or -errno with none registered (reported: a machine may have no free debug
 * register, or none at all) */
static inline int _stp_hwbkpt_init(struct _stp_hwbkpt *v, size_t n, unsigned long offset)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct perf_event_attr attr;
		struct perf_event *__percpu *bp;

		hw_breakpoint_init(&attr);
		attr.bp_addr = v[i].addr + (v[i].reloc ? offset : 0);
		attr.bp_len = v[i].len == 8 ? HW_BREAKPOINT_LEN_8 : v[i].len == 4 ?
			HW_BREAKPOINT_LEN_4 : v[i].len == 2 ? HW_BREAKPOINT_LEN_2 :
			HW_BREAKPOINT_LEN_1;
		attr.bp_type = v[i].rw ? HW_BREAKPOINT_RW : HW_BREAKPOINT_W;
		bp = register_wide_hw_breakpoint(&attr, _stp_hwbkpt_hit, &v[i]);
		if (IS_ERR((void __force *)bp)) {
			int rc = PTR_ERR((void __force *)bp);

			printk(KERN_ERR "%s: cannot watch kernel.data(%s): error %d\n",
			       THIS_MODULE->name, v[i].what, rc);
			_stp_hwbkpt_exit(v, i);
			return rc;
		}
		v[i].bp = bp;
	}
	return 0;
}

#endif
