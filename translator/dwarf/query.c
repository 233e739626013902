/* Queries against the function index and the ELF symbol table: functions by
 * "NAME@FILE" pattern, statements by source line, symbols by name or address, and the
 * places where a probe must not go (the kernel's own kprobe blacklist, entry and noinstr
 * text, __init code, the probe machinery itself). */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <fnmatch.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>

#include "dwarf/dwarf.h"
#include "util.h"

const char *dw_str(const struct dw_object *k, uint32_t off)
{
	return k->strings + off;
}

static bool has_wildcard(const char *pat)
{
	return strpbrk(pat, "*?[") != NULL;
}

bool dw_glob_match(const char *pat, const char *str)
{
	if (!has_wildcard(pat))
		return !strcmp(pat, str);
	return fnmatch(pat, str, 0) == 0;
}

/* "read_write.c" matches "fs/read_write.c": a pattern not starting with '/' or '*'
 * may match a trailing part of the path, as in systemtap. */
bool dw_file_match(const char *pat, const char *file)
{
	size_t lp, lf;

	if (fnmatch(pat, file, 0) == 0)
		return true;
	if (*pat == '/' || *pat == '*')
		return false;
	if (!has_wildcard(pat)) {
		lp = strlen(pat);
		lf = strlen(file);
		return lf > lp && file[lf - lp - 1] == '/' && !strcmp(file + lf - lp, pat);
	}
	{
		char *p = xasprintf("*/%s", pat);
		bool ok = fnmatch(p, file, 0) == 0;

		free(p);
		return ok;
	}
}

static void push(struct dw_match **v, int *n, int *cap, const struct dw_func *fn,
		 uint64_t addr, int line)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		*v = xrealloc(*v, (size_t)*cap * sizeof(**v));
	}
	(*v)[*n].fn = fn;
	(*v)[*n].addr = addr;
	(*v)[*n].line = line;
	(*v)[*n].label = NULL;
	(*n)++;
}

int dw_query_functions(struct session *s, struct dw_object *k, const char *func_pat,
		       const char *file_pat, enum dw_fn_filter filter,
		       struct dw_match **out)
{
	struct dw_match *v = NULL;
	int n = 0, cap = 0;
	bool wild = has_wildcard(func_pat);
	size_t i;

	(void)s;
	for (i = 0; i < k->n_funcs; i++) {
		const struct dw_func *f = &k->funcs[i];
		const char *name = dw_str(k, f->name);
		bool inl = f->flags & DWF_INLINE;

		if (wild ? fnmatch(func_pat, name, 0) != 0 : strcmp(func_pat, name))
			continue;
		if (file_pat && !dw_file_match(file_pat, dw_str(k, f->file)))
			continue;
		if ((filter == DW_FN_CALL || filter == DW_FN_ENTRY || filter == DW_FN_EXPORTED) &&
		    inl)
			continue;
		if (filter == DW_FN_INLINE && !inl)
			continue;
		if (filter == DW_FN_EXPORTED && !(f->flags & DWF_EXTERNAL))
			continue;
		push(&v, &n, &cap, f, f->addr, (int)f->line);
	}
	*out = v;
	return n;
}

/* the out-of-line function entered at addr, or NULL */
static const struct dw_func *func_at_addr(const struct dw_object *k, uint64_t addr)
{
	for (size_t i = 0; i < k->n_funcs; i++)
		if (k->funcs[i].addr == addr && !(k->funcs[i].flags & DWF_INLINE))
			return &k->funcs[i];
	return NULL;
}

const struct dw_func *dw_alias_func(struct dw_object *k, const char *name)
{
	const struct dw_sym *sym = dw_sym_by_name(k, name);

	return sym && sym->size ? func_at_addr(k, sym->addr) : NULL;
}

int dw_query_functions_alias(struct session *s, struct dw_object *k, const char *func_pat,
			     const char *file_pat, enum dw_fn_filter filter,
			     struct dw_match **out)
{
	struct dw_match *v = NULL;
	int n = dw_query_functions(s, k, func_pat, file_pat, filter, out), cap = 0, i;

	if (n || file_pat || filter == DW_FN_INLINE || filter == DW_FN_EXPORTED ||
	    dw_syms_load(k))
		return n;
	free(*out);
	for (size_t j = 0; j < k->n_syms; j++) {
		const struct dw_sym *sym = &k->syms[j];
		const struct dw_func *fn;

		if (!sym->size || !dw_glob_match(func_pat, sym->name) ||
		    !(fn = func_at_addr(k, sym->addr)))
			continue;
		for (i = 0; i < n && v[i].fn != fn; i++)
			;
		if (i == n)
			push(&v, &n, &cap, fn, fn->addr, (int)fn->line);
	}
	*out = v;
	return n;
}

/* the labels under die (in nested lexical blocks too) matching pat, pushed onto v */
static void find_labels(struct session *s, Dwarf_Die *die, const struct dw_func *f,
			const char *pat, struct dw_match **v, int *n, int *cap, int depth)
{
	Dwarf_Die child;

	if (depth > 32 || dwarf_child(die, &child))
		return;
	do {
		int tag = dwarf_tag(&child);
		Dwarf_Attribute a;
		Dwarf_Addr pc;
		Dwarf_Word line = 0;
		const char *name;

		if (tag == DW_TAG_lexical_block) {
			find_labels(s, &child, f, pat, v, n, cap, depth + 1);
			continue;
		}
		if (tag != DW_TAG_label || dwarf_lowpc(&child, &pc) ||
		    !(name = dwarf_formstring(dwarf_attr_integrate(&child, DW_AT_name, &a))) ||
		    !dw_glob_match(pat, name))
			continue;
		dwarf_formudata(dwarf_attr_integrate(&child, DW_AT_decl_line, &a), &line);
		push(v, n, cap, f, pc, (int)line);
		(*v)[*n - 1].label = arena_strdup(&s->arena, name);
	} while (!dwarf_siblingof(&child, &child));
}

int dw_query_labels(struct session *s, struct dw_object *k, const char *func_pat,
		    const char *file_pat, const char *label_pat, struct dw_match **out)
{
	struct dw_match *v = NULL, *fns = NULL;
	int n = 0, cap = 0, n_fns, i;

	n_fns = dw_query_functions(s, k, func_pat, file_pat, DW_FN_CALL, &fns);
	for (i = 0; i < n_fns; i++) {
		Dwarf_Die fdie;

		if (dwarf_offdie(k->dw, fns[i].fn->die, &fdie))
			find_labels(s, &fdie, fns[i].fn, label_pat, &v, &n, &cap, 0);
	}
	free(fns);
	*out = v;
	return n;
}

/* The address ranges of function instance f: its DIE's ranges (an inlined instance
 * or a function with a cold part has several), else its entry range. */
static int func_ranges(struct dw_object *k, const struct dw_func *f, uint64_t (*r)[2], int max)
{
	Dwarf_Die die;
	Dwarf_Addr base, start, end;
	ptrdiff_t off = 0;
	int n = 0;

	if (dwarf_offdie(k->dw, f->die, &die))
		while (n < max && (off = dwarf_ranges(&die, off, &base, &start, &end)) > 0) {
			r[n][0] = start;
			r[n][1] = end;
			n++;
		}
	if (!n && f->high) {
		r[0][0] = f->addr;
		r[0][1] = f->high;
		n = 1;
	}
	return n;
}

/* The line table rows of instance f (ranges r[0..nr)) in its own file within [lo, hi]
 * (any line: each new line, in address order), when need_stmt only is_stmt rows;
 * appended to v unless (f, line) is there already. */
static void func_lines(struct dw_object *k, const struct dw_func *f, Dwarf_Lines *lines,
		       size_t nl, uint64_t (*r)[2], int nr, int lo, int hi, bool any_line,
		       bool need_stmt, struct dw_match **v, int *n, int *cap)
{
	int last_line = -1;
	size_t j;

	for (j = 0; j < nl; j++) {
		Dwarf_Line *l = dwarf_onesrcline(lines, j);
		Dwarf_Addr a;
		bool stmt = false, in = false;
		int ln, m, i;
		const char *src;

		if (!l || dwarf_lineaddr(l, &a) || dwarf_lineno(l, &ln) ||
		    dwarf_linebeginstatement(l, &stmt) || (need_stmt && !stmt))
			continue;
		for (i = 0; i < nr && !in; i++)
			in = a >= r[i][0] && a < r[i][1];
		if (!in || (!any_line && (ln < lo || ln > hi)))
			continue;
		src = dwarf_linesrc(l, NULL, NULL);
		if (!src || !strstr(src, dw_str(k, f->file)))
			continue;
		if (ln <= last_line && any_line)
			continue;
		for (m = 0; m < *n; m++)
			if ((*v)[m].fn == f && (*v)[m].line == ln)
				break;
		if (m < *n)
			continue;
		push(v, n, cap, f, a, ln);
		last_line = ln;
	}
}

/* Statement probes of the function instances (out-of-line or inlined) whose name and file
 * match: one per distinct line and instance, at the line's first is_stmt address inside
 * the instance.  A line asked for by number that has only rows without is_stmt there
 * (gcc moved its code) is probed at its first such row, as systemtap does. */
int dw_query_statements_rel(struct session *s, struct dw_object *k, const char *func_pat,
			    const char *file_pat, int line_lo, int line_hi, bool any_line,
			    bool rel, struct dw_match **out)
{
	struct dw_match *v = NULL, *fns = NULL;
	int n = 0, cap = 0, n_fns, i;

	n_fns = dw_query_functions(s, k, func_pat ? func_pat : "*", file_pat, DW_FN_ANY, &fns);
	for (i = 0; i < n_fns; i++) {
		const struct dw_func *f = fns[i].fn;
		Dwarf_Die cu;
		Dwarf_Lines *lines;
		uint64_t ranges[16][2];
		size_t nl;
		int nr, lo = line_lo, hi = line_hi;

		if (rel) {
			lo += (int)f->line;
			hi += (int)f->line;
		}
		nr = func_ranges(k, f, ranges, 16);
		if (!nr || !dwarf_offdie(k->dw, k->cus[f->cu].die, &cu) ||
		    dwarf_getsrclines(&cu, &lines, &nl))
			continue;
		func_lines(k, f, lines, nl, ranges, nr, lo, hi, any_line, true, &v, &n, &cap);
		if (!any_line)
			func_lines(k, f, lines, nl, ranges, nr, lo, hi, false, false, &v, &n, &cap);
	}
	free(fns);
	*out = v;
	return n;
}

int dw_query_statements(struct session *s, struct dw_object *k, const char *func_pat,
			const char *file_pat, int line_lo, int line_hi, bool any_line,
			struct dw_match **out)
{
	return dw_query_statements_rel(s, k, func_pat, file_pat, line_lo, line_hi, any_line,
				       false, out);
}

static int sym_order(const void *a, const void *b)
{
	const struct dw_sym *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return strcmp(x->name, y->name);
}

int dw_syms_load(struct dw_object *k)
{
	Elf_Scn *scn = NULL;
	size_t cap = 0;
	/* a stripped user program or library has only its dynamic symbols */
	Elf64_Word table = SHT_SYMTAB;

	if (k->syms)
		return 0;
	if (k->dwfl_mod)
		dw_module_syms_load(k);	/* section-relative values need the layout */
again:
	while (!k->dwfl_mod && (scn = elf_nextscn(k->elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *data;
		size_t i, n;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != table)
			continue;
		data = elf_getdata(scn, NULL);
		n = sh.sh_entsize ? sh.sh_size / sh.sh_entsize : 0;
		for (i = 0; data && i < n; i++) {
			GElf_Sym sym;
			const char *name;
			int type;

			if (!gelf_getsym(data, (int)i, &sym))
				continue;
			type = GELF_ST_TYPE(sym.st_info);
			if (type != STT_FUNC && type != STT_NOTYPE && type != STT_OBJECT)
				continue;
			name = elf_strptr(k->elf, sh.sh_link, sym.st_name);
			if (!name || !*name || !sym.st_value)
				continue;
			if (k->n_syms == cap) {
				cap = cap ? cap * 2 : 1 << 16;
				k->syms = xrealloc(k->syms, cap * sizeof(*k->syms));
			}
			k->syms[k->n_syms].name = name;
			k->syms[k->n_syms].addr = sym.st_value;
			k->syms[k->n_syms].size = type == STT_FUNC ? sym.st_size : 0;
			k->syms[k->n_syms].shndx = sym.st_shndx;
			k->n_syms++;
		}
	}
	if (!k->n_syms && table == SHT_SYMTAB &&
	    (k->kind == DW_OBJ_EXEC || k->kind == DW_OBJ_SHLIB)) {
		table = SHT_DYNSYM;
		goto again;
	}
	if (k->n_syms)
		qsort(k->syms, k->n_syms, sizeof(*k->syms), sym_order);
	return k->n_syms ? 0 : -1;
}

static int sym_name_order(const void *a, const void *b)
{
	const struct dw_sym *x = *(const struct dw_sym *const *)a;
	const struct dw_sym *y = *(const struct dw_sym *const *)b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int sym_name_key(const void *key, const void *elem)
{
	return strcmp(key, (*(const struct dw_sym *const *)elem)->name);
}

/* The symbol of that name with the lowest address (a static name may repeat). */
const struct dw_sym *dw_sym_by_name(struct dw_object *k, const char *name)
{
	const struct dw_sym *const *p;
	size_t i;

	if (dw_syms_load(k))
		return NULL;
	if (!k->syms_by_name) {
		k->syms_by_name = xmalloc(k->n_syms * sizeof(*k->syms_by_name));
		for (i = 0; i < k->n_syms; i++)
			k->syms_by_name[i] = &k->syms[i];
		qsort(k->syms_by_name, k->n_syms, sizeof(*k->syms_by_name), sym_name_order);
	}
	p = bsearch(name, k->syms_by_name, k->n_syms, sizeof(*k->syms_by_name), sym_name_key);
	if (!p)
		return NULL;
	while (p > k->syms_by_name && !strcmp(p[-1]->name, name))
		p--;
	return *p;
}

/* The function symbol whose [addr, addr+size) holds addr. */
const struct dw_sym *dw_sym_at(struct dw_object *k, uint64_t addr)
{
	size_t lo = 0, hi;

	if (dw_syms_load(k))
		return NULL;
	hi = k->n_syms;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (k->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	while (lo > 0) {
		const struct dw_sym *sym = &k->syms[--lo];

		if (sym->size && addr < sym->addr + sym->size)
			return sym;
		if (sym->size)
			return NULL;
	}
	return NULL;
}

struct unsafe_range {
	const char *start, *end, *why;
};

static const struct unsafe_range unsafe_ranges[] = {
	{ "__init_begin", "__init_end", "it is __init code, gone once the kernel has booted" },
	{ "_sinittext", "_einittext", "it is __init code, gone once the kernel has booted" },
	{ "__noinstr_text_start", "__noinstr_text_end",
	  "it is noinstr code (entry, NMI and exception paths)" },
	{ "__entry_text_start", "__entry_text_end", "it is system call and exception entry code" },
	{ "__irqentry_text_start", "__irqentry_text_end", "it is interrupt entry code" },
	{ "__softirqentry_text_start", "__softirqentry_text_end", "it is softirq entry code" },
	{ "__kprobes_text_start", "__kprobes_text_end", "it is in the kprobes section" },
	{ "__cpuidle_text_start", "__cpuidle_text_end", "it is cpuidle code" },
};

/* The kernel's NOKPROBE_SYMBOL() list: addresses between __start/__stop_kprobe_blacklist,
 * read once into k->blacklist (sorted). */
static int addr_order(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void load_blacklist(struct dw_object *k)
{
	const struct dw_sym *s0 = dw_sym_by_name(k, "__start_kprobe_blacklist");
	const struct dw_sym *s1 = dw_sym_by_name(k, "__stop_kprobe_blacklist");
	Elf_Scn *scn = NULL;
	size_t i;

	for (i = 0; i < ARRAY_LEN(unsafe_ranges); i++) {
		const struct dw_sym *a = dw_sym_by_name(k, unsafe_ranges[i].start);
		const struct dw_sym *b = dw_sym_by_name(k, unsafe_ranges[i].end);

		k->unsafe_lo[i] = a && b ? a->addr : 0;
		k->unsafe_hi[i] = a && b ? b->addr : 0;
	}
	if (!s0 || !s1)
		return;
	while ((scn = elf_nextscn(k->elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;
		uint64_t a;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_PROGBITS ||
		    s0->addr < sh.sh_addr || s1->addr > sh.sh_addr + sh.sh_size)
			continue;
		d = elf_getdata(scn, NULL);
		if (!d)
			return;
		k->blacklist = xmalloc((s1->addr - s0->addr) / 8 * sizeof(uint64_t) + 8);
		for (a = s0->addr; a + 8 <= s1->addr; a += 8)
			memcpy(&k->blacklist[k->n_blacklist++],
			       (const char *)d->d_buf + (a - sh.sh_addr), 8);
		qsort(k->blacklist, k->n_blacklist, sizeof(uint64_t), addr_order);
		return;
	}
}

/* Functions that run while a probe hit is handled, or before anything is set up. */
static const char *const unsafe_names[] = {
	"*kprobe*", "*kretprobe*", "ftrace_*", "*_ftrace_*", "__fentry__", "mcount",
	"do_int3*", "exc_int3", "exc_debug*", "exc_nmi*", "*nmi_handler*", "default_do_nmi",
	"notify_die", "*notifier_call_chain", "native_get_debugreg", "native_set_debugreg",
	"preempt_schedule*", "_raw_spin_*", "_raw_read_*", "_raw_write_*",
	"lock_acquire", "lock_release", "rcu_nmi_*", "rcu_irq_*", "irq_work_*",
	"trace_hardirqs_*", "arch_rethook_*", "rethook_*", "*copy_from_kernel_nofault*",
	"__do_page_fault", "exc_page_fault", "fixup_exception", "search_*exception_table*",
	"text_poke*", "int3_*", "poke_int3_handler", "do_debug", "debug_*_handler",
};

/*
 * Page-table code: a PTE helper (__pte_alloc, set_pte_vaddr, ...) or a special mapping's
 * operation (the vdso's, uprobes' XOL area) runs in the middle of page-table changes that
 * live code patching, faults and fork depend on; wildcards over mm/ that armed and disarmed
 * probes there brought the kernel down.  Refused by name, as systemtap does.
 */
static const char *const unsafe_mm_names[] = { "*_pte_*", "special_mapping_*" };

const char *dw_unsafe_name(const char *func)
{
	size_t i;

	for (i = 0; func && i < ARRAY_LEN(unsafe_names); i++)
		if (fnmatch(unsafe_names[i], func, 0) == 0)
			return "it is part of the probe and trap handling machinery";
	for (i = 0; func && i < ARRAY_LEN(unsafe_mm_names); i++)
		if (fnmatch(unsafe_mm_names[i], func, 0) == 0)
			return "it is page-table code that a probe can bring down";
	return NULL;
}

const char *dw_unsafe(struct dw_object *k, const char *func, uint64_t addr)
{
	const char *why = dw_unsafe_name(func);
	size_t i;

	if (why)
		return why;
	if (!k->unsafe_ready) {
		k->unsafe_ready = true;
		load_blacklist(k);
	}
	for (i = 0; i < ARRAY_LEN(unsafe_ranges); i++)
		if (addr >= k->unsafe_lo[i] && addr < k->unsafe_hi[i])
			return unsafe_ranges[i].why;
	if (k->n_blacklist && bsearch(&addr, k->blacklist, k->n_blacklist, sizeof(uint64_t),
				      addr_order))
		return "the kernel blacklists it for kprobes (NOKPROBE_SYMBOL)";
	return NULL;
}

/* Whether a DIE under d has a location list (DW_FORM_sec_offset, DW_FORM_loclistx, or
 * before DWARF 4 a data4/data8 offset): the sign of optimized code, whose variables'
 * locations hold from a function's first instruction, as gdb and systemtap judge. */
static bool has_loclist(Dwarf_Die *d)
{
	Dwarf_Die c;
	Dwarf_Attribute at;

	if (dwarf_child(d, &c))
		return false;
	do {
		if (dwarf_attr(&c, DW_AT_location, &at)) {
			unsigned form = dwarf_whatform(&at);

			if (form == DW_FORM_sec_offset || form == DW_FORM_loclistx ||
			    form == DW_FORM_data4 || form == DW_FORM_data8)
				return true;
		}
		if (dwarf_haschildren(&c) && has_loclist(&c))
			return true;
	} while (!dwarf_siblingof(&c, &c));
	return false;
}

bool dw_cu_is_asm(struct dw_object *k, uint32_t cu_index)
{
	Dwarf_Die cu;
	Dwarf_Attribute a;
	Dwarf_Word lang;

	return k->dw && cu_index < k->n_cus && dwarf_offdie(k->dw, k->cus[cu_index].die, &cu) &&
	       !dwarf_formudata(dwarf_attr(&cu, DW_AT_language, &a), &lang) &&
	       lang == DW_LANG_Mips_Assembler;
}

uint64_t dw_after_prologue(struct dw_object *k, const struct dw_func *fn, int mode)
{
	Dwarf_Die cu, die;
	Dwarf_Lines *lines;
	Dwarf_Addr hi = fn->high, a;
	size_t nl, j;

	if (mode < 0 || (fn->flags & DWF_INLINE) || !k->dw ||
	    !dwarf_offdie(k->dw, k->cus[fn->cu].die, &cu))
		return fn->addr;
	if (mode == 0) {
		if (!k->cu_locs)
			k->cu_locs = xcalloc(k->n_cus, 1);
		if (!k->cu_locs[fn->cu])
			k->cu_locs[fn->cu] = has_loclist(&cu) ? 1 : 2;
		if (k->cu_locs[fn->cu] == 1)
			return fn->addr;
	}
	if (!hi && (!dwarf_offdie(k->dw, fn->die, &die) || dwarf_highpc(&die, &hi)))
		return fn->addr;
	if (dwarf_getsrclines(&cu, &lines, &nl))
		return fn->addr;
	/* the row after the entry's first one, whatever its line or is_stmt flag */
	for (j = 0; j + 1 < nl; j++)
		if (!dwarf_lineaddr(dwarf_onesrcline(lines, j), &a) && a == fn->addr) {
			if (!dwarf_lineaddr(dwarf_onesrcline(lines, j + 1), &a) &&
			    a >= fn->addr && a < hi)
				return a;
			break;
		}
	return fn->addr;
}
