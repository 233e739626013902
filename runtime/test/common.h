/*
 * What the hand-written test modules share: the runtime, the generated
 * context's shape (probe_0 has one local, l_x), the statement prologue pass 3
 * emits, and kernel timers standing in for a timer probe family. A module
 * includes this first, defines its handlers, _stp_probes[] and its
 * registration, and includes runtime_main.h last.
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

/* the generated context of a handler's base */
#define TEST_CTX(base) container_of(base, struct context, base)

/* one statement: charge the budget (goto out), record where it is */
#define TEST_STMT(c, where)                    \
	do {                                   \
		STP_ACTION(c, 1);              \
		(c)->base.last_stmt = (where); \
	} while (0)

/* NAME: a handler of one statement, print(TEXT) */
#define TEST_PRINT_PROBE(name, text)                           \
	static void name(struct _stp_context *base)            \
	{                                                      \
		struct context *c = TEST_CTX(base);            \
                                                               \
		STP_ACTION(c, 1);                              \
		_stp_print(text);                              \
out:                                                           \
		return;                                        \
	}

static int _stp_script_init(void);
static void _stp_script_exit(void);

/* a module that registers nothing */
#define TEST_NO_REGISTRATION                  \
	static int _stp_script_init(void)     \
	{                                     \
		return 0;                     \
	}                                     \
	static void _stp_script_exit(void)    \
	{                                     \
	}

/* NAME: a kernel timer running probe IDX every MS milliseconds on one CPU,
 * NAME_start() arms it; timer_shutdown_sync(&NAME) stops it */
#define TEST_TIMER(name, idx, ms)                                      \
	static struct timer_list name;                                 \
	static void name##_fn(struct timer_list *t)                    \
	{                                                              \
		_stp_probe_run(&_stp_probes[idx]);                     \
		mod_timer(t, jiffies + msecs_to_jiffies(ms));          \
	}                                                              \
	static void name##_start(void)                                 \
	{                                                              \
		timer_setup(&name, name##_fn, 0);                      \
		mod_timer(&name, jiffies + msecs_to_jiffies(ms));      \
	}
