/* $x$, $x$$ and $$vars / $$parms / $$locals: values printed the way systemtap
 * prints them: location-program operations that append to a string result. */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <stdlib.h>
#include <string.h>

#include "dwarf/dwarf.h"
#include "dwarf/internal.h"
#include "util.h"

static void print_text(struct dw_gen *g, const char *text)
{
	dw_op(g, LP_PRINT_TEXT, 0)->text = text;
}

static void print_value(struct dw_gen *g, enum lp_fmt fmt)
{
	dw_op(g, LP_PRINT_VALUE, 0)->fmt = fmt;
}

/* $x$ / $$: a value as systemtap prints it; depth limits nested structs. */
void dw_pretty(struct dw_gen *g, Dwarf_Die *t, enum loc_kind kind, int depth)
{
	Dwarf_Die st, c;
	int tag;

	if (!dw_strip_type(t, &st)) {
		print_text(g, "?");
		return;
	}
	tag = dwarf_tag(&st);
	if (tag == DW_TAG_structure_type || tag == DW_TAG_union_type) {
		bool first = true;

		if (kind != LOC_MEMORY || depth <= 0) {
			print_text(g, "{...}");
			return;
		}
		print_text(g, "{");
		if (dwarf_child(&st, &c) == 0) {
			do {
				const char *nm = dwarf_diename(&c);
				uint64_t off;
				Dwarf_Die mt;

				if (dwarf_tag(&c) != DW_TAG_member || !dw_member_offset(&c, &off) ||
				    !dw_die_type(&c, &mt))
					continue;
				print_text(g, arena_printf(&g->s->arena, "%s.%s=", first ? "" : ", ",
							   nm ? nm : ""));
				first = false;
				dw_op(g, LP_ENTER_FIELD, (int64_t)off);
				dw_pretty(g, &mt, LOC_MEMORY, depth - 1);
				dw_op(g, LP_LEAVE_FIELD, 0);
			} while (dwarf_siblingof(&c, &c) == 0);
		}
		print_text(g, "}");
		return;
	}
	if (tag == DW_TAG_array_type) {
		print_text(g, "[...]");
		return;
	}
	if (tag == DW_TAG_pointer_type) {
		Dwarf_Die pt, sp;

		dw_fetch_scalar(g, &st, kind, NULL);
		print_value(g, dw_die_type(&st, &pt) && dw_strip_type(&pt, &sp) && dw_is_char(&sp) ?
				       LP_FMT_STRING : LP_FMT_HEX);
		return;
	}
	dw_fetch_scalar(g, &st, kind, NULL);
	print_value(g, dw_is_char(&st) ? LP_FMT_CHAR : LP_FMT_HEX);
}

/* $$return: "return=VALUE" with the return value printed as $return$ would be;
 * nothing for a function that returns void */
void dw_gen_return(struct dw_gen *g, Dwarf_Die *fn, int depth)
{
	Dwarf_Die t;

	if (!dw_die_type(fn, &t))
		return;
	print_text(g, "return=");
	dw_op(g, LP_BEGIN, 0);
	dw_push(g, LP_RETVAL, 0);
	dw_pretty(g, &t, LOC_VALUE, depth);
	dw_op(g, LP_END, 0);
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
		struct lp_prog loc = { 0 };
		struct dw_gen sub = *g;
		int kind;

		sub.p = &loc;
		sub.depth = 0;
		sub.err = NULL;
		print_text(g, arena_printf(&g->s->arena, "%s%s=", i ? " " : "", names.v[i]));
		kind = dw_gen_var(&sub, names.v[i], &var, &t);
		if (kind >= 0) {
			dw_op(g, LP_BEGIN, 0);
			lp_append(g->p, &loc);
			sub.p = g->p;
			dw_pretty(&sub, &t, (enum loc_kind)kind, depth);
			dw_op(g, LP_END, 0);
		}
		if (kind < 0 || sub.err)
			print_text(g, "?");
		lp_free(&loc);
	}
	strlist_free(&names);
	return 0;
}
