/* Pass 2's results, read by pass 3. Contracts:
 * - every AST_IDENT has u.ident.sym set; every AST_CALL either u.call.fn (a script or
 *   tapset function) or is a builtin (print family), see elab_builtin();
 * - no AST_TARGET, AST_CAST, AST_ATVAR, AST_DEFINED or AST_ENTRY is left: resolution
 *   has elaborate/target.c make each a call of a synthesized function ($x, @cast, @var,
 *   @entry), a number (@defined, and the conditions and branches it decides), its
 *   operand (@entry inside an entry part), or the local __procfs_value (a procfs
 *   probe's $value). Every other kind may remain; elided statements are AST_NULL.
 *   elab_check_post_pass2() checks this and the contract above;
 * - every expression node has a type other than TYPE_UNKNOWN, except statements and
 *   an array's name (the AST_IDENT under an index, `in`, foreach or delete);
 * - s->prog.probes lists derived probes (one per concrete probe point), s->prog.functions
 *   and s->prog.globals only what the probes reach. */
#ifndef STAP_ELABORATE_H
#define STAP_ELABORATE_H

#include "session.h"

#define ELAB_MAX_KEYS 9
/* histogram buckets a statistic can have (runtime/limits.h: STP_MAX_BUCKETS) */
#define ELAB_HIST_MAX_BUCKETS 128

enum sym_kind { SYM_GLOBAL, SYM_LOCAL, SYM_PARAM };

/* The DWARF type a pointer value came with (4.8's autocast): what it points to is
 * the DIE at die in obj; obj NULL when unknown. symbols.c flows it from target
 * expressions through locals and function returns, so that p->member reads it. */
struct elab_cast {
	struct dw_object *obj;
	uint64_t die;
};

struct symbol {
	const char *name;
	enum sym_kind kind;
	enum ast_type type;		/* value type; TYPE_STATS for <<< targets */
	struct srcloc loc;		/* declaration or first use */
	struct srcloc type_loc;		/* where the type was first inferred */
	int n_keys;			/* 0 scalar, N array with N index columns */
	enum ast_type key_types[ELAB_MAX_KEYS];
	struct srcloc key_locs[ELAB_MAX_KEYS];	/* where each key type was inferred */
	struct srcloc arity_loc;	/* where n_keys was inferred */
	struct global *global;		/* SYM_GLOBAL */
	int index;			/* position in its scope */
	bool written, read;
	bool autoprint;			/* access.c: a user global written, never read */
	bool external;			/* a local that generated code reads and writes
					 * outside the script (elab_probe_local) */
	int n_refs;			/* elide.c: references left in the code */
	const struct ast_node *hist;	/* check.c: a statistic's first @hist_*, or NULL */
	struct elab_cast cast;		/* symbols.c: the first typed pointer assigned */
	struct symbol *next;
};

enum builtin {
	BI_NONE,
	BI_PRINT, BI_PRINTLN, BI_PRINTF, BI_PRINTD, BI_PRINTDLN,
	BI_SPRINT, BI_SPRINTLN, BI_SPRINTF, BI_SPRINTD, BI_SPRINTDLN,
};

struct probe_family;

/* access.c: a global whose lock a probe handler takes; exclusive if write */
struct global_lock {
	const struct symbol *sym;
	bool write;
};

struct derived_probe {
	int id;
	const struct probe_family *family;
	struct probe *probe;		/* the probe as written (after alias expansion) */
	const struct probe_point *pp;	/* the concrete point */
	const char *pp_str;		/* canonical text, e.g. "timer.ms(100)" */
	const char *pn_str;		/* pn(): the script's point, through the first alias
					 * with its wildcards expanded ("syscall.read") */
	struct ast_node *body;		/* AST_BLOCK */
	struct ast_node *cond;		/* probe condition or NULL */
	struct symbol *locals;
	int n_locals;
	int64_t priority;		/* begin/end/error ordering */
	int64_t args[4];		/* dwarf/kprobe: args[0] counts an entry part's saved
					 * values (elaborate/target.c) */
	void *priv;			/* the family's own data, arena-allocated by its
					 * match or derive hook; NULL for the others */
	bool owns_body;			/* elide.c: first of the points sharing `body` */
	/* the entry part of the .return probe entry_of (elaborate/target.c): run at the
	 * function's entry, its body saves the values entry_of reads with @entry */
	struct derived_probe *entry_of;
	/* access.c: the locks of the globals the handler and its callees use, in the
	 * order of prog.global_syms */
	const struct global_lock *locks;
	int n_locks;
	struct derived_probe *next;
};

/* Per-function results of pass 2. */
struct function_info {
	struct symbol *params;
	struct symbol *locals;
	int n_locals;
	bool reachable;
	int purity;			/* elide.c: 0 unknown, 1 being decided, 2 pure, 3 not */
	struct function *ret_like;	/* types.c: returns the type of ret_like's first
					 * parameter (an @entry value's load and save) */
	struct elab_cast cast;		/* symbols.c: returns a pointer of this type */
};

enum builtin elab_builtin(const char *name);
struct function_info *elab_fn_info(struct session *s, struct function *fn);
/* The end of pass 2: the contracts above hold, or "internal error" and -1. */
int elab_check_post_pass2(struct session *s);

/* elaborate/format.c: one conversion of a printf format. Text between conversions is
 * literal and holds no '%' ("%%" is a conversion of its own, taking no argument). */
#define FMT_ARG (-2)			/* width or precision given by '*' */
#define FMT_EBAD (-1)			/* "invalid or missing conversion specifier" */
#define FMT_EINCOMPLETE (-2)		/* "trailing incomplete print format conversion" */

struct fmt_spec {
	char conv;			/* d i u x X o c p b m M s, or % */
	char flags[6];			/* one of "-+ #" then '0', as given */
	char length;			/* 0, 'l', 'L' (ll) or 'h' */
	int width, prec;		/* -1 none, FMT_ARG, or the number */
	size_t start, len;		/* the conversion's text: fmt + start, len bytes */
};

/* Parse fmt: the number of conversions (the first max stored in out, like snprintf),
 * or FMT_EBAD / FMT_EINCOMPLETE. */
int elab_parse_format(const char *fmt, struct fmt_spec *out, int max);
/* arguments one conversion takes: '*' width, '*' precision, then the value */
int elab_format_n_args(const struct fmt_spec *sp);
/* the message for an error code of elab_parse_format() */
const char *elab_format_error(int rc);

/* elaborate/symbols.c */
int elab_resolve(struct session *s);
/* elaborate/elide.c: drop dead assignments to locals, side-effect-free statements,
 * then unused locals, functions and globals (not with -u); runs before types.c */
int elab_elide(struct session *s);
/* elaborate/types.c */
int elab_types(struct session *s);
/* elaborate/optimize.c: elide probes with empty handlers (not with -u), number the rest */
int elab_optimize(struct session *s);
/* elaborate/check.c: what pass 3 needs of the elaborated program (lvalues, statistics,
 * histograms, loops); after it pass 3 reports no user errors */
int elab_check(struct session *s);
/* the variable an lvalue or statistic operand names: x or x[...]; else NULL */
struct symbol *elab_base_sym(const struct ast_node *n);
/* elaborate/access.c: lock sets of the derived probes, autoprint of the globals */
int elab_access(struct session *s);
/* elaborate/nesting.c: s->prog.max_nesting, the default MAXNESTING */
void elab_nesting(struct session *s);
/* elaborate/dump.c: -p2 output */
void elab_dump(struct session *s, FILE *f);
/* elaborate/probes.c */
int elab_probes(struct session *s);
/* canonical text of a probe point */
const char *elab_pp_str(struct session *s, const struct probe_point *pp);
/* For a family's context variable (family.h, context_var): dp's local name, created if
 * need be and marked external, so that elide.c keeps it and its assignments although
 * the script may never read it. name must be interned. */
struct symbol *elab_probe_local(struct session *s, struct derived_probe *dp,
				const char *name, const struct srcloc *loc);
/* dp's local name (interned) if it survived elision, else NULL */
const struct symbol *elab_probe_find_local(const struct derived_probe *dp, const char *name);

/* types.c: are @hist_linear's parameters in range (N is an AST_STAT)? */
bool elab_hist_linear_ok(const struct ast_node *n);

#endif
