/* AST constructors and the -p1 canonical printer. */
#include "ast.h"
#include "session.h"

#include <inttypes.h>
#include <string.h>

struct ast_node *ast_new(struct session *s, enum ast_kind kind, const struct srcloc *loc)
{
	struct ast_node *n = arena_alloc(&s->arena, sizeof(*n));

	n->kind = kind;
	if (loc)
		n->loc = *loc;
	return n;
}

struct ast_node *ast_number(struct session *s, const struct srcloc *loc, int64_t v)
{
	struct ast_node *n = ast_new(s, AST_NUMBER, loc);

	n->u.num = v;
	n->type = TYPE_LONG;
	return n;
}

struct ast_node *ast_string(struct session *s, const struct srcloc *loc, const char *str)
{
	struct ast_node *n = ast_new(s, AST_STRING, loc);

	n->u.str = str;
	n->type = TYPE_STRING;
	return n;
}

struct ast_node *ast_ident(struct session *s, const struct srcloc *loc, const char *name)
{
	struct ast_node *n = ast_new(s, AST_IDENT, loc);

	n->u.ident.name = name;
	return n;
}

struct ast_node *ast_binary(struct session *s, const struct srcloc *loc, enum ast_op op,
			    struct ast_node *l, struct ast_node *r)
{
	struct ast_node *n = ast_new(s, AST_BINARY, loc);

	n->u.binary.op = op;
	n->u.binary.lhs = l;
	n->u.binary.rhs = r;
	n->depth = 1 + (l && r && r->depth > l->depth ? r->depth : l ? l->depth : 0);
	return n;
}

struct ast_node *ast_unary(struct session *s, const struct srcloc *loc, enum ast_op op,
			   struct ast_node *e)
{
	struct ast_node *n = ast_new(s, AST_UNARY, loc);

	n->u.unary.op = op;
	n->u.unary.operand = e;
	n->depth = 1 + (e ? e->depth : 0);
	return n;
}

struct ast_node *ast_assign(struct session *s, const struct srcloc *loc, enum ast_op op,
			    struct ast_node *l, struct ast_node *r)
{
	struct ast_node *n = ast_new(s, AST_ASSIGN, loc);

	n->u.assign.op = op;
	n->u.assign.lhs = l;
	n->u.assign.rhs = r;
	n->depth = 1 + (l && r && r->depth > l->depth ? r->depth : l ? l->depth : 0);
	return n;
}

struct ast_node *ast_call(struct session *s, const struct srcloc *loc, const char *name,
			  struct ast_node *args)
{
	struct ast_node *n = ast_new(s, AST_CALL, loc);

	n->u.call.name = name;
	n->u.call.args = args;
	for (; args; args = args->next)
		if (args->depth + 1 > n->depth)
			n->depth = args->depth + 1;
	return n;
}

struct ast_node *ast_block(struct session *s, const struct srcloc *loc,
			   struct ast_node *stmts)
{
	struct ast_node *n = ast_new(s, AST_BLOCK, loc);

	n->u.block.stmts = stmts;
	for (; stmts; stmts = stmts->next)
		if (stmts->depth + 1 > n->depth)
			n->depth = stmts->depth + 1;
	return n;
}

struct ast_node *ast_operand(struct session *s, enum ast_kind kind,
			     const struct srcloc *loc, struct ast_node *e)
{
	struct ast_node *n = ast_new(s, kind, loc);

	n->u.operand = e;
	n->depth = 1 + (e ? e->depth : 0);
	return n;
}

struct ast_node *ast_append(struct ast_node *a, struct ast_node *b)
{
	struct ast_node *p = a;

	if (!a)
		return b;
	while (p->next)
		p = p->next;
	p->next = b;
	return a;
}

int ast_list_len(const struct ast_node *n)
{
	int len = 0;

	for (; n; n = n->next)
		len++;
	return len;
}

bool ast_is_lvalue(const struct ast_node *n)
{
	switch (n->kind) {
	case AST_IDENT:
	case AST_INDEX:
	case AST_TARGET:
		return true;
	case AST_NUMBER: case AST_STRING: case AST_CALL: case AST_BINARY:
	case AST_UNARY: case AST_INCDEC: case AST_ASSIGN: case AST_TERNARY:
	case AST_IN: case AST_STAT: case AST_CAST: case AST_ATVAR:
	case AST_DEFINED: case AST_ENTRY: case AST_EMBEDDED_EXPR:
	case AST_BLOCK: case AST_EXPR_STMT: case AST_IF: case AST_WHILE:
	case AST_FOR: case AST_FOREACH: case AST_DELETE: case AST_NEXT:
	case AST_BREAK: case AST_CONTINUE: case AST_RETURN: case AST_TRY:
	case AST_NULL: case AST_EMBEDDED:
		return false;
	}
	return false;
}

const char *ast_op_str(enum ast_op op)
{
	static const char *const names[] = {
		[OP_ADD] = "+", [OP_SUB] = "-", [OP_MUL] = "*", [OP_DIV] = "/",
		[OP_MOD] = "%", [OP_SHL] = "<<", [OP_SHR] = ">>", [OP_BAND] = "&",
		[OP_BOR] = "|", [OP_BXOR] = "^", [OP_LAND] = "&&", [OP_LOR] = "||",
		[OP_CONCAT] = ".", [OP_EQ] = "==", [OP_NE] = "!=", [OP_LT] = "<",
		[OP_LE] = "<=", [OP_GT] = ">", [OP_GE] = ">=", [OP_MATCH] = "=~",
		[OP_NOMATCH] = "!~", [OP_NEG] = "-", [OP_NOT] = "!", [OP_BNOT] = "~",
		[OP_PLUS] = "+", [OP_INC] = "++", [OP_DEC] = "--", [OP_ASSIGN] = "=",
		[OP_STAT_ADD] = "<<<",
	};

	return names[op];
}

const char *ast_type_str(enum ast_type t)
{
	switch (t) {
	case TYPE_UNKNOWN:
		return "unknown";
	case TYPE_LONG:
		return "long";
	case TYPE_STRING:
		return "string";
	case TYPE_STATS:
		return "stats";
	}
	return "?";
}

const char *ast_stat_str(enum stat_op op)
{
	static const char *const names[] = {
		[STAT_COUNT] = "@count", [STAT_SUM] = "@sum", [STAT_MIN] = "@min",
		[STAT_MAX] = "@max", [STAT_AVG] = "@avg", [STAT_VARIANCE] = "@variance",
		[STAT_HIST_LINEAR] = "@hist_linear", [STAT_HIST_LOG] = "@hist_log",
	};

	return names[op];
}

static void dump_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		switch (c) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\t': fputs("\\t", f); break;
		case '\r': fputs("\\r", f); break;
		default:
			if (c < 32 || c == 127)
				fprintf(f, "\\%03o", c);
			else
				fputc(c, f);
		}
	}
	fputc('"', f);
}

static void dump_list(FILE *f, const struct ast_node *n)
{
	for (; n; n = n->next) {
		ast_dump_expr(f, n);
		if (n->next)
			fputs(", ", f);
	}
}

static void dump_comps(FILE *f, const struct target_comp *c)
{
	for (; c; c = c->next) {
		switch (c->kind) {
		case COMP_FIELD:
			fprintf(f, "->%s", c->name);
			break;
		case COMP_INDEX:
			fprintf(f, "[%" PRId64 "]", c->index);
			break;
		case COMP_INDEX_EXPR:
			fputc('[', f);
			ast_dump_expr(f, c->expr);
			fputc(']', f);
			break;
		}
	}
}

static void dump_target(FILE *f, const struct ast_node *n)
{
	if (n->u.target.addr)
		fputc('&', f);
	if (n->kind == AST_CAST) {
		fputs("@cast(", f);
		ast_dump_expr(f, n->u.target.operand);
		fputs(", ", f);
		dump_string(f, n->u.target.type_name);
		if (n->u.target.module) {
			fputs(", ", f);
			dump_string(f, n->u.target.module);
		}
		fputc(')', f);
	} else if (n->kind == AST_ATVAR) {
		fputs("@var(", f);
		dump_string(f, n->u.target.name);
		if (n->u.target.module) {
			fputs(", ", f);
			dump_string(f, n->u.target.module);
		}
		fputc(')', f);
	} else if (n->u.target.operand && n->u.target.operand->kind != AST_IDENT) {
		fputc('(', f);	/* autocast of an expression */
		ast_dump_expr(f, n->u.target.operand);
		fputc(')', f);
	} else {
		fputs(n->u.target.name, f);
	}
	dump_comps(f, n->u.target.comps);
	fputs(n->u.target.pretty == 2 ? "$$" : n->u.target.pretty == 1 ? "$" : "", f);
}

void ast_dump_expr(FILE *f, const struct ast_node *n)
{
	switch (n->kind) {
	case AST_NUMBER:
		if (n->u.num == INT64_MIN)
			fputs("-9223372036854775808", f);
		else
			fprintf(f, "%" PRId64, n->u.num);
		break;
	case AST_STRING:
		dump_string(f, n->u.str);
		break;
	case AST_IDENT:
		fputs(n->u.ident.name, f);
		break;
	case AST_INDEX:
		ast_dump_expr(f, n->u.index.base);
		fputc('[', f);
		dump_list(f, n->u.index.keys);
		fputc(']', f);
		break;
	case AST_CALL:
		fprintf(f, "%s(", n->u.call.name);
		dump_list(f, n->u.call.args);
		fputc(')', f);
		break;
	case AST_BINARY:
		fputc('(', f);
		ast_dump_expr(f, n->u.binary.lhs);
		fprintf(f, " %s ", ast_op_str(n->u.binary.op));
		ast_dump_expr(f, n->u.binary.rhs);
		fputc(')', f);
		break;
	case AST_UNARY:
		fprintf(f, "%s(", ast_op_str(n->u.unary.op));
		ast_dump_expr(f, n->u.unary.operand);
		fputc(')', f);
		break;
	case AST_INCDEC:
		if (!n->u.incdec.post)
			fputs(ast_op_str(n->u.incdec.op), f);
		ast_dump_expr(f, n->u.incdec.operand);
		if (n->u.incdec.post)
			fputs(ast_op_str(n->u.incdec.op), f);
		break;
	case AST_ASSIGN:
		ast_dump_expr(f, n->u.assign.lhs);
		if (n->u.assign.op == OP_ASSIGN || n->u.assign.op == OP_STAT_ADD)
			fprintf(f, " %s ", ast_op_str(n->u.assign.op));
		else
			fprintf(f, " %s= ", ast_op_str(n->u.assign.op));
		ast_dump_expr(f, n->u.assign.rhs);
		break;
	case AST_TERNARY:
		fputc('(', f);
		ast_dump_expr(f, n->u.ternary.cond);
		fputs(" ? ", f);
		ast_dump_expr(f, n->u.ternary.then);
		fputs(" : ", f);
		ast_dump_expr(f, n->u.ternary.other);
		fputc(')', f);
		break;
	case AST_IN:
		fputc('(', f);
		if (n->u.in.keys && n->u.in.keys->next) {
			fputc('[', f);
			dump_list(f, n->u.in.keys);
			fputc(']', f);
		} else {
			ast_dump_expr(f, n->u.in.keys);
		}
		fputs(" in ", f);
		ast_dump_expr(f, n->u.in.array);
		fputc(')', f);
		break;
	case AST_STAT:
		fprintf(f, "%s(", ast_stat_str(n->u.stat.op));
		ast_dump_expr(f, n->u.stat.operand);
		if (n->u.stat.params) {
			fputs(", ", f);
			dump_list(f, n->u.stat.params);
		}
		fputc(')', f);
		break;
	case AST_TARGET:
	case AST_CAST:
	case AST_ATVAR:
		dump_target(f, n);
		break;
	case AST_DEFINED:
		fputs("@defined(", f);
		ast_dump_expr(f, n->u.operand);
		fputc(')', f);
		break;
	case AST_ENTRY:
		fputs("@entry(", f);
		ast_dump_expr(f, n->u.operand);
		fputc(')', f);
		break;
	case AST_EMBEDDED_EXPR:
		fprintf(f, "%%{%s%%}", n->u.str);
		break;
	case AST_NULL:		/* in an expression: the * of an array slice */
		fputc('*', f);
		break;
	case AST_BLOCK: case AST_EXPR_STMT: case AST_IF: case AST_WHILE:
	case AST_FOR: case AST_FOREACH: case AST_DELETE: case AST_NEXT:
	case AST_BREAK: case AST_CONTINUE: case AST_RETURN: case AST_TRY:
	case AST_EMBEDDED:
		ast_dump_stmt(f, n, 0);
		break;
	}
}

static void indent_to(FILE *f, int indent)
{
	while (indent-- > 0)
		fputs("  ", f);
}

static void dump_foreach(FILE *f, const struct ast_node *n, int in)
{
	const struct ast_node *k;
	int col = 1;

	fputs("foreach (", f);
	if (n->u.foreach.value) {
		ast_dump_expr(f, n->u.foreach.value);
		if (n->u.foreach.sort_key == -1 && !n->u.foreach.sort_aggr)
			fputc(n->u.foreach.sort_dir > 0 ? '+' : '-', f);
		fputs(" = ", f);
	}
	if (n->u.foreach.keys && n->u.foreach.keys->next)
		fputc('[', f);
	for (k = n->u.foreach.keys; k; k = k->next, col++) {
		ast_dump_expr(f, k);
		if (n->u.foreach.sort_key == col)
			fputc(n->u.foreach.sort_dir > 0 ? '+' : '-', f);
		if (k->next)
			fputs(", ", f);
	}
	if (n->u.foreach.keys && n->u.foreach.keys->next)
		fputc(']', f);
	fputs(" in ", f);
	ast_dump_expr(f, n->u.foreach.array);
	if (n->u.foreach.slice) {
		fputc('[', f);
		dump_list(f, n->u.foreach.slice);
		fputc(']', f);
	}
	if (n->u.foreach.sort_aggr)
		fprintf(f, " %s%c", ast_stat_str((enum stat_op)(n->u.foreach.sort_aggr - 1)),
			n->u.foreach.sort_dir > 0 ? '+' : '-');
	else if (n->u.foreach.sort_key == -1 && !n->u.foreach.value)
		fputc(n->u.foreach.sort_dir > 0 ? '+' : '-', f);
	if (n->u.foreach.limit) {
		fputs(" limit ", f);
		ast_dump_expr(f, n->u.foreach.limit);
	}
	fputs(") ", f);
	ast_dump_stmt(f, n->u.foreach.body, -in - 1);
}

/* indent < 0: continue on the current line (after "else ", loop heads). */
void ast_dump_stmt(FILE *f, const struct ast_node *n, int indent)
{
	int in = indent < 0 ? -indent - 1 : indent;
	const struct ast_node *c;

	if (indent >= 0)
		indent_to(f, indent);
	switch (n->kind) {
	case AST_BLOCK:
		fputs("{\n", f);
		for (c = n->u.block.stmts; c; c = c->next)
			ast_dump_stmt(f, c, in + 1);
		indent_to(f, in);
		fputs("}\n", f);
		break;
	case AST_EXPR_STMT:
		ast_dump_expr(f, n->u.operand);
		fputs(";\n", f);
		break;
	case AST_IF:
		fputs("if (", f);
		ast_dump_expr(f, n->u.cond.cond);
		fputs(") ", f);
		ast_dump_stmt(f, n->u.cond.then, -in - 1);
		if (n->u.cond.other) {
			indent_to(f, in);
			fputs("else ", f);
			ast_dump_stmt(f, n->u.cond.other, -in - 1);
		}
		break;
	case AST_WHILE:
		fputs("while (", f);
		ast_dump_expr(f, n->u.loop.cond);
		fputs(") ", f);
		ast_dump_stmt(f, n->u.loop.body, -in - 1);
		break;
	case AST_FOR:
		fputs("for (", f);
		if (n->u.loop.init)
			ast_dump_expr(f, n->u.loop.init);
		fputs("; ", f);
		if (n->u.loop.cond)
			ast_dump_expr(f, n->u.loop.cond);
		fputs("; ", f);
		if (n->u.loop.incr)
			ast_dump_expr(f, n->u.loop.incr);
		fputs(") ", f);
		ast_dump_stmt(f, n->u.loop.body, -in - 1);
		break;
	case AST_FOREACH:
		dump_foreach(f, n, in);
		break;
	case AST_DELETE:
		fputs("delete ", f);
		ast_dump_expr(f, n->u.operand);
		fputs(";\n", f);
		break;
	case AST_NEXT:
		fputs("next;\n", f);
		break;
	case AST_BREAK:
		fputs("break;\n", f);
		break;
	case AST_CONTINUE:
		fputs("continue;\n", f);
		break;
	case AST_RETURN:
		fputs("return", f);
		if (n->u.operand) {
			fputc(' ', f);
			ast_dump_expr(f, n->u.operand);
		}
		fputs(";\n", f);
		break;
	case AST_TRY:
		fputs("try ", f);
		ast_dump_stmt(f, n->u.try_.body, -in - 1);
		indent_to(f, in);
		fputs("catch", f);
		if (n->u.try_.var) {
			fputs(" (", f);
			ast_dump_expr(f, n->u.try_.var);
			fputc(')', f);
		}
		fputc(' ', f);
		ast_dump_stmt(f, n->u.try_.handler, -in - 1);
		break;
	case AST_NULL:
		fputs(";\n", f);
		break;
	case AST_EMBEDDED:
		fprintf(f, "%%{%s%%}\n", n->u.str);
		break;
	case AST_NUMBER: case AST_STRING: case AST_IDENT: case AST_INDEX:
	case AST_CALL: case AST_BINARY: case AST_UNARY: case AST_INCDEC:
	case AST_ASSIGN: case AST_TERNARY: case AST_IN: case AST_STAT:
	case AST_TARGET: case AST_CAST: case AST_ATVAR: case AST_DEFINED:
	case AST_ENTRY: case AST_EMBEDDED_EXPR:
		ast_dump_expr(f, n);
		fputc('\n', f);
		break;
	}
}

void ast_dump_point(FILE *f, const struct probe_point *pp)
{
	const struct pp_comp *c;

	for (c = pp->comps; c; c = c->next) {
		fputs(c->name, f);
		if (c->has_arg) {
			fputc('(', f);
			/* a large negative number here is a kernel address: in hex, as written */
			if (c->arg && c->arg->kind == AST_NUMBER && c->arg->u.num < -65536)
				fprintf(f, "%#" PRIx64, (uint64_t)c->arg->u.num);
			else if (c->arg)
				ast_dump_expr(f, c->arg);
			fputc(')', f);
		}
		if (c->next)
			fputc('.', f);
	}
	if (pp->sufficient)
		fputc('!', f);
	else if (pp->optional)
		fputc('?', f);
	if (pp->cond) {
		fputs(" if (", f);
		ast_dump_expr(f, pp->cond);
		fputc(')', f);
	}
}

static void dump_points(FILE *f, const struct probe_point *pp)
{
	for (; pp; pp = pp->next) {
		ast_dump_point(f, pp);
		if (pp->next)
			fputs(", ", f);
	}
}

static void dump_function(FILE *f, const struct function *fn)
{
	const struct param *p;

	fprintf(f, "%sfunction %s", fn->is_private ? "private " : "", fn->name);
	if (fn->ret != TYPE_UNKNOWN)
		fprintf(f, ":%s", ast_type_str(fn->ret));
	fputs(" (", f);
	for (p = fn->params; p; p = p->next) {
		fputs(p->name, f);
		if (p->type != TYPE_UNKNOWN)
			fprintf(f, ":%s", ast_type_str(p->type));
		if (p->next)
			fputs(", ", f);
	}
	fputs(")", f);
	if (fn->priority != (fn->is_tapset ? 1 : 0))
		fprintf(f, ":%" PRId64, fn->priority);
	fputc(' ', f);
	ast_dump_stmt(f, fn->body, -1);
}

static void dump_global(FILE *f, const struct global *g)
{
	fprintf(f, "%sglobal %s", g->is_private ? "private " : "", g->name);
	if (g->wrap)
		fputc('%', f);
	if (g->is_array && g->size)
		fprintf(f, "[%" PRId64 "]", g->size);
	if (g->init) {
		fputs(" = ", f);
		ast_dump_expr(f, g->init);
	}
	fputc('\n', f);
}

void ast_dump_file(FILE *f, const struct stapfile *file)
{
	const struct global *g;
	const struct function *fn;
	const struct probe *p;
	const struct ast_node *e;

	fprintf(f, "# file %s\n", file->src->name);
	for (e = file->embeds; e; e = e->next)
		ast_dump_stmt(f, e, 0);
	for (g = file->globals; g; g = g->next)
		dump_global(f, g);
	for (fn = file->functions; fn; fn = fn->next)
		dump_function(f, fn);
	for (p = file->probes; p; p = p->next) {
		fputs("probe ", f);
		if (p->is_alias) {
			dump_points(f, p->alias_names);
			fputs(p->is_epilogue ? " += " : " = ", f);
		}
		dump_points(f, p->points);
		fputc(' ', f);
		ast_dump_stmt(f, p->body, -1);
	}
}

/* ---- the walker ------------------------------------------------------------------- */

/*
 * Every kind's children, in source order: the only list of them in the translator.
 * A slot is the address of a child pointer, so a caller may replace the child; a
 * list slot heads a `next`-linked list (statements, arguments, keys).
 */
void ast_each_child(struct ast_node *n, ast_slot_fn fn, void *ctx)
{
	struct target_comp *c;

	switch (n->kind) {
	case AST_NUMBER: case AST_STRING: case AST_IDENT: case AST_EMBEDDED_EXPR:
	case AST_EMBEDDED: case AST_NEXT: case AST_BREAK: case AST_CONTINUE: case AST_NULL:
		break;
	case AST_INDEX:
		fn(&n->u.index.base, false, ctx);
		fn(&n->u.index.keys, true, ctx);
		break;
	case AST_CALL:
		fn(&n->u.call.args, true, ctx);
		break;
	case AST_BINARY:
		fn(&n->u.binary.lhs, false, ctx);
		fn(&n->u.binary.rhs, false, ctx);
		break;
	case AST_UNARY:
		fn(&n->u.unary.operand, false, ctx);
		break;
	case AST_INCDEC:
		fn(&n->u.incdec.operand, false, ctx);
		break;
	case AST_ASSIGN:
		fn(&n->u.assign.lhs, false, ctx);
		fn(&n->u.assign.rhs, false, ctx);
		break;
	case AST_TERNARY:
		fn(&n->u.ternary.cond, false, ctx);
		fn(&n->u.ternary.then, false, ctx);
		fn(&n->u.ternary.other, false, ctx);
		break;
	case AST_IN:
		fn(&n->u.in.keys, true, ctx);
		fn(&n->u.in.array, false, ctx);
		break;
	case AST_STAT:
		fn(&n->u.stat.operand, false, ctx);
		fn(&n->u.stat.params, true, ctx);
		break;
	case AST_TARGET: case AST_CAST: case AST_ATVAR:
		fn(&n->u.target.operand, false, ctx);
		for (c = n->u.target.comps; c; c = c->next)
			if (c->kind == COMP_INDEX_EXPR)
				fn(&c->expr, false, ctx);
		break;
	case AST_DEFINED: case AST_ENTRY: case AST_EXPR_STMT: case AST_DELETE:
	case AST_RETURN:
		fn(&n->u.operand, false, ctx);
		break;
	case AST_BLOCK:
		fn(&n->u.block.stmts, true, ctx);
		break;
	case AST_IF:
		fn(&n->u.cond.cond, false, ctx);
		fn(&n->u.cond.then, false, ctx);
		fn(&n->u.cond.other, false, ctx);
		break;
	case AST_WHILE: case AST_FOR:
		fn(&n->u.loop.init, false, ctx);
		fn(&n->u.loop.cond, false, ctx);
		fn(&n->u.loop.incr, false, ctx);
		fn(&n->u.loop.body, false, ctx);
		break;
	case AST_FOREACH:
		fn(&n->u.foreach.keys, true, ctx);
		fn(&n->u.foreach.value, false, ctx);
		fn(&n->u.foreach.array, false, ctx);
		fn(&n->u.foreach.slice, true, ctx);
		fn(&n->u.foreach.limit, false, ctx);
		fn(&n->u.foreach.body, false, ctx);
		break;
	case AST_TRY:
		fn(&n->u.try_.body, false, ctx);
		fn(&n->u.try_.var, false, ctx);
		fn(&n->u.try_.handler, false, ctx);
		break;
	}
}

struct walk_state {
	const struct ast_walker *w;
	bool stopped;
};

static void walk_node(struct ast_node *n, struct walk_state *st);

static void walk_slot(struct ast_node **slot, bool is_list, void *ctx)
{
	struct walk_state *st = ctx;
	struct ast_node *n, *next;

	for (n = *slot; n && !st->stopped; n = is_list ? next : NULL) {
		next = n->next;
		walk_node(n, st);
	}
}

static void walk_node(struct ast_node *n, struct walk_state *st)
{
	enum ast_walk_rc rc = st->w->pre ? st->w->pre(n, st->w->ctx) : AST_WALK_CONTINUE;

	if (rc == AST_WALK_STOP) {
		st->stopped = true;
		return;
	}
	if (rc == AST_WALK_CONTINUE)
		ast_each_child(n, walk_slot, st);
	if (!st->stopped && st->w->post && st->w->post(n, st->w->ctx) == AST_WALK_STOP)
		st->stopped = true;
}

bool ast_walk(struct ast_node *n, const struct ast_walker *w)
{
	struct walk_state st = { .w = w };

	if (n)
		walk_node(n, &st);
	return !st.stopped;
}

bool ast_walk_list(struct ast_node *n, const struct ast_walker *w)
{
	struct walk_state st = { .w = w };

	walk_slot(&n, true, &st);
	return !st.stopped;
}

/* ---- copies ------------------------------------------------------------------------ */

static struct target_comp *copy_tcomps(struct session *s, const struct target_comp *c)
{
	struct target_comp *head = NULL, **t = &head;

	for (; c; c = c->next) {
		struct target_comp *n = arena_alloc(&s->arena, sizeof(*n));

		*n = *c;
		n->next = NULL;
		*t = n;
		t = &n->next;
	}
	return head;
}

static void copy_slot(struct ast_node **slot, bool is_list, void *ctx)
{
	struct session *s = ctx;
	struct ast_node **t = slot, *n = *slot;

	for (; n; n = is_list ? n->next : NULL) {
		*t = ast_copy(s, n);
		t = &(*t)->next;
	}
}

struct ast_node *ast_copy(struct session *s, const struct ast_node *n)
{
	struct ast_node *c;

	if (!n)
		return NULL;
	c = arena_alloc(&s->arena, sizeof(*c));
	*c = *n;
	c->next = NULL;
	/* pass-2 links are not copied: the copy is resolved again */
	if (c->kind == AST_IDENT)
		c->u.ident.sym = NULL;
	else if (c->kind == AST_CALL)
		c->u.call.fn = NULL;
	else if (c->kind == AST_TARGET || c->kind == AST_CAST || c->kind == AST_ATVAR)
		c->u.target.comps = copy_tcomps(s, n->u.target.comps);
	ast_each_child(c, copy_slot, s);
	return c;
}
