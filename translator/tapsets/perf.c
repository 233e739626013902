/* perf.sw.NAME, perf.hw.NAME, perf.hw_cache.CACHE.OP.RESULT and perf.type(T).config(C),
 * each with .sample(N) (every N events, default 1000000) or .hz(N): one kernel perf
 * counter per online CPU, created at START, whose overflow runs the probe
 * (runtime/linux/stp_perf.h). pp() is the event as perf.type(T).config(C).sample(N)
 * (or .hz(N)) as in 4.8, whose named events are aliases of these. With .process("PATH")
 * (or .process: -c's program) each process running PATH gets a counter of its own instead;
 * with .counter("NAME") after it the probe has no handler and @perf("NAME") reads the
 * current process's count (the tapset's __perf()). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "tapsets/family.h"
#include "tapsets/perf.h"
#include "tapsets/uprobe.h"
#include "translate/emit.h"
#include "util.h"

/* perf_event_attr.config of PERF_TYPE_SOFTWARE (1) and PERF_TYPE_HARDWARE (0) events */
static const char *const sw_names[] = {
	"cpu_clock", "task_clock", "page_faults", "context_switches", "cpu_migrations",
	"page_faults_min", "page_faults_maj", "alignment_faults", "emulation_faults",
};
static const char *const hw_names[] = {
	"cpu_cycles", "instructions", "cache_references", "cache_misses",
	"branch_instructions", "branch_misses", "bus_cycles", "stalled_cycles_frontend",
	"stalled_cycles_backend", "ref_cpu_cycles",
};

/* perf.hw_cache.CACHE.OP.RESULT: PERF_TYPE_HW_CACHE (3), config CACHE | OP << 8 |
 * RESULT << 16 */
static const char *const cache_names[] = { "l1d", "l1i", "ll", "dtlb", "itlb", "bpu", "node" };
static const char *const cache_ops[] = { "read", "write", "prefetch" };
static const char *const cache_results[] = { "access", "miss" };

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static int name_index(const char *const *names, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(names[i], name))
			return (int)i;
	return -1;
}

static bool num_arg(const struct pp_comp *k, const char *name)
{
	return k && !strcmp(k->name, name) && k->arg && k->arg->kind == AST_NUMBER;
}

int perf_parse(struct session *s, const struct probe_point *pp, struct perf_point *p,
	       const struct pp_comp **rest)
{
	const struct pp_comp *c = pp->comps, *k;

	if (strcmp(c->name, "perf") || c->has_arg)
		return 0;
	memset(p, 0, sizeof(*p));
	p->period = 1000000;
	k = c->next;
	if (k && (!strcmp(k->name, "sw") || !strcmp(k->name, "hw")) && !k->has_arg && k->next &&
	    !k->next->has_arg) {
		bool hw = k->name[0] == 'h';
		int i = hw ? name_index(hw_names, N_OF(hw_names), k->next->name) :
			name_index(sw_names, N_OF(sw_names), k->next->name);

		if (i < 0) {
			diag_error(s, &k->next->loc, "unknown perf event perf.%s.%s", k->name, k->next->name);
			return -1;
		}
		p->type = hw ? 0 : 1;
		p->config = i;
		k = k->next->next;
	} else if (k && !strcmp(k->name, "hw_cache") && !k->has_arg) {
		const struct pp_comp *cc = k->next, *op = cc ? cc->next : NULL,
				     *res = op ? op->next : NULL;
		int ci = cc && !cc->has_arg ? name_index(cache_names, N_OF(cache_names), cc->name) : -1;
		int oi = op && !op->has_arg ? name_index(cache_ops, N_OF(cache_ops), op->name) : -1;
		int ri = res && !res->has_arg ? name_index(cache_results, N_OF(cache_results), res->name) : -1;

		if (ci < 0 || oi < 0 || ri < 0) {
			const struct pp_comp *bad = ci < 0 ? cc : oi < 0 ? op : res;

			diag_error(s, bad ? &bad->loc : &k->loc, "a perf cache event is perf.hw_cache.CACHE.OP.RESULT, CACHE one of l1d l1i ll dtlb itlb bpu node, OP read write prefetch, RESULT access miss");
			return -1;
		}
		p->type = 3;
		p->config = ci | oi << 8 | ri << 16;
		k = res->next;
	} else if (num_arg(k, "type") && num_arg(k->next, "config")) {
		p->type = k->arg->u.num;
		p->config = k->next->arg->u.num;
		k = k->next->next;
		if (p->type < 0 || p->type > UINT32_MAX) {
			diag_error(s, &c->next->loc, "perf event type %" PRId64 " out of range", p->type);
			return -1;
		}
	} else {
		diag_error(s, &pp->loc, "a perf probe point is perf.sw.NAME, perf.hw.NAME, perf.hw_cache.CACHE.OP.RESULT or perf.type(N).config(M)");
		return -1;
	}
	if (num_arg(k, "sample") || num_arg(k, "hz")) {
		p->freq = k->name[0] == 'h';
		p->period = k->arg->u.num;
		if (p->period <= 0) {
			diag_error(s, &k->loc, "a perf sample period or frequency must be positive");
			return -1;
		}
		k = k->next;
	}
	*rest = k;
	return 1;
}

static int perf_match(struct session *s, const struct probe_point *pp,
		      struct derived_probe *dp)
{
	struct perf_point *p;
	const struct pp_comp *rest;
	int rc;

	if (s->opt.bpf)
		return 0;
	p = arena_alloc(&s->arena, sizeof(*p));
	rc = perf_parse(s, pp, p, &rest);
	if (rc <= 0)
		return rc;
	if (rest && !strcmp(rest->name, "process")) {
		const char *name = NULL;

		if (rest->arg && rest->arg->kind == AST_STRING) {
			name = rest->arg->u.str;
		} else if (rest->has_arg) {
			diag_error(s, &rest->loc, "perf .process takes a program's path, "
				   ".process(\"PATH\")");
			return -1;
		} else if (s->opt.target_cmd) {	/* .process: -c's program */
			const char *c = s->opt.target_cmd + strspn(s->opt.target_cmd, " \t");

			name = arena_strndup(&s->arena, c, strcspn(c, " \t"));
		} else {
			diag_error(s, &rest->loc, "perf .process without a path needs -c CMD");
			return -1;
		}
		p->path = up_resolve_program(s, name);
		if (!p->path) {
			diag_error(s, &rest->loc, "cannot find executable '%s'", name);
			return -1;
		}
		rest = rest->next;
		if (rest && !strcmp(rest->name, "counter")) {
			if (!rest->arg || rest->arg->kind != AST_STRING || !*rest->arg->u.str) {
				diag_error(s, &rest->loc, "perf .counter takes a name, "
					   ".counter(\"NAME\")");
				return -1;
			}
			p->counter = rest->arg->u.str;
			rest = rest->next;
		}
	} else if (rest && !strcmp(rest->name, "counter")) {
		diag_error(s, &rest->loc, "perf .counter(NAME) needs .process(PATH) before it: "
			   "system-wide counters cannot be read with @perf");
		return -1;
	}
	if (rest) {
		diag_error(s, &rest->loc, "a perf event takes only .sample(N) or .hz(N), then "
			   ".process(PATH) and .counter(NAME), after it");
		return -1;
	}
	dp->priv = p;
	/* 4.8's point: its perf.sw/hw names are aliases of perf.type(T).config(C) */
	dp->pp_str = arena_printf(&s->arena, "perf.type(%" PRId64 ").config(%" PRId64 ").%s(%" PRId64 ")%s%s%s%s%s",
				  p->type, p->config, p->freq ? "hz" : "sample", p->period,
				  p->path ? ".process(\"" : "", p->path ? p->path : "",
				  p->path ? "\")" : "", p->counter ? ".counter(\"" : "",
				  p->counter ? arena_printf(&s->arena, "%s\")", p->counter) : "");
	return 1;
}


static void perf_decls(struct session *s, struct emitter *e, struct derived_probe *const *probes,
		       int n)
{
	int i;

	(void)s;
	emit_line(e, "#include \"linux/stp_perf.h\"");
	emit_open(e, "static struct _stp_perf _stp_perfs[] =");
	for (i = 0; i < n; i++) {
		const struct derived_probe *dp = probes[i];
		const struct perf_point *p = dp->priv;
		char *what = emit_cstr(dp->pn_str);
		char *path = p->path ? emit_cstr(p->path) : xstrdup("NULL");
		char *counter = p->counter ? emit_cstr(p->counter) : xstrdup("NULL");

		emit_line(e, "{ .probe = STP_PROBE_%d, .type = %" PRId64 ", .config = %" PRIu64 "ULL, .period = %" PRId64 "ULL, .freq = %d, .what = %s, .path = %s, .counter = %s },",
			  dp->id, p->type, (uint64_t)p->config, p->period, p->freq, what, path,
			  counter);
		free(what);
		free(path);
		free(counter);
	}
	emit_close(e, "};");
}

/* -l/-L: the point as written, as 4.8 lists its perf.sw/hw aliases (no variables) */
static void perf_list(struct session *s, const struct derived_probe *dp, bool vars,
		      struct strlist *lines)
{
	(void)s;
	(void)vars;
	strlist_add(lines, dp->pn_str);
}

static const char *const perf_points[] = {
	"perf.type(number).config(number)",
	"perf.type(number).config(number).sample(number)",
	"perf.type(number).config(number).hz(number)", NULL,
};

const struct probe_family perf_family = {
	.name = "perf", .kind = FAMILY_EVENT, .match = perf_match, .points = perf_points,
	.emit_decls = perf_decls, .list = perf_list,
	.init_call = "rc = _stp_perf_init(_stp_perfs, ARRAY_SIZE(_stp_perfs));",
	.exit_call = "_stp_perf_exit(_stp_perfs, ARRAY_SIZE(_stp_perfs));",
};

bool perf_has_counter(const struct derived_probe *dp, const char *name)
{
	const struct perf_point *p = dp->family == &perf_family ? dp->priv : NULL;

	return p && p->counter && (!name || !strcmp(p->counter, name));
}
