/*
 * Stress test for the output transport (hand-written, see hello.c): a timer
 * pinned to each CPU prints `lines` numbered lines per tick; begin prints
 * `begin_kb` KiB in one hit.  The numbers let the checker verify that every
 * line arrives, intact and once, and that each CPU's lines stay in order.
 *
 *	probe begin { print begin_kb KiB of 'b' lines }
 *	probe timer.ms(5) on each cpu { lines x printf("%d %d %s\n", cpu(), ++n, pad) }
 *	probe end { printf("total %d\n", n) }
 */
#include "test/common.h"

static int lines = 20;
module_param(lines, int, 0);
static int begin_kb;
module_param(begin_kb, int, 0);

static atomic64_t g_n = ATOMIC64_INIT(0);

static void probe_0(struct _stp_context *base)
{
	static const char line[64] =
		"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\n";
	int i;

	for (i = 0; i < begin_kb * 16; i++)
		_stp_print_bytes(line, sizeof(line));
}

static void probe_1(struct _stp_context *base)
{
	int i;

	for (i = 0; i < lines; i++)
		_stp_printf("%d %lld %s\n", smp_processor_id(),
			    (long long)atomic64_inc_return(&g_n),
			    "padding-padding-padding-padding");
}

static void probe_2(struct _stp_context *base)
{
	_stp_printf("total %lld\n", (long long)atomic64_read(&g_n));
}

static const struct _stp_probe _stp_probes[] = {
	{ .kind = STP_PROBE_BEGIN, .pp = "begin", .fn = probe_0 },
	{ .kind = STP_PROBE_EVENT, .pp = "timer.ms(5)", .fn = probe_1 },
	{ .kind = STP_PROBE_END, .pp = "end", .fn = probe_2 },
};

/* one timer pinned to each CPU */
static DEFINE_PER_CPU(struct timer_list, timers);

static void timer_fn(struct timer_list *t)
{
	_stp_probe_run(&_stp_probes[1]);
	mod_timer(t, jiffies + msecs_to_jiffies(5));
}

static int _stp_script_init(void)
{
	unsigned int cpu;

	for_each_online_cpu(cpu) {
		struct timer_list *t = per_cpu_ptr(&timers, cpu);

		timer_setup(t, timer_fn, TIMER_PINNED);
		t->expires = jiffies + 1;
		add_timer_on(t, cpu);
	}
	return 0;
}

static void _stp_script_exit(void)
{
	unsigned int cpu;

	for_each_online_cpu(cpu)
		timer_shutdown_sync(per_cpu_ptr(&timers, cpu));
}

#include "runtime_main.h"
