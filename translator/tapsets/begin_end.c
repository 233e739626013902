/* begin, end, error and never probes: run by the runtime at session start and end (in
 * priority order, then script order), or never. */
#include "tapsets/family.h"

/* begin, begin(N), ...: N is the priority */
static int named_derive(struct session *s, const struct probe_point *pp,
			const struct pp_match *m, struct derived_probe *dp)
{
	(void)s;
	(void)pp;
	dp->priority = pp_match_num(m, 0, 0);
	return 1;
}

static const struct pp_shape begin_shapes[] = { { { PP_ARG("begin", PP_ARG_OPT_NUMBER) } } };
static const struct pp_shape end_shapes[] = { { { PP_ARG("end", PP_ARG_OPT_NUMBER) } } };
static const struct pp_shape error_shapes[] = { { { PP_ARG("error", PP_ARG_OPT_NUMBER) } } };
static const struct pp_shape never_shapes[] = { { { PP_NAME("never") } } };

const struct probe_family begin_family = {
	.name = "begin", .kind = FAMILY_BEGIN, .shapes = begin_shapes, .n_shapes = 1,
	.derive = named_derive,
};
const struct probe_family end_family = {
	.name = "end", .kind = FAMILY_END, .shapes = end_shapes, .n_shapes = 1,
	.derive = named_derive,
};
const struct probe_family error_family = {
	.name = "error", .kind = FAMILY_ERROR, .shapes = error_shapes, .n_shapes = 1,
	.derive = named_derive,
};
/* never probes are elaborated and type-checked, then not emitted at all */
const struct probe_family never_family = {
	.name = "never", .kind = FAMILY_EVENT, .not_emitted = true,
	.shapes = never_shapes, .n_shapes = 1, .derive = named_derive,
};
