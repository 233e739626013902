/* ftrace_set_filter_ips() (5.18+) and ftrace_func_t with struct ftrace_regs
 * (5.11+), for attaching many function-entry probes with one code update */
#include <linux/ftrace.h>
#include <linux/kprobes.h>

#if !defined(CONFIG_DYNAMIC_FTRACE_WITH_REGS) || !defined(CONFIG_KPROBES_ON_FTRACE)
#error "no ftrace with registers, or kprobes do not use it"
#endif

static void stp_probe_hit(unsigned long ip, unsigned long parent_ip,
			  struct ftrace_ops *ops, struct ftrace_regs *fregs)
{
	struct pt_regs *regs = ftrace_get_regs(fregs);
	int bit = ftrace_test_recursion_trylock(ip, parent_ip);

	if (bit >= 0 && regs)
		ftrace_test_recursion_unlock(bit);
}

static struct ftrace_ops stp_probe_ops = {
	.func = stp_probe_hit,
	.flags = FTRACE_OPS_FL_SAVE_REGS,
};

int stp_probe_attach(unsigned long *ips, unsigned int n);
int stp_probe_attach(unsigned long *ips, unsigned int n)
{
	int rc = ftrace_set_filter_ips(&stp_probe_ops, ips, n, 0, 1);

	return rc ? rc : KPROBE_FLAG_FTRACE + register_ftrace_function(&stp_probe_ops);
}
