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
#include "runtime.h"

struct context {
	struct _stp_context base;
	union {
		struct {
			int64_t l_unused;
		} probe_0;
	} locals;
};

static int64_t g_n;

static void probe_0(struct _stp_context *base)
{
	struct context *c = container_of(base, struct context, base);

	STP_ACTION(c, 1);
	c->base.last_stmt = "identifier 'printf' at timer.stp:2:15";
	_stp_printf("begin target=%d\n", _stp_target());
out:
	return;
}

static void probe_1(struct _stp_context *base)
{
	struct context *c = container_of(base, struct context, base);

	STP_ACTION(c, 1);
	c->base.last_stmt = "identifier 'printf' at timer.stp:3:23";
	_stp_printf("tick %lld\n", (long long)++g_n);
out:
	return;
}

static void probe_2(struct _stp_context *base)
{
	struct context *c = container_of(base, struct context, base);

	STP_ACTION(c, 1);
	c->base.last_stmt = "identifier 'printf' at timer.stp:4:13";
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

static int _stp_script_init(void);
static void _stp_script_exit(void);

static struct timer_list timer_1;

static void timer_1_fn(struct timer_list *t)
{
	_stp_probe_run(&_stp_probes[1]);
	mod_timer(t, jiffies + msecs_to_jiffies(100));
}

static int _stp_script_init(void)
{
	g_n = 0;
	timer_setup(&timer_1, timer_1_fn, 0);
	mod_timer(&timer_1, jiffies + msecs_to_jiffies(100));
	return 0;
}

static void _stp_script_exit(void)
{
	timer_shutdown_sync(&timer_1);
}

#include "runtime_main.h"
