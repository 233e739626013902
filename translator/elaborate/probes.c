/* Pass 2, step 1: turn each probe point of the user's probes into derived probes, asking
 * the probe families in registry order. */
#include <stdlib.h>
#include <string.h>

#include "elaborate/elaborate.h"
#include "tapsets/family.h"
#include "util.h"

const char *elab_pp_str(struct session *s, const struct probe_point *pp)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	const char *out;

	if (!f)
		return "?";
	ast_dump_point(f, pp);
	fclose(f);
	out = arena_strdup(&s->arena, buf ? buf : "");
	free(buf);
	return out;
}

static int derive_point(struct session *s, struct probe *pr, struct probe_point *pp,
			struct derived_probe ***tail)
{
	size_t i;

	for (i = 0; i < n_families; i++) {
		struct derived_probe *dp = arena_alloc(&s->arena, sizeof(*dp));
		int rc = family_registry[i]->match(s, pp, dp);

		if (rc < 0)
			return -1;
		if (rc == 0)
			continue;
		dp->family = family_registry[i];
		dp->probe = pr;
		dp->pp = pp;
		dp->pp_str = elab_pp_str(s, pp);
		dp->body = pr->body;
		dp->cond = pp->cond;
		dp->id = s->prog.n_probes++;
		**tail = dp;
		*tail = &dp->next;
		return 1;
	}
	if (pp->optional)
		return 0;
	diag_error(s, &pp->loc, "while resolving probe point");
	fputs("semantic error: no match\n\n", stderr);
	return -1;
}

int elab_probes(struct session *s)
{
	struct derived_probe **tail = &s->prog.probes;
	struct stapfile *f;
	int errors = 0;

	for (f = s->prog.files; f; f = f->next) {
		struct probe *pr;

		if (f->is_tapset)
			continue;
		for (pr = f->probes; pr; pr = pr->next) {
			struct probe_point *pp;

			if (pr->is_alias)
				continue;
			for (pp = pr->points; pp; pp = pp->next)
				if (derive_point(s, pr, pp, &tail) < 0)
					errors++;
		}
	}
	if (!errors && !s->prog.n_probes) {
		diag_plain(s, "semantic error", "no probes found");
		return -1;
	}
	return errors ? -1 : 0;
}
