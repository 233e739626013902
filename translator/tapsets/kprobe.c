/* kprobe.function("NAME")[.return] and kprobe.statement(ADDR).absolute: kprobes by
 * symbol name, without debuginfo (so no $ variables, as systemtap documents); and the
 * emission shared with the DWARF family (dwarf.c). */
#include <stdlib.h>
#include <string.h>

#include "dwarf/dwarf.h"
#include "tapsets/kprobe.h"
#include "translate/emit.h"
#include "util.h"

static int kprobe_match(struct session *s, const struct probe_point *pp,
			struct derived_probe *dp)
{
	const struct pp_comp *c = pp->comps, *f = c->next;
	struct dw_probe_site *site;
	bool ret = false;
	const char *why;

	if (strcmp(c->name, "kprobe") || c->has_arg || !f)
		return 0;
	if (!strcmp(f->name, "statement")) {
		if (!f->next || strcmp(f->next->name, "absolute") || f->next->next ||
		    !f->arg || f->arg->kind != AST_NUMBER) {
			diag_error(s, &pp->loc, "kprobe.statement(ADDRESS) needs .absolute");
			return -1;
		}
		if (!s->opt.guru) {
			diag_error(s, &pp->loc, "kprobe.statement(%#llx).absolute needs guru mode (-g)",
				   (unsigned long long)f->arg->u.num);
			return -1;
		}
		site = dw_add_site(s, dp);
		site->addr = (uint64_t)f->arg->u.num;
		site->pp = elab_pp_str(s, pp);
		return 1;
	}
	if (strcmp(f->name, "function") || !f->arg || f->arg->kind != AST_STRING)
		return 0;
	if (f->next) {
		if (strcmp(f->next->name, "return") || f->next->next || f->next->has_arg)
			return 0;
		ret = true;
	}
	if (strpbrk(f->arg->u.str, "*?[")) {
		struct dw_object *k = dw_kernel(s, &pp->loc);
		size_t i;
		int n = 0;

		if (!k || dw_syms_load(k))
			return -1;
		for (i = 0; i < k->n_syms; i++) {
			const struct dw_sym *sym = &k->syms[i];

			if (!sym->size || !dw_glob_match(f->arg->u.str, sym->name) ||
			    dw_unsafe(k, sym->name, sym->addr) ||
			    (i && !strcmp(k->syms[i - 1].name, sym->name)))
				continue;
			site = dw_add_site(s, dp);
			site->symbol = sym->name;
			site->is_return = ret;
			site->pp = arena_printf(&s->arena, "kprobe.function(\"%s\")%s", sym->name,
						ret ? ".return" : "");
			n++;
		}
		return n ? 1 : 0;
	}
	/* the list kernel.function and the wildcards above refuse; by name, as a
	 * kprobe.function needs no debuginfo (the kernel refuses NOKPROBE ones) */
	why = dw_unsafe_name(f->arg->u.str);
	if (why) {
		diag_error(s, &pp->loc, "probe point kprobe.function(\"%s\")%s is refused: %s",
			   f->arg->u.str, ret ? ".return" : "", why);
		return -1;
	}
	site = dw_add_site(s, dp);
	site->symbol = f->arg->u.str;
	site->is_return = ret;
	site->pp = elab_pp_str(s, pp);
	return 1;
}

static const char *const kprobe_points[] = {
	"kprobe.function(string)", "kprobe.function(string).return",
	"kprobe.statement(number).absolute", NULL,
};

const struct probe_family kprobe_family = {
	.name = "kprobe", .kind = FAMILY_EVENT, .match = kprobe_match, .points = kprobe_points,
	.list = dw_list_sites,
	.emit_decls = kprobe_emit_decls, .emit_init = kprobe_emit_init,
	.emit_exit = kprobe_emit_exit,
};

/* ---- shared emission ---------------------------------------------------------- */

/* The number of module object `obj` on the kernel's list, naming its build id. */
static int module_index(const struct dw_state *k, const struct dw_object *obj)
{
	const struct dw_object *m;
	int i = 0;

	for (m = k->modules; m && m != obj; m = m->next)
		i++;
	return i;
}

static void emit_build_id(struct emitter *e, const char *name, const struct dw_object *k)
{
	struct strbuf b = { 0 };
	char *path = emit_cstr(k->path);
	size_t j;

	for (j = 0; j < k->build_id_len; j++)
		sb_printf(&b, "%s0x%02x", j ? ", " : "", k->build_id[j]);
	emit_line(e, "static const unsigned char %s_build_id[] = { %s };", name, b.buf);
	emit_line(e, "static const char %s_debuginfo[] = %s;", name, path);
	sb_free(&b);
	free(path);
}

static void emit_site(struct session *s, struct emitter *e, const char *tag,
		      const struct dw_state *k, const struct dw_probe_site *site)
{
	char *pp = emit_cstr(site->pp);
	char *pn = emit_cstr(site->dp->pn_str ? site->dp->pn_str : site->pp);

	emit_line(e, "{ .sp = { .p = { .kind = STP_PROBE_EVENT, .pp = %s, .pn = %s, .fn = probe_%d },",
		  pp, pn, site->dp->id);
	emit_line(e, "          .site = %d },", site->id);
	free(pp);
	free(pn);
	if (site->symbol) {
		pp = emit_cstr(site->symbol);
		emit_line(e, "  .symbol = %s, .offset = 0x%llx,", pp,
			  (unsigned long long)site->offset);
		free(pp);
	} else {
		emit_line(e, "  .addr = 0x%llxUL,", (unsigned long long)site->addr);
	}
	if (site->module) {
		char *name = emit_cstr(site->module);
		int m = module_index(k, site->obj);

		emit_line(e, "  .module = %s, .mod_build_id = _stp_%s_mod%d_build_id,", name, tag,
			  m);
		emit_line(e, "  .mod_build_id_len = sizeof(_stp_%s_mod%d_build_id),", tag, m);
		emit_line(e, "  .mod_debuginfo = _stp_%s_mod%d_debuginfo,", tag, m);
		free(name);
	}
	if (site->entry) {
		pp = emit_cstr(site->pp);
		emit_line(e, "  .entry = { .p = { .kind = STP_PROBE_EVENT, .pp = %s, .fn = probe_%d },",
			  pp, site->entry->probe->id);
		emit_line(e, "             .site = %d },", site->id);
		emit_line(e, "  .n_entry = %d, .entry_size = %s,", site->entry->n_values,
			  family_entry_size(s, site->entry));
		free(pp);
	}
	if (site->n_rets) {
		struct strbuf b = { 0 };

		/* relative to the probed address, which is all the runtime knows of
		 * where a module's text went */
		for (int i = 0; i < site->n_rets; i++)
			sb_printf(&b, "%s%lldL", i ? ", " : "",
				  (long long)(site->rets[i] - site->addr));
		emit_line(e, "  .rets = (const long[]){ %s }, .n_rets = %d,", b.buf, site->n_rets);
		sb_free(&b);
	}
	emit_line(e, "  .is_return = %d },", site->is_return);
}

/* the tag of the family of probes (never empty): "kp" (kprobe.c) or "dw" (dwarf.c) */
static const char *family_tag(struct derived_probe *const *probes)
{
	return probes[0]->family == &kprobe_family ? "kp" : "dw";
}

void kprobe_emit_decls(struct session *s, struct emitter *e, struct derived_probe *const *probes,
		       int n)
{
	const char *tag = family_tag(probes);
	/* the DWARF family checks the running kernel against its debuginfo */
	bool with_build_id = probes[0]->family != &kprobe_family;
	struct dw_state *k = dw_state(s);
	const struct dw_probe_site *site;
	const struct dw_object *m;
	bool has_modules = false;
	int i;

	emit_line(e, "#include \"linux/stp_kprobes.h\"");
	for (i = 0; i < n; i++)
		emit_line(e, "static void probe_%d(struct _stp_context *);", probes[i]->id);
	for (m = k->modules, i = 0; m; m = m->next, i++)
		if (m->dw && with_build_id)	/* module sites are the DWARF family's */
			emit_build_id(e, arena_printf(&s->arena, "_stp_%s_mod%d", tag, i), m);
	emit_open(e, "static struct _stp_kprobe _stp_%s_probes[] =", tag);
	for (site = k->sites; site; site = site->next) {
		if (!family_has_probe(site->dp, probes, n))
			continue;
		emit_site(s, e, tag, k, site);
		has_modules |= site->module != NULL;
	}
	emit_close(e, "};");
	emit_line(e, "static struct _stp_kprobe_set _stp_%s_set = { .kps = _stp_%s_probes,", tag,
		  tag);
	emit_line(e, "\t.n = ARRAY_SIZE(_stp_%s_probes), .has_modules = %d };", tag,
		  has_modules);
	if (with_build_id && k->kernel.dw) {
		const struct dw_sym *anchor = dw_sym_by_name(&k->kernel, DW_RELOC_ANCHOR);

		emit_build_id(e, arena_printf(&s->arena, "_stp_%s", tag), &k->kernel);
		emit_line(e, "static const unsigned long _stp_%s_anchor_link = 0x%llxUL;", tag,
			  (unsigned long long)(anchor ? anchor->addr : 0));
	} else {
		emit_line(e, "static const unsigned char _stp_%s_build_id[1];", tag);
		emit_line(e, "static const char _stp_%s_debuginfo[] = \"\";", tag);
		emit_line(e, "static const unsigned long _stp_%s_anchor_link;", tag);
	}
}

void kprobe_emit_init(struct session *s, struct emitter *e, struct derived_probe *const *probes,
		      int n)
{
	const char *tag = family_tag(probes);

	(void)s;
	(void)n;
	emit_line(e, "rc = _stp_kprobes_init(&_stp_%s_set,", tag);
	emit_line(e, "\t_stp_%s_build_id, _stp_%s_anchor_link ? sizeof(_stp_%s_build_id) : 0,",
		  tag, tag, tag);
	emit_line(e, "\t_stp_%s_debuginfo, (unsigned long)&%s, _stp_%s_anchor_link);", tag,
		  DW_RELOC_ANCHOR, tag);
}

void kprobe_emit_exit(struct session *s, struct emitter *e, struct derived_probe *const *probes,
		      int n)
{
	(void)s;
	(void)n;
	emit_line(e, "_stp_kprobes_exit(&_stp_%s_set);", family_tag(probes));
}
