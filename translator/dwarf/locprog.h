/* Location programs: how to read one target expression ($x->a[2], &$x, $x$, $$parms,
 * @cast, @var) at one probe site, as a small list of operations that does not depend on
 * the backend. dwarf/ produces them from the DWARF (access.c, location.c, pretty.c,
 * tracepoint.c); translate/locprog.c turns one into the body of a synthesized
 * embedded-C function, and a BPF backend can turn the same list into BPF.
 *
 * The machine: a stack st[] of unsigned longs (at most LP_MAX_DEPTH), a scalar v
 * (int64) and the result (a long, or a string that printing appends to). Location
 * operations work on the top of the stack; once the location is complete, the access
 * path and the fetch work on st[0], the address (or the value) of the variable. Every
 * memory read is fault-safe: a bad address ends the probe hit with a script error
 * naming the expression. A guru-mode write is the reading program with its fetch
 * replaced by a store (lp_make_store()); memory writes are fault-safe too. */
#ifndef STAP_DWARF_LOCPROG_H
#define STAP_DWARF_LOCPROG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* DWARF register numbers a program may read: x86_64's 0..16 (rax .. rip) */
#define LP_N_REGS 17
/* the stack's size */
#define LP_MAX_DEPTH 8

enum lp_kind {
	/* push a value */
	LP_CONST,		/* n; LPF_SIGNED: a signed constant; LPF_LIT: a
				 * DW_OP_litN literal (printed in decimal) */
	LP_ADDR,		/* n, a link-time address relocated by the KASLR offset (a
				 * user object's: by the hit's load bias, or not at all) */
	LP_REG,			/* DWARF register `reg` of the probe's pt_regs */
	LP_BREG,		/* register `reg` + n (signed) */
	LP_RETVAL,		/* the probed function's return value (.return) */
	LP_TPARG,		/* the tracepoint's argument n */
	LP_CAST_PTR,		/* @cast's address argument */
	LP_DUP,			/* the top again */
	LP_DROP,		/* pop */
	/* replace the top */
	LP_ADD,			/* top += n; LPF_SIGNED: n is signed */
	LP_NEG,
	LP_NOT,
	LP_BINOP,		/* st[depth-2] = st[depth-2] binop st[depth-1]; pop */
	LP_DEREF,		/* top = `size` bytes at address top, zero-extended;
				 * size 0: an address-sized read (DW_OP_deref) */
	/* the access path, on st[0]: the address of the current object */
	LP_LOAD_PTR,		/* st[0] = the pointer at address st[0] (->, [] on a pointer) */
	LP_FIELD,		/* st[0] += n, a struct or union member's offset */
	LP_INDEX,		/* st[0] += n * size: a constant index */
	LP_INDEX_ARG,		/* st[0] += (script index argument n) * size */
	/* the value */
	LP_FETCH,		/* v = `size` bytes at address st[0] (LPF_SIGNED: sign
				 * extended); LPF_VALUE: v = st[0] itself, truncated */
	LP_BITFIELD,		/* v = bits [n, n + size) of v; LPF_SIGNED: sign extended */
	LP_RESULT,		/* result = v */
	LP_RESULT_ADDR,		/* result = st[0] (&$x, an array's address) */
	LP_STORE,		/* write the written value (a setter's argument) as `size`
				 * bytes to address st[0], fault-safe; bits > 0: only bits
				 * [n, n + bits) of them (read, modify, write); LPF_VALUE:
				 * to DWARF register `reg` of the probe's pt_regs instead, or
				 * to the return value register if reg < 0 */
	/* printing into a string result ($x$, $$vars) */
	LP_PRINT_TEXT,		/* append text */
	LP_PRINT_VALUE,		/* append v as `fmt` */
	LP_ENTER_FIELD,		/* save st[0], then st[0] += n: a member being printed */
	LP_LEAVE_FIELD,		/* restore the st[0] saved by the matching LP_ENTER_FIELD */
	LP_BEGIN,		/* scope of one variable of $$vars: its location starts */
	LP_END,			/* from an empty stack, and the stack is dropped at the end */
};

enum lp_flag {
	LPF_SIGNED = 1,
	LPF_LIT = 2,
	LPF_VALUE = 4,		/* LP_FETCH: the location is a value, not memory */
	LPF_USER = 8,		/* reads of user memory (not produced yet) */
};

enum lp_binop { LP_PLUS, LP_MINUS, LP_MUL, LP_AND, LP_OR, LP_XOR, LP_SHL, LP_SHR };

enum lp_fmt {
	LP_FMT_HEX,		/* "0x1f" */
	LP_FMT_CHAR,		/* "'a'" */
	LP_FMT_STRING,		/* "\"text\"": v is a char * in kernel memory */
};

struct lp_op {
	enum lp_kind kind;
	unsigned flags;		/* LPF_* */
	int depth;		/* stack depth before the operation */
	int reg;		/* LP_REG, LP_BREG */
	int size;		/* LP_DEREF, LP_INDEX*, LP_FETCH, LP_STORE, LP_BITFIELD (bits) */
	int bits;		/* LP_STORE: a bitfield's width, 0 for a whole value */
	int64_t n;
	enum lp_binop binop;
	enum lp_fmt fmt;
	const char *text;	/* LP_PRINT_TEXT */
};

/* What the program leaves in the result. */
enum lp_result {
	LP_RES_INT,		/* an integer of res_size bytes (res_signed) */
	LP_RES_POINTER,		/* a pointer value */
	LP_RES_ADDRESS,		/* the address of the object (&$x, arrays) */
	LP_RES_STRING,		/* printed text (pretty printing) */
};

struct lp_prog {
	struct lp_op *ops;	/* xmalloc'ed; lp_free() */
	size_t n, cap;
	bool uses_regs;		/* needs the probe's pt_regs (not a tracepoint, @cast...) */
	bool user;		/* memory is the probed process's (a process probe): reads
				 * with _STP_UREAD, addresses not relocated by KASLR */
	bool ubias;		/* user: addresses relocated by the load bias of the hit's
				 * object (a PIE or shared library probed at this site) */
	enum lp_result result;
	int res_size;
	bool res_signed;
	/* a pointer or address result: the DIE offset of the type it points to (0 for
	 * void or unknown), which an autocast of the value uses */
	uint64_t cast_die;
	/* on failure: where in the script the target expression went wrong (the '->'
	 * of a missing member), or NULL for the expression as a whole */
	const struct srcloc *err_loc;
};

/* The C operator of op ("+", "<<", ...), for the backends writing C. */
const char *lp_binop_c(enum lp_binop op);
/* Append op (its depth set by the caller) and return the copy. */
struct lp_op *lp_add(struct lp_prog *p, const struct lp_op *op);
/* Append all of src's operations to p. */
void lp_append(struct lp_prog *p, const struct lp_prog *src);
void lp_free(struct lp_prog *p);
/* Turn p, a program reading an integer or pointer, into one writing it: its fetch
 * (and bitfield extraction) and result become an LP_STORE. 0, or -1 with *err set
 * when the target cannot be written (pretty printing, an array or address, a value
 * computed by the location expression). */
int lp_make_store(struct lp_prog *p, const char **err);

#endif
