/* Pass 3 for the BPF runtime: expressions. Each returns a C expression valid after
 * the statements it emitted: a long is an s64 value, a string a char pointer to a
 * MAXSTRINGLEN buffer that is NUL-terminated and zero-padded (so that it can be a map
 * key). Locals and string temporaries live in the frame map (F), scalar globals in
 * the globals map (G), arrays and statistics in maps of their own. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/gen.h"
#include "elaborate/regex.h"

#define A(g) (&(g)->s->arena)


void bg_unsupported(struct bg *g, const struct srcloc *loc, const char *what)
{
	diag_error(g->s, loc, "%s is not supported by the BPF runtime (--runtime=bpf)", what);
}

/* text of a meta line field: no blanks or control characters (\ escapes) */
char *bg_meta_str(const char *str)
{
	struct strbuf sb = { 0 };

	sb_puts(&sb, "");
	for (; *str; str++) {
		unsigned char c = (unsigned char)*str;

		if (c == '\\')
			sb_puts(&sb, "\\\\");
		else if (c <= ' ' || c >= 0x7f)
			sb_printf(&sb, "\\%03o", c);
		else
			sb_putc(&sb, (char)c);
	}
	return sb.buf;
}

/* the id of "near TOKEN at FILE:L:C" in the loader's table */
int bg_memo_find(struct bg *g, char kind, const char *text)
{
	int i;

	for (i = 0; i < g->n_memo; i++)
		if (g->memo[i].text[0] == kind && !strcmp(g->memo[i].text + 1, text))
			return g->memo[i].id;
	return -1;
}

void bg_memo_add(struct bg *g, char kind, const char *text, int id)
{
	g->memo = xrealloc(g->memo, (size_t)(g->n_memo + 1) * sizeof(*g->memo));
	g->memo[g->n_memo].text = xasprintf("%c%s", kind, text);
	g->memo[g->n_memo++].id = id;
}

void bg_memo_free(struct bg *g)
{
	for (int i = 0; i < g->n_memo; i++)
		free(g->memo[i].text);
	free(g->memo);
	g->memo = NULL;
	g->n_memo = 0;
}

int bg_where(struct bg *g, const struct srcloc *loc)
{
	char *text, *m;
	int id;

	if (!loc || !loc->file)
		text = xstrdup("");
	else
		text = xasprintf("%s%sat %s:%d:%d", loc->tok ? loc->tok : "",
				 loc->tok ? " " : "", loc->file->name, loc->line, loc->col);
	id = bg_memo_find(g, 'W', text);
	if (id >= 0) {
		free(text);
		return id;
	}
	m = bg_meta_str(text);
	sb_printf(&g->meta, "W %d %s\n", ++g->n_where, m);
	bg_memo_add(g, 'W', text, g->n_where);
	free(m);
	free(text);
	return g->n_where;
}

void bg_abort(struct bg *g)
{
	if (g->catch_label) {
		emit_line(g->e, "goto %s;", g->catch_label);
		return;
	}
	switch (g->abort) {
	case ABORT_PROBE:
		emit_line(g->e, "goto __out;");
		break;
	case ABORT_FUNCTION:
		emit_line(g->e, "return 0;");
		break;
	case ABORT_CALLBACK:
		emit_line(g->e, "return 1;");
		break;
	}
}

/* a run-time error: msg is the module runtime's text */
void bg_fail(struct bg *g, const char *cond, const struct srcloc *loc, const char *msg)
{
	char *m;
	int id = bg_memo_find(g, 'X', msg);

	if (id < 0) {
		id = ++g->n_where;
		bg_memo_add(g, 'X', msg, id);
		m = bg_meta_str(msg);
		sb_printf(&g->meta, "X %d %s\n", id, m);
		free(m);
	}
	emit_open(g->e, "if (%s)", cond);
	emit_line(g->e, "F->err = %d; F->where = %d;", id, bg_where(g, loc));
	if (g->try_depth || g->n_calling)	/* a catch may read it */
		emit_line(g->e, "__builtin_memcpy(__A8(F->errbuf), __A8(%s), MSL);", bg_lit(g, msg));
	bg_abort(g);
	emit_close(g->e, "}");
}

const char *bg_tmp_long(struct bg *g)
{
	const char *t = arena_printf(A(g), "__t%d", g->n_tmp++);

	emit_line(g->e, "s64 %s;", t);
	return t;
}

const char *bg_tmp_str(struct bg *g)
{
	int i = g->scope->n_str++;

	if (g->scope->n_str > g->scope->max_str)
		g->scope->max_str = g->scope->n_str;
	return arena_printf(A(g), "%s.__s[%d]", g->scope->prefix, i);
}

/* a string temporary with MSL bytes of room after it, for __scat */
static const char *tmp_cat(struct bg *g)
{
	const char *t = bg_tmp_str(g);

	bg_tmp_str(g);
	return t;
}

void bg_scpy(struct bg *g, const char *dst, const char *src)
{
	emit_line(g->e, "__builtin_memcpy(__A8(%s), __A8(%s), MSL);", dst, src);
}

int bg_global_index(struct bg *g, const struct symbol *sym)
{
	int i;

	for (i = 0; i < g->n_gsyms; i++)
		if (g->gsyms[i] == sym)
			return i;
	return -1;
}

const char *bg_sym(struct bg *g, const struct symbol *sym)
{
	switch (sym->kind) {
	case SYM_GLOBAL:
		return arena_printf(A(g), "G->g%d", bg_global_index(g, sym));
	case SYM_LOCAL:
		return arena_printf(A(g), "%s.l_%s", g->scope->prefix, sym->name);
	case SYM_PARAM:
		return arena_printf(A(g), "%s.a_%s", g->scope->prefix, sym->name);
	}
	return "0";
}

const char *bg_lit(struct bg *g, const char *str)
{
	char *c;
	size_t len = strlen(str);
	char *cut = NULL;
	int id;

	if (len > (size_t)g->msl - 1) {
		cut = xstrdup(str);
		cut[g->msl - 1] = '\0';
		str = cut;
	}
	id = bg_memo_find(g, 'L', str);
	if (id >= 0) {
		free(cut);
		return arena_printf(A(g), "__lit%d", id);
	}
	bg_memo_add(g, 'L', str, g->n_lits);
	c = emit_cstr(str);
	sb_printf(&g->lits, "static const char __attribute__((aligned(8))) __lit%d[MSL] = %s;\n", g->n_lits, c);
	free(c);
	free(cut);
	return arena_printf(A(g), "__lit%d", g->n_lits++);
}

static const char *number(struct bg *g, int64_t v)
{
	if (v == INT64_MIN)
		return "(-9223372036854775807LL - 1)";
	return arena_printf(A(g), "%" PRId64 "LL", v);
}

/* fill the key of array or statistic sym (keys: the index expressions, NULL for a
 * scalar statistic); returns "&F->kN" */
static const char *key(struct bg *g, const struct symbol *sym, struct ast_node *keys)
{
	int idx = bg_global_index(g, sym), i;
	const char *vals[ELAB_MAX_KEYS];
	struct ast_node *k;

	for (k = keys, i = 0; k && i < ELAB_MAX_KEYS; k = k->next, i++) {
		if (k->kind == AST_NULL) {
			bg_unsupported(g, &k->loc, "a '*' wildcard in array keys");
			return "0";
		}
		vals[i] = bg_expr(g, k);
	}
	if (!keys) {
		emit_line(g->e, "F->k%d.k0 = 0;", idx);
		return arena_printf(A(g), "&F->k%d", idx);
	}
	for (k = keys, i = 0; k && i < ELAB_MAX_KEYS; k = k->next, i++) {
		if (k->type == TYPE_STRING)
			bg_scpy(g, arena_printf(A(g), "F->k%d.k%d", idx, i), vals[i]);
		else
			emit_line(g->e, "F->k%d.k%d = %s;", idx, i, vals[i]);
	}
	return arena_printf(A(g), "&F->k%d", idx);
}

static const struct symbol *base_sym(struct ast_node *n)
{
	if (n->kind == AST_IDENT)
		return n->u.ident.sym;
	if (n->kind == AST_INDEX && n->u.index.base->kind == AST_IDENT)
		return n->u.index.base->u.ident.sym;
	return NULL;
}

/* a pointer to the element (inserted as zero if absent when create) or NULL */
static const char *elem_ptr(struct bg *g, struct ast_node *n, bool create)
{
	const struct symbol *sym = n->u.index.base->u.ident.sym;

	if (sym->global && sym->global->wrap)
		bg_unsupported(g, &n->loc, "an array that wraps around (global a%)");
	int idx = bg_global_index(g, sym);
	const char *k = key(g, sym, n->u.index.keys);
	const char *p = arena_printf(A(g), "__p%d", g->n_tmp++);
	const char *vt = sym->type == TYPE_STRING ? "char" : "s64";

	emit_line(g->e, "%s *%s = bpf_map_lookup_elem(&m%d, %s);", vt, p, idx, k);
	if (create) {
		emit_open(g->e, "if (!%s)", p);
		emit_line(g->e, "bpf_map_update_elem(&m%d, %s, __zero, BPF_NOEXIST);", idx, k);
		emit_line(g->e, "%s = bpf_map_lookup_elem(&m%d, %s);", p, idx, k);
		emit_close(g->e, "}");
		bg_fail(g, arena_printf(A(g), "!%s", p), &n->loc,
			sym->global && sym->global->size > 0 ?
			arena_printf(A(g), "Array overflow, check size limit (%" PRId64 ")",
				     sym->global->size) :
			"Array overflow, check MAXMAPENTRIES");
	}
	return p;
}

static const char *index_get(struct bg *g, struct ast_node *n)
{
	const struct symbol *sym = base_sym(n);
	const char *p, *t;

	if (n->u.index.base->kind != AST_IDENT || !sym || sym->type == TYPE_STATS) {
		bg_unsupported(g, &n->loc, "indexing a histogram");
		return "0";
	}
	p = elem_ptr(g, n, false);
	if (sym->type == TYPE_STRING) {
		t = bg_tmp_str(g);
		emit_line(g->e, "if (%s) __builtin_memcpy(%s, %s, MSL); else __builtin_memset(%s, 0, MSL);",
			  p, t, p, t);
		return t;
	}
	t = bg_tmp_long(g);
	emit_line(g->e, "%s = %s ? *%s : 0;", t, p, p);
	return t;
}

/* statistic sym's aggregate (over the CPUs) op of the key keys */
static const char *stat_get(struct bg *g, struct ast_node *n)
{
	struct ast_node *operand = n->u.stat.operand;
	const struct symbol *sym = base_sym(operand);
	enum stat_op op = n->u.stat.op;
	const char *k, *t;
	int idx;

	if (!sym) {
		bg_unsupported(g, &n->loc, "this statistic operand");
		return "0";
	}
	if (op == STAT_VARIANCE || op == STAT_HIST_LINEAR || op == STAT_HIST_LOG) {
		bg_unsupported(g, &n->loc, op == STAT_VARIANCE ? "@variance" :
			       "a histogram outside print");
		return "0";
	}
	idx = bg_global_index(g, sym);
	k = key(g, sym, operand->kind == AST_INDEX ? operand->u.index.keys : NULL);
	emit_line(g->e, "struct __agg __a%d = { 0 };", g->n_tmp);
	emit_line(g->e, "__aggregate(&s%d, %s, G->__ncpu, &__a%d);", idx, k, g->n_tmp);
	if (op != STAT_COUNT && op != STAT_SUM)
		bg_fail(g, arena_printf(A(g), "!__a%d.count", g->n_tmp), &n->loc, "empty aggregate");
	t = arena_printf(A(g), "__a%d.%s", g->n_tmp, op == STAT_COUNT ? "count" :
			 op == STAT_SUM ? "sum" : op == STAT_MIN ? "min" : op == STAT_MAX ? "max" :
			 "avg");
	if (op == STAT_AVG)
		emit_line(g->e, "if (__a%d.count) __a%d.avg = __sdiv(__a%d.sum, __a%d.count);",
			  g->n_tmp, g->n_tmp, g->n_tmp, g->n_tmp);
	g->n_tmp++;
	return t;
}

static const char *binop_c(enum ast_op op)
{
	static const struct { enum ast_op op; const char *c; } ops[] = {
		{ OP_ADD, "+" }, { OP_SUB, "-" }, { OP_MUL, "*" }, { OP_BAND, "&" },
		{ OP_BOR, "|" }, { OP_BXOR, "^" }, { OP_EQ, "==" }, { OP_NE, "!=" },
		{ OP_LT, "<" }, { OP_LE, "<=" }, { OP_GT, ">" }, { OP_GE, ">=" },
	};
	size_t i;

	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (ops[i].op == op)
			return ops[i].c;
	return "+";
}

/* long arithmetic of a and b (already evaluated) */
static const char *arith(struct bg *g, enum ast_op op, const char *a, const char *b,
			 const struct srcloc *loc)
{
	const char *t;

	if (op == OP_DIV || op == OP_MOD) {
		t = bg_tmp_long(g);
		emit_line(g->e, "%s = %s;", t, b);
		bg_fail(g, arena_printf(A(g), "%s == 0", t), loc, "division by 0");
		emit_line(g->e, "%s = %s(%s, %s);", t, op == OP_DIV ? "__sdiv" : "__smod", a, t);
		return t;
	}
	if (op == OP_SHL)
		return arena_printf(A(g), "((s64)((u64)(%s) << ((%s) & 63)))", a, b);
	if (op == OP_SHR)
		return arena_printf(A(g), "((s64)(%s) >> ((%s) & 63))", a, b);
	if (op == OP_ADD || op == OP_SUB || op == OP_MUL)
		return arena_printf(A(g), "((s64)((u64)(%s) %s (u64)(%s)))", a, binop_c(op), b);
	return arena_printf(A(g), "((s64)(%s) %s (s64)(%s))", a, binop_c(op), b);
}

/* a byte table as a C initializer */
static void byte_table(struct strbuf *sb, const unsigned char *v, int n)
{
	int i;

	sb_puts(sb, "{");
	for (i = 0; i < n; i++)
		sb_printf(sb, "%s%s%d", i ? "," : "", i % 32 ? "" : "\n\t", v[i]);
	sb_puts(sb, " }");
}

/* The group search after a match when the script calls matched() or ngroups(): the
 * match and its groups as the module runtime's Pike VM (runtime/regex.h) gives them,
 * the leftmost match, the longest of those, its groups from the preferred path, found
 * by two depth-first walks of the pattern's program over (instruction, position)
 * states, each state walked at most once (a bitmap in the frame):
 *   1. from each start in turn, every state reachable: the first start that reaches
 *      a match, and the longest end of those (a state an earlier start reached, and
 *      found no match from, has none);
 *   2. from that start again, in the program's order of preference (the first of
 *      a split first), the captures set along the path and restored when it backs
 *      up, to the first match that ends there.
 * One bpf_loop() callback a pattern does one step of the walks a call: at most
 * (2 x instructions + 1) x (MAXSTRINGLEN + 1) entries on the stack, each popped once.
 * F->mng is the groups of the last =~ (the whole match included), -1 after a failed
 * one; F->mcap their start and end; F->mstr a copy of the subject. */
#define RX_MAX_INSTS 256

static void groups(struct bg *g, const struct re_prog *p, const struct ast_node *pat, int id,
		   const char *subject, const char *res)
{
	int n = p->n_insts, np = g->msl + 1, sm = 2 * n * np + 4, w = (n * np + 63) / 64, i;
	int ncls = p->n_classes ? p->n_classes : 1;
	struct strbuf *l = &g->lits;
	unsigned char *ops, *args;

	if (n > RX_MAX_INSTS) {
		bg_unsupported(g, &pat->loc, "matched() or ngroups() after a regular expression of more than 256 instructions");
		return;
	}
	if (bg_memo_find(g, 'G', pat->u.str) < 0) {
		bg_memo_add(g, 'G', pat->u.str, id);
		if (!g->rx_max_insts)
			sb_puts(l, "struct __rxc { struct __frame *F; const char *s; };\n");
		if (n > g->rx_max_insts)
			g->rx_max_insts = n;
		ops = xmalloc((size_t)n);
		args = xmalloc((size_t)n);
		for (i = 0; i < n; i++) {
			ops[i] = (unsigned char)p->insts[i].op;
			args[i] = (unsigned char)p->insts[i].arg;
		}
		sb_printf(l, "static const struct { unsigned char op[%d], arg[%d]; unsigned short x[%d], y[%d]; unsigned char cls[%d][32]; } __rp%d = {",
			  n, n, n, n, ncls, id);
		byte_table(l, ops, n);
		sb_puts(l, ",");
		byte_table(l, args, n);
		sb_puts(l, ", {");
		for (i = 0; i < n; i++)
			sb_printf(l, "%s%d", i ? "," : "", p->insts[i].op == RE_SPLIT ||
				  p->insts[i].op == RE_JMP || p->insts[i].op == RE_CLASS ? p->insts[i].x : 0);
		sb_puts(l, " }, {");
		for (i = 0; i < n; i++)
			sb_printf(l, "%s%d", i ? "," : "", p->insts[i].op == RE_SPLIT ? p->insts[i].y : 0);
		sb_puts(l, " }, {");
		for (i = 0; i < p->n_classes; i++) {
			sb_puts(l, i ? "," : "");
			byte_table(l, p->classes[i], 32);
		}
		sb_puts(l, " }\n};\n");
		free(ops);
		free(args);
		/* a state: pc << 12 | pos; a capture to restore: 1 << 31 | slot << 12 | value + 1 */
		sb_printf(l,
			  "static long __rp%d_step(u32 i, void *c_)\n{\n"
			  "\tstruct __rxc *c = c_;\n\tstruct __frame *F = c->F;\n"
			  "\tu32 e, pc, pos, b, op, sp = F->rxq.sp, go = 0, nx = 0, ny = 0;\n"
			  "\tunsigned char ch = 0;\n"
			  "\tif (F->rxq.phase == 0) {\n"
			  "\t\tu32 k = F->rxq.len;\n"
			  "\t\tif (k < MSL - 1 && c->s[k]) { F->rxq.len = k + 1; return 0; }\n"
			  "\t\tF->rxq.phase = 5; return 0;\n\t}\n"
			  "\tif (F->rxq.phase == 5) {\n"
			  "\t\tu32 k = F->rxq.k;\n"
			  "\t\tif (k < %d) F->rxv[k] = 0;\n"
			  "\t\tif (++F->rxq.k < %d) return 0;\n"
			  "\t\tF->rxq.phase = 1; F->rxq.k = 0; F->rxs[0] = 0; F->rxq.sp = 1; return 0;\n\t}\n"
			  "\tif (F->rxq.phase == 2) {\n"
			  "\t\tu32 k = F->rxq.k;\n"
			  "\t\tif (k < %d) F->rxv[k] = 0;\n"
			  "\t\tif (k < 64) F->mcap[k] = -1;\n"
			  "\t\tif (++F->rxq.k < %d) return 0;\n"
			  "\t\tF->rxq.phase = 3; F->rxs[0] = F->rxq.st; F->rxq.sp = 1; return 0;\n\t}\n"
			  "\tif (F->rxq.phase != 1 && F->rxq.phase != 3) return 1;\n"
			  "\tif (!sp) {\n"
			  "\t\tif (F->rxq.phase == 3) return 1;\n"
			  "\t\tif (F->rxq.found) { F->rxq.phase = 2; F->rxq.k = 0; return 0; }\n"
			  "\t\tif (F->rxq.st >= F->rxq.len) return 1;\n"
			  "\t\tF->rxq.st++; F->rxs[0] = F->rxq.st; F->rxq.sp = 1; return 0;\n\t}\n"
			  "\tsp--;\n\tasm volatile(\"\" : \"+r\"(sp));\n\tif (sp >= %d) return 1;\n"
			  "\te = F->rxs[sp];\n\tF->rxq.sp = sp;\n"
			  "\tif (e >> 31) {\n"
			  "\t\tu32 slot = (e >> 12) & 63;\n"
			  "\t\tF->mcap[slot] = (int)(e & 0xfff) - 1;\n\t\treturn 0;\n\t}\n"
			  "\tpc = e >> 12; pos = e & 0xfff;\n"
			  "\tasm volatile(\"\" : \"+r\"(pc), \"+r\"(pos));\n"
			  "\tif (pc >= %d || pos > F->rxq.len || pos >= %d) return 0;\n"
			  "\tb = (pc * %d + pos) >> 6;\n"
			  "\tasm volatile(\"\" : \"+r\"(b));\n"
			  "\tif (b >= %d) return 0;\n"
			  "\tif (F->rxv[b] & (1ULL << ((pc * %d + pos) & 63))) return 0;\n"
			  "\tF->rxv[b] |= 1ULL << ((pc * %d + pos) & 63);\n"
			  "\top = __rp%d.op[pc];\n"
			  "\tif (pos < F->rxq.len && pos < MSL) ch = (unsigned char)c->s[pos];\n"
			  "\tif (op == %d) { if (pos < F->rxq.len && ch == __rp%d.arg[pc]) { go = 1; nx = (pc + 1) << 12 | (pos + 1); } }\n"
			  "\telse if (op == %d) { if (pos < F->rxq.len) { go = 1; nx = (pc + 1) << 12 | (pos + 1); } }\n"
			  "\telse if (op == %d) {\n"
			  "\t\tu32 x = __rp%d.x[pc];\n"
			  "\t\tif (pos < F->rxq.len && x < %d && (__rp%d.cls[x][(ch >> 3) & 31] >> (ch & 7)) & 1) { go = 1; nx = (pc + 1) << 12 | (pos + 1); }\n\t}\n"
			  "\telse if (op == %d) { go = 2; ny = (u32)__rp%d.y[pc] << 12 | pos; nx = (u32)__rp%d.x[pc] << 12 | pos; }\n"
			  "\telse if (op == %d) { go = 1; nx = (u32)__rp%d.x[pc] << 12 | pos; }\n"
			  "\telse if (op == %d) {\n"
			  "\t\tgo = 1; nx = (pc + 1) << 12 | pos;\n"
			  "\t\tif (F->rxq.phase == 3) {\n"
			  "\t\t\tu32 slot = __rp%d.arg[pc] & 63;\n"
			  "\t\t\tgo = 2; ny = 1U << 31 | slot << 12 | (u32)(F->mcap[slot] + 1);\n"
			  "\t\t\tF->mcap[slot] = (int)pos;\n\t\t}\n\t}\n"
			  "\telse if (op == %d) { if (pos == 0) { go = 1; nx = (pc + 1) << 12 | pos; } }\n"
			  "\telse if (op == %d) { if (pos == F->rxq.len) { go = 1; nx = (pc + 1) << 12 | pos; } }\n"
			  "\telse if (op == %d) {\n"
			  "\t\tif (F->rxq.phase == 3) { if (pos == F->rxq.e) { F->rxq.found = 2; return 1; } return 0; }\n"
			  "\t\tif (!F->rxq.found || pos > F->rxq.e) F->rxq.e = pos;\n\t\tF->rxq.found = 1; return 0;\n\t}\n"
			  "\tif (go == 2) { if (sp >= %d) return 1; F->rxs[sp++] = ny; }\n"
			  "\tif (go) { if (sp >= %d) return 1; F->rxs[sp++] = nx; }\n"
			  "\tF->rxq.sp = sp;\n\treturn 0;\n}\n",
			  id, w, w,
			  w, w > 64 ? w : 64,
			  sm,
			  n, np, np, w, np, np,
			  id,
			  RE_CHAR, id, RE_ANY, RE_CLASS, id, ncls, id,
			  RE_SPLIT, id, id, RE_JMP, id,
			  RE_SAVE, id,
			  RE_BOL, RE_EOL, RE_MATCH,
			  sm, sm);
	}
	emit_open(g->e, "if (%s)", res);
	emit_line(g->e, "struct __rxc __c = { .F = F, .s = %s };", subject);
	emit_line(g->e, "__builtin_memset(&F->rxq, 0, sizeof(F->rxq));");
	emit_line(g->e, "bpf_loop(%d, __rp%d_step, &__c, 0);", 6 * n * np + 4 * np + 2 * w + 256, id);
	emit_line(g->e, "F->mng = F->rxq.found == 2 ? %d : -1;", p->n_groups + 1);
	emit_line(g->e, "if (F->rxq.found == 2) __builtin_memcpy(__A8(F->mstr), __A8(%s), MSL);", subject);
	emit_close(g->e, "}");
	emit_line(g->e, "else F->mng = -1;");
}

/* str =~ "pattern": the pattern as a DFA (elaborate/regex.c) in .rodata, run over
 * the string by a bpf_loop() callback of its own, one byte a step, for the yes/no
 * answer; then, when the script calls matched() or ngroups(), groups(). */
static const char *regex(struct bg *g, struct ast_node *n)
{
	struct ast_node *pat = n->u.binary.rhs;
	const char *subject = bg_expr(g, n->u.binary.lhs), *t, *err;
	struct re_prog prog;
	struct re_dfa d;
	int id;

	if (pat->kind != AST_STRING || re_compile(A(g), pat->u.str, &prog, &err))
		return "0";	/* pass 2 reported it */
	id = bg_memo_find(g, 'E', pat->u.str);
	if (id < 0) {
		if (re_dfa(A(g), &prog, 256, &d)) {
			bg_unsupported(g, &pat->loc, "a regular expression whose DFA needs more than 256 states");
			return "0";
		}
		id = g->n_cb++;
		bg_memo_add(g, 'E', pat->u.str, id);
		/* one object: clang puts a small constant array in a mergeable section
		 * of its own, which libbpf cannot describe */
		sb_printf(&g->lits, "static const struct { unsigned char c[256], a[%d], t[%d]; } __re%d = {",
			  d.n_states, d.n_states * d.n_cls, id);
		byte_table(&g->lits, d.cls, 256);
		sb_puts(&g->lits, ",");
		byte_table(&g->lits, d.accept, d.n_states);
		sb_puts(&g->lits, ",");
		byte_table(&g->lits, d.trans, d.n_states * d.n_cls);
		sb_puts(&g->lits, "\n};\n");
		sb_printf(&g->lits,
			  "static long __re%d_step(u32 i, void *c_)\n{\n"
			  "\tstruct __rx *c = c_;\n\tunsigned char ch = 0;\n\tu32 st = c->st, x;\n"
			  "\tif (i < MSL) ch = (unsigned char)c->s[i];\n"
			  "\tif (st >= %d) return 1;\n"
			  "\tif (__re%d.a[st] & 1) { c->res = 1; return 1; }\n"
			  "\tif (!ch) { c->res = __re%d.a[st] >> 1; return 1; }\n"
			  "\tx = st * %d + __re%d.c[ch];\n"
			  "\tif (x >= %d) return 1;\n"
			  "\tc->st = __re%d.t[x];\n\treturn 0;\n}\n",
			  id, d.n_states, id, id, d.n_cls, id, d.n_states * d.n_cls, id);
	}
	t = bg_tmp_long(g);
	emit_line(g->e, "{ struct __rx __r; __r.s = %s; __r.st = 0; __r.res = 0; bpf_loop(MSL + 1, __re%d_step, &__r, 0); %s = __r.res; }",
		  subject, id, t);
	if (g->rx_caps)
		groups(g, &prog, pat, id, subject, t);
	if (n->u.binary.op == OP_NOMATCH)
		emit_line(g->e, "%s = !%s;", t, t);
	return t;
}

static const char *binary(struct bg *g, struct ast_node *n)
{
	enum ast_op op = n->u.binary.op;
	struct ast_node *l = n->u.binary.lhs, *r = n->u.binary.rhs;
	const char *a, *b, *t;

	if (op == OP_MATCH || op == OP_NOMATCH)
		return regex(g, n);
	if (op == OP_LAND || op == OP_LOR) {
		t = bg_tmp_long(g);
		a = bg_expr(g, l);
		emit_line(g->e, "%s = (%s) != 0;", t, a);
		emit_open(g->e, "if (%s%s)", op == OP_LAND ? "" : "!", t);
		b = bg_expr(g, r);
		emit_line(g->e, "%s = (%s) != 0;", t, b);
		emit_close(g->e, "}");
		return t;
	}
	a = bg_expr(g, l);
	if (l->type == TYPE_STRING && op != OP_CONCAT) {
		/* keep a: the right side may reuse what a points to */
		const char *ta = bg_tmp_str(g);

		bg_scpy(g, ta, a);
		b = bg_expr(g, r);
		return arena_printf(A(g), "(__scmp(%s, %s) %s 0)", ta, b, binop_c(op));
	}
	if (op == OP_CONCAT) {
		const char *ta = bg_tmp_str(g);

		bg_scpy(g, ta, a);
		b = bg_expr(g, r);
		t = tmp_cat(g);
		emit_line(g->e, "__scat(%s, %s, %s);", t, ta, b);
		return t;
	}
	t = bg_tmp_long(g);
	emit_line(g->e, "%s = %s;", t, a);
	b = bg_expr(g, r);
	return arith(g, op, t, b, &n->loc);
}

/* the C lvalue of a scalar variable (not a global of an event probe: see assign) */
static const char *lvalue(struct bg *g, struct ast_node *n)
{
	if (n->kind == AST_IDENT)
		return bg_sym(g, n->u.ident.sym);
	return NULL;
}

/* sv <<< v on statistic n (an ident or element) */
static void stat_add(struct bg *g, struct ast_node *n, const char *v)
{
	const struct symbol *sym = base_sym(n);
	int idx = bg_global_index(g, sym);
	const struct ast_node *h = sym->hist;
	const char *k, *t, *p;

	t = bg_tmp_long(g);
	emit_line(g->e, "%s = %s;", t, v);
	k = key(g, sym, n->kind == AST_INDEX ? n->u.index.keys : NULL);
	p = arena_printf(A(g), "__p%d", g->n_tmp++);
	emit_line(g->e, "struct __sv%d *%s = bpf_map_lookup_elem(&s%d, %s);", idx, p, idx, k);
	emit_open(g->e, "if (!%s)", p);
	emit_line(g->e, "bpf_map_update_elem(&s%d, %s, __zero, BPF_NOEXIST);", idx, k);
	emit_line(g->e, "%s = bpf_map_lookup_elem(&s%d, %s);", p, idx, k);
	emit_close(g->e, "}");
	bg_fail(g, arena_printf(A(g), "!%s", p), &n->loc, "Array overflow, check MAXMAPENTRIES");
	emit_line(g->e, "if (!%s->count || %s < %s->min) %s->min = %s;", p, t, p, p, t);
	emit_line(g->e, "if (!%s->count || %s > %s->max) %s->max = %s;", p, t, p, p, t);
	emit_line(g->e, "%s->count++; %s->sum += %s;", p, p, t);
	if (h && h->u.stat.op == STAT_HIST_LOG) {
		emit_line(g->e, "%s->b[__log_bucket(%s) & 127]++;", p, t);
	} else if (h) {
		const struct ast_node *a = h->u.stat.params;
		int64_t start = a->u.num, stop = a->next->u.num, step = a->next->next->u.num;
		int64_t nb = (stop - start) / step + 3;

		/* bounded where the verifier sees it: clang can drop the helper's own bound */
		emit_line(g->e, "{ u32 __lb = (u32)__lin_bucket(%s, %" PRId64 "LL, %" PRId64 "LL, %" PRId64 "); asm volatile(\"\" : \"+r\"(__lb)); if (__lb < %" PRId64 ") %s->b[__lb]++; }",
			  t, start, step, nb, nb, p);
	}
}

/* x op= v, x++: the new value (old if post) of a long scalar, element or global */
static const char *update_long(struct bg *g, struct ast_node *target, enum ast_op op,
			       const char *v, bool post, const struct srcloc *loc)
{
	const struct symbol *sym = base_sym(target);
	const char *ptr, *old = bg_tmp_long(g), *nv;

	if (target->kind == AST_INDEX)
		ptr = elem_ptr(g, target, true);
	else
		ptr = arena_printf(A(g), "&%s", bg_sym(g, sym));
	if ((op == OP_ADD || op == OP_SUB) && sym->kind == SYM_GLOBAL) {
		/* globals are shared by the CPUs: atomic, as the module's locks make it */
		emit_line(g->e, "%s = __sync_fetch_and_add(%s, %s(%s));", old, ptr,
			  op == OP_SUB ? "-" : "", v);
		nv = arith(g, op, old, v, loc);
		return post ? old : nv;
	}
	emit_line(g->e, "%s = *%s;", old, ptr);
	if (op == OP_ASSIGN) {
		emit_line(g->e, "*%s = %s;", ptr, v);
		return v;
	}
	nv = arith(g, op, old, v, loc);
	emit_line(g->e, "*%s = %s;", ptr, nv);
	return post ? old : arena_printf(A(g), "(*%s)", ptr);
}

static const char *assign(struct bg *g, struct ast_node *n)
{
	struct ast_node *l = n->u.assign.lhs, *r = n->u.assign.rhs;
	enum ast_op op = n->u.assign.op;
	const struct symbol *sym = base_sym(l);
	const char *v;

	if (!sym) {
		bg_unsupported(g, &n->loc, "this assignment target");
		return "0";
	}
	v = bg_expr(g, r);
	if (op == OP_STAT_ADD) {
		stat_add(g, l, v);
		return "0";
	}
	if (l->type == TYPE_STRING) {
		const char *dst, *src = v;

		if (op == OP_CONCAT) {
			const char *cur = bg_expr(g, l), *tv = bg_tmp_str(g), *t = tmp_cat(g);

			bg_scpy(g, tv, v);
			emit_line(g->e, "__scat(%s, %s, %s);", t, cur, tv);
			src = t;
		} else {
			const char *t = bg_tmp_str(g);

			bg_scpy(g, t, v);
			src = t;
		}
		if (l->kind == AST_INDEX)
			dst = elem_ptr(g, l, true);
		else
			dst = lvalue(g, l);
		bg_scpy(g, dst, src);
		return src;
	}
	if (op != OP_ASSIGN) {
		const char *t = bg_tmp_long(g);

		emit_line(g->e, "%s = %s;", t, v);
		v = t;
	}
	return update_long(g, l, op, v, false, &n->loc);
}

static const char *incdec(struct bg *g, struct ast_node *n)
{
	struct ast_node *t = n->u.incdec.operand;

	if (!base_sym(t)) {
		bg_unsupported(g, &n->loc, "this increment target");
		return "0";
	}
	return update_long(g, t, n->u.incdec.op == OP_INC ? OP_ADD : OP_SUB, "1LL",
			   n->u.incdec.post, &n->loc);
}

static const char *ternary(struct bg *g, struct ast_node *n)
{
	const char *c = bg_expr(g, n->u.ternary.cond), *t, *v;
	bool str = n->type == TYPE_STRING;

	t = str ? bg_tmp_str(g) : bg_tmp_long(g);
	emit_open(g->e, "if (%s)", c);
	v = bg_expr(g, n->u.ternary.then);
	if (str)
		bg_scpy(g, t, v);
	else
		emit_line(g->e, "%s = %s;", t, v);
	emit_close(g->e, "} else {");
	g->e->indent++;
	v = bg_expr(g, n->u.ternary.other);
	if (str)
		bg_scpy(g, t, v);
	else
		emit_line(g->e, "%s = %s;", t, v);
	emit_close(g->e, "}");
	return t;
}

static const char *in(struct bg *g, struct ast_node *n)
{
	struct ast_node *arr = n->u.in.array;
	const struct symbol *sym = arr->kind == AST_IDENT ? arr->u.ident.sym : NULL;
	const char *k;

	if (!sym) {
		bg_unsupported(g, &n->loc, "this 'in' operand");
		return "0";
	}
	k = key(g, sym, n->u.in.keys);
	return arena_printf(A(g), "(bpf_map_lookup_elem(&%c%d, %s) != 0)",
			    sym->type == TYPE_STATS ? 's' : 'm', bg_global_index(g, sym), k);
}

/* the tapset's embedded-C functions the BPF runtime provides itself */
/* cmdline_args(n, m, delim) (tapset/linux/cmdline.stp) in BPF: the current process's
 * arguments n..m (m < n: to the last) joined by delim, read from mm->arg_start..arg_end
 * in chunks of 64 bytes that never cross a page (a missing page ends what is read),
 * at most 512 chunks (32 KiB), a bpf_loop() over the chunks calling one over their
 * bytes; out has MSL bytes of room after it for the delimiter's copy */
static const char *cmdline_args(struct bg *g, struct ast_node *n)
{
	struct ast_node *a = n->u.call.args;
	const char *t, *vn, *vm, *d, *v;
	int i, mm = bpf_btf_member_offset(g->s, "task_struct", "mm");
	int flags = bpf_btf_member_offset(g->s, "task_struct", "flags");
	int start = bpf_btf_member_offset(g->s, "mm_struct", "arg_start");
	int end = bpf_btf_member_offset(g->s, "mm_struct", "arg_end");

	if (mm < 0 || flags < 0 || start < 0 || end < 0) {
		diag_error(g->s, &n->loc, "cmdline_args() cannot be used with --runtime=bpf: the kernel's BTF has no task_struct.mm, .flags or mm_struct.arg_start, .arg_end");
		return "\"\"";
	}
	if (bg_memo_find(g, 'C', "cmdline") < 0) {
		bg_memo_add(g, 'C', "cmdline", 0);
		sb_printf(&g->lits,
			/* the scalars live in the frame map (v), where the verifier does not
			 * follow their values from one iteration to the next */
			"struct __clv { u64 p, end; s64 n, m, i; u32 len, dl, chunk, pad; char buf[64]; };\n"
			"struct __cl { char *out; const char *delim; struct __clv *v; };\n"
			"static long __clbyte(u32 k, void *c_)\n{\n"
			"\tstruct __cl *x = c_;\n\tstruct __clv *v = x->v;\n\tu32 l = v->len;\n"
			"\tif (k >= v->chunk || k >= 64 || !(v->m < v->n || v->i <= v->m)) return 1;\n"
			"\tif (v->buf[k]) {\n"
			"\t\tif (v->i >= v->n && l < MSL - 1) { x->out[l] = v->buf[k]; v->len = l + 1; }\n"
			"\t\treturn 0;\n\t}\n"
			"\tv->i++;\n"
			/* a delimiter before each argument taken after the first */
			"\tif (v->i > v->n && (v->m < v->n || v->i <= v->m) && v->p + k + 1 < v->end && l < MSL - 1) {\n"
			"\t\tbpf_probe_read_kernel_str(x->out + l, MSL, x->delim);\n"
			"\t\tl += v->dl; v->len = l > MSL - 1 ? MSL - 1 : l;\n\t}\n"
			"\treturn 0;\n}\n"
			"static long __clstep(u32 c_i, void *c_)\n{\n"
			"\tstruct __cl *x = c_;\n\tstruct __clv *v = x->v;\n\tu64 chunk, pg;\n"
			"\tif (v->p >= v->end || !(v->m < v->n || v->i <= v->m)) return 1;\n"
			"\tchunk = v->end - v->p; if (chunk > 64) chunk = 64;\n"
			"\tpg = 4096 - (v->p & 4095); if (chunk > pg) chunk = pg;\n"
			"\tasm volatile(\"\" : \"+r\"(chunk));\n"
			"\tif (chunk < 1 || chunk > 64 || bpf_probe_read_user(v->buf, (u32)chunk, (void *)v->p)) return 1;\n"
			"\tv->chunk = (u32)chunk;\n"
			"\tbpf_loop(64, __clbyte, x, 0);\n"
			"\tv->p += chunk;\n\treturn 0;\n}\n"
			"static __attribute__((noinline)) void __cmdline(char *out, struct __clv *v, s64 n, s64 m, const char *delim)\n{\n"
			"\tstruct __cl x = { out, delim, v };\n\tu64 t = bpf_get_current_task(), mm = 0;\n\tu32 fl = 0;\n\tlong r;\n"
			"\t__builtin_memset(out, 0, 2 * MSL);\n"
			"\t__builtin_memset(v, 0, sizeof(*v));\n"
			"\tbpf_probe_read_kernel(&fl, 4, (void *)(t + %d));\n"
			"\tbpf_probe_read_kernel(&mm, 8, (void *)(t + %d));\n"
			"\tif (!mm || (fl & 0x00200000) || n < 0) return;\n"	/* PF_KTHREAD */
			"\tbpf_probe_read_kernel(&v->p, 8, (void *)(mm + %d));\n"
			"\tbpf_probe_read_kernel(&v->end, 8, (void *)(mm + %d));\n"
			"\tv->n = n; v->m = m;\n"
			"\tr = bpf_probe_read_kernel_str(out + MSL, MSL, delim);\n"
			"\tv->dl = r > 0 ? (u32)r - 1 : 0;\n"
			"\tbpf_loop(512, __clstep, &x, 0);\n"
			"\tu32 l = v->len;\n\tif (l < MSL) out[l] = 0;\n"
			"\tout[MSL - 1] = 0;\n}\n", flags, mm, start, end);
	}
	vn = bg_tmp_long(g);
	emit_line(g->e, "%s = %s;", vn, bg_expr(g, a));
	vm = bg_tmp_long(g);
	emit_line(g->e, "%s = %s;", vm, bg_expr(g, a->next));
	d = bg_tmp_str(g);
	bg_scpy(g, d, bg_expr(g, a->next->next));
	t = tmp_cat(g);
	v = bg_tmp_str(g);	/* struct __clv: 128 bytes, in as many temporaries */
	for (i = g->msl; i < 128; i += g->msl)
		bg_tmp_str(g);
	emit_line(g->e, "__cmdline(%s, (struct __clv *)%s, %s, %s, %s);", t, v, vn, vm, d);
	return t;
}

void bg_fail_value(struct bg *g, const char *cond, const struct srcloc *loc, const char *fmt,
		   const char *v)
{
	emit_open(g->e, "if (%s)", cond);
	emit_line(g->e, "u64 __d = (u64)(%s);", v);
	emit_line(g->e, "bpf_snprintf(F->errbuf, MSL, %s, &__d, 8);", bg_lit(g, fmt));
	emit_line(g->e, "F->err = 1; F->where = %d;", bg_where(g, loc));
	bg_abort(g);
	emit_close(g->e, "}");
}

static const char *builtin_fn(struct bg *g, struct ast_node *n, bool *done)
{
	const char *name = n->u.call.name;
	const char *t;

	*done = true;
	if (!strcmp(name, "exit")) {
		emit_line(g->e, "__exit(F, G);");
		return "0";
	}
	if (!strcmp(name, "error")) {
		const char *m = bg_expr(g, n->u.call.args);

		bg_scpy(g, "F->errbuf", m);
		emit_line(g->e, "F->err = 1; F->where = %d;", bg_where(g, &n->loc));
		bg_abort(g);
		return "0";
	}
	if (!strcmp(name, "pid"))
		return "((s64)(bpf_get_current_pid_tgid() >> 32))";
	if (!strcmp(name, "tid"))
		return "((s64)(u32)bpf_get_current_pid_tgid())";
	if (!strcmp(name, "uid"))
		return "((s64)(u32)bpf_get_current_uid_gid())";
	if (!strcmp(name, "gid"))
		return "((s64)(bpf_get_current_uid_gid() >> 32))";
	if (!strcmp(name, "cpu"))
		return "((s64)bpf_get_smp_processor_id())";
	if (!strcmp(name, "target"))
		return "G->__target";
	if (!strcmp(name, "gettimeofday_ns"))
		return "((s64)(bpf_ktime_get_boot_ns() + G->__rtoff))";
	if (!strcmp(name, "local_clock_ns"))
		return "((s64)bpf_ktime_get_ns())";
	if (!strcmp(name, "execname")) {
		t = bg_tmp_str(g);
		emit_line(g->e, "__builtin_memset(%s, 0, MSL);", t);
		emit_line(g->e, "bpf_get_current_comm(%s, 16);", t);
		return t;
	}
	if (!strcmp(name, "pp")) {
		return bg_lit(g, g->dp->pp_str);
	}
	if (!strcmp(name, "task_current"))
		return "((s64)bpf_get_current_task())";
	if (!strcmp(name, "cmdline_args") && ast_list_len(n->u.call.args) == 3)
		return cmdline_args(g, n);
	if (!strcmp(name, "ppid") || !strcmp(name, "pexecname")) {
		int parent = bpf_btf_member_offset(g->s, "task_struct", "real_parent");
		int field = bpf_btf_member_offset(g->s, "task_struct", name[1] == 'p' ? "tgid" : "comm");

		if (parent < 0 || field < 0) {
			*done = false;	/* refused as embedded C */
			return NULL;
		}
		t = name[1] == 'p' ? bg_tmp_long(g) : bg_tmp_str(g);
		emit_line(g->e, "{ u64 __pa = 0; bpf_probe_read_kernel(&__pa, 8, (void *)(bpf_get_current_task() + %d));", parent);
		if (name[1] == 'p')
			emit_line(g->e, "  __s32 __pt = 0; bpf_probe_read_kernel(&__pt, 4, (void *)(__pa + %d)); %s = __pt; }", field, t);
		else
			emit_line(g->e, "  __builtin_memset(%s, 0, MSL); bpf_probe_read_kernel_str(%s, 16, (void *)(__pa + %d)); }", t, t, field);
		return t;
	}
	if (((!strcmp(name, "kernel_string") || !strcmp(name, "user_string")) &&
	     ast_list_len(n->u.call.args) <= 2) ||
	    ((!strcmp(name, "kernel_string_n") || !strcmp(name, "user_string_n")) &&
	     ast_list_len(n->u.call.args) >= 2 && ast_list_len(n->u.call.args) <= 3)) {
		bool user = name[0] == 'u', has_n = name[strlen(name) - 1] == 'n';
		const char *a = bg_tmp_long(g), *fmt, *dflt = NULL, *len = "MSL";
		struct ast_node *rest = n->u.call.args->next;
		int id = g->n_lits++;

		emit_line(g->e, "%s = %s;", a, bg_expr(g, n->u.call.args));
		if (has_n) {
			/* (addr, n[, err_msg]): at most n bytes, none for n < 0 */
			const char *v = bg_tmp_long(g);

			emit_line(g->e, "%s = %s;", v, bg_expr(g, rest));
			len = bg_tmp_long(g);
			emit_line(g->e, "%s = %s < 0 ? 0 : %s >= MSL ? MSL : %s + 1;", len, v, v, v);
			rest = rest->next;
		}
		if (rest) {
			/* (addr[, n], err_msg): err_msg instead of an error */
			const char *d = bg_expr(g, rest);

			dflt = bg_tmp_str(g);
			bg_scpy(g, dflt, d);
		}
		t = bg_tmp_str(g);
		sb_printf(&g->lits, "static const char __lit%d[] = \"%s string copy fault %sat 0x%%llx [man error::fault]\";\n",
			  id, user ? "user" : "kernel", user ? "-14 " : "");
		fmt = arena_printf(A(g), "__lit%d", id);
		emit_line(g->e, "__builtin_memset(%s, 0, MSL);", t);
		if (has_n) {	/* a size the verifier sees in 1..MSL */
			const char *l = bg_tmp_long(g);

			emit_line(g->e, "u32 __l%s = (u32)%s;", l, len);
			emit_line(g->e, "asm volatile(\"\" : \"+r\"(__l%s));", l);
			emit_open(g->e, "if (__l%s >= 1 && __l%s <= MSL && bpf_probe_read_%s_str(%s, __l%s, (void *)%s) < 0)",
				  l, l, user ? "user" : "kernel", t, l, a);
		} else {
			emit_open(g->e, "if (bpf_probe_read_%s_str(%s, MSL, (void *)%s) < 0)",
				  user ? "user" : "kernel", t, a);
		}
		if (dflt) {
			bg_scpy(g, t, dflt);
		} else {
			emit_line(g->e, "u64 __d = (u64)%s;", a);
			emit_line(g->e, "bpf_snprintf(F->errbuf, MSL, %s, &__d, 8);", fmt);
			emit_line(g->e, "F->err = 1; F->where = %d;", bg_where(g, &n->loc));
			bg_abort(g);
		}
		emit_close(g->e, "}");
		return t;
	}
	if (!strcmp(name, "matched") && g->rx_caps) {
		/* the n-th group of the last =~ (groups()) */
		const char *k = bg_tmp_long(g);

		emit_line(g->e, "%s = %s;", k, bg_expr(g, n->u.call.args));
		bg_fail_value(g, "F->mng < 0", &n->loc,
			      "Attempted to get subexpression %lld from failed match", k);
		bg_fail_value(g, arena_printf(A(g), "%s < 0 || %s >= F->mng", k, k), &n->loc,
			      "Attempted to get nonexistent subexpression %lld", k);
		t = bg_tmp_str(g);
		emit_open(g->e, "do");
		emit_line(g->e, "u32 __i = (u32)%s & 31; int __a = F->mcap[2 * __i], __b = F->mcap[2 * __i + 1];", k);
		emit_line(g->e, "if (__a >= 0 && __b >= __a) __substr(%s, F->mstr, __a, __b - __a); else __builtin_memset(%s, 0, MSL);",
			  t, t);
		emit_close(g->e, "} while (0);");
		return t;
	}
	if (!strcmp(name, "ngroups") && g->rx_caps) {
		bg_fail(g, "F->mng < 0", &n->loc, "Attempted to get subexpression count from failed match");
		return "F->mng";
	}
	if (!strcmp(name, "substr") && ast_list_len(n->u.call.args) == 3) {
		const char *v = bg_expr(g, n->u.call.args), *st = bg_tmp_long(g), *len = bg_tmp_long(g);

		emit_line(g->e, "%s = %s;", st, bg_expr(g, n->u.call.args->next));
		emit_line(g->e, "%s = %s;", len, bg_expr(g, n->u.call.args->next->next));
		t = bg_tmp_str(g);
		emit_line(g->e, "__substr(%s, %s, %s, %s);", t, v, st, len);
		return t;
	}
	if (!strncmp(name, "user_", 5) && ast_list_len(n->u.call.args) == 1) {
		/* user_char, user_short, user_ushort, user_int, user_uint32, user_long,
		 * user_ulong, user_int64, user_uint64: 0 on a fault */
		static const struct { const char *name, *type; } ut[] = {
			{ "char", "__s8" }, { "short", "__s16" }, { "ushort", "__u16" },
			{ "int", "__s32" }, { "uint32", "__u32" }, { "long", "__s64" },
			{ "ulong", "__u64" }, { "int64", "__s64" }, { "uint64", "__u64" },
			{ "int8", "__s8" }, { "uint8", "__u8" }, { "int16", "__s16" },
			{ "uint16", "__u16" }, { "int32", "__s32" },
		};
		size_t i;

		for (i = 0; i < sizeof(ut) / sizeof(ut[0]); i++) {
			const char *a;

			if (strcmp(name + 5, ut[i].name))
				continue;
			a = bg_expr(g, n->u.call.args);
			t = bg_tmp_long(g);
			emit_open(g->e, "do");
			emit_line(g->e, "%s __u = 0;", ut[i].type);
			emit_line(g->e, "bpf_probe_read_user(&__u, sizeof(__u), (void *)%s);", a);
			emit_line(g->e, "%s = (s64)__u;", t);
			emit_close(g->e, "} while (0);");
			return t;
		}
	}
	if (!strcmp(name, "strlen")) {
		const char *v = bg_expr(g, n->u.call.args);

		t = bg_tmp_long(g);
		emit_line(g->e, "%s = __strlen(%s);", t, v);
		return t;
	}
	*done = false;
	return NULL;
}

static int call_index(const struct bg *g, const struct function *fn)
{
	int id;

	for (id = 0; id < g->n_fns && g->fns[id] != fn; id++)
		;
	return id;
}

/* a script function, inlined: arguments into its frame, then its C function */
static const char *call(struct bg *g, struct ast_node *n)
{
	struct function *fn = n->u.call.fn;
	enum builtin bi = elab_builtin(n->u.call.name);
	struct function_info *fi;
	struct ast_node *a;
	const struct symbol *p;
	const char *v, *r;
	bool done;
	int i, id;

	if (!fn && bi != BI_NONE) {
		if (bi >= BI_SPRINT)
			return bg_sprint(g, n, bi);
		bg_print_call(g, n, bi);
		return "0";
	}
	if (!fn)
		return "0";
	if (fn->body && fn->body->kind == AST_EMBEDDED) {
		v = bpf_uprobe_builtin(g, n, &done);
		if (done)
			return v;
		v = builtin_fn(g, n, &done);
		if (done)
			return v;
		v = bpf_sys_builtin(g, n, &done);
		if (done)
			return v;
		diag_error(g->s, &n->loc, "function '%s' is embedded C, which the BPF runtime (--runtime=bpf) cannot run",
			   fn->name);
		return "0";
	}
	for (i = 0; i < g->n_calling; i++)
		if (g->calling[i] == fn) {
			diag_error(g->s, &n->loc, "recursive call of function '%s' is not supported by the BPF runtime (--runtime=bpf)",
				   fn->name);
			return "0";
		}
	if (g->n_calling == 64) {
		bg_unsupported(g, &n->loc, "a call chain this deep");
		return "0";
	}
	for (id = 0; id < g->n_fns && g->fns[id] != fn; id++)
		;
	if (id == g->n_fns) {
		g->fns = xrealloc(g->fns, (size_t)(g->n_fns + 1) * sizeof(*g->fns));
		g->fn_height = xrealloc(g->fn_height, (size_t)(g->n_fns + 1) * sizeof(*g->fn_height));
		g->fn_height[g->n_fns] = 1;
		g->fns[g->n_fns++] = fn;
		extern void bg_function(struct bg *g, struct function *fn, int id);
		g->calling[g->n_calling++] = fn;
		bg_function(g, fn, id);
		g->n_calling--;
	}
	/* the frames below: each caller's height is its deepest call */
	if (g->depth + g->fn_height[id] > BG_MAX_FRAMES &&
	    g->depth + g->fn_height[id] - 1 <= BG_MAX_FRAMES)
		diag_error(g->s, &n->loc, "loops and function calls nested %d deep are not supported by the BPF runtime (--runtime=bpf): it runs at most %d nested BPF frames",
			   g->depth + g->fn_height[id], BG_MAX_FRAMES);
	if (g->n_calling) {
		int *h = &g->fn_height[call_index(g, g->calling[g->n_calling - 1])];

		if (*h < g->depth + g->fn_height[id])
			*h = g->depth + g->fn_height[id];
	}
	fi = fn->info;
	/* evaluate every argument first: one may call fn too */
	const char *vals[32];
	for (a = n->u.call.args, i = 0; a && i < 32; a = a->next, i++) {
		vals[i] = bg_expr(g, a);
		if (a->type == TYPE_STRING) {
			const char *t = bg_tmp_str(g);

			bg_scpy(g, t, vals[i]);
			vals[i] = t;
		} else {
			const char *t = bg_tmp_long(g);

			emit_line(g->e, "%s = %s;", t, vals[i]);
			vals[i] = t;
		}
	}
	for (p = fi ? fi->params : NULL, i = 0; p && i < 32; p = p->next, i++) {
		const char *dst = arena_printf(A(g), "F->f.f%d.a_%s", id, p->name);

		if (p->type == TYPE_STRING)
			bg_scpy(g, dst, vals[i]);
		else
			emit_line(g->e, "%s = %s;", dst, vals[i]);
	}
	r = fn->ret == TYPE_STRING ? bg_tmp_str(g) : bg_tmp_long(g);
	if (fn->ret == TYPE_STRING) {
		emit_line(g->e, "__fn%d(F, G);", id);
		bg_scpy(g, r, arena_printf(A(g), "F->f.f%d.__r", id));
	} else {
		emit_line(g->e, "%s = __fn%d(F, G);", r, id);
	}
	emit_open(g->e, "if (F->err || F->next)");
	bg_abort(g);
	emit_close(g->e, "}");
	return r;
}

const char *bg_expr(struct bg *g, struct ast_node *n)
{
	switch (n->kind) {
	case AST_NUMBER:
		return number(g, n->u.num);
	case AST_STRING:
		return bg_lit(g, n->u.str);
	case AST_IDENT:
		if (n->u.ident.sym->n_keys || n->u.ident.sym->type == TYPE_STATS) {
			bg_unsupported(g, &n->loc, "an array or statistic used as a value");
			return "0";
		}
		if (n->type == TYPE_STRING) {
			/* a snapshot: later assignments in the expression must not show */
			const char *t = bg_tmp_str(g);

			bg_scpy(g, t, bg_sym(g, n->u.ident.sym));
			return t;
		} else {
			const char *t = bg_tmp_long(g);

			emit_line(g->e, "%s = %s;", t, bg_sym(g, n->u.ident.sym));
			return t;
		}
	case AST_INDEX:
		return index_get(g, n);
	case AST_CALL:
		return call(g, n);
	case AST_BINARY:
		return binary(g, n);
	case AST_UNARY: {
		const char *v = bg_expr(g, n->u.unary.operand);

		if (n->u.unary.op == OP_NEG)
			return arena_printf(A(g), "((s64)(0ULL - (u64)(%s)))", v);
		if (n->u.unary.op == OP_NOT)
			return arena_printf(A(g), "((s64)!(%s))", v);
		if (n->u.unary.op == OP_BNOT)
			return arena_printf(A(g), "(~(s64)(%s))", v);
		return v;
	}
	case AST_INCDEC:
		return incdec(g, n);
	case AST_ASSIGN:
		return assign(g, n);
	case AST_TERNARY:
		return ternary(g, n);
	case AST_IN:
		return in(g, n);
	case AST_STAT:
		return stat_get(g, n);
	case AST_EMBEDDED_EXPR:
		bg_unsupported(g, &n->loc, "embedded C");
		return "0";
	case AST_TARGET:
	case AST_CAST:
	case AST_ATVAR:
	case AST_DEFINED:
	case AST_ENTRY:
		bg_unsupported(g, &n->loc, "this target expression");
		return "0";
	case AST_BLOCK: case AST_EXPR_STMT: case AST_IF: case AST_WHILE: case AST_FOR:
	case AST_FOREACH: case AST_DELETE: case AST_NEXT: case AST_BREAK: case AST_CONTINUE:
	case AST_RETURN: case AST_TRY: case AST_NULL: case AST_EMBEDDED:
		break;
	}
	return "0";
}
