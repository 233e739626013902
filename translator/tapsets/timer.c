/* timer.ms/us/ns/s/sec/jiffies/hz(N)[.randomize(R)] and timer.profile: one hrtimer per
 * probe (timer.profile: one per CPU, pinned, every tick), firing in interrupt context.
 * A timer re-arms itself before running its probe, so a slow handler delays no tick
 * but the ones it overlaps (hrtimer_forward skips what was missed). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "tapsets/family.h"
#include "translate/emit.h"
#include "bpf/bpf.h"

enum timer_unit { U_NS, U_US, U_MS, U_S, U_JIFFIES, U_HZ, U_PROFILE };

static const struct { const char *name; enum timer_unit unit; } units[] = {
	{ "ns", U_NS }, { "us", U_US }, { "ms", U_MS }, { "s", U_S }, { "sec", U_S },
	{ "jiffies", U_JIFFIES }, { "hz", U_HZ },
};

/* a timer.*(N) probe's data (dp->priv) */
struct timer_probe {
	int64_t interval;		/* N in units */
	int64_t randomize;		/* .randomize(R), 0 if none */
	enum timer_unit unit;
};

/* timer.UNIT(N)[.randomize(R)] */
#define TIMER_SHAPE(unit)                                                              \
	{ { PP_NAME("timer"), PP_ARG(unit, PP_ARG_NUMBER),                             \
	    PP_OPT("randomize", PP_ARG_NUMBER) } }

static const struct pp_shape timer_shapes[] = {
	{ { PP_NAME("timer"), PP_NAME("profile") } },
	TIMER_SHAPE("ns"), TIMER_SHAPE("us"), TIMER_SHAPE("ms"), TIMER_SHAPE("s"),
	TIMER_SHAPE("sec"), TIMER_SHAPE("jiffies"), TIMER_SHAPE("hz"),
};

static enum timer_unit unit_of(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(name, units[i].name))
			return units[i].unit;
	return U_PROFILE;
}

/*
 * 4.8's ranges, with its messages: a period between 100 us and one day (in the
 * probe's unit: ns 100000..86400000000000, us 100.., ms 1..86400000, s 1..86400;
 * hz 1..10000), jiffies 1..1000000, a randomization between 0 and the interval.
 * Nothing larger reaches the generated C, where N * NSEC_PER_UNIT would wrap,
 * and no hz gives a zero period.
 */
#define TIMER_MIN_NS 100000LL
#define TIMER_MAX_NS 86400000000000LL

static int64_t unit_ns(enum timer_unit unit)
{
	return unit == U_US ? 1000 : unit == U_MS ? 1000000 : unit == U_S ? 1000000000 : 1;
}

static bool check_range(struct session *s, const struct probe_point *pp,
			const struct timer_probe *t)
{
	int64_t v = t->interval, r = t->randomize, per = unit_ns(t->unit);
	int64_t lo = (TIMER_MIN_NS + per - 1) / per, hi = TIMER_MAX_NS / per;

	if (t->unit == U_JIFFIES) {
		if (v < 1 || v > 1000000) {
			diag_error(s, &pp->loc, "invalid interval for jiffies timer");
			return false;
		}
		if (r < 0 || r > v) {
			diag_error(s, &pp->loc, "invalid randomize for jiffies timer");
			return false;
		}
		return true;
	}
	if (t->unit == U_HZ) {
		if (v <= 0) {
			diag_error(s, &pp->loc, "frequency must be greater than 0");
			return false;
		}
		if (1000000000 / v < TIMER_MIN_NS) {
			diag_error(s, &pp->loc, "interval value out of range (%lld, %lld)",
				   TIMER_MIN_NS, TIMER_MAX_NS);
			return false;
		}
	} else if (v < lo || v > hi) {
		diag_error(s, &pp->loc, "interval value out of range (%" PRId64 ", %" PRId64 ")",
			   lo, hi);
		return false;
	}
	if (r < 0 || r > v) {
		diag_error(s, &pp->loc, "randomization value out of range");
		return false;
	}
	return true;
}

static int timer_derive(struct session *s, const struct probe_point *pp,
			const struct pp_match *m, struct derived_probe *dp)
{
	struct timer_probe *t = arena_alloc(&s->arena, sizeof(*t));

	t->unit = unit_of(pp_match_name(m, 1));
	dp->priv = t;
	if (t->unit == U_PROFILE)
		return 1;
	t->interval = pp_match_num(m, 1, 0);
	t->randomize = pp_match_num(m, 2, 0);
	return check_range(s, pp, t) ? 1 : -1;
}

/* a C expression in nanoseconds for v units */
static const char *ns_expr(struct session *s, int64_t v, enum timer_unit unit)
{
	switch (unit) {
	case U_NS:
		return arena_printf(&s->arena, "%" PRId64 "ULL", v < 1000 ? 1000 : v);
	case U_US:
		return arena_printf(&s->arena, "%" PRId64 "ULL * NSEC_PER_USEC", v);
	case U_MS:
		return arena_printf(&s->arena, "%" PRId64 "ULL * NSEC_PER_MSEC", v);
	case U_S:
		return arena_printf(&s->arena, "%" PRId64 "ULL * NSEC_PER_SEC", v);
	case U_JIFFIES:
		return arena_printf(&s->arena, "%" PRId64 "ULL * TICK_NSEC", v);
	case U_HZ:
		return arena_printf(&s->arena, "(NSEC_PER_SEC / %" PRId64 "ULL)", v);
	case U_PROFILE:
		break;
	}
	return "TICK_NSEC";
}

static void timer_decls(struct session *s, struct emitter *e, struct derived_probe *const *probes,
			int n)
{
	int i;

	emit_line(e, "#include \"stp_timer.h\"");
	emit_open(e, "static struct _stp_timer _stp_timers[] =");
	for (i = 0; i < n; i++) {
		const struct derived_probe *dp = probes[i];
		const struct timer_probe *t = dp->priv;

		if (t->unit == U_PROFILE)
			emit_line(e, "{ .probe = STP_PROBE_%d, .period_ns = TICK_NSEC, .per_cpu = true },",
				  dp->id);
		else
			emit_line(e, "{ .probe = STP_PROBE_%d, .period_ns = %s, .rand_ns = %s },",
				  dp->id, ns_expr(s, t->interval, t->unit),
				  t->randomize ? ns_expr(s, t->randomize, t->unit) : "0");
	}
	emit_close(e, "};");
}

const struct probe_family timer_family = {
	.name = "timer", .kind = FAMILY_EVENT, .shapes = timer_shapes,
	.n_shapes = sizeof(timer_shapes) / sizeof(timer_shapes[0]), .derive = timer_derive,
	.emit_decls = timer_decls,
	.init_call = "rc = _stp_timers_init(_stp_timers, ARRAY_SIZE(_stp_timers));",
	.exit_call = "_stp_timers_exit(_stp_timers, ARRAY_SIZE(_stp_timers));",
};

/* the kernel's tick for the BPF runtime, which has no TICK_NSEC: CONFIG_HZ of the
 * running kernel's config (/proc/config.gz, else /boot/config-RELEASE), else 250 */
static int64_t host_hz(void)
{
	struct utsname u;
	char path[300], line[256];
	int64_t hz = 0;
	FILE *f;
	bool piped = access("/proc/config.gz", R_OK) == 0;

	if (piped) {
		f = popen("gzip -dc /proc/config.gz", "r");
	} else {
		if (uname(&u))
			return 250;
		snprintf(path, sizeof(path), "/boot/config-%s", u.release);
		f = fopen(path, "r");
	}
	if (!f)
		return 250;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "CONFIG_HZ=", 10))
			hz = atoll(line + 10);
	if (piped)
		pclose(f);
	else
		fclose(f);
	return hz > 0 ? hz : 250;
}

int64_t timer_period_ns(const struct derived_probe *dp, bool *per_cpu)
{
	const struct timer_probe *t = dp->priv;
	int64_t v = t->interval;

	*per_cpu = t->unit == U_PROFILE;
	switch (t->unit) {
	case U_NS:
		return v < 1000 ? 1000 : v;
	case U_US:
		return v * 1000;
	case U_MS:
		return v * 1000000;
	case U_S:
		return v * 1000000000;
	case U_JIFFIES:
		return v * (1000000000 / host_hz());
	case U_HZ:
		return 1000000000 / v;
	case U_PROFILE:
		break;
	}
	return 1000000000 / host_hz();
}
