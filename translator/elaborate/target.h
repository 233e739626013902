/* Pass 2 hook for target expressions ($x, $$vars, @cast, @var, @defined, @entry):
 * elaborate/target.c rewrites each into a call of a synthesized embedded-C function,
 * so pass 3 needs no special case. */
#ifndef STAP_ELAB_TARGET_H
#define STAP_ELAB_TARGET_H

#include "elaborate/elaborate.h"

/* Rewrite n in place (into AST_CALL or AST_NUMBER) for the probe dp (NULL inside a
 * function); 0, or -1 after reporting. The caller resolves the rewritten node. */
int elab_target(struct session *s, struct ast_node *n, struct derived_probe *dp);

/* n, an autocast e->a whose operand e was resolved to a pointer to the type c,
 * becomes @cast(e, that type)->a, rewritten as elab_target() does. 0, or -1 after
 * reporting. */
int elab_autocast(struct session *s, struct ast_node *n, const struct elab_cast *c);

/* n is an assignment (=, op=) or ++/-- of the probe dp's target variable ($x,
 * $p->a[i]) in guru mode: rewrite it in place into a call of a
 * synthesized setter whose value is the value stored (for x++ and x--, the value
 * before). 0, or -1 after reporting. The caller resolves the rewritten node. */
int elab_target_write(struct session *s, struct ast_node *n, struct derived_probe *dp);

/* n is an AST_TERNARY or AST_IF whose condition is made of @defined (with !, &&,
 * ||) only: replace n in place by the branch taken, so that the other one, which may
 * use a target variable that is not there, is never resolved. False if n is not. */
bool elab_target_elide(struct session *s, struct ast_node *n, struct derived_probe *dp);

#endif
