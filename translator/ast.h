/* The AST: tagged-union nodes for expressions and statements, allocated in the arena.
 * Nodes are built only through the ast_* constructors; nobody frees one. `type` is
 * NULL until pass 2 infers it. */
#ifndef STAP_AST_H
#define STAP_AST_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "diag.h"

struct session;

enum ast_type {
	TYPE_UNKNOWN,
	TYPE_LONG,
	TYPE_STRING,
	TYPE_STATS,
};

enum ast_kind {
	/* expressions */
	AST_NUMBER,		/* u.num */
	AST_STRING,		/* u.str */
	AST_IDENT,		/* u.ident: a variable */
	AST_INDEX,		/* u.index: array[keys], also @hist_log(x)[i] */
	AST_CALL,		/* u.call: function call */
	AST_BINARY,		/* u.binary: arithmetic, comparison, logic, concat, regex */
	AST_UNARY,		/* u.unary: - ! ~ + */
	AST_INCDEC,		/* u.incdec: ++x x++ --x x-- */
	AST_ASSIGN,		/* u.assign: = += ... .= <<< */
	AST_TERNARY,		/* u.ternary */
	AST_IN,			/* u.in: [keys] in array */
	AST_STAT,		/* u.stat: @count(x) ... @hist_log(x) */
	AST_TARGET,		/* u.target: $var->a[2]$$, &$var */
	AST_CAST,		/* u.target: @cast(e, "type", "mod")->a */
	AST_ATVAR,		/* u.target: @var("n@f", "mod")->a */
	AST_DEFINED,		/* u.operand: @defined(e) */
	AST_ENTRY,		/* u.operand: @entry(e) */
	AST_EMBEDDED_EXPR,	/* u.str: %{ code %} used as an expression */
	/* statements */
	AST_BLOCK,		/* u.block */
	AST_EXPR_STMT,		/* u.operand */
	AST_IF,			/* u.cond */
	AST_WHILE,		/* u.loop */
	AST_FOR,		/* u.loop */
	AST_FOREACH,		/* u.foreach */
	AST_DELETE,		/* u.operand */
	AST_NEXT,
	AST_BREAK,
	AST_CONTINUE,
	AST_RETURN,		/* u.operand, may be NULL */
	AST_TRY,		/* u.try_ */
	AST_NULL,		/* ; -- and * in array keys: delete a[1, *], [k, *] in a */
	AST_EMBEDDED,		/* u.str: %{ code %} as a statement */
};

/* Operators; tokens of the parser map onto these. */
enum ast_op {
	OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_MOD,
	OP_SHL, OP_SHR, OP_BAND, OP_BOR, OP_BXOR,
	OP_LAND, OP_LOR, OP_CONCAT,
	OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE,
	OP_MATCH, OP_NOMATCH,
	OP_NEG, OP_NOT, OP_BNOT, OP_PLUS,
	OP_INC, OP_DEC,
	OP_ASSIGN, OP_STAT_ADD,	/* = and <<< ; compound assigns use the binary op */
};

enum stat_op {
	STAT_COUNT, STAT_SUM, STAT_MIN, STAT_MAX, STAT_AVG, STAT_VARIANCE,
	STAT_HIST_LINEAR, STAT_HIST_LOG,
};

/* One piece of a target-variable chain: ->name, [index], or the & of the whole. */
enum comp_kind { COMP_FIELD, COMP_INDEX, COMP_INDEX_EXPR };

struct target_comp {
	enum comp_kind kind;
	const char *name;		/* COMP_FIELD */
	int64_t index;			/* COMP_INDEX */
	struct ast_node *expr;		/* COMP_INDEX_EXPR */
	struct srcloc loc;
	struct target_comp *next;
};

struct symbol;
struct function;
struct dw_object;
struct function_info;

struct ast_node {
	enum ast_kind kind;
	enum ast_type type;
	int depth;			/* nesting below this node (parser limits it) */
	struct srcloc loc;
	struct ast_node *next;		/* sibling in statement/argument lists */
	union {
		int64_t num;
		const char *str;
		struct ast_node *operand;
		struct { const char *name; struct symbol *sym; } ident;
		struct { struct ast_node *base; struct ast_node *keys; } index;
		struct { const char *name; struct ast_node *args;
			 struct function *fn; } call;
		struct { enum ast_op op; struct ast_node *lhs, *rhs; } binary;
		struct { enum ast_op op; struct ast_node *operand; } unary;
		struct { enum ast_op op; bool post; struct ast_node *operand; } incdec;
		struct { enum ast_op op; struct ast_node *lhs, *rhs; } assign;
		struct { struct ast_node *cond, *then, *other; } ternary;
		struct { struct ast_node *keys; struct ast_node *array; } in;
		struct { enum stat_op op; struct ast_node *operand;
			 struct ast_node *params; } stat;
		struct {
			const char *name;	/* "$x", "$$vars", or the @cast/@var string;
						 * autocast: the operand's text */
			struct ast_node *operand; /* @cast: the address; AST_TARGET: the
						 * operand of an autocast, e->a */
			const char *type_name;	/* @cast: "struct task_struct" */
			const char *module;	/* @cast/@var: module or "kernel" */
			struct target_comp *comps;
			int pretty;		/* 0, 1 ($), 2 ($$) */
			bool addr;		/* &$x */
			/* @cast made by autocast (elaborate/target.c): the type is
			 * the DIE at cast_die in the object cast_obj */
			struct dw_object *cast_obj;
			uint64_t cast_die;
		} target;
		struct { struct ast_node *stmts; } block;
		struct { struct ast_node *cond, *then, *other; } cond;
		struct { struct ast_node *init, *cond, *incr, *body; } loop;
		struct {
			struct ast_node *keys;	/* AST_IDENT list */
			struct ast_node *value;	/* AST_IDENT or NULL */
			struct ast_node *array;	/* AST_IDENT or AST_STAT(hist) */
			struct ast_node *slice;	/* "in a[*, 3]": keys, * as AST_NULL */
			int sort_key;		/* 0 none, 1..9 key column, -1 value */
			int sort_dir;		/* +1 ascending, -1 descending */
			int sort_aggr;		/* "in a @sum-": 1 + the stat_op, else 0 */
			struct ast_node *limit;
			struct ast_node *body;
		} foreach;
		struct { struct ast_node *body; struct ast_node *var;
			 struct ast_node *handler; } try_;
	} u;
};

/* A probe point component: name, optional "(arg)". */
struct pp_comp {
	const char *name;
	struct ast_node *arg;		/* AST_NUMBER or AST_STRING, or NULL */
	bool has_arg;
	struct srcloc loc;		/* the component's name */
	struct pp_comp *next;
};

struct probe_point {
	struct pp_comp *comps;
	bool optional;			/* ? */
	bool sufficient;		/* ! */
	struct ast_node *cond;		/* if (expr) */
	struct srcloc loc;
	struct probe_point *next;
};

struct probe {
	struct probe_point *points;
	struct ast_node *body;		/* AST_BLOCK */
	bool is_alias;			/* probe x = y */
	bool is_epilogue;		/* probe x += y */
	struct probe_point *alias_names; /* with is_alias: the names defined */
	bool privileged;		/* from the tapset library */
	bool version_dependent;		/* a systemtap_v condition in or before it */
	bool expanded;			/* pass 2: an alias some probe went through */
	struct srcloc loc;
	struct probe *next;
};

struct param {
	const char *name;
	enum ast_type type;
	struct srcloc loc;
	struct param *next;
};

struct function {
	const char *name;
	enum ast_type ret;
	struct param *params;
	int n_params;
	struct ast_node *body;		/* AST_BLOCK, or AST_EMBEDDED for %{ %} */
	bool is_private;
	bool is_tapset;
	bool version_dependent;		/* a systemtap_v condition in or before it */
	int64_t priority;		/* overload order: lower first; user 0, tapset 1 */
	struct stapfile *file;		/* where it is defined */
	struct srcloc loc;
	struct function_info *info;	/* pass 2: symbols, reachability */
	struct function *next;
	struct function *next_used;	/* pass 2: list of reachable functions */
	/* pass 2: the other functions of the same name and arity, in priority order;
	 * `next` in one of them runs the following one. A call resolves to the first. */
	struct function *next_overload;
};

struct global {
	const char *name;
	struct ast_node *init;		/* literal initializer or NULL */
	int64_t size;			/* global a[100]; 0 = default */
	bool wrap;			/* global a% */
	bool is_array;
	bool is_private;
	bool version_dependent;		/* a systemtap_v condition in or before it */
	struct stapfile *file;		/* where it is declared */
	struct srcloc loc;
	struct symbol *sym;		/* pass 2 */
	struct global *next;
	struct global *next_used;
};

/* One parsed file. */
struct stapfile {
	const struct srcfile *src;
	struct probe *probes;
	struct function *functions;
	struct global *globals;
	struct ast_node *embeds;	/* top-level %{ %} blocks */
	bool is_tapset;
	bool used;			/* pass 2: something of it is reachable */
	bool probes_derived;		/* pass 2: a used library file's probes are in */
	struct stapfile *next;
};

struct pp_macro;
struct name_index;

struct program {
	struct stapfile *files;		/* user script first, then tapsets used */
	/* filled by pass 2 */
	struct derived_probe *probes;
	int n_probes;
	struct function *functions;	/* reachable functions */
	struct global *globals;		/* reachable globals, as a list via next_used */
	struct symbol *global_syms;	/* symbols of reachable globals */
	int n_library_scripts;		/* tapset files parsed */
	/* pass 1: library files not parsed, as no script names what they define */
	const char **lib_pending;	/* their paths */
	size_t n_lib_pending;
	int n_library_used;		/* pass 2: tapset files something was used from */
	struct ast_node *embeds;	/* pass 2: extra top-level %{ %} (elaborate/target.c) */
	int max_nesting;		/* pass 2: default MAXNESTING (elaborate/nesting.c) */
	/* pass 1: library macros (*.stpm), and the target kernel's .config text */
	struct pp_macro *macros;
	const char *kconfig;
	struct name_index *names;	/* pass 2, while resolving: functions/globals by name */
};

/* constructors: all allocate from s->arena */
struct ast_node *ast_new(struct session *s, enum ast_kind kind, const struct srcloc *loc);
struct ast_node *ast_number(struct session *s, const struct srcloc *loc, int64_t v);
struct ast_node *ast_string(struct session *s, const struct srcloc *loc, const char *str);
struct ast_node *ast_ident(struct session *s, const struct srcloc *loc, const char *name);
struct ast_node *ast_binary(struct session *s, const struct srcloc *loc, enum ast_op op,
			    struct ast_node *l, struct ast_node *r);
struct ast_node *ast_unary(struct session *s, const struct srcloc *loc, enum ast_op op,
			   struct ast_node *e);
struct ast_node *ast_assign(struct session *s, const struct srcloc *loc, enum ast_op op,
			    struct ast_node *l, struct ast_node *r);
struct ast_node *ast_call(struct session *s, const struct srcloc *loc, const char *name,
			  struct ast_node *args);
struct ast_node *ast_block(struct session *s, const struct srcloc *loc,
			   struct ast_node *stmts);
struct ast_node *ast_operand(struct session *s, enum ast_kind kind,
			     const struct srcloc *loc, struct ast_node *e);
/*
 * Walking the AST. ast_each_child() calls FN once per child slot of N, in source
 * order (IS_LIST: the slot heads a `next`-linked list); it is the one place that knows
 * each kind's children. ast_walk() visits N and everything below it depth first: pre()
 * before a node's children (AST_WALK_SKIP: not its children; AST_WALK_STOP: end the
 * walk), post() after them. Either callback may be NULL. ast_walk() and
 * ast_walk_list() (N and its siblings) return false if the walk was stopped.
 */
enum ast_walk_rc { AST_WALK_CONTINUE, AST_WALK_SKIP, AST_WALK_STOP };

struct ast_walker {
	enum ast_walk_rc (*pre)(struct ast_node *n, void *ctx);
	enum ast_walk_rc (*post)(struct ast_node *n, void *ctx);
	void *ctx;
};

typedef void (*ast_slot_fn)(struct ast_node **slot, bool is_list, void *ctx);
void ast_each_child(struct ast_node *n, ast_slot_fn fn, void *ctx);
bool ast_walk(struct ast_node *n, const struct ast_walker *w);
bool ast_walk_list(struct ast_node *n, const struct ast_walker *w);

/* A deep copy of n (not of its siblings), with pass-2 links cleared. */
struct ast_node *ast_copy(struct session *s, const struct ast_node *n);
/* Append b to the list a; returns the head. */
struct ast_node *ast_append(struct ast_node *a, struct ast_node *b);
int ast_list_len(const struct ast_node *n);

bool ast_is_lvalue(const struct ast_node *n);
const char *ast_op_str(enum ast_op op);
const char *ast_type_str(enum ast_type t);
const char *ast_stat_str(enum stat_op op);

/* -p1: print a file in canonical form (parses again to the same text). */
void ast_dump_file(FILE *f, const struct stapfile *file);
void ast_dump_expr(FILE *f, const struct ast_node *n);
void ast_dump_stmt(FILE *f, const struct ast_node *n, int indent);
void ast_dump_point(FILE *f, const struct probe_point *pp);

#endif
