/* Pass 3 internals shared by translate.c (program layout) and expr.c (code). */
#ifndef STAP_TRANSLATE_H
#define STAP_TRANSLATE_H

#include "elaborate/elaborate.h"
#include "translate/emit.h"

struct xlate {
	struct session *s;
	struct emitter *e;		/* code of the current probe or function */
	struct strbuf *frame;		/* fields of the current frame struct */
	int n_tmp;
	struct function *fn;		/* NULL in a probe */
	int loop_depth;
	int n_labels;
};

/* Emit code for a statement; errors go through diag_* (pass 3 fails). */
void xl_stmt(struct xlate *x, struct ast_node *n);
/* Emit code computing n; returns a side-effect-free C expression of its value. */
const char *xl_expr(struct xlate *x, struct ast_node *n);
/* C name of a variable's storage. */
const char *xl_sym(struct xlate *x, const struct symbol *sym);
const char *xl_ctype(enum ast_type t);
/* "identifier 'x' at f.stp:1:2", as a C string literal */
const char *xl_where(struct xlate *x, const struct srcloc *loc);

#endif
