/*
 * Hand-written stand-in for pass 3's output (see hello.c):
 *
 *	global n
 *	probe begin { printf("begin target=%d\n", target()) }
 *	probe timer.ms(100) { printf("tick %d\n", ++n) }
 *	probe end { printf("end after %d ticks\n", n) }
 *
 * The timer is a plain kernel timer started by _stp_script_init(), standing
 * in for a probe family's registration.
 */
#include "test/common.h"

static int64_t g_n;

static void probe_0(struct _stp_context *base)
{
	struct context *c = TEST_CTX(base);

	TEST_STMT(c, "identifier 'printf' at timer.stp:2:15");
	_stp_printf("begin target=%d\n", _stp_target());
out:
	return;
}

static void probe_1(struct _stp_context *base)
{
	struct context *c = TEST_CTX(base);

	TEST_STMT(c, "identifier 'printf' at timer.stp:3:23");
	_stp_printf("tick %lld\n", (long long)++g_n);
out:
	return;
}

static void probe_2(struct _stp_context *base)
{
	struct context *c = TEST_CTX(base);

	TEST_STMT(c, "identifier 'printf' at timer.stp:4:13");
	_stp_printf("end after %lld ticks\n", (long long)g_n);
out:
	return;
}

static const struct _stp_probe _stp_probes[] = {
	{ .kind = STP_PROBE_BEGIN, .pp = "begin", .location = "timer.stp:2:1",
	  .fn = probe_0 },
	{ .kind = STP_PROBE_EVENT, .pp = "timer.ms(100)",
	  .location = "timer.stp:3:1", .fn = probe_1 },
	{ .kind = STP_PROBE_END, .pp = "end", .location = "timer.stp:4:1",
	  .fn = probe_2 },
};

TEST_TIMER(timer_1, 1, 100)

static int _stp_script_init(void)
{
	g_n = 0;
	timer_1_start();
	return 0;
}

static void _stp_script_exit(void)
{
	timer_shutdown_sync(&timer_1);
}

#include "runtime_main.h"
