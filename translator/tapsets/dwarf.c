/* kernel.function("FUNC[@FILE[:LINE]]")[.call|.return|.inline|.exported|.label("L")] and
 * kernel.statement("FUNC@FILE:LINE" | "FUNC@FILE+N" | "*@FILE:LINE[-LINE]"): probe points resolved
 * against the kernel's DWARF (dwarf/), one kprobe or kretprobe per concrete address.
 * module("NAME").function/.statement the same against a module's DWARF (dwarf/module.c),
 * each address becoming "NAME:SYMBOL"+offset, registered while NAME is loaded. */
#include <stdlib.h>
#include <string.h>

#include "dwarf/dwarf.h"
#include "tapsets/kprobe.h"
#include "util.h"

struct spec {
	const char *func, *file;
	int line_lo, line_hi;
	bool has_line, any_line;
	bool rel;			/* "+N": N lines after the function's declaration */
};

/* "FUNC[@FILE[:LINE|:LO-HI|:*|+N]]" */
static int parse_spec(struct session *s, const char *text, struct spec *sp)
{
	char *t = arena_strdup(&s->arena, text), *at = strchr(t, '@'), *colon;

	memset(sp, 0, sizeof(*sp));
	sp->func = t;
	if (!at)
		return 0;
	*at = '\0';
	sp->file = at + 1;
	colon = strrchr(at + 1, ':');
	if (!colon) {
		char *plus = strrchr(at + 1, '+'), *end;

		if (!plus)
			return 0;
		*plus = '\0';
		sp->has_line = sp->rel = true;
		sp->line_lo = sp->line_hi = (int)strtol(plus + 1, &end, 10);
		return end == plus + 1 || *end || sp->line_lo < 0 ? -1 : 0;
	}
	*colon = '\0';
	sp->has_line = true;
	if (!strcmp(colon + 1, "*")) {
		sp->any_line = true;
		return 0;
	}
	if (sscanf(colon + 1, "%d-%d", &sp->line_lo, &sp->line_hi) == 2)
		return 0;
	if (sscanf(colon + 1, "%d", &sp->line_lo) == 1) {
		sp->line_hi = sp->line_lo;
		return 0;
	}
	return -1;
}

static const char *site_pp(struct session *s, struct dw_object *k, const char *kind,
			   const struct dw_match *m, const char *suffix)
{
	const char *obj = k->name ? arena_printf(&s->arena, "module(\"%s\")", k->name) :
			  "kernel";

	return arena_printf(&s->arena, "%s.%s(\"%s@%s:%d\")%s", obj, kind,
			    dw_str(k, m->fn->name), dw_str(k, m->fn->file), m->line, suffix);
}

/* A module's address as the symbol holding it and the offset into it. */
static int module_site(struct session *s, struct dw_object *k, const struct probe_point *pp,
		       struct dw_probe_site *site)
{
	const struct dw_sym *sym = dw_sym_at(k, site->addr);

	if (!sym) {
		diag_error(s, &pp->loc, "probe point %s: no symbol of module %s covers address "
			   "%#llx", site->pp, k->name, (unsigned long long)site->addr);
		return -1;
	}
	site->obj = k;
	site->module = k->name;
	site->symbol = arena_printf(&s->arena, "%s:%s", k->name, sym->name);
	site->offset = site->addr - sym->addr;
	return 0;
}

/*
 * True when `addr` starts NAME.part.N, the out-of-line tail gcc split off a function whose
 * head it inlined into the callers: not the function's entry, and called with whatever
 * arguments gcc chose.  systemtap does not count it as the function either.
 */
static bool is_part_clone(struct dw_object *k, const char *name, uint64_t addr)
{
	const struct dw_sym *sym = dw_sym_at(k, addr);
	size_t n = strlen(name);

	return sym && sym->addr == addr && !strncmp(sym->name, name, n) &&
	       !strncmp(sym->name + n, ".part.", 6);
}

/*
 * Where a kernel or module .function/.call probe on fn goes: its entry; under -P
 * (--prologue-searching=always) past the prologue when fn's CU has no location lists,
 * the rule of the user-space default (dw_after_prologue()'s auto), for such a CU's
 * parameters may hold only once the prologue has stored them. The kernel is built
 * optimised, so the default and "auto" leave kernel probes at the entry; an assembler
 * CU has no prologue.
 */
static uint64_t kernel_entry(struct session *s, struct dw_object *k, const struct dw_func *fn)
{
	if (s->opt.prologue < 1 || (fn->flags & DWF_INLINE) || dw_cu_is_asm(k, fn->cu))
		return fn->addr;
	return dw_after_prologue(k, fn, 0);
}

static int add_matches(struct session *s, struct dw_object *k, const struct probe_point *pp,
		       struct derived_probe *dp, const struct spec *sp, struct dw_match *v,
		       int n, const char *kind, const char *suffix, bool ret, bool entry)
{
	bool wild = strpbrk(sp->func, "*?[") || (sp->file && strpbrk(sp->file, "*?["));
	int i, j, added = 0;

	/* a .function or .call probe: past the prologue under -P */
	for (i = 0; entry && !ret && i < n; i++)
		if (!is_part_clone(k, dw_str(k, v[i].fn->name), v[i].addr))
			v[i].addr = kernel_entry(s, k, v[i].fn);
	for (i = 0; i < n; i++) {
		const char *why = dw_unsafe(k, dw_str(k, v[i].fn->name), v[i].addr);
		const char *sfx = v[i].label ? arena_printf(&s->arena, ".label(\"%s\")",
							    v[i].label) : suffix;
		struct dw_probe_site *site;

		for (j = 0; j < i; j++)
			if (v[j].addr == v[i].addr)
				break;
		if (j < i || is_part_clone(k, dw_str(k, v[i].fn->name), v[i].addr))
			continue;
		if (why) {
			if (!wild) {
				const char *fn = dw_str(k, v[i].fn->name);
				const struct dw_sym *in = dw_unsafe_name(fn) ? NULL :
							  dw_sym_at(k, v[i].addr);

				/* an inline function refused for one of its copies: say which */
				if (in && strcmp(in->name, fn))
					diag_error(s, &pp->loc, "probe point %s is refused: %s "
						   "(its copy inlined into %s)",
						   site_pp(s, k, kind, &v[i], sfx), why,
						   in->name);
				else
					diag_error(s, &pp->loc, "probe point %s is refused: %s",
						   site_pp(s, k, kind, &v[i], sfx), why);
				return -1;
			}
			continue;
		}
		site = dw_add_site(s, dp);
		site->fn = v[i].fn;
		site->addr = v[i].addr;
		site->is_return = ret;
		site->pp = site_pp(s, k, kind, &v[i], sfx);
		if (k->name && module_site(s, k, pp, site))
			return -1;
		added++;
	}
	return added;
}

/* the sites of one object (the kernel or a module) for pp: their count, or -1 */
static int match_object(struct session *s, const struct probe_point *pp,
			struct derived_probe *dp, struct dw_object *k, const struct pp_comp *f,
			const struct spec *sp, enum dw_fn_filter filter, bool stmt,
			const char *suffix, bool ret, const char *label)
{
	struct dw_match *v = NULL;
	int n, added;
	bool entry = false;	/* function entries, not labels or lines */

	if (label) {
		n = dw_query_labels(s, k, sp->func, sp->file, label, &v);
	} else if (stmt || (sp->has_line && !sp->any_line)) {
		if (!sp->file) {
			diag_error(s, &f->arg->loc, "%s.statement needs FUNC@FILE:LINE",
				   k->name ? "module(...)" : "kernel");
			return -1;
		}
		if (!stmt && sp->has_line && !sp->rel) {
			/* kernel.function("f@file:N"): the function declared at line N */
			n = dw_query_functions(s, k, sp->func, sp->file, filter, &v);
			entry = true;
			for (int i = 0; i < n; i++)
				if ((int)v[i].fn->line < sp->line_lo || (int)v[i].fn->line > sp->line_hi)
					v[i--] = v[--n];
		} else {
			n = dw_query_statements_rel(s, k, sp->func, sp->file, sp->line_lo,
						    sp->line_hi, sp->any_line || !sp->has_line,
						    sp->rel, &v);
		}
	} else {
		n = dw_query_functions(s, k, sp->func, sp->file, filter, &v);
		entry = true;
	}
	added = add_matches(s, k, pp, dp, sp, v, n, stmt ? "statement" : "function", suffix,
			    ret, entry);
	free(v);
	return added;
}

/* ".callee(\"NAME@FILE:LINE\")SUFFIX" of one callee */
const char *dw_callee_str(struct session *s, struct dw_object *k, const struct dw_func *fn,
			  const char *suffix)
{
	return arena_printf(&s->arena, ".callee(\"%s@%s:%d\")%s", dw_str(k, fn->name),
			    dw_str(k, fn->file), (int)fn->line, suffix);
}

/* 4.8's warning for a callee reached by a tail call, which leaves no return address */
void dw_callee_tail_warn(struct session *s, const struct probe_point *pp, struct dw_object *k,
			 const struct dw_callee *c)
{
	diag_warn(s, &pp->loc, "Callee \"%s\" in function \"%s\" is a tail call: .callee probe "
		  "may not fire. Try placing the probe directly on the callee function instead.",
		  dw_str(k, c->fn->name), dw_str(k, c->caller->name));
}

void dw_callees_too_many(struct session *s, const struct probe_point *pp, struct dw_object *k,
			 const struct dw_func *fn, int depth)
{
	diag_error(s, &pp->loc, "function %s has %d or more callee paths %d calls deep: "
		   "name the callees or use a smaller depth", dw_str(k, fn->name), DW_MAX_CALLEES,
		   depth);
}

/* A callee's return addresses in a module: usable only in the section of the probed
 * address, which is all the runtime can relocate them by */
static bool same_section(struct dw_object *k, uint64_t addr, const uint64_t *rets, int n)
{
	const struct dw_sym *at = dw_sym_at(k, addr);

	for (int i = 0; i < n; i++) {
		const struct dw_sym *r = dw_sym_at(k, rets[i]);

		if (!at || !r || r->shndx != at->shndx)
			return false;
	}
	return true;
}

/* .function("F").callee("PAT")[.call|.return] and .callees[(N)]: a site on each callee
 * of each function F, fired only for calls along the path found (dwarf/callee.c) */
static int match_callees(struct session *s, const struct probe_point *pp,
			 struct derived_probe *dp, struct dw_object *k, const struct spec *sp,
			 const char *pat, int depth, const char *suffix, bool ret, bool call)
{
	struct dw_match *v = NULL;
	int n = dw_query_functions(s, k, sp->func, sp->file, DW_FN_ANY, &v), added = 0;

	for (int i = 0; i < n; i++) {
		struct dw_callee *c = NULL;
		int m = dw_query_callees(s, k, v[i].fn, pat, depth, &c);

		if (m < 0) {
			dw_callees_too_many(s, pp, k, v[i].fn, depth);
			free(v);
			return -1;
		}
		for (int j = 0; j < m; j++) {
			const struct dw_func *fn = c[j].fn;
			bool inl = fn->flags & DWF_INLINE;
			struct dw_match cm = { .fn = c[j].caller, .line = (int)c[j].caller->line };
			struct dw_match fm = { .fn = fn, .line = (int)fn->line };
			struct dw_probe_site *site, *o;
			uint64_t *rets;

			if ((inl && (ret || call)) || is_part_clone(k, dw_str(k, fn->name), fn->addr) ||
			    dw_unsafe(k, dw_str(k, fn->name), fn->addr) ||
			    (k->name && !same_section(k, fn->addr, c[j].rets, c[j].n_rets)))
				continue;
			for (o = dw_state(s)->sites; o; o = o->next)
				if (o->dp == dp && o->addr == fn->addr && o->n_rets == c[j].n_rets &&
				    !memcmp(o->rets, c[j].rets, sizeof(uint64_t) * (size_t)o->n_rets))
					break;
			if (o)
				continue;
			site = dw_add_site(s, dp);
			site->fn = fn;
			site->addr = fn->addr;
			site->is_return = ret;
			/* pp() is the callee's own point, as in 4.8 */
			site->pp = site_pp(s, k, "function", &fm, ret ? ".return" : "");
			site->list_pp = site_pp(s, k, "function", &cm, dw_callee_str(s, k, fn, suffix));
			rets = arena_alloc(&s->arena, sizeof(uint64_t) * (size_t)(c[j].n_rets + 1));
			memcpy(rets, c[j].rets, sizeof(uint64_t) * (size_t)c[j].n_rets);
			site->rets = rets;
			site->n_rets = c[j].n_rets;
			if (c[j].tail)
				dw_callee_tail_warn(s, pp, k, &c[j]);
			if (k->name && module_site(s, k, pp, site)) {
				free(c);
				free(v);
				return -1;
			}
			added++;
		}
		free(c);
	}
	free(v);
	return added;
}

/* .callee("PAT")[.call|.return] or .callees[(N)] after x (the component after
 * .function): 1 and the pattern, depth and flags; 0 if x is not one of them; -1 after
 * reporting a bad depth */
int dw_callee_spec(struct session *s, const struct pp_comp *x, const char **pat, int *depth,
		   bool *ret, bool *call)
{
	const struct pp_comp *y = x ? x->next : NULL;

	*ret = *call = false;
	*depth = 1;
	*pat = "*";
	if (!x)
		return 0;
	if (!strcmp(x->name, "callee") && x->arg && x->arg->kind == AST_STRING) {
		*pat = x->arg->u.str;
		if (y && (y->next || y->has_arg ||
			  (strcmp(y->name, "return") && strcmp(y->name, "call"))))
			return 0;
		*ret = y && !strcmp(y->name, "return");
		*call = y && !strcmp(y->name, "call");
		return 1;
	}
	if (strcmp(x->name, "callees") || y || (x->has_arg && (!x->arg ||
						 x->arg->kind != AST_NUMBER)))
		return 0;
	if (x->has_arg) {
		if (x->arg->u.num < 1) {
			diag_error(s, &x->arg->loc, ".callees(N) only acceptable for N >= 1");
			return -1;
		}
		if (x->arg->u.num > DW_MAX_CALLEE_DEPTH) {
			diag_error(s, &x->arg->loc, ".callees(N) goes at most %d calls deep",
				   DW_MAX_CALLEE_DEPTH);
			return -1;
		}
		*depth = (int)x->arg->u.num;
	}
	return 1;
}

static int dwarf_match(struct session *s, const struct probe_point *pp, struct derived_probe *dp)
{
	const struct pp_comp *c = pp->comps, *f = c->next, *x;
	enum dw_fn_filter filter = DW_FN_ANY;
	struct dw_object *k;
	const char *suffix = "", *module = NULL, *label = NULL;
	const char *callee_pat = NULL;
	struct spec sp;
	bool ret = false, call = false, stmt;
	int added, callee, depth;

	if (!strcmp(c->name, "module") && c->arg && c->arg->kind == AST_STRING)
		module = c->arg->u.str;
	else if (strcmp(c->name, "kernel") || c->has_arg)
		return 0;
	if (!f || !f->arg || f->arg->kind != AST_STRING)
		return 0;
	stmt = !strcmp(f->name, "statement");
	if (!stmt && strcmp(f->name, "function"))
		return 0;
	x = f->next;
	callee = stmt ? 0 : dw_callee_spec(s, x, &callee_pat, &depth, &ret, &call);
	if (callee < 0)
		return -1;
	if (callee) {
		/* the suffix after .callee("...") */
		suffix = ret ? ".return" : call ? ".call" : "";
	} else if (x && !stmt && !x->next && !strcmp(x->name, "label") && x->arg &&
	    x->arg->kind == AST_STRING) {
		label = x->arg->u.str;	/* the C labels of the functions */
	} else if (x) {
		if (x->next || x->has_arg || stmt)
			return 0;
		if (!strcmp(x->name, "return"))
			ret = true, filter = DW_FN_ENTRY;
		else if (!strcmp(x->name, "call"))
			filter = DW_FN_CALL;
		else if (!strcmp(x->name, "inline"))
			filter = DW_FN_INLINE;
		else if (!strcmp(x->name, "exported"))
			filter = DW_FN_EXPORTED;
		else
			return 0;
		suffix = arena_printf(&s->arena, ".%s", x->name);
	}
	if (parse_spec(s, f->arg->u.str, &sp)) {
		diag_error(s, &f->arg->loc, "bad line number in '%s'", f->arg->u.str);
		return -1;
	}
	if (module && strpbrk(module, "*?[")) {
		/* module("dccp*"): every installed module of the target kernel whose
		 * name matches, each probed where it has the function */
		const char **names;
		size_t n_names = dw_module_glob(s, module, &names), i;

		added = 0;
		for (i = 0; i < n_names; i++) {
			int a;

			k = dw_module(s, names[i], &pp->loc);
			if (!k)
				return -1;
			a = callee ? match_callees(s, pp, dp, k, &sp, callee_pat, depth, suffix,
						   ret, call) :
				     match_object(s, pp, dp, k, f, &sp, filter, stmt, suffix, ret,
						  label);
			if (a < 0)
				return -1;
			added += a;
		}
		return added ? 1 : 0;
	}
	/* an optional point of a module this kernel does not have matches nothing
	 * (enospc's {kernel,module("ext3")}.function(...) ?) */
	if (module && pp->optional && !dw_module_installed(s, module))
		return 0;
	k = module ? dw_module(s, module, &pp->loc) : dw_kernel(s, &pp->loc);
	if (!k)
		return -1;
	added = callee ? match_callees(s, pp, dp, k, &sp, callee_pat, depth, suffix, ret, call) :
			 match_object(s, pp, dp, k, f, &sp, filter, stmt, suffix, ret, label);
	if (added < 0)
		return -1;
	return added ? 1 : 0;
}

/* kernel.function("NAME") that names no function: the closest function names */
static const char *dwarf_similar(struct session *s, const struct probe_point *pp)
{
	const struct pp_comp *c = pp->comps, *f = c->next;
	const char *name, **names;
	struct dw_object *k;
	char buf[256];
	size_t i;

	if (strcmp(c->name, "kernel") || !f || strcmp(f->name, "function") || !f->arg ||
	    f->arg->kind != AST_STRING || strpbrk(f->arg->u.str, "*?["))
		return NULL;
	/* no callee matched: the function itself may well exist */
	if (f->next && !strncmp(f->next->name, "callee", 6))
		return NULL;
	name = arena_strndup(&s->arena, f->arg->u.str, strcspn(f->arg->u.str, "@"));
	k = dw_kernel(s, &pp->loc);
	if (!k || !k->n_funcs)
		return NULL;
	names = xmalloc(k->n_funcs * sizeof(*names));
	for (i = 0; i < k->n_funcs; i++)
		names[i] = dw_str(k, k->funcs[i].name);
	diag_suggest(name, names, k->n_funcs, buf, sizeof(buf));
	free(names);
	return buf[0] ? arena_printf(&s->arena, "similar functions: %s", buf) : NULL;
}

static const char *const dwarf_points[] = {
	"kernel.function(string)", "kernel.function(string).call",
	"kernel.function(string).exported", "kernel.function(string).inline",
	"kernel.function(string).return", "kernel.statement(string)",
	"module(string).function(string)", "module(string).function(string).call",
	"module(string).function(string).exported", "module(string).function(string).inline",
	"module(string).function(string).return", "module(string).statement(string)",
	"kernel.function(string).label(string)", "module(string).function(string).label(string)",
	"kernel.function(string).callee(string)", "kernel.function(string).callee(string).call",
	"kernel.function(string).callee(string).return", "kernel.function(string).callees",
	"kernel.function(string).callees(number)",
	"module(string).function(string).callee(string)",
	"module(string).function(string).callee(string).call",
	"module(string).function(string).callee(string).return",
	"module(string).function(string).callees", "module(string).function(string).callees(number)",
	NULL,
};

const struct probe_family dwarf_family = {
	.name = "kernel", .kind = FAMILY_EVENT, .match = dwarf_match, .points = dwarf_points,
	.similar = dwarf_similar,
	.list = dw_list_sites,
	.emit_decls = kprobe_emit_decls, .emit_init = kprobe_emit_init,
	.emit_exit = kprobe_emit_exit,
};
