/* .callee("PATTERN") and .callees(N): the functions a function calls, from its DWARF.
 * A call the compiler can name has a call-site entry (DWARF 5 DW_TAG_call_site with
 * DW_AT_call_origin and DW_AT_call_return_pc, or GCC's DWARF 4 DW_TAG_GNU_call_site with
 * DW_AT_abstract_origin and DW_AT_low_pc); an inlined call is a DW_TAG_inlined_subroutine.
 * Calls through pointers have no origin and are not found. For each callee we keep the
 * return addresses of the out-of-line calls on the way from the probed function to it,
 * which the runtime compares with the hit's stack so that the probe fires only for
 * calls made along that path. */
#define _GNU_SOURCE /* qsort_r */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <stdlib.h>
#include <string.h>

#include "dwarf/dwarf.h"
#include "util.h"

struct walk {
	struct dw_object *k;
	const char *pat;
	const uint32_t *by_die;		/* indexes of k->funcs sorted by DIE offset */
	const uint32_t *by_name;	/* and by name */
	struct dw_callee *v;
	int n, cap;
	uint64_t rets[DW_MAX_CALLEE_DEPTH];
	int n_rets;
};

static int cmp_die(const void *a, const void *b, void *arg)
{
	const struct dw_object *k = arg;
	uint64_t x = k->funcs[*(const uint32_t *)a].die;
	uint64_t y = k->funcs[*(const uint32_t *)b].die;

	return x < y ? -1 : x > y;
}

/* the index entry of the function or inlined instance at DIE offset die, or NULL */
static const struct dw_func *func_at_die(const struct walk *w, uint64_t die)
{
	size_t lo = 0, hi = w->k->n_funcs;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		uint64_t d = w->k->funcs[w->by_die[mid]].die;

		if (d == die)
			return &w->k->funcs[w->by_die[mid]];
		if (d < die)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int cmp_name(const void *a, const void *b, void *arg)
{
	const struct dw_object *k = arg;

	return strcmp(dw_str(k, k->funcs[*(const uint32_t *)a].name),
		      dw_str(k, k->funcs[*(const uint32_t *)b].name));
}

/* the out-of-line function a call to name from caller runs: one of caller's CU (a
 * static function), else an external one */
static const struct dw_func *callee_by_name(const struct walk *w, const char *name,
					    const struct dw_func *caller)
{
	const struct dw_object *k = w->k;
	const struct dw_func *ext = NULL;
	size_t lo = 0, hi = k->n_funcs;

	while (lo < hi) {	/* the first entry of that name */
		size_t mid = (lo + hi) / 2;

		if (strcmp(dw_str(k, k->funcs[w->by_name[mid]].name), name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < k->n_funcs; lo++) {
		const struct dw_func *f = &k->funcs[w->by_name[lo]];

		if (strcmp(dw_str(k, f->name), name))
			break;
		if (f->flags & DWF_INLINE)
			continue;
		if (f->cu == caller->cu)
			return f;
		if ((f->flags & DWF_EXTERNAL) && !ext)
			ext = f;
	}
	return ext;
}

static void add(struct walk *w, const struct dw_func *caller, const struct dw_func *fn,
		int depth, bool tail)
{
	struct dw_callee *c;

	if (w->n == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 16;
		w->v = xrealloc(w->v, (size_t)w->cap * sizeof(*w->v));
	}
	c = &w->v[w->n++];
	c->caller = caller;
	c->fn = fn;
	c->depth = depth;
	c->tail = tail;
	c->n_rets = w->n_rets;
	/* innermost first */
	for (int i = 0; i < w->n_rets; i++)
		c->rets[i] = w->rets[w->n_rets - 1 - i];
}

/* the callee and return address of a call site, or NULL; a tail call (a jump) leaves
 * no return address on the stack, and gets 0, which no stack holds; *alias is set to
 * the name called when that is a symbol alias of the callee */
static const struct dw_func *call_site(struct walk *w, Dwarf_Die *site,
				       const struct dw_func *caller, uint64_t *ret, bool *tail,
				       const char **alias)
{
	Dwarf_Attribute a;
	Dwarf_Die origin;
	Dwarf_Addr pc = 0;
	const struct dw_func *fn;
	const char *name;

	if (!dwarf_formref_die(dwarf_attr(site, DW_AT_call_origin, &a), &origin) &&
	    !dwarf_formref_die(dwarf_attr(site, DW_AT_abstract_origin, &a), &origin))
		return NULL;
	*tail = dwarf_hasattr(site, DW_AT_call_tail_call) ||
		dwarf_hasattr(site, DW_AT_GNU_tail_call);
	if (!*tail && dwarf_formaddr(dwarf_attr(site, DW_AT_call_return_pc, &a), &pc) &&
	    dwarf_lowpc(site, &pc))
		return NULL;
	*ret = *tail ? 0 : pc;
	fn = func_at_die(w, dwarf_dieoffset(&origin));
	if (fn && !(fn->flags & DWF_INLINE))
		return fn;
	name = dwarf_diename(&origin);
	if (!name)
		return NULL;
	fn = callee_by_name(w, name, caller);
	if (fn)
		return fn;
	/* a declaration of a name the DWARF gives no function: an ELF symbol aliasing
	 * one (glibc's fopen is _IO_new_fopen), which .callee("fopen") names too */
	fn = dw_alias_func(w->k, name);
	if (fn)
		*alias = name;
	return fn;
}

static void walk_calls(struct walk *w, Dwarf_Die *die, const struct dw_func *caller,
		       int depth, int max_depth, int nest)
{
	Dwarf_Die child;

	if (nest > 64 || w->n >= DW_MAX_CALLEES || dwarf_child(die, &child))
		return;
	do {
		int tag = dwarf_tag(&child);
		const struct dw_func *fn = NULL;
		const char *alias = NULL;
		uint64_t ret = 0;
		bool inl = tag == DW_TAG_inlined_subroutine, tail = false;
		Dwarf_Die fdie;

		if (inl)
			fn = func_at_die(w, dwarf_dieoffset(&child));
		else if (tag == DW_TAG_call_site || tag == DW_TAG_GNU_call_site)
			fn = call_site(w, &child, caller, &ret, &tail, &alias);
		else if (tag != DW_TAG_subprogram)
			walk_calls(w, &child, caller, depth, max_depth, nest + 1);
		if (!fn)
			continue;
		if (!inl) {
			if (w->n_rets == DW_MAX_CALLEE_DEPTH)
				continue;
			w->rets[w->n_rets++] = ret;
		}
		if (dw_glob_match(w->pat, dw_str(w->k, fn->name)) ||
		    (alias && dw_glob_match(w->pat, alias)))
			add(w, caller, fn, depth, tail);
		if (depth < max_depth && dwarf_offdie(w->k->dw, fn->die, &fdie))
			walk_calls(w, &fdie, fn, depth + 1, max_depth, nest + 1);
		if (!inl)
			w->n_rets--;
	} while (!dwarf_siblingof(&child, &child));
}

/* the indexes of k's functions in the order of cmp (arena) */
static const uint32_t *sorted_funcs(struct session *s, struct dw_object *k,
				    int (*cmp)(const void *, const void *, void *))
{
	uint32_t *v = arena_alloc(&s->arena, (k->n_funcs + 1) * sizeof(*v));

	for (size_t i = 0; i < k->n_funcs; i++)
		v[i] = (uint32_t)i;
	qsort_r(v, k->n_funcs, sizeof(*v), cmp, k);
	return v;
}

int dw_query_callees(struct session *s, struct dw_object *k, const struct dw_func *caller,
		     const char *pat, int max_depth, struct dw_callee **out)
{
	struct walk w = { .k = k, .pat = pat };
	Dwarf_Die die;

	*out = NULL;
	if (!k->dw || !dwarf_offdie(k->dw, caller->die, &die))
		return 0;
	if (!k->funcs_by_die) {
		k->funcs_by_die = sorted_funcs(s, k, cmp_die);
		k->funcs_by_name = sorted_funcs(s, k, cmp_name);
	}
	w.by_die = k->funcs_by_die;
	w.by_name = k->funcs_by_name;
	walk_calls(&w, &die, caller, 1, max_depth, 0);
	*out = w.v;
	if (w.n >= DW_MAX_CALLEES) {
		free(w.v);
		*out = NULL;
		return -1;
	}
	return w.n;
}

int dw_ra_offset(struct Elf *elf, uint64_t addr)
{
	Dwarf_CFI *cfi = elf ? dwarf_getcfi_elf(elf) : NULL;
	Dwarf_Op ops_mem[3], *ops;
	Dwarf_Frame *frame = NULL;
	int64_t cfa = -1, ra = 0;
	size_t nops;
	int rc = -1;

	if (!cfi)
		return -1;
	if (dwarf_cfi_addrframe(cfi, addr, &frame) || dwarf_frame_cfa(frame, &ops, &nops))
		goto out;
	if (nops == 1 && ops[0].atom == DW_OP_bregx && ops[0].number == 7)
		cfa = (int64_t)ops[0].number2;
	else if (nops == 1 && ops[0].atom == DW_OP_breg7)
		cfa = (int64_t)ops[0].number;
	if (cfa < 0 || dwarf_frame_register(frame, dwarf_frame_info(frame, NULL, NULL, NULL),
					    ops_mem, &ops, &nops) ||
	    !nops || ops[0].atom != DW_OP_call_frame_cfa)
		goto out;
	if (nops == 2 && ops[1].atom == DW_OP_plus_uconst)
		ra = (int64_t)ops[1].number;
	else if (nops == 3 && ops[1].atom == DW_OP_consts && ops[2].atom == DW_OP_plus)
		ra = (int64_t)ops[1].number;
	else if (nops != 1)
		goto out;
	if (cfa + ra >= 0 && cfa + ra < 4096)
		rc = (int)(cfa + ra);
out:
	free(frame);
	dwarf_cfi_end(cfi);
	return rc;
}
