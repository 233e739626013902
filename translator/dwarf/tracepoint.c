/* The kernel's tracepoints, for kernel.trace("SYSTEM:NAME"): every tracepoint defined in
 * vmlinux has a function __traceiter_NAME(void *__data, TP_PROTO...) whose DWARF gives
 * the arguments' names and real types, and is already in the function index. Its
 * system (TRACE_SYSTEM) is read from the image itself: event_NAME (struct
 * trace_event_call) points to its class, whose .system points to the system's name.
 * A tracepoint declared without an event (DECLARE_TRACE) gets the name of its header,
 * "sched" for include/trace/events/sched.h. No compilation, no header scanning: the
 * list is built in a few milliseconds from the cached index and the ELF data. Also
 * the arguments as target variables ($prev) and the C types of their callback. */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>

#include "dwarf/dwarf.h"
#include "dwarf/internal.h"
#include "util.h"

#define ITER_PREFIX "__traceiter_"

/* The image's bytes at a link-time address and how many follow in that section. */
const char *dw_data_at(struct dw_object *k, uint64_t addr, size_t *avail)
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

static int read_u64(struct dw_object *k, uint64_t addr, uint64_t *out)
{
	size_t avail;
	const char *p = dw_data_at(k, addr, &avail);

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
static bool event_offsets(struct dw_object *k, const struct dw_func *fn, const char *event_var,
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
	struct dw_object *k;
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
	    !(str = dw_data_at(b->k, sys, &avail)))
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

int dw_tracepoints(struct session *s, struct dw_object *k)
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

/* ---- tracepoint arguments as target variables ---------------------------------- */

/* "$a $b" for the arguments of the site's tracepoint */
static const char *tp_arg_names(struct dw_gen *g)
{
	struct strbuf sb = { 0 };
	const char *out;
	Dwarf_Die die, c;

	if (dwarf_offdie(g->k->dw, g->site->fn->die, &die) && dwarf_child(&die, &c) == 0) {
		do {
			const char *nm = dwarf_diename(&c);

			if (dwarf_tag(&c) == DW_TAG_formal_parameter && nm && !dw_is_tp_data(&c, true))
				sb_printf(&sb, "%s$%s", sb.len ? " " : "", nm);
		} while (dwarf_siblingof(&c, &c) == 0);
	}
	out = arena_strdup(&g->s->arena, sb.buf ? sb.buf : "");
	sb_free(&sb);
	return out;
}

/* A tracepoint argument: the callback stored it in the context (stp_tracepoints.h). */
int dw_tp_arg(struct dw_gen *g, const char *name, Dwarf_Die *var, Dwarf_Die *type)
{
	Dwarf_Die die;
	int i = 0;

	if (dwarf_offdie(g->k->dw, g->site->fn->die, &die) && dwarf_child(&die, var) == 0) {
		do {
			const char *nm = dwarf_diename(var);

			if (dwarf_tag(var) != DW_TAG_formal_parameter || dw_is_tp_data(var, true))
				continue;
			if (nm && !strcmp(nm, name)) {
				if (!dw_die_type(var, type)) {
					g->err = "tracepoint argument without a type";
					return -1;
				}
				dw_push(g, LP_TPARG, i);
				return LOC_VALUE;
			}
			i++;
		} while (dwarf_siblingof(var, var) == 0);
	}
	g->err = arena_printf(&g->s->arena, "unable to find tracepoint variable '$%s' "
			      "(alternatives: %s)", name, tp_arg_names(g));
	return -1;
}

const char **dw_tracepoint_ctypes(struct session *s, struct dw_object *k,
				  const struct dw_tracepoint *tp, int *n, const char **err)
{
	const char **v = NULL;
	Dwarf_Die die, c, t, st;
	int cap = 0;

	*n = 0;
	if (!dwarf_offdie(k->dw, tp->fn->die, &die) || dwarf_child(&die, &c) != 0)
		return arena_alloc(&s->arena, sizeof(*v));
	do {
		const char *nm = dwarf_diename(&c);
		int tag, size;

		if (dwarf_tag(&c) != DW_TAG_formal_parameter || dw_is_tp_data(&c, true))
			continue;
		if (!dw_die_type(&c, &t) || !dw_strip_type(&t, &st)) {
			*err = arena_printf(&s->arena, "tracepoint argument '%s' has no type",
					    nm ? nm : "?");
			return NULL;
		}
		tag = dwarf_tag(&st);
		size = dw_type_size(&st);
		if (*n == cap) {
			const char **old = v;

			cap = cap ? cap * 2 : 8;
			v = arena_alloc(&s->arena, (size_t)cap * sizeof(*v));
			if (old)
				memcpy(v, old, (size_t)*n * sizeof(*v));
		}
		if (tag == DW_TAG_pointer_type || tag == DW_TAG_array_type) {
			v[(*n)++] = "void *";
		} else if ((tag == DW_TAG_base_type || tag == DW_TAG_enumeration_type) &&
			   (size == 1 || size == 2 || size == 4 || size == 8) &&
			   !dw_is_float(&st)) {
			v[(*n)++] = arena_printf(&s->arena, "%c%d", dw_is_signed(&st) ? 's' : 'u',
						 size * 8);
		} else {
			struct strbuf tn = { 0 };

			dw_type_name(&st, &tn);
			*err = arena_printf(&s->arena, "tracepoint argument '%s' has type '%s', "
					    "which is not supported", nm ? nm : "?",
					    tn.buf ? tn.buf : "?");
			sb_free(&tn);
			return NULL;
		}
	} while (dwarf_siblingof(&c, &c) == 0);
	return v ? v : arena_alloc(&s->arena, sizeof(*v));
}
