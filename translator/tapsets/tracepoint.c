/* kernel.trace("[SYSTEM:]NAME"), wildcards in both: the kernel's tracepoints
 * (dwarf/tracepoint.c lists them with their arguments' types). Each site gets a
 * callback with the tracepoint's prototype, shared by the sites of one argument
 * signature, registered at init on the struct tracepoint the kernel has by that name
 * (runtime/linux/stp_tracepoints.h). Arguments are $name target variables. */
#include <stdlib.h>
#include <string.h>

#include "dwarf/dwarf.h"
#include "tapsets/family.h"
#include "translate/emit.h"
#include "util.h"

/* "u32,void *,s64": the callback's argument types after `void *data` */
static const char *signature(struct session *s, const char **ctypes, int n)
{
	struct strbuf sb = { 0 };
	const char *out;
	int i;

	for (i = 0; i < n; i++)
		sb_printf(&sb, "%s%s", i ? "," : "", ctypes[i]);
	out = arena_strdup(&s->arena, sb.buf ? sb.buf : "");
	sb_free(&sb);
	return out;
}

static bool tp_matches(const char *sys_pat, const char *name_pat,
		       const struct dw_tracepoint *tp)
{
	return (!sys_pat || dw_glob_match(sys_pat, tp->system)) &&
	       dw_glob_match(name_pat, tp->name);
}

static int trace_match(struct session *s, const struct probe_point *pp,
		       struct derived_probe *dp)
{
	const struct pp_comp *c = pp->comps, *f = c->next;
	const char *pat, *colon, *sys_pat = NULL, *name_pat;
	struct dw_object *k;
	bool wild;
	size_t i;
	int n = 0;

	if (strcmp(c->name, "kernel") || c->has_arg || !f || strcmp(f->name, "trace"))
		return 0;
	if (!f->arg || f->arg->kind != AST_STRING || f->next) {
		diag_error(s, &pp->loc, "kernel.trace takes one string, \"[SYSTEM:]NAME\"");
		return -1;
	}
	pat = f->arg->u.str;
	wild = strpbrk(pat, "*?[") != NULL;
	colon = strchr(pat, ':');
	name_pat = colon ? colon + 1 : pat;
	if (colon)
		sys_pat = arena_strndup(&s->arena, pat, (size_t)(colon - pat));
	k = dw_kernel(s, &pp->loc);
	if (!k || dw_tracepoints(s, k))
		return -1;
	for (i = 0; i < k->n_tps; i++) {
		const struct dw_tracepoint *tp = &k->tps[i];
		struct dw_probe_site *site;
		const char **ctypes, *err = NULL;
		int n_args;

		if (!tp_matches(sys_pat, name_pat, tp))
			continue;
		ctypes = dw_tracepoint_ctypes(s, k, tp, &n_args, &err);
		if (!ctypes) {
			if (!wild) {
				diag_error(s, &pp->loc, "kernel.trace(\"%s:%s\") cannot be probed: %s",
					   tp->system, tp->name, err);
				return -1;
			}
			continue;
		}
		site = dw_add_site(s, dp);
		site->fn = tp->fn;
		site->tp = tp;
		site->tp_sig = signature(s, ctypes, n_args);
		site->pp = arena_printf(&s->arena, "kernel.trace(\"%s:%s\")", tp->system,
					tp->name);
		n++;
	}
	return n ? 1 : 0;
}

/* static void _stp_tpcb_N(void *data, u32 a0, void * a1) { ... } */
static void emit_callback(struct emitter *e, int id, const char *sig)
{
	struct strbuf params = { 0 }, vals = { 0 };
	const char *p = sig;
	int i = 0;

	while (*p) {
		size_t len = strcspn(p, ",");
		const char *conv = *p == 's' ? "(u64)(s64)" : *p == 'u' ? "(u64)" :
			"(u64)(unsigned long)";

		sb_printf(&params, ", %.*s a%d", (int)len, p, i);
		sb_printf(&vals, "%s%sa%d", i ? ", " : "", conv, i);
		i++;
		p += len + (p[len] == ',');
	}
	emit_open(e, "static void _stp_tpcb_%d(void *data%s)", id, params.buf ? params.buf : "");
	if (i) {
		emit_line(e, "u64 args[%d] = { %s };", i, vals.buf);
		emit_line(e, "_stp_tracepoint_run(data, args);");
	} else {
		emit_line(e, "_stp_tracepoint_run(data, NULL);");
	}
	emit_close(e, "}");
	sb_free(&params);
	sb_free(&vals);
}

static void trace_decls(struct session *s, struct emitter *e,
			struct derived_probe *const *probes, int n)
{
	struct dw_state *k = dw_state(s);
	const struct dw_probe_site *site;
	struct strlist sigs = { 0 };
	struct strbuf b = { 0 };
	char *path;
	size_t j;
	int i;

	emit_line(e, "#include \"linux/stp_tracepoints.h\"");
	for (i = 0; i < n; i++)
		emit_line(e, "static void probe_%d(struct _stp_context *);", probes[i]->id);
	for (site = k->sites; site; site = site->next) {
		if (!site->tp || !family_has_probe(site->dp, probes, n))
			continue;
		for (j = 0; j < sigs.n && strcmp(sigs.v[j], site->tp_sig); j++)
			;
		if (j == sigs.n) {
			strlist_add(&sigs, site->tp_sig);
			emit_callback(e, (int)j, site->tp_sig);
		}
	}
	emit_open(e, "static struct _stp_tracepoint _stp_tp_probes[] =");
	for (site = k->sites; site; site = site->next) {
		char *pp, *name;

		if (!site->tp || !family_has_probe(site->dp, probes, n))
			continue;
		for (j = 0; strcmp(sigs.v[j], site->tp_sig); j++)
			;
		pp = emit_cstr(site->pp);
		name = emit_cstr(site->tp->name);
		emit_line(e, "{ .sp = { .p = { .kind = STP_PROBE_EVENT, .pp = %s, .fn = probe_%d },",
			  pp, site->dp->id);
		emit_line(e, "          .site = %d },", site->id);
		emit_line(e, "  .name = %s, .cb = (void *)_stp_tpcb_%zu },", name, j);
		free(pp);
		free(name);
	}
	emit_close(e, "};");
	for (j = 0; j < k->kernel.build_id_len; j++)
		sb_printf(&b, "%s0x%02x", j ? ", " : "", k->kernel.build_id[j]);
	emit_line(e, "static const unsigned char _stp_tp_build_id[] = { %s };", b.buf);
	path = emit_cstr(k->kernel.path);
	emit_line(e, "static const char _stp_tp_debuginfo[] = %s;", path);
	free(path);
	sb_free(&b);
	strlist_free(&sigs);
}

static void trace_init(struct session *s, struct emitter *e, struct derived_probe *const *probes,
		       int n)
{
	(void)s;
	(void)probes;
	(void)n;
	emit_line(e, "rc = _stp_tracepoints_init(_stp_tp_probes, ARRAY_SIZE(_stp_tp_probes),");
	emit_line(e, "\t_stp_tp_build_id, sizeof(_stp_tp_build_id), _stp_tp_debuginfo);");
}

/* kernel.trace("NAME") that names no tracepoint: the closest names */
static const char *trace_similar(struct session *s, const struct probe_point *pp)
{
	const struct pp_comp *c = pp->comps, *f = c->next;
	const char *name, **names;
	struct dw_object *k;
	char buf[256];
	size_t i;

	if (strcmp(c->name, "kernel") || !f || strcmp(f->name, "trace") || !f->arg ||
	    f->arg->kind != AST_STRING || strpbrk(f->arg->u.str, "*?["))
		return NULL;
	name = strchr(f->arg->u.str, ':') ? strchr(f->arg->u.str, ':') + 1 : f->arg->u.str;
	k = dw_kernel(s, &pp->loc);
	if (!k || dw_tracepoints(s, k) || !k->n_tps)
		return NULL;
	names = xmalloc(k->n_tps * sizeof(*names));
	for (i = 0; i < k->n_tps; i++)
		names[i] = k->tps[i].name;
	diag_suggest(name, names, k->n_tps, buf, sizeof(buf));
	free(names);
	return buf[0] ? arena_printf(&s->arena, "similar tracepoints: %s", buf) : NULL;
}

static const char *const trace_points[] = { "kernel.trace(string)", NULL };

const struct probe_family tracepoint_family = {
	.name = "kernel.trace", .kind = FAMILY_EVENT, .match = trace_match, .points = trace_points,
	.similar = trace_similar,
	.list = dw_list_sites,
	.emit_decls = trace_decls, .emit_init = trace_init,
	.exit_call = "_stp_tracepoints_exit(_stp_tp_probes, ARRAY_SIZE(_stp_tp_probes));",
};
