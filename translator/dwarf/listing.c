/* stap -l / -L: the concrete probe points a probe point expands to, sorted and
 * unique, and with -L the target variables available there with their types. */
#include <stdlib.h>
#include <string.h>

#include "dwarf/dwarf.h"
#include "elaborate/elaborate.h"
#include "util.h"

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool has_site(struct dw_state *k, const struct derived_probe *dp)
{
	const struct dw_probe_site *site;

	for (site = k ? k->sites : NULL; site; site = site->next)
		if (site->dp == dp)
			return true;
	return false;
}

void dw_list_probes(struct session *s, bool vars)
{
	struct dw_state *k = s->kern.dw;
	struct strlist lines = { 0 };
	const struct dw_probe_site *site;
	const struct derived_probe *dp;
	size_t i;

	for (site = k ? k->sites : NULL; site; site = site->next) {
		struct strbuf sb = { 0 };

		sb_puts(&sb, site->pp);
		if (vars && site->fn && dw_site_object(s, site)->dw)
			dw_list_vars(s, dw_site_object(s, site), site, &sb);
		strlist_add(&lines, arena_strdup(&s->arena, sb.buf));
		sb_free(&sb);
	}
	for (dp = s->prog.probes; dp; dp = dp->next)
		if (!has_site(k, dp))
			strlist_add(&lines, dp->pp_str);
	if (lines.n)
		qsort(lines.v, lines.n, sizeof(*lines.v), cmp_str);
	for (i = 0; i < lines.n; i++)
		if (!i || strcmp(lines.v[i], lines.v[i - 1]))
			puts(lines.v[i]);
	strlist_free(&lines);
}
