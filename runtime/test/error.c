/*
 * Hand-written stand-in for pass 3's output (see hello.c):
 *
 *	probe begin { print("before\n"); x = 1 / 0; print("not reached\n") }
 *	probe end { print("bye\n") }
 *	probe error { print("error probe\n") }
 */
#include "test/common.h"

static void probe_0(struct _stp_context *base)
{
	struct context *c = TEST_CTX(base);

	TEST_STMT(c, "identifier 'print' at error.stp:1:15");
	_stp_print("before\n");
	TEST_STMT(c, "operator '/' at error.stp:1:41");
	_stp_error(&c->base, "division by zero");
	STP_CHECK(c);
	c->locals.probe_0.l_x = 0;
	STP_ACTION(c, 1);
	_stp_print("not reached\n");
out:
	return;
}

TEST_PRINT_PROBE(probe_1, "bye\n")
TEST_PRINT_PROBE(probe_2, "error probe\n")

static const struct _stp_probe _stp_probes[] = {
	{ .kind = STP_PROBE_BEGIN, .pp = "begin", .fn = probe_0 },
	{ .kind = STP_PROBE_END, .pp = "end", .fn = probe_1 },
	{ .kind = STP_PROBE_ERROR, .pp = "error", .fn = probe_2 },
};

TEST_NO_REGISTRATION

#include "runtime_main.h"
