/* Pass 3 for the BPF runtime: statements, functions, probes and the file around them.
 *
 * Every probe is one BPF program (begin/end/error: raw_tp programs the loader runs
 * with BPF_PROG_TEST_RUN; timers: perf_event; kernel.trace: tracepoint). A begin, end
 * or error probe whose body has foreach statements at its top level is split there:
 * the loader runs the part before, sorts the array in user space and runs the loop
 * body's program once per element, then the part after; their locals live in a frame
 * map that survives between the runs. Loops are bpf_loop() callbacks, script
 * functions are inlined C functions (recursion is refused), statements count against
 * MAXACTION. Output is a record (format id, arguments) in a ring buffer, formatted by
 * the loader from the format table in the meta text. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/gen.h"
#include "tapsets/family.h"
#include "tapsets/syscall.h"

#define A(g) (&(g)->s->arena)

extern const struct probe_family begin_family, end_family, error_family, timer_family,
	bpf_trace_family, bpf_perf_family, syscall_family;

static void block(struct bg *g, struct ast_node *stmts)
{
	for (; stmts; stmts = stmts->next)
		bg_stmt(g, stmts);
}

static void count_action(struct bg *g, const struct srcloc *loc)
{
	bg_fail(g, arena_printf(A(g), "++F->act > %d", g->maxaction), loc, "MAXACTION exceeded");
}

/* while/for: a bpf_loop() callback running cond, body and incr */
static void loop(struct bg *g, struct ast_node *n)
{
	struct emitter cb = { 0 }, *outer = g->e;
	enum bg_abort abort = g->abort;
	bool in_cb = g->in_callback;
	int id = g->n_cb++;
	struct ast_node *cond = n->u.loop.cond;

	if (n->kind == AST_FOR && n->u.loop.init)
		bg_stmt(g, n->u.loop.init);
	g->e = &cb;
	emit_open(&cb, "static long __cb%d(u32 __i, void *__c)", id);
	emit_line(&cb, "struct __frame *F = ((struct __lc *)__c)->F;");
	emit_line(&cb, "struct __globals *G = ((struct __lc *)__c)->G;");
	const char *catch_label = g->catch_label;

	g->catch_label = NULL;
	g->abort = ABORT_CALLBACK;
	g->in_callback = true;
	g->in_loop++;
	g->depth++;
	if (g->depth == BG_MAX_FRAMES + 1)
		diag_error(g->s, &n->loc, "loops and function calls nested %d deep are not supported by the BPF runtime (--runtime=bpf): it runs at most %d nested BPF frames",
			   g->depth, BG_MAX_FRAMES);
	count_action(g, &n->loc);
	if (cond) {
		const char *c = bg_expr(g, cond);

		emit_line(&cb, "if (!(%s)) return 1;", c);
	}
	bg_stmt(g, n->u.loop.body);
	emit_line(&cb, "goto __cont;");
	emit_line(&cb, "__cont: ;");
	if (n->kind == AST_FOR && n->u.loop.incr)
		bg_stmt(g, n->u.loop.incr);
	emit_line(&cb, "return 0;");
	emit_close(&cb, "}");
	g->depth--;
	g->in_loop--;
	g->in_callback = in_cb;
	g->abort = abort;
	g->catch_label = catch_label;
	g->e = outer;
	sb_puts(&g->callbacks, cb.out.buf);
	sb_free(&cb.out);
	emit_open(g->e, "%s", "");
	emit_line(g->e, "struct __lc __c = { F, G };");
	emit_line(g->e, "bpf_loop(%d, __cb%d, &__c, 0);", g->maxaction + 1, id);
	emit_close(g->e, "}");
	emit_open(g->e, "if (F->err || F->next)");
	bg_abort(g);
	emit_close(g->e, "}");
	if (g->n_calling) {
		emit_open(g->e, "if (%s.__rf)", g->scope->prefix);
		if (g->in_callback)
			emit_line(g->e, "return 1;");
		else
			emit_line(g->e, "return %s.__rv;", g->scope->prefix);
		emit_close(g->e, "}");
	}
}

static void ret(struct bg *g, struct ast_node *n)
{
	const char *v = "0";

	if (!g->n_calling) {
		emit_line(g->e, "goto __out;");	/* return in a probe ends it */
		return;
	}
	if (n->u.operand) {
		v = bg_expr(g, n->u.operand);
		if (n->u.operand->type == TYPE_STRING) {
			bg_scpy(g, arena_printf(A(g), "%s.__r", g->scope->prefix), v);
			v = "0";
		}
	}
	if (g->in_callback) {
		emit_line(g->e, "%s.__rv = %s; %s.__rf = 1;", g->scope->prefix, v, g->scope->prefix);
		emit_line(g->e, "return 1;");
	} else {
		emit_line(g->e, "return %s;", v);
	}
}

static void delete(struct bg *g, struct ast_node *n)
{
	struct ast_node *t = n->u.operand;
	const struct symbol *sym;

	if (t->kind == AST_INDEX && t->u.index.base->kind == AST_IDENT) {
		struct ast_node *k;
		int idx, i;
		const char *vals[ELAB_MAX_KEYS];

		sym = t->u.index.base->u.ident.sym;
		idx = bg_global_index(g, sym);
		for (k = t->u.index.keys, i = 0; k && i < ELAB_MAX_KEYS; k = k->next, i++) {
			if (k->kind == AST_NULL) {
				bg_unsupported(g, &k->loc, "a '*' wildcard in delete");
				return;
			}
			vals[i] = bg_expr(g, k);
		}
		for (k = t->u.index.keys, i = 0; k && i < ELAB_MAX_KEYS; k = k->next, i++) {
			if (k->type == TYPE_STRING)
				bg_scpy(g, arena_printf(A(g), "F->k%d.k%d", idx, i), vals[i]);
			else
				emit_line(g->e, "F->k%d.k%d = %s;", idx, i, vals[i]);
		}
		emit_line(g->e, "bpf_map_delete_elem(&%c%d, &F->k%d);",
			  sym->type == TYPE_STATS ? 's' : 'm', idx, idx);
		return;
	}
	if (t->kind == AST_IDENT && t->u.ident.sym->kind != SYM_GLOBAL) {
		const char *lv = bg_sym(g, t->u.ident.sym);

		if (t->u.ident.sym->type == TYPE_STRING)
			emit_line(g->e, "__builtin_memset(%s, 0, MSL);", lv);
		else
			emit_line(g->e, "%s = 0;", lv);
		return;
	}
	if (t->kind == AST_IDENT && !t->u.ident.sym->n_keys &&
	    t->u.ident.sym->type != TYPE_STATS) {
		const char *lv = bg_sym(g, t->u.ident.sym);

		if (t->u.ident.sym->type == TYPE_STRING)
			emit_line(g->e, "__builtin_memset(%s, 0, MSL);", lv);
		else
			emit_line(g->e, "%s = 0;", lv);
		return;
	}
	if (t->kind == AST_IDENT && t->u.ident.sym->kind == SYM_GLOBAL) {
		/* every element, from a bpf_for_each_map_elem() callback */
		int idx = bg_global_index(g, t->u.ident.sym), id = g->n_cb++;

		sb_printf(&g->callbacks, "static long __cb%d(void *map, void *key, void *val, void *ctx)\n{\n\tbpf_map_delete_elem(map, key);\n\treturn 0;\n}\n",
			  id);
		emit_line(g->e, "bpf_for_each_map_elem(&%c%d, __cb%d, 0, 0);",
			  t->u.ident.sym->type == TYPE_STATS ? 's' : 'm', idx, id);
		return;
	}
	bg_unsupported(g, &n->loc, "deleting this");
}

/* try { body } catch (var) { handler }: errors of the body (and of the functions and
 * loops it runs) jump to the catch, which clears them; `next` passes through */
static void try_catch(struct bg *g, struct ast_node *n)
{
	const char *outer = g->catch_label;
	const char *label = arena_printf(&g->s->arena, "__catch%d", g->n_try);
	int id = g->n_try++;

	g->catch_label = label;
	g->try_depth++;
	bg_stmt(g, n->u.try_.body);
	g->try_depth--;
	g->catch_label = outer;
	emit_line(g->e, "goto __tryend%d;", id);
	emit_line(g->e, "%s: ;", label);
	emit_open(g->e, "if (F->next)");
	bg_abort(g);
	emit_close(g->e, "}");
	emit_line(g->e, "F->err = 0;");
	if (n->u.try_.var)
		emit_line(g->e, "__builtin_memcpy(%s, F->errbuf, MSL);",
			  bg_sym(g, n->u.try_.var->u.ident.sym));
	if (n->u.try_.handler)
		bg_stmt(g, n->u.try_.handler);
	emit_line(g->e, "__tryend%d: ;", id);
}

void bg_stmt(struct bg *g, struct ast_node *n)
{
	g->scope->n_str = 0;	/* temporaries never outlive a statement */
	switch (n->kind) {
	case AST_BLOCK:
		block(g, n->u.block.stmts);
		return;
	case AST_NULL:
		return;
	case AST_EXPR_STMT:
		count_action(g, &n->loc);
		bg_expr(g, n->u.operand);
		return;
	case AST_IF: {
		const char *c;

		count_action(g, &n->loc);
		c = bg_expr(g, n->u.cond.cond);
		emit_open(g->e, "if (%s)", c);
		bg_stmt(g, n->u.cond.then);
		if (n->u.cond.other) {
			emit_close(g->e, "} else {");
			g->e->indent++;
			bg_stmt(g, n->u.cond.other);
		}
		emit_close(g->e, "}");
		return;
	}
	case AST_WHILE:
	case AST_FOR:
		loop(g, n);	/* charged once per iteration, as the module does */
		return;
	case AST_FOREACH:
		bg_unsupported(g, &n->loc, "foreach other than as a statement of a begin, end or error probe's body");
		return;
	case AST_DELETE:
		count_action(g, &n->loc);
		delete(g, n);
		return;
	case AST_NEXT:
		if (g->n_calling) {
			bg_unsupported(g, &n->loc, "next in a function");
			return;
		}
		emit_line(g->e, "F->next = 1;");
		bg_abort(g);
		return;
	case AST_BREAK:
	case AST_CONTINUE:
		if (g->in_callback && g->in_loop) {
			emit_line(g->e, n->kind == AST_BREAK ? "return 1;" : "goto __cont;");
		} else {
			/* a foreach body's program */
			if (n->kind == AST_BREAK)
				emit_line(g->e, "__ret = 1;");
			emit_line(g->e, "goto __out;");
		}
		return;
	case AST_RETURN:
		count_action(g, &n->loc);
		ret(g, n);
		return;
	case AST_TRY:
		try_catch(g, n);
		return;
	case AST_EMBEDDED:
		bg_unsupported(g, &n->loc, "embedded C");
		return;
	case AST_NUMBER: case AST_STRING: case AST_IDENT: case AST_INDEX: case AST_CALL:
	case AST_BINARY: case AST_UNARY: case AST_INCDEC: case AST_ASSIGN: case AST_TERNARY:
	case AST_IN: case AST_STAT: case AST_TARGET: case AST_CAST: case AST_ATVAR:
	case AST_DEFINED: case AST_ENTRY: case AST_EMBEDDED_EXPR:
		bg_expr(g, n);
		return;
	}
}

/* struct members for symbols: s64 NAME or char NAME[MSL] */
static void members(struct strbuf *sb, const struct symbol *syms, const char *pfx)
{
	for (; syms; syms = syms->next) {
		if (syms->n_keys || syms->type == TYPE_STATS)
			continue;
		if (syms->type == TYPE_STRING)
			sb_printf(sb, "\tchar %s%s[MSL] __attribute__((aligned(8)));\n", pfx, syms->name);
		else
			sb_printf(sb, "\ts64 %s%s;\n", pfx, syms->name);
	}
}

static void zero_members(struct bg *g, const struct symbol *syms, const char *prefix,
			 const char *pfx)
{
	for (; syms; syms = syms->next) {
		if (syms->n_keys || syms->type == TYPE_STATS)
			continue;
		if (syms->type == TYPE_STRING)
			emit_line(g->e, "__builtin_memset(%s.%s%s, 0, MSL);", prefix, pfx, syms->name);
		else
			emit_line(g->e, "%s.%s%s = 0;", prefix, pfx, syms->name);
	}
}

void bg_function(struct bg *g, struct function *fn, int id);

/* a script function: static __always_inline s64 __fnID(F, G) */
void bg_function(struct bg *g, struct function *fn, int id)
{
	struct emitter e = { 0 }, *outer = g->e;
	struct bg_scope scope = { .prefix = arena_printf(A(g), "F->f.f%d", id) };
	struct bg_scope *oscope = g->scope;
	enum bg_abort abort = g->abort;
	bool in_cb = g->in_callback;
	int in_loop = g->in_loop;
	struct function_info *fi = fn->info;

	const char *catch_label = g->catch_label;
	int try_depth = g->try_depth, depth = g->depth;

	g->catch_label = NULL;
	g->try_depth = 0;
	g->depth = 1;
	g->e = &e;
	g->scope = &scope;
	g->abort = ABORT_FUNCTION;
	g->in_callback = false;
	g->in_loop = 0;
	emit_open(&e, "static __attribute__((noinline)) s64 __fn%d(struct __frame *F, struct __globals *G)", id);
	emit_line(&e, "%s.__rf = 0;", scope.prefix);
	if (fi)
		zero_members(g, fi->locals, scope.prefix, "l_");
	block(g, fn->body->u.block.stmts);
	emit_line(&e, "return 0;");
	emit_close(&e, "}");
	sb_printf(&g->types, "struct __fl%d {\n\ts64 __rv, __rf;\n\tchar __r[MSL] __attribute__((aligned(8)));\n", id);
	if (fi) {
		members(&g->types, fi->params, "a_");
		members(&g->types, fi->locals, "l_");
	}
	sb_printf(&g->types, "\tchar __s[%d][MSL] __attribute__((aligned(8)));\n};\n", scope.max_str ? scope.max_str : 1);
	sb_printf(&g->ffns, "\t\tstruct __fl%d f%d;\n", id, id);
	sb_puts(&g->callbacks, e.out.buf);
	sb_free(&e.out);
	g->e = outer;
	g->scope = oscope;
	g->abort = abort;
	g->in_callback = in_cb;
	g->in_loop = in_loop;
	g->catch_label = catch_label;
	g->try_depth = try_depth;
	g->depth = depth;
}

/* --- print family ---------------------------------------------------------- */

struct pitem {
	struct strbuf meta;		/* "i ..." lines */
	struct strbuf cfmt;		/* the same as one format for bpf_snprintf() */
	bool no_snprintf;		/* what bpf_snprintf() cannot format */
	bool sprint;			/* for bpf_snprintf(), not for the loader */
	int n_items;
	struct strbuf code;		/* unused */
	const char *vals[64];		/* evaluated arguments */
	bool is_str[64];
	int n_vals;
	bool bad;
};

static void item_text(struct pitem *p, const char *text, size_t len)
{
	char *t = xmalloc(len + 1), *m;

	if (!len)
		goto out;
	memcpy(t, text, len);
	t[len] = '\0';
	for (m = t; *m; m++) {
		if (*m == '%')
			sb_putc(&p->cfmt, '%');
		sb_putc(&p->cfmt, *m);
	}
	m = bg_meta_str(t);
	sb_printf(&p->meta, "i T %s\n", m);
	p->n_items++;
	free(m);
out:
	free(t);
}

static void add_val(struct bg *g, struct pitem *p, struct ast_node *a)
{
	const char *v = bg_expr(g, a);

	if (p->n_vals == 64) {
		bg_unsupported(g, &a->loc, "a print with more than 64 values");
		p->bad = true;
		return;
	}
	if (a->type == TYPE_STRING) {
		const char *t = bg_tmp_str(g);

		bg_scpy(g, t, v);
		v = t;
	} else {
		const char *t = bg_tmp_long(g);

		emit_line(g->e, "%s = %s;", t, v);
		v = t;
	}
	p->is_str[p->n_vals] = a->type == TYPE_STRING;
	p->vals[p->n_vals++] = v;
}

static void print_items(struct bg *g, struct pitem *p, struct ast_node *n, enum builtin bi);

static bool is_hist(const struct ast_node *a)
{
	return a->kind == AST_STAT &&
	       (a->u.stat.op == STAT_HIST_LINEAR || a->u.stat.op == STAT_HIST_LOG);
}

static bool is_sprint(const struct ast_node *a)
{
	return a->kind == AST_CALL && !a->u.call.fn && elab_builtin(a->u.call.name) >= BI_SPRINT;
}

/* one value of print/println/printd: string, number, histogram, or a sprint* */
static void print_value(struct bg *g, struct pitem *p, struct ast_node *a)
{
	if (is_sprint(a)) {
		print_items(g, p, a, elab_builtin(a->u.call.name));
		return;
	}
	if (is_hist(a)) {
		struct ast_node *op = a->u.stat.operand;
		const struct symbol *sym = op->kind == AST_IDENT ? op->u.ident.sym :
			op->u.index.base->u.ident.sym;
		struct ast_node *k;

		sb_printf(&p->meta, "i H %d\n", bg_global_index(g, sym));
		p->n_items++;
		p->no_snprintf = true;
		if (op->kind == AST_INDEX)
			for (k = op->u.index.keys; k; k = k->next)
				add_val(g, p, k);
		return;
	}
	sb_printf(&p->meta, "i C %s 1 %c\n", a->type == TYPE_STRING ? "%s" : "%lld",
		  a->type == TYPE_STRING ? 's' : 'l');
	sb_puts(&p->cfmt, a->type == TYPE_STRING ? "%s" : "%lld");
	p->n_items++;
	add_val(g, p, a);
}

static void print_format(struct bg *g, struct pitem *p, struct ast_node *fmt,
			 struct ast_node *a)
{
	const char *f = fmt->u.str;
	struct fmt_spec specs[64];
	size_t pos = 0;
	int n, i;

	n = elab_parse_format(f, specs, 64);
	if (n < 0 || n > 64) {
		bg_unsupported(g, &fmt->loc, "this format");
		p->bad = true;
		return;
	}
	for (i = 0; i < n; i++) {
		const struct fmt_spec *fs = &specs[i];
		struct strbuf spec = { 0 };
		int nargs = 1;
		char kinds[4] = "";

		item_text(p, f + pos, fs->start - pos);
		pos = fs->start + fs->len;
		if (fs->conv == '%') {
			item_text(p, "%", 1);
			continue;
		}
		if (strchr("bmM", fs->conv)) {
			bg_unsupported(g, &fmt->loc, arena_printf(A(g), "the %%%c conversion", fs->conv));
			p->bad = true;
			return;
		}
		/* a plain %s of a sprint*(): its pieces instead */
		if (fs->conv == 's' && a && is_sprint(a) && fs->width == -1 && fs->prec == -1 &&
		    !fs->flags[0]) {
			print_items(g, p, a, elab_builtin(a->u.call.name));
			a = a->next;
			continue;
		}
		/* sprintf's %o, %#o, %#x, %p (%#x, as the loader prints it): the number as a
		 * string of our own, then %s */
		if (p->sprint && a && (fs->conv == 'o' || fs->conv == 'p' ||
				       (strchr("xX", fs->conv) && fs->flags[0])) &&
		    fs->width == -1 && fs->prec == -1 && (!fs->flags[0] || !strcmp(fs->flags, "#"))) {
			const char *v = bg_expr(g, a), *t = bg_tmp_str(g);

			emit_line(g->e, "__fmtnum(%s, (u64)(%s), %d, %d, %d);", t, v,
				  fs->conv == 'o' ? 3 : 4, fs->flags[0] == '#' || fs->conv == 'p',
				  fs->conv == 'X');
			sb_puts(&p->cfmt, "%s");
			p->n_items++;
			if (p->n_vals == 64) {
				p->bad = true;
				return;
			}
			p->is_str[p->n_vals] = true;
			p->vals[p->n_vals++] = t;
			a = a->next;
			continue;
		}
		sb_putc(&spec, '%');
		sb_puts(&spec, fs->flags);
		if (fs->conv == 'p' && !strchr(fs->flags, '#'))
			sb_putc(&spec, '#');
		if (fs->width == FMT_ARG) {
			sb_putc(&spec, '*');
			strcat(kinds, "l");
			nargs++;
			add_val(g, p, a);
			a = a->next;
		} else if (fs->width >= 0) {
			sb_printf(&spec, "%d", fs->width);
		}
		if (fs->prec == FMT_ARG) {
			sb_puts(&spec, ".*");
			strcat(kinds, "l");
			nargs++;
			add_val(g, p, a);
			a = a->next;
		} else if (fs->prec >= 0) {
			sb_printf(&spec, ".%d", fs->prec);
		}
		switch (fs->conv) {
		case 'd': case 'i':
			sb_puts(&spec, "lld");
			break;
		case 'u': case 'x': case 'X': case 'o':
			sb_printf(&spec, "ll%c", fs->conv);
			break;
		case 'p':
			sb_puts(&spec, "llx");
			break;
		default:
			sb_putc(&spec, fs->conv);
			break;
		}
		strcat(kinds, fs->conv == 's' ? "s" : "l");
		{
			char *m = bg_meta_str(spec.buf);

			sb_printf(&p->meta, "i C %s %d %s\n", m, nargs, kinds);
			free(m);
		}
		/* bpf_snprintf() takes flags "0+- " and a width, nothing else */
		if (strpbrk(spec.buf, "#*.") || fs->conv == 'p' || fs->conv == 'o')
			p->no_snprintf = true;
		sb_puts(&p->cfmt, spec.buf);
		p->n_items++;
		sb_free(&spec);
		if (!a) {
			p->bad = true;
			return;
		}
		add_val(g, p, a);
		if (fs->length == 'h' && p->n_vals)	/* the low 16 bits, as C prints them */
			emit_line(g->e, "%s = (%s)%s;", p->vals[p->n_vals - 1],
				  strchr("di", fs->conv) ? "short" : "unsigned short",
				  p->vals[p->n_vals - 1]);
		a = a->next;
	}
	item_text(p, f + pos, strlen(f + pos));
}

static void print_items(struct bg *g, struct pitem *p, struct ast_node *n, enum builtin bi)
{
	struct ast_node *a = n->u.call.args;
	bool newline = bi == BI_PRINTLN || bi == BI_SPRINTLN || bi == BI_PRINTDLN ||
		       bi == BI_SPRINTDLN;
	struct ast_node *delim = NULL;

	if (bi == BI_PRINTF || bi == BI_SPRINTF) {
		print_format(g, p, a, a->next);
		return;
	}
	if (bi == BI_PRINTD || bi == BI_PRINTDLN || bi == BI_SPRINTD || bi == BI_SPRINTDLN) {
		delim = a;
		a = a->next;
	}
	for (; a; a = a->next) {
		print_value(g, p, a);
		if (delim && a->next)
			print_value(g, p, delim);
	}
	if (newline)
		item_text(p, "\n", 1);
}

/* sprint*() as a value: bpf_snprintf() into a string temporary, with the format the
 * kernel's vsnprintf() (as the module runtime's) reads the same way */
const char *bg_sprint(struct bg *g, struct ast_node *n, enum builtin bi)
{
	struct pitem p = { .sprint = true };
	const char *t = bg_tmp_str(g);
	char *lit;
	int i, id;

	sb_puts(&p.cfmt, "");
	print_items(g, &p, n, bi);
	if (p.bad)
		goto out;
	if (p.no_snprintf || p.n_vals > 12) {
		bg_unsupported(g, &n->loc, "this sprint/sprintf as a value (precision, '#', '*', %p, %o, histograms or more than 12 values)");
		goto out;
	}
	id = g->n_lits++;
	lit = emit_cstr(p.cfmt.buf);
	sb_printf(&g->lits, "static const char __lit%d[] = %s;\n", id, lit);
	free(lit);
	emit_line(g->e, "__builtin_memset(%s, 0, MSL);", t);
	if (p.n_vals) {
		struct strbuf d = { 0 };

		for (i = 0; i < p.n_vals; i++)
			sb_printf(&d, "%s(u64)%s", i ? ", " : "", p.vals[i]);
		emit_line(g->e, "u64 __d%d[%d] = { %s };", id, p.n_vals, d.buf);
		emit_line(g->e, "bpf_snprintf(%s, MSL, __lit%d, __d%d, %d);", t, id, id, 8 * p.n_vals);
		sb_free(&d);
	} else {
		emit_line(g->e, "bpf_snprintf(%s, MSL, __lit%d, 0, 0);", t, id);
	}
out:
	sb_free(&p.meta);
	sb_free(&p.cfmt);
	return t;
}

/* can bpf_snprintf() tell the length of p's output (a dropped record's bytes)? Not
 * past 12 values, nor with a conversion it lacks, nor with a letter or digit after a
 * %s, which it refuses */
static bool exact_length(const struct pitem *p)
{
	const char *c;

	if (p->no_snprintf || p->n_vals > 12 || !p->cfmt.buf)
		return false;
	for (c = p->cfmt.buf; (c = strchr(c, '%')); c += 2) {
		if (c[1] == 's' && ((c[2] >= 'a' && c[2] <= 'z') || (c[2] >= 'A' && c[2] <= 'Z') ||
				    (c[2] >= '0' && c[2] <= '9')))
			return false;
		if (!c[1])
			break;
	}
	return true;
}

void bg_print_call(struct bg *g, struct ast_node *n, enum builtin bi)
{
	struct pitem p = { 0 };
	int id, i, off = 8;

	print_items(g, &p, n, bi);
	if (p.bad)
		goto out;
	sb_puts(&p.meta, "");
	id = bg_memo_find(g, 'R', p.meta.buf);
	if (id < 0) {
		id = ++g->n_fmt;
		bg_memo_add(g, 'R', p.meta.buf, id);
		sb_printf(&g->meta, "R %d %d\n%s", id, p.n_items, p.meta.buf);
	}
	emit_line(g->e, "*(u32 *)F->rec = 1; *(u32 *)(F->rec + 4) = %d;", id);
	for (i = 0; i < p.n_vals; i++) {
		if (p.is_str[i]) {
			emit_line(g->e, "__builtin_memcpy(__A8(F->rec + %d), __A8(%s), MSL);", off, p.vals[i]);
			off += g->msl;
		} else {
			emit_line(g->e, "*(s64 *)(F->rec + %d) = %s;", off, p.vals[i]);
			off += 8;
		}
	}
	if (off > g->rec_max)
		g->rec_max = off;
	if (exact_length(&p)) {
		/* a dropped record counts the bytes it would have printed */
		int lit = g->n_lits++;
		char *c = emit_cstr(p.cfmt.buf);

		sb_printf(&g->lits, "static const char __lit%d[] = %s;\n", lit, c);
		free(c);
		emit_open(g->e, "if (bpf_ringbuf_output(&__rb, F->rec, %d, 0))", off);
		if (p.n_vals) {
			struct strbuf v = { 0 };

			for (i = 0, off = 8; i < p.n_vals; i++) {
				if (p.is_str[i])
					sb_printf(&v, "%s(u64)(F->rec + %d)", i ? ", " : "", off);
				else
					sb_printf(&v, "%s*(u64 *)(F->rec + %d)", i ? ", " : "", off);
				off += p.is_str[i] ? g->msl : 8;
			}
			emit_line(g->e, "u64 __dd[%d] = { %s };", p.n_vals, v.buf);
			emit_line(g->e, "long __n = bpf_snprintf(0, 0, __lit%d, __dd, %d);", lit,
				  8 * p.n_vals);
			sb_free(&v);
		} else {
			emit_line(g->e, "long __n = bpf_snprintf(0, 0, __lit%d, 0, 0);", lit);
		}
		emit_line(g->e, "__sync_fetch_and_add(&G->__dropped, __n > 0 ? __n - 1 : 0);");
		emit_close(g->e, "}");
	} else {
		emit_line(g->e, "if (bpf_ringbuf_output(&__rb, F->rec, %d, 0)) __sync_fetch_and_add(&G->__dropped, %d);",
			  off, off - 8);
	}
out:
	sb_free(&p.meta);
	sb_free(&p.cfmt);
}

/* --- probes ----------------------------------------------------------------- */

static const char *section_of(struct session *s, const struct derived_probe *dp)
{
	if (dp->family == &timer_family || dp->family == &bpf_perf_family)
		return "perf_event";
	if (dp->family == &bpf_trace_family)
		return bpf_trace_is_raw(dp) ? "raw_tp" : "tracepoint";
	if (bpf_is_uprobe(dp))
		return bpf_uprobe_is_raw(s, dp) ? "raw_tp" : "uprobe";
	return "raw_tp";
}

/* the head of a program: F, G, locals zeroed on the probe's first part */
static void prog_open(struct bg *g, const struct derived_probe *dp, int prog, bool first,
		      bool event)
{
	if (dp->family == &syscall_family || bpf_uprobe_is_sys(g->s, dp, NULL))
		/* a subprogram of the sys_enter/sys_exit dispatcher (bpf/syscall.c) */
		emit_open(g->e, "static __attribute__((noinline)) int __prog%d(void *ctx)", prog);
	else
		emit_open(g->e, "SEC(\"%s\") int __prog%d(void *ctx)", section_of(g->s, dp), prog);
	emit_line(g->e, "u32 __z = 0; int __ret = 0;");
	emit_line(g->e, "u32 __cpu = bpf_get_smp_processor_id();");
	emit_line(g->e, "struct __frame *F = bpf_map_lookup_elem(&%s, %s);",
		  event ? "__frame" : "__mframe", event ? "&__cpu" : "&__z");
	emit_line(g->e, "struct __globals *G = bpf_map_lookup_elem(&__g, &__z);");
	emit_line(g->e, "if (!F || !G) return 0;");
	if (event)
		emit_line(g->e, "if (G->__state != 1) return 0;");
	emit_line(g->e, "F->err = 0; F->next = 0;");
	if (first) {
		emit_line(g->e, "F->act = 0;");
		if (g->rx_caps)	/* a new hit has had no =~ */
			emit_line(g->e, "F->mng = -1;");
		zero_members(g, dp->locals, g->scope->prefix, "l_");
	}
}

static void prog_close(struct bg *g)
{
	emit_line(g->e, "goto __out;");
	emit_line(g->e, "__out:");
	emit_line(g->e, "if (F->err) { __report(F, G); return 2; }");
	emit_line(g->e, "if (F->next) return 2;");
	emit_line(g->e, "return __ret;");
	emit_close(g->e, "}");
}


/* foreach ([k...] in a [sort]) [limit N] body as a program of its own: its prologue
 * takes the element the loader put in __loopkey */
static void foreach_prog(struct bg *g, const struct derived_probe *dp, struct ast_node *n)
{
	struct ast_node *arr = n->u.foreach.array, *k;
	const struct symbol *sym = arr->kind == AST_IDENT ? arr->u.ident.sym : NULL;
	int prog = g->n_prog++, off = 0, i;
	int64_t limit = -1;

	if (!sym || n->u.foreach.slice) {
		bg_unsupported(g, &n->loc, !sym ? "foreach over a histogram" : "foreach over a slice");
		return;
	}
	if (n->u.foreach.limit) {
		if (n->u.foreach.limit->kind != AST_NUMBER) {
			bg_unsupported(g, &n->u.foreach.limit->loc, "a foreach limit other than a number");
			return;
		}
		limit = n->u.foreach.limit->u.num;
	}
	prog_open(g, dp, prog, false, false);
	emit_line(g->e, "char *L = bpf_map_lookup_elem(&__loopkey, &__z);");
	emit_line(g->e, "if (!L) return 0;");
	for (k = n->u.foreach.keys, i = 0; k; k = k->next, i++) {
		const char *lv = bg_sym(g, k->u.ident.sym);

		if (sym->key_types[i] == TYPE_STRING) {
			emit_line(g->e, "__builtin_memcpy(%s, L + %d, MSL);", lv, off);
			off += g->msl;
		} else {
			emit_line(g->e, "%s = *(s64 *)(L + %d);", lv, off);
			off += 8;
		}
	}
	if (n->u.foreach.value) {
		const char *lv = bg_sym(g, n->u.foreach.value->u.ident.sym);

		if (sym->type == TYPE_STATS)
			bg_unsupported(g, &n->loc, "a foreach value of a statistic");
		else if (sym->type == TYPE_STRING)
			emit_line(g->e, "__builtin_memcpy(%s, L + %d, MSL);", lv, off);
		else
			emit_line(g->e, "%s = *(s64 *)(L + %d);", lv, off);
	}
	bg_stmt(g, n->u.foreach.body);
	prog_close(g);
	sb_printf(&g->meta, "F %d %d %d %d %d %" PRId64 "\n", prog, bg_global_index(g, sym),
		  n->u.foreach.sort_key, n->u.foreach.sort_dir, n->u.foreach.sort_aggr, limit);
}

/* text with every "from" replaced by "to" */
static char *replace_all(const char *text, const char *from, const char *to)
{
	struct strbuf sb = { 0 };
	const char *p = text, *q;
	size_t fl = strlen(from);

	while ((q = strstr(p, from))) {
		sb_add(&sb, p, (size_t)(q - p));
		sb_puts(&sb, to);
		p = q + fl;
	}
	sb_puts(&sb, p);
	return sb.buf;
}

/* a syscall probe's subprogram: false if an alike one (the same C but for its number
 * and its locals' place) is written already, which then serves this probe too; the
 * aliases of syscall.* are mostly alike, and a program has at most 256 subprograms */
static bool same_body(struct bg *g, const struct derived_probe *dp, int prog, const char *body)
{
	char *a = arena_printf(A(g), "__prog%d(", prog), *b = arena_printf(A(g), "F->p.p%d.", dp->id);
	char *t1 = replace_all(body, a, "__prog@("), *t2 = replace_all(t1, b, "F->p.p@.");
	int id = bg_memo_find(g, 'B', t2);

	if (id < 0)
		bg_memo_add(g, 'B', t2, prog);
	else
		g->sys[g->n_sys - 1].prog = id;
	free(t1);
	free(t2);
	return id < 0;
}

static void probe(struct bg *g, struct derived_probe *dp)
{
	struct emitter e = { 0 };
	struct bg_scope scope = { .prefix = arena_printf(A(g), "F->p.p%d", dp->id) };
	const struct probe_family *f = dp->family;
	bool event = f != &begin_family && f != &end_family && f != &error_family;
	bool sys_ret = false, sys = f == &syscall_family || bpf_uprobe_is_sys(g->s, dp, &sys_ret);
	struct ast_node *st;
	char *pp = bg_meta_str(dp->pp_str);
	int prog = g->n_prog++;

	g->e = &e;
	g->scope = &scope;
	g->dp = dp;
	g->n_tmp = 0;	/* the names of the C function's own temporaries */
	g->abort = ABORT_PROBE;
	g->event = event;
	g->maxaction = event ? g->maxaction_event : g->maxaction_begin;
	g->depth = sys ? 2 : 1;
	if (f == &timer_family) {
		bool per_cpu = false;
		int64_t ns = timer_period_ns(dp, &per_cpu);

		sb_printf(&g->meta, "P timer %s %" PRId64 " %d\n", pp, ns, per_cpu);
	} else if (f == &bpf_perf_family) {
		sb_printf(&g->meta, "P perf %s %s\n", pp, bpf_perf_attach(g->s, dp));
	} else if (f == &bpf_trace_family) {
		sb_printf(&g->meta, "P %s %s %s\n", bpf_trace_is_raw(dp) ? "raw" : "trace", pp,
			  bpf_trace_target(dp));
	} else if (sys) {
		struct bg_sys *sy;

		g->sys = xrealloc(g->sys, (size_t)(g->n_sys + 1) * sizeof(*g->sys));
		sy = &g->sys[g->n_sys++];
		sy->prog = prog;
		if (f == &syscall_family) {
			syscall_probe_nr(dp, &sy->nr, &sy->ret);
		} else {	/* process.syscall: every call */
			sy->nr = -1;
			sy->ret = sys_ret;
		}
		if (dp->entry_of)
			diag_error(g->s, &dp->pp->loc, "@entry() in probe %s is not supported by the BPF runtime (--runtime=bpf) yet",
				   dp->pp_str);
	} else if (bpf_is_uprobe(dp)) {
		bpf_uprobe_meta(g, dp);
	} else {
		sb_printf(&g->meta, "P %s %s %" PRId64 "\n", f == &begin_family ? "begin" :
			  f == &end_family ? "end" : "error", pp, dp->priority);
	}
	free(pp);
	prog_open(g, dp, prog, true, event);
	if (f == &bpf_trace_family)
		bpf_trace_prologue(g, dp);
	if (bpf_is_uprobe(dp))
		bpf_uprobe_prologue(g);
	if (dp->cond) {
		const char *c = bg_expr(g, dp->cond);

		emit_line(g->e, "if (!(%s)) goto __out;", c);
	}
	for (st = dp->body->u.block.stmts; st; st = st->next) {
		if (st->kind != AST_FOREACH || event) {
			bg_stmt(g, st);
			continue;
		}
		/* split: the part so far, the loop's program, a new part */
		prog_close(g);
		sb_printf(&g->meta, "S %d\n", prog);
		foreach_prog(g, dp, st);
		prog = g->n_prog++;
		prog_open(g, dp, prog, false, event);
	}
	prog_close(g);
	if (!sys)
		sb_printf(&g->meta, "S %d\n", prog);
	sb_printf(&g->types, "struct __pl%d {\n", dp->id);
	members(&g->types, dp->locals, "l_");
	sb_printf(&g->types, "\tchar __s[%d][MSL] __attribute__((aligned(8)));\n};\n", scope.max_str ? scope.max_str : 1);
	sb_printf(&g->fprobes, "\t\tstruct __pl%d p%d;\n", dp->id, dp->id);
	if (!sys || same_body(g, dp, prog, e.out.buf))
		sb_puts(&g->progs, e.out.buf);
	sb_free(&e.out);
}

/* --- maps and globals --------------------------------------------------------- */

static int key_size(struct bg *g, const struct symbol *sym)
{
	int i, n = 0;

	for (i = 0; i < sym->n_keys; i++)
		n += sym->key_types[i] == TYPE_STRING ? g->msl : 8;
	return n ? n : 8;
}

int bg_stat_buckets(const struct symbol *sym)
{
	const struct ast_node *h = sym->hist, *a;

	if (!h)
		return 1;
	if (h->u.stat.op == STAT_HIST_LOG)
		return 128;
	a = h->u.stat.params;
	return (int)((a->next->u.num - a->u.num) / a->next->next->u.num + 3);
}

static int64_t map_size(const struct symbol *sym, int64_t dflt)
{
	return sym->global && sym->global->size > 0 ? sym->global->size : dflt;
}

static void globals(struct bg *g, struct strbuf *maps, int *zero_max, int64_t maxentries)
{
	struct symbol *sym;
	int off = 48, i;

	sb_puts(&g->types, "struct __globals {\n\ts64 __state, __target, __ncpu, __rtoff, __dropped, __errors;\n");
	for (i = 0; i < g->n_gsyms; i++) {
		char *name;

		sym = g->gsyms[i];
		name = bg_meta_str(sym->name);
		if (sym->autoprint)
			sb_printf(&g->meta, "A %d\n", i);
		if (!sym->n_keys && sym->type != TYPE_STATS) {
			bool str = sym->type == TYPE_STRING;

			sb_printf(&g->types, str ? "\tchar g%d[MSL] __attribute__((aligned(8)));\n" : "\ts64 g%d;\n", i);
			sb_printf(&g->meta, "G %d %s %c %d", i, name, str ? 's' : 'l', off);
			if (sym->global && sym->global->init) {
				const struct ast_node *in = sym->global->init;
				char *v = in->kind == AST_STRING ? bg_meta_str(in->u.str) : NULL;

				if (v)
					sb_printf(&g->meta, " %s", v);
				else if (in->kind == AST_NUMBER)
					sb_printf(&g->meta, " %" PRId64, in->u.num);
				free(v);
			}
			sb_puts(&g->meta, "\n");
			off += str ? g->msl : 8;
			free(name);
			continue;
		}
		/* key struct, frame slot, map */
		{
			int j;

			sb_printf(maps, "struct __k%d {", i);
			if (!sym->n_keys)
				sb_puts(maps, " s64 k0;");
			for (j = 0; j < sym->n_keys; j++)
				sb_printf(maps, sym->key_types[j] == TYPE_STRING ? " char k%d[MSL];" :
					  " s64 k%d;", j);
			sb_puts(maps, " };\n");
			sb_printf(&g->frame, "\tstruct __k%d k%d;\n", i, i);
		}
		{
			char kinds[ELAB_MAX_KEYS + 1];
			int j;

			for (j = 0; j < sym->n_keys; j++)
				kinds[j] = sym->key_types[j] == TYPE_STRING ? 's' : 'l';
			kinds[j] = '\0';
			if (sym->type == TYPE_STATS) {
				int nb = bg_stat_buckets(sym), vs = 32 + 8 * nb;
				const struct ast_node *h = sym->hist;

				sb_printf(maps, "struct __sv%d { s64 count, sum, min, max; s64 b[%d]; };\n",
					  i, nb);
				sb_printf(maps, "struct { __uint(type, BPF_MAP_TYPE_PERCPU_HASH); __uint(max_entries, %" PRId64 "); __type(key, struct __k%d); __type(value, struct __sv%d); } s%d SEC(\".maps\");\n",
					  sym->n_keys ? map_size(sym, maxentries) : 1, i, i, i);
				sb_printf(&g->meta, "M %d %s S %d %s %d", i, name, sym->n_keys,
					  sym->n_keys ? kinds : "-", vs);
				if (h && h->u.stat.op == STAT_HIST_LOG) {
					sb_puts(&g->meta, " log\n");
				} else if (h) {
					const struct ast_node *a = h->u.stat.params;

					sb_printf(&g->meta, " linear %" PRId64 " %" PRId64 " %" PRId64 "\n",
						  a->u.num, a->next->u.num, a->next->next->u.num);
				} else {
					sb_puts(&g->meta, " none\n");
				}
				if (vs > *zero_max)
					*zero_max = vs;
			} else {
				bool str = sym->type == TYPE_STRING;

				sb_printf(maps, "struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, %" PRId64 "); __type(key, struct __k%d); __type(value, %s); } m%d SEC(\".maps\");\n",
					  map_size(sym, maxentries), i,
					  str ? "struct __str" : "s64", i);
				sb_printf(&g->meta, "M %d %s %c %d %s %d\n", i, name, str ? 's' : 'l',
					  sym->n_keys, kinds, str ? g->msl : 8);
				if ((str ? g->msl : 8) > *zero_max)
					*zero_max = str ? g->msl : 8;
			}
			(void)key_size;
		}
		free(name);
	}
	sb_puts(&g->types, "};\n");
}

/* What the programs use of <linux/bpf.h> and libbpf's <bpf/bpf_helpers.h>, declared
 * here: the two headers are 11,000 lines that clang would read for every new script
 * (about 7 ms of its CPU). The helpers' numbers and the map types are the kernel's
 * ABI (enum bpf_func_id, enum bpf_map_type); SEC, __uint and __type are the forms
 * libbpf reads maps in. */
#define HELPER(ret, name, id, ...) "static " ret " (*bpf_" name ")(" __VA_ARGS__ ") = (void *)" #id ";\n"
static const char prelude[] =
	"typedef unsigned char __u8;\ntypedef unsigned short __u16;\n"
	"typedef unsigned int __u32;\ntypedef unsigned long long __u64;\n"
	"typedef signed char __s8;\ntypedef short __s16;\ntypedef int __s32;\ntypedef long long __s64;\n"
	"#define SEC(name) __attribute__((section(name), used))\n"
	"#define __uint(name, val) int (*name)[val]\n"
	"#define __type(name, val) typeof(val) *name\n"
	"#define __always_inline inline __attribute__((always_inline))\n"
	"enum { BPF_ANY = 0, BPF_NOEXIST = 1 };\n"
	"enum { BPF_MAP_TYPE_HASH = 1, BPF_MAP_TYPE_ARRAY = 2, BPF_MAP_TYPE_PERCPU_HASH = 5,"
	" BPF_MAP_TYPE_RINGBUF = 27 };\n"
	HELPER("void *", "map_lookup_elem", 1, "void *map, const void *key")
	HELPER("long", "map_update_elem", 2, "void *map, const void *key, const void *value, __u64 flags")
	HELPER("long", "map_delete_elem", 3, "void *map, const void *key")
	HELPER("__u64", "ktime_get_ns", 5, "void")
	HELPER("__u32", "get_smp_processor_id", 8, "void")
	HELPER("__u64", "get_current_pid_tgid", 14, "void")
	HELPER("__u64", "get_current_uid_gid", 15, "void")
	HELPER("long", "get_current_comm", 16, "void *buf, __u32 size")
	HELPER("__u64", "get_current_task", 35, "void")
	HELPER("long", "probe_read_user", 112, "void *dst, __u32 size, const void *src")
	HELPER("long", "probe_read_kernel", 113, "void *dst, __u32 size, const void *src")
	HELPER("long", "probe_read_user_str", 114, "void *dst, __u32 size, const void *src")
	HELPER("long", "probe_read_kernel_str", 115, "void *dst, __u32 size, const void *src")
	HELPER("__u64", "ktime_get_boot_ns", 125, "void")
	HELPER("long", "ringbuf_output", 130, "void *ringbuf, void *data, __u64 size, __u64 flags")
	HELPER("long", "for_each_map_elem", 164, "void *map, void *fn, void *ctx, __u64 flags")
	HELPER("long", "snprintf", 165, "char *str, __u32 size, const char *fmt, __u64 *data, __u32 len")
	HELPER("__u64", "get_func_ip", 173, "void *ctx")
	HELPER("__u64", "get_attach_cookie", 174, "void *ctx")
	HELPER("long", "loop", 181, "__u32 n, void *fn, void *ctx, __u64 flags")
	HELPER("void *", "map_lookup_percpu_elem", 195, "void *map, const void *key, __u32 cpu")
	"typedef long long s64;\n"
	"typedef unsigned long long u64;\n"
	"typedef unsigned int u32;\n"
	"char LICENSE[] SEC(\"license\") = \"GPL\";\n"
	/* string buffers start 8-aligned in the frame, maps and literals; saying so
	 * lets clang copy them 8 bytes at a time, not a byte at a time (an eighth of
	 * the instructions, and a quicker compile) */
	"#if MSL % 8 == 0\n"
	"#define __A8(p) __builtin_assume_aligned((p), 8)\n"
	"#else\n"
	"#define __A8(p) (p)\n"
	"#endif\n"
	"struct __str { char s[MSL] __attribute__((aligned(8))); };\n"
	"struct __agg { s64 count, sum, min, max, avg; };\n"
	"struct __rx { const char *s; u32 st, res; };\n"
	"struct { __uint(type, BPF_MAP_TYPE_RINGBUF); __uint(max_entries, 4 << 20); } __rb SEC(\".maps\");\n";

static const char helpers[] =
	"static __always_inline s64 __sdiv(s64 a, s64 b)\n{\n"
	"\tu64 ua = a < 0 ? 0 - (u64)a : (u64)a, ub = b < 0 ? 0 - (u64)b : (u64)b;\n"
	"\tu64 q = ua / ub;\n"
	"\treturn (a < 0) != (b < 0) ? (s64)(0 - q) : (s64)q;\n}\n"
	"static __always_inline s64 __smod(s64 a, s64 b)\n{\n"
	"\tu64 ua = a < 0 ? 0 - (u64)a : (u64)a, ub = b < 0 ? 0 - (u64)b : (u64)b;\n"
	"\tu64 r = ua % ub;\n"
	"\treturn a < 0 ? (s64)(0 - r) : (s64)r;\n}\n"
	"static __always_inline s64 __strlen(const char *a)\n{\n"
	"\tint i;\n\tfor (i = 0; i < MSL; i++)\n\t\tif (!a[i]) break;\n\treturn i;\n}\n"
	"static __always_inline int __scmp(const char *a, const char *b)\n{\n"
	"\tfor (int i = 0; i < MSL; i++) {\n"
	"\t\tif (a[i] != b[i]) return (unsigned char)a[i] < (unsigned char)b[i] ? -1 : 1;\n"
	"\t\tif (!a[i]) return 0;\n\t}\n\treturn 0;\n}\n"
	"/* d has 2 * MSL bytes of room (the next temporary), so that the verifier sees the\n"
	" * second copy in bounds; the result is cut at MSL - 1 */\n"
	"static __always_inline void __scat(char *d, const char *a, const char *b)\n{\n"
	"\t__builtin_memset(d, 0, MSL);\n"
	"\tlong n = bpf_probe_read_kernel_str(d, MSL, a);\n"
	"\tif (n < 1) n = 1;\n\tif (n > MSL) n = MSL;\n\tn--;\n"
	"\tbpf_probe_read_kernel_str(d + n, MSL, b);\n"
	"\td[MSL - 1] = 0;\n}\n"
	"/* substr(in, start, len): len bytes of in from byte start on */\n"
	"static __attribute__((noinline)) void __substr(char *out, const char *in, s64 start, s64 len)\n{\n"
	"\tu32 st, sz;\n"
	"\t__builtin_memset(out, 0, MSL);\n"
	"\tif (start < 0 || start >= MSL || len <= 0) return;\n"
	"\tst = (u32)start;\n\tsz = len >= MSL ? MSL : (u32)len + 1;\n"
	"\tasm volatile(\"\" : \"+r\"(st), \"+r\"(sz));\n"
	"\tif (st >= MSL || sz > MSL || sz < 1) return;\n"
	"\tbpf_probe_read_kernel_str(out, sz, in + st);\n}\n"
	"/* v in octal with C's '#' prefix if alt (at most 22 digits) */\n"
	"static __attribute__((noinline)) void __fmtoct(char *out, u64 v, u32 alt)\n{\n"
	"\tu32 nd = 1, pre = 0, i;\n\tu64 x = v;\n"
	"\tfor (i = 0; i < 22; i++) { x >>= 3; if (!x) break; nd++; }\n"
	"\tif (alt && v) { out[0] = '0'; pre = 1; }\n"
	"\tfor (i = 0; i < 22; i++) {\n"
	"\t\tu32 pos = pre + nd - 1 - i;\n"
	"\t\tif (i >= nd || pos >= MSL) break;\n"
	"\t\tout[pos] = (char)('0' + (v & 7));\n"
	"\t\tv >>= 3;\n\t}\n}\n"
	"static const char __fmt_x[] = \"0x%llx\", __fmt_X[] = \"0X%llX\";\n"
	"/* v in octal (shift 3) or hex (4) with '#', as the module runtime's sprintf(\"%#o\"),\n"
	" * (\"%#x\"): 0 is \"0\" in octal, \"0x0\" in hex */\n"
	"static __always_inline void __fmtnum(char *out, u64 v, u32 shift, u32 alt, u32 upper)\n{\n"
	"\t__builtin_memset(out, 0, MSL);\n"
	"\tif (shift == 3) __fmtoct(out, v, alt);\n"
	"\telse bpf_snprintf(out, MSL, upper ? __fmt_X : __fmt_x, &v, 8);\n}\n"
"static __always_inline int __log_bucket(s64 v)\n{\n"
	"\tu64 a = v < 0 ? 0 - (u64)v : (u64)v; int l = 0;\n"
	"\tif (v == 0) return 64;\n"
	"\tif (a >> 32) { a >>= 32; l += 32; }\n\tif (a >> 16) { a >>= 16; l += 16; }\n"
	"\tif (a >> 8) { a >>= 8; l += 8; }\n\tif (a >> 4) { a >>= 4; l += 4; }\n"
	"\tif (a >> 2) { a >>= 2; l += 2; }\n\tif (a >> 1) { l += 1; }\n"
	"\tif (v > 0) return 65 + l > 127 ? 127 : 65 + l;\n"
	"\treturn 63 - l < 0 ? 0 : 63 - l;\n}\n"
	"static __always_inline int __lin_bucket(s64 v, s64 start, s64 step, int nb)\n{\n"
	"\tu64 q;\n\tif (v < start) return 0;\n"
	"\tq = ((u64)v - (u64)start) / (u64)step;\n"
	"\tif (q >= (u64)(nb - 2)) return nb - 1;\n\treturn (int)q + 1;\n}\n"
	"static __always_inline void __aggregate(void *map, void *key, s64 ncpu, struct __agg *r)\n{\n"
	"\tfor (u32 i = 0; i < 512; i++) {\n"
	"\t\tif (i >= ncpu) break;\n"
	"\t\ts64 *p = bpf_map_lookup_percpu_elem(map, key, i);\n"
	"\t\tif (!p || !p[0]) continue;\n"
	"\t\tif (!r->count || p[2] < r->min) r->min = p[2];\n"
	"\t\tif (!r->count || p[3] > r->max) r->max = p[3];\n"
	"\t\tr->count += p[0]; r->sum += p[1];\n\t}\n}\n"
	"/* an error past MAXERRORS stops the session at once, as the module runtime does */\n"
	"static __always_inline void __report(struct __frame *F, struct __globals *G)\n{\n"
	"\tif (!SUPPRESS_ERRORS && __sync_fetch_and_add(&G->__errors, 1) >= MAXERRORS && G->__state == 1)\n"
	"\t\tG->__state = 2;\n"
	"\t*(u32 *)F->rec = 2; *(u32 *)(F->rec + 4) = (u32)F->err;\n"
	"\t*(s64 *)(F->rec + 8) = F->where;\n"
	"\t__builtin_memcpy(__A8(F->rec + 16), __A8(F->errbuf), MSL);\n"
	"\tbpf_ringbuf_output(&__rb, F->rec, 16 + MSL, 0);\n}\n"
	"static __always_inline void __exit(struct __frame *F, struct __globals *G)\n{\n"
	"\tif (G->__state == 1) G->__state = 2;\n"
	"\t*(u32 *)F->rec = 3; *(u32 *)(F->rec + 4) = 0;\n"
	"\tbpf_ringbuf_output(&__rb, F->rec, 8, 0);\n}\n";

/* -D NAME=VALUE's value (the last one), -D NAME's 1, else dflt */
int64_t bg_define_of(struct session *s, const char *name, int64_t dflt)
{
	size_t i, len = strlen(name);

	for (i = 0; i < s->opt.defines.n; i++) {
		const char *d = s->opt.defines.v[i];

		if (!strncmp(d, name, len) && d[len] == '=')
			dflt = atoll(d + len + 1);
		else if (!strcmp(d, name))
			dflt = 1;
	}
	return dflt;
}

/* write the program (C text, meta text) or only check it */
static int generate(struct session *s, bool check_only, struct strbuf *c_out,
		    struct strbuf *meta_out)
{
	struct bg g = { .s = s, .check_only = check_only, .n_where = 1 };	/* id 1: error() */
	struct strbuf maps = { 0 };
	struct bg_scope top = { .prefix = "F->p.top" };
	struct derived_probe *dp;
	struct symbol *sym;
	int zero_max = 8, n_errors = s->diag.n_errors;
	int64_t maxentries = bg_define_of(s, "MAXMAPENTRIES", 2048);

	g.msl = (int)bg_define_of(s, "MAXSTRINGLEN", BPF_DEFAULT_MAXSTRINGLEN);
	g.maxaction_event = (int)bg_define_of(s, "MAXACTION", 1000);
	g.maxaction_begin = (int)bg_define_of(s, "MAXACTION_INTERRUPTIBLE", 10 * (int64_t)g.maxaction_event);
	if (g.maxaction_event < 1 || g.maxaction_begin < 1 || g.maxaction_begin > 1 << 23) {
		diag_plain(s, "error", "MAXACTION must be from 1 to 838860 with --runtime=bpf");
		return -1;
	}
	if (bg_define_of(s, "STP_TIMING", 0)) {
		diag_plain(s, "stap", "not supported yet: -t with --runtime=bpf (per-probe timing)");
		return -1;
	}
	g.rec_max = 16 + g.msl;
	g.scope = &top;
	if (g.msl < 16 || g.msl > 1024 || g.msl % 8) {
		diag_plain(s, "error", "MAXSTRINGLEN=%d: the BPF runtime takes a multiple of 8 from 16 to 1024",
			   g.msl);
		return -1;
	}
	for (sym = s->prog.global_syms; sym; sym = sym->next) {
		g.gsyms = xrealloc(g.gsyms, (size_t)(g.n_gsyms + 1) * sizeof(*g.gsyms));
		g.gsyms[g.n_gsyms++] = sym;
	}
	sb_printf(&g.meta, "stapbpf 1\nmsl %d\n", g.msl);
	sb_printf(&g.meta, "maxerrors %lld\n", (long long)bg_define_of(s, "MAXERRORS", 0));
	if (bg_define_of(s, "STP_SUPPRESS_HANDLER_ERRORS", 0))
		sb_puts(&g.meta, "suppress_errors\n");
	globals(&g, &maps, &zero_max, maxentries);
	for (struct function *fn = s->prog.functions; fn; fn = fn->next_used)
		if (!strcmp(fn->name, "matched") || !strcmp(fn->name, "ngroups"))
			g.rx_caps = true;
	for (dp = s->prog.probes; dp; dp = dp->next) {
		const struct probe_family *f = dp->family;

		if (f->not_emitted)
			continue;
		if (f != &begin_family && f != &end_family && f != &error_family &&
		    f != &timer_family && f != &bpf_trace_family && f != &bpf_perf_family &&
		    f != &syscall_family && !bpf_is_uprobe(dp)) {
			diag_error(s, &dp->pp->loc, "probe point %s is not supported by the BPF runtime (--runtime=bpf)",
				   dp->pp_str);
			continue;
		}
		probe(&g, dp);
	}
	bpf_sys_dispatchers(&g);
	if (c_out) {
		sb_printf(c_out, "#define MSL %d\n#define MAXERRORS %lld\n#define SUPPRESS_ERRORS %d\n", g.msl,
			  (long long)bg_define_of(s, "MAXERRORS", 0),
			  bg_define_of(s, "STP_SUPPRESS_HANDLER_ERRORS", 0) != 0);
		sb_puts(c_out, prelude);
		sb_puts(c_out, maps.buf ? maps.buf : "");
		sb_puts(c_out, g.types.buf ? g.types.buf : "");
		sb_printf(c_out, "struct __frame {\n\ts64 err, where, next, act;\n\ts64 sys_nr, sys_ret;\n\tu64 sys_regs;\n\tu64 regs[21], fip;\n\ts64 site, edepth;\n\ts64 mng;\n\tint mcap[64];\n\tchar mstr[MSL] __attribute__((aligned(8)));\n\tchar errbuf[MSL] __attribute__((aligned(8)));\n\tchar rec[%d] __attribute__((aligned(8)));\n",
			  g.rec_max);
		sb_puts(c_out, g.frame.buf ? g.frame.buf : "");
		if (g.rx_max_insts)	/* bpf/expr.c: the group search's stack and marks */
			sb_printf(c_out, "\tstruct { u32 phase, len, sp, st, e, found, k; } rxq;\n\tu32 rxs[%d];\n\tunsigned long long rxv[%d];\n",
				  2 * g.rx_max_insts * (g.msl + 1) + 4,
				  (g.rx_max_insts * (g.msl + 1) + 63) / 64);
		sb_puts(c_out, "\tunion {\n\t\tstruct { char __s[1][MSL] __attribute__((aligned(8))); } top;\n");
		sb_puts(c_out, g.fprobes.buf ? g.fprobes.buf : "");
		sb_puts(c_out, "\t} p;\n\tstruct {\n\t\ts64 __none;\n");
		sb_puts(c_out, g.ffns.buf ? g.ffns.buf : "");
		sb_puts(c_out, "\t} f;\n};\n");
		sb_puts(c_out, "_Static_assert(sizeof(struct __frame) <= (4 << 20), \"the locals, temporaries and keys of the script's probes and functions need more than 4 MiB: try a smaller -D MAXSTRINGLEN\");\n");
		sb_printf(c_out, "struct __lc { struct __frame *F; struct __globals *G; };\n");
		/* one frame per CPU: an array the loader sizes to the possible CPUs (a per-CPU
		 * map's values are limited to 32 KiB) */
		sb_printf(c_out, "struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __type(key, u32); __type(value, struct __frame); } __frame SEC(\".maps\");\n");
		sb_printf(c_out, "struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __type(key, u32); __type(value, struct __frame); } __mframe SEC(\".maps\");\n");
		sb_printf(c_out, "struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __type(key, u32); __type(value, struct __globals); } __g SEC(\".maps\");\n");
		sb_printf(c_out, "struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __type(key, u32); __type(value, char[%d]); } __loopkey SEC(\".maps\");\n",
			  9 * g.msl + g.msl);
		if (g.proc_ends)	/* bpf/uprobe.c: processes of process("PATH").end */
			sb_printf(c_out, "struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, %" PRId64 "); __type(key, s64); __type(value, __u8); } __procs SEC(\".maps\");\n",
				  maxentries);
		if (g.entry_values)	/* bpf/uprobe.c: values of a function's entry */
			sb_printf(c_out, "struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, %" PRId64 "); __type(key, u64[2]); __type(value, char[MSL]); } __ent SEC(\".maps\");\n"
				    "struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, %" PRId64 "); __type(key, u64); __type(value, s64); } __edepth SEC(\".maps\");\n",
				  maxentries, maxentries);
		sb_printf(c_out, "__attribute__((used)) static const char __zero[%d];\n", zero_max);
		sb_puts(c_out, helpers);
		bpf_sys_tables(&g, c_out);
		sb_puts(c_out, g.lits.buf ? g.lits.buf : "");
		sb_puts(c_out, g.callbacks.buf ? g.callbacks.buf : "");
		sb_puts(c_out, g.progs.buf ? g.progs.buf : "");
	}
	if (meta_out)
		sb_puts(meta_out, g.meta.buf);
	sb_free(&maps);
	sb_free(&g.types);
	sb_free(&g.callbacks);
	sb_free(&g.progs);
	sb_free(&g.lits);
	sb_free(&g.meta);
	sb_free(&g.frame);
	sb_free(&g.fprobes);
	sb_free(&g.ffns);
	free(g.gsyms);
	free(g.fns);
	free(g.fn_height);
	free(g.sys);
	bg_memo_free(&g);
	return s->diag.n_errors > n_errors ? -1 : 0;
}

int bpf_check(struct session *s)
{
	return generate(s, true, NULL, NULL);
}

int bpf_generate(struct session *s, struct strbuf *c, struct strbuf *meta);

int bpf_generate(struct session *s, struct strbuf *c, struct strbuf *meta)
{
	return generate(s, false, c, meta);
}
