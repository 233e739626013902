/* Pass 3 internals shared by translate.c (program layout), globals.c (global storage
 * and locks), expr.c (expressions), stmt.c (statements) and format.c (printf). */
#ifndef STAP_TRANSLATE_H
#define STAP_TRANSLATE_H

#include "elaborate/elaborate.h"
#include "translate/emit.h"

/* the largest regular expression program of the script: sizes the context's scratch */
struct xl_regex_max {
	int n_insts, n_groups;
};

struct xlate {
	struct session *s;
	struct emitter *e;		/* code of the current probe or function */
	struct strbuf *frame;		/* fields of the current frame struct */
	int n_tmp;
	struct function *fn;		/* NULL in a probe */
	int loop_depth;
	int brk_label;			/* brk_<n> ends the innermost loop */
	int n_labels;
	const char *err_label;		/* where an error jumps: "out" or a catch */
	struct xl_regex_max *re_max;	/* of the whole module */
};

/* A condition pass 2 refuses (elaborate/check.c, types.c, format.c) found in pass 3:
 * our bug, reported as "internal error: FILE:LINE: ..." */
#define XL_INTERNAL(s, fmt, ...) \
	diag_internal((s), "%s:%d: " fmt, __FILE__, __LINE__, ##__VA_ARGS__)

/* C name of a script function, unique among overloads */
const char *xl_fn_cname(struct session *s, const struct function *fn);
/* Emit code for a statement; pass 2 has refused what it cannot translate. */
void xl_stmt(struct xlate *x, struct ast_node *n);
/* Emit code computing n; returns a side-effect-free C expression of its value. */
const char *xl_expr(struct xlate *x, struct ast_node *n);
/* C name of a variable's storage. */
const char *xl_sym(struct xlate *x, const struct symbol *sym);
const char *xl_ctype(enum ast_type t);
/* "identifier 'x' at f.stp:1:2", as a C string literal */
const char *xl_where(struct xlate *x, const struct srcloc *loc);
/* a new temporary of the current frame */
const char *xl_tmp(struct xlate *x, enum ast_type t);
/* emit: leave for the error label if an error is recorded */
void xl_check(struct xlate *x);
/* emit: if (cond) { record msg at loc; leave } */
void xl_fail_if(struct xlate *x, const char *cond, const struct srcloc *loc, const char *msg);
/* emit: store a value of type t into the C lvalue dst */
void xl_store(struct xlate *x, enum ast_type t, const char *dst, const char *val);
void xl_stmt_prologue(struct xlate *x, struct ast_node *n);
/* a loop's body in a do { } while (0) (continue is a C break); returns the id of
 * its break label, which xl_loop_end() emits after the loop */
int xl_loop_body(struct xlate *x, struct ast_node *body);
void xl_loop_end(struct xlate *x, int id);

/* format.c: printf-family calls; returns the value (a string temp or "0") */
const char *xl_print(struct xlate *x, struct ast_node *n, enum builtin bi);

/* globals.c: storage of globals, array access, statistics, locks */
struct lockset;
/* C initialiser lines for global declarations, with init/exit code */
/* a global stap -G NAME=VALUE may set (a module parameter) */
bool gl_is_param(const struct symbol *g);
void gl_emit_globals(struct session *s, struct emitter *decl, struct emitter *init,
		     struct emitter *fini);
/* array element / stat / in / delete code */
const char *gl_index_get(struct xlate *x, struct ast_node *n);
void gl_index_set(struct xlate *x, struct ast_node *idx, const char *val);
const char *gl_in(struct xlate *x, struct ast_node *n);
void gl_delete(struct xlate *x, struct ast_node *n);
void gl_stat_add(struct xlate *x, struct ast_node *target, const char *val);
/* fetch the aggregate of a stat operand into c->base.stat; returns the C name of
 * its hist descriptor (or "NULL") */
const char *gl_stat_fetch(struct xlate *x, struct ast_node *operand);
const char *gl_stat_op(struct xlate *x, struct ast_node *n);
/* the key array for keys of an array access: emits the union and returns its name */
const char *gl_keys(struct xlate *x, const struct symbol *arr, struct ast_node *keys);
const char *gl_map_name(const struct symbol *sym);
/* foreach over an array or histogram */
void gl_foreach(struct xlate *x, struct ast_node *n);
/* the lock requests of a probe handler, as a C array definition; returns the
 * count (0: no locks) */
int gl_probe_locks(struct session *s, struct derived_probe *dp, struct strbuf *out);
/* the end-of-session printing of globals written but never read; 1 if emitted */
int gl_emit_autoprint(struct session *s, struct emitter *e);

/* symlines.c: the kernel functions' files and lines (`_stp_klines`) when a used tapset
 * function reads them */
void xl_emit_klines(struct session *s, struct emitter *decl);
/* user-space objects' symbols, unwind rows and lines (usyms.c) */
void xl_emit_usyms(struct session *s, struct emitter *decl);
/* the module cache key's part for them: --ldd and the embedded objects' contents */
struct sha256;
void xl_usyms_cache_key(struct session *s, struct sha256 *h);
/* the user-space objects a guest needs at their paths (the probed programs, -d and --ldd
 * objects, PROGRAM and its libraries), and in LINKS pairs "LINK", "TARGET" of the
 * symbolic links PROGRAM loads some by, all as malloc'd strings freed by the second;
 * *INTERP: PROGRAM's interpreter as named in it (malloc'd, or NULL) */
struct strlist;
void xl_usyms_guest_objects(struct session *s, const char *program, struct strlist *objs,
			    struct strlist *links, char **interp);
void xl_usyms_free_objects(struct strlist *objs);

#endif
