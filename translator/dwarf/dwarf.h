/* The target kernel's DWARF, through elfutils libdw: finding the debug vmlinux and
 * checking its build id (debuginfo.c), a per-build-id index of every function and
 * inlined instance cached on disk (index.c), queries by pattern (query.c), variables,
 * types and location expressions turned into C (types.c, scope.c, location.c,
 * access.c, pretty.c; their shared declarations are in internal.h).
 *
 * Contracts: dw_kernel() opens the debuginfo once per session (s->kern.dw) and reports
 * a missing or mismatched file through diag_*; addresses are link-time addresses of the
 * debug vmlinux, relocated by the runtime at module init (runtime/linux/stp_kprobes.h). */
#ifndef STAP_DWARF_H
#define STAP_DWARF_H

#include <stdint.h>

#include "dwarf/locprog.h"
#include "session.h"
#include "util.h"

/* One function or inlined instance of the index (a fixed-size record of the cache). */
struct dw_func {
	uint32_t name;			/* offset into dw_object.strings */
	uint32_t file;			/* decl file, relative to the source tree */
	uint32_t line;			/* decl line */
	uint32_t cu;			/* index into dw_object.cus */
	uint64_t die;			/* DIE offset of this instance */
	uint64_t addr;			/* entry address (link time) */
	uint64_t high;			/* end of the entry range, 0 if unknown */
	uint32_t flags;			/* DWF_* */
	uint32_t pad;
};

enum {
	DWF_INLINE = 1,			/* a DW_TAG_inlined_subroutine instance */
	DWF_EXTERNAL = 2,		/* DW_AT_external: not static */
	DWF_DECL_INLINE = 4,		/* declared inline */
};

/* A named type defined at a CU's top level (index.c; for @cast). */
struct dw_type {
	uint32_t name;			/* offset into dw_object.strings */
	uint32_t tag;			/* DW_TAG_structure_type, _union_, _enumeration_, typedef */
	uint64_t die;
};

struct dw_cu {
	uint32_t name;			/* e.g. "fs/read_write.c" */
	uint32_t pad;
	uint64_t die;			/* the CU DIE's offset */
};

/* A tracepoint of vmlinux (tracepoint.c). */
struct dw_tracepoint {
	const char *system;		/* TRACE_SYSTEM, e.g. "sched" */
	const char *name;		/* e.g. "sched_switch" */
	const struct dw_func *fn;	/* __traceiter_NAME: its parameters after
					 * __data are the tracepoint's arguments */
};

struct dw_sym {
	const char *name;
	uint64_t addr, size;
	int shndx;
};

/* One concrete probe address of a derived probe (kernel.function matches several). */
struct dw_probe_site {
	struct derived_probe *dp;
	const struct dw_func *fn;	/* NULL for kprobe.function */
	uint64_t addr;			/* link time; 0 with symbol */
	const char *symbol;		/* kprobe.function("NAME"); "MOD:SYM" in a module */
	uint64_t offset;		/* from symbol */
	struct dw_object *obj;		/* whose DWARF fn comes from; NULL: the kernel's */
	const char *module;		/* module("NAME"): registered when NAME is loaded */
	const struct dw_tracepoint *tp;	/* kernel.trace(): fn is tp->fn, addr 0 */
	const char *tp_sig;		/* its callback's argument types, "u32,void *" */
	const char *pp;			/* pp() of this site */
	const char *list_pp;		/* stap -l's form where it differs (a callee: its
					 * caller's point with .callee("...")), or NULL */
	bool is_return;
	/* a .return on a function whose parameters are stored by its prologue (a -O0
	 * user function): the address past it, where its entry part runs and its
	 * entry values are read; 0: at the entry */
	uint64_t entry_addr;
	int id;				/* dispatch number for target variables */
	/* .return whose handler reads values of the function's entry (@entry(e), $param):
	 * what the kretprobe's entry handler runs to save them */
	struct dw_entry_part *entry;
	/* .callee/.callees: the return addresses (link time, innermost first) the hit's
	 * stack must hold above the probed frame (dw_callee.rets) */
	const uint64_t *rets;
	int n_rets;
	struct dw_probe_site *next;
};

/* One value a .return probe reads from its function's entry (@entry(e), $param):
 * the entry part saves it in slot `slot` of the kretprobe instance's data. */
struct dw_entry_value {
	int slot;
	/* the saving call __entry_save_N(e) in the entry part's body; its argument's
	 * type (a long or a string, known once pass 2 inferred types) sizes the slot */
	const struct ast_node *save;
	struct dw_entry_value *next;
};

/* The entry part of the .return probes sharing one body (elaborate/target.c): a derived
 * probe run at the function's entry, and the values it saves, in slot order. The
 * kprobe emission (tapsets/kprobe.c) sizes the instance data from `values`. */
struct dw_entry_part {
	struct derived_probe *probe;
	struct dw_entry_value *values, **values_tail;
	int n_values;
	struct dw_entry_part *next;	/* on dw_state.entry_parts */
};

enum dw_object_kind {
	DW_OBJ_KERNEL,			/* vmlinux */
	DW_OBJ_MODULE,			/* a kernel module (.ko, ET_REL) */
	DW_OBJ_EXEC,			/* a user-space executable (process probes) */
	DW_OBJ_SHLIB,			/* a shared library (not probed yet) */
};

/* One ELF object with DWARF: its file, build id, function index and symbols. The
 * kernel's addresses are link-time addresses of the debug vmlinux, relocated at run
 * time by the KASLR offset; a module is opened through libdwfl, which relocates the
 * ET_REL .ko's debug sections, and its addresses are those of libdwfl's offline layout,
 * turned into SYMBOL+OFFSET for the kprobes. Objects know nothing of probes. */
struct dw_object {
	enum dw_object_kind kind;
	const char *name;		/* a module's name ("ext4"); NULL for the kernel */
	const char *path;		/* the file holding the DWARF */
	unsigned char build_id[64];
	size_t build_id_len;
	int fd;
	struct Elf *elf;
	struct Dwarf *dw;		/* NULL: not opened, or failed */
	int dbg_fd;			/* a user object's separate debug file, */
	struct Elf *dbg_elf;		/* which dw reads; -1 and NULL if none */
	struct Dwfl *dwfl;		/* ET_REL objects: libdwfl owns elf and dw */
	struct Dwfl_Module *dwfl_mod;
	/* the index, one buffer read from the cache */
	char *idx;
	size_t idx_len;
	const char *strings;
	const struct dw_func *funcs;
	size_t n_funcs;
	const struct dw_cu *cus;
	size_t n_cus;
	const struct dw_type *types;	/* in index order; see dw_find_type() */
	size_t n_types;
	/* ELF symbols, sorted by address; loaded on first use */
	struct dw_sym *syms;
	size_t n_syms;
	const struct dw_sym **syms_by_name;	/* sorted by name, on first lookup */
	const uint32_t *funcs_by_die;	/* indexes of funcs by DIE offset (callee.c) */
	const uint32_t *funcs_by_name;	/* and by name */
	unsigned char *cu_locs;		/* per CU, for dw_after_prologue(): 0 not
					 * looked at, 1 has location lists, 2 none */
	/* dw_tracepoints(): sorted by system, then name */
	bool tps_ready;
	struct dw_tracepoint *tps;
	size_t n_tps;
	uint64_t ref_addr;		/* relocation base: link-time address of the anchor */
	/* dw_unsafe(): section ranges and the kernel's kprobe blacklist, sorted */
	bool unsafe_ready;
	uint64_t unsafe_lo[8], unsafe_hi[8];
	uint64_t *blacklist;
	size_t n_blacklist;
	struct dw_object *next;		/* on dw_state.modules */
};

/* The session's DWARF state (s->kern.dw): the objects opened so far and the probe
 * sites of the DWARF-based families (dwarf.c, kprobe.c, tracepoint.c in tapsets/),
 * numbered in creation order for the target-variable dispatch. */
struct dw_state {
	struct dw_object kernel;	/* kernel.dw NULL until dw_kernel() succeeds */
	bool kernel_tried;		/* dw_kernel() ran: kernel.dw is set, or it failed */
	struct dw_object *modules;	/* newest first */
	struct dw_object *users;	/* user-space objects (tapsets/uprobe.c), newest first */
	struct dw_probe_site *sites, **sites_tail;
	int n_sites;
	int n_tvars;			/* synthesized __tvar_N functions */
	struct dw_entry_part *entry_parts;
};

/* The relocation anchor: an exported kernel function the module can take the address
 * of; runtime offset = &anchor - its link-time address (KASLR moves the whole image). */
#define DW_RELOC_ANCHOR "schedule"

/* at most this many entry values per .return probe */
#define DW_MAX_ENTRY 64

/* debuginfo.c: the session's DWARF state, created on first use without opening anything */
struct dw_state *dw_state(struct session *s);
/* site->obj, or the kernel for a site without one */
struct dw_object *dw_site_object(struct session *s, const struct dw_probe_site *site);
struct dw_probe_site *dw_add_site(struct session *s, struct derived_probe *dp);
/* debuginfo.c: open the target kernel's debuginfo (once); NULL after reporting. */
struct dw_object *dw_kernel(struct session *s, const struct srcloc *loc);
/* debuginfo.c: set o up for an object of that kind at path, unopened; then open its ELF,
 * DWARF and build id (0, or -1 after reporting at loc). */
void dw_object_init(struct dw_object *o, enum dw_object_kind kind, const char *name,
		    const char *path);
int dw_object_open(struct session *s, struct dw_object *o, const struct srcloc *loc);
/* "0a1b..." for the build id */
const char *dw_build_id_hex(struct session *s, const struct dw_object *k);

/* debuginfo.c: the GNU build id of an ELF (0 if none) */
size_t dw_elf_build_id(struct Elf *elf, unsigned char *out, size_t cap);
size_t dw_file_build_id(const char *path, unsigned char *out, size_t cap);
size_t dw_notes_build_id(const char *buf, size_t len, unsigned char *out, size_t cap);

/* module.c: the DWARF of module NAME (or of the .ko at an absolute path), opened once
 * per name: from SYSTEMTAP_DEBUGINFO_PATH (DIR/NAME.ko, DIR/NAME.ko.debug), or Debian's
 * /usr/lib/debug/lib/modules/<release>/ by the path in modules.dep; its build id must
 * be that of the module that would be loaded. NULL after reporting. */
struct dw_object *dw_module(struct session *s, const char *name, const struct srcloc *loc);
/* access.c: the object whose DWARF @cast(p, "type", "module") reads type from: module
 * is NULL, "kernel", a header form ("kernel<linux/sched.h>", "<linux/fs.h>"), a module
 * name, or a ':'-separated list of them (the first that has the type; else the first).
 * NULL after reporting. */
struct dw_object *dw_cast_object(struct session *s, const char *module, const char *type,
				 const struct srcloc *loc);
/* does the opened object k define the type ("struct task_struct")? */
bool dw_has_type(struct dw_object *k, const char *type);
/* "ext4" for "ext4", "/x/y/my-mod.ko" -> "my_mod" (the kernel's name for it) */
const char *dw_module_name(struct session *s, const char *spec);
/* the target kernel's installed modules (modules.dep) whose names match the glob
 * pattern ('-' read as '_'), sorted; their count, the names in *names (arena) */
size_t dw_module_glob(struct session *s, const char *pattern, const char ***names);
/* is the module (a name or a path) installed for the target kernel (modules.dep)? */
bool dw_module_installed(struct session *s, const char *spec);
int dw_module_syms_load(struct dw_object *k);
/* module.c: open a module's ELF and DWARF through libdwfl (for dw_object_open()) */
int dw_module_open(struct session *s, struct dw_object *k, const struct srcloc *loc);

/* index.c: load the function index from the cache, or build and store it. */
int dw_index_load(struct session *s, struct dw_object *k);
/* release the debuginfo of s->kern.dw (at exit) */
void dw_close(struct session *s);

/* query.c */
struct dw_match {
	const struct dw_func *fn;
	uint64_t addr;			/* probe address */
	int line;			/* source line of a statement probe, else decl line */
	const char *label;		/* dw_query_labels(): the label's name */
};

/* Functions matching "FUNC[@FILE[:LINE]]" with wildcards; kind is "function",
 * "inline", "call", "exported" filtering. Returns the count; *out is xmalloc'ed. */
enum dw_fn_filter { DW_FN_ANY, DW_FN_CALL, DW_FN_INLINE, DW_FN_EXPORTED, DW_FN_ENTRY };
int dw_query_functions(struct session *s, struct dw_object *k, const char *func_pat,
		       const char *file_pat, enum dw_fn_filter filter,
		       struct dw_match **out);
/* The same, or when nothing matches and there is no FILE, the functions whose ELF
 * symbols matching func_pat alias a function the DWARF names otherwise (glibc's fopen,
 * the DWARF's _IO_new_fopen), one match per function (not for .inline, .exported). */
int dw_query_functions_alias(struct session *s, struct dw_object *k, const char *func_pat,
			     const char *file_pat, enum dw_fn_filter filter,
			     struct dw_match **out);
/* the out-of-line function an ELF function symbol of that name enters, or NULL */
const struct dw_func *dw_alias_func(struct dw_object *k, const char *name);
/* .label("PATTERN") probes: the C labels (DW_TAG_label with an address) matching
 * label_pat in the functions matching FUNC[@FILE], at their addresses, with their
 * declaration lines and names (arena strings). Returns the count; *out is xmalloc'ed. */
int dw_query_labels(struct session *s, struct dw_object *k, const char *func_pat,
		    const char *file_pat, const char *label_pat, struct dw_match **out);
/* Statement probes: lines of FILE (or FUNC's file) matching LINE or LINE-LINE ranges. */
int dw_query_statements(struct session *s, struct dw_object *k, const char *func_pat,
			const char *file_pat, int line_lo, int line_hi, bool any_line,
			struct dw_match **out);
/* The same with line_lo/line_hi relative to each function's declaration line when rel
 * ("FUNC@FILE+N"). */
int dw_query_statements_rel(struct session *s, struct dw_object *k, const char *func_pat,
			    const char *file_pat, int line_lo, int line_hi, bool any_line,
			    bool rel, struct dw_match **out);
const char *dw_str(const struct dw_object *k, uint32_t off);
/* Where a .function probe on out-of-line instance fn goes under prologue searching
 * mode (-1 never, 0 auto, 1 always): past the prologue, at the function's second
 * line-table row (the one after its entry's, whatever its line and is_stmt flag, as
 * systemtap 4.8 finds the prologue's end; the entry when it lies outside the function),
 * when always, or
 * when auto and fn's CU has no location list (code compiled without optimization:
 * its parameters' locations hold only once the prologue has stored them); else, and
 * for an inline instance or a function with no such row, its entry. */
uint64_t dw_after_prologue(struct dw_object *k, const struct dw_func *fn, int mode);
/* is CU cu_index of k assembler source (a .S file, whose functions have no prologue)? */
bool dw_cu_is_asm(struct dw_object *k, uint32_t cu_index);

/* callee.c: .callee("PAT") / .callees(N) */
#define DW_MAX_CALLEE_DEPTH 16
struct dw_callee {
	const struct dw_func *caller;	/* the function making the call (depth 1: the
					 * probed one; deeper: a callee of it) */
	const struct dw_func *fn;	/* the callee: a function, or an inlined instance */
	int depth;			/* 1: called by the probed function itself */
	bool tail;			/* the last call of the path is a tail call (a
					 * jump): the probe will not fire for it */
	/* the return addresses (link time) of the out-of-line calls from the probed
	 * function down to fn, innermost first: at a hit in fn, the stack's frames
	 * above it must hold these for the call to be one of this path */
	uint64_t rets[DW_MAX_CALLEE_DEPTH];
	int n_rets;
};
/* The callees of function instance caller whose names match pat, down to max_depth
 * levels of calls (at most DW_MAX_CALLEE_DEPTH), in DWARF order, one per path. Returns
 * the count, *out xmalloc'ed; or -1 when there are DW_MAX_CALLEES paths or more (a deep
 * .callees(N) of a big call graph), *out NULL. */
#define DW_MAX_CALLEES 100000
/* The offset from the stack pointer of the return address at addr of an x86-64 ELF, by
 * its .eh_frame (CFA = %rsp + N, the return address at CFA + M), or -1: lets a callee's
 * entry check its caller without unwinding. */
int dw_ra_offset(struct Elf *elf, uint64_t addr);
int dw_query_callees(struct session *s, struct dw_object *k, const struct dw_func *caller,
		     const char *pat, int max_depth, struct dw_callee **out);
/* ELF symbols: find by name; the symbol containing addr */
int dw_syms_load(struct dw_object *k);
const struct dw_sym *dw_sym_by_name(struct dw_object *k, const char *name);
const struct dw_sym *dw_sym_at(struct dw_object *k, uint64_t addr);
/* NULL, or why a probe at this address or function must be refused */
const char *dw_unsafe(struct dw_object *k, const char *func, uint64_t addr);
/* dw_unsafe()'s checks by name alone (no debuginfo needed): the reason, or NULL */
const char *dw_unsafe_name(const char *func);
bool dw_glob_match(const char *pat, const char *str);
bool dw_file_match(const char *pat, const char *file);

/* tracepoint.c: fill k->tps (once); 0 or -1 */
int dw_tracepoints(struct session *s, struct dw_object *k);

/* syscalls.c: one system call of the target kernel */
#define DW_SYSCALL_MAX_ARGS 6
struct dw_syscall {
	const char *name;		/* "openat", from __NR_openat */
	int nr;
	const char *func;		/* the function it runs, "__x64_sys_openat" */
	int n_args;
	const char *arg_names[DW_SYSCALL_MAX_ARGS];	/* "dfd" */
	const char *arg_types[DW_SYSCALL_MAX_ARGS];	/* "const char *" */
	char arg_kind[DW_SYSCALL_MAX_ARGS];	/* 's' user string, 'p' pointer, 'd' signed,
						 * 'u' unsigned */
	int arg_size[DW_SYSCALL_MAX_ARGS];	/* bytes of an integer */
};

/* syscalls.c: the calls of unistd (the target's generated unistd_64.h) that the kernel k
 * implements, by number, in *out (xmalloc'ed); 0, or -1 if unistd cannot be read. */
int dw_syscalls(struct session *s, struct dw_object *k, const char *unistd,
		struct dw_syscall **out, size_t *n);

/* listing.c: the family hook for stap -l (vars false) / -L: dp's sites */
struct strlist;
void dw_list_sites(struct session *s, const struct derived_probe *dp, bool vars,
		   struct strlist *lines);

/* scope.c: variables at a probe address */
/* -L: " $name:type" for the parameters (and locals for statements) at a site;
 * $return first for a .return; a tracepoint's arguments. */
void dw_list_vars(struct session *s, struct dw_object *k, const struct dw_probe_site *site,
		  struct strbuf *out);

/* access.c: translate a target expression at one site into a location program
 * (dwarf/locprog.h; translate/locprog.c turns it into C). 0, or -1 with *err set.
 * @cast reads its address from its first argument; @var("x@file") and @cast need no
 * site (fn NULL, no_regs). Index expressions [e] are the script arguments 0, 1... */
struct dw_site {
	const struct dw_func *fn;
	uint64_t addr;
	bool is_return;
	bool in_entry;			/* evaluating at the entry of a .return probe */
	bool is_tracepoint;		/* fn's parameters after __data are the
					 * tracepoint's arguments, in _STP_TPARG(i) */
	bool no_regs;			/* @cast/@var outside of a probe site */
	const struct dw_object *obj;	/* the object probed at this site, or NULL */
};

/* tracepoint.c: the C types a tracepoint's callback takes for its arguments (after
 * __data): "u32", "s64", "void *"...; sets *n. NULL, with *err set, if an argument is
 * not a scalar. */
const char **dw_tracepoint_ctypes(struct session *s, struct dw_object *k,
				  const struct dw_tracepoint *tp, int *n, const char **err);
/* types.c: the C name of the type at the DIE offset die of k ("struct file"),
 * appended to sb */
void dw_die_type_name(struct dw_object *k, uint64_t die, struct strbuf *sb);
int dw_target_code(struct session *s, struct dw_object *k, const struct dw_site *site,
		   const struct ast_node *target, struct lp_prog *prog, enum ast_type *type,
		   const char **err);

#endif
