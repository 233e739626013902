/*
 * Hand-written stand-in for pass 3's output (see hello.c): an error in an
 * event probe (softirq context), MAXACTION exhausted.
 *
 *	probe timer.ms(50) { while (1) x++ }
 *	probe end { print("bye\n") }
 */
#include "runtime.h"

struct context {
	struct _stp_context base;
	union {
		struct {
			int64_t l_x;
		} probe_0;
	} locals;
};

static void probe_0(struct _stp_context *base)
{
	struct context *c = container_of(base, struct context, base);

	for (;;) {
		STP_ACTION(c, 1);
		c->base.last_stmt = "operator '++' at maxaction.stp:1:32";
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

static int _stp_script_init(void);
static void _stp_script_exit(void);

static struct timer_list timer_0;

static void timer_0_fn(struct timer_list *t)
{
	_stp_probe_run(&_stp_probes[0]);
	mod_timer(t, jiffies + msecs_to_jiffies(50));
}

static int _stp_script_init(void)
{
	timer_setup(&timer_0, timer_0_fn, 0);
	mod_timer(&timer_0, jiffies + msecs_to_jiffies(50));
	return 0;
}

static void _stp_script_exit(void)
{
	timer_shutdown_sync(&timer_0);
}

#include "runtime_main.h"
