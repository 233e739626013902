/* What the process family (uprobe.c) offers the rest of pass 2. */
#ifndef STAP_TAPSETS_UPROBE_H
#define STAP_TAPSETS_UPROBE_H

#include "dwarf/dwarf.h"

struct derived_probe;

/* The DWARF of the user program at path (resolved as process("PATH") is), for
 * @cast(p, "type", "PATH"); NULL after reporting at loc. */
struct dw_object *up_dwarf_object(struct session *s, const char *path,
				  const struct srcloc *loc);

/* The first of the shared libraries the user object prog loads (DT_NEEDED, transitively,
 * resolved as .library() resolves them) whose DWARF defines type, for @cast(p, "type")
 * in a process probe; NULL if none does. */
struct dw_object *up_library_with_type(struct session *s, const struct dw_object *prog,
					const char *type, const struct srcloc *loc);

/* one argument of an SDT marker, "-4@%edi", "8@-16(%rbp)", "4@$5" */
struct up_sdt_arg {
	int size;		/* bytes; negative: signed */
	enum { UP_ARG_CONST, UP_ARG_REG, UP_ARG_MEM } kind;
	const char *reg;	/* pt_regs member, or NULL (an absolute address) */
	int64_t n;		/* the constant or displacement */
};

/* one uprobe of a process probe, as the BPF runtime attaches it */
/* the process events of the BPF runtime: process("PATH").begin and .end (the site is
 * the program's entry point), bare process.begin/.end, process.thread.begin/.end,
 * [process("PATH")|process(PID)].syscall[.return], process(PID).begin/.end/.thread.*
 * (path "" if bare or of a PID) */
enum { UP_EV_PATH_BEGIN = 1, UP_EV_PATH_END, UP_EV_BEGIN, UP_EV_END, UP_EV_TBEGIN, UP_EV_TEND,
       UP_EV_SYSCALL, UP_EV_SYSRET };

struct up_bpf_site {
	const char *path, *func, *pp;	/* func: a .plt's imported function */
	const char *exe;		/* process("X").library(...): X, whose processes
					 * alone the probe fires in; else NULL */
	uint64_t offset, sema;		/* in the file; sema 0: none */
	uint64_t entry_offset;		/* a .return's entry part, if not at offset; else 0 */
	int id;				/* the site's dispatch number (the attach cookie) */
	bool is_return;
	int event;			/* UP_EV_*: 0 for a function, statement or marker */
	int64_t pid;			/* process(PID).syscall and events: PID, else 0 */
	const char *provider, *name;	/* a marker's, else NULL */
	int n_args;
	const struct up_sdt_arg *args;
};

/* The uprobes of dp, a process probe, in *out: their number, or -1 with *why set when
 * the BPF runtime cannot attach dp (.callee probes). */
int up_bpf_sites(struct session *s, const struct derived_probe *dp, struct up_bpf_site **out,
		 const char **why);

/* The resolved executable or library of a process("PATH") probe, NULL for a
 * process-wide one (process.begin, process(PID)...); for the user symbol tables. */
const char *up_probe_path(const struct derived_probe *dp);

/* -c CMD's program when CMD names it without a path and the process probes were built
 * for the file that name finds in $PATH here (process.* without a path, process("ls"),
 * process.library(...) of it): that file's real path, else NULL. A guest has programs
 * of its own by those names, and must run this one instead. */
const char *up_target_program(struct session *s);

/* NAME as process("NAME") resolves it: with a '/', that file, else the first executable
 * of $PATH; its real path, or NULL */
const char *up_resolve_program(struct session *s, const char *name);

#endif
