/* The shared probe point matcher: a point against a family's table of shapes
 * (tapsets/family.h). Names are literal here; wildcards in a point's names only
 * match probe aliases (elaborate/probes.c). */
#include <string.h>

#include "tapsets/family.h"

static bool arg_fits(const struct pp_spec *sp, const struct pp_comp *c)
{
	switch (sp->arg) {
	case PP_ARG_NONE:
		return !c->has_arg;
	case PP_ARG_NUMBER:
	case PP_ARG_STRING:
		return c->has_arg;
	case PP_ARG_OPT_NUMBER:
	case PP_ARG_OPT_STRING:
		return true;
	}
	return false;
}

/* Do the components from c fit the specs from i on? An optional spec is first
 * tried against c, then left out. */
static bool fits(const struct pp_shape *sh, int i, const struct pp_comp *c,
		 struct pp_match *m)
{
	const struct pp_spec *sp = &sh->comps[i];

	if (i == PP_MAX_SPECS || !sp->name)
		return c == NULL;
	if (c && !strcmp(sp->name, c->name) && arg_fits(sp, c) && fits(sh, i + 1, c->next, m)) {
		m->comps[i] = c;
		return true;
	}
	if (sp->optional && fits(sh, i + 1, c, m)) {
		m->comps[i] = NULL;
		return true;
	}
	return false;
}

/* the arguments of the matched components are of the kinds the shape names */
static int check_args(struct session *s, const struct probe_point *pp,
		      const struct pp_shape *sh, const struct pp_match *m)
{
	int i;

	for (i = 0; i < PP_MAX_SPECS && sh->comps[i].name; i++) {
		const struct pp_spec *sp = &sh->comps[i];
		const struct pp_comp *c = m->comps[i];
		bool number = sp->arg == PP_ARG_NUMBER || sp->arg == PP_ARG_OPT_NUMBER;

		if (!c || !c->has_arg)
			continue;
		if (c->arg && c->arg->kind == (number ? AST_NUMBER : AST_STRING))
			continue;
		if (sp->bad_arg)
			diag_error(s, &pp->loc, "%s", sp->bad_arg);
		else
			diag_error(s, c->arg ? &c->arg->loc : NULL, "probe point '%s' takes a %s",
				   c->name, number ? "number" : "string");
		return -1;
	}
	return 0;
}

int family_match(struct session *s, const struct probe_family *fam,
		 const struct probe_point *pp, struct derived_probe *dp)
{
	struct pp_match m;

	if (!fam->shapes)
		return fam->match(s, pp, dp);
	for (m.shape = 0; m.shape < fam->n_shapes; m.shape++) {
		memset(m.comps, 0, sizeof(m.comps));
		if (fits(&fam->shapes[m.shape], 0, pp->comps, &m))
			break;
	}
	if (m.shape == fam->n_shapes)
		return 0;
	if (check_args(s, pp, &fam->shapes[m.shape], &m))
		return -1;
	return fam->derive(s, pp, &m, dp);
}

const char *pp_match_name(const struct pp_match *m, int i)
{
	return m->comps[i] ? m->comps[i]->name : NULL;
}

int64_t pp_match_num(const struct pp_match *m, int i, int64_t dflt)
{
	const struct pp_comp *c = m->comps[i];

	return c && c->arg && c->arg->kind == AST_NUMBER ? c->arg->u.num : dflt;
}

const char *pp_match_str(const struct pp_match *m, int i, const char *dflt)
{
	const struct pp_comp *c = m->comps[i];

	return c && c->arg && c->arg->kind == AST_STRING ? c->arg->u.str : dflt;
}
