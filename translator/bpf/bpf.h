/* The BPF runtime (--runtime=bpf): pass 3 writes restricted C for clang's BPF target
 * and a description of it for the loader (the "meta" text, kept in the object's
 * .stapmeta section); pass 4 compiles it with clang and caches the object; pass 5
 * runs staprun/bpf/stapbpf on it. The contract with stapbpf is staprun/bpf/meta.h. */
#ifndef STAP_BPF_H
#define STAP_BPF_H

#include "session.h"

/* MAXSTRINGLEN for BPF programs unless -D MAXSTRINGLEN=N (a multiple of 8, 16..1024).
 * Smaller than the module runtime's 512: with 512, clang's copies of string values
 * take BPF stack, and a few nested calls pass the verifier's 512-byte stack limit */
#define BPF_DEFAULT_MAXSTRINGLEN 128

/* end of pass 2: report what the BPF runtime cannot run (the generator, writing
 * nothing); 0 or -1 */
int bpf_check(struct session *s);
/* trace.c: @defined of target variable n in dp: 1 or 0 when dp is a kernel.trace
 * probe of the BPF runtime (its BTF or format file, nothing reported), else -1 */
int bpf_trace_defined(struct session *s, const struct derived_probe *dp,
		      const struct ast_node *n);
/* trace.c: why --runtime=bpf cannot attach pp, or NULL */
const char *bpf_refusal(const struct session *s, const struct probe_point *pp);
int bpf_pass3(struct session *s);
/* the environment's STAP_BPF_CLANG asks for the C path (clang) for every script */
bool bpf_force_clang(void);
/* bpf/insn.c: the script as an instruction object for stapbpf, written without
 * clang: 0 and *text (malloc'd), or -1 when the script is outside the emitter's
 * subset, *why saying what (at *loc, which may be NULL) */
int bpf_insn_generate(struct session *s, char **text, const char **why,
		      const struct srcloc **loc);
int bpf_pass4(struct session *s);
int bpf_pass5(struct session *s);
/* the tracefs directory (mounted if need be), or NULL */
const char *bpf_tracefs(void);
/* the timer family's period of a timer probe in ns (profile: per_cpu, one tick) */
int64_t timer_period_ns(const struct derived_probe *dp, bool *per_cpu);

/* bpf/syscall.c: the byte offset of member in struct type of the running kernel's
 * BTF, or -1 */
int bpf_btf_member_offset(struct session *s, const char *type, const char *member);
/* bpf/syscall.c: the running kernel's system calls (tracefs, BTF, the uapi numbers);
 * 0 or -1 */
struct dw_syscall;
int bpf_syscalls(struct session *s, struct dw_syscall **out, size_t *n);

/* bpf/uprobe.c: a location program as BPF C for a process probe's target variable;
 * what names it in a fault; at: the link-time address of the site it is read at
 * (the load bias of a PIE or shared library is where the hit is less at). 0, or -1
 * with *err set. */
struct lp_prog;
struct strbuf;
int bpf_lp_emit(const struct lp_prog *p, const char *what, uint64_t at, struct strbuf *out,
		const char **err);

#endif
