/* timer.ms/us/ns/s/sec/jiffies/hz(N)[.randomize(R)] and timer.profile: one hrtimer per
 * probe (timer.profile: one per CPU, pinned, every tick), firing in interrupt context.
 * A timer re-arms itself before running its probe, so a slow handler delays no tick
 * but the ones it overlaps (hrtimer_forward skips what was missed). */
#include <inttypes.h>
#include <string.h>

#include "tapsets/family.h"
#include "translate/emit.h"

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

static int timer_match(struct session *s, const struct probe_point *pp,
		       struct derived_probe *dp)
{
	const struct pp_comp *c = pp->comps, *u = c->next;
	struct timer_probe *t;
	size_t i;

	if (strcmp(c->name, "timer") || c->has_arg || !u)
		return 0;
	t = arena_alloc(&s->arena, sizeof(*t));
	if (!strcmp(u->name, "profile") && !u->has_arg && !u->next) {
		t->unit = U_PROFILE;
		dp->priv = t;
		return 1;
	}
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(u->name, units[i].name))
			break;
	if (i == sizeof(units) / sizeof(units[0]))
		return 0;
	if (!u->has_arg || family_int_arg(s, u, &t->interval))
		return u->has_arg ? -1 : 0;
	if (t->interval <= 0) {
		diag_error(s, &pp->loc, "timer interval must be positive");
		return -1;
	}
	t->unit = units[i].unit;
	if (u->next) {
		if (strcmp(u->next->name, "randomize") || u->next->next || !u->next->has_arg ||
		    family_int_arg(s, u->next, &t->randomize))
			return 0;
		if (t->randomize < 0 || t->randomize > t->interval) {
			diag_error(s, &pp->loc, "timer randomize must be between 0 and the interval");
			return -1;
		}
	}
	dp->priv = t;
	return 1;
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

static void timer_init(struct session *s, struct emitter *e, struct derived_probe *const *probes,
		       int n)
{
	(void)s;
	(void)probes;
	(void)n;
	emit_line(e, "rc = _stp_timers_init(_stp_timers, ARRAY_SIZE(_stp_timers));");
}

static void timer_exit(struct session *s, struct emitter *e, struct derived_probe *const *probes,
		       int n)
{
	(void)s;
	(void)probes;
	(void)n;
	emit_line(e, "_stp_timers_exit(_stp_timers, ARRAY_SIZE(_stp_timers));");
}

const struct probe_family timer_family = {
	.name = "timer", .kind = FAMILY_EVENT, .match = timer_match,
	.emit_decls = timer_decls, .emit_init = timer_init, .emit_exit = timer_exit,
};
