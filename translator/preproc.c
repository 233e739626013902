/* Pass 1, between lexer and grammar: the preprocessor. Two layers, as the language
 * reference describes them: macros (@define, @name(args), library macros from *.stpm)
 * are expanded first, then conditionals %( COND %? ... %: ... %) choose tokens. The
 * grammar never sees either. Expansion is bounded in depth and in tokens, so a macro
 * that expands itself ends with an error, not a hang. */
#define _GNU_SOURCE
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "parser.h"
#include "session.h"
#include "util.h"

#define PP_MAX_FRAMES 200		/* nested macro expansions */
#define PP_MAX_TOKENS 5000000L		/* tokens produced by expansions per file */
#define STAP_LANG_VERSION "4.8"		/* systemtap_v: the language we speak */

struct pp_tok {
	int tok;
	YYSTYPE val;
	YYLTYPE loc;
};

struct pp_toks {
	struct pp_tok *v;
	int n;
};

struct pp_macro {
	const char *name;		/* "@name", interned */
	const char **params;		/* "@param", interned */
	int n_params;
	bool has_parens;
	struct pp_toks body;
	struct srcloc loc;
	struct pp_macro *next;
};

/* One expansion being read: a macro body, or one argument of a macro call. */
struct pp_frame {
	struct pp_toks toks;
	int pos;
	const struct pp_macro *macro;	/* body frames: the macro expanded */
	struct pp_toks *args;		/* body frames: its arguments */
	struct pp_frame *env;		/* the body frame whose @params are visible */
	struct pp_frame *arg_env;	/* body frames: where the arguments were written */
	struct pp_frame *up;
};

struct pp_cond {
	struct srcloc loc;		/* the %( */
	bool in_else;
	struct pp_cond *up;
};

struct pp_file {
	struct pp_macro *macros;	/* this file's own */
	struct pp_frame *top;
	int depth;
	long n_expanded;
	struct pp_cond *conds;
	bool library;			/* a *.stpm: only @define allowed */
};

/* ---- macro layer ---------------------------------------------------------------- */

static void raw_tok(struct parser *p, struct pp_tok *t)
{
	memset(&t->val, 0, sizeof(t->val));
	if (p->eof || p->aborted) {
		t->tok = 0;
		t->loc = p->eof_loc;
		return;
	}
	t->tok = lex_scan(&t->val, &t->loc, p->scanner);
	if (t->tok == 0) {
		p->eof = true;
		p->eof_loc = t->loc;
	}
}

/* The next token of the innermost expansion, or of the file; *env gets the frame whose
 * parameters apply to it. */
static void next_unexpanded(struct parser *p, struct pp_tok *t, struct pp_frame **env)
{
	struct pp_file *pf = p->pp;

	while (pf->top && pf->top->pos >= pf->top->toks.n) {
		pf->top = pf->top->up;
		pf->depth--;
	}
	if (!pf->top) {
		*env = NULL;
		raw_tok(p, t);
		return;
	}
	*t = pf->top->toks.v[pf->top->pos++];
	*env = pf->top->env;
}

static void push_frame(struct parser *p, struct pp_toks toks, const struct pp_macro *m,
		       struct pp_toks *args, struct pp_frame *env)
{
	struct pp_file *pf = p->pp;
	struct pp_frame *f = arena_alloc(&p->s->arena, sizeof(*f));

	f->toks = toks;
	f->macro = m;
	f->args = args;
	f->env = m ? f : env;
	f->arg_env = m ? env : NULL;
	f->up = pf->top;
	pf->top = f;
	pf->depth++;
	pf->n_expanded += toks.n;
}

static void drop_frames(struct pp_file *pf)
{
	pf->top = NULL;
	pf->depth = 0;
}

static struct pp_macro *find_macro(struct session *s, struct pp_file *pf, const char *name)
{
	struct pp_macro *m;

	for (m = pf->macros; m; m = m->next)
		if (m->name == name)
			return m;
	for (m = s->prog.macros; m; m = m->next)
		if (m->name == name)
			return m;
	return NULL;
}

struct tokvec {
	struct pp_tok *v;
	int n, cap;
};

static void tv_add(struct tokvec *tv, const struct pp_tok *t)
{
	if (tv->n == tv->cap) {
		tv->cap = tv->cap ? tv->cap * 2 : 16;
		tv->v = xrealloc(tv->v, (size_t)tv->cap * sizeof(*tv->v));
	}
	tv->v[tv->n++] = *t;
}

static struct pp_toks tv_finish(struct parser *p, struct tokvec *tv)
{
	struct pp_toks out = { NULL, tv->n };

	if (tv->n) {
		out.v = arena_alloc(&p->s->arena, (size_t)tv->n * sizeof(*out.v));
		memcpy(out.v, tv->v, (size_t)tv->n * sizeof(*out.v));
	}
	free(tv->v);
	memset(tv, 0, sizeof(*tv));
	return out;
}

/* @define NAME [(P, ...)] %( BODY %) -- the @define token has been read. */
static void define_macro(struct parser *p, const struct pp_tok *def)
{
	struct pp_file *pf = p->pp;
	struct pp_macro *m = arena_alloc(&p->s->arena, sizeof(*m)), *old;
	struct tokvec params = { 0 }, body = { 0 };
	struct pp_tok t;
	int nest = 0, i;

	p->pp_hold = true;
	m->loc = def->loc;
	raw_tok(p, &t);
	if (t.tok != IDENT) {
		parse_error(p, &t.loc, "expected identifier");
		goto out;
	}
	m->name = arena_printf(&p->s->arena, "@%s", t.val.str);
	m->name = strtab_intern(&p->s->arena, m->name);
	m->loc = t.loc;
	raw_tok(p, &t);
	if (t.tok == '(') {
		m->has_parens = true;
		raw_tok(p, &t);
		while (t.tok == IDENT) {
			t.val.str = strtab_intern(&p->s->arena,
						  arena_printf(&p->s->arena, "@%s", t.val.str));
			tv_add(&params, &t);
			raw_tok(p, &t);
			if (t.tok != ',')
				break;
			raw_tok(p, &t);
		}
		if (t.tok != ')') {
			parse_error(p, &t.loc, "expected ')' or identifier");
			goto out;
		}
		raw_tok(p, &t);
	}
	if (t.tok != PP_IF) {
		parse_error(p, &t.loc, "expected '%%('");
		goto out;
	}
	for (;;) {
		raw_tok(p, &t);
		if (t.tok == 0) {
			parse_error_at(p, &m->loc, "unterminated macro definition (missing '%%)')");
			goto out;
		}
		if (t.tok == PP_IF)
			nest++;
		if (t.tok == PP_END && nest-- == 0)
			break;
		if (t.tok == PP_DEFINE) {
			parse_error_at(p, &t.loc, "@define is not allowed inside a macro body");
			continue;
		}
		tv_add(&body, &t);
	}
	m->n_params = params.n;
	m->params = arena_alloc(&p->s->arena, (size_t)params.n * sizeof(*m->params) + 1);
	for (i = 0; i < params.n; i++)
		m->params[i] = params.v[i].val.str;
	m->body = tv_finish(p, &body);
	for (old = pf->library ? p->s->prog.macros : pf->macros; old; old = old->next)
		if (old->name == m->name)
			break;
	if (old) {
		parse_error_at(p, &m->loc, "attempt to redefine macro '%s' in the same %s",
			       m->name, pf->library ? "library" : "file");
	} else if (pf->library) {
		m->next = p->s->prog.macros;
		p->s->prog.macros = m;
	} else {
		m->next = pf->macros;
		pf->macros = m;
	}
out:
	free(params.v);
	free(body.v);
	p->pp_hold = false;
}

/* @name(args): collect the arguments, then read the body. */
static void expand_macro(struct parser *p, const struct pp_macro *m, const struct pp_tok *at,
			 struct pp_frame *env)
{
	struct pp_file *pf = p->pp;
	struct pp_toks *args = NULL;
	struct tokvec cur = { 0 };
	struct pp_frame *tenv;
	struct pp_tok t;
	int n_args = 0, depth = 0;

	if (pf->depth >= PP_MAX_FRAMES || pf->n_expanded > PP_MAX_TOKENS) {
		parse_error_at(p, &at->loc, "macro expansion of '%s' too deep or too large (recursive macro?)",
			       m->name);
		drop_frames(pf);
		return;
	}
	if (m->has_parens) {
		args = arena_alloc(&p->s->arena, sizeof(*args) * ((size_t)m->n_params + 1));
		next_unexpanded(p, &t, &tenv);
		if (t.tok != '(') {
			parse_error(p, &t.loc, "expected '(' after macro '%s'", m->name);
			return;
		}
		for (;;) {
			next_unexpanded(p, &t, &tenv);
			if (t.tok == 0) {
				parse_error_at(p, &at->loc, "unterminated call of macro '%s'", m->name);
				free(cur.v);
				return;
			}
			if (depth == 0 && (t.tok == ',' || t.tok == ')')) {
				if (!(t.tok == ')' && n_args == 0 && cur.n == 0 && m->n_params == 0)) {
					if (n_args < m->n_params)
						args[n_args] = tv_finish(p, &cur);
					else
						free(cur.v);
					memset(&cur, 0, sizeof(cur));
					n_args++;
				}
				if (t.tok == ')')
					break;
				continue;
			}
			if (t.tok == '(' || t.tok == '[' || t.tok == '{' || t.tok == PP_LBRACE)
				depth++;
			else if ((t.tok == ')' || t.tok == ']' || t.tok == '}') && depth > 0)
				depth--;
			tv_add(&cur, &t);
		}
		if (n_args != m->n_params) {
			parse_error_at(p, &at->loc, "macro '%s' takes %d argument%s, given %d",
				       m->name, m->n_params, m->n_params == 1 ? "" : "s", n_args);
			return;
		}
	}
	push_frame(p, m->body, m, args, env);
}

/* The next token after macro expansion. */
static void mac_next(struct parser *p, struct pp_tok *t)
{
	struct pp_file *pf = p->pp;
	struct pp_frame *env;
	const struct pp_macro *m;
	int i;

	for (;;) {
		next_unexpanded(p, t, &env);
		if (t->tok == PP_DEFINE) {
			if (pf->top)
				parse_error_at(p, &t->loc, "@define is not allowed inside a macro body");
			else
				define_macro(p, t);
			continue;
		}
		if (t->tok != AT_IDENT)
			return;
		if (env) {
			for (i = 0; i < env->macro->n_params; i++)
				if (env->macro->params[i] == t->val.str)
					break;
			if (i < env->macro->n_params) {
				if (pf->depth >= PP_MAX_FRAMES) {
					parse_error_at(p, &t->loc, "macro expansion too deep");
					drop_frames(pf);
					continue;
				}
				push_frame(p, env->args[i], NULL, NULL, env->arg_env);
				continue;
			}
		}
		m = find_macro(p->s, pf, t->val.str);
		if (!m)
			return;
		expand_macro(p, m, t, env);
	}
}

/* ---- conditional layer ------------------------------------------------------------ */

struct cond_val {
	bool is_str;
	const char *str;
	int64_t num;
	const char *name;		/* the keyword operand, or NULL for a literal */
};

static const char *kernel_config(struct parser *p, const char *name)
{
	struct session *s = p->s;
	const char *text, *hit;
	size_t nlen = strlen(name);

	if (!s->prog.kconfig) {
		char *path, *buf = NULL;
		size_t len = 0;

		path = xasprintf("%s/.config", s->kern.build_dir ? s->kern.build_dir : ".");
		if (!s->kern.build_dir || read_file(path, &buf, &len)) {
			s->prog.kconfig = "\n";
		} else {
			s->prog.kconfig = arena_printf(&s->arena, "\n%s", buf);
		}
		free(buf);
		free(path);
	}
	text = s->prog.kconfig;
	for (hit = strstr(text, name); hit; hit = strstr(hit + 1, name)) {
		const char *v, *end;

		if (hit[-1] != '\n' || hit[nlen] != '=')
			continue;
		v = hit + nlen + 1;
		end = strchr(v, '\n');
		if (!end)
			end = v + strlen(v);
		if (end - v >= 2 && *v == '"' && end[-1] == '"')
			return arena_strndup(&s->arena, v + 1, (size_t)(end - v - 2));
		return arena_strndup(&s->arena, v, (size_t)(end - v));
	}
	return "";
}

static bool cmp_result(int c, int op)
{
	switch (op) {
	case EQ: return c == 0;
	case NE: return c != 0;
	case '<': return c < 0;
	case LE: return c <= 0;
	case '>': return c > 0;
	case GE: return c >= 0;
	default: return false;
	}
}

static bool has_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

/* string == / != with wildcards; ordering by strverscmp for versions, strcmp else */
static bool cmp_strings(const char *l, int op, const char *r, bool version)
{
	if ((op == EQ || op == NE) && has_glob(r))
		return (fnmatch(r, l, 0) == 0) == (op == EQ);
	return cmp_result(version ? strverscmp(l, r) : strcmp(l, r), op);
}

static bool is_cmp_op(int tok)
{
	return tok == EQ || tok == NE || tok == '<' || tok == LE || tok == '>' || tok == GE;
}

static const char *const cond_expected =
	"expected 'arch', 'kernel_v', 'kernel_vr', 'systemtap_v', 'runtime', "
	"'systemtap_privilege', 'guru_mode', 'CONFIG_...', or comparison between "
	"strings or integers";

/* One comparison; -1 after an error. */
static int eval_cmp(struct parser *p, struct pp_tok *t)
{
	struct session *s = p->s;
	const char *name = NULL, *lstr = NULL, *release = s->kern.release ? s->kern.release : "";
	struct pp_tok op, r;
	bool version = false, eq_only = false;
	int64_t lnum = 0;
	char *dash;

	if (t->tok == ARG_BAD) {
		parse_error_at(p, &t->loc, "%s", t->val.str);
		return -1;
	}
	if (t->tok == IDENT || t->tok == PP_NAME) {
		name = t->val.str;
		if (!strcmp(name, "kernel_v")) {
			char *v = arena_strdup(&s->arena, release);

			dash = strchr(v, '-');
			if (dash)
				*dash = '\0';
			lstr = v;
			version = true;
		} else if (!strcmp(name, "kernel_vr")) {
			lstr = release;
			version = true;
		} else if (!strcmp(name, "systemtap_v")) {
			/* --compatible=VER: the library and scripts see that version */
			lstr = s->opt.compatible ? s->opt.compatible : STAP_LANG_VERSION;
			version = true;
			p->version_seen = true;
		} else if (!strcmp(name, "arch")) {
			lstr = s->kern.arch ? s->kern.arch : "x86_64";
			eq_only = true;
		} else if (!strcmp(name, "runtime")) {
			lstr = "kernel";
			eq_only = true;
		} else if (!strcmp(name, "systemtap_privilege")) {
			lstr = "stapdev";
			eq_only = true;
		} else if (!strcmp(name, "guru_mode")) {
			lnum = s->opt.guru;
		} else if (!strncmp(name, "CONFIG_", 7)) {
			lstr = kernel_config(p, name);
		} else {
			parse_error_at(p, &t->loc, "%s", cond_expected);
			return -1;
		}
	} else if (t->tok == STRING) {
		lstr = t->val.str;
	} else if (t->tok == NUMBER) {
		lnum = t->val.num.v;
	} else {
		parse_error_at(p, &t->loc, "%s", cond_expected);
		return -1;
	}
	mac_next(p, &op);
	if (!is_cmp_op(op.tok) || (eq_only && op.tok != EQ && op.tok != NE)) {
		parse_error_at(p, &op.loc, eq_only ? "expected '==' or '!='"
						  : "expected comparison operator");
		return -1;
	}
	mac_next(p, &r);
	if (r.tok == ARG_BAD) {
		parse_error_at(p, &r.loc, "%s", r.val.str);
		return -1;
	}
	if (name && !strncmp(name, "CONFIG_", 7) && r.tok == NUMBER) {
		char *end;

		lnum = strtoll(lstr, &end, 0);
		if (!*lstr || *end)
			return false;
		return cmp_result(lnum < r.val.num.v ? -1 : lnum > r.val.num.v, op.tok);
	}
	if (lstr) {
		if (r.tok != STRING) {
			parse_error_at(p, &r.loc, "expected string literal as right value");
			return -1;
		}
		return cmp_strings(lstr, op.tok, r.val.str, version);
	}
	if (r.tok != NUMBER) {
		parse_error_at(p, &r.loc, "expected number as right value");
		return -1;
	}
	return cmp_result(lnum < r.val.num.v ? -1 : lnum > r.val.num.v, op.tok);
}

/* COND %? -- reads through the %?; 1 true, 0 false, -1 after an error (the rest of
 * the condition is skipped). */
static int eval_cond(struct parser *p)
{
	struct pp_tok t;
	int acc_or = 0, acc_and = 1, v;

	p->pp_hold = true;
	for (;;) {
		mac_next(p, &t);
		v = eval_cmp(p, &t);
		if (v < 0)
			break;
		acc_and = acc_and && v;
		mac_next(p, &t);
		if (t.tok == AND_AND)
			continue;
		acc_or = acc_or || acc_and;
		acc_and = 1;
		if (t.tok == OR_OR)
			continue;
		if (t.tok == PP_THEN) {
			p->pp_hold = false;
			return acc_or;
		}
		parse_error_at(p, &t.loc, "expected '%%?' marker for conditional");
		v = -1;
		break;
	}
	/* skip to the %? so the branches still pair up */
	while (t.tok != PP_THEN && t.tok != 0 && t.tok != PP_END)
		mac_next(p, &t);
	p->pp_hold = false;
	return t.tok == PP_THEN ? -1 : -2;
}

/* Skip a branch; returns the token that ended it: PP_ELSE, PP_END or 0. */
static int skip_branch(struct parser *p, struct srcloc *where)
{
	struct pp_tok t;
	int nest = 0;

	for (;;) {
		mac_next(p, &t);
		if (t.tok == 0)
			break;
		if (t.tok == PP_IF)
			nest++;
		else if (t.tok == PP_END && nest)
			nest--;
		else if (!nest && (t.tok == PP_ELSE || t.tok == PP_END)) {
			*where = t.loc;
			break;
		}
	}
	return t.tok;
}

static void pop_cond(struct pp_file *pf)
{
	pf->conds = pf->conds->up;
}

int pp_lex(YYSTYPE *lval, YYLTYPE *loc, struct parser *p)
{
	struct pp_file *pf = p->pp;
	struct pp_tok t;
	struct srcloc where;
	struct pp_cond *c;
	int v, end;

	for (;;) {
		if (p->aborted)
			return 0;
		if (p->s->arena.used_total > PARSE_MAX_ARENA) {
			parse_error_at(p, NULL, "%s: script too large (more than %zu MB of syntax tree)",
				       p->src->name, PARSE_MAX_ARENA >> 20);
			p->aborted = true;
			return 0;
		}
		mac_next(p, &t);
		switch (t.tok) {
		case PP_IF:
			v = eval_cond(p);
			if (v == -2) {
				parse_error_at(p, &t.loc, "incomplete conditional - missing '%%?'");
				continue;
			}
			c = arena_alloc(&p->s->arena, sizeof(*c));
			c->loc = t.loc;
			c->up = pf->conds;
			pf->conds = c;
			if (v == 1)
				continue;
			end = skip_branch(p, &where);
			if (end == PP_ELSE)
				c->in_else = true;
			else if (end == PP_END)
				pop_cond(pf);
			else
				goto eof;
			continue;
		case PP_ELSE:
			if (!pf->conds) {
				parse_error_at(p, &t.loc, "incomplete conditional - missing '%%('");
				continue;
			}
			if (pf->conds->in_else)
				parse_error_at(p, &t.loc, "invalid conditional - duplicate '%%:'");
			for (;;) {
				end = skip_branch(p, &where);
				if (end != PP_ELSE)
					break;
				parse_error_at(p, &where, "invalid conditional - duplicate '%%:'");
			}
			if (!end)
				goto eof;
			pop_cond(pf);
			continue;
		case PP_END:
			if (!pf->conds) {
				parse_error_at(p, &t.loc, "incomplete conditional - missing '%%('");
				continue;
			}
			pop_cond(pf);
			continue;
		case PP_THEN:
			parse_error_at(p, &t.loc, "incomplete conditional - missing '%%('");
			continue;
		case 0:
			goto eof;
		case ARG_BAD:		/* kept: now it is an error */
			parse_error_at(p, &t.loc, "%s", t.val.str);
			*loc = t.loc;
			return ERROR_TOKEN;
		default:
			if (pf->library) {
				parse_error(p, &t.loc, "library macro files may only contain @define");
				p->aborted = true;
				return 0;
			}
			*lval = t.val;
			*loc = t.loc;
			return t.tok;
		}
	}
eof:
	if (pf->conds) {
		parse_error_at(p, &pf->conds->loc, "incomplete conditional at end of file");
		pf->conds = NULL;
	}
	*lval = t.val;
	*loc = t.loc;
	return 0;
}

void pp_file_begin(struct parser *p)
{
	p->pp = arena_alloc(&p->s->arena, sizeof(*p->pp));
}

void pp_file_end(struct parser *p)
{
	p->pp = NULL;
}

/* A *.stpm file: run it through the preprocessor; it may only define macros. */
int pp_load_macro_file(struct session *s, const struct srcfile *src)
{
	return parse_file(s, src, true, NULL);
}

void pp_set_library(struct parser *p, bool library)
{
	p->pp->library = library;
}
