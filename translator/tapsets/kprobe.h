/* Shared by the kprobe-based families (kprobe.c, dwarf.c): their sites become one
 * table of struct _stp_kprobe per family (runtime/linux/stp_kprobes.h). */
#ifndef STAP_TAPSETS_KPROBE_H
#define STAP_TAPSETS_KPROBE_H

#include "tapsets/family.h"

/* The emit_decls, emit_init and emit_exit hooks of both families: the table,
 * registration and unregistration of their sites, named by the family ("kp", "dw");
 * the DWARF family's also check the running kernel against the debuginfo and
 * relocate. */
void kprobe_emit_decls(struct session *s, struct emitter *e, struct derived_probe *const *probes,
		       int n);
void kprobe_emit_init(struct session *s, struct emitter *e, struct derived_probe *const *probes,
		      int n);
void kprobe_emit_exit(struct session *s, struct emitter *e, struct derived_probe *const *probes,
		      int n);

/* The C expression of the size of the data a .return probe's entry part fills (the
 * header, then 8 bytes or a string per value; runtime/linux/stp_loc.h). */
struct dw_entry_part;
struct dw_object;
struct dw_func;

/* dwarf.c, for the kernel and process families: is x (the component after
 * .function("F")) .callee("PAT")[.call|.return] or .callees[(N)]? 1 with the callee
 * pattern, the depth of calls and whether .return or .call was given; 0 if not; -1
 * after reporting a depth out of range */
int dw_callee_spec(struct session *s, const struct pp_comp *x, const char **pat, int *depth,
		   bool *ret, bool *call);
/* ".callee(\"NAME@FILE:LINE\")SUFFIX" for callee fn of k */
const char *dw_callee_str(struct session *s, struct dw_object *k, const struct dw_func *fn,
			  const char *suffix);
/* warn, as 4.8, that callee c of k is reached by a tail call and may not fire */
struct dw_callee;
void dw_callee_tail_warn(struct session *s, const struct probe_point *pp, struct dw_object *k,
			 const struct dw_callee *c);
/* report that fn has too many callee paths depth calls deep (dw_query_callees() -1) */
void dw_callees_too_many(struct session *s, const struct probe_point *pp, struct dw_object *k,
			 const struct dw_func *fn, int depth);

#endif
