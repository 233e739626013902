/* Shared by the kprobe-based families (kprobe.c, dwarf.c): their sites become one
 * table of struct _stp_kprobe per family (runtime/linux/stp_kprobes.h). */
#ifndef STAP_TAPSETS_KPROBE_H
#define STAP_TAPSETS_KPROBE_H

#include "tapsets/family.h"

/* Table, registration and unregistration of the sites of `probes`, named by `tag`;
 * with_build_id: check the running kernel against the debuginfo and relocate. */
void kprobe_emit_decls(struct session *s, struct emitter *e, const char *tag,
		       struct derived_probe *const *probes, int n, bool with_build_id);
void kprobe_emit_init(struct session *s, struct emitter *e, const char *tag);
void kprobe_emit_exit(struct session *s, struct emitter *e, const char *tag);

#endif
