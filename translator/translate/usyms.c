/* User-space objects' symbols, unwind rows and lines, for usymname(), umodname(),
 * ubacktrace() and the others of tapset/linux/ubacktrace.stp: when a used tapset
 * function calls `_stp_usym...`, `_stp_ustack...` or `_stp_ulookup`, the module gets, for every probed process("PATH")
 * executable or library, every -d PATH object and, with --ldd, the shared
 * libraries those need (DT_NEEDED and the interpreter, as ldd lists them):
 *   - its function and data symbols (.symtab, else .dynsym), sorted by address;
 *   - a compact CFI table derived from .eh_frame (every FDE): one row per
 *     change of the CFA rule or of where the return address and %rbp are saved;
 *   - its DWARF line table when it has one (addresses, file index, line).
 * Addresses are the object's link-time ones; the runtime (runtime/linux/stp_usyms.h)
 * finds an object's load bias from the mapping of the address in the current task.
 * Each table is bounded (USYM_MAX_*); what does not fit is left out with a warning. */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <elfutils/libdw.h>
#include <dwarf.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "passes.h"
#include "sha256.h"
#include "tapsets/uprobe.h"
#include "translate/translate.h"

#define USYM_MAX_OBJS 64
#define USYM_MAX_SYMS 200000	/* per object */
#define USYM_MAX_CFI 400000	/* per object */
#define USYM_MAX_LINES 200000	/* per object */

struct usym {
	uint64_t addr, size;
	const char *name;
	int rank;		/* global functions first among symbols at one address */
};

struct ucfi {
	uint64_t pc;
	int cfa_reg;		/* DWARF register: 7 %rsp, 6 %rbp; -1 unknown, -2 outermost */
	int64_t cfa_off;
	int ra_off, bp_off;	/* from the CFA; ra 0 unknown, bp 0 unchanged */
};

struct uline {
	uint64_t addr;
	const char *file;
	unsigned line;
};

static bool wants_usyms(struct session *s)
{
	const struct dw_probe_site *site;
	const struct function *fn;

	/* .callee probes of a process compare the hit's user stack with their path */
	for (site = dw_state(s)->sites; site; site = site->next)
		if (site->n_rets && site->obj && site->obj->kind != DW_OBJ_KERNEL &&
		    site->obj->kind != DW_OBJ_MODULE)
			return true;

	for (fn = s->prog.functions; fn; fn = fn->next_used)
		if (fn->is_tapset && fn->body->kind == AST_EMBEDDED &&
		    (strstr(fn->body->u.str, "_stp_usym") || strstr(fn->body->u.str, "_stp_ustack") ||
		     strstr(fn->body->u.str, "_stp_ulookup")))
			return true;
	return false;
}

static void add_path(struct strlist *objs, const char *path)
{
	char buf[PATH_MAX];
	size_t i;

	if (!realpath(path, buf))
		return;
	for (i = 0; i < objs->n; i++)
		if (!strcmp(objs->v[i], buf))
			return;
	if (objs->n < USYM_MAX_OBJS)
		strlist_add(objs, xstrdup(buf));
}

/* LINKS (or NULL) gets "LINK", "TARGET" when the library the loader finds as PATH is a
 * symbolic link (libpcre2-8.so.0 -> libpcre2-8.so.0.11.2): both real paths, the link's
 * directory resolved, so a guest holding only the target can have the name too */
static void add_link(struct strlist *links, const char *path)
{
	char dir[PATH_MAX], target[PATH_MAX], *slash, *link;
	struct stat st;
	size_t i;

	if (!links || lstat(path, &st) || !S_ISLNK(st.st_mode) || !realpath(path, target))
		return;
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	*slash = 0;
	if (!realpath(*dir ? dir : "/", dir))
		return;
	link = xasprintf("%s%s", dir, strrchr(path, '/'));
	for (i = 0; i + 1 < links->n; i += 2)
		if (!strcmp(links->v[i], link)) {
			free(link);
			return;
		}
	strlist_add(links, link);
	strlist_add(links, xstrdup(target));
}

/* a DT_NEEDED name as the dynamic loader finds it on this distribution */
static void add_needed(struct strlist *objs, struct strlist *links, const char *name)
{
	static const char *const dirs[] = {
		"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64",
		"/lib", "/usr/lib", "/usr/local/lib",
	};
	char buf[PATH_MAX];
	size_t i;

	if (strchr(name, '/')) {
		add_path(objs, name);
		add_link(links, name);
		return;
	}
	for (i = 0; i < ARRAY_LEN(dirs); i++) {
		snprintf(buf, sizeof(buf), "%s/%s", dirs[i], name);
		if (!access(buf, R_OK)) {
			add_path(objs, buf);
			add_link(links, buf);
			return;
		}
	}
}

/* the program interpreter (PT_INTERP) an ELF names, or NULL */
static const char *elf_interp(Elf *elf)
{
	size_t i, n;

	if (elf_getphdrnum(elf, &n))
		return NULL;
	for (i = 0; i < n; i++) {
		GElf_Phdr ph;
		Elf_Data *d;

		if (!gelf_getphdr(elf, i, &ph) || ph.p_type != PT_INTERP)
			continue;
		d = elf_getdata_rawchunk(elf, ph.p_offset, ph.p_filesz, ELF_T_BYTE);
		if (d && d->d_size && memchr(d->d_buf, '\0', d->d_size))
			return d->d_buf;
	}
	return NULL;
}

/* --ldd: the interpreter and the DT_NEEDED libraries of the object at path (LINKS: see
 * add_link) */
static void add_ldd(struct strlist *objs, struct strlist *links, Elf *elf)
{
	const char *interp = elf_interp(elf);
	Elf_Scn *scn = NULL;

	if (interp)
		add_path(objs, interp);
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;
		size_t k;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNAMIC)
			continue;
		d = elf_getdata(scn, NULL);
		for (k = 0; d && k < sh.sh_size / (sh.sh_entsize ? sh.sh_entsize : 16); k++) {
			GElf_Dyn dyn;
			const char *name;

			if (!gelf_getdyn(d, k, &dyn) || dyn.d_tag == DT_NULL)
				break;
			if (dyn.d_tag != DT_NEEDED)
				continue;
			name = elf_strptr(elf, sh.sh_link, dyn.d_un.d_val);
			if (name)
				add_needed(objs, links, name);
		}
	}
}

static int cmp_sym(const void *a, const void *b)
{
	const struct usym *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return x->rank - y->rank;
}

static size_t read_syms(struct session *s, const char *path, Elf *elf, struct usym **out)
{
	Elf_Scn *scn = NULL, *best = NULL;
	GElf_Shdr sh;
	Elf_Data *d;
	struct usym *v;
	size_t i, j, n = 0, cnt;

	while ((scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, &sh))
			continue;
		if (sh.sh_type == SHT_SYMTAB || (sh.sh_type == SHT_DYNSYM && !best))
			best = scn;
	}
	*out = NULL;
	if (!best || !gelf_getshdr(best, &sh) || !(d = elf_getdata(best, NULL)) || !sh.sh_entsize)
		return 0;
	cnt = sh.sh_size / sh.sh_entsize;
	v = xmalloc((cnt + 1) * sizeof(*v));
	for (i = 0; i < cnt; i++) {
		GElf_Sym sym;
		const char *name;
		int type;

		if (!gelf_getsym(d, i, &sym) || sym.st_shndx == SHN_UNDEF || !sym.st_value)
			continue;
		type = GELF_ST_TYPE(sym.st_info);
		if (type != STT_FUNC && type != STT_OBJECT && type != STT_GNU_IFUNC)
			continue;
		name = elf_strptr(elf, sh.sh_link, sym.st_name);
		if (!name || !*name)
			continue;
		v[n].addr = sym.st_value;
		v[n].size = sym.st_size;
		v[n].name = name;
		v[n].rank = (type == STT_OBJECT) * 4 +
			    (GELF_ST_BIND(sym.st_info) != STB_GLOBAL) * 2 + (name[0] == '_');
		n++;
	}
	qsort(v, n, sizeof(*v), cmp_sym);
	for (i = j = 0; i < n; i++)
		if (!j || v[j - 1].addr != v[i].addr)
			v[j++] = v[i];
	if (j > USYM_MAX_SYMS) {
		diag_warn(s, NULL, "only the first %d of the %zu symbols of '%s' are embedded",
			  USYM_MAX_SYMS, j, path);
		j = USYM_MAX_SYMS;
	}
	*out = v;
	return j;
}

/* the offset from the CFA of a register's save slot, 0 if not saved there */
static int saved_at(Dwarf_Frame *f, int reg, bool *undefined)
{
	Dwarf_Op mem[3], *ops;
	size_t nops;

	*undefined = false;
	if (dwarf_frame_register(f, reg, mem, &ops, &nops) || !ops)
		return 0;
	if (!nops) {
		*undefined = true;
		return 0;
	}
	if (ops[0].atom != DW_OP_call_frame_cfa)
		return 0;
	if (nops == 2 && ops[1].atom == DW_OP_plus_uconst)
		return (int)(int64_t)ops[1].number;
	if (nops == 3 && ops[1].atom == DW_OP_consts && ops[2].atom == DW_OP_plus)
		return (int)(int64_t)ops[1].number;
	return 0;
}

static void cfi_row(Dwarf_Frame *f, uint64_t pc, struct ucfi *r)
{
	Dwarf_Op *ops;
	size_t nops;
	bool undef;

	memset(r, 0, sizeof(*r));
	r->pc = pc;
	r->cfa_reg = -1;
	if (dwarf_frame_cfa(f, &ops, &nops) || nops != 1 || ops[0].atom != DW_OP_bregx ||
	    (ops[0].number != 7 && ops[0].number != 6))
		return;
	r->ra_off = saved_at(f, 16, &undef);
	if (undef)
		r->cfa_reg = -2;	/* the outermost frame (_start): the stack ends */
	if (!r->ra_off)
		return;		/* that, or a rule we do not follow */
	r->cfa_reg = (int)ops[0].number;
	r->cfa_off = (int64_t)ops[0].number2;
	r->bp_off = saved_at(f, 6, &undef);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* an encoded pointer of .eh_frame at p (section address addr of p); false if the
 * encoding is not one GCC and the linkers use */
static bool read_encoded(int enc, const uint8_t *p, const uint8_t *end, uint64_t addr,
			 uint64_t *out)
{
	int64_t v;

	switch (enc & 0x0f) {
	case DW_EH_PE_absptr: case DW_EH_PE_udata8: case DW_EH_PE_sdata8:
		if (end - p < 8)
			return false;
		memcpy(&v, p, 8);
		break;
	case DW_EH_PE_udata4:
	case DW_EH_PE_sdata4: {
		int32_t s32;
		uint32_t u32;

		if (end - p < 4)
			return false;
		memcpy(&s32, p, 4);
		memcpy(&u32, p, 4);
		v = (enc & 0x0f) == DW_EH_PE_sdata4 ? s32 : (int64_t)u32;
		break;
	}
	default:
		return false;
	}
	if ((enc & 0x70) == DW_EH_PE_pcrel)
		v += (int64_t)addr;
	else if (enc & 0x70)
		return false;
	*out = (uint64_t)v;
	return true;
}

/* the FDE pointer encoding of a CIE ('R' of its augmentation), or -1 */
static int cie_encoding(const Dwarf_CIE *cie)
{
	const char *a = cie->augmentation;
	const uint8_t *d = cie->augmentation_data;
	size_t i = 0;

	if (!a || a[0] != 'z')
		return a && !a[0] ? DW_EH_PE_absptr : -1;
	for (a++; *a && d && i < cie->augmentation_data_size; a++) {
		switch (*a) {
		case 'R':
			return d[i];
		case 'L':
			i++;
			break;
		case 'P': {
			int pe = d[i++];

			i += (pe & 0x0f) == DW_EH_PE_udata4 || (pe & 0x0f) == DW_EH_PE_sdata4 ? 4 : 8;
			break;
		}
		case 'S': case 'B':
			break;
		default:
			return -1;
		}
	}
	return DW_EH_PE_absptr;
}

/* the sorted starts of .eh_frame's FDEs */
static size_t fde_starts(Elf *elf, uint64_t **out)
{
	Elf_Scn *scn = NULL;
	size_t shstr, n = 0, cap = 0;
	const unsigned char *ident = (const unsigned char *)elf_getident(elf, NULL);

	*out = NULL;
	if (!ident || elf_getshdrstrndx(elf, &shstr))
		return 0;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *name;
		Elf_Data *d;
		Dwarf_Off off = 0, next;
		struct { Dwarf_Off off; int enc; } cies[64];
		size_t n_cies = 0;
		Dwarf_CFI_Entry e;

		if (!gelf_getshdr(scn, &sh) || !(name = elf_strptr(elf, shstr, sh.sh_name)) ||
		    strcmp(name, ".eh_frame") || !(d = elf_getdata(scn, NULL)))
			continue;
		while (dwarf_next_cfi(ident, d, true, off, &next, &e) == 0) {
			if (dwarf_cfi_cie_p(&e)) {
				if (n_cies < ARRAY_LEN(cies)) {
					cies[n_cies].off = off;
					cies[n_cies++].enc = cie_encoding(&e.cie);
				}
			} else {
				size_t k;
				uint64_t loc;

				for (k = 0; k < n_cies && cies[k].off != e.fde.CIE_pointer; k++)
					;
				if (k < n_cies && cies[k].enc >= 0 &&
				    read_encoded(cies[k].enc, e.fde.start, e.fde.end,
						 sh.sh_addr + (uint64_t)(e.fde.start - (const uint8_t *)d->d_buf),
						 &loc) && loc) {
					if (n == cap) {
						cap = cap ? cap * 2 : 1024;
						*out = xrealloc(*out, cap * sizeof(**out));
					}
					(*out)[n++] = loc;
				}
			}
			off = next;
		}
		break;
	}
	if (n)
		qsort(*out, n, sizeof(**out), cmp_u64);
	return n;
}

static size_t read_cfi(struct session *s, const char *path, Elf *elf, struct ucfi **out)
{
	Dwarf_CFI *cfi = dwarf_getcfi_elf(elf);
	uint64_t *starts;
	size_t n_starts = cfi ? fde_starts(elf, &starts) : 0, i, n = 0, cap = 0;
	struct ucfi *v = NULL;
	bool full = false;

	*out = NULL;
	for (i = 0; i < n_starts && !full; i++) {
		uint64_t pc = starts[i], next = i + 1 < n_starts ? starts[i + 1] : UINT64_MAX;
		int steps = 0;

		while (pc < next && steps++ < 10000) {
			Dwarf_Frame *f;
			Dwarf_Addr lo, hi;

			if (dwarf_cfi_addrframe(cfi, pc, &f))
				break;
			if (dwarf_frame_info(f, &lo, &hi, NULL) < 0 || hi <= pc) {
				free(f);
				break;
			}
			if (n + 2 > cap) {
				cap = cap ? cap * 2 : 1024;
				v = xrealloc(v, cap * sizeof(*v));
			}
			cfi_row(f, pc, &v[n]);
			free(f);
			/* a row like the one before it adds nothing */
			if (!n || memcmp(&v[n].cfa_reg, &v[n - 1].cfa_reg,
					 sizeof(*v) - offsetof(struct ucfi, cfa_reg)))
				n++;
			pc = hi;
		}
		if (pc < next) {	/* a gap after the FDE: no rule there */
			if (n + 1 > cap) {
				cap = cap ? cap * 2 : 1024;
				v = xrealloc(v, cap * sizeof(*v));
			}
			memset(&v[n], 0, sizeof(*v));
			v[n].pc = pc;
			v[n++].cfa_reg = -1;
		}
		if (n >= USYM_MAX_CFI) {
			diag_warn(s, NULL, "only part of the unwind data of '%s' is embedded (%d rows)",
				  path, USYM_MAX_CFI);
			n = USYM_MAX_CFI;
			full = true;
		}
	}
	if (n_starts)
		free(starts);
	if (cfi)
		dwarf_cfi_end(cfi);
	*out = v;
	return n;
}

static int cmp_line(const void *a, const void *b)
{
	const struct uline *x = a, *y = b;

	return (x->addr > y->addr) - (x->addr < y->addr);
}

static size_t read_lines(struct session *s, Elf *elf, struct uline **out)
{
	Dwarf *dw = dwarf_begin_elf(elf, DWARF_C_READ, NULL);
	Dwarf_Off off = 0, next;
	size_t hsize, n = 0, cap = 0;
	struct uline *v = NULL;

	*out = NULL;
	if (!dw)
		return 0;
	while (n < USYM_MAX_LINES && !dwarf_nextcu(dw, off, &next, &hsize, NULL, NULL, NULL)) {
		Dwarf_Die cu;
		Dwarf_Lines *lines;
		size_t k, cnt;

		if (dwarf_offdie(dw, off + hsize, &cu) &&
		    !dwarf_getsrclines(&cu, &lines, &cnt)) {
			for (k = 0; k < cnt && n < USYM_MAX_LINES; k++) {
				Dwarf_Line *l = dwarf_onesrcline(lines, k);
				Dwarf_Addr a;
				int ln;
				const char *file;

				if (!l || dwarf_lineaddr(l, &a) || dwarf_lineno(l, &ln) ||
				    !(file = dwarf_linesrc(l, NULL, NULL)))
					continue;
				if (n == cap) {
					cap = cap ? cap * 2 : 256;
					v = xrealloc(v, cap * sizeof(*v));
				}
				v[n].addr = a;
				v[n].line = ln;
				v[n].file = arena_strdup(&s->arena, file);
				n++;
			}
		}
		off = next;
	}
	dwarf_end(dw);
	qsort(v, n, sizeof(*v), cmp_line);
	*out = v;
	return n;
}

/* the first loadable segments' file offsets and link addresses, for the bias */
static int read_segs(Elf *elf, uint64_t seg[4][3])
{
	size_t i, n, k = 0;

	if (elf_getphdrnum(elf, &n))
		return 0;
	for (i = 0; i < n && k < 4; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, i, &ph) || ph.p_type != PT_LOAD)
			continue;
		seg[k][0] = ph.p_offset;
		seg[k][1] = ph.p_vaddr;
		seg[k][2] = ph.p_filesz;
		k++;
	}
	return (int)k;
}

/* the tables of one object as _stp_usym_N, _stp_ucfi_N, _stp_uline_N; false if it
 * is not an x86_64 ELF object */
static bool emit_object(struct session *s, struct emitter *decl, const char *path,
			size_t idx, struct strbuf *entry)
{
	int fd = open(path, O_RDONLY);
	Elf *elf = fd < 0 ? NULL : elf_begin(fd, ELF_C_READ_MMAP, NULL);
	GElf_Ehdr eh;
	struct usym *syms;
	struct ucfi *cfi;
	struct uline *lines;
	uint64_t seg[4][3];
	size_t n_syms, n_cfi, n_lines, i;
	int n_seg;
	char *c;

	if (!elf || !gelf_getehdr(elf, &eh) || eh.e_machine != EM_X86_64 ||
	    (eh.e_type != ET_EXEC && eh.e_type != ET_DYN)) {
		diag_warn(s, NULL, "'%s' is not an x86_64 executable or shared library: no symbols or unwind data for it",
			  path);
		if (elf)
			elf_end(elf);
		if (fd >= 0)
			close(fd);
		return false;
	}
	n_seg = read_segs(elf, seg);
	n_syms = read_syms(s, path, elf, &syms);
	n_cfi = read_cfi(s, path, elf, &cfi);
	n_lines = read_lines(s, elf, &lines);

	emit_open(decl, "static const struct _stp_usym _stp_usym_%zu[] =", idx);
	for (i = 0; i < n_syms; i++) {
		c = emit_cstr(syms[i].name);
		emit_line(decl, "{ 0x%llxUL, 0x%llxUL, %s },", (unsigned long long)syms[i].addr,
			  (unsigned long long)syms[i].size, c);
		free(c);
	}
	emit_line(decl, "{ 0, 0, NULL }");
	emit_close(decl, "};");
	emit_open(decl, "static const struct _stp_ucfi _stp_ucfi_%zu[] =", idx);
	for (i = 0; i < n_cfi; i++)
		emit_line(decl, "{ 0x%llxUL, %lld, %d, %d, %d },", (unsigned long long)cfi[i].pc,
			  (long long)cfi[i].cfa_off, cfi[i].ra_off, cfi[i].bp_off, cfi[i].cfa_reg);
	emit_line(decl, "{ 0, 0, 0, 0, -1 }");
	emit_close(decl, "};");
	emit_open(decl, "static const struct _stp_uline _stp_uline_%zu[] =", idx);
	for (i = 0; i < n_lines; i++) {
		c = emit_cstr(lines[i].file);
		emit_line(decl, "{ 0x%llxUL, %s, %u },", (unsigned long long)lines[i].addr, c,
			  lines[i].line);
		free(c);
	}
	emit_line(decl, "{ 0, NULL, 0 }");
	emit_close(decl, "};");

	c = emit_cstr(path);
	sb_printf(entry, "{ %s, %d, {", c, n_seg);
	free(c);
	for (i = 0; i < 4; i++)
		sb_printf(entry, " { 0x%llxUL, 0x%llxUL, 0x%llxUL },",
			  (unsigned long long)(i < (size_t)n_seg ? seg[i][0] : 0),
			  (unsigned long long)(i < (size_t)n_seg ? seg[i][1] : 0),
			  (unsigned long long)(i < (size_t)n_seg ? seg[i][2] : 0));
	sb_printf(entry, " }, _stp_usym_%zu, %zu, _stp_ucfi_%zu, %zu, _stp_uline_%zu, %zu },",
		  idx, n_syms, idx, n_cfi, idx, n_lines);
	free(syms);
	free(cfi);
	free(lines);
	elf_end(elf);
	close(fd);
	return true;
}

/* the libraries that objs->v[FIRST..] need, recursively (objs grows as the loop goes) */
static void add_ldd_from(struct strlist *objs, struct strlist *links, size_t first)
{
	size_t i;

	for (i = first; i < objs->n; i++) {
		int fd = open(objs->v[i], O_RDONLY);
		Elf *elf = fd < 0 ? NULL : elf_begin(fd, ELF_C_READ_MMAP, NULL);

		if (elf) {
			add_ldd(objs, links, elf);
			elf_end(elf);
		}
		if (fd >= 0)
			close(fd);
	}
}

/* the objects to embed: the probed programs, the -d objects and, with --ldd, the
 * libraries they need, recursively (objs grows as the loop goes) */
static void collect_objects(struct session *s, struct strlist *objs)
{
	const struct derived_probe *dp;
	size_t i;

	elf_version(EV_CURRENT);
	for (dp = s->prog.probes; dp; dp = dp->next) {
		const char *p = up_probe_path(dp);

		if (p)
			add_path(objs, p);
	}
	for (i = 0; i < s->opt.user_objects.n; i++)
		add_path(objs, s->opt.user_objects.v[i]);
	if (s->opt.ldd)
		add_ldd_from(objs, NULL, 0);
}

static void free_objects(struct strlist *objs)
{
	size_t i;

	for (i = 0; i < objs->n; i++)
		free((char *)objs->v[i]);
	strlist_free(objs);
}

/* the objects a guest needs at their paths: those of collect_objects(), and PROGRAM (-c's,
 * or NULL) with the libraries it loads, and in LINKS the names it loads some of these by
 * (see add_link); *INTERP: PROGRAM's interpreter as it names it (malloc'd, or NULL), which
 * the guest needs at that path too */
void xl_usyms_guest_objects(struct session *s, const char *program, struct strlist *objs,
			    struct strlist *links, char **interp)
{
	size_t first;
	int fd;
	Elf *elf;

	*interp = NULL;
	collect_objects(s, objs);
	if (!program)
		return;
	first = objs->n;
	add_path(objs, program);
	fd = open(program, O_RDONLY | O_CLOEXEC);
	elf = fd < 0 ? NULL : elf_begin(fd, ELF_C_READ_MMAP, NULL);
	/* a probed program is among the objects already: its libraries go in all the same */
	if (elf && objs->n == first)
		add_ldd(objs, links, elf);
	add_ldd_from(objs, links, first);
	if (elf && elf_interp(elf))
		*interp = xstrdup(elf_interp(elf));
	elf_end(elf);
	if (fd >= 0)
		close(fd);
}

void xl_usyms_free_objects(struct strlist *objs)
{
	free_objects(objs);
}

void xl_usyms_cache_key(struct session *s, struct sha256 *h)
{
	struct strlist objs = { 0 };
	size_t i;

	sha256_str(h, s->opt.ldd ? "--ldd" : "");
	if (!wants_usyms(s))
		return;
	collect_objects(s, &objs);
	for (i = 0; i < objs.n; i++)
		cache_hash_file(h, objs.v[i]);
	free_objects(&objs);
}

void xl_emit_usyms(struct session *s, struct emitter *decl)
{
	struct strlist objs = { 0 }, entries = { 0 };
	size_t i;

	if (!wants_usyms(s))
		return;
	collect_objects(s, &objs);
	for (i = 0; i < objs.n; i++) {
		struct strbuf e = { 0 };

		if (emit_object(s, decl, objs.v[i], i, &e))
			strlist_add(&entries, e.buf);
		else
			sb_free(&e);
	}
	emit_open(decl, "const struct _stp_uobj _stp_uobjs[] =");
	for (i = 0; i < entries.n; i++) {
		emit_line(decl, "%s", entries.v[i]);
		free((char *)entries.v[i]);
	}
	emit_line(decl, "{ NULL }");
	emit_close(decl, "};");
	emit_line(decl, "const size_t _stp_n_uobjs = ARRAY_SIZE(_stp_uobjs) - 1;");
	strlist_free(&entries);
	free_objects(&objs);
}
