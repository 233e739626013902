/*
 * Hand-written stand-in for pass 3's output (see hello.c) covering the
 * session's edge cases, chosen by the module parameter `mode`:
 *
 *  1  begin prints 3000 warnings: more than the ctl queue holds; the
 *     surplus is counted, EXITED still arrives
 *  2  an error in the end probe: reported, status 1, the error probe does
 *     not run after end probes
 *  3  _stp_script_init() fails with -ENODEV: STARTED carries it
 *  4  begin calls exit() and then prints: the handler runs to its end, the
 *     second begin probe does not run, end probes do
 */
#include "test/common.h"

static int mode;
module_param(mode, int, 0);

static void probe_begin(struct _stp_context *base)
{
	struct context *c = TEST_CTX(base);
	int i;

	switch (mode) {
	case 1:
		for (i = 0; i < 3000; i++)
			_stp_warn(&c->base, "warning number %d", i);
		_stp_exit();
		break;
	case 2:
	case 4:
		_stp_exit();
		_stp_print("begin after exit()\n");
		break;
	}
}

static void probe_begin2(struct _stp_context *base)
{
	_stp_print("second begin\n");
}

static void probe_end(struct _stp_context *base)
{
	struct context *c = TEST_CTX(base);

	_stp_print("end\n");
	if (mode == 2) {
		c->base.last_stmt = "identifier 'error' at misc.stp:9:3";
		_stp_error(&c->base, "end failed");
	}
}

static void probe_end2(struct _stp_context *base)
{
	_stp_print("second end\n");
}

static void probe_error(struct _stp_context *base)
{
	_stp_print("error probe\n");
}

static const struct _stp_probe _stp_probes[] = {
	{ .kind = STP_PROBE_BEGIN, .pp = "begin", .fn = probe_begin },
	{ .kind = STP_PROBE_BEGIN, .pp = "begin", .fn = probe_begin2 },
	{ .kind = STP_PROBE_END, .pp = "end", .fn = probe_end },
	{ .kind = STP_PROBE_END, .pp = "end", .fn = probe_end2 },
	{ .kind = STP_PROBE_ERROR, .pp = "error", .fn = probe_error },
};

static int _stp_script_init(void)
{
	return mode == 3 ? -ENODEV : 0;
}

static void _stp_script_exit(void)
{
}

#include "runtime_main.h"
