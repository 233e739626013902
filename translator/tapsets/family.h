/* Probe families: one vtable per kind of probe point, one file per family.
 *
 * Contract: match() is asked about every concrete probe point in turn; it returns 1 and
 * fills the derived probe (priority, args) if the point is its own, 0 if not, -1 after
 * reporting an error. emit_decls() writes file-scope C for all the family's probes;
 * emit_init() writes the body of a C block that registers them and on failure undoes its
 * own work and sets rc to -errno; emit_exit() writes their unregistration, which runs
 * exactly once if init succeeded and never if it failed. Families with nothing to
 * register (begin, end) leave the emit hooks NULL. */
#ifndef STAP_FAMILY_H
#define STAP_FAMILY_H

#include "elaborate/elaborate.h"

struct emitter;

enum family_kind {
	FAMILY_BEGIN,		/* run by the runtime at start, in priority order */
	FAMILY_END,
	FAMILY_ERROR,
	FAMILY_EVENT,		/* registered with the kernel by emit_init */
};

struct probe_family {
	const char *name;
	enum family_kind kind;
	int (*match)(struct session *s, const struct probe_point *pp,
		     struct derived_probe *dp);
	void (*emit_decls)(struct session *s, struct emitter *e,
			   struct derived_probe *const *probes, int n);
	void (*emit_init)(struct session *s, struct emitter *e,
			  struct derived_probe *const *probes, int n);
	void (*emit_exit)(struct session *s, struct emitter *e,
			  struct derived_probe *const *probes, int n);
};

/* tapsets/registry.c: the families, in the order they are asked. */
extern const struct probe_family *const family_registry[];
extern const size_t n_families;

/* helpers for families */
int family_int_arg(struct session *s, const struct pp_comp *c, int64_t *out);
/* is dp one of the n probes handed to an emit hook? */
bool family_has_probe(const struct derived_probe *dp, struct derived_probe *const *probes,
		      int n);

#endif
