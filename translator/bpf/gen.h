/* Pass 3 for the BPF runtime: the generator's state, shared by gen.c (programs,
 * statements), expr.c (expressions) and meta.c (the loader's description). */
#ifndef STAP_BPF_GEN_H
#define STAP_BPF_GEN_H

#include "bpf/bpf.h"
#include "elaborate/elaborate.h"
#include "translate/emit.h"

/* the kernel's limit on nested BPF frames (programs, functions, loop callbacks) */
#define BG_MAX_FRAMES 8

/* how a construct leaves the C function it is in on an error or `next` */
enum bg_abort { ABORT_PROBE, ABORT_FUNCTION, ABORT_CALLBACK };

struct bg_scope {
	const char *prefix;		/* "F->p.p3" or "F->f.f2": where locals live */
	int n_str;			/* string temporaries used in this scope */
	int max_str;
	int ret_type;			/* functions: enum ast_type of the result */
};

struct bg {
	struct session *s;
	bool check_only;		/* pass 2: report, write nothing */
	int msl;			/* MAXSTRINGLEN */
	int maxaction;			/* of the probe being written */
	int maxaction_event, maxaction_begin;	/* MAXACTION, MAXACTION_INTERRUPTIBLE */
	struct emitter *e;		/* the function being written */
	struct strbuf types;		/* struct declarations */
	struct strbuf callbacks;	/* bpf_loop callbacks and script functions */
	struct strbuf progs;		/* the programs */
	struct strbuf lits;		/* string literals */
	struct strbuf meta;		/* the loader's description */
	struct strbuf frame;		/* struct __frame: the map keys */
	struct strbuf fprobes;		/* struct __frame: union p, the probes' locals */
	struct strbuf ffns;		/* struct __frame: struct f, the functions' */
	struct bg_scope *scope;
	enum bg_abort abort;
	int in_loop;			/* inside a loop (break/continue allowed) */
	bool in_callback;		/* a bpf_loop callback: break is return 1 */
	const char *catch_label;	/* innermost try of this C function, or NULL */
	int try_depth;			/* tries around (callbacks included): errors keep
					 * their message in F->errbuf for the catch */
	int n_try;
	bool event;			/* writing an event probe (per-CPU frame) */
	const struct derived_probe *dp;	/* probe being written */
	int n_tmp;			/* C temporaries of the current C function */
	int n_lits, n_where, n_fmt, n_cb, n_prog;
	int rec_max;			/* largest output record */
	struct symbol **gsyms;		/* the globals, in the order of the maps */
	int n_gsyms;
	struct function **fns;		/* functions written so far */
	int n_fns;
	const struct function *calling[64];	/* the call chain being inlined */
	int depth;			/* BPF frames of the C function being written: 1 a
					 * program (2 a syscall probe's subprogram), +1 in
					 * each loop callback; in a script function, from 1 */
	int *fn_height;			/* frames a call of function fns[i] adds */
	int n_calling;
	struct bg_sys *sys;		/* the syscall probes: subprograms of the
					 * sys_enter/sys_exit dispatchers */
	int n_sys;
	bool entry_values;		/* the map __ent is used (bpf/uprobe.c) */
	bool proc_ends;			/* the map __procs is used (bpf/uprobe.c) */
	bool sys_names, errno_names;	/* the tables __sysnames, __errnames are used */
	bool rx_caps;			/* matched()/ngroups() are used: =~ records
					 * its groups (bpf/expr.c) */
	int rx_max_insts;		/* the largest pattern that records them */
	struct bg_memo *memo;		/* literals, formats, places and syscall probe
					 * bodies written so far: the same text, the same
					 * id (one subprogram serves every alike probe) */
	int n_memo;
};

struct bg_memo {
	char *text;			/* kind letter, then the text */
	int id;
};

struct bg_sys {
	int prog, nr;			/* nr -1: any call */
	bool ret;
	int part;			/* its dispatcher (bpf_sys_dispatchers()) */
};

/* bpf/expr.c */
const char *bg_expr(struct bg *g, struct ast_node *n);
const char *bg_lit(struct bg *g, const char *str);
void bg_fail(struct bg *g, const char *cond, const struct srcloc *loc, const char *msg);
/* the error fmt, a format of one 64-bit value v, when cond holds */
void bg_fail_value(struct bg *g, const char *cond, const struct srcloc *loc, const char *fmt,
		   const char *v);
void bg_abort(struct bg *g);
const char *bg_tmp_long(struct bg *g);
const char *bg_tmp_str(struct bg *g);
int bg_where(struct bg *g, const struct srcloc *loc);
void bg_unsupported(struct bg *g, const struct srcloc *loc, const char *what);
int bg_global_index(struct bg *g, const struct symbol *sym);
const char *bg_sym(struct bg *g, const struct symbol *sym);
void bg_print_call(struct bg *g, struct ast_node *n, enum builtin bi);
const char *bg_sprint(struct bg *g, struct ast_node *n, enum builtin bi);
char *bg_meta_str(const char *str);
void bg_scpy(struct bg *g, const char *dst, const char *src);
/* bpf/trace.c */
void bpf_trace_prologue(struct bg *g, const struct derived_probe *dp);
const char *bpf_trace_target(const struct derived_probe *dp);
bool bpf_trace_is_raw(const struct derived_probe *dp);
/* "TYPE CONFIG PERIOD FREQ" of a perf probe */
const char *bpf_perf_attach(struct session *s, const struct derived_probe *dp);
/* the id memorized for text (kind: a letter), or -1; bg_memo_add() memorizes one */
int bg_memo_find(struct bg *g, char kind, const char *text);
void bg_memo_add(struct bg *g, char kind, const char *text, int id);
void bg_memo_free(struct bg *g);
/* bpf/syscall.c: the syscall tapset's helpers (__sys_arg, errno_str, ...) */
const char *bpf_sys_builtin(struct bg *g, struct ast_node *n, bool *done);
void bpf_sys_dispatchers(struct bg *g);
void bpf_sys_tables(struct bg *g, struct strbuf *out);
/* bpf/uprobe.c: process probes */
bool bpf_is_uprobe(const struct derived_probe *dp);
bool bpf_uprobe_is_raw(struct session *s, const struct derived_probe *dp);
bool bpf_uprobe_is_sys(struct session *s, const struct derived_probe *dp, bool *ret);
void bpf_uprobe_meta(struct bg *g, const struct derived_probe *dp);
void bpf_uprobe_prologue(struct bg *g);
const char *bpf_uprobe_builtin(struct bg *g, struct ast_node *n, bool *done);
/* bpf/gen.c */
void bg_stmt(struct bg *g, struct ast_node *n);
/* buckets of statistic sym's values: 1 without a histogram */
int bg_stat_buckets(const struct symbol *sym);
/* -D NAME=VALUE's value (the last one), -D NAME's 1, else dflt */
int64_t bg_define_of(struct session *s, const char *name, int64_t dflt);

#endif
