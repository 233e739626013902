/* The target kernel's system calls, for the syscall tapset (tapsets/syscall.c): their
 * names and numbers from the target's generated <asm/unistd_64.h> (__NR_NAME), the
 * function each number runs from the image's sys_call_table (or, without one, by the
 * name __x64_sys_NAME / __x64_sys_newNAME), and the arguments' names and C types from
 * the DWARF of __do_sys_FUNC, the body SYSCALL_DEFINEn writes with the real types.
 * The result is cached per build id ($SYSTEMTAP_DIR/cache/dwarf/<build-id>.sys, one
 * line a call) so that later runs read neither the symbols nor the DWARF. */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dwarf/dwarf.h"
#include "dwarf/internal.h"
#include "fsafe.h"
#include "passes.h"
#include "util.h"

#define ENTRY_PREFIX "__x64_sys_"
#define BODY_PREFIX "__do_sys_"

static int by_nr(const void *a, const void *b)
{
	const struct dw_syscall *x = a, *y = b;

	return x->nr - y->nr;
}

/* __NR_NAME NUMBER lines of the target's unistd_64.h */
static int read_unistd(struct session *s, const char *path, struct dw_syscall **out, size_t *n)
{
	FILE *f = fopen(path, "r");
	char line[256], name[128];
	size_t cap = 0;
	int nr;

	*out = NULL;
	*n = 0;
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "#define __NR_%127s %d", name, &nr) != 2 || nr < 0)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 512;
			*out = xrealloc(*out, cap * sizeof(**out));
		}
		memset(&(*out)[*n], 0, sizeof(**out));
		(*out)[*n].name = arena_strdup(&s->arena, name);
		(*out)[*n].nr = nr;
		(*n)++;
	}
	fclose(f);
	if (*n)
		qsort(*out, *n, sizeof(**out), by_nr);
	return 0;
}

/* the function sys_call_table[nr] points to, NULL if the image has no table */
static const char *table_entry(struct dw_object *k, const struct dw_sym *table, int nr)
{
	const struct dw_sym *fn;
	const char *p;
	size_t avail;
	uint64_t addr;

	/* the symbol table gives no size for data: the numbers of unistd_64.h bound it */
	if (!table || (table->size && (uint64_t)(nr + 1) * 8 > table->size))
		return NULL;
	p = dw_data_at(k, table->addr + (uint64_t)nr * 8, &avail);
	if (!p || avail < 8)
		return NULL;
	memcpy(&addr, p, 8);
	fn = dw_sym_at(k, addr);
	return fn && fn->addr == addr ? fn->name : NULL;
}

/* the DIE declaring the parameters of an index entry (an inlined instance's origin) */
static bool func_die(struct dw_object *k, const struct dw_func *f, Dwarf_Die *out)
{
	Dwarf_Attribute at;
	Dwarf_Die d;

	if (!dwarf_offdie(k->dw, f->die, &d))
		return false;
	while (dwarf_attr(&d, DW_AT_abstract_origin, &at) || dwarf_attr(&d, DW_AT_specification, &at))
		if (!dwarf_formref_die(&at, &d))
			return false;
	*out = d;
	return true;
}

static void read_params(struct session *s, struct dw_object *k, const struct dw_func *f,
			struct dw_syscall *sc)
{
	Dwarf_Die die, c, t, st, pt, pst;

	if (!func_die(k, f, &die) || dwarf_child(&die, &c) != 0)
		return;
	do {
		const char *nm = dwarf_diename(&c);
		struct strbuf tn = { 0 };
		char kind;
		int i = sc->n_args;

		/* SYSCALL_DEFINE0's body takes the registers, unused */
		if (dwarf_tag(&c) != DW_TAG_formal_parameter || (nm && !strcmp(nm, "__unused")))
			continue;
		if (i == DW_SYSCALL_MAX_ARGS)
			break;
		if (!dw_die_type(&c, &t) || !dw_strip_type(&t, &st)) {
			kind = 'd';
			sb_puts(&tn, "long");
		} else {
			int tag = dwarf_tag(&st);

			dw_type_name(&t, &tn);
			if (tag == DW_TAG_pointer_type) {
				kind = 'p';
				/* const char __user *: a string the call reads */
				if (dw_die_type(&st, &pt) && dwarf_tag(&pt) == DW_TAG_const_type &&
				    dw_strip_type(&pt, &pst) && dw_is_char(&pst))
					kind = 's';
			} else if (tag == DW_TAG_base_type || tag == DW_TAG_enumeration_type) {
				kind = dw_is_signed(&st) ? 'd' : 'u';
				sc->arg_size[i] = dw_type_size(&st);
			} else {
				kind = 'p';
			}
		}
		if (!sc->arg_size[i])
			sc->arg_size[i] = 8;
		sc->arg_kind[i] = kind;
		sc->arg_names[i] = arena_strdup(&s->arena, nm ? nm : "arg");
		sc->arg_types[i] = arena_strdup(&s->arena, tn.buf ? tn.buf : "long");
		sc->n_args++;
		sb_free(&tn);
	} while (dwarf_siblingof(&c, &c) == 0);
}

struct fn_ref {
	const char *name;		/* after the prefix */
	const struct dw_func *fn;
};

static int ref_cmp(const void *a, const void *b)
{
	return strcmp(((const struct fn_ref *)a)->name, ((const struct fn_ref *)b)->name);
}

static const struct dw_func *find_ref(struct fn_ref *v, size_t n, const char *name)
{
	struct fn_ref key = { .name = name }, *r = n ? bsearch(&key, v, n, sizeof(*v), ref_cmp) : NULL;

	return r ? r->fn : NULL;
}

/* the kernel has the entry point __x64_sys_NAME */
static bool has_entry(struct session *s, struct dw_object *k, const char *name)
{
	return dw_sym_by_name(k, arena_printf(&s->arena, ENTRY_PREFIX "%s", name)) != NULL;
}

#define CACHE_MAGIC "stap-syscalls 1"

/* "NR NAME FUNC N" then per argument "KIND SIZE NAME TYPE" (TYPE runs to the tab) */
static void sys_cache_store(struct session *s, const char *path, const struct dw_syscall *v,
			size_t n)
{
	struct strbuf sb = { 0 };
	size_t i;
	int j;

	sb_printf(&sb, "%s\n", CACHE_MAGIC);
	for (i = 0; i < n; i++) {
		sb_printf(&sb, "%d %s %s %d", v[i].nr, v[i].name, v[i].func, v[i].n_args);
		for (j = 0; j < v[i].n_args; j++)
			sb_printf(&sb, " %c %d %s %s\t", v[i].arg_kind[j], v[i].arg_size[j],
				  v[i].arg_names[j], v[i].arg_types[j]);
		sb_putc(&sb, '\n');
	}
	if (fs_write_atomic(path, sb.buf, sb.len, 0644) && s->opt.verbose > 1)
		fprintf(stderr, "syscall: cannot write the cache %s\n", path);
	sb_free(&sb);
}

static int sys_cache_load(struct session *s, const char *path, struct dw_syscall **out,
		      size_t *n_out)
{
	int fd = fs_open_trusted(path, NULL);
	FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
	struct dw_syscall *v = NULL;
	size_t n = 0, cap = 0;
	char *line = NULL;
	size_t lcap = 0;
	int rc = -1;

	if (!f) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (getline(&line, &lcap, f) < 0 || strncmp(line, CACHE_MAGIC "\n", strlen(line)))
		goto out;
	while (getline(&line, &lcap, f) > 0) {
		struct dw_syscall sc = { 0 };
		char name[128], func[160], *p;
		int used, j;

		if (sscanf(line, "%d %127s %159s %d%n", &sc.nr, name, func, &sc.n_args, &used) != 4 ||
		    sc.n_args < 0 || sc.n_args > DW_SYSCALL_MAX_ARGS)
			goto out;
		sc.name = arena_strdup(&s->arena, name);
		sc.func = arena_strdup(&s->arena, func);
		p = line + used;
		for (j = 0; j < sc.n_args; j++) {
			char kind, an[128];
			char *tab;

			if (sscanf(p, " %c %d %127s %n", &kind, &sc.arg_size[j], an, &used) != 3 ||
			    !(tab = strchr(p + used, '\t')))
				goto out;
			sc.arg_kind[j] = kind;
			sc.arg_names[j] = arena_strdup(&s->arena, an);
			sc.arg_types[j] = arena_strndup(&s->arena, p + used, (size_t)(tab - p - used));
			p = tab + 1;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 512;
			v = xrealloc(v, cap * sizeof(*v));
		}
		v[n++] = sc;
	}
	rc = n ? 0 : -1;
out:
	free(line);
	fclose(f);
	if (rc)
		free(v);
	else
		*out = v, *n_out = n;
	return rc;
}

static int find_syscalls(struct session *s, struct dw_object *k, const char *unistd,
			 struct dw_syscall **out, size_t *n_out);

int dw_syscalls(struct session *s, struct dw_object *k, const char *unistd,
		struct dw_syscall **out, size_t *n_out)
{
	const char *dir = cache_subdir(s, "dwarf");
	const char *cache = dir ? arena_printf(&s->arena, "%s/%s.sys", dir, dw_build_id_hex(s, k))
				: NULL;

	if (cache && !sys_cache_load(s, cache, out, n_out))
		return 0;
	if (find_syscalls(s, k, unistd, out, n_out))
		return -1;
	if (cache)
		sys_cache_store(s, cache, *out, *n_out);
	return 0;
}

static int find_syscalls(struct session *s, struct dw_object *k, const char *unistd,
			 struct dw_syscall **out, size_t *n_out)
{
	struct fn_ref *bodies = NULL;
	size_t n_bodies = 0, cap_b = 0, i, n, kept = 0;
	size_t le = strlen(ENTRY_PREFIX), lb = strlen(BODY_PREFIX);
	const struct dw_sym *table;
	struct dw_syscall *v;

	if (read_unistd(s, unistd, &v, &n))
		return -1;
	if (dw_syms_load(k))
		return -1;
	table = dw_sym_by_name(k, "sys_call_table");
	for (i = 0; i < k->n_funcs; i++) {
		const struct dw_func *f = &k->funcs[i];
		const char *nm = dw_str(k, f->name);

		if (!strncmp(nm, BODY_PREFIX, lb)) {
			if (n_bodies == cap_b) {
				cap_b = cap_b ? cap_b * 2 : 512;
				bodies = xrealloc(bodies, cap_b * sizeof(*bodies));
			}
			bodies[n_bodies++] = (struct fn_ref){ nm + lb, f };
		}
	}
	if (n_bodies)
		qsort(bodies, n_bodies, sizeof(*bodies), ref_cmp);
	for (i = 0; i < n; i++) {
		struct dw_syscall *sc = &v[i];
		const char *fn = table_entry(k, table, sc->nr), *base = NULL;
		const struct dw_func *body;

		/* SYSCALL_DEFINE0's entry is also __ia32_sys_NAME, the same address */
		if (fn && !strncmp(fn, "__ia32_sys_", 11))
			fn = arena_printf(&s->arena, ENTRY_PREFIX "%s", fn + 11);
		else if (fn && !strncmp(fn, BODY_PREFIX, lb))
			fn = arena_printf(&s->arena, ENTRY_PREFIX "%s", fn + lb);
		if (fn && !strncmp(fn, ENTRY_PREFIX, le) && has_entry(s, k, fn + le)) {
			base = fn + le;
		} else if (!fn || !strstr(fn, "ni_syscall")) {
			const char *alt = arena_printf(&s->arena, "new%s", sc->name);

			if (has_entry(s, k, sc->name))
				base = sc->name;
			else if (has_entry(s, k, alt))
				base = alt;
		}
		if (!base)	/* sys_ni_syscall: not in this kernel */
			continue;
		sc->func = arena_printf(&s->arena, ENTRY_PREFIX "%s", base);
		body = find_ref(bodies, n_bodies, base);
		if (body)
			read_params(s, k, body, sc);
		v[kept++] = *sc;
	}
	free(bodies);
	*out = v;
	*n_out = kept;
	return 0;
}
