/* Pass 2, step 1: turn each probe point of the user's probes into derived probes.
 * A point naming a probe alias (probe syscall.open = kernel.function(...) { ... }) is
 * replaced by the alias's own points, with the alias body run before (prologue, "=")
 * or after (epilogue, "+=") the user's; wildcards ("syscall.*", "sys**") match alias
 * names; extra components after an alias name are carried over ("a.b.return" with
 * alias "a.b"). Whatever is left is asked of the probe families in registry order. */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/bpf.h"
#include "elaborate/elaborate.h"
#include "tapsets/family.h"
#include "tapsets/syscall.h"
#include "parse.h"
#include "util.h"

#define MAX_ALIAS_DEPTH 32

struct alias_ref {
	struct probe *pr;
	const struct probe_point *name;
	struct stapfile *file;
};

struct expander {
	struct session *s;
	struct alias_ref *aliases;
	size_t n_aliases;
	struct derived_probe **tail;
	const struct probe *stack[MAX_ALIAS_DEPTH];
	const char *alias_pp[MAX_ALIAS_DEPTH];	/* the concrete alias point expanded */
	int depth;
};

const char *elab_pp_str(struct session *s, const struct probe_point *pp)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	const char *out;

	if (!f)
		return "?";
	ast_dump_point(f, pp);
	fclose(f);
	out = arena_strdup(&s->arena, buf ? buf : "");
	free(buf);
	return out;
}

const struct symbol *elab_probe_find_local(const struct derived_probe *dp, const char *name)
{
	const struct symbol *l;

	for (l = dp->locals; l; l = l->next)
		if (l->name == name)
			return l;
	return NULL;
}

struct symbol *elab_probe_local(struct session *s, struct derived_probe *dp,
				const char *name, const struct srcloc *loc)
{
	struct symbol *sym = (struct symbol *)elab_probe_find_local(dp, name);

	if (!sym) {
		sym = arena_alloc(&s->arena, sizeof(*sym));
		sym->name = name;
		sym->kind = SYM_LOCAL;
		sym->loc = *loc;
		sym->index = dp->n_locals++;
		sym->next = dp->locals;
		dp->locals = sym;
	}
	sym->external = true;
	return sym;
}

static bool same_literal(const struct ast_node *a, const struct ast_node *b)
{
	if (!a || !b)
		return a == b;
	if (a->kind != b->kind)
		return false;
	if (a->kind == AST_NUMBER)
		return a->u.num == b->u.num;
	return a->kind == AST_STRING && !strcmp(a->u.str, b->u.str);
}

static bool comp_matches(const struct pp_comp *pc, const struct pp_comp *ac)
{
	if (fnmatch(pc->name, ac->name, 0))
		return false;
	if (pc->has_arg != ac->has_arg)
		return false;
	return !pc->has_arg || same_literal(pc->arg, ac->arg);
}

/* Does the point pc match the alias name ac? With full, every component must be used;
 * otherwise *rest gets the point's components beyond the alias name. */
static bool match_comps(const struct pp_comp *pc, const struct pp_comp *ac, bool full,
			const struct pp_comp **rest)
{
	if (!ac) {
		*rest = pc;
		return full ? pc == NULL : pc != NULL;
	}
	if (!pc)
		return false;
	if (!strcmp(pc->name, "**")) {
		if (match_comps(pc->next, ac, full, rest))
			return true;
		return match_comps(pc, ac->next, full, rest);
	}
	return comp_matches(pc, ac) && match_comps(pc->next, ac->next, full, rest);
}

static bool has_wildcard(const struct probe_point *pp)
{
	const struct pp_comp *c;

	for (c = pp->comps; c; c = c->next)
		if (strpbrk(c->name, "*?["))
			return true;
	return false;
}

static struct pp_comp *copy_comps(struct session *s, const struct pp_comp *c,
				  const struct pp_comp *tail)
{
	struct pp_comp *head = NULL, **t = &head;
	int pass;

	for (pass = 0; pass < 2; pass++, c = tail) {
		for (; c; c = c->next) {
			struct pp_comp *n = arena_alloc(&s->arena, sizeof(*n));

			*n = *c;
			n->next = NULL;
			*t = n;
			t = &n->next;
		}
	}
	return head;
}

static struct ast_node *and_cond(struct session *s, const struct ast_node *a,
				 const struct ast_node *b)
{
	if (!a)
		return ast_copy(s, b);
	if (!b)
		return ast_copy(s, a);
	return ast_binary(s, &a->loc, OP_LAND, ast_copy(s, a), ast_copy(s, b));
}

/* The body of an alias expansion: alias body before (prologue) or after (epilogue) the
 * body it wraps. Both are copied: each expansion gets its own locals. */
static struct ast_node *combine(struct session *s, const struct probe *alias,
				const struct ast_node *inner)
{
	struct ast_node *a = ast_copy(s, alias->body), *u = ast_copy(s, inner);

	if (alias->is_epilogue) {
		u->next = a;
		return ast_block(s, &inner->loc, u);
	}
	a->next = u;
	return ast_block(s, &alias->body->loc, a);
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* One component of a probe point shape, for suggestions: arg 0 none, 1 required,
 * 2 optional; optional: the point may leave it out. */
struct pat_comp {
	const char *name;
	int arg;
	bool optional;
};

#define MAX_PAT 8

/* How many of comps the pattern pat (n long) matches from the start; the names it
 * would have taken where it stopped go to cands. */
static size_t pat_walk(const struct pat_comp *pat, size_t n, const struct pp_comp *comps,
		       struct strlist *cands)
{
	const struct pp_comp *c = comps;
	size_t i = 0, k = 0, mark = cands->n;

	while (c && i < n) {
		const struct pat_comp *pc = &pat[i];
		bool ok = !strcmp(pc->name, c->name) &&
			  !(pc->arg == 1 && !c->has_arg) && !(pc->arg == 0 && c->has_arg);

		if (ok) {
			cands->n = mark;	/* forget the optional ones skipped */
			i++;
			k++;
			c = c->next;
			continue;
		}
		strlist_add(cands, pc->name);
		if (!pc->optional)
			break;
		i++;
	}
	if (!c)
		cands->n = mark;
	return k;
}

/* "kernel.function(string).return" as a pattern; its length */
static size_t pat_of_point(struct session *s, const char *point, struct pat_comp *pat)
{
	size_t n = 0;
	const char *p = point;

	while (*p && n < MAX_PAT) {
		size_t len = strcspn(p, ".(");

		pat[n].name = arena_strndup(&s->arena, p, len);
		pat[n].optional = false;
		pat[n].arg = p[len] == '(';
		p += len;
		if (*p == '(')
			p = strchr(p, ')') ? strchr(p, ')') + 1 : p + strlen(p);
		if (*p == '.')
			p++;
		n++;
	}
	return n;
}

/* Keep the candidates of the patterns that match the most components. */
static void pat_best(const struct pat_comp *pat, size_t n, const struct pp_comp *comps,
		     struct strlist *cands, struct strlist *best, size_t *best_k)
{
	size_t k, i;

	cands->n = 0;
	k = pat_walk(pat, n, comps, cands);
	if (!cands->n) {
		/* every component fits this pattern: no component is misspelt */
		best->n = 0;
		*best_k = SIZE_MAX - 1;
		return;
	}
	if (*best_k == SIZE_MAX - 1)
		return;
	if (k > *best_k || *best_k == (size_t)-1) {
		best->n = 0;
		*best_k = k;
	}
	if (k == *best_k)
		for (i = 0; i < cands->n; i++)
			strlist_add(best, cands->v[i]);
}

/* A point nothing takes: the component where every shape, family point and alias
 * name stops matching gets the suggestions, as 4.8 gives them
 * (kernel.functoin -> "similar: function, statement, trace"). */
static void unmatched(struct expander *e, const struct probe_point *pp)
{
	struct strlist cands = { 0 }, best = { 0 };
	struct pat_comp pat[MAX_PAT];
	const struct pp_comp *at = pp->comps;
	size_t best_k = (size_t)-1, i, j, n;
	char similar[256];

	for (i = 0; i < n_families; i++) {
		const struct probe_family *f = family_registry[i];

		for (j = 0; f->shapes && j < f->n_shapes; j++) {
			const struct pp_spec *sp = f->shapes[j].comps;

			for (n = 0; n < PP_MAX_SPECS && sp[n].name; n++) {
				pat[n].name = sp[n].name;
				pat[n].optional = sp[n].optional;
				pat[n].arg = sp[n].arg == PP_ARG_NONE ? 0 :
					     sp[n].arg == PP_ARG_NUMBER || sp[n].arg == PP_ARG_STRING ? 1 : 2;
			}
			pat_best(pat, n, pp->comps, &cands, &best, &best_k);
		}
		for (j = 0; f->points && f->points[j]; j++) {
			n = pat_of_point(e->s, f->points[j], pat);
			pat_best(pat, n, pp->comps, &cands, &best, &best_k);
		}
		if (!f->shapes && !f->points) {
			pat[0].name = f->name;
			pat[0].arg = 2;
			pat[0].optional = false;
			pat_best(pat, 1, pp->comps, &cands, &best, &best_k);
		}
	}
	for (i = 0; i < e->n_aliases; i++) {
		const struct pp_comp *a = e->aliases[i].name->comps;

		for (n = 0; a && n < MAX_PAT; a = a->next, n++) {
			pat[n].name = a->name;
			pat[n].arg = a->has_arg;
			pat[n].optional = false;
		}
		pat_best(pat, n, pp->comps, &cands, &best, &best_k);
	}
	similar[0] = '\0';
	if (best.n && best_k != (size_t)-1) {
		for (i = 0; i < best_k && at->next; i++)
			at = at->next;
		/* ties in the suggestions go by name, not by where they are declared */
		qsort(best.v, best.n, sizeof(*best.v), cmp_name);
		for (i = j = 0; i < best.n; i++)	/* without duplicates */
			if (!j || strcmp(best.v[j - 1], best.v[i]))
				best.v[j++] = best.v[i];
		diag_suggest(at->name, best.v, j, similar, sizeof(similar));
		for (i = 0; i < j; i++)
			if (!strcmp(best.v[i], at->name)) {
				/* the name is right, its argument not (timer.ms): it comes
				 * first, then four others, as in 4.8 */
				char *cut, with[256];
				int k = 0;

				snprintf(with, sizeof(with), "%s%s%s", at->name,
					 similar[0] ? ", " : "", similar);
				for (cut = with; (cut = strchr(cut, ',')) && ++k < 5; cut++)
					;
				if (cut)
					*cut = '\0';
				snprintf(similar, sizeof(similar), "%s", with);
				break;
			}
	}
	strlist_free(&cands);
	strlist_free(&best);
	diag_error(e->s, &pp->loc, "while resolving probe point");
	if (best_k != (size_t)-1 && !similar[0]) {
		/* every component fits a family's shape: ask it what was meant */
		for (i = 0; i < n_families; i++) {
			const char *alt = family_registry[i]->similar ?
					  family_registry[i]->similar(e->s, pp) : NULL;

			if (alt && alt[0]) {
				diag_plain(e->s, "semantic error", "no match (%s)", alt);
				return;
			}
			if (alt) {
				diag_plain(e->s, "semantic error", "no match");
				return;
			}
		}
	}
	if (similar[0])
		diag_note(e->s, at->loc.line ? &at->loc : &pp->loc,
			  "probe point mismatch (similar: %s)", similar);
	else
		diag_note(e->s, &pp->loc, "probe point mismatch");
}

static int derive(struct expander *e, struct probe *user, const struct probe_point *pp,
		  const struct ast_node *body);

/* -vv, as 4.8's: "derive-probes (location #N): POINT of TOKEN at FILE:LINE:COL" */
static void say_derive(struct session *s, int i, const struct probe_point *pp,
		       const struct srcloc *of)
{
	if (s->opt.verbose < 2)
		return;
	fprintf(stderr, "derive-probes (location #%d): %s", i, elab_pp_str(s, pp));
	if (of && of->file)
		fprintf(stderr, " of %s at %s:%d:%d", of->tok ? of->tok : "token", of->file->name,
			of->line, of->col);
	fputc('\n', stderr);
}

/* Expand pp through one alias; returns probes derived, or -1. */
static int expand_alias(struct expander *e, struct probe *user, const struct probe_point *pp,
			const struct alias_ref *ar, const struct pp_comp *rest,
			const struct ast_node *body)
{
	const struct probe_point *t;
	struct ast_node *nb;
	int i, total = 0, rc;

	for (i = 0; i < e->depth; i++) {
		if (e->stack[i] == ar->pr) {
			diag_error(e->s, &pp->loc, "recursive loop in alias expansion of '%s'",
				   elab_pp_str(e->s, ar->name));
			return -1;
		}
	}
	if (e->depth >= MAX_ALIAS_DEPTH) {
		diag_error(e->s, &pp->loc, "alias expansion nested too deeply");
		return -1;
	}
	if (!ar->file->used) {
		ar->file->used = true;
		e->s->prog.n_library_used += ar->file->is_tapset;
	}
	ar->pr->expanded = true;
	nb = combine(e->s, ar->pr, body ? body : user->body);
	{
		struct probe_point concrete = *ar->name;

		concrete.comps = copy_comps(e->s, ar->name->comps, rest);
		concrete.cond = NULL;
		e->alias_pp[e->depth] = elab_pp_str(e->s, &concrete);
	}
	e->stack[e->depth++] = ar->pr;
	for (t = ar->pr->points, i = 0; t; t = t->next, i++) {
		struct probe_point *np = arena_alloc(&e->s->arena, sizeof(*np));

		np->comps = copy_comps(e->s, t->comps, rest);
		np->optional = t->optional || pp->optional;
		np->sufficient = t->sufficient;
		np->cond = and_cond(e->s, pp->cond, t->cond);
		np->loc = t->loc;
		say_derive(e->s, i, np, &pp->loc);
		rc = derive(e, user, np, nb);
		if (rc < 0) {
			e->depth--;
			return -1;
		}
		total += rc;
		if (rc > 0 && t->sufficient)
			break;
	}
	e->depth--;
	return total;
}

/*
 * --privilege=stapusr allows, as 4.8 does, only begin, end, error, never, the timers
 * but timer.profile, and process.* (the user's own processes: checked at run time).
 */
static bool stapusr_point(const struct probe_point *pp)
{
	static const char *const ok[] = { "begin", "end", "error", "never", "timer", "process" };
	const char *first = pp->comps->name;
	size_t i;

	if (!strcmp(first, "timer") && pp->comps->next && !strcmp(pp->comps->next->name, "profile"))
		return false;
	for (i = 0; i < ARRAY_LEN(ok); i++)
		if (!strcmp(first, ok[i]))
			return true;
	return false;
}

static int derive_family(struct expander *e, struct probe *user, const struct probe_point *pp,
			 const struct ast_node *body)
{
	size_t i;

	if (e->s->opt.privilege == PRIV_STAPUSR && !stapusr_point(pp)) {
		const struct pp_comp *last = pp->comps;

		while (last->next)
			last = last->next;
		diag_error(e->s, &last->loc, "probe point is not allowed for --privilege=stapusr");
		return -1;
	}

	for (i = 0; i < n_families; i++) {
		struct derived_probe *dp = arena_alloc(&e->s->arena, sizeof(*dp));
		int rc = family_match(e->s, family_registry[i], pp, dp);

		if (rc < 0)
			return -1;
		if (rc == 0)
			continue;
		dp->family = family_registry[i];
		dp->probe = user;
		dp->pp = pp;
		if (!dp->pp_str)	/* else the family's own form of the point */
			dp->pp_str = dp->family->pp_from_alias && e->depth ?
				e->alias_pp[e->depth - 1] : elab_pp_str(e->s, pp);
		dp->pn_str = e->depth ? e->alias_pp[0] : elab_pp_str(e->s, pp);
		dp->body = (struct ast_node *)(body ? body : user->body);
		dp->cond = pp->cond;
		dp->id = e->s->prog.n_probes++;
		*e->tail = dp;
		e->tail = &dp->next;
		return 1;
	}
	return 0;
}

static void index_aliases(struct expander *e);

/* A user's point that matched nothing: the aliases of the library files pass 1 left
 * out join (not while an alias is being expanded, whose alias_ref must stay put). */
static bool more_aliases(struct expander *e)
{
	if (e->depth || parse_library_rest(e->s) <= 0)
		return false;
	free(e->aliases);
	e->aliases = NULL;
	e->n_aliases = 0;
	index_aliases(e);
	return true;
}

/* Derive probes for one point; returns how many, or -1 after an error. */
static int derive(struct expander *e, struct probe *user, const struct probe_point *pp,
		  const struct ast_node *body)
{
	const struct pp_comp *rest;
	int pass, total = 0, rc;
	bool any = false;
	size_t i;

	/* full matches of an alias name first, then alias names with a suffix */
	for (pass = 0; pass < 2 && !any; pass++) {
		for (i = 0; i < e->n_aliases; i++) {
			const struct alias_ref *ar = &e->aliases[i];

			if (!match_comps(pp->comps, ar->name->comps, pass == 0, &rest))
				continue;
			any = true;
			rc = expand_alias(e, user, pp, ar, rest, body);
			if (rc < 0)
				return -1;
			total += rc;
		}
	}
	if (any) {
		if (!total && !pp->optional) {
			if (more_aliases(e))
				return derive(e, user, pp, body);
			unmatched(e, pp);
			return -1;
		}
		return total;
	}
	if (pp->optional && bpf_refusal(e->s, pp))
		return 0;	/* an optional point the BPF runtime cannot attach */
	if (!has_wildcard(pp)) {
		rc = derive_family(e, user, pp, body);
		if (rc != 0)
			return rc;
	}
	if (more_aliases(e))
		return derive(e, user, pp, body);
	if (pp->optional)
		return 0;
	unmatched(e, pp);
	return -1;
}

static void index_aliases(struct expander *e)
{
	struct stapfile *f;
	struct probe *pr;
	size_t cap = 0;

	for (f = e->s->prog.files; f; f = f->next) {
		for (pr = f->probes; pr; pr = pr->next) {
			const struct probe_point *n;

			if (!pr->is_alias)
				continue;
			for (n = pr->alias_names; n; n = n->next) {
				if (e->n_aliases == cap) {
					cap = cap ? cap * 2 : 64;
					e->aliases = xrealloc(e->aliases, cap * sizeof(*e->aliases));
				}
				e->aliases[e->n_aliases].pr = pr;
				e->aliases[e->n_aliases].name = n;
				e->aliases[e->n_aliases].file = f;
				e->n_aliases++;
			}
		}
	}
}

/* Does a user's probe point name the syscall tapset (whose aliases are generated from
 * the target kernel, only when asked for)? */
static bool wants_syscalls(struct session *s)
{
	const struct stapfile *f;
	const struct probe *pr;
	const struct probe_point *pp;

	for (f = s->prog.files; f; f = f->next)
		for (pr = f->is_tapset ? NULL : f->probes; pr; pr = pr->next)
			for (pp = pr->is_alias ? NULL : pr->points; pp; pp = pp->next)
				if (!fnmatch(pp->comps->name, "syscall", 0) ||
				    !fnmatch(pp->comps->name, "nd_syscall", 0) ||
				    !strcmp(pp->comps->name, "**"))
					return true;
	return false;
}

/* Derive the probes (not the aliases) of one file; returns the number that failed. */
static int derive_file(struct expander *e, struct stapfile *f)
{
	struct probe *pr;
	int errors = 0;

	for (pr = f->probes; pr; pr = pr->next) {
		struct probe_point *pp;
		int i = 0;

		if (pr->is_alias)
			continue;
		for (pp = pr->points; pp; pp = pp->next) {
			int rc;

			say_derive(e->s, i++, pp, &pr->loc);
			rc = derive(e, pr, pp, NULL);

			if (rc < 0)
				errors++;
			if (rc > 0 && pp->sufficient)
				break;
		}
	}
	return errors;
}

/* A library file with probes of its own besides aliases (argv.stp's begin probe that
 * fills argv[], target_set.stp's tracking of the target's children) is used when the
 * user's code names one of its globals or functions. Names are resolved after the
 * probes are derived (symbols.c), so this looks for them here, by name. */
struct name_scan {
	const struct stapfile *lib;
	bool hit;
};

static bool lib_defines(const struct stapfile *lib, const char *name)
{
	const struct function *fn;
	const struct global *g;

	for (fn = lib->functions; fn; fn = fn->next)
		if (!fn->is_private && !strcmp(fn->name, name))
			return true;
	for (g = lib->globals; g; g = g->next)
		if (!g->is_private && !strcmp(g->name, name))
			return true;
	return false;
}

static enum ast_walk_rc scan_name(struct ast_node *n, void *ctx)
{
	struct name_scan *ns = ctx;
	const char *name = n->kind == AST_IDENT ? n->u.ident.name
			   : n->kind == AST_CALL ? n->u.call.name : NULL;

	if (name && lib_defines(ns->lib, name)) {
		ns->hit = true;
		return AST_WALK_STOP;
	}
	return AST_WALK_CONTINUE;
}

static bool user_names(const struct session *s, const struct stapfile *lib)
{
	struct name_scan ns = { .lib = lib };
	const struct ast_walker w = { .pre = scan_name, .ctx = &ns };
	const struct stapfile *f;
	const struct probe *pr;
	const struct function *fn;

	for (f = s->prog.files; f && !ns.hit; f = f->next) {
		if (f->is_tapset)
			continue;
		for (pr = f->probes; pr && !ns.hit; pr = pr->next)
			ast_walk(pr->body, &w);
		for (fn = f->functions; fn && !ns.hit; fn = fn->next)
			if (fn->body->kind != AST_EMBEDDED)
				ast_walk(fn->body, &w);
	}
	return ns.hit;
}

static void use_libs_with_probes(struct session *s)
{
	struct stapfile *f;
	const struct probe *pr;

	for (f = s->prog.files; f; f = f->next) {
		if (!f->is_tapset || f->used)
			continue;
		for (pr = f->probes; pr && pr->is_alias; pr = pr->next)
			;
		if (pr && user_names(s, f)) {
			f->used = true;
			s->prog.n_library_used++;
		}
	}
}

int elab_probes(struct session *s)
{
	struct expander e = { .s = s, .tail = &s->prog.probes };
	struct stapfile *f;
	int errors = 0;
	bool more;

	if (wants_syscalls(s) && syscall_tapset(s, NULL))
		return -1;
	index_aliases(&e);
	for (f = s->prog.files; f; f = f->next)
		if (!f->is_tapset)
			errors += derive_file(&e, f);
	/* A library file's own probes (the procfs files it serves) come with the first use
	 * of it; deriving them may use more library files. -l/-L lists the user's only. */
	more = !s->opt.listing;
	if (more)
		use_libs_with_probes(s);
	while (more) {
		more = false;
		for (f = s->prog.files; f; f = f->next) {
			if (f->is_tapset && f->used && !f->probes_derived) {
				f->probes_derived = true;
				more = true;
				errors += derive_file(&e, f);
			}
		}
	}
	free(e.aliases);
	if (!errors && !s->prog.n_probes) {
		diag_error(s, NULL, "no probes found");
		return -1;
	}
	return errors ? -1 : 0;
}
