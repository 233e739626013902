/* Pass 2, step 2: resolve names. Identifiers become locals, parameters or globals;
 * calls become script/tapset functions or builtins; reachable functions and globals are
 * collected. Functions of the user script win over tapset functions of the same name. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "elaborate/elaborate.h"
#include "elaborate/target.h"
#include "tapsets/family.h"
#include "tapsets/perf.h"
#include "parse.h"
#include "util.h"

struct resolver {
	struct session *s;
	struct symbol **locals;		/* current scope's locals */
	int *n_locals;
	struct symbol *params;
	int n_keys;			/* of the array reference being resolved */
	struct function **fn_tail;	/* reachable functions list */
	struct global **glob_tail;
	struct symbol **gsym_tail;
	bool in_function;
	struct function *fn;		/* the function being resolved, or NULL */
	struct derived_probe *dp;	/* the probe being resolved */
	struct autocast **pending;	/* autocasts whose operand's type is not known yet */
	struct autocast **probewrites;	/* @probewrite(var), decided at the end */
};

/* e->a met before e's type was known (a loop assigns e later): tried again at the
 * end of resolution, with the resolver of its place */
struct autocast {
	struct ast_node *n;
	struct resolver r;
	struct autocast *next;
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

/* Functions and globals by name, built once: interned names hash by pointer. */
struct name_entry {
	const char *name;
	struct function **fns;		/* in file order (user script first) */
	int n_fns, cap_fns;
	struct global **globs;
	int n_globs, cap_globs;
};

struct name_index {
	struct name_entry *v;
	size_t cap;
};

static struct name_entry *name_slot(struct name_index *ix, const char *name, bool add)
{
	size_t h = ((uintptr_t)name >> 4) * 0x9e3779b97f4a7c15ULL, i;

	if (!ix->cap)
		return NULL;
	for (i = h & (ix->cap - 1);; i = (i + 1) & (ix->cap - 1)) {
		if (ix->v[i].name == name)
			return &ix->v[i];
		if (!ix->v[i].name) {
			if (!add)
				return NULL;
			ix->v[i].name = name;
			return &ix->v[i];
		}
	}
}

#define GROW(v, n, cap) do { if ((n) == (cap)) { (cap) = (cap) ? (cap) * 2 : 4; \
	(v) = xrealloc((v), (size_t)(cap) * sizeof(*(v))); } } while (0)

static void index_build(struct session *s, struct name_index *ix)
{
	struct stapfile *f;
	struct function *fn;
	struct global *g;
	size_t n = 0;

	for (f = s->prog.files; f; f = f->next) {
		for (fn = f->functions; fn; fn = fn->next)
			n++;
		for (g = f->globals; g; g = g->next)
			n++;
	}
	for (ix->cap = 64; ix->cap < n * 2; ix->cap *= 2)
		;
	ix->v = xcalloc(ix->cap, sizeof(*ix->v));
	for (f = s->prog.files; f; f = f->next) {
		for (fn = f->functions; fn; fn = fn->next) {
			struct name_entry *e = name_slot(ix, fn->name, true);

			GROW(e->fns, e->n_fns, e->cap_fns);
			e->fns[e->n_fns++] = fn;
		}
		for (g = f->globals; g; g = g->next) {
			struct name_entry *e = name_slot(ix, g->name, true);

			GROW(e->globs, e->n_globs, e->cap_globs);
			e->globs[e->n_globs++] = g;
		}
	}
}

static void index_free(struct name_index *ix)
{
	size_t i;

	for (i = 0; i < ix->cap; i++) {
		free(ix->v[i].fns);
		free(ix->v[i].globs);
	}
	free(ix->v);
}

static struct name_index *the_index(struct session *s)
{
	return s->prog.names;
}

static void mark_used(struct session *s, struct stapfile *f)
{
	if (f && !f->used) {
		f->used = true;
		s->prog.n_library_used += f->is_tapset;
	}
}

/* Globals of the user script first, then of tapsets; a private global only from its
 * file. Code of the tapsets (an alias's body among them) sees only the tapsets'
 * globals: `global n; probe syscall.* { n[name]++ }` keeps the alias's local n. */
static bool is_macro_file(const struct srcfile *f)
{
	size_t n = strlen(f->name);

	return n > 5 && !strcmp(f->name + n - 5, ".stpm");
}

static struct global *find_global(struct session *s, const char *name,
				  const struct srcfile *from)
{
	struct name_entry *e = name_slot(the_index(s), name, false);
	bool tapset_code = from && from->is_tapset;
	int i;

	for (i = 0; e && i < e->n_globs; i++) {
		struct global *g = e->globs[i];

		if (tapset_code && !g->file->is_tapset)
			continue;
		/* nor another library file's: argv.stp's argv is not the argv of execve's
		 * alias; a macro (.stpm) may name the globals of its library file */
		if (tapset_code && g->file->src != from && !is_macro_file(from))
			continue;
		if (!g->is_private || g->file->src == from) {
			mark_used(s, g->file);
			return g;
		}
	}
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

	/* parameters, then globals (a probe may hold an alias's local of a global's
	 * name, which only the alias's own code uses), then locals */
	if (!array && (sym = find_in(r->params, name)))
		return sym;
	g = find_global(r->s, name, id->loc.file);
	if (g)
		return use_global(r, g);
	if (!array && (sym = find_in(*r->locals, name)))
		return sym;
	if (array) {
		diag_error(r->s, &id->loc, "unresolved arity-%d global array %s, missing global declaration?",
			   r->n_keys, name);
		return NULL;
	}
	sym = new_symbol(r->s, name, SYM_LOCAL, &id->loc);
	sym->index = (*r->n_locals)++;
	sym->next = *r->locals;
	*r->locals = sym;
	return sym;
}

/* The functions a call of name with n_args arguments may run, best first: the same
 * name and arity, visible from the caller's file, in priority then declaration order
 * (user script before tapsets); linked through next_overload. */
static struct function *find_function(struct session *s, const char *name, int n_args,
				      const struct srcfile *from, bool *name_seen)
{
	struct function *head = NULL, **t, *fn;
	struct name_entry *e = name_slot(the_index(s), name, false);
	int i;

	*name_seen = false;
	for (i = 0; e && i < e->n_fns; i++) {
		fn = e->fns[i];
		if (fn->is_private && fn->file->src != from)
			continue;
		*name_seen = true;
		if (fn->n_params != n_args)
			continue;
		/* as 4.8's -vvv */
		if (s->opt.verbose > 2 && fn->is_tapset && fn->file && !fn->file->used)
			fprintf(stderr, "      function %s is defined in new-tapset-file %s\n",
				name, fn->file->src->name);
		mark_used(s, fn->file);
		for (t = &head; *t && (*t)->priority <= fn->priority; t = &(*t)->next_overload)
			;
		fn->next_overload = *t;
		*t = fn;
	}
	return head;
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

/* the variable or array an lvalue writes */
static struct symbol *lvalue_sym(const struct ast_node *n)
{
	if (!n)
		return NULL;
	if (n->kind == AST_IDENT)
		return n->u.ident.sym;
	if (n->kind == AST_INDEX && n->u.index.base->kind == AST_IDENT)
		return n->u.index.base->u.ident.sym;
	return NULL;
}

static void mark_written(const struct ast_node *n, bool also_read)
{
	struct symbol *sym = lvalue_sym(n);

	if (sym) {
		sym->written = true;
		sym->read |= also_read;
	}
}

static void resolve_array_ref(struct resolver *r, struct ast_node *base, int n_keys);

/* an assignment target: resolved without counting as a read */
static void resolve_lvalue(struct resolver *r, struct ast_node *n)
{
	if (!n)
		return;
	if (n->kind == AST_IDENT) {
		n->u.ident.sym = lookup(r, n, false);
		return;
	}
	if (n->kind == AST_INDEX && n->u.index.base->kind == AST_IDENT) {
		struct ast_node *k;

		r->n_keys = ast_list_len(n->u.index.keys);
		n->u.index.base->u.ident.sym = lookup(r, n->u.index.base, true);
		for (k = n->u.index.keys; k; k = k->next)
			resolve(r, k);
		return;
	}
	resolve(r, n);
}

static enum ast_walk_rc resolve_pre(struct ast_node *n, void *ctx);

/* a[1, *] is a slice only for delete, "in" and foreach; anywhere else an error */
static void no_wildcard(struct resolver *r, const struct ast_node *idx)
{
	const struct ast_node *k;

	for (k = idx->u.index.keys; k; k = k->next)
		if (k->kind == AST_NULL) {
			diag_error(r->s, &idx->u.index.base->loc, "wildcard not allowed in array index");
			return;
		}
}

static void resolve(struct resolver *r, struct ast_node *n)
{
	const struct ast_walker w = { .pre = resolve_pre, .ctx = r };

	ast_walk(n, &w);
}

static void resolve_list(struct resolver *r, struct ast_node *n)
{
	const struct ast_walker w = { .pre = resolve_pre, .ctx = r };

	ast_walk_list(n, &w);
}

static void resolve_function(struct resolver *r, struct function *fn);

static void resolve_call(struct resolver *r, struct ast_node *n)
{
	struct function *fn;
	int n_args = ast_list_len(n->u.call.args);

	bool seen;

	if (!strcmp(n->u.call.name, "@probewrite")) {
		struct autocast *a = arena_alloc(&r->s->arena, sizeof(*a));

		a->n = n;
		a->r = *r;
		a->next = *r->probewrites;
		*r->probewrites = a;
		return;
	}
	if (!strcmp(n->u.call.name, "@perf")) {
		const struct derived_probe *dp;

		for (dp = r->s->prog.probes; dp && !perf_has_counter(dp, n->u.call.args->u.str);
		     dp = dp->next)
			;
		if (!dp) {
			diag_error(r->s, &n->loc, "@perf(\"%s\"): no perf probe has "
				   ".counter(\"%s\")", n->u.call.args->u.str,
				   n->u.call.args->u.str);
			return;
		}
	}
	if (n->u.call.name[0] == '@')	/* @kderef(...): the tapset's __kderef(...) */
		n->u.call.name = strtab_intern(&r->s->arena, arena_printf(&r->s->arena, "__%s",
									 n->u.call.name + 1));
	resolve_list(r, n->u.call.args);
	if (elab_builtin(n->u.call.name) != BI_NONE)
		return;
	fn = find_function(r->s, n->u.call.name, n_args, n->loc.file, &seen);
	if (!fn && !seen && parse_library_rest(r->s) > 0) {
		/* a function of a library file pass 1 left out */
		index_free(the_index(r->s));
		index_build(r->s, the_index(r->s));
		fn = find_function(r->s, n->u.call.name, n_args, n->loc.file, &seen);
	}
	if (!fn && seen) {
		struct stapfile *f;
		struct function *g = NULL;

		for (f = r->s->prog.files; f; f = f->next)
			for (g = f->functions; g; g = g->next)
				if (g->name == n->u.call.name)
					goto found;
found:
		if (!g)
			return;
		diag_error(r->s, &n->loc, "arity mismatch found (function '%s' takes %d args)",
			   n->u.call.name, g->n_params);
		diag_note(r->s, &g->loc, "function '%s' declared here", g->name);
		return;
	}
	if (!fn) {
		unresolved_function(r, n);
		return;
	}
	n->u.call.fn = fn;
	for (; fn; fn = fn->next_overload)
		resolve_function(r, fn);
}

static void resolve_array_ref(struct resolver *r, struct ast_node *base, int n_keys)
{
	if (base->kind != AST_IDENT) {
		resolve(r, base);
		return;
	}
	r->n_keys = n_keys;
	base->u.ident.sym = lookup(r, base, true);
	if (base->u.ident.sym)
		base->u.ident.sym->read = true;
}

/* Is n made of @defined with !, && and ||? Such a condition becomes a number while it
 * is resolved (elaborate/target.c), so the code it rules out need not resolve. */
static bool is_guard(const struct ast_node *n)
{
	if (n->kind == AST_DEFINED)
		return true;
	if (n->kind == AST_UNARY && n->u.unary.op == OP_NOT)
		return is_guard(n->u.unary.operand);
	if (n->kind == AST_BINARY && (n->u.binary.op == OP_LAND || n->u.binary.op == OP_LOR))
		return is_guard(n->u.binary.lhs);
	return false;
}

static void to_number(struct ast_node *n, int64_t v)
{
	struct ast_node *next = n->next;

	memset(&n->u, 0, sizeof(n->u));
	n->kind = AST_NUMBER;
	n->type = TYPE_LONG;
	n->u.num = v;
	n->next = next;
}

/* `guard && e`, `guard || e`, `!guard`: fold what the guard decides, and leave the
 * operand it short-circuits unresolved: @defined($x) && $x->y with no $x is 0. */
static void resolve_guard(struct resolver *r, struct ast_node *n)
{
	struct ast_node *l, *rhs;

	if (n->kind == AST_UNARY) {
		resolve(r, n->u.unary.operand);
		if (n->u.unary.operand->kind == AST_NUMBER)
			to_number(n, !n->u.unary.operand->u.num);
		return;
	}
	l = n->u.binary.lhs;
	rhs = n->u.binary.rhs;
	resolve(r, l);
	if (l->kind == AST_NUMBER && (n->u.binary.op == OP_LAND) == !l->u.num) {
		to_number(n, n->u.binary.op == OP_LOR);
		return;
	}
	resolve(r, rhs);
	if (l->kind == AST_NUMBER && rhs->kind == AST_NUMBER)
		to_number(n, rhs->u.num != 0);	/* the guard did not decide: rhs does */
}

/* n (a ternary or if) becomes the branch keep, or an empty statement */
static void take_branch(struct ast_node *n, const struct ast_node *keep)
{
	struct ast_node *next = n->next;

	if (keep) {
		*n = *keep;
	} else {
		memset(&n->u, 0, sizeof(n->u));
		n->kind = AST_NULL;
	}
	n->next = next;
}

/* a ternary or if: one ruled out by @defined is replaced by the branch it keeps */
static void resolve_choice(struct resolver *r, struct ast_node *n)
{
	struct ast_node *cond, *then, *other;
	bool guard;

	if (elab_target_elide(r->s, n, r->in_function ? NULL : r->dp)) {
		resolve(r, n);	/* @defined(...) ? a : b, if (@defined(...)): the branch taken */
		return;
	}
	cond = n->kind == AST_IF ? n->u.cond.cond : n->u.ternary.cond;
	then = n->kind == AST_IF ? n->u.cond.then : n->u.ternary.then;
	other = n->kind == AST_IF ? n->u.cond.other : n->u.ternary.other;
	guard = is_guard(cond);
	resolve(r, cond);
	if (guard && cond->kind == AST_NUMBER) {
		take_branch(n, cond->u.num ? then : other);
		resolve(r, n);
		return;
	}
	resolve(r, then);
	resolve(r, other);
}

/* @count(x), @count(a[k]): x and a are statistics, not values read */
static void resolve_stat(struct resolver *r, struct ast_node *n)
{
	struct ast_node *o = n->u.stat.operand;

	if (o->kind == AST_IDENT) {
		o->u.ident.sym = lookup(r, o, false);
	} else if (o->kind == AST_INDEX) {
		no_wildcard(r, o);
		resolve_array_ref(r, o->u.index.base, ast_list_len(o->u.index.keys));
		resolve_list(r, o->u.index.keys);
	} else {
		resolve(r, o);
	}
	resolve_list(r, n->u.stat.params);
}

/* The DWARF type of the pointer n's value, if it came from a typed expression: a
 * target expression or @cast (through its synthesized function), a variable or a
 * function a typed pointer was assigned or returned (4.8's autocast). */
static const struct elab_cast *cast_of(const struct ast_node *n)
{
	const struct function *fn;

	if (!n)
		return NULL;
	if (n->kind == AST_CALL) {
		for (fn = n->u.call.fn; fn; fn = fn->next_overload)
			if (fn->info && fn->info->cast.obj)
				return &fn->info->cast;
		return NULL;
	}
	if (n->kind == AST_IDENT)
		return n->u.ident.sym && n->u.ident.sym->cast.obj ? &n->u.ident.sym->cast : NULL;
	if (n->kind == AST_TERNARY)
		return cast_of(n->u.ternary.then) ? cast_of(n->u.ternary.then) :
						    cast_of(n->u.ternary.other);
	if (n->kind == AST_ASSIGN && n->u.assign.op == OP_ASSIGN)
		return cast_of(n->u.assign.rhs);
	return NULL;
}

/* the value of e flows into sym (an assignment) or out of the function (a return) */
static void flow_cast(struct elab_cast *to, const struct ast_node *e)
{
	const struct elab_cast *c = cast_of(e);

	if (c && !to->obj)
		*to = *c;
}

static bool is_autocast(const struct ast_node *n)
{
	return n && n->kind == AST_TARGET && n->u.target.operand;
}

/* the call a target expression became: resolved like any call */
static void resolve_rewritten(struct resolver *r, struct ast_node *n)
{
	if (n->kind == AST_CALL && !name_slot(the_index(r->s), n->u.call.name, false)) {
		/* the new function is not indexed yet */
		index_free(the_index(r->s));
		index_build(r->s, the_index(r->s));
	}
	resolve(r, n);
}

/* e->a: @cast(e, <e's type>)->a once e's type is known, else tried again later */
static void resolve_autocast(struct resolver *r, struct ast_node *n)
{
	const struct elab_cast *c;
	struct autocast *a;

	resolve(r, n->u.target.operand);
	c = cast_of(n->u.target.operand);
	if (c) {
		if (!elab_autocast(r->s, n, c))
			resolve_rewritten(r, n);
		return;
	}
	a = arena_alloc(&r->s->arena, sizeof(*a));
	a->n = n;
	a->r = *r;
	a->next = *r->pending;
	*r->pending = a;
}

/* @defined(e->a): e->a as a @cast if e's type is known, else 0 */
static bool autocast_defined(struct resolver *r, struct ast_node *n)
{
	struct ast_node *e = n->u.operand;
	const struct elab_cast *c;

	resolve(r, e->u.target.operand);
	c = cast_of(e->u.target.operand);
	if (c) {
		struct ast_node *op = e->u.target.operand;

		e->kind = AST_CAST;
		e->u.target.cast_obj = c->obj;
		e->u.target.cast_die = c->die;
		e->u.target.type_name = "?";
		e->u.target.operand = op;
		return false;
	}
	n->kind = AST_NUMBER;
	n->type = TYPE_LONG;
	memset(&n->u, 0, sizeof(n->u));
	return true;
}

/* rewritten into a call of a synthesized function (elaborate/target.c) */
static void resolve_target(struct resolver *r, struct ast_node *n)
{
	if (is_autocast(n)) {
		resolve_autocast(r, n);
		return;
	}
	if (n->kind == AST_DEFINED && is_autocast(n->u.operand) && autocast_defined(r, n))
		return;
	if (elab_target(r->s, n, r->in_function ? NULL : r->dp))
		return;
	resolve_rewritten(r, n);
}

/* @probewrite(var) becomes 1 if var, as seen from its place, is written anywhere
 * in the program (an alias's body and the probes using it share their locals) */
static void finish_probewrites(struct session *s, struct autocast *list)
{
	for (; list; list = list->next) {
		struct ast_node *n = list->n, *id = n->u.call.args;
		struct symbol *sym = find_in(list->r.params, id->u.ident.name);
		struct global *g;

		if (!sym) {
			g = find_global(s, id->u.ident.name, id->loc.file);
			sym = g ? g->sym : find_in(*list->r.locals, id->u.ident.name);
		}
		n->kind = AST_NUMBER;
		n->type = TYPE_LONG;
		memset(&n->u, 0, sizeof(n->u));
		n->u.num = sym && sym->written;
	}
}

/* The autocasts left: those whose operand got its type later in the code, in as
 * many rounds as make progress; the others are errors, as in 4.8. */
static void finish_autocasts(struct resolver *top, struct autocast *list)
{
	struct autocast *a, *left;
	bool progress = true;

	while (list && progress) {
		progress = false;
		left = NULL;
		while (list) {
			const struct elab_cast *c;

			a = list;
			list = a->next;
			if (!is_autocast(a->n))
				continue;
			c = cast_of(a->n->u.target.operand);
			if (!c) {
				a->next = left;
				left = a;
				continue;
			}
			progress = true;
			a->r.fn_tail = top->fn_tail;
			a->r.glob_tail = top->glob_tail;
			a->r.gsym_tail = top->gsym_tail;
			if (!elab_autocast(top->s, a->n, c))
				resolve_rewritten(&a->r, a->n);
			top->fn_tail = a->r.fn_tail;
			top->glob_tail = a->r.glob_tail;
			top->gsym_tail = a->r.gsym_tail;
		}
		list = *top->pending;
		*top->pending = NULL;
		for (a = left; a; a = left) {
			left = a->next;
			a->next = list;
			list = a;
		}
	}
	for (a = list; a; a = a->next) {
		const struct target_comp *first = a->n->u.target.comps;

		if (!is_autocast(a->n))
			continue;
		diag_error(top->s, &first->loc, "unknown type in dereference");
		a->n->kind = AST_NUMBER;
		a->n->type = TYPE_LONG;
		memset(&a->n->u, 0, sizeof(a->n->u));
	}
}

/* a probe's $x written in guru mode (without -g, pass 2's checks report the write) */
static bool target_lvalue(const struct resolver *r, const struct ast_node *l)
{
	if (!r->s->opt.guru || r->in_function || !r->dp ||
	    (r->dp->family->context_var && !r->dp->family->context_write))
		return false;
	return l->kind == AST_TARGET && l->u.target.name[0] == '$';
}

/* rewritten into a call of a synthesized setter (elaborate/target.c) */
static void resolve_target_write(struct resolver *r, struct ast_node *n)
{
	if (elab_target_write(r->s, n, r->dp)) {
		memset(&n->u, 0, sizeof(n->u));
		n->kind = AST_NUMBER;
		n->type = TYPE_LONG;
		return;
	}
	index_free(the_index(r->s));
	index_build(r->s, the_index(r->s));
	resolve(r, n);
}

static void resolve_foreach(struct resolver *r, struct ast_node *n)
{
	struct ast_node *k;

	resolve_array_ref(r, n->u.foreach.array, ast_list_len(n->u.foreach.keys));
	if (n->u.foreach.slice) {
		resolve_list(r, n->u.foreach.slice);
		resolve_array_ref(r, n->u.foreach.array, ast_list_len(n->u.foreach.slice));
	}
	resolve_list(r, n->u.foreach.keys);
	resolve(r, n->u.foreach.value);
	for (k = n->u.foreach.keys; k; k = k->next)
		mark_written(k, false);
	mark_written(n->u.foreach.value, false);
	resolve(r, n->u.foreach.limit);
	resolve(r, n->u.foreach.body);
}

/* The kinds that resolve names, write variables or are rewritten do their children
 * themselves, in the order that creates symbols as systemtap does; the walker does
 * the children of the rest. */
static enum ast_walk_rc resolve_pre(struct ast_node *n, void *ctx)
{
	struct resolver *r = ctx;

	switch (n->kind) {
	case AST_IDENT:
		n->u.ident.sym = lookup(r, n, false);
		if (n->u.ident.sym)
			n->u.ident.sym->read = true;
		return AST_WALK_CONTINUE;
	case AST_INDEX:
		no_wildcard(r, n);
		resolve_array_ref(r, n->u.index.base, ast_list_len(n->u.index.keys));
		resolve_list(r, n->u.index.keys);
		return AST_WALK_SKIP;
	case AST_CALL:
		resolve_call(r, n);
		return AST_WALK_SKIP;
	case AST_BINARY:
		if ((n->u.binary.op != OP_LAND && n->u.binary.op != OP_LOR) || !is_guard(n))
			return AST_WALK_CONTINUE;
		resolve_guard(r, n);
		return AST_WALK_SKIP;
	case AST_UNARY:
		if (n->u.unary.op != OP_NOT || !is_guard(n))
			return AST_WALK_CONTINUE;
		resolve_guard(r, n);
		return AST_WALK_SKIP;
	case AST_INCDEC:
		if (target_lvalue(r, n->u.incdec.operand)) {
			resolve_target_write(r, n);
			return AST_WALK_SKIP;
		}
		resolve(r, n->u.incdec.operand);
		mark_written(n->u.incdec.operand, true);
		return AST_WALK_SKIP;
	case AST_ASSIGN:
		if (n->u.assign.op != OP_STAT_ADD && target_lvalue(r, n->u.assign.lhs)) {
			resolve_target_write(r, n);
			return AST_WALK_SKIP;
		}
		resolve(r, n->u.assign.rhs);
		if (n->u.assign.lhs->kind == AST_INDEX)
			no_wildcard(r, n->u.assign.lhs);
		resolve_lvalue(r, n->u.assign.lhs);
		if (n->u.assign.op == OP_ASSIGN && n->u.assign.lhs->kind == AST_IDENT &&
		    n->u.assign.lhs->u.ident.sym)
			flow_cast(&n->u.assign.lhs->u.ident.sym->cast, n->u.assign.rhs);
		mark_written(n->u.assign.lhs, n->u.assign.op != OP_ASSIGN &&
			     n->u.assign.op != OP_STAT_ADD);
		return AST_WALK_SKIP;
	case AST_TERNARY: case AST_IF:
		resolve_choice(r, n);
		return AST_WALK_SKIP;
	case AST_IN:
		resolve_list(r, n->u.in.keys);
		resolve_array_ref(r, n->u.in.array, ast_list_len(n->u.in.keys));
		return AST_WALK_SKIP;
	case AST_STAT:
		resolve_stat(r, n);
		return AST_WALK_SKIP;
	case AST_TARGET: case AST_CAST: case AST_ATVAR: case AST_DEFINED: case AST_ENTRY:
		resolve_target(r, n);
		return AST_WALK_SKIP;
	case AST_DELETE:
		resolve_lvalue(r, n->u.operand);
		mark_written(n->u.operand, false);
		return AST_WALK_SKIP;
	case AST_FOREACH:
		resolve_foreach(r, n);
		return AST_WALK_SKIP;
	case AST_TRY:
		resolve(r, n->u.try_.body);
		resolve_lvalue(r, n->u.try_.var);
		mark_written(n->u.try_.var, false);
		resolve(r, n->u.try_.handler);
		return AST_WALK_SKIP;
	case AST_RETURN:
		resolve(r, n->u.operand);
		if (r->fn)
			flow_cast(&elab_fn_info(r->s, r->fn)->cast, n->u.operand);
		return AST_WALK_SKIP;
	case AST_NUMBER: case AST_STRING: case AST_EMBEDDED_EXPR: case AST_EMBEDDED:
	case AST_NEXT: case AST_BREAK: case AST_CONTINUE: case AST_NULL: case AST_BLOCK:
	case AST_EXPR_STMT: case AST_WHILE: case AST_FOR:
		break;
	}
	return AST_WALK_CONTINUE;
}

static void resolve_function(struct resolver *r, struct function *fn)
{
	struct function_info *fi = elab_fn_info(r->s, fn);
	struct resolver sub;
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
	sub = *r;
	sub.locals = &fi->locals;
	sub.n_locals = &fi->n_locals;
	sub.params = fi->params;
	sub.in_function = true;
	sub.fn = fn;
	resolve(&sub, fn->body);
	r->fn_tail = sub.fn_tail;
	r->glob_tail = sub.glob_tail;
	r->gsym_tail = sub.gsym_tail;
}

int elab_resolve(struct session *s)
{
	struct autocast *pending = NULL, *probewrites = NULL;
	struct resolver r = {
		.s = s,
		.fn_tail = &s->prog.functions,
		.glob_tail = &s->prog.globals,
		.gsym_tail = &s->prog.global_syms,
		.pending = &pending,
		.probewrites = &probewrites,
	};
	struct derived_probe *dp, *prev, *first = NULL;
	struct name_index ix = { 0 };
	struct stapfile *f;
	struct global *g;
	int errors = s->diag.n_errors;

	index_build(s, &ix);
	s->prog.names = &ix;
	/* with -u, user globals exist even if unused */
	for (f = s->prog.files; f; f = f->next)
		if (!f->is_tapset && s->opt.keep_unused)
			for (g = f->globals; g; g = g->next)
				use_global(&r, g);
	for (dp = s->prog.probes; dp; dp = dp->next) {
		/* points of one probe share its body (and alias expansions theirs) */
		if (!first || first->probe != dp->probe)
			first = dp;
		for (prev = first; prev != dp; prev = prev->next)
			if (prev->body == dp->body)
				break;
		if (prev != dp) {
			dp->locals = prev->locals;
			dp->n_locals = prev->n_locals;
			continue;
		}
		if (s->opt.verbose > 2)	/* as 4.8's -vvv */
			fprintf(stderr, "symbol resolution for derived-probe %s /* <- %s */\n",
				dp->pp_str, elab_pp_str(s, dp->probe->points));
		r.locals = &dp->locals;
		r.n_locals = &dp->n_locals;
		r.dp = dp;
		r.params = NULL;
		resolve(&r, dp->cond);
		resolve(&r, dp->body);
	}
	r.dp = NULL;
	{
		struct autocast *list = pending;

		pending = NULL;
		finish_autocasts(&r, list);
	}
	finish_probewrites(s, probewrites);
	s->prog.names = NULL;
	index_free(&ix);
	return s->diag.n_errors > errors ? -1 : 0;
}
