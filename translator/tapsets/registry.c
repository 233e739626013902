/* The probe families, in the order they are asked about a probe point. */
#include "tapsets/family.h"

extern const struct probe_family begin_family, end_family, error_family, never_family;
extern const struct probe_family dwarf_family, kprobe_family;
extern const struct probe_family timer_family, procfs_family;
extern const struct probe_family tracepoint_family;

const struct probe_family *const family_registry[] = {
	&begin_family,
	&end_family,
	&error_family,
	&never_family,
	&dwarf_family,
	&kprobe_family,
	&tracepoint_family,
	&timer_family,
	&procfs_family,
};

const size_t n_families = sizeof(family_registry) / sizeof(family_registry[0]);

bool family_has_probe(const struct derived_probe *dp, struct derived_probe *const *probes,
		      int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (probes[i] == dp)
			return true;
	return false;
}
