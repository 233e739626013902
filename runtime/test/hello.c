/*
 * Hand-written stand-in for pass 3's output, in the shape docs/INTERNALS.md
 * gives, for testing the runtime and staprun without the translator:
 *
 *	probe begin { print("hello, world\n"); exit() }
 *	probe end { print("bye\n") }
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

static void probe_0(struct _stp_context *base)
{
	struct context *c = container_of(base, struct context, base);

	STP_ACTION(c, 1);
	c->base.last_stmt = "identifier 'print' at hello.stp:1:15";
	_stp_print("hello, world\n");
	STP_ACTION(c, 1);
	c->base.last_stmt = "identifier 'exit' at hello.stp:1:39";
	_stp_exit();
out:
	return;
}

static void probe_1(struct _stp_context *base)
{
	struct context *c = container_of(base, struct context, base);

	STP_ACTION(c, 1);
	c->base.last_stmt = "identifier 'print' at hello.stp:2:13";
	_stp_print("bye\n");
out:
	return;
}

static const struct _stp_probe _stp_probes[] = {
	{ .kind = STP_PROBE_BEGIN, .pp = "begin", .location = "hello.stp:1:1",
	  .fn = probe_0 },
	{ .kind = STP_PROBE_END, .pp = "end", .location = "hello.stp:2:1",
	  .fn = probe_1 },
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
