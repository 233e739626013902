/*
 * Hand-written stand-in for pass 3's output, in the shape docs/INTERNALS.md
 * gives, for testing the runtime and staprun without the translator:
 *
 *	probe begin { print("hello, world\n"); exit() }
 *	probe end { print("bye\n") }
 */
#include "test/common.h"

static void probe_0(struct _stp_context *base)
{
	struct context *c = TEST_CTX(base);

	TEST_STMT(c, "identifier 'print' at hello.stp:1:15");
	_stp_print("hello, world\n");
	TEST_STMT(c, "identifier 'exit' at hello.stp:1:39");
	_stp_exit();
out:
	return;
}

static void probe_1(struct _stp_context *base)
{
	struct context *c = TEST_CTX(base);

	TEST_STMT(c, "identifier 'print' at hello.stp:2:13");
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

TEST_NO_REGISTRATION

#include "runtime_main.h"
