/* Pass 2: target expressions. Each $var chain of a probe handler becomes a call of a
 * synthesized embedded-C function "__tvar_N" whose body dispatches on the probe site
 * (a wildcard probe has one site per function, each with its own DWARF locations) and
 * reads through the fault-safe runtime helpers; in guru mode an assignment to one
 * becomes a call of a synthesized setter (elab_target_write()). @defined(e) becomes
 * 1 or 0.
 * In a .return probe, @entry(e) and a target variable other than $return are values
 * of the function's entry: a synthesized "entry part" probe, run by the kretprobe's
 * entry handler, saves each in the kretprobe instance's data, and the return probe
 * reads it back (entry_value()). */
#include <stdlib.h>
#include <string.h>

#include "dwarf/dwarf.h"
#include "elaborate/target.h"
#include "tapsets/family.h"
#include "tapsets/uprobe.h"
#include "translate/emit.h"
#include "translate/locprog.h"
#include "util.h"
#include "bpf/bpf.h"

/* The file holding the synthesized functions, created on first use. */

/* $return and $$return are read at the return; other target variables of a
 * .return probe at the entry */
static bool is_retvar(const char *name)
{
	return !strcmp(name, "$return") || !strcmp(name, "$$return");
}
static struct stapfile *synth_file(struct session *s)
{
	struct stapfile *f, **tail;
	static const char inc[] = "#include \"linux/stp_kprobes.h\"";

	for (tail = &s->prog.files; *tail; tail = &(*tail)->next)
		if ((*tail)->src && !strcmp((*tail)->src->name, "<target variables>"))
			return *tail;
	f = arena_alloc(&s->arena, sizeof(*f));
	{
		struct srcfile *src = arena_alloc(&s->arena, sizeof(*src));

		src->name = "<target variables>";
		src->text = "";
		f->src = src;
	}
	f->is_tapset = true;
	f->used = true;
	f->embeds = ast_new(s, AST_EMBEDDED, NULL);
	f->embeds->u.str = inc;
	*tail = f;
	return f;
}

static int count_index_exprs(const struct ast_node *n, struct ast_node **args)
{
	const struct target_comp *c;
	int k = 0;

	*args = NULL;
	for (c = n->u.target.comps; c; c = c->next)
		if (c->kind == COMP_INDEX_EXPR) {
			*args = ast_append(*args, c->expr);
			k++;
		}
	return k;
}

/* what a fault reading n names */
static const char *what_name(const struct ast_node *n)
{
	return n->kind == AST_CAST ? "@cast(...)" : n->u.target.name;
}

/* @var("name", "/path/prog-or-lib"): a user object's global */
static bool user_module(const struct ast_node *n)
{
	const char *mod = n->u.target.module;

	return n->kind == AST_ATVAR && mod && strchr(mod, '/') && !strchr(mod, '<');
}

/* The C of n's location program at ds in obj, appended to out; *type its type. On
 * failure reports (unless quiet; `what` names n for a failure without a reason) and
 * returns -1. */
static int target_c(struct session *s, struct dw_object *obj, const struct dw_site *ds,
		    struct ast_node *n, bool quiet, const char *what, struct strbuf *out,
		    enum ast_type *type, bool store, struct elab_cast *cast)
{
	struct lp_prog prog = { 0 };
	const char *err = NULL;
	int rc = dw_target_code(s, obj, ds, n, &prog, type, &err);

	if (!rc && store)
		rc = lp_make_store(&prog, &err);

	if (!rc && cast && prog.cast_die) {
		cast->obj = obj;
		cast->die = prog.cast_die;
	}
	if (!rc && s->opt.bpf)
		rc = bpf_lp_emit(&prog, what_name(n), ds ? ds->addr : 0, out, &err);
	else if (!rc)
		lp_emit_c(&prog, out);
	if (rc && !quiet)
		diag_error(s, prog.err_loc ? prog.err_loc : &n->loc, err ? "%s" : "cannot resolve %s",
			   err ? err : what);
	lp_free(&prog);
	return rc ? -1 : 0;
}

/* Code for every site of the probes sharing dp's body (for an entry part, its
 * .return probe's); *type from the first. A target variable other than $return in a
 * .return probe, and any in an entry part, is read at the function's entry (past
 * its prologue when that stores the parameters: site->entry_addr). */
static int site_code(struct session *s, struct derived_probe *dp, struct ast_node *n,
		     struct strbuf *code, enum ast_type *type, bool quiet, bool store,
		     struct elab_cast *cast)
{
	struct dw_state *k = dw_state(s);
	const struct derived_probe *owner = dp->entry_of ? dp->entry_of : dp;
	struct dw_probe_site *site;
	int n_sites = 0;

	for (site = k->sites; site; site = site->next) {
		struct dw_object *obj = dw_site_object(s, site);
		struct dw_site ds = { .fn = site->fn, .addr = site->addr,
				      .is_return = site->is_return,
				      .is_tracepoint = site->tp != NULL, .obj = obj };
		struct strbuf one = { 0 };
		enum ast_type t;

		if (site->dp->body != owner->body)
			continue;
		if (!site->fn || !obj->dw) {
			if (!quiet)
				diag_error(s, &n->loc, "target variables are not available in %s "
					   "(no debuginfo for this probe point)", site->pp);
			return -1;
		}
		if (user_module(n) && up_dwarf_object(s, n->u.target.module, &n->loc) != obj) {
			/* where another object is loaded is not known here */
			if (!quiet)
				diag_error(s, &n->loc, "@var(\"%s\", \"%s\") in a probe on %s: a program's or library's globals are read in probes on it only",
					   n->u.target.name, n->u.target.module, obj->path);
			return -1;
		}
		if (site->is_return && (dp->entry_of || (n->kind == AST_TARGET &&
							 !is_retvar(n->u.target.name)))) {
			/* past the prologue that stores the parameters, where the
			 * entry part then runs */
			ds.addr = site->entry_addr ? site->entry_addr : site->fn->addr;
			ds.is_return = false;
			ds.in_entry = true;
		}
		if (target_c(s, obj, &ds, n, quiet, "target variable", &one, &t, store,
			     n_sites == 0 ? cast : NULL))
			return -1;
		if (store)
			sb_puts(&one, "\tSTAP_RETVALUE = STAP_ARG_value;\n");
		if (n_sites++ == 0)
			*type = t;
		if (s->opt.bpf)	/* bpf/uprobe.c puts it in place of the call */
			sb_printf(code, "if (F->site == %d) {\n%s}\n", site->id, one.buf ? one.buf : "");
		else
			sb_printf(code, "case %d: {\n%s\tbreak;\n}\n", site->id, one.buf ? one.buf : "");
		sb_free(&one);
	}
	if (!n_sites) {
		if (!quiet)
			diag_error(s, &n->loc, "target variables are not available in probe %s",
				   dp->pp_str);
		return -1;
	}
	return 0;
}

/* 1 if every probe point sharing dp's body is a .return, 2 if only some are, 0 if
 * none is (or the body has no kprobe sites). */
static int return_sites(struct session *s, const struct derived_probe *dp)
{
	const struct dw_probe_site *site;
	int n = 0, n_ret = 0;

	for (site = dw_state(s)->sites; site; site = site->next)
		if (site->dp->body == dp->body) {
			n++;
			n_ret += site->is_return;
		}
	return !n_ret ? 0 : n_ret == n ? 1 : 2;
}

/* The entry part of the .return probe dp (and of the points sharing its body),
 * created on first use at the end of the probe list, so that resolution and type
 * inference walk its body like any probe's; the kretprobes of dp's sites run it
 * at the function's entry (tapsets/kprobe.c). */
static struct dw_entry_part *entry_part(struct session *s, struct derived_probe *dp)
{
	struct dw_state *st = dw_state(s);
	struct derived_probe *ep, **tail;
	struct dw_probe_site *site;
	struct dw_entry_part *part;

	for (part = st->entry_parts; part; part = part->next)
		if (part->probe->entry_of->body == dp->body)
			return part;
	for (tail = &s->prog.probes; *tail; tail = &(*tail)->next)
		;
	ep = arena_alloc(&s->arena, sizeof(*ep));
	ep->id = s->prog.n_probes++;
	ep->family = dp->family;
	ep->probe = dp->probe;
	ep->pp = dp->pp;
	ep->pp_str = dp->pp_str;
	ep->pn_str = dp->pn_str;
	ep->body = ast_block(s, &dp->body->loc, NULL);
	ep->entry_of = dp;
	*tail = ep;
	part = arena_alloc(&s->arena, sizeof(*part));
	part->probe = ep;
	part->values_tail = &part->values;
	part->next = st->entry_parts;
	st->entry_parts = part;
	for (site = st->sites; site; site = site->next)
		if (site->dp->body == dp->body)
			site->entry = part;
	return part;
}

/* An embedded-C function of at most one parameter, "v". */
static struct function *entry_function(struct session *s, const struct srcloc *loc,
				       const char *name, enum ast_type ret, bool param,
				       const char *body)
{
	struct stapfile *f = synth_file(s);
	struct function *fn = arena_alloc(&s->arena, sizeof(*fn));

	fn->name = strtab_intern(&s->arena, name);
	fn->ret = ret;
	fn->is_tapset = true;
	fn->loc = *loc;
	if (param) {
		fn->params = arena_alloc(&s->arena, sizeof(*fn->params));
		fn->params->name = strtab_intern(&s->arena, "v");
		fn->params->type = TYPE_UNKNOWN;
		fn->params->loc = *loc;
		fn->n_params = 1;
	}
	fn->body = ast_new(s, AST_EMBEDDED, loc);
	fn->body->u.str = body;
	fn->next = f->functions;
	f->functions = fn;
	return fn;
}

/* n reads val at the entry of the .return probe dp: dp's entry part saves it
 * (`__entry_save_N(val);`, a long or a string) in the kretprobe instance's data,
 * and n becomes `__entry_load_N()`, of the same type (types.c), which reads it.
 * The part records the saving call (struct dw_entry_value) for the kprobe emission. */
static int entry_value(struct session *s, struct ast_node *n, struct ast_node *val,
		       struct derived_probe *dp)
{
	struct dw_entry_part *part = entry_part(s, dp);
	struct derived_probe *ep = part->probe;
	struct ast_node *next = n->next, *call;
	struct function *save, *load;
	struct dw_entry_value *ev;
	int slot = part->n_values, id;

	if (slot >= DW_MAX_ENTRY) {
		diag_error(s, &n->loc, "too many entry values in one .return probe (at most %d)",
			   DW_MAX_ENTRY);
		return -1;
	}
	/* the saved values are the process's own (--privilege=stapusr may read them) */
	const char *mark = !strcmp(dp->family->name, "process") ? "\t/* unprivileged */\n" : "";

	id = dw_state(s)->n_tvars++;
	save = entry_function(s, &n->loc, arena_printf(&s->arena, "__entry_save_%d", id),
			      TYPE_LONG, true, arena_printf(&s->arena,
			      "%s\t_stp_entry_save(CONTEXT, %d, &STAP_ARG_v, sizeof(STAP_ARG_v));\n",
			      mark, slot));
	load = entry_function(s, &n->loc, arena_printf(&s->arena, "__entry_load_%d", id),
			      TYPE_UNKNOWN, false, arena_printf(&s->arena,
			      "\t/* pure */\n%s"
			      "\t_stp_entry_load(CONTEXT, %d, &STAP_RETVALUE, sizeof(STAP_RETVALUE));\n",
			      mark, slot));
	elab_fn_info(s, load)->ret_like = save;
	val->next = NULL;
	call = ast_call(s, &n->loc, save->name, val);
	ev = arena_alloc(&s->arena, sizeof(*ev));
	ev->slot = slot;
	ev->save = call;
	*part->values_tail = ev;
	part->values_tail = &ev->next;
	part->n_values++;
	ep->body->u.block.stmts = ast_append(ep->body->u.block.stmts,
					     ast_operand(s, AST_EXPR_STMT, &n->loc, call));
	memset(&n->u, 0, sizeof(n->u));
	n->kind = AST_CALL;
	n->type = TYPE_UNKNOWN;
	n->u.call.name = load->name;
	n->next = next;
	return 0;
}

/*
 * __tvar_N(i0, i1...) or, for @cast, __tvar_N(ptr, i0...): dispatching on the probe
 * site, or not for code that does not depend on it. `user`: it reads only the memory
 * of a process probe's process, which --privilege=stapusr may (its own processes).
 */
static struct function *synth_function(struct session *s, struct ast_node *n,
				       const char *code, enum ast_type type, int n_args,
				       bool dispatch, bool user)
{
	struct stapfile *f = synth_file(s);
	struct function *fn = arena_alloc(&s->arena, sizeof(*fn));
	struct dw_state *k = dw_state(s);
	char *what = emit_cstr(n->kind == AST_CAST ? "@cast(...)" :
			       n->kind == AST_ATVAR ? arena_printf(&s->arena, "@var(\"%s\")",
								   n->u.target.name) :
			       n->u.target.name);
	struct param **ptail = &fn->params;
	int i, first = n->kind == AST_CAST;

	fn->name = strtab_intern(&s->arena, arena_printf(&s->arena, "__tvar_%d", k->n_tvars++));
	fn->ret = type;
	fn->is_tapset = true;
	fn->loc = n->loc;
	for (i = 0; i < n_args; i++) {
		struct param *p = arena_alloc(&s->arena, sizeof(*p));

		p->name = strtab_intern(&s->arena, i < first ? "ptr" :
					arena_printf(&s->arena, "i%d", i - first));
		p->type = TYPE_LONG;
		p->loc = n->loc;
		*ptail = p;
		ptail = &p->next;
	}
	fn->n_params = n_args;
	fn->body = ast_new(s, AST_EMBEDDED, &n->loc);
	if (s->opt.bpf)
		fn->body->u.str = arena_strdup(&s->arena, code);
	else if (dispatch)
		fn->body->u.str = arena_printf(&s->arena, "%s"
			"\tconst char *what_ __attribute__((unused)) = %s;\n"
			"\tswitch (_STP_SITE(CONTEXT)) {\n%s"
			"\tdefault:\n\t\tSTAP_ERROR(\"internal error: no target variable code for this probe\");\n"
			"\t}\n", user ? "\t/* unprivileged */\n" : "", what, code);
	else
		fn->body->u.str = arena_printf(&s->arena,
			"%s\tconst char *what_ __attribute__((unused)) = %s;\n{\n%s}\n",
			user ? "\t/* unprivileged */\n" : "", what, code);
	free(what);
	fn->next = f->functions;
	f->functions = fn;
	return fn;
}

/* The target expression n becomes a call of its synthesized function. */
static void become_call(struct ast_node *n, const struct function *fn, enum ast_type type,
			struct ast_node *args)
{
	n->kind = AST_CALL;
	n->type = type;
	memset(&n->u, 0, sizeof(n->u));
	n->u.call.name = fn->name;
	n->u.call.args = args;
}

static int rewrite_target(struct session *s, struct ast_node *n, struct derived_probe *dp,
			  bool quiet)
{
	struct strbuf code = { 0 };
	enum ast_type type = TYPE_LONG;
	struct elab_cast cast = { 0 };
	struct ast_node *args;
	struct function *fn;
	int n_args = count_index_exprs(n, &args);

	if (!quiet && !dp->entry_of && n->kind == AST_TARGET &&
	    !is_retvar(n->u.target.name)) {
		/* a .return probe's $param: its value at the entry */
		int ret = return_sites(s, dp);

		if (ret != 0 && n_args) {
			diag_error(s, &n->loc, "an entry value cannot use an index computed by "
				   "the script");
			return -1;
		}
		if (ret == 2) {
			diag_error(s, &n->loc, "%s in a probe with both .return and other points: "
				   "write separate probes", n->u.target.name);
			return -1;
		}
		if (ret == 1) {
			struct ast_node *val = ast_new(s, AST_TARGET, &n->loc);

			if (site_code(s, dp, n, &code, &type, false, false, NULL)) {
				sb_free(&code);
				return -1;
			}
			sb_free(&code);
			*val = *n;
			return entry_value(s, n, val, dp);
		}
	}
	if (site_code(s, dp, n, &code, &type, quiet, false, &cast)) {
		sb_free(&code);
		return -1;
	}
	if (quiet) {
		sb_free(&code);
		return 0;
	}
	fn = synth_function(s, n, code.buf ? code.buf : "", type, n_args, true,
			    !strcmp(dp->family->name, "process"));
	elab_fn_info(s, fn)->cast = cast;
	sb_free(&code);
	become_call(n, fn, type, args);
	return 0;
}

/* --compatible=VERSION names major.minor or older */
static bool compatible_at_most(const struct session *s, int major, int minor)
{
	int ma = 0, mi = 0;

	if (!s->opt.compatible || sscanf(s->opt.compatible, "%d.%d", &ma, &mi) < 1)
		return false;
	return ma < major || (ma == major && mi <= minor);
}

static bool is_user_object(const struct dw_object *o)
{
	return o && (o->kind == DW_OBJ_EXEC || o->kind == DW_OBJ_SHLIB);
}

/* @cast(p, "type") without a module in the probe dp: the object the probe's points
 * are in (a process probe's program or library, a module probe's module) when it has
 * the type, else the first of the shared libraries a process probe's object loads that
 * has it, else NULL for the kernel. In functions, and with --compatible=4.2 or older,
 * the kernel only. */
static struct dw_object *probe_cast_object(struct session *s, const struct ast_node *n,
					   const struct derived_probe *dp)
{
	const struct derived_probe *owner;
	const struct dw_probe_site *site;
	const struct dw_object *last = NULL;

	if (!dp || n->kind != AST_CAST || n->u.target.module || n->u.target.cast_obj ||
	    compatible_at_most(s, 4, 2))
		return NULL;
	owner = dp->entry_of ? dp->entry_of : dp;
	for (site = dw_state(s)->sites; site; site = site->next)
		if (site->dp->body == owner->body && site->obj &&
		    site->obj->kind != DW_OBJ_KERNEL &&
		    dw_has_type(site->obj, n->u.target.type_name))
			return site->obj;
	for (site = dw_state(s)->sites; site; site = site->next) {
		struct dw_object *lib;

		if (site->dp->body != owner->body || !is_user_object(site->obj) ||
		    site->obj == last)
			continue;
		last = site->obj;	/* a program's sites follow each other */
		lib = up_library_with_type(s, site->obj, n->u.target.type_name, &n->loc);
		if (lib)
			return lib;
	}
	return NULL;
}

/* @cast, and @var("name@file"): code that does not depend on the probe site; dp is
 * the probe whose handler has n (NULL in a function). */
static int rewrite_static(struct session *s, struct ast_node *n, const struct derived_probe *dp,
			  bool quiet)
{
	struct dw_site none = { .no_regs = true };
	struct strbuf code = { 0 };
	enum ast_type type = TYPE_LONG;
	struct elab_cast cast = { 0 };
	struct ast_node *args;
	struct function *fn;
	const char *mod = n->u.target.module;
	struct dw_object *own = probe_cast_object(s, n, dp);
	/* @cast(p, "type", "/path/prog"), or in a process probe: a user program's type,
	 * its memory */
	bool user = own ? is_user_object(own) :
		    (n->kind == AST_CAST || n->kind == AST_ATVAR) && mod && strchr(mod, '/') &&
		    !strchr(mod, '<');
	struct dw_object *k = n->u.target.cast_obj ? n->u.target.cast_obj : own ? own :
			      user ? up_dwarf_object(s, mod, &n->loc) :
			      n->kind == AST_CAST ? dw_cast_object(s, mod, n->u.target.type_name,
								  &n->loc) :
			      dw_kernel(s, &n->loc);
	int n_args = count_index_exprs(n, &args);

	if (!k)
		return -1;
	if (target_c(s, k, &none, n, quiet, "target expression", &code, &type, false, &cast))
		return -1;
	if (quiet) {
		sb_free(&code);
		return 0;
	}
	if (n->kind == AST_CAST) {
		n->u.target.operand->next = args;
		args = n->u.target.operand;
		n_args++;
	}
	fn = synth_function(s, n, code.buf ? code.buf : "", type, n_args, false, user);
	elab_fn_info(s, fn)->cast = cast;
	sb_free(&code);
	become_call(n, fn, type, args);
	return 0;
}

/* the autocast e->a becomes @cast(e, <c's type>)->a */
static void to_cast(struct session *s, struct ast_node *n, const struct elab_cast *c)
{
	struct strbuf tn = { 0 };

	n->kind = AST_CAST;
	n->u.target.cast_obj = c->obj;
	n->u.target.cast_die = c->die;
	dw_die_type_name(c->obj, c->die, &tn);
	n->u.target.type_name = arena_strdup(&s->arena, tn.buf ? tn.buf : "?");
	sb_free(&tn);
}

int elab_autocast(struct session *s, struct ast_node *n, const struct elab_cast *c)
{
	to_cast(s, n, c);
	return rewrite_static(s, n, NULL, false);
}

/* @cast, @var("name@file"): the same code at any site; @var("name[@file]", "/path")
 * in a process probe is read at the probe's sites (relocated by their object's load
 * bias) */
static bool is_static_target_in(const struct ast_node *n, const struct derived_probe *dp)
{
	bool in_process = dp && !strcmp((dp->entry_of ? dp->entry_of : dp)->family->name,
					"process");

	return n->kind == AST_CAST || (n->kind == AST_ATVAR && strchr(n->u.target.name, '@') &&
				       !(in_process && user_module(n)));
}

static bool is_static_target(const struct ast_node *n)
{
	return is_static_target_in(n, NULL);
}

struct defined_walk {
	struct session *s;
	struct derived_probe *dp;
	bool ok;
};

/* one target expression of @defined's operand: does it resolve here? */
static enum ast_walk_rc defined_pre(struct ast_node *n, void *ctx)
{
	struct defined_walk *w = ctx;

	if (n->kind == AST_DEFINED || n->kind == AST_ENTRY)
		return AST_WALK_SKIP;
	if (n->kind != AST_TARGET && n->kind != AST_CAST && n->kind != AST_ATVAR)
		return AST_WALK_CONTINUE;
	if (n->kind == AST_TARGET && n->u.target.operand)
		return AST_WALK_CONTINUE;	/* an autocast: its operand may be one */
	if (is_static_target_in(n, w->dp))
		w->ok = rewrite_static(w->s, n, w->dp, true) == 0;
	else if (w->dp && n->kind == AST_TARGET && bpf_trace_defined(w->s, w->dp, n) >= 0)
		w->ok = bpf_trace_defined(w->s, w->dp, n) == 1;
	else
		w->ok = w->dp && rewrite_target(w->s, n, w->dp, true) == 0;
	return w->ok ? AST_WALK_SKIP : AST_WALK_STOP;
}

/* @defined(e): 1 if every target expression in e resolves at the probe dp (NULL in
 * a function), whatever kind of expression e is; nothing is rewritten */
static bool is_defined(struct session *s, struct ast_node *e, struct derived_probe *dp)
{
	struct defined_walk w = { .s = s, .dp = dp, .ok = true };
	const struct ast_walker walker = { .pre = defined_pre, .ctx = &w };

	if (e)
		ast_walk(e, &walker);
	return w.ok;
}

static void become_number(struct ast_node *n, int64_t v)
{
	n->kind = AST_NUMBER;
	n->type = TYPE_LONG;
	memset(&n->u, 0, sizeof(n->u));
	n->u.num = v;
}

/* a probe's $var or @var("name"); with --skip-badvars one that does not resolve is 0 */
static int probe_target(struct session *s, struct ast_node *n, struct derived_probe *dp)
{
	if (s->opt.skip_badvars && rewrite_target(s, n, dp, true)) {
		diag_warn(s, &n->loc, "Bad $context variable being substituted with literal 0");
		become_number(n, 0);
		return 0;
	}
	return rewrite_target(s, n, dp, false);
}

/* --runtime=bpf reads no kernel DWARF: @cast and @var are refused, not searched for,
 * but for @var("name") in a process probe (the program's DWARF) */
static int bpf_refused(struct session *s, const struct ast_node *n,
		       const struct derived_probe *dp)
{
	extern const struct probe_family uprobe_family;
	const struct ast_node *e = n->kind == AST_DEFINED ? n->u.operand : n;

	if (!s->opt.bpf || !e || !(is_static_target(e) || e->kind == AST_ATVAR))
		return 0;
	if (e->kind == AST_ATVAR && (!is_static_target_in(e, dp) || user_module(e)) && dp &&
	    (dp->entry_of ? dp->entry_of : dp)->family == &uprobe_family)
		return 0;
	if (user_module(e))
		return 0;	/* a user program's DWARF */
	/* @cast(p, "type", "/path/prog"), or without a module in a process probe whose
	 * program has the type: a user program's DWARF and memory */
	if (e->kind == AST_CAST && e->u.target.module && strchr(e->u.target.module, '/') &&
	    !strchr(e->u.target.module, '<'))
		return 0;
	if (e->kind == AST_CAST && is_user_object(probe_cast_object(s, e, dp)))
		return 0;
	diag_error(s, &e->loc, "%s is not supported by the BPF runtime (--runtime=bpf): it needs the kernel's DWARF",
		   e->kind == AST_CAST ? "@cast" : "@var");
	return -1;
}

int elab_target(struct session *s, struct ast_node *n, struct derived_probe *dp)
{
	if (bpf_refused(s, n, dp))
		return -1;
	if (is_static_target_in(n, dp))
		return rewrite_static(s, n, dp, false);
	if (n->kind == AST_ATVAR) {
		if (!dp) {
			diag_error(s, &n->loc, "@var(\"%s\") outside of a probe needs \"NAME@FILE\"",
				   n->u.target.name);
			return -1;
		}
		return probe_target(s, n, dp);
	}
	if (n->kind == AST_TARGET && dp && dp->family->context_var) {
		/* the family's own context variables, e.g. procfs's $value */
		int rc = dp->family->context_var(s, dp, n->u.target.name, n);

		if (rc)
			return rc < 0 ? -1 : 0;
	}
	if (n->kind == AST_TARGET) {
		if (!dp) {
			diag_error(s, &n->loc, "target variables are only available in probe handlers");
			return -1;
		}
		return probe_target(s, n, dp);
	}
	if (n->kind == AST_DEFINED) {
		become_number(n, is_defined(s, n->u.operand, dp));
		return 0;
	}
	if (n->kind == AST_ENTRY) {
		struct ast_node *e = n->u.operand, *next = n->next;

		if (dp && dp->entry_of) {
			/* nested in another @entry: already evaluated at the entry */
			*n = *e;
			n->next = next;
			return 0;
		}
		if (!dp || (dp->family->is_return ? !dp->family->is_return(dp) :
			    return_sites(s, dp) != 1)) {
			diag_error(s, &n->loc, "@entry is only valid in .return probes");
			return -1;
		}
		return entry_value(s, n, e, dp);
	}
	return 0;
}

/* A copy of the target expression n, read again by $x op= e and $x++: its index
 * expressions, evaluated twice, must be numbers or variables. NULL after reporting. */
static struct ast_node *copy_target(struct session *s, const struct ast_node *n)
{
	struct ast_node *c = ast_new(s, n->kind, &n->loc);
	struct target_comp **tail = &c->u.target.comps;
	const struct target_comp *k;

	c->u.target = n->u.target;
	c->u.target.comps = NULL;
	for (k = n->u.target.comps; k; k = k->next) {
		struct target_comp *d = arena_alloc(&s->arena, sizeof(*d));

		*d = *k;
		d->next = NULL;
		if (k->kind == COMP_INDEX_EXPR) {
			if (k->expr->kind != AST_IDENT && k->expr->kind != AST_NUMBER) {
				diag_error(s, &k->expr->loc, "an index of a target variable that is "
					   "read and written must be a number or a variable");
				return NULL;
			}
			d->expr = ast_new(s, k->expr->kind, &k->expr->loc);
			*d->expr = *k->expr;
			d->expr->next = NULL;
		}
		*tail = d;
		tail = &d->next;
	}
	return c;
}

/* The call of t's synthesized setter, __tvar_N(i0..., value): it writes value at
 * every site of dp and returns it. */
static struct ast_node *setter_call(struct session *s, struct ast_node *t,
				    struct derived_probe *dp, struct ast_node *value)
{
	struct strbuf code = { 0 };
	enum ast_type type = TYPE_LONG;
	struct ast_node *args;
	struct function *fn;
	struct param *p, **pt;
	int n_args;

	if (dp->family->context_write)
		return dp->family->context_write(s, dp, t, value);
	n_args = count_index_exprs(t, &args);
	if (site_code(s, dp, t, &code, &type, false, true, NULL)) {
		sb_free(&code);
		return NULL;
	}
	fn = synth_function(s, t, code.buf ? code.buf : "", TYPE_LONG, n_args, true, false);
	sb_free(&code);
	for (pt = &fn->params; *pt; pt = &(*pt)->next)
		;
	p = arena_alloc(&s->arena, sizeof(*p));
	p->name = strtab_intern(&s->arena, "value");
	p->type = TYPE_LONG;
	p->loc = t->loc;
	*pt = p;
	fn->n_params++;
	value->next = NULL;
	return ast_call(s, &t->loc, fn->name, ast_append(args, value));
}

int elab_target_write(struct session *s, struct ast_node *n, struct derived_probe *dp)
{
	struct ast_node *t = n->kind == AST_ASSIGN ? n->u.assign.lhs : n->u.incdec.operand;
	struct ast_node *value, *call, *next = n->next;
	enum ast_op op = n->kind == AST_ASSIGN ? n->u.assign.op :
			 n->u.incdec.op == OP_INC ? OP_ADD : OP_SUB;

	if (strcmp(t->u.target.name, "$return") && return_sites(s, dp)) {
		diag_error(s, &t->loc, "cannot write to %s in a .return probe: it is a value "
			   "saved at the function's entry", t->u.target.name);
		return -1;
	}
	if (op == OP_ASSIGN) {
		value = n->u.assign.rhs;
	} else {
		struct ast_node *old = copy_target(s, t);

		if (!old || (dp->family->context_write ? elab_target(s, old, dp) :
			     rewrite_target(s, old, dp, false)))
			return -1;
		value = ast_binary(s, &n->loc, op, old, n->kind == AST_ASSIGN ? n->u.assign.rhs :
				   ast_number(s, &n->loc, 1));
	}
	call = setter_call(s, t, dp, value);
	if (!call)
		return -1;
	if (n->kind == AST_INCDEC && n->u.incdec.post)	/* the value before */
		call = ast_binary(s, &n->loc, op == OP_ADD ? OP_SUB : OP_ADD, call,
				  ast_number(s, &n->loc, 1));
	*n = *call;
	n->next = next;
	return 0;
}

/* The value of a condition made of @defined, ! and && / ||, if it is one; the
 * operands are not rewritten. */
static int defined_value(struct session *s, const struct ast_node *c, struct derived_probe *dp)
{
	int l, r;

	if (!c)
		return -1;
	if (c->kind == AST_DEFINED) {
		struct ast_node *e = c->u.operand;

		if (!e || (e->kind == AST_TARGET && e->u.target.operand))
			return -1;	/* autocast: symbols.c decides */
		return is_defined(s, e, dp);
	}
	if (c->kind == AST_UNARY && c->u.unary.op == OP_NOT) {
		l = defined_value(s, c->u.unary.operand, dp);
		return l < 0 ? -1 : !l;
	}
	if (c->kind == AST_BINARY && (c->u.binary.op == OP_LAND || c->u.binary.op == OP_LOR)) {
		l = defined_value(s, c->u.binary.lhs, dp);
		r = l < 0 ? -1 : defined_value(s, c->u.binary.rhs, dp);
		if (r < 0)
			return -1;
		return c->u.binary.op == OP_LAND ? l && r : l || r;
	}
	return -1;
}

bool elab_target_elide(struct session *s, struct ast_node *n, struct derived_probe *dp)
{
	struct ast_node *keep, *next = n->next;
	int v;

	if (n->kind == AST_TERNARY) {
		v = defined_value(s, n->u.ternary.cond, dp);
		if (v < 0)
			return false;
		keep = v ? n->u.ternary.then : n->u.ternary.other;
	} else if (n->kind == AST_IF) {
		v = defined_value(s, n->u.cond.cond, dp);
		if (v < 0)
			return false;
		keep = v ? n->u.cond.then : n->u.cond.other;
		if (!keep) {
			memset(&n->u, 0, sizeof(n->u));
			n->kind = AST_NULL;
			return true;
		}
	} else {
		return false;
	}
	*n = *keep;
	n->next = next;
	return true;
}
