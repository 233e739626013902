/*
 * Hand-written stand-in for pass 3's output (see hello.c): an error in an
 * event probe (softirq context), MAXACTION exhausted.
 *
 *	probe timer.ms(50) { while (1) x++ }
 *	probe end { print("bye\n") }
 */
#include "test/common.h"

static void probe_0(struct _stp_context *base)
{
	struct context *c = TEST_CTX(base);

	for (;;) {
		TEST_STMT(c, "operator '++' at maxaction.stp:1:32");
		c->locals.probe_0.l_x++;
	}
out:
	return;
}

static void probe_1(struct _stp_context *base)
{
	_stp_print("bye\n");
}

static const struct _stp_probe _stp_probes[] = {
	{ .kind = STP_PROBE_EVENT, .pp = "timer.ms(50)", .fn = probe_0 },
	{ .kind = STP_PROBE_END, .pp = "end", .fn = probe_1 },
};

TEST_TIMER(timer_0, 0, 50)

static int _stp_script_init(void)
{
	timer_0_start();
	return 0;
}

static void _stp_script_exit(void)
{
	timer_shutdown_sync(&timer_0);
}

#include "runtime_main.h"
