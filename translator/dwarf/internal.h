/* Shared between the files of translator/dwarf/ that read variables and types: not
 * an interface for the rest of the translator (that is dwarf.h).
 *
 * types.c names and measures types, scope.c finds variables at an address,
 * location.c turns DWARF location expressions into location-program operations
 * (locprog.h), access.c a whole target expression, pretty.c prints values ($x$, $$vars), tracepoint.c reads a
 * tracepoint's arguments. */
#ifndef STAP_DWARF_INTERNAL_H
#define STAP_DWARF_INTERNAL_H

#include <elfutils/libdw.h>

#include "dwarf/dwarf.h"
#include "dwarf/locprog.h"

/* types.c */
Dwarf_Die *dw_die_type(Dwarf_Die *die, Dwarf_Die *out);
/* skip typedefs and qualifiers; NULL for void */
Dwarf_Die *dw_strip_type(Dwarf_Die *t, Dwarf_Die *out);
void dw_type_name(Dwarf_Die *t, struct strbuf *sb);
int dw_type_size(Dwarf_Die *t);
bool dw_is_signed(Dwarf_Die *t);
bool dw_is_float(Dwarf_Die *t);
bool dw_is_char(Dwarf_Die *t);
bool dw_member_offset(Dwarf_Die *m, uint64_t *off);
bool dw_find_member(Dwarf_Die *t, const char *name, Dwarf_Die *out, uint64_t *off);
bool dw_find_type(struct dw_object *k, const char *spec, Dwarf_Die *out);

/* tracepoint.c: the image's bytes at a link-time address, *avail of them in its
 * section; NULL outside the allocated sections */
const char *dw_data_at(struct dw_object *k, uint64_t addr, size_t *avail);

/* scope.c */
bool dw_is_var(Dwarf_Die *d);
int dw_scopes_at(struct dw_object *k, const struct dw_func *fn, uint64_t addr,
		 Dwarf_Die **out);
/* The names of the parameters and locals in scope at addr in fn, and of the members
 * of the struct or union t (those of unnamed members flattened), added to l. */
void dw_var_names(struct dw_object *k, const struct dw_func *fn, uint64_t addr,
		  struct strlist *l);
void dw_member_names(Dwarf_Die *t, struct strlist *l);
bool dw_find_var(struct dw_object *k, const struct dw_func *fn, uint64_t addr,
		 const char *name, Dwarf_Die *var, Dwarf_Die *subprog);
bool dw_is_tp_data(Dwarf_Die *param, bool tracepoint);
bool dw_cu_global(struct dw_object *k, uint64_t cu_off, const char *name, Dwarf_Die *var);

/* location.c: where a value is after its location expression: at the address st[0],
 * or st[0] itself (a register, a constant, DW_OP_stack_value) */
enum loc_kind { LOC_MEMORY, LOC_VALUE };

struct dw_gen {
	struct session *s;
	struct dw_object *k;
	const struct dw_site *site;
	struct lp_prog *p;		/* the operations produced */
	const char *what;		/* the expression's text, for fault messages */
	const char *err;
	int depth;			/* stack depth after the operations so far */
};

/* append an operation at the current depth; dw_push() also counts a pushed value */
struct lp_op *dw_op(struct dw_gen *g, enum lp_kind kind, int64_t n);
struct lp_op *dw_push(struct dw_gen *g, enum lp_kind kind, int64_t n);
int dw_gen_ops(struct dw_gen *g, const Dwarf_Op *ops, size_t n, Dwarf_Die *subprog,
	       enum loc_kind *kind);

/* access.c */
void dw_fetch_scalar(struct dw_gen *g, Dwarf_Die *t, enum loc_kind kind, Dwarf_Die *member);
int dw_gen_var(struct dw_gen *g, const char *name, Dwarf_Die *var, Dwarf_Die *type);
const char *dw_comp_text(struct session *s, const struct ast_node *t,
			 const struct target_comp *upto);

/* pretty.c */
void dw_pretty(struct dw_gen *g, Dwarf_Die *t, enum loc_kind kind, int depth);
int dw_gen_vars(struct dw_gen *g, const char *which, int depth);
/* $$return in a .return probe: "return=VALUE", "" for a void function */
void dw_gen_return(struct dw_gen *g, Dwarf_Die *fn, int depth);

/* tracepoint.c */
int dw_tp_arg(struct dw_gen *g, const char *name, Dwarf_Die *var, Dwarf_Die *type);

#endif
