/* Pass 2, step 2: resolve names. Identifiers become locals, parameters or globals;
 * calls become script/tapset functions or builtins; reachable functions and globals are
 * collected. Functions of the user script win over tapset functions of the same name. */
#include <string.h>

#include "elaborate/elaborate.h"
#include "util.h"

struct resolver {
	struct session *s;
	struct symbol **locals;		/* current scope's locals */
	int *n_locals;
	struct symbol *params;
	struct function **fn_tail;	/* reachable functions list */
	struct global **glob_tail;
	struct symbol **gsym_tail;
	bool in_function;
};

struct function_info *elab_fn_info(struct session *s, struct function *fn)
{
	if (!fn->info)
		fn->info = arena_alloc(&s->arena, sizeof(*fn->info));
	return fn->info;
}

static struct symbol *new_symbol(struct session *s, const char *name, enum sym_kind kind,
				 const struct srcloc *loc)
{
	struct symbol *sym = arena_alloc(&s->arena, sizeof(*sym));

	sym->name = name;
	sym->kind = kind;
	if (loc)
		sym->loc = *loc;
	return sym;
}

static struct symbol *find_in(struct symbol *list, const char *name)
{
	for (; list; list = list->next)
		if (list->name == name)
			return list;
	return NULL;
}

/* Globals of the user script first, then of tapsets; a private global only from its file. */
static struct global *find_global(struct session *s, const char *name,
				  const struct srcfile *from)
{
	struct stapfile *f;
	struct global *g;

	for (f = s->prog.files; f; f = f->next)
		for (g = f->globals; g; g = g->next)
			if (g->name == name && (!g->is_private || f->src == from))
				return g;
	return NULL;
}

static struct symbol *use_global(struct resolver *r, struct global *g)
{
	if (!g->sym) {
		g->sym = new_symbol(r->s, g->name, SYM_GLOBAL, &g->loc);
		g->sym->global = g;
		g->sym->n_keys = g->is_array ? -1 : 0;
		if (g->init)
			g->sym->type = g->init->type;
		*r->glob_tail = g;
		r->glob_tail = &g->next_used;
		*r->gsym_tail = g->sym;
		r->gsym_tail = &g->sym->next;
	}
	return g->sym;
}

static struct symbol *lookup(struct resolver *r, struct ast_node *id, bool array)
{
	const char *name = id->u.ident.name;
	struct symbol *sym;
	struct global *g;

	if (!array) {
		if ((sym = find_in(r->params, name)) || (sym = find_in(*r->locals, name)))
			return sym;
	}
	g = find_global(r->s, name, id->loc.file);
	if (g)
		return use_global(r, g);
	if (array) {
		diag_error(r->s, &id->loc, "unresolved arity (arrays must be declared global)");
		return NULL;
	}
	sym = new_symbol(r->s, name, SYM_LOCAL, &id->loc);
	sym->index = (*r->n_locals)++;
	sym->next = *r->locals;
	*r->locals = sym;
	return sym;
}

static struct function *find_function(struct session *s, const char *name,
				      const struct srcfile *from)
{
	struct stapfile *f;
	struct function *fn;

	for (f = s->prog.files; f; f = f->next)
		for (fn = f->functions; fn; fn = fn->next)
			if (fn->name == name && (!fn->is_private || f->src == from))
				return fn;
	return NULL;
}

static void unresolved_function(struct resolver *r, struct ast_node *n)
{
	struct strlist names = { 0 };
	struct stapfile *f;
	struct function *fn;
	char similar[256];
	static const char *const bi[] = {
		"print", "println", "printf", "printd", "printdln", "sprint",
		"sprintln", "sprintf", "sprintd", "sprintdln",
	};
	size_t i;

	for (i = 0; i < ARRAY_LEN(bi); i++)
		strlist_add(&names, bi[i]);
	for (f = r->s->prog.files; f; f = f->next)
		for (fn = f->functions; fn; fn = fn->next)
			strlist_add(&names, fn->name);
	diag_suggest(n->u.call.name, names.v, names.n, similar, sizeof(similar));
	strlist_free(&names);
	if (similar[0])
		diag_error(r->s, &n->loc, "unresolved function %s (similar: %s)",
			   n->u.call.name, similar);
	else
		diag_error(r->s, &n->loc, "unresolved function %s", n->u.call.name);
}

static void resolve(struct resolver *r, struct ast_node *n);

static void resolve_list(struct resolver *r, struct ast_node *n)
{
	for (; n; n = n->next)
		resolve(r, n);
}

static void resolve_function(struct resolver *r, struct function *fn);

static void resolve_call(struct resolver *r, struct ast_node *n)
{
	struct function *fn;
	int n_args = ast_list_len(n->u.call.args);

	resolve_list(r, n->u.call.args);
	if (elab_builtin(n->u.call.name) != BI_NONE)
		return;
	fn = find_function(r->s, n->u.call.name, n->loc.file);
	if (!fn) {
		unresolved_function(r, n);
		return;
	}
	if (fn->n_params != n_args) {
		diag_error(r->s, &n->loc, "arity mismatch: %s takes %d argument%s, given %d",
			   fn->name, fn->n_params, fn->n_params == 1 ? "" : "s", n_args);
		return;
	}
	n->u.call.fn = fn;
	resolve_function(r, fn);
}

static void resolve_array_ref(struct resolver *r, struct ast_node *base)
{
	if (base->kind != AST_IDENT) {
		resolve(r, base);
		return;
	}
	base->u.ident.sym = lookup(r, base, true);
}

static void resolve(struct resolver *r, struct ast_node *n)
{
	if (!n)
		return;
	switch (n->kind) {
	case AST_NUMBER:
	case AST_STRING:
	case AST_EMBEDDED_EXPR:
	case AST_EMBEDDED:
	case AST_NEXT:
	case AST_BREAK:
	case AST_CONTINUE:
	case AST_NULL:
		break;
	case AST_IDENT:
		n->u.ident.sym = lookup(r, n, false);
		break;
	case AST_INDEX:
		resolve_array_ref(r, n->u.index.base);
		resolve_list(r, n->u.index.keys);
		break;
	case AST_CALL:
		resolve_call(r, n);
		break;
	case AST_BINARY:
		resolve(r, n->u.binary.lhs);
		resolve(r, n->u.binary.rhs);
		break;
	case AST_UNARY:
		resolve(r, n->u.unary.operand);
		break;
	case AST_INCDEC:
		resolve(r, n->u.incdec.operand);
		break;
	case AST_ASSIGN:
		resolve(r, n->u.assign.rhs);
		resolve(r, n->u.assign.lhs);
		break;
	case AST_TERNARY:
		resolve(r, n->u.ternary.cond);
		resolve(r, n->u.ternary.then);
		resolve(r, n->u.ternary.other);
		break;
	case AST_IN:
		resolve_list(r, n->u.in.keys);
		resolve_array_ref(r, n->u.in.array);
		break;
	case AST_STAT:
		if (n->u.stat.operand->kind == AST_INDEX || n->u.stat.operand->kind == AST_IDENT) {
			struct ast_node *o = n->u.stat.operand;

			if (o->kind == AST_IDENT) {
				o->u.ident.sym = lookup(r, o, false);
			} else {
				resolve_array_ref(r, o->u.index.base);
				resolve_list(r, o->u.index.keys);
			}
		} else {
			resolve(r, n->u.stat.operand);
		}
		resolve_list(r, n->u.stat.params);
		break;
	case AST_TARGET:
	case AST_CAST:
	case AST_ATVAR:
		diag_error(r->s, &n->loc, "target variables are not supported yet");
		break;
	case AST_DEFINED:
	case AST_ENTRY:
		diag_error(r->s, &n->loc, "@defined and @entry are not supported yet");
		break;
	case AST_BLOCK:
		resolve_list(r, n->u.block.stmts);
		break;
	case AST_EXPR_STMT:
	case AST_DELETE:
	case AST_RETURN:
		resolve(r, n->u.operand);
		break;
	case AST_IF:
		resolve(r, n->u.cond.cond);
		resolve(r, n->u.cond.then);
		resolve(r, n->u.cond.other);
		break;
	case AST_WHILE:
	case AST_FOR:
		resolve(r, n->u.loop.init);
		resolve(r, n->u.loop.cond);
		resolve(r, n->u.loop.incr);
		resolve(r, n->u.loop.body);
		break;
	case AST_FOREACH:
		resolve_array_ref(r, n->u.foreach.array);
		resolve_list(r, n->u.foreach.keys);
		resolve(r, n->u.foreach.value);
		resolve(r, n->u.foreach.limit);
		resolve(r, n->u.foreach.body);
		break;
	case AST_TRY:
		resolve(r, n->u.try_.body);
		resolve(r, n->u.try_.var);
		resolve(r, n->u.try_.handler);
		break;
	}
}

static void resolve_function(struct resolver *r, struct function *fn)
{
	struct function_info *fi = elab_fn_info(r->s, fn);
	struct resolver sub = *r;
	struct symbol **ptail = &fi->params;
	struct param *p;
	int i = 0;

	if (fi->reachable)
		return;
	fi->reachable = true;
	*r->fn_tail = fn;
	r->fn_tail = &fn->next_used;
	for (p = fn->params; p; p = p->next) {
		struct symbol *sym = new_symbol(r->s, p->name, SYM_PARAM, &p->loc);

		sym->type = p->type;
		if (p->type != TYPE_UNKNOWN)
			sym->type_loc = p->loc;
		sym->index = i++;
		*ptail = sym;
		ptail = &sym->next;
	}
	if (fn->body->kind == AST_EMBEDDED && !fn->is_tapset && !r->s->opt.guru)
		diag_error(r->s, &fn->body->loc, "embedded code in a user script needs guru mode (-g)");
	sub.locals = &fi->locals;
	sub.n_locals = &fi->n_locals;
	sub.params = fi->params;
	sub.in_function = true;
	resolve(&sub, fn->body);
	r->fn_tail = sub.fn_tail;
	r->glob_tail = sub.glob_tail;
	r->gsym_tail = sub.gsym_tail;
}

int elab_resolve(struct session *s)
{
	struct resolver r = {
		.s = s,
		.fn_tail = &s->prog.functions,
		.glob_tail = &s->prog.globals,
		.gsym_tail = &s->prog.global_syms,
	};
	struct derived_probe *dp, *prev;
	struct stapfile *f;
	struct global *g;
	int errors = s->diag.n_errors;

	/* user globals exist even if unused (they are printed at the end if never read) */
	for (f = s->prog.files; f; f = f->next)
		if (!f->is_tapset)
			for (g = f->globals; g; g = g->next)
				use_global(&r, g);
	for (dp = s->prog.probes; dp; dp = dp->next) {
		for (prev = s->prog.probes; prev != dp; prev = prev->next)
			if (prev->body == dp->body)
				break;
		if (prev != dp) {
			dp->locals = prev->locals;
			dp->n_locals = prev->n_locals;
			continue;
		}
		r.locals = &dp->locals;
		r.n_locals = &dp->n_locals;
		r.params = NULL;
		resolve(&r, dp->cond);
		resolve(&r, dp->body);
	}
	return s->diag.n_errors > errors ? -1 : 0;
}
