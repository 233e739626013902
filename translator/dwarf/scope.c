/* Variables at a probe address: the scopes around it, a variable by name, the
 * parameters and locals -L lists, and the CU globals of @var. */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <stdlib.h>
#include <string.h>

#include "dwarf/dwarf.h"
#include "dwarf/internal.h"
#include "util.h"

bool dw_is_var(Dwarf_Die *d)
{
	int tag = dwarf_tag(d);

	return tag == DW_TAG_formal_parameter || tag == DW_TAG_variable;
}

/* The lexical blocks of d that hold addr, outermost first, appended to *v. */
static void blocks_at(Dwarf_Die *d, uint64_t addr, Dwarf_Die **v, int *n, int *cap)
{
	Dwarf_Die c;

	if (dwarf_child(d, &c) != 0)
		return;
	do {
		if (dwarf_tag(&c) != DW_TAG_lexical_block || dwarf_haspc(&c, addr) != 1)
			continue;
		if (*n == *cap) {
			*cap = *cap ? 2 * *cap : 8;
			*v = xrealloc(*v, *cap * sizeof(**v));
		}
		(*v)[(*n)++] = c;
		blocks_at(&c, addr, v, n, cap);
		return;
	} while (dwarf_siblingof(&c, &c) == 0);
}

/* The scopes at addr when the scopes of the address do not reach fn: libdw follows
 * the innermost inlined instance (a function inlined at the first instruction of
 * fn's inlined instance) to its abstract origin, away from fn. fn's own blocks
 * at addr, innermost first, fn, then the CU, as dw_scopes_at() gives them. */
static int scopes_of_inline(struct dw_object *k, const struct dw_func *fn, uint64_t addr,
			    Dwarf_Die **out)
{
	Dwarf_Die fd, *outer = NULL, *blocks = NULL, *v;
	int n_outer, n_blocks = 0, cap = 0, i;

	if (!dwarf_offdie(k->dw, fn->die, &fd))
		return -1;
	n_outer = dwarf_getscopes_die(&fd, &outer);	/* fd first, the CU last */
	if (n_outer <= 0)
		return -1;
	blocks_at(&fd, addr, &blocks, &n_blocks, &cap);
	v = xmalloc((n_blocks + 2) * sizeof(*v));
	for (i = 0; i < n_blocks; i++)
		v[i] = blocks[n_blocks - 1 - i];
	v[n_blocks] = fd;
	v[n_blocks + 1] = outer[n_outer - 1];	/* the CU, for globals */
	free(blocks);
	free(outer);
	*out = v;
	return n_blocks + 2;
}

/* The scopes at addr inside fn, innermost first, ending with fn's own DIE; then the CU. */
int dw_scopes_at(struct dw_object *k, const struct dw_func *fn, uint64_t addr,
		 Dwarf_Die **out)
{
	Dwarf_Die cu, *scopes = NULL;
	int n, i;

	if (!dwarf_offdie(k->dw, k->cus[fn->cu].die, &cu))
		return -1;
	n = dwarf_getscopes(&cu, addr, &scopes);
	if (n <= 0)
		return -1;
	/* cut at fn's DIE (an inlined instance sits inside its caller) */
	for (i = 0; i < n; i++)
		if (dwarf_dieoffset(&scopes[i]) == fn->die) {
			scopes[i + 1] = scopes[n - 1];	/* keep the CU for globals */
			n = i + 2;
			*out = scopes;
			return n;
		}
	free(scopes);
	return scopes_of_inline(k, fn, addr, out);
}

bool dw_find_var(struct dw_object *k, const struct dw_func *fn, uint64_t addr,
		 const char *name, Dwarf_Die *var, Dwarf_Die *subprog)
{
	Dwarf_Die *scopes;
	int n, i;
	bool found = false;

	n = dw_scopes_at(k, fn, addr, &scopes);
	if (n < 0)
		return false;
	*subprog = scopes[n > 1 ? n - 2 : 0];
	for (i = 0; i < n && !found; i++) {
		Dwarf_Die c;

		if (dwarf_tag(&scopes[i]) == DW_TAG_subprogram)
			*subprog = scopes[i];
		if (dwarf_child(&scopes[i], &c) != 0)
			continue;
		do {
			const char *nm;

			if (!dw_is_var(&c) || !(nm = dwarf_diename(&c)) || strcmp(nm, name))
				continue;
			*var = c;
			found = true;
			break;
		} while (dwarf_siblingof(&c, &c) == 0);
	}
	/* the subprogram holding an inlined instance gives the frame base */
	for (; i < n; i++)
		if (dwarf_tag(&scopes[i]) == DW_TAG_subprogram) {
			*subprog = scopes[i];
			break;
		}
	free(scopes);
	return found;
}

void dw_var_names(struct dw_object *k, const struct dw_func *fn, uint64_t addr,
		  struct strlist *l)
{
	Dwarf_Die *scopes, c;
	int n, i;

	n = dw_scopes_at(k, fn, addr, &scopes);
	for (i = 0; i < n - 1; i++) {	/* not the CU's globals */
		if (dwarf_child(&scopes[i], &c) != 0)
			continue;
		do {
			const char *nm = dwarf_diename(&c);

			if (dw_is_var(&c) && nm && strcmp(nm, "__data"))
				strlist_add(l, nm);
		} while (dwarf_siblingof(&c, &c) == 0);
	}
	if (n > 0)
		free(scopes);
}

/* The tracepoint callback's first parameter is the registration's data pointer. */
bool dw_is_tp_data(Dwarf_Die *param, bool tracepoint)
{
	const char *nm = dwarf_diename(param);

	return tracepoint && nm && !strcmp(nm, "__data");
}

void dw_list_vars(struct session *s, struct dw_object *k, const struct dw_probe_site *site,
		  struct strbuf *out)
{
	const struct dw_func *fn = site->fn;
	uint64_t addr = site->addr;
	/* at a statement or a label: the variables in scope there, locals too */
	bool locals = !strncmp(site->pp, "kernel.statement", 16) ||
		      strstr(site->pp, ").statement(\"") || strstr(site->pp, ").label(\"");
	bool tp = site->tp != NULL;
	Dwarf_Die die, c, t;
	Dwarf_Die *scopes;
	int n, i;

	(void)s;
	if (!dwarf_offdie(k->dw, fn->die, &die))
		return;
	if (site->is_return && dw_die_type(&die, &t)) {
		sb_puts(out, " $return:");
		dw_type_name(&t, out);
	}
	if (!locals) {
		if (dwarf_child(&die, &c) != 0)
			return;
		do {
			const char *nm = dwarf_diename(&c);

			if (dwarf_tag(&c) != DW_TAG_formal_parameter || !nm || dw_is_tp_data(&c, tp))
				continue;
			sb_printf(out, " $%s:", nm);
			dw_type_name(dw_die_type(&c, &t), out);
		} while (dwarf_siblingof(&c, &c) == 0);
		return;
	}
	n = dw_scopes_at(k, fn, addr, &scopes);
	for (i = n - 2; i >= 0; i--) {
		if (dwarf_child(&scopes[i], &c) != 0)
			continue;
		do {
			const char *nm = dwarf_diename(&c);

			if (!dw_is_var(&c) || !nm)
				continue;
			sb_printf(out, " $%s:", nm);
			dw_type_name(dw_die_type(&c, &t), out);
		} while (dwarf_siblingof(&c, &c) == 0);
	}
	if (n > 0)
		free(scopes);
}

/* A variable with a static location at the top level of a CU. */
bool dw_cu_global(struct dw_object *k, uint64_t cu_off, const char *name, Dwarf_Die *var)
{
	Dwarf_Die cu;

	if (!dwarf_offdie(k->dw, cu_off, &cu) || dwarf_child(&cu, var) != 0)
		return false;
	do {
		const char *nm = dwarf_diename(var);

		if (dwarf_tag(var) == DW_TAG_variable && nm && !strcmp(nm, name) &&
		    dwarf_hasattr(var, DW_AT_location))
			return true;
	} while (dwarf_siblingof(var, var) == 0);
	return false;
}
