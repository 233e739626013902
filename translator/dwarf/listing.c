/* stap -l / -L for the DWARF families (kernel.function, kprobe, kernel.trace): a
 * derived probe's sites, each with -L the target variables available there with their
 * types. The family layer (tapsets/registry.c) sorts and prints the lines. */
#include "dwarf/dwarf.h"
#include "elaborate/elaborate.h"
#include "util.h"

void dw_list_sites(struct session *s, const struct derived_probe *dp, bool vars,
		   struct strlist *lines)
{
	struct dw_state *k = s->kern.dw;
	const struct dw_probe_site *site;
	bool any = false;

	for (site = k ? k->sites : NULL; site; site = site->next) {
		struct strbuf sb = { 0 };

		if (site->dp != dp)
			continue;
		sb_puts(&sb, site->list_pp ? site->list_pp : site->pp);
		if (vars && site->fn && dw_site_object(s, site)->dw)
			dw_list_vars(s, dw_site_object(s, site), site, &sb);
		strlist_add(lines, arena_strdup(&s->arena, sb.buf));
		sb_free(&sb);
		any = true;
	}
	if (!any)
		strlist_add(lines, dp->pp_str);
}
