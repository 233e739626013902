/* begin, end, error and never probes: run by the runtime at session start and end (in
 * priority order, then script order), or never. */
#include <string.h>

#include "tapsets/family.h"

static int match_named(struct session *s, const struct probe_point *pp,
		       struct derived_probe *dp, const char *name)
{
	const struct pp_comp *c = pp->comps;

	if (c->next || strcmp(c->name, name))
		return 0;
	if (family_int_arg(s, c, &dp->priority))
		return -1;
	return 1;
}

static int begin_match(struct session *s, const struct probe_point *pp,
		       struct derived_probe *dp)
{
	return match_named(s, pp, dp, "begin");
}

static int end_match(struct session *s, const struct probe_point *pp,
		     struct derived_probe *dp)
{
	return match_named(s, pp, dp, "end");
}

static int error_match(struct session *s, const struct probe_point *pp,
		       struct derived_probe *dp)
{
	return match_named(s, pp, dp, "error");
}

static int never_match(struct session *s, const struct probe_point *pp,
		       struct derived_probe *dp)
{
	const struct pp_comp *c = pp->comps;

	(void)s;
	(void)dp;
	return !c->next && !c->has_arg && !strcmp(c->name, "never");
}

const struct probe_family begin_family = {
	.name = "begin", .kind = FAMILY_BEGIN, .match = begin_match,
};
const struct probe_family end_family = {
	.name = "end", .kind = FAMILY_END, .match = end_match,
};
const struct probe_family error_family = {
	.name = "error", .kind = FAMILY_ERROR, .match = error_match,
};
/* never probes are elaborated and type-checked, then not emitted at all */
const struct probe_family never_family = {
	.name = "never", .kind = FAMILY_EVENT, .match = never_match,
};
