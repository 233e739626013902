/* $x$, $x$$ and $$vars / $$parms / $$locals: values printed the way systemtap
 * prints them, into STAP_RETVALUE. */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <stdlib.h>
#include <string.h>

#include "dwarf/dwarf.h"
#include "dwarf/internal.h"
#include "util.h"

/* $x$ / $$: a value as systemtap prints it; depth limits nested structs. */
void dw_pretty(struct dw_gen *g, Dwarf_Die *t, enum loc_kind kind, int depth, bool top)
{
	Dwarf_Die st, c;
	int tag;

	if (!dw_strip_type(t, &st)) {
		sb_puts(g->c, "\t_stp_rv_cat(STAP_RETVALUE, \"?\");\n");
		return;
	}
	tag = dwarf_tag(&st);
	if (tag == DW_TAG_structure_type || tag == DW_TAG_union_type) {
		bool first = true;

		if (kind != LOC_MEMORY || depth <= 0) {
			sb_puts(g->c, "\t_stp_rv_cat(STAP_RETVALUE, \"{...}\");\n");
			return;
		}
		sb_puts(g->c, "\t_stp_rv_cat(STAP_RETVALUE, \"{\");\n");
		if (dwarf_child(&st, &c) == 0) {
			do {
				const char *nm = dwarf_diename(&c);
				uint64_t off;
				Dwarf_Die mt;

				if (dwarf_tag(&c) != DW_TAG_member || !dw_member_offset(&c, &off) ||
				    !dw_die_type(&c, &mt))
					continue;
				sb_printf(g->c, "\t_stp_rv_cat(STAP_RETVALUE, \"%s.%s=\");\n",
					  first ? "" : ", ", nm ? nm : "");
				first = false;
				sb_printf(g->c, "\t{ unsigned long b_ = st[0]; st[0] += %llu;\n",
					  (unsigned long long)off);
				dw_pretty(g, &mt, LOC_MEMORY, depth - 1, false);
				sb_puts(g->c, "\tst[0] = b_; }\n");
			} while (dwarf_siblingof(&c, &c) == 0);
		}
		sb_puts(g->c, "\t_stp_rv_cat(STAP_RETVALUE, \"}\");\n");
		return;
	}
	if (tag == DW_TAG_array_type) {
		sb_puts(g->c, "\t_stp_rv_cat(STAP_RETVALUE, \"[...]\");\n");
		return;
	}
	if (tag == DW_TAG_pointer_type) {
		Dwarf_Die pt, sp;

		dw_fetch_scalar(g, &st, kind, NULL);
		if (dw_die_type(&st, &pt) && dw_strip_type(&pt, &sp) && dw_is_char(&sp) && !top)
			sb_puts(g->c, "\t_stp_rv_cat_str(CONTEXT, STAP_RETVALUE, v);\n");
		else if (dw_die_type(&st, &pt) && dw_strip_type(&pt, &sp) && dw_is_char(&sp))
			sb_puts(g->c, "\t_stp_rv_cat_str(CONTEXT, STAP_RETVALUE, v);\n");
		else
			sb_puts(g->c, "\t_stp_rv_catf(STAP_RETVALUE, \"%#llx\", (unsigned long long)v);\n");
		return;
	}
	dw_fetch_scalar(g, &st, kind, NULL);
	if (dw_is_char(&st))
		sb_puts(g->c, "\t_stp_rv_catf(STAP_RETVALUE, \"'%c'\", (int)v);\n");
	else
		sb_puts(g->c, "\t_stp_rv_catf(STAP_RETVALUE, \"%#llx\", (unsigned long long)v);\n");
}

/* $$vars / $$parms / $$locals: "name=value ..." */
int dw_gen_vars(struct dw_gen *g, const char *which, int depth)
{
	Dwarf_Die die, c;
	struct strlist names = { 0 };
	size_t i;
	bool parms = !strcmp(which, "$$parms") || !strcmp(which, "$$vars");
	bool locals = !strcmp(which, "$$locals") || !strcmp(which, "$$vars");

	if (!dwarf_offdie(g->k->dw, g->site->fn->die, &die))
		return -1;
	if (dwarf_child(&die, &c) == 0) {
		do {
			const char *nm = dwarf_diename(&c);
			int tag = dwarf_tag(&c);

			if (!nm || (tag == DW_TAG_formal_parameter && !parms) ||
			    (tag == DW_TAG_variable && !locals) || !dw_is_var(&c) ||
			    dw_is_tp_data(&c, g->site->is_tracepoint) ||
			    (tag == DW_TAG_variable && g->site->is_tracepoint))
				continue;
			strlist_add(&names, nm);
		} while (dwarf_siblingof(&c, &c) == 0);
	}
	for (i = 0; i < names.n; i++) {
		Dwarf_Die var, t;
		struct strbuf code = { 0 };
		struct dw_gen sub = *g;
		int kind;

		sub.c = &code;
		sub.depth = 0;
		sub.err = NULL;
		sb_printf(g->c, "\t_stp_rv_cat(STAP_RETVALUE, \"%s%s=\");\n", i ? " " : "",
			  names.v[i]);
		kind = dw_gen_var(&sub, names.v[i], &var, &t);
		if (kind >= 0) {
			sb_puts(g->c, "\t{\n");
			sb_add(g->c, code.buf, code.len);
			sub.c = g->c;
			dw_pretty(&sub, &t, (enum loc_kind)kind, depth, false);
			sb_puts(g->c, "\t}\n");
		}
		if (kind < 0 || sub.err)
			sb_puts(g->c, "\t_stp_rv_cat(STAP_RETVALUE, \"?\");\n");
		sb_free(&code);
	}
	strlist_free(&names);
	return 0;
}
