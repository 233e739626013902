/*
 * Hand-written stand-in for pass 3's output (see hello.c):
 *
 *	probe begin { print("before\n"); x = 1 / 0; print("not reached\n") }
 *	probe end { print("bye\n") }
 *	probe error { print("error probe\n") }
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

	STP_ACTION(c, 1);
	c->base.last_stmt = "identifier 'print' at error.stp:1:15";
	_stp_print("before\n");
	STP_ACTION(c, 1);
	c->base.last_stmt = "operator '/' at error.stp:1:41";
	_stp_error(&c->base, "division by zero");
	STP_CHECK(c);
	c->locals.probe_0.l_x = 0;
	STP_ACTION(c, 1);
	_stp_print("not reached\n");
out:
	return;
}

static void probe_1(struct _stp_context *base)
{
	struct context *c = container_of(base, struct context, base);

	STP_ACTION(c, 1);
	_stp_print("bye\n");
out:
	return;
}

static void probe_2(struct _stp_context *base)
{
	struct context *c = container_of(base, struct context, base);

	STP_ACTION(c, 1);
	_stp_print("error probe\n");
out:
	return;
}

static const struct _stp_probe _stp_probes[] = {
	{ .kind = STP_PROBE_BEGIN, .pp = "begin", .fn = probe_0 },
	{ .kind = STP_PROBE_END, .pp = "end", .fn = probe_1 },
	{ .kind = STP_PROBE_ERROR, .pp = "error", .fn = probe_2 },
};

static int _stp_script_init(void);
static void _stp_script_exit(void);

static int _stp_script_init(void)
{
	return 0;
}

static void _stp_script_exit(void)
{
}

#include "runtime_main.h"
