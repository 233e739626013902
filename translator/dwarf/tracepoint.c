/* The kernel's tracepoints, for kernel.trace("SYSTEM:NAME"): every tracepoint defined in
 * vmlinux has a function __traceiter_NAME(void *__data, TP_PROTO...) whose DWARF gives
 * the arguments' names and real types, and is already in the function index. Its
 * system (TRACE_SYSTEM) is read from the image itself: event_NAME (struct
 * trace_event_call) points to its class, whose .system points to the system's name.
 * A tracepoint declared without an event (DECLARE_TRACE) gets the name of its header,
 * "sched" for include/trace/events/sched.h. No compilation, no header scanning: the
 * list is built in a few milliseconds from the cached index and the ELF data. */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>

#include "dwarf/dwarf.h"
#include "util.h"

#define ITER_PREFIX "__traceiter_"

/* The image's bytes at a link-time address and how many follow in that section. */
static const char *data_at(struct dw_kernel *k, uint64_t addr, size_t *avail)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(k->elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || !(sh.sh_flags & SHF_ALLOC) ||
		    sh.sh_type == SHT_NOBITS || !sh.sh_addr || addr < sh.sh_addr ||
		    addr >= sh.sh_addr + sh.sh_size)
			continue;
		d = elf_getdata(scn, NULL);
		if (!d || addr - sh.sh_addr >= d->d_size)
			return NULL;
		*avail = d->d_size - (addr - sh.sh_addr);
		return (const char *)d->d_buf + (addr - sh.sh_addr);
	}
	return NULL;
}

static int read_u64(struct dw_kernel *k, uint64_t addr, uint64_t *out)
{
	size_t avail;
	const char *p = data_at(k, addr, &avail);

	if (!p || avail < 8)
		return -1;
	memcpy(out, p, 8);
	return 0;
}

/* Offset of member `name` in the struct that type t (maybe a pointer to it) names. */
static int member_off(Dwarf_Die *t, const char *name, Dwarf_Die *mtype)
{
	Dwarf_Attribute at;
	Dwarf_Die st = *t, c;
	Dwarf_Word off;

	while (dwarf_tag(&st) != DW_TAG_structure_type) {
		if (!dwarf_attr_integrate(&st, DW_AT_type, &at) || !dwarf_formref_die(&at, &st))
			return -1;
	}
	if (dwarf_child(&st, &c) != 0)
		return -1;
	do {
		const char *nm = dwarf_diename(&c);

		if (dwarf_tag(&c) != DW_TAG_member || !nm || strcmp(nm, name))
			continue;
		if (!dwarf_attr(&c, DW_AT_data_member_location, &at) || dwarf_formudata(&at, &off))
			return -1;
		if (mtype && (!dwarf_attr_integrate(&c, DW_AT_type, &at) ||
			      !dwarf_formref_die(&at, mtype)))
			return -1;
		return (int)off;
	} while (dwarf_siblingof(&c, &c) == 0);
	return -1;
}

/* offsetof(struct trace_event_call, class) and offsetof(struct trace_event_class,
 * system), from the type of the variable `event_var` in the CU of fn. */
static bool event_offsets(struct dw_kernel *k, const struct dw_func *fn, const char *event_var,
			  int *class_off, int *system_off)
{
	Dwarf_Die cu, c, t, ct;
	Dwarf_Attribute at;

	if (!dwarf_offdie(k->dw, k->cus[fn->cu].die, &cu) || dwarf_child(&cu, &c) != 0)
		return false;
	do {
		const char *nm = dwarf_diename(&c);

		if (dwarf_tag(&c) != DW_TAG_variable || !nm || strcmp(nm, event_var))
			continue;
		if (!dwarf_attr_integrate(&c, DW_AT_type, &at) || !dwarf_formref_die(&at, &t))
			return false;
		*class_off = member_off(&t, "class", &ct);
		*system_off = *class_off < 0 ? -1 : member_off(&ct, "system", NULL);
		return *class_off >= 0 && *system_off >= 0;
	} while (dwarf_siblingof(&c, &c) == 0);
	return false;
}

struct tp_builder {
	struct session *s;
	struct dw_kernel *k;
	int class_off, system_off;	/* -1 until found */
};

/* TRACE_SYSTEM of the event `name`, NULL if it has no event. */
static const char *event_system(struct tp_builder *b, const struct dw_func *fn,
				const char *name)
{
	const char *var = arena_printf(&b->s->arena, "event_%s", name);
	const struct dw_sym *ev = dw_sym_by_name(b->k, var);
	uint64_t cls, sys;
	const char *str;
	size_t avail, len;

	if (!ev)
		return NULL;
	if (b->class_off < 0 &&
	    !event_offsets(b->k, fn, var, &b->class_off, &b->system_off))
		return NULL;
	if (read_u64(b->k, ev->addr + (uint64_t)b->class_off, &cls) ||
	    read_u64(b->k, cls + (uint64_t)b->system_off, &sys) ||
	    !(str = data_at(b->k, sys, &avail)))
		return NULL;
	len = strnlen(str, avail < 64 ? avail : 64);
	return len && len < 64 ? arena_strndup(&b->s->arena, str, len) : NULL;
}

/* "sched" for include/trace/events/sched.h */
static const char *header_system(struct session *s, const char *file)
{
	const char *base = strrchr(file, '/');
	size_t len;

	base = base ? base + 1 : file;
	len = strcspn(base, ".");
	return len ? arena_strndup(&s->arena, base, len) : "unknown";
}

static int tp_order(const void *a, const void *b)
{
	const struct dw_tracepoint *x = a, *y = b;
	int c = strcmp(x->system, y->system);

	return c ? c : strcmp(x->name, y->name);
}

int dw_tracepoints(struct session *s, struct dw_kernel *k)
{
	struct tp_builder b = { .s = s, .k = k, .class_off = -1, .system_off = -1 };
	size_t i, cap = 0, plen = strlen(ITER_PREFIX);
	double t0 = now_ms();

	if (k->tps_ready)
		return 0;
	k->tps_ready = true;
	if (dw_syms_load(k))
		return -1;
	for (i = 0; i < k->n_funcs; i++) {
		const struct dw_func *f = &k->funcs[i];
		const char *nm = dw_str(k, f->name);
		struct dw_tracepoint *tp;

		if ((f->flags & DWF_INLINE) || strncmp(nm, ITER_PREFIX, plen))
			continue;
		if (k->n_tps == cap) {
			cap = cap ? cap * 2 : 1024;
			k->tps = xrealloc(k->tps, cap * sizeof(*k->tps));
		}
		tp = &k->tps[k->n_tps++];
		tp->name = nm + plen;
		tp->fn = f;
		tp->system = event_system(&b, f, tp->name);
		if (!tp->system)
			tp->system = header_system(s, dw_str(k, f->file));
	}
	if (k->n_tps)
		qsort(k->tps, k->n_tps, sizeof(*k->tps), tp_order);
	/* one instance per name (a function can appear in several CUs' DWARF) */
	for (i = 1, cap = k->n_tps ? 1 : 0; i < k->n_tps; i++)
		if (strcmp(k->tps[i].name, k->tps[cap - 1].name) ||
		    strcmp(k->tps[i].system, k->tps[cap - 1].system))
			k->tps[cap++] = k->tps[i];
	k->n_tps = cap;
	if (s->opt.verbose > 1)
		fprintf(stderr, "dwarf: %zu tracepoints in %.0f ms\n", k->n_tps, now_ms() - t0);
	return 0;
}
