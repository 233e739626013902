/* Probe families: one vtable per kind of probe point, one file per family.
 *
 * Contract: every concrete probe point is asked of each family in registry order until
 * one takes it. A family lists the shapes of point it accepts (shapes/n_shapes); the
 * shared matcher (tapsets/match.c) picks the first shape the point's components fit,
 * checks the kinds of their arguments (reporting a wrong one) and hands the matched
 * components to derive(), which only interprets their values. A family whose points
 * a table cannot describe (patterns, lookups in the DWARF index) sets match() instead
 * and does both itself. derive() and match() return 1 and fill the derived probe
 * (priority, priv) if the point is the family's, 0 if not, -1 after reporting an
 * error. emit_decls() writes file-scope C for all the family's probes;
 * emit_init() writes the body of a C block that registers them and on failure undoes its
 * own work and sets rc to -errno; emit_exit() writes their unregistration, which runs
 * exactly once if init succeeded and never if it failed. A family whose registration
 * or unregistration is one C statement may give it as init_call or exit_call instead
 * of the hook. Families with nothing to register (begin, end) leave all of them NULL.
 *
 * Context variables (all optional): in pass 2, context_var() is offered each target
 * variable $name (n, an AST_TARGET; components and '&' in n->u.target) met in the
 * handler of one of the family's probes dp, before the DWARF lookup. It returns 0 if
 * name is not the family's, -1 after reporting, or 1 after rewriting n in place into
 * something pass 2 resolves, usually an AST_IDENT naming a local it declared with
 * elab_probe_local() (which keeps the local through dead-code elision). In guru mode,
 * a write to a $name of a family with context_var goes to context_write() (t the
 * AST_TARGET written, value the value): it returns the expression doing the write and
 * yielding value, or NULL after reporting; without it the write is an error. In pass 3,
 * emit_prologue() writes C run at the start of the handler of dp (locals initialised,
 * before the condition) and emit_epilogue() C run at its end (after the out: label,
 * also on errors); the handler's locals are l->l_NAME and its context c. Handlers
 * shared by several probes (same body) are written once, for the first of them.
 *
 * Listing (stap -l, and -L with vars): list() adds to lines the concrete points dp
 * stands for (with vars, each followed by " $name:type" for its variables), in any
 * order; without it, dp is listed as its pp_str. Runs after pass 2, instead of pass 3. */
#ifndef STAP_FAMILY_H
#define STAP_FAMILY_H

#include "elaborate/elaborate.h"

struct emitter;
struct strlist;

enum family_kind {
	FAMILY_BEGIN,		/* run by the runtime at start, in priority order */
	FAMILY_END,
	FAMILY_ERROR,
	FAMILY_EVENT,		/* registered with the kernel by emit_init */
};

/* the argument a component of a shape takes */
enum pp_arg_kind {
	PP_ARG_NONE,		/* name */
	PP_ARG_NUMBER,		/* name(N) */
	PP_ARG_STRING,		/* name("s") */
	PP_ARG_OPT_NUMBER,	/* name or name(N) */
	PP_ARG_OPT_STRING,	/* name or name("s") */
};

/* one component of a shape, e.g. PP_OPT("randomize", PP_ARG_NUMBER) */
struct pp_spec {
	const char *name;
	enum pp_arg_kind arg;
	bool optional;		/* the point may leave the component out */
	const char *bad_arg;	/* error at the point for an argument of the wrong kind;
				 * NULL: "probe point 'NAME' takes a number" at the argument */
};

/* spec constructors: a name alone, a name and argument, an optional component */
#define PP_NAME(n) { .name = (n) }
#define PP_ARG(n, kind) { .name = (n), .arg = (kind) }
#define PP_OPT(n, kind) { .name = (n), .arg = (kind), .optional = true }

#define PP_MAX_SPECS 6

/* a probe point shape: its components in order, ending at the first NULL name */
struct pp_shape {
	struct pp_spec comps[PP_MAX_SPECS];
};

/* a point matched against a shape: comps[i] is the point's component for the shape's
 * i-th spec, NULL where an optional one was left out */
struct pp_match {
	size_t shape;		/* index in the family's shapes */
	const struct pp_comp *comps[PP_MAX_SPECS];
};

struct probe_family {
	const char *name;
	enum family_kind kind;
	bool pp_from_alias;	/* pp() of a probe derived through an alias is the
				 * alias's point ("syscall.openat"), not the family's */
	bool not_emitted;	/* its probes are elaborated and type-checked, then left
				 * out of the module (never) */
	const struct pp_shape *shapes;
	size_t n_shapes;
	/* a family that matches with match(): the points it takes, as --dump-probe-types
	 * shows them ("kernel.function(string).return"), NULL-terminated */
	const char *const *points;
	int (*derive)(struct session *s, const struct probe_point *pp,
		      const struct pp_match *m, struct derived_probe *dp);
	int (*match)(struct session *s, const struct probe_point *pp,
		     struct derived_probe *dp);
	/* optional: for a point of the family's shape that matched nothing (no such
	 * function), the names it might have meant, as "similar functions: a, b", or
	 * NULL; elaborate/probes.c reports "no match (...)" with it, or a bare "no
	 * match" for "" (the point is the family's, but no names are to be had) */
	const char *(*similar)(struct session *s, const struct probe_point *pp);
	void (*emit_decls)(struct session *s, struct emitter *e,
			   struct derived_probe *const *probes, int n);
	void (*emit_init)(struct session *s, struct emitter *e,
			  struct derived_probe *const *probes, int n);
	void (*emit_exit)(struct session *s, struct emitter *e,
			  struct derived_probe *const *probes, int n);
	const char *init_call;	/* without emit_init: the C statement registering them */
	const char *exit_call;	/* without emit_exit: the C statement unregistering them */
	int (*context_var)(struct session *s, struct derived_probe *dp, const char *name,
			   struct ast_node *n);
	struct ast_node *(*context_write)(struct session *s, struct derived_probe *dp,
					  struct ast_node *t, struct ast_node *value);
	void (*emit_prologue)(struct session *s, struct emitter *e,
			      const struct derived_probe *dp);
	void (*emit_epilogue)(struct session *s, struct emitter *e,
			      const struct derived_probe *dp);
	void (*list)(struct session *s, const struct derived_probe *dp, bool vars,
		     struct strlist *lines);
	/* a family whose probes are not kprobe sites but which runs entry parts (@entry
	 * in a .return probe) itself: is dp such a .return probe? */
	bool (*is_return)(const struct derived_probe *dp);
};

/* tapsets/registry.c: the families, in the order they are asked. */
extern const struct probe_family *const family_registry[];
extern const size_t n_families;

/* tapsets/registry.c: stap -l / -L (vars), after pass 2: the derived probes' points
 * as the families list them, sorted, each once */
void family_list_probes(struct session *s, bool vars);

/* tapsets/match.c: ask fam about pp (its shapes and derive(), or its match()) */
int family_match(struct session *s, const struct probe_family *fam,
		 const struct probe_point *pp, struct derived_probe *dp);
/* the matched component i's name, number or string (dflt when it has none) */
const char *pp_match_name(const struct pp_match *m, int i);
int64_t pp_match_num(const struct pp_match *m, int i, int64_t dflt);
const char *pp_match_str(const struct pp_match *m, int i, const char *dflt);

/* helpers for families */
struct dw_entry_part;
/* the size of the data the entry part fills (its saved values), as a C expression */
const char *family_entry_size(struct session *s, const struct dw_entry_part *part);
/* is dp one of the n probes handed to an emit hook? */
bool family_has_probe(const struct derived_probe *dp, struct derived_probe *const *probes,
		      int n);

#endif
