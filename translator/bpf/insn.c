/* Pass 3 for the BPF runtime, without clang: BPF instructions written directly for
 * scripts within a subset (bpf/bpf.h: bpf_insn_generate), into an instruction object
 * that stapbpf loads itself (staprun/bpf/insn.c has the format). The meta text and
 * the run-time behaviour are the C path's (bpf/gen.c, bpf/expr.c): the same globals
 * map, output records, error records and messages.
 *
 * The subset: begin, end, error, timer, perf and plain kernel.trace probes (no target
 * variables); long locals and long scalar globals (in the map __g), statistics
 * without keys (<<<, @count @sum @min @max @avg, @hist_log/@hist_linear in print,
 * in per-CPU hash maps as gen.c's); long arithmetic,
 * comparisons, logic, assignment, ++/--, ?:; if/else, while, for, break, continue,
 * next; script functions of up to 3 long parameters called outside loops; exit(), pid(), tid(), uid(), gid(), cpu(), target(), gettimeofday_ns(),
 * local_clock_ns(); print, println, printf with long, literal, pp() and execname()
 * arguments. A probe without loops whose statements could exceed MAXACTION is left
 * to clang (its count is known before the run); with loops, MAXACTION is counted at
 * run time. Anything else makes the whole script take the C path.
 *
 * Code shape: r6 holds the globals' address for the whole program, r9 the per-CPU
 * map __rec's (state, locals, the output record), r7 the value of the expression
 * being computed, r8 a second operand; partial results of an expression wait in
 * 8-byte stack slots. A loop is a bpf_loop() callback: a subprogram that gets the
 * program's frame pointer, where r6 and r9 are saved, as its context. */
#include <inttypes.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/gen.h"
#include "passes.h"
#include "tapsets/family.h"

extern const struct probe_family begin_family, end_family, error_family, timer_family,
	bpf_trace_family, bpf_perf_family;

#define N_SLOTS 16
#define N_CB_SLOTS 8
/* the program's stack frame (r10 + these): r6, r9 for the loop callbacks, then
 * expression slots; a loop callback's frame holds the program's frame pointer at -8,
 * then its slots */
#define FP_G -16
#define FP_REC -24
#define FP_SLOTS -32
#define CB_FRAME (-FP_SLOTS + 8 * N_CB_SLOTS)	/* a callback's or a function's */
/* the per-CPU map __rec (r9 + these): state, locals, then the output record. Not the
 * stack: the verifier follows a stack value from one loop turn to the next and gives
 * up, while a map's contents are unknown to it */
#define R_ACT 0			/* statements run (MAXACTION), when it has loops */
#define R_ERR 8			/* a callback's error: message id, place id */
#define R_WHERE 16
#define R_NEXT 24		/* a callback ran next */
#define R_LOCALS 32
#define REC 9			/* the register holding the record buffer's address */
#define STACK 512
#define OFF_STATE 0
#define OFF_TARGET 8
#define OFF_RTOFF 24
#define OFF_DROPPED 32
#define OFF_ERRORS 40
/* output record types (staprun/bpf/meta.h) */
enum { REC_PRINT = 1, REC_ERROR = 2, REC_EXIT = 3 };
/* map numbers in the object (its map lines, in this order) */
enum { MAP_G, MAP_RB, MAP_LOOPKEY, MAP_RO, MAP_REC };

struct ie {
	struct bg g;			/* meta text, its memos and ids */
	struct session *s;
	const char *why;		/* the first construct outside the subset */
	const struct srcloc *why_loc;
	struct bpf_insn *v;		/* the program being written */
	int n, cap;
	struct strbuf obj;		/* maps and programs */
	struct strbuf ro;		/* read-only data: formats for bpf_snprintf */
	const struct derived_probe *dp;
	const struct symbol **locals;	/* the probe's locals, on the stack */
	int n_locals;
	int slot;			/* slots in use */
	int rec_max;			/* the size of __rec's value */
	int rb;				/* where the output record starts in it */
	int *to_err, n_to_err;		/* jumps to the error exit */
	int *to_out, n_to_out;		/* jumps to the normal exit */
	int *to_cont, n_to_cont;	/* continue in the innermost loop */
	int cb_depth;			/* 0 the program, else nested loop callbacks */
	bool counting;			/* MAXACTION counted at run time (loops) */
	struct cbfn { struct bpf_insn *v; int n; } *cbs;	/* loop callbacks */
	int n_cbs;
	struct function *fn;		/* the script function being written, or NULL */
	int fn_depth;			/* its body's cb_depth */
	struct function **fns;		/* functions written for this program, */
	int *fn_ids, n_fns;		/* their subprogram numbers */
	int *gplace;			/* per global: its offset in __g, or for a
					 * statistic its map's number */
	struct strbuf maps;		/* the statistics' map lines */
};

static bool refuse(struct ie *e, const struct srcloc *loc, const char *why)
{
	if (!e->why) {
		e->why = why;
		e->why_loc = loc;
	}
	return false;
}

/* --- instructions ----------------------------------------------------------- */

static int put(struct ie *e, uint8_t code, int dst, int src, int16_t off, int32_t imm)
{
	if (e->n == e->cap) {
		e->cap = e->cap ? 2 * e->cap : 256;
		e->v = xrealloc(e->v, (size_t)e->cap * sizeof(*e->v));
	}
	e->v[e->n] = (struct bpf_insn){ .code = code, .dst_reg = (uint8_t)dst,
		.src_reg = (uint8_t)src, .off = off, .imm = imm };
	return e->n++;
}

static void mov_imm(struct ie *e, int dst, int64_t v)
{
	if (v >= INT32_MIN && v <= INT32_MAX) {
		put(e, BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, (int32_t)v);
		return;
	}
	put(e, BPF_LD | BPF_DW | BPF_IMM, dst, 0, 0, (int32_t)(uint32_t)(uint64_t)v);
	put(e, 0, 0, 0, 0, (int32_t)(uint32_t)((uint64_t)v >> 32));
}

static void ld_map(struct ie *e, int dst, int map, bool value, int32_t off)
{
	put(e, BPF_LD | BPF_DW | BPF_IMM, dst, value ? BPF_PSEUDO_MAP_VALUE : BPF_PSEUDO_MAP_FD,
	    0, map);
	put(e, 0, 0, 0, 0, off);
}

static void alu(struct ie *e, int op, int dst, int src)
{
	put(e, BPF_ALU64 | (uint8_t)op | BPF_X, dst, src, 0, 0);
}

static void alu_imm(struct ie *e, int op, int dst, int32_t imm)
{
	put(e, BPF_ALU64 | (uint8_t)op | BPF_K, dst, 0, 0, imm);
}

static void ldx(struct ie *e, int dst, int src, int off)
{
	put(e, BPF_LDX | BPF_MEM | BPF_DW, dst, src, (int16_t)off, 0);
}

static void stx(struct ie *e, int dst, int off, int src)
{
	put(e, BPF_STX | BPF_MEM | BPF_DW, dst, src, (int16_t)off, 0);
}

static void st_imm(struct ie *e, int size, int dst, int off, int32_t imm)
{
	put(e, BPF_ST | BPF_MEM | (uint8_t)size, dst, 0, (int16_t)off, imm);
}

static void call(struct ie *e, int helper)
{
	put(e, BPF_JMP | BPF_CALL, 0, 0, 0, helper);
}

/* a jump to be patched: its index */
static int jmp(struct ie *e, int op, int dst, int src)
{
	return put(e, BPF_JMP | (uint8_t)op | BPF_X, dst, src, 0, 0);
}

static int jmp_imm(struct ie *e, int op, int dst, int32_t imm)
{
	return put(e, BPF_JMP | (uint8_t)op | BPF_K, dst, 0, 0, imm);
}

static void patch(struct ie *e, int at)
{
	e->v[at].off = (int16_t)(e->n - at - 1);
}

static void add_jump(int **v, int *n, int at)
{
	*v = xrealloc(*v, (size_t)(*n + 1) * sizeof(**v));
	(*v)[(*n)++] = at;
}

/* atomic *(u64 *)(r6 + off) += r1, r1 the value before */
static void fetch_add(struct ie *e, int off)
{
	put(e, BPF_STX | BPF_ATOMIC | BPF_DW, 6, 1, (int16_t)off, BPF_ADD | BPF_FETCH);
}

/* --- stack ------------------------------------------------------------------- */

static int local_off(struct ie *e, const struct symbol *sym)
{
	int i;

	for (i = 0; i < e->n_locals; i++)
		if (e->locals[i] == sym)
			return R_LOCALS + 8 * i;
	return 0;
}

static int slot_push(struct ie *e, const struct srcloc *loc)
{
	if (e->slot == (e->cb_depth ? N_CB_SLOTS : N_SLOTS)) {
		refuse(e, loc, "an expression nested this deep");
		return -8;
	}
	if (e->cb_depth && e->cb_depth != e->fn_depth)	/* a loop callback's frame */
		return -16 - 8 * e->slot++;
	return FP_SLOTS - 8 * e->slot++;
}

/* the byte offset of global sym in __g, or -1 */
static int global_off(struct ie *e, const struct symbol *sym)
{
	int i;

	for (i = 0; i < e->g.n_gsyms; i++)
		if (e->g.gsyms[i] == sym)
			return e->gplace[i];
	return -1;
}

/* --- expressions: the value in r7 -------------------------------------------- */

static bool expr(struct ie *e, struct ast_node *n);

/* a run-time error with the module runtime's message: jump to the error exit with
 * r8 = message id, r7 = place id */
static void fail_here(struct ie *e, const char *msg, const struct srcloc *loc)
{
	int id = bg_memo_find(&e->g, 'X', msg);

	if (id < 0) {
		char *m = bg_meta_str(msg);

		id = ++e->g.n_where;
		bg_memo_add(&e->g, 'X', msg, id);
		sb_printf(&e->g.meta, "X %d %s\n", id, m);
		free(m);
	}
	if (e->cb_depth) {	/* into the program's frame, and out of the loop */
		st_imm(e, BPF_DW, REC, R_ERR, id);
		st_imm(e, BPF_DW, REC, R_WHERE, bg_where(&e->g, loc));
		mov_imm(e, 0, 1);
		put(e, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
		return;
	}
	mov_imm(e, 8, id);
	mov_imm(e, 7, bg_where(&e->g, loc));
	add_jump(&e->to_err, &e->n_to_err, put(e, BPF_JMP | BPF_JA, 0, 0, 0, 0));
}

/* r7 = r7 OP r8 for long arithmetic, as bpf/expr.c's arith() */
static bool arith(struct ie *e, enum ast_op op, const struct srcloc *loc)
{
	int j, j2;

	static const struct { enum ast_op op; int bpf; } simple[] = {
		{ OP_ADD, BPF_ADD }, { OP_SUB, BPF_SUB }, { OP_MUL, BPF_MUL },
		{ OP_BAND, BPF_AND }, { OP_BOR, BPF_OR }, { OP_BXOR, BPF_XOR },
		{ OP_SHL, BPF_LSH }, { OP_SHR, BPF_ARSH },
	};
	size_t i;

	for (i = 0; i < sizeof(simple) / sizeof(simple[0]); i++) {
		if (simple[i].op != op)
			continue;
		if (op == OP_SHL || op == OP_SHR)	/* the count & 63, as C's */
			alu_imm(e, BPF_AND, 8, 63);
		alu(e, simple[i].bpf, 7, 8);
		return true;
	}
	if (op != OP_DIV && op != OP_MOD)
		return refuse(e, loc, "this operator");
	j = jmp_imm(e, BPF_JNE, 8, 0);
	fail_here(e, "division by 0", loc);
	patch(e, j);
	/* |a| op |b| unsigned, then the sign C gives it */
	put(e, BPF_ALU64 | BPF_MOV | BPF_X, 1, 7, 0, 0);
	j = jmp_imm(e, BPF_JSGE, 1, 0);
	put(e, BPF_ALU64 | BPF_NEG, 1, 0, 0, 0);
	patch(e, j);
	put(e, BPF_ALU64 | BPF_MOV | BPF_X, 2, 8, 0, 0);
	j = jmp_imm(e, BPF_JSGE, 2, 0);
	put(e, BPF_ALU64 | BPF_NEG, 2, 0, 0, 0);
	patch(e, j);
	alu(e, op == OP_DIV ? BPF_DIV : BPF_MOD, 1, 2);
	put(e, BPF_ALU64 | BPF_MOV | BPF_X, 3, 7, 0, 0);
	if (op == OP_DIV)	/* negative when the signs differ; a remainder has a's */
		alu(e, BPF_XOR, 3, 8);
	j2 = jmp_imm(e, BPF_JSGE, 3, 0);
	put(e, BPF_ALU64 | BPF_NEG, 1, 0, 0, 0);
	patch(e, j2);
	put(e, BPF_ALU64 | BPF_MOV | BPF_X, 7, 1, 0, 0);
	return true;
}

static int cmp_op(enum ast_op op)
{
	static const struct { enum ast_op op; int bpf; } ops[] = {
		{ OP_EQ, BPF_JEQ }, { OP_NE, BPF_JNE }, { OP_LT, BPF_JSLT },
		{ OP_LE, BPF_JSLE }, { OP_GT, BPF_JSGT }, { OP_GE, BPF_JSGE },
	};
	size_t i;

	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (ops[i].op == op)
			return ops[i].bpf;
	return -1;
}

/* r7 = r7 != 0 */
static void to_bool(struct ie *e)
{
	int j = jmp_imm(e, BPF_JEQ, 7, 0);

	mov_imm(e, 7, 1);
	patch(e, j);
}

/* the place of a long variable: stack (fp) or globals (r6); false if neither */
static bool place(struct ie *e, struct ast_node *n, int *base, int *off)
{
	const struct symbol *sym;

	if (n->kind != AST_IDENT || n->type != TYPE_LONG)
		return refuse(e, &n->loc, "this kind of variable");
	sym = n->u.ident.sym;
	if (sym->n_keys || sym->type != TYPE_LONG)
		return refuse(e, &n->loc, "arrays and statistics");
	if (sym->kind == SYM_GLOBAL) {
		*base = 6;
		*off = global_off(e, sym);
		return *off >= 0 || refuse(e, &n->loc, "this global");
	}
	*base = REC;
	*off = local_off(e, sym);
	return *off || refuse(e, &n->loc, "this local");
}

/* a side-effect-free helper with a long result */
static bool builtin(struct ie *e, struct ast_node *n)
{
	/* a helper's result, its high or low 32 bits, or all of it */
	static const struct { const char *name; int helper; char half; } helpers[] = {
		{ "pid", BPF_FUNC_get_current_pid_tgid, 'h' },
		{ "tid", BPF_FUNC_get_current_pid_tgid, 'l' },
		{ "uid", BPF_FUNC_get_current_uid_gid, 'l' },
		{ "gid", BPF_FUNC_get_current_uid_gid, 'h' },
		{ "cpu", BPF_FUNC_get_smp_processor_id, 0 },
		{ "local_clock_ns", BPF_FUNC_ktime_get_ns, 0 },
	};
	const char *name = n->u.call.name;
	size_t i;

	if (n->u.call.args && strcmp(name, "exit"))
		return refuse(e, &n->loc, "this function");
	if (!strcmp(name, "exit")) {
		/* __exit(): the state to 2 if running, then an exit record */
		int j;

		ldx(e, 1, 6, OFF_STATE);
		j = jmp_imm(e, BPF_JNE, 1, 1);
		st_imm(e, BPF_DW, 6, OFF_STATE, 2);
		patch(e, j);
		st_imm(e, BPF_W, REC, e->rb, REC_EXIT);
		st_imm(e, BPF_W, REC, e->rb + 4, 0);
		ld_map(e, 1, MAP_RB, false, 0);
		put(e, BPF_ALU64 | BPF_MOV | BPF_X, 2, REC, 0, 0);
		alu_imm(e, BPF_ADD, 2, e->rb);
		mov_imm(e, 3, 8);
		mov_imm(e, 4, 0);
		call(e, BPF_FUNC_ringbuf_output);
		mov_imm(e, 7, 0);
		return true;
	}
	for (i = 0; i < sizeof(helpers) / sizeof(helpers[0]); i++) {
		if (strcmp(name, helpers[i].name))
			continue;
		call(e, helpers[i].helper);
		put(e, BPF_ALU64 | BPF_MOV | BPF_X, 7, 0, 0, 0);
		if (helpers[i].half == 'h')
			alu_imm(e, BPF_RSH, 7, 32);
		else if (helpers[i].half == 'l')
			put(e, BPF_ALU | BPF_MOV | BPF_X, 7, 7, 0, 0);	/* zero-extends */
		return true;
	}
	if (!strcmp(name, "target")) {
		ldx(e, 7, 6, OFF_TARGET);
		return true;
	}
	if (!strcmp(name, "gettimeofday_ns")) {
		call(e, BPF_FUNC_ktime_get_boot_ns);
		ldx(e, 7, 6, OFF_RTOFF);
		alu(e, BPF_ADD, 7, 0);
		return true;
	}
	return refuse(e, &n->loc, "this function");
}

static bool print_call(struct ie *e, struct ast_node *n, enum builtin bi);
static bool fn_call(struct ie *e, struct ast_node *n);

static bool binary(struct ie *e, struct ast_node *n)
{
	enum ast_op op = n->u.binary.op;
	int s, j, j2;

	if (n->u.binary.lhs->type != TYPE_LONG || n->u.binary.rhs->type != TYPE_LONG)
		return refuse(e, &n->loc, "string operators");
	if (op == OP_LAND || op == OP_LOR) {
		if (!expr(e, n->u.binary.lhs))
			return false;
		j = jmp_imm(e, op == OP_LAND ? BPF_JEQ : BPF_JNE, 7, 0);
		if (!expr(e, n->u.binary.rhs))
			return false;
		to_bool(e);
		j2 = put(e, BPF_JMP | BPF_JA, 0, 0, 0, 0);
		patch(e, j);
		mov_imm(e, 7, op == OP_LOR);
		patch(e, j2);
		return true;
	}
	if (!expr(e, n->u.binary.lhs))
		return false;
	s = slot_push(e, &n->loc);
	stx(e, BPF_REG_10, s, 7);
	if (!expr(e, n->u.binary.rhs))
		return false;
	put(e, BPF_ALU64 | BPF_MOV | BPF_X, 8, 7, 0, 0);
	ldx(e, 7, BPF_REG_10, s);
	e->slot--;
	if (cmp_op(op) >= 0) {
		put(e, BPF_ALU64 | BPF_MOV | BPF_X, 1, 7, 0, 0);
		mov_imm(e, 7, 1);
		j = jmp(e, cmp_op(op), 1, 8);
		mov_imm(e, 7, 0);
		patch(e, j);
		return true;
	}
	return arith(e, op, &n->loc);
}

/* the map number of statistic n (a scalar one: no keys), or -1 */
static int stat_map(struct ie *e, const struct ast_node *n)
{
	const struct symbol *sym;

	if (n->kind != AST_IDENT)
		return -1;
	sym = n->u.ident.sym;
	if (sym->kind != SYM_GLOBAL || sym->type != TYPE_STATS || sym->n_keys)
		return -1;
	return global_off(e, sym);
}

/* n zero bytes in __ro: their offset */
static int ro_zeros(struct ie *e, int n)
{
	char key[24];
	int off;

	snprintf(key, sizeof(key), "%d", n);
	off = bg_memo_find(&e->g, 'Z', key);
	if (off >= 0)
		return off;
	off = (int)e->ro.len;
	while ((int)e->ro.len < off + n)
		sb_putc(&e->ro, '\0');
	bg_memo_add(&e->g, 'Z', key, off);
	return off;
}

/* r2 = r10 + at, the key 0 of a scalar statistic's map, in a slot */
static void stat_key(struct ie *e, int at)
{
	st_imm(e, BPF_DW, BPF_REG_10, at, 0);
	put(e, BPF_ALU64 | BPF_MOV | BPF_X, 2, BPF_REG_10, 0, 0);
	alu_imm(e, BPF_ADD, 2, at);
}

/* r1 = bucket(r7) of statistic sym's histogram, as gen.c's __log_bucket and
 * __lin_bucket */
static void bucket(struct ie *e, const struct symbol *sym)
{
	const struct ast_node *h = sym->hist;
	int j, k, sh;

	if (h->u.stat.op == STAT_HIST_LOG) {
		int to_end[4], n_end = 0;

		mov_imm(e, 1, 64);
		to_end[n_end++] = jmp_imm(e, BPF_JEQ, 7, 0);
		put(e, BPF_ALU64 | BPF_MOV | BPF_X, 2, 7, 0, 0);	/* a = |v| */
		j = jmp_imm(e, BPF_JSGE, 2, 0);
		put(e, BPF_ALU64 | BPF_NEG, 2, 0, 0, 0);
		patch(e, j);
		mov_imm(e, 1, 0);					/* l */
		for (sh = 32; sh >= 2; sh /= 2) {
			put(e, BPF_ALU64 | BPF_MOV | BPF_X, 3, 2, 0, 0);
			alu_imm(e, BPF_RSH, 3, sh);
			j = jmp_imm(e, BPF_JEQ, 3, 0);
			put(e, BPF_ALU64 | BPF_MOV | BPF_X, 2, 3, 0, 0);
			alu_imm(e, BPF_ADD, 1, sh);
			patch(e, j);
		}
		put(e, BPF_ALU64 | BPF_MOV | BPF_X, 3, 2, 0, 0);
		alu_imm(e, BPF_RSH, 3, 1);
		j = jmp_imm(e, BPF_JEQ, 3, 0);
		alu_imm(e, BPF_ADD, 1, 1);
		patch(e, j);
		j = jmp_imm(e, BPF_JSLE, 7, 0);
		alu_imm(e, BPF_ADD, 1, 65);				/* v > 0: 65 + l */
		k = jmp_imm(e, BPF_JSLE, 1, 127);
		mov_imm(e, 1, 127);
		patch(e, k);
		to_end[n_end++] = put(e, BPF_JMP | BPF_JA, 0, 0, 0, 0);
		patch(e, j);						/* v < 0: 63 - l */
		put(e, BPF_ALU64 | BPF_NEG, 1, 0, 0, 0);
		alu_imm(e, BPF_ADD, 1, 63);
		k = jmp_imm(e, BPF_JSGE, 1, 0);
		mov_imm(e, 1, 0);
		patch(e, k);
		for (j = 0; j < n_end; j++)
			patch(e, to_end[j]);
		alu_imm(e, BPF_AND, 1, 127);
		return;
	} else {
		const struct ast_node *a = h->u.stat.params;
		int64_t start = a->u.num, step = a->next->next->u.num;
		int nb = bg_stat_buckets(sym);

		mov_imm(e, 1, 0);
		mov_imm(e, 2, start);
		j = jmp(e, BPF_JSLT, 7, 2);
		put(e, BPF_ALU64 | BPF_MOV | BPF_X, 1, 7, 0, 0);
		alu(e, BPF_SUB, 1, 2);
		mov_imm(e, 2, step);
		alu(e, BPF_DIV, 1, 2);
		k = jmp_imm(e, BPF_JLT, 1, nb - 2);
		mov_imm(e, 1, nb - 1);
		sh = put(e, BPF_JMP | BPF_JA, 0, 0, 0, 0);
		patch(e, k);
		alu_imm(e, BPF_ADD, 1, 1);
		patch(e, sh);
		patch(e, j);
		/* the verifier wants the index bounded: it is below nb already */
		k = jmp_imm(e, BPF_JLT, 1, nb);
		mov_imm(e, 1, 0);
		patch(e, k);
	}
}

/* [base + off] = val if cnt is 0 or keep (a jump) does not hold for val and the
 * value there: a minimum (BPF_JSGE) or maximum (BPF_JSLE) so far; uses r4 */
static void extreme(struct ie *e, int cnt, int val, int base, int off, int keep)
{
	int c = jmp_imm(e, BPF_JEQ, cnt, 0), k;

	ldx(e, 4, base, off);
	k = jmp(e, keep, val, 4);
	patch(e, c);
	stx(e, base, off, val);
	patch(e, k);
}

/* statistic n <<< r7, as gen.c's stat_add() */
static bool stat_add(struct ie *e, struct ast_node *n)
{
	const struct symbol *sym = n->u.ident.sym;
	int map = stat_map(e, n), vs = 32 + 8 * bg_stat_buckets(sym), j, key;

	if (map < 0)
		return refuse(e, &n->loc, "statistics with keys");
	key = slot_push(e, &n->loc);
	e->slot--;
	stat_key(e, key);
	ld_map(e, 1, map, false, 0);
	call(e, BPF_FUNC_map_lookup_elem);
	j = jmp_imm(e, BPF_JNE, 0, 0);
	stat_key(e, key);
	ld_map(e, 1, map, false, 0);
	ld_map(e, 3, MAP_RO, true, ro_zeros(e, vs));
	mov_imm(e, 4, BPF_NOEXIST);
	call(e, BPF_FUNC_map_update_elem);
	stat_key(e, key);
	ld_map(e, 1, map, false, 0);
	call(e, BPF_FUNC_map_lookup_elem);
	{
		int k = jmp_imm(e, BPF_JNE, 0, 0);

		fail_here(e, "Array overflow, check MAXMAPENTRIES", &n->loc);
		patch(e, k);
	}
	patch(e, j);
	/* r0: count, sum, min, max, buckets */
	ldx(e, 1, 0, 0);
	{
		extreme(e, 1, 7, 0, 16, BPF_JSGE);
		extreme(e, 1, 7, 0, 24, BPF_JSLE);
		alu_imm(e, BPF_ADD, 1, 1);
		stx(e, 0, 0, 1);
		ldx(e, 1, 0, 8);
		alu(e, BPF_ADD, 1, 7);
		stx(e, 0, 8, 1);
		if (sym->hist) {
			put(e, BPF_ALU64 | BPF_MOV | BPF_X, 8, 0, 0, 0);
			bucket(e, sym);
			alu_imm(e, BPF_LSH, 1, 3);
			alu(e, BPF_ADD, 1, 8);
			ldx(e, 2, 1, 32);
			alu_imm(e, BPF_ADD, 2, 1);
			stx(e, 1, 32, 2);
		}
	}
	return true;
}

static void compact(struct ie *e);

/* the end of a callback: r0 = v */
static void cb_return(struct ie *e, int v)
{
	mov_imm(e, 0, v);
	put(e, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

/* after a callback or a function ran: its error (R_ERR) ends this function too */
static void pass_error(struct ie *e)
{
	int j;

	ldx(e, 1, REC, R_ERR);
	j = jmp_imm(e, BPF_JEQ, 1, 0);
	if (e->cb_depth) {
		cb_return(e, 1);
	} else {
		put(e, BPF_ALU64 | BPF_MOV | BPF_X, 8, 1, 0, 0);
		ldx(e, 7, REC, R_WHERE);
		add_jump(&e->to_err, &e->n_to_err, put(e, BPF_JMP | BPF_JA, 0, 0, 0, 0));
	}
	patch(e, j);
}

/* the function being written, kept while a callback is */
struct cbsave {
	struct bpf_insn *v;
	int n, cap, slot, *cont, n_cont;
};

/* start writing a bpf_loop() callback */
static bool cb_open(struct ie *e, struct cbsave *sv, const struct srcloc *loc)
{
	if (e->cb_depth + 2 > BG_MAX_FRAMES || e->n_cbs == 64 ||
	    -FP_SLOTS + 8 * N_SLOTS + (e->cb_depth + 1) * CB_FRAME > STACK)
		return refuse(e, loc, "loops nested this deep");
	*sv = (struct cbsave){ e->v, e->n, e->cap, e->slot, e->to_cont, e->n_to_cont };
	e->v = NULL;
	e->n = e->cap = 0;
	e->slot = 0;
	e->to_cont = NULL;
	e->n_to_cont = 0;
	e->cb_depth++;
	return true;
}

/* the callback done: its number; back to the function around it */
static int cb_close(struct ie *e, const struct cbsave *sv)
{
	int id;

	e->cb_depth--;
	compact(e);
	id = e->n_cbs++;
	e->cbs = xrealloc(e->cbs, (size_t)e->n_cbs * sizeof(*e->cbs));
	e->cbs[id] = (struct cbfn){ .v = e->v, .n = e->n };
	free(e->to_cont);
	e->v = sv->v;
	e->n = sv->n;
	e->cap = sv->cap;
	e->slot = sv->slot;
	e->to_cont = sv->cont;
	e->n_to_cont = sv->n_cont;
	return id;
}


/* r7 = @count/@sum/@min/@max/@avg of a scalar statistic over the CPUs, as gen.c's
 * __aggregate(): a bpf_loop() over the possible CPUs (up to 512), whose callback
 * adds each CPU's part into this frame's slots */
static bool stat_get(struct ie *e, struct ast_node *n)
{
	enum stat_op op = n->u.stat.op;
	int map = stat_map(e, n->u.stat.operand), cnt, sum, mn, mx, ncpu, j, k;

	if (map < 0 || (op != STAT_COUNT && op != STAT_SUM && op != STAT_MIN && op != STAT_MAX &&
			op != STAT_AVG))
		return refuse(e, &n->loc, "this statistic operation");
	cnt = slot_push(e, &n->loc);
	sum = slot_push(e, &n->loc);
	mn = slot_push(e, &n->loc);
	mx = slot_push(e, &n->loc);
	ncpu = slot_push(e, &n->loc);
	for (j = ncpu; j <= cnt; j += 8)
		st_imm(e, BPF_DW, BPF_REG_10, j, 0);
	ldx(e, 1, 6, 16);
	stx(e, BPF_REG_10, ncpu, 1);
	{
		struct cbsave sv;

		if (!cb_open(e, &sv, &n->loc))
			return false;
		/* r1: the CPU, r2: the frame with the slots */
		stx(e, BPF_REG_10, -8, 2);
		put(e, BPF_ALU64 | BPF_MOV | BPF_X, 7, 1, 0, 0);
		ldx(e, 3, 2, ncpu);
		j = jmp(e, BPF_JSLT, 7, 3);
		cb_return(e, 1);
		patch(e, j);
		stat_key(e, -16);	/* the callback's first slot */
		ld_map(e, 1, map, false, 0);
		put(e, BPF_ALU64 | BPF_MOV | BPF_X, 3, 7, 0, 0);
		call(e, BPF_FUNC_map_lookup_percpu_elem);
		j = jmp_imm(e, BPF_JNE, 0, 0);
		cb_return(e, 0);
		patch(e, j);
		ldx(e, 1, 0, 0);
		j = jmp_imm(e, BPF_JNE, 1, 0);
		cb_return(e, 0);
		patch(e, j);
		ldx(e, 5, BPF_REG_10, -8);
		{
			ldx(e, 2, 5, cnt);
			ldx(e, 3, 0, 16);
			extreme(e, 2, 3, 5, mn, BPF_JSGE);
			ldx(e, 3, 0, 24);
			extreme(e, 2, 3, 5, mx, BPF_JSLE);
			alu(e, BPF_ADD, 2, 1);
			stx(e, 5, cnt, 2);
			ldx(e, 2, 5, sum);
			ldx(e, 3, 0, 8);
			alu(e, BPF_ADD, 2, 3);
			stx(e, 5, sum, 2);
		}
		cb_return(e, 0);
		k = cb_close(e, &sv);
	}
	mov_imm(e, 1, 512);
	put(e, BPF_LD | BPF_DW | BPF_IMM, 2, BPF_PSEUDO_FUNC, 0, k);
	put(e, 0, 0, 0, 0, 0);
	put(e, BPF_ALU64 | BPF_MOV | BPF_X, 3, BPF_REG_10, 0, 0);
	mov_imm(e, 4, 0);
	call(e, BPF_FUNC_loop);
	if (op != STAT_COUNT && op != STAT_SUM) {
		ldx(e, 1, BPF_REG_10, cnt);
		j = jmp_imm(e, BPF_JNE, 1, 0);
		fail_here(e, "empty aggregate", &n->loc);
		patch(e, j);
	}
	if (op == STAT_AVG) {
		ldx(e, 7, BPF_REG_10, sum);
		ldx(e, 8, BPF_REG_10, cnt);
		e->slot -= 5;
		return arith(e, OP_DIV, &n->loc);	/* count > 0 here */
	}
	ldx(e, 7, BPF_REG_10, op == STAT_COUNT ? cnt : op == STAT_SUM ? sum :
	    op == STAT_MIN ? mn : mx);
	e->slot -= 5;
	return true;
}

static bool assign(struct ie *e, struct ast_node *n)
{
	enum ast_op op = n->u.assign.op;
	int base, off;

	if (op == OP_STAT_ADD) {
		if (n->u.assign.rhs->type != TYPE_LONG || !expr(e, n->u.assign.rhs))
			return refuse(e, &n->loc, "this statistic value");
		if (!stat_add(e, n->u.assign.lhs))
			return false;
		mov_imm(e, 7, 0);
		return true;
	}
	if (!place(e, n->u.assign.lhs, &base, &off))
		return false;
	if (!expr(e, n->u.assign.rhs))
		return false;
	if ((op == OP_ADD || op == OP_SUB) && base == 6) {
		/* globals are shared by the CPUs: atomic, as gen.c's update_long() */
		put(e, BPF_ALU64 | BPF_MOV | BPF_X, 8, 7, 0, 0);
		put(e, BPF_ALU64 | BPF_MOV | BPF_X, 1, 7, 0, 0);
		if (op == OP_SUB)
			put(e, BPF_ALU64 | BPF_NEG, 1, 0, 0, 0);
		fetch_add(e, off);
		put(e, BPF_ALU64 | BPF_MOV | BPF_X, 7, 1, 0, 0);
		return arith(e, op, &n->loc);
	}
	if (op != OP_ASSIGN) {
		put(e, BPF_ALU64 | BPF_MOV | BPF_X, 8, 7, 0, 0);
		ldx(e, 7, base, off);
		if (!arith(e, op, &n->loc))
			return false;
	}
	stx(e, base, off, 7);
	return true;
}

static bool expr(struct ie *e, struct ast_node *n)
{
	int base, off, j, j2;

	if (n->type != TYPE_LONG && !(n->kind == AST_CALL && n->type == TYPE_UNKNOWN) &&
	    !(n->kind == AST_ASSIGN && n->u.assign.op == OP_STAT_ADD))
		return refuse(e, &n->loc, "strings outside print");
	switch (n->kind) {
	case AST_NUMBER:
		mov_imm(e, 7, n->u.num);
		return true;
	case AST_IDENT:
		if (!place(e, n, &base, &off))
			return false;
		ldx(e, 7, base, off);
		return true;
	case AST_BINARY:
		return binary(e, n);
	case AST_UNARY:
		if (!expr(e, n->u.unary.operand))
			return false;
		if (n->u.unary.op == OP_NEG) {
			put(e, BPF_ALU64 | BPF_NEG, 7, 0, 0, 0);
		} else if (n->u.unary.op == OP_BNOT) {
			alu_imm(e, BPF_XOR, 7, -1);
		} else if (n->u.unary.op == OP_NOT) {
			j = jmp_imm(e, BPF_JEQ, 7, 0);
			mov_imm(e, 7, 0);
			j2 = put(e, BPF_JMP | BPF_JA, 0, 0, 0, 0);
			patch(e, j);
			mov_imm(e, 7, 1);
			patch(e, j2);
		} else if (n->u.unary.op != OP_PLUS) {
			return refuse(e, &n->loc, "this operator");
		}
		return true;
	case AST_INCDEC:
		if (!place(e, n->u.incdec.operand, &base, &off))
			return false;
		if (base == 6) {	/* a global: atomic, as gen.c */
			mov_imm(e, 1, n->u.incdec.op == OP_INC ? 1 : -1);
			fetch_add(e, off);
			put(e, BPF_ALU64 | BPF_MOV | BPF_X, 7, 1, 0, 0);
		} else {
			ldx(e, 7, base, off);
		}
		put(e, BPF_ALU64 | BPF_MOV | BPF_X, 8, 7, 0, 0);
		alu_imm(e, BPF_ADD, 8, n->u.incdec.op == OP_INC ? 1 : -1);
		if (base != 6)
			stx(e, base, off, 8);
		if (!n->u.incdec.post)
			put(e, BPF_ALU64 | BPF_MOV | BPF_X, 7, 8, 0, 0);
		return true;
	case AST_ASSIGN:
		return assign(e, n);
	case AST_STAT:
		return stat_get(e, n);
	case AST_TERNARY:
		if (!expr(e, n->u.ternary.cond))
			return false;
		j = jmp_imm(e, BPF_JEQ, 7, 0);
		if (!expr(e, n->u.ternary.then))
			return false;
		j2 = put(e, BPF_JMP | BPF_JA, 0, 0, 0, 0);
		patch(e, j);
		if (!expr(e, n->u.ternary.other))
			return false;
		patch(e, j2);
		return true;
	case AST_CALL: {
		enum builtin bi = elab_builtin(n->u.call.name);
		struct function *fn = n->u.call.fn;

		if (!fn && bi != BI_NONE && bi < BI_SPRINT) {
			if (!print_call(e, n, bi))
				return false;
			mov_imm(e, 7, 0);
			return true;
		}
		if (fn && fn->body && fn->body->kind == AST_BLOCK)
			return fn_call(e, n);
		if (!fn || !fn->body || fn->body->kind != AST_EMBEDDED)
			return refuse(e, &n->loc, "calls of script functions");
		return builtin(e, n);
	}
	case AST_STRING: case AST_INDEX: case AST_IN: case AST_TARGET:
	case AST_CAST: case AST_ATVAR: case AST_DEFINED: case AST_ENTRY:
	case AST_EMBEDDED_EXPR: case AST_BLOCK: case AST_EXPR_STMT: case AST_IF:
	case AST_WHILE: case AST_FOR: case AST_FOREACH: case AST_DELETE: case AST_NEXT:
	case AST_BREAK: case AST_CONTINUE: case AST_RETURN: case AST_TRY: case AST_NULL:
	case AST_EMBEDDED:
		break;
	}
	return refuse(e, &n->loc, "this expression");
}

/* --- print --------------------------------------------------------------------- */

struct pr {
	struct strbuf meta;		/* "i ..." lines */
	struct strbuf cfmt;		/* the same as a bpf_snprintf() format */
	bool exact;			/* bpf_snprintf() can tell the printed length */
	int n_items, n_vals;
	int off;			/* the record's length so far */
	bool val_str[64];
	int val_off[64];
};

static void pr_text(struct pr *p, const char *t, size_t len)
{
	char *c, *m;
	size_t i;

	if (!len)
		return;
	c = xmalloc(len + 1);
	memcpy(c, t, len);
	c[len] = '\0';
	for (i = 0; i < len; i++) {
		if (c[i] == '%')
			sb_putc(&p->cfmt, '%');
		sb_putc(&p->cfmt, c[i]);
	}
	m = bg_meta_str(c);
	sb_printf(&p->meta, "i T %s\n", m);
	p->n_items++;
	free(m);
	free(c);
}

/* the value of argument a into the record */
static bool pr_value(struct ie *e, struct pr *p, struct ast_node *a)
{
	int room = a->type == TYPE_STRING ? e->g.msl : 8, at = e->rb + p->off;

	if (p->n_vals == 64)
		return refuse(e, &a->loc, "a print this long");
	p->val_str[p->n_vals] = a->type == TYPE_STRING;
	p->val_off[p->n_vals++] = p->off;
	p->off += room;
	if (a->type == TYPE_LONG) {
		if (!expr(e, a))
			return false;
		stx(e, REC, at, 7);
		return true;
	}
	if (a->type != TYPE_STRING)
		return refuse(e, &a->loc, "this value in a print");
	if (a->kind == AST_CALL && a->u.call.fn && a->u.call.fn->body &&
	    a->u.call.fn->body->kind == AST_EMBEDDED && !a->u.call.args &&
	    !strcmp(a->u.call.name, "execname")) {
		int i;

		for (i = 0; i < e->g.msl; i += 8)
			st_imm(e, BPF_DW, REC, at + i, 0);
		put(e, BPF_ALU64 | BPF_MOV | BPF_X, 1, REC, 0, 0);
		alu_imm(e, BPF_ADD, 1, at);
		mov_imm(e, 2, 16);
		call(e, BPF_FUNC_get_current_comm);
		return true;
	}
	{
		const char *str;
		size_t len;
		int i;

		if (a->kind == AST_STRING)
			str = a->u.str;
		else if (a->kind == AST_CALL && a->u.call.fn && a->u.call.fn->body &&
			 a->u.call.fn->body->kind == AST_EMBEDDED && !a->u.call.args &&
			 !strcmp(a->u.call.name, "pp"))
			str = e->dp->pp_str;
		else
			return refuse(e, &a->loc, "this string value");
		/* the literal cut at MAXSTRINGLEN - 1, zero-padded, as bg_lit() */
		len = strlen(str);
		if (len > (size_t)e->g.msl - 1)
			len = (size_t)e->g.msl - 1;
		for (i = 0; i < e->g.msl; i += 8) {
			uint64_t w = 0;
			size_t k;

			for (k = 0; k < 8 && (size_t)i + k < len; k++)
				w |= (uint64_t)(unsigned char)str[i + (int)k] << (8 * k);
			if (w <= INT32_MAX) {
				st_imm(e, BPF_DW, REC, at + i, (int32_t)w);
			} else {
				mov_imm(e, 1, (int64_t)w);
				stx(e, REC, at + i, 1);
			}
		}
		return true;
	}
}

static void pr_conv(struct pr *p, const char *spec, char kind)
{
	char *m = bg_meta_str(spec);

	sb_printf(&p->meta, "i C %s 1 %c\n", m, kind);
	sb_puts(&p->cfmt, spec);
	p->n_items++;
	free(m);
}

static bool pr_format(struct ie *e, struct pr *p, struct ast_node *fmt, struct ast_node *a)
{
	struct fmt_spec specs[64];
	const char *f;
	size_t pos = 0;
	int n, i;

	if (fmt->kind != AST_STRING)
		return refuse(e, &fmt->loc, "this format");
	f = fmt->u.str;
	n = elab_parse_format(f, specs, 64);
	if (n < 0 || n > 64)
		return refuse(e, &fmt->loc, "this format");
	for (i = 0; i < n; i++) {
		const struct fmt_spec *fs = &specs[i];
		struct strbuf spec = { 0 };

		pr_text(p, f + pos, fs->start - pos);
		pos = fs->start + fs->len;
		if (fs->conv == '%') {
			pr_text(p, "%", 1);
			continue;
		}
		if (!strchr("diuxXocs", fs->conv) || fs->width == FMT_ARG || fs->prec == FMT_ARG ||
		    fs->length == 'h' || !a)
			return refuse(e, &fmt->loc, "this conversion");
		sb_putc(&spec, '%');
		sb_puts(&spec, fs->flags);
		if (fs->width >= 0)
			sb_printf(&spec, "%d", fs->width);
		if (fs->prec >= 0)
			sb_printf(&spec, ".%d", fs->prec);
		if (fs->conv == 'd' || fs->conv == 'i')
			sb_puts(&spec, "lld");
		else if (strchr("uxXo", fs->conv))
			sb_printf(&spec, "ll%c", fs->conv);
		else
			sb_putc(&spec, fs->conv);
		/* as gen.c: bpf_snprintf() takes flags "0+- " and a width, nothing else */
		if (strpbrk(spec.buf, "#*.") || fs->conv == 'o')
			p->exact = false;
		pr_conv(p, spec.buf, fs->conv == 's' ? 's' : 'l');
		sb_free(&spec);
		if (!pr_value(e, p, a))
			return false;
		a = a->next;
	}
	pr_text(p, f + pos, strlen(f + pos));
	return true;
}

/* a read-only string for bpf_snprintf(): its offset in the map __ro */
static int ro_string(struct ie *e, const char *str)
{
	int id = bg_memo_find(&e->g, 'F', str), off;

	if (id >= 0)
		return id;
	off = (int)e->ro.len;
	sb_add(&e->ro, str, strlen(str) + 1);
	while (e->ro.len % 8)
		sb_putc(&e->ro, '\0');
	bg_memo_add(&e->g, 'F', str, off);
	return off;
}

/* print, println, printf: a record in the ring buffer, as gen.c's bg_print_call() */
static bool print_call(struct ie *e, struct ast_node *n, enum builtin bi)
{
	struct pr p = { .exact = true, .off = 8 };
	struct ast_node *a = n->u.call.args;
	const char *c;
	bool ok = true;
	int id, i, j, at = e->rb;

	sb_puts(&p.meta, "");
	sb_puts(&p.cfmt, "");
	if (bi == BI_PRINTF) {
		ok = pr_format(e, &p, a, a->next);
	} else if (bi == BI_PRINT || bi == BI_PRINTLN) {
		for (; a && ok; a = a->next) {
			if (a->kind == AST_STAT && (a->u.stat.op == STAT_HIST_LOG ||
						    a->u.stat.op == STAT_HIST_LINEAR)) {
				/* a histogram: the loader prints it from the map */
				const struct ast_node *op = a->u.stat.operand;

				if (stat_map(e, op) < 0) {
					ok = refuse(e, &a->loc, "this histogram");
					break;
				}
				for (i = 0; e->g.gsyms[i] != op->u.ident.sym; i++)
					;
				sb_printf(&p.meta, "i H %d\n", i);
				p.n_items++;
				p.exact = false;
				continue;
			}
			if (a->type != TYPE_LONG && a->type != TYPE_STRING) {
				ok = refuse(e, &a->loc, "this value in a print");
				break;
			}
			pr_conv(&p, a->type == TYPE_STRING ? "%s" : "%lld",
				a->type == TYPE_STRING ? 's' : 'l');
			ok = pr_value(e, &p, a);
		}
		if (bi == BI_PRINTLN)
			pr_text(&p, "\n", 1);
	} else {
		ok = refuse(e, &n->loc, "this print function");
	}
	if (!ok)
		goto out;
	id = bg_memo_find(&e->g, 'R', p.meta.buf);
	if (id < 0) {
		id = ++e->g.n_fmt;
		bg_memo_add(&e->g, 'R', p.meta.buf, id);
		sb_printf(&e->g.meta, "R %d %d\n%s", id, p.n_items, p.meta.buf);
	}
	st_imm(e, BPF_W, REC, at, REC_PRINT);
	st_imm(e, BPF_W, REC, at + 4, id);
	ld_map(e, 1, MAP_RB, false, 0);
	put(e, BPF_ALU64 | BPF_MOV | BPF_X, 2, REC, 0, 0);
	alu_imm(e, BPF_ADD, 2, at);
	mov_imm(e, 3, p.off);
	mov_imm(e, 4, 0);
	call(e, BPF_FUNC_ringbuf_output);
	j = jmp_imm(e, BPF_JEQ, 0, 0);
	/* dropped: count the bytes it would have printed */
	for (c = p.cfmt.buf; p.exact && (c = strchr(c, '%')); c += 2) {
		if (c[1] == 's' && ((c[2] >= 'a' && c[2] <= 'z') || (c[2] >= 'A' && c[2] <= 'Z') ||
				    (c[2] >= '0' && c[2] <= '9')))
			p.exact = false;
		if (!c[1])
			break;
	}
	if (p.n_vals > 12)
		p.exact = false;
	if (at + p.off + 8 * p.n_vals > e->rec_max)
		e->rec_max = at + p.off + 8 * p.n_vals;
	if (p.exact) {
		int dd = at + p.off;

		for (i = 0; i < p.n_vals; i++) {
			if (p.val_str[i]) {
				put(e, BPF_ALU64 | BPF_MOV | BPF_X, 1, REC, 0, 0);
				alu_imm(e, BPF_ADD, 1, at + p.val_off[i]);
			} else {
				ldx(e, 1, REC, at + p.val_off[i]);
			}
			stx(e, REC, dd + 8 * i, 1);
		}
		mov_imm(e, 1, 0);
		mov_imm(e, 2, 0);
		ld_map(e, 3, MAP_RO, true, ro_string(e, p.cfmt.buf));
		if (p.n_vals) {
			put(e, BPF_ALU64 | BPF_MOV | BPF_X, 4, REC, 0, 0);
			alu_imm(e, BPF_ADD, 4, dd);
		} else {
			mov_imm(e, 4, 0);
		}
		mov_imm(e, 5, 8 * p.n_vals);
		call(e, BPF_FUNC_snprintf);
		/* __n > 0 ? __n - 1 : 0 */
		put(e, BPF_ALU64 | BPF_MOV | BPF_X, 1, 0, 0, 0);
		alu_imm(e, BPF_ADD, 1, -1);
		i = jmp_imm(e, BPF_JSGT, 0, 0);
		mov_imm(e, 1, 0);
		patch(e, i);
	} else {
		mov_imm(e, 1, p.off - 8);
	}
	fetch_add(e, OFF_DROPPED);
	patch(e, j);
out:
	sb_free(&p.meta);
	sb_free(&p.cfmt);
	return ok;
}

/* --- statements ------------------------------------------------------------------ */

/* statements that count against MAXACTION, as gen.c's count_action() */
static int actions(const struct ast_node *n)
{
	int k = 0;

	for (; n; n = n->next) {
		if (n->kind == AST_BLOCK)
			k += actions(n->u.block.stmts);
		else if (n->kind == AST_IF)
			k += 1 + actions(n->u.cond.then) + actions(n->u.cond.other);
		else if (n->kind == AST_EXPR_STMT || n->kind == AST_DELETE || n->kind == AST_RETURN)
			k++;
		if (k > 1 << 20)
			break;
	}
	return k;
}

static bool stmt(struct ie *e, struct ast_node *n);

static bool stmts(struct ie *e, struct ast_node *n)
{
	for (; n; n = n->next)
		if (!stmt(e, n))
			return false;
	return true;
}

/* ++act > MAXACTION is an error, as gen.c's count_action(); only in probes with loops
 * (the others are checked before they run) */
static void count_action(struct ie *e, const struct srcloc *loc)
{
	int j;

	if (!e->counting)
		return;
	ldx(e, 1, REC, R_ACT);
	alu_imm(e, BPF_ADD, 1, 1);
	stx(e, REC, R_ACT, 1);
	j = jmp_imm(e, BPF_JSLE, 1, e->dp->family == &begin_family ||
		    e->dp->family == &end_family || e->dp->family == &error_family ?
		    e->g.maxaction_begin : e->g.maxaction_event);
	fail_here(e, "MAXACTION exceeded", loc);
	patch(e, j);
}

static bool stmt(struct ie *e, struct ast_node *n);
static void compact(struct ie *e);

/* while/for: a bpf_loop() callback running cond, body and incr, as gen.c's loop():
 * at most MAXACTION + 1 turns, each charged one action. The callback reaches the
 * program's locals and state through the frame pointer it gets as its context. */
static bool loop(struct ie *e, struct ast_node *n)
{
	struct cbsave sv;
	int id, i, j;
	bool ok;

	if (n->kind == AST_FOR && n->u.loop.init && !stmt(e, n->u.loop.init))
		return false;
	if (!cb_open(e, &sv, &n->loc))
		return false;
	/* r2: the program's frame; r6, r9 as in the program */
	stx(e, BPF_REG_10, -8, 2);
	ldx(e, 6, 2, FP_G);
	ldx(e, REC, 2, FP_REC);
	count_action(e, &n->loc);
	ok = true;
	if (n->u.loop.cond) {
		ok = expr(e, n->u.loop.cond);
		j = jmp_imm(e, BPF_JNE, 7, 0);
		cb_return(e, 1);
		patch(e, j);
	}
	ok = ok && stmt(e, n->u.loop.body);
	for (i = 0; i < e->n_to_cont; i++)
		patch(e, e->to_cont[i]);
	if (ok && n->kind == AST_FOR && n->u.loop.incr)
		ok = stmt(e, n->u.loop.incr);
	cb_return(e, 0);
	id = cb_close(e, &sv);
	if (!ok)
		return false;
	/* bpf_loop(MAXACTION + 1, callback, frame, 0), then its error or next */
	if (e->cb_depth > e->fn_depth)	/* the frame holding r6, r9 */
		ldx(e, 3, BPF_REG_10, -8);
	else
		put(e, BPF_ALU64 | BPF_MOV | BPF_X, 3, BPF_REG_10, 0, 0);
	mov_imm(e, 1, (e->dp->family == &begin_family || e->dp->family == &end_family ||
		       e->dp->family == &error_family ? e->g.maxaction_begin :
		       e->g.maxaction_event) + 1);
	put(e, BPF_LD | BPF_DW | BPF_IMM, 2, BPF_PSEUDO_FUNC, 0, id);
	put(e, 0, 0, 0, 0, 0);
	mov_imm(e, 4, 0);
	call(e, BPF_FUNC_loop);
	pass_error(e);
	ldx(e, 1, REC, R_NEXT);
	j = jmp_imm(e, BPF_JEQ, 1, 0);
	cb_return(e, e->cb_depth ? 1 : 2);
	patch(e, j);
	return true;
}

/* a script function as a subprogram of the program being written: its number.
 * long (s64 r1 = globals, r2 = __rec, r3.. = the arguments); its parameters and
 * locals have their places in __rec (no recursion), zeroed at each call as gen.c
 * does. An error inside sets R_ERR and returns; the caller checks it. */
static int fn_sub(struct ie *e, struct function *fn, const struct srcloc *loc)
{
	struct function_info *fi = fn->info;
	struct cbsave sv;
	const struct symbol *p;
	int i, id, k;
	bool ok;

	for (i = 0; i < e->n_fns; i++)
		if (e->fns[i] == fn)
			return e->fn_ids[i];
	if (e->fn || !fi || fn->ret == TYPE_STRING)	/* calls from functions: clang */
		return refuse(e, loc, "calls of script functions from functions or with strings"), -1;
	for (p = fi->params; p; p = p->next)
		if (p->type != TYPE_LONG)
			return refuse(e, loc, "string parameters"), -1;
	if (!cb_open(e, &sv, loc))
		return -1;
	e->fn = fn;
	e->fn_depth = e->cb_depth;
	put(e, BPF_ALU64 | BPF_MOV | BPF_X, 6, 1, 0, 0);
	put(e, BPF_ALU64 | BPF_MOV | BPF_X, REC, 2, 0, 0);
	stx(e, BPF_REG_10, FP_G, 6);
	stx(e, BPF_REG_10, FP_REC, REC);
	for (p = fi->params, k = 3; p; p = p->next, k++)
		stx(e, REC, local_off(e, p), k);
	for (p = fi->locals; p; p = p->next)
		st_imm(e, BPF_DW, REC, local_off(e, p), 0);
	ok = stmt(e, fn->body);
	mov_imm(e, 0, 0);
	put(e, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	e->fn = NULL;
	e->fn_depth = 0;
	id = cb_close(e, &sv);
	if (!ok)
		return -1;
	e->fns = xrealloc(e->fns, (size_t)(e->n_fns + 1) * sizeof(*e->fns));
	e->fn_ids = xrealloc(e->fn_ids, (size_t)(e->n_fns + 1) * sizeof(*e->fn_ids));
	e->fns[e->n_fns] = fn;
	e->fn_ids[e->n_fns++] = id;
	return id;
}

/* r7 = f(args...) of a script function */
static bool fn_call(struct ie *e, struct ast_node *n)
{
	struct ast_node *a;
	int id, k, s0 = e->slot, slots[3], j;

	if (ast_list_len(n->u.call.args) > 3 || e->cb_depth)
		return refuse(e, &n->loc, "calls of script functions inside loops or with more than 3 arguments");
	for (a = n->u.call.args, k = 0; a; a = a->next, k++) {
		if (a->type != TYPE_LONG || !expr(e, a))
			return refuse(e, &a->loc, "this argument");
		slots[k] = slot_push(e, &a->loc);
		stx(e, BPF_REG_10, slots[k], 7);
	}
	id = fn_sub(e, n->u.call.fn, &n->loc);
	if (id < 0)
		return false;
	put(e, BPF_ALU64 | BPF_MOV | BPF_X, 1, 6, 0, 0);
	put(e, BPF_ALU64 | BPF_MOV | BPF_X, 2, REC, 0, 0);
	for (j = 0; j < k; j++)
		ldx(e, 3 + j, BPF_REG_10, slots[j]);
	e->slot = s0;
	put(e, BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, id);
	put(e, BPF_ALU64 | BPF_MOV | BPF_X, 7, 0, 0, 0);
	/* an error in the function: on out of this one too */
	pass_error(e);
	return true;
}

static bool has_loop(const struct ast_node *n)
{
	for (; n; n = n->next) {
		if (n->kind == AST_WHILE || n->kind == AST_FOR)
			return true;
		if (n->kind == AST_BLOCK && has_loop(n->u.block.stmts))
			return true;
		if (n->kind == AST_IF && (has_loop(n->u.cond.then) || has_loop(n->u.cond.other)))
			return true;
	}
	return false;
}

static bool stmt(struct ie *e, struct ast_node *n)
{
	int j, j2;

	e->slot = 0;
	if (e->n > 30000)
		return refuse(e, &n->loc, "a probe this long");
	switch (n->kind) {
	case AST_BLOCK:
		return stmts(e, n->u.block.stmts);
	case AST_NULL:
		return true;
	case AST_EXPR_STMT:
		count_action(e, &n->loc);
		return expr(e, n->u.operand);
	case AST_IF:
		count_action(e, &n->loc);
		if (!expr(e, n->u.cond.cond))
			return false;
		j = jmp_imm(e, BPF_JEQ, 7, 0);
		if (!stmt(e, n->u.cond.then))
			return false;
		if (!n->u.cond.other) {
			patch(e, j);
			return true;
		}
		j2 = put(e, BPF_JMP | BPF_JA, 0, 0, 0, 0);
		patch(e, j);
		if (!stmt(e, n->u.cond.other))
			return false;
		patch(e, j2);
		return true;
	case AST_WHILE:
	case AST_FOR:
		return loop(e, n);
	case AST_BREAK:
		if (e->cb_depth <= e->fn_depth)
			return refuse(e, &n->loc, "break outside a loop");
		cb_return(e, 1);
		return true;
	case AST_CONTINUE:
		if (e->cb_depth <= e->fn_depth)
			return refuse(e, &n->loc, "continue outside a loop");
		add_jump(&e->to_cont, &e->n_to_cont, put(e, BPF_JMP | BPF_JA, 0, 0, 0, 0));
		return true;
	case AST_NEXT:
		if (e->fn)
			return refuse(e, &n->loc, "next in a function");
		if (e->cb_depth) {	/* F->next, out of the loops */
			st_imm(e, BPF_DW, REC, R_NEXT, 1);
			cb_return(e, 1);
			return true;
		}
		/* the probe ends, returning 2 */
		mov_imm(e, 0, 2);
		put(e, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
		return true;
	case AST_NUMBER: case AST_IDENT: case AST_CALL: case AST_BINARY: case AST_UNARY:
	case AST_INCDEC: case AST_ASSIGN: case AST_TERNARY:
		return expr(e, n);	/* a for loop's increment: not counted, as gen.c */
	case AST_RETURN:
		/* in a function, not inside a loop there: r0 = the value */
		count_action(e, &n->loc);
		if (!e->fn || e->cb_depth != e->fn_depth)
			return refuse(e, &n->loc, "return here");
		mov_imm(e, 7, 0);
		if (n->u.operand && !expr(e, n->u.operand))
			return false;
		put(e, BPF_ALU64 | BPF_MOV | BPF_X, 0, 7, 0, 0);
		put(e, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
		return true;
	case AST_FOREACH: case AST_DELETE: case AST_TRY: case AST_EMBEDDED:
	case AST_STRING: case AST_INDEX: case AST_IN: case AST_STAT: case AST_TARGET:
	case AST_CAST: case AST_ATVAR: case AST_DEFINED: case AST_ENTRY: case AST_EMBEDDED_EXPR:
		break;
	}
	return refuse(e, &n->loc, "this statement");
}

/* drop the instructions no path reaches (after next, return or a jump), which the
 * verifier refuses, and fix the jumps around them */
static void compact(struct ie *e)
{
	bool *live = xcalloc((size_t)e->n + 1, sizeof(*live));
	int *todo = xmalloc(((size_t)e->n + 1) * sizeof(*todo)), *at = xmalloc(((size_t)e->n + 1) * sizeof(*at));
	int n_todo = 0, i, k;

	todo[n_todo++] = 0;
	live[0] = true;
	while (n_todo) {
		int succ[2], n_succ = 0;
		const struct bpf_insn *in;

		i = todo[--n_todo];
		in = &e->v[i];
		if (in->code == (BPF_LD | BPF_IMM | BPF_DW)) {
			live[i + 1] = true;
			succ[n_succ++] = i + 2;
		} else if (BPF_CLASS(in->code) == BPF_JMP && BPF_OP(in->code) == BPF_EXIT) {
			;
		} else if (BPF_CLASS(in->code) == BPF_JMP && BPF_OP(in->code) == BPF_JA) {
			succ[n_succ++] = i + 1 + in->off;
		} else if (BPF_CLASS(in->code) == BPF_JMP && BPF_OP(in->code) != BPF_CALL) {
			succ[n_succ++] = i + 1;
			succ[n_succ++] = i + 1 + in->off;
		} else {
			succ[n_succ++] = i + 1;
		}
		for (k = 0; k < n_succ; k++)
			if (succ[k] < e->n && !live[succ[k]]) {
				live[succ[k]] = true;
				todo[n_todo++] = succ[k];
			}
	}
	for (i = 0, k = 0; i <= e->n; i++) {
		at[i] = k;
		if (i < e->n && live[i])
			k++;
	}
	for (i = 0; i < e->n; i++) {
		struct bpf_insn *in = &e->v[i];

		if (!live[i] || BPF_CLASS(in->code) != BPF_JMP || BPF_OP(in->code) == BPF_CALL ||
		    BPF_OP(in->code) == BPF_EXIT)
			continue;
		in->off = (int16_t)(at[i + 1 + in->off] - at[i] - 1);
	}
	for (i = 0, k = 0; i < e->n; i++)
		if (live[i])
			e->v[k++] = e->v[i];
	e->n = k;
	free(live);
	free(todo);
	free(at);
}

/* --- probes ------------------------------------------------------------------------ */

/* the program's line and instructions in the object: its own code, then the loop
 * callbacks as subprograms, each bpf_loop()'s callback address made relative */
static void layout(struct ie *e, int prog, int type)
{
	int *start = xmalloc(((size_t)e->n_cbs + 1) * sizeof(*start));
	int i, f, total = e->n;

	for (f = 0; f < e->n_cbs; f++) {
		start[f] = total;
		total += e->cbs[f].n;
	}
	sb_printf(&e->obj, "prog %d %d %d", prog, type, total);
	for (f = 0; f < e->n_cbs; f++)
		sb_printf(&e->obj, " %d", start[f]);
	sb_puts(&e->obj, "\n");
	for (f = -1; f < e->n_cbs; f++) {
		struct bpf_insn *v = f < 0 ? e->v : e->cbs[f].v;
		int n = f < 0 ? e->n : e->cbs[f].n, base = f < 0 ? 0 : start[f];

		for (i = 0; i < n; i++) {
			struct bpf_insn in = v[i];
			const unsigned char *b = (const unsigned char *)&in;

			if ((in.code == (BPF_LD | BPF_IMM | BPF_DW) && in.src_reg == BPF_PSEUDO_FUNC) ||
			    (in.code == (BPF_JMP | BPF_CALL) && in.src_reg == BPF_PSEUDO_CALL))
				in.imm = start[in.imm] - (base + i) - 1;
			sb_printf(&e->obj, "%02x%02x%02x%02x%02x%02x%02x%02x\n", b[0], b[1], b[2],
				  b[3], b[4], b[5], b[6], b[7]);
		}
	}
	free(start);
}

static int prog_type(struct ie *e, const struct derived_probe *dp)
{
	const struct probe_family *f = dp->family;

	if (f == &timer_family || f == &bpf_perf_family)
		return BPF_PROG_TYPE_PERF_EVENT;
	if (f == &bpf_trace_family)
		return bpf_trace_is_raw(dp) ? BPF_PROG_TYPE_RAW_TRACEPOINT : BPF_PROG_TYPE_TRACEPOINT;
	if (f == &begin_family || f == &end_family || f == &error_family)
		return BPF_PROG_TYPE_RAW_TRACEPOINT;
	refuse(e, &dp->pp->loc, "this probe point");
	return -1;
}

/* reg = the address of element 0 (the key at r10 - 4) of map, or return 0 */
static void element0(struct ie *e, int map, int reg)
{
	int j;

	ld_map(e, 1, map, false, 0);
	put(e, BPF_ALU64 | BPF_MOV | BPF_X, 2, BPF_REG_10, 0, 0);
	alu_imm(e, BPF_ADD, 2, -4);
	call(e, BPF_FUNC_map_lookup_elem);
	j = jmp_imm(e, BPF_JNE, 0, 0);
	mov_imm(e, 0, 0);
	put(e, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	patch(e, j);
	put(e, BPF_ALU64 | BPF_MOV | BPF_X, reg, 0, 0, 0);
}

/* does the program have script functions (not embedded C)? */
static bool uses_functions(struct session *s)
{
	struct function *fn;

	for (fn = s->prog.functions; fn; fn = fn->next_used)
		if (fn->body && fn->body->kind == AST_BLOCK)
			return true;
	return false;
}

static bool probe(struct ie *e, const struct derived_probe *dp)
{
	const struct probe_family *f = dp->family;
	bool event = f != &begin_family && f != &end_family && f != &error_family;
	int type = prog_type(e, dp), prog = e->g.n_prog++, i, j;
	const struct symbol *sym;
	char *pp;

	if (type < 0)
		return false;
	e->counting = has_loop(dp->body) || uses_functions(e->s);
	if (!e->counting &&
	    actions(dp->body) > (event ? e->g.maxaction_event : e->g.maxaction_begin))
		return refuse(e, &dp->body->loc, "a probe that may run more than MAXACTION statements");
	e->dp = dp;
	e->n = 0;
	e->cb_depth = 0;
	for (i = 0; i < e->n_cbs; i++)
		free(e->cbs[i].v);
	e->n_cbs = 0;
	e->n_locals = 0;
	e->n_to_err = e->n_to_out = 0;
	for (sym = dp->locals; sym; sym = sym->next) {
		if (sym->external || sym->n_keys || sym->type != TYPE_LONG)
			return refuse(e, &sym->loc, sym->external ? "target variables" :
				      "string locals");
		e->locals = xrealloc(e->locals, (size_t)(e->n_locals + 1) * sizeof(*e->locals));
		e->locals[e->n_locals++] = sym;
	}
	{	/* the places of every script function's parameters and locals */
		struct function *fn;

		for (fn = e->s->prog.functions; fn; fn = fn->next_used) {
			struct symbol *lists[2];
			int l;

			if (!fn->info || !fn->body || fn->body->kind != AST_BLOCK)
				continue;
			lists[0] = fn->info->params;
			lists[1] = fn->info->locals;
			for (l = 0; l < 2; l++)
				for (sym = lists[l]; sym; sym = sym->next) {
					e->locals = xrealloc(e->locals, (size_t)(e->n_locals + 1) *
							     sizeof(*e->locals));
					e->locals[e->n_locals++] = sym;
				}
		}
	}
	e->n_fns = 0;
	e->rb = R_LOCALS + 8 * e->n_locals;
	if (e->rb + 16 + e->g.msl > e->rec_max)
		e->rec_max = e->rb + 16 + e->g.msl;	/* an error record */
	pp = bg_meta_str(dp->pp_str);
	if (f == &timer_family) {
		bool per_cpu = false;
		int64_t ns = timer_period_ns(dp, &per_cpu);

		sb_printf(&e->g.meta, "P timer %s %" PRId64 " %d\n", pp, ns, per_cpu);
	} else if (f == &bpf_perf_family) {
		sb_printf(&e->g.meta, "P perf %s %s\n", pp, bpf_perf_attach(e->s, dp));
	} else if (f == &bpf_trace_family) {
		sb_printf(&e->g.meta, "P %s %s %s\n", bpf_trace_is_raw(dp) ? "raw" : "trace", pp,
			  bpf_trace_target(dp));
	} else {
		sb_printf(&e->g.meta, "P %s %s %" PRId64 "\n", f == &begin_family ? "begin" :
			  f == &end_family ? "end" : "error", pp, dp->priority);
	}
	sb_printf(&e->g.meta, "S %d\n", prog);
	free(pp);
	/* r6 = the globals; an event probe runs only while the session does */
	st_imm(e, BPF_W, BPF_REG_10, -4, 0);
	element0(e, MAP_G, 6);
	element0(e, MAP_REC, REC);
	if (event) {
		ldx(e, 1, 6, OFF_STATE);
		j = jmp_imm(e, BPF_JEQ, 1, 1);
		mov_imm(e, 0, 0);
		put(e, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
		patch(e, j);
	}
	/* for the loop callbacks; the state and the locals start at 0 */
	stx(e, BPF_REG_10, FP_G, 6);
	stx(e, BPF_REG_10, FP_REC, REC);
	for (i = 0; i < e->rb; i += 8)
		st_imm(e, BPF_DW, REC, i, 0);
	if (dp->cond) {
		if (!expr(e, dp->cond))
			return false;
		add_jump(&e->to_out, &e->n_to_out, jmp_imm(e, BPF_JEQ, 7, 0));
	}
	if (!stmt(e, dp->body))
		return false;
	/* __out: return 0 */
	for (i = 0; i < e->n_to_out; i++)
		patch(e, e->to_out[i]);
	mov_imm(e, 0, 0);
	put(e, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	if (e->n_to_err) {
		/* __report(): count the error (past MAXERRORS the session stops), then an
		 * error record: type 2, message id (r8), place id (r9), an empty text */
		int at = e->rb;

		for (i = 0; i < e->n_to_err; i++)
			patch(e, e->to_err[i]);
		if (!bg_define_of(e->s, "STP_SUPPRESS_HANDLER_ERRORS", 0)) {
			int k;

			mov_imm(e, 1, 1);
			fetch_add(e, OFF_ERRORS);
			mov_imm(e, 2, bg_define_of(e->s, "MAXERRORS", 0));
			j = jmp(e, BPF_JSLT, 1, 2);
			ldx(e, 1, 6, OFF_STATE);
			k = jmp_imm(e, BPF_JNE, 1, 1);
			st_imm(e, BPF_DW, 6, OFF_STATE, 2);
			patch(e, k);
			patch(e, j);
		}
		st_imm(e, BPF_W, REC, at, REC_ERROR);
		put(e, BPF_STX | BPF_MEM | BPF_W, REC, 8, (int16_t)(at + 4), 0);
		stx(e, REC, at + 8, 7);
		for (i = 0; i < e->g.msl; i += 8)
			st_imm(e, BPF_DW, REC, at + 16 + i, 0);
		ld_map(e, 1, MAP_RB, false, 0);
		put(e, BPF_ALU64 | BPF_MOV | BPF_X, 2, REC, 0, 0);
		alu_imm(e, BPF_ADD, 2, at);
		mov_imm(e, 3, 16 + e->g.msl);
		mov_imm(e, 4, 0);
		call(e, BPF_FUNC_ringbuf_output);
		mov_imm(e, 0, 2);
		put(e, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	}
	compact(e);
	layout(e, prog, type);
	return true;
}

/* the object's text, or NULL with e->why set */
static char *generate(struct ie *e)
{
	struct session *s = e->s;
	struct derived_probe *dp;
	struct symbol *sym;
	struct strbuf out = { 0 };
	int i, gsize, n_maps;

	e->g.s = s;
	e->g.n_where = 1;	/* id 1: error() */
	e->g.msl = (int)bg_define_of(s, "MAXSTRINGLEN", BPF_DEFAULT_MAXSTRINGLEN);
	e->g.maxaction_event = (int)bg_define_of(s, "MAXACTION", 1000);
	e->g.maxaction_begin = (int)bg_define_of(s, "MAXACTION_INTERRUPTIBLE",
						 10 * (int64_t)e->g.maxaction_event);
	if (e->g.msl < 16 || e->g.msl > 1024 || e->g.msl % 8 || e->g.maxaction_event < 1 ||
	    e->g.maxaction_begin < 1 || e->g.maxaction_begin > 1 << 23 ||
	    bg_define_of(s, "STP_TIMING", 0)) {
		refuse(e, NULL, "these -D settings");	/* the C path reports them */
		return NULL;
	}
	e->rec_max = 16 + e->g.msl;	/* an error record */
	sb_printf(&e->g.meta, "stapbpf 1\nmsl %d\n", e->g.msl);
	sb_printf(&e->g.meta, "maxerrors %lld\n", (long long)bg_define_of(s, "MAXERRORS", 0));
	if (bg_define_of(s, "STP_SUPPRESS_HANDLER_ERRORS", 0))
		sb_puts(&e->g.meta, "suppress_errors\n");
	gsize = 48;
	n_maps = MAP_REC + 1;
	for (sym = s->prog.global_syms; sym; sym = sym->next) {
		char *name;
		int off = gsize;

		if (sym->n_keys || (sym->type != TYPE_LONG && sym->type != TYPE_STATS)) {
			refuse(e, &sym->loc, "arrays and string globals");
			return NULL;
		}
		e->g.gsyms = xrealloc(e->g.gsyms, (size_t)(e->g.n_gsyms + 1) * sizeof(*e->g.gsyms));
		e->gplace = xrealloc(e->gplace, (size_t)(e->g.n_gsyms + 1) * sizeof(*e->gplace));
		if (sym->autoprint)
			sb_printf(&e->g.meta, "A %d\n", e->g.n_gsyms);
		name = bg_meta_str(sym->name);
		if (sym->type == TYPE_STATS) {
			/* a per-CPU hash of one element (key 0), as gen.c's globals() */
			int vs = 32 + 8 * bg_stat_buckets(sym);
			const struct ast_node *h = sym->hist;

			sb_printf(&e->g.meta, "M %d %s S 0 - %d", e->g.n_gsyms, name, vs);
			if (h && h->u.stat.op == STAT_HIST_LOG) {
				sb_puts(&e->g.meta, " log\n");
			} else if (h) {
				const struct ast_node *a = h->u.stat.params;

				sb_printf(&e->g.meta, " linear %" PRId64 " %" PRId64 " %" PRId64 "\n",
					  a->u.num, a->next->u.num, a->next->next->u.num);
			} else {
				sb_puts(&e->g.meta, " none\n");
			}
			sb_printf(&e->maps, "map s%d %d 8 %d 1 0\n", e->g.n_gsyms,
				  BPF_MAP_TYPE_PERCPU_HASH, vs);
			e->gplace[e->g.n_gsyms] = n_maps++;
			e->g.gsyms[e->g.n_gsyms++] = sym;
			free(name);
			continue;
		}
		e->gplace[e->g.n_gsyms] = off;
		gsize += 8;
		sb_printf(&e->g.meta, "G %d %s l %d", e->g.n_gsyms, name, off);
		if (sym->global && sym->global->init && sym->global->init->kind == AST_NUMBER)
			sb_printf(&e->g.meta, " %" PRId64, sym->global->init->u.num);
		sb_puts(&e->g.meta, "\n");
		free(name);
		e->g.gsyms[e->g.n_gsyms++] = sym;
	}
	for (dp = s->prog.probes; dp; dp = dp->next) {
		if (dp->family->not_emitted)
			continue;
		if (!probe(e, dp))
			return NULL;
	}
	if (e->rec_max > 32768) {	/* a per-CPU map's value */
		refuse(e, NULL, "prints this long");
		return NULL;
	}
	if (!e->ro.len)
		sb_add(&e->ro, "\0\0\0\0\0\0\0\0", 8);
	sb_puts(&out, "stapbpf-insn 1\n");
	sb_printf(&out, "map __g %d 4 %d 1 0\n", BPF_MAP_TYPE_ARRAY, gsize);
	sb_printf(&out, "map __rb %d 0 0 %d 0\n", BPF_MAP_TYPE_RINGBUF, 4 << 20);
	sb_printf(&out, "map __loopkey %d 4 8 1 0\n", BPF_MAP_TYPE_ARRAY);
	sb_printf(&out, "map __ro %d 4 %zu 1 %d ", BPF_MAP_TYPE_ARRAY, e->ro.len, BPF_F_RDONLY_PROG);
	for (i = 0; i < (int)e->ro.len; i++)
		sb_printf(&out, "%02x", (unsigned char)e->ro.buf[i]);
	sb_puts(&out, "\n");
	sb_printf(&out, "map __rec %d 4 %d 1 0\n", BPF_MAP_TYPE_PERCPU_ARRAY, e->rec_max);
	sb_puts(&out, e->maps.buf ? e->maps.buf : "");
	sb_puts(&out, e->obj.buf ? e->obj.buf : "");
	sb_puts(&out, "meta\n");
	sb_puts(&out, e->g.meta.buf);
	return out.buf;
}

int bpf_insn_generate(struct session *s, char **text, const char **why,
		      const struct srcloc **loc)
{
	struct ie e = { .s = s };

	*text = generate(&e);
	*why = e.why;
	*loc = e.why_loc;
	sb_free(&e.obj);
	sb_free(&e.maps);
	free(e.gplace);
	free(e.fns);
	free(e.fn_ids);
	sb_free(&e.ro);
	sb_free(&e.g.meta);
	bg_memo_free(&e.g);
	free(e.g.gsyms);
	free(e.v);
	free(e.locals);
	free(e.to_err);
	free(e.to_out);
	for (int i = 0; i < e.n_cbs; i++)
		free(e.cbs[i].v);
	free(e.cbs);
	return *text ? 0 : -1;
}
