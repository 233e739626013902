/* Pass 2: target expressions. Each $var chain of a probe handler becomes a call of a
 * synthesized embedded-C function "__tvar_N" whose body dispatches on the probe site
 * (a wildcard probe has one site per function, each with its own DWARF locations) and
 * reads through the fault-safe runtime helpers. @defined(e) becomes 1 or 0. */
#include <stdlib.h>
#include <string.h>

#include "dwarf/dwarf.h"
#include "elaborate/target.h"
#include "tapsets/family.h"
#include "translate/emit.h"
#include "util.h"

/* The file holding the synthesized functions, created on first use. */
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

/* A value of the function's entry in a .return probe: the kretprobe's entry handler
 * saves it (code `one`, evaluated at the entry address) in a slot of the instance's
 * data, which the return handler reads. */
static int entry_slot(struct session *s, struct dw_probe_site *site, struct ast_node *n,
		      struct strbuf *one, enum ast_type t, bool quiet, const char **err)
{
	const struct target_comp *c;
	const char **v;

	if (t != TYPE_LONG) {
		*err = arena_printf(&s->arena, "%s in a .return probe is its value at entry, "
				    "which must be a number (not a string) to be saved",
				    n->u.target.name);
		return -1;
	}
	for (c = n->u.target.comps; c; c = c->next)
		if (c->kind == COMP_INDEX_EXPR) {
			*err = "an entry value cannot use an index computed by the script";
			return -1;
		}
	if (site->n_entry >= DW_MAX_ENTRY) {
		*err = "too many entry values in one .return probe";
		return -1;
	}
	if (!quiet) {
		v = arena_alloc(&s->arena, (size_t)(site->n_entry + 1) * sizeof(*v));
		if (site->n_entry)
			memcpy(v, site->entry_code, (size_t)site->n_entry * sizeof(*v));
		v[site->n_entry] = arena_strdup(&s->arena, one->buf ? one->buf : "");
		site->entry_code = v;
	}
	sb_free(one);
	sb_printf(one, "\tif (!_STP_ENTRY_OK(%d))\n"
		  "\t\tSTAP_ERROR(\"cannot read %%s at the function's entry\", what_);\n"
		  "\tSTAP_RETVALUE = _STP_ENTRY(%d);\n", site->n_entry, site->n_entry);
	if (!quiet)
		site->n_entry++;
	return 0;
}

/* Code for every site of the probes sharing dp's body; *type from the first.
 * at_entry: the value at the function's entry (@entry, or any but $return in a
 * .return probe). */
static int site_code(struct session *s, struct derived_probe *dp, struct ast_node *n,
		     struct strbuf *code, enum ast_type *type, bool quiet, bool at_entry)
{
	struct dw_kernel *k = dw_state(s);
	struct dw_probe_site *site;
	int n_sites = 0;

	for (site = k->sites; site; site = site->next) {
		struct dw_site ds = { .fn = site->fn, .addr = site->addr,
				      .is_return = site->is_return,
				      .is_tracepoint = site->tp != NULL };
		struct strbuf one = { 0 };
		struct dw_kernel *obj = site->obj ? site->obj : k;
		const char *err = NULL;
		enum ast_type t;
		bool entry;

		if (site->dp->body != dp->body)
			continue;
		if (!site->fn || !obj->dw) {
			if (!quiet)
				diag_error(s, &n->loc, "target variables are not available in %s "
					   "(no debuginfo for this probe point)", site->pp);
			return -1;
		}
		if (at_entry && !site->is_return) {
			if (!quiet)
				diag_error(s, &n->loc, "@entry is only available in .return probes");
			return -1;
		}
		entry = site->is_return && n->kind == AST_TARGET &&
			(at_entry || strcmp(n->u.target.name, "$return"));
		if (entry) {
			ds.addr = site->fn->addr;
			ds.is_return = false;
			ds.in_entry = true;
		}
		if (dw_target_code(s, obj, &ds, n, &one, &t, &err) ||
		    (entry && entry_slot(s, site, n, &one, t, quiet, &err))) {
			if (!quiet)
				diag_error(s, &n->loc, "%s", err ? err : "cannot resolve target variable");
			sb_free(&one);
			return -1;
		}
		if (n_sites++ == 0)
			*type = t;
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

/* __tvar_N(i0, i1...) or, for @cast, __tvar_N(ptr, i0...): dispatching on the probe
 * site, or not for code that does not depend on it. */
static struct function *synth_function(struct session *s, struct ast_node *n,
				       const char *code, enum ast_type type, int n_args,
				       bool dispatch)
{
	struct stapfile *f = synth_file(s);
	struct function *fn = arena_alloc(&s->arena, sizeof(*fn));
	struct dw_kernel *k = dw_state(s);
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
	if (dispatch)
		fn->body->u.str = arena_printf(&s->arena,
			"\tconst char *what_ __attribute__((unused)) = %s;\n"
			"\tswitch (_STP_SITE(CONTEXT)) {\n%s"
			"\tdefault:\n\t\tSTAP_ERROR(\"internal error: no target variable code for this probe\");\n"
			"\t}\n", what, code);
	else
		fn->body->u.str = arena_printf(&s->arena,
			"\tconst char *what_ __attribute__((unused)) = %s;\n{\n%s}\n", what, code);
	free(what);
	fn->next = f->functions;
	f->functions = fn;
	return fn;
}

static int rewrite_target(struct session *s, struct ast_node *n, struct derived_probe *dp,
			  bool quiet, bool at_entry)
{
	struct strbuf code = { 0 };
	enum ast_type type = TYPE_LONG;
	struct ast_node *args;
	struct function *fn;
	int n_args = count_index_exprs(n, &args);

	if (site_code(s, dp, n, &code, &type, quiet, at_entry)) {
		sb_free(&code);
		return -1;
	}
	if (quiet) {
		sb_free(&code);
		return 0;
	}
	fn = synth_function(s, n, code.buf ? code.buf : "", type, n_args, true);
	sb_free(&code);
	n->kind = AST_CALL;
	n->type = type;
	memset(&n->u, 0, sizeof(n->u));
	n->u.call.name = fn->name;
	n->u.call.args = args;
	return 0;
}

/* @cast, and @var("name@file"): code that does not depend on the probe site. */
static int rewrite_static(struct session *s, struct ast_node *n, bool quiet)
{
	struct dw_site none = { .no_regs = true };
	struct strbuf code = { 0 };
	enum ast_type type = TYPE_LONG;
	struct ast_node *args;
	struct function *fn;
	const char *err = NULL;
	struct dw_kernel *k = dw_kernel(s, &n->loc);
	int n_args = count_index_exprs(n, &args);

	if (!k)
		return -1;
	if (dw_target_code(s, k, &none, n, &code, &type, &err)) {
		if (!quiet)
			diag_error(s, &n->loc, "%s", err ? err : "cannot resolve target expression");
		sb_free(&code);
		return -1;
	}
	if (quiet) {
		sb_free(&code);
		return 0;
	}
	if (n->kind == AST_CAST) {
		n->u.target.operand->next = args;
		args = n->u.target.operand;
		n_args++;
	}
	fn = synth_function(s, n, code.buf ? code.buf : "", type, n_args, false);
	sb_free(&code);
	n->kind = AST_CALL;
	n->type = type;
	memset(&n->u, 0, sizeof(n->u));
	n->u.call.name = fn->name;
	n->u.call.args = args;
	return 0;
}

static bool is_static_target(const struct ast_node *n)
{
	return n->kind == AST_CAST || (n->kind == AST_ATVAR && strchr(n->u.target.name, '@'));
}

int elab_target(struct session *s, struct ast_node *n, struct derived_probe *dp)
{
	if (is_static_target(n))
		return rewrite_static(s, n, false);
	if (n->kind == AST_ATVAR) {
		if (!dp) {
			diag_error(s, &n->loc, "@var(\"%s\") outside of a probe needs \"NAME@FILE\"",
				   n->u.target.name);
			return -1;
		}
		return rewrite_target(s, n, dp, false, false);
	}
	if (n->kind == AST_TARGET && dp && !strcmp(dp->family->name, "procfs") &&
	    !strcmp(n->u.target.name, "$value") && !n->u.target.comps && !n->u.target.addr) {
		/* procfs: $value is the file's text, a string local that
		 * translate.c fills from and copies back to the file */
		n->kind = AST_IDENT;
		memset(&n->u, 0, sizeof(n->u));
		n->u.ident.name = strtab_intern(&s->arena, "__procfs_value");
		return 0;
	}
	if (n->kind == AST_TARGET) {
		if (!dp) {
			diag_error(s, &n->loc, "target variables are only available in probe handlers");
			return -1;
		}
		return rewrite_target(s, n, dp, false, false);
	}
	if (n->kind == AST_DEFINED) {
		struct ast_node *e = n->u.operand;
		/* @defined of anything but a target expression: defined if it resolves */
		bool ok = !e || (is_static_target(e) ? rewrite_static(s, e, true) == 0 :
				 e->kind != AST_TARGET && e->kind != AST_ATVAR) ||
			  (dp && rewrite_target(s, e, dp, true, false) == 0);

		n->kind = AST_NUMBER;
		n->type = TYPE_LONG;
		memset(&n->u, 0, sizeof(n->u));
		n->u.num = ok;
		return 0;
	}
	if (n->kind == AST_ENTRY) {
		struct ast_node *e = n->u.operand, *next = n->next;

		if (!e || e->kind != AST_TARGET) {
			diag_error(s, &n->loc, "@entry of an expression other than a target "
				   "variable is not supported yet");
			return -1;
		}
		if (!dp) {
			diag_error(s, &n->loc, "@entry is only available in probe handlers");
			return -1;
		}
		if (rewrite_target(s, e, dp, false, true))
			return -1;
		*n = *e;	/* the call of the synthesized function */
		n->next = next;
		return 0;
	}
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

		if (!e)
			return -1;
		if (is_static_target(e))
			return rewrite_static(s, e, true) == 0;
		if (e->kind != AST_TARGET && e->kind != AST_ATVAR)
			return -1;
		return dp && rewrite_target(s, e, dp, true, false) == 0;
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
