/* The function index: every concrete function and inlined instance of the kernel's
 * DWARF with its name, declaration, entry address and DIE offset. Walking the 600 MB
 * debug vmlinux takes about a second, so the index is built once per build id and kept
 * under $SYSTEMTAP_DIR/cache/dwarf/<build-id>.idx; later runs mmap it and look DIEs up
 * by offset. The file is a header, then the CU table, the function table and the
 * strings, each 8-byte aligned; a bad or foreign file is rebuilt. It also lists the
 * named types defined at CU level (first definition of each), for @cast. */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dwarf/dwarf.h"
#include "fsafe.h"
#include "passes.h"
#include "util.h"

#define IDX_MAGIC "STAPDWX3"

struct idx_header {
	char magic[8];
	uint32_t build_id_len;
	uint32_t pad;
	unsigned char build_id[64];
	uint64_t n_cus, n_funcs, n_types, strings_len;
};

struct builder {
	struct strbuf strings;
	uint32_t *hash;			/* string offsets + 1, open addressing */
	size_t hash_cap, n_strs;
	struct dw_func *funcs;
	size_t n_funcs, cap_funcs;
	struct dw_cu *cus;
	size_t n_cus, cap_cus;
	struct dw_type *types;
	size_t n_types, cap_types;
	uint64_t *type_keys;		/* (name << 8 | tag) + 1 seen, open addressing */
	size_t cap_keys;
};

static uint32_t hash_str(const char *str)
{
	uint32_t h = 2166136261u;

	for (; *str; str++)
		h = (h ^ (unsigned char)*str) * 16777619u;
	return h;
}

static uint32_t intern(struct builder *b, const char *str)
{
	size_t i, len;
	uint32_t off;

	if (!str)
		str = "";
	if (b->n_strs * 2 >= b->hash_cap) {
		uint32_t *old = b->hash;
		size_t old_cap = b->hash_cap;

		b->hash_cap = old_cap ? old_cap * 2 : 1 << 16;
		b->hash = xcalloc(b->hash_cap, sizeof(*b->hash));
		for (i = 0; i < old_cap; i++) {
			size_t j;

			if (!old[i])
				continue;
			j = hash_str(b->strings.buf + old[i] - 1) & (b->hash_cap - 1);
			while (b->hash[j])
				j = (j + 1) & (b->hash_cap - 1);
			b->hash[j] = old[i];
		}
		free(old);
	}
	i = hash_str(str) & (b->hash_cap - 1);
	while (b->hash[i]) {
		if (!strcmp(b->strings.buf + b->hash[i] - 1, str))
			return b->hash[i] - 1;
		i = (i + 1) & (b->hash_cap - 1);
	}
	len = strlen(str);
	off = (uint32_t)b->strings.len;
	sb_add(&b->strings, str, len + 1);
	b->hash[i] = off + 1;
	b->n_strs++;
	return off;
}

/* The entry address of a function or inlined instance: low_pc/entry_pc, else the
 * first range (a function split into hot and cold parts starts with the hot one). */
static bool entry_addr(Dwarf_Die *die, uint64_t *lo, uint64_t *hi)
{
	Dwarf_Addr base, start, end, a;
	ptrdiff_t off;

	*hi = 0;
	if (dwarf_entrypc(die, &a) == 0) {
		*lo = a;
		if (dwarf_highpc(die, &a) == 0)
			*hi = a;
		return *lo != 0;
	}
	off = dwarf_ranges(die, 0, &base, &start, &end);
	if (off <= 0)
		return false;
	*lo = start;
	*hi = end;
	return start != 0;
}

static void add_func(struct builder *b, Dwarf_Die *die, uint32_t cu, bool inl)
{
	const char *name = dwarf_diename(die), *file;
	struct dw_func *f;
	Dwarf_Attribute at;
	uint64_t lo, hi;
	int line = 0;
	bool flag = false;

	if (!name || !entry_addr(die, &lo, &hi))
		return;
	if (b->n_funcs == b->cap_funcs) {
		b->cap_funcs = b->cap_funcs ? b->cap_funcs * 2 : 1 << 16;
		b->funcs = xrealloc(b->funcs, b->cap_funcs * sizeof(*b->funcs));
	}
	f = &b->funcs[b->n_funcs++];
	memset(f, 0, sizeof(*f));
	file = dwarf_decl_file(die);
	dwarf_decl_line(die, &line);
	if (file && !strncmp(file, "./", 2))
		file += 2;
	f->name = intern(b, name);
	f->file = intern(b, file);
	f->line = (uint32_t)line;
	f->cu = cu;
	f->die = dwarf_dieoffset(die);
	f->addr = lo;
	f->high = hi;
	if (inl)
		f->flags |= DWF_INLINE;
	if (dwarf_attr_integrate(die, DW_AT_external, &at) && dwarf_formflag(&at, &flag) == 0 &&
	    flag)
		f->flags |= DWF_EXTERNAL;
	if (dwarf_func_inline(die))
		f->flags |= DWF_DECL_INLINE;
}

static void walk(struct builder *b, Dwarf_Die *parent, uint32_t cu)
{
	Dwarf_Die c;

	if (dwarf_child(parent, &c) != 0)
		return;
	do {
		switch (dwarf_tag(&c)) {
		case DW_TAG_subprogram:
			add_func(b, &c, cu, false);
			walk(b, &c, cu);
			break;
		case DW_TAG_inlined_subroutine:
			add_func(b, &c, cu, true);
			walk(b, &c, cu);
			break;
		case DW_TAG_lexical_block:
			walk(b, &c, cu);
			break;
		default:
			break;
		}
	} while (dwarf_siblingof(&c, &c) == 0);
}

/* Whether (name, tag) is new; remembers it. */
static bool type_key_new(struct builder *b, uint32_t name, int tag)
{
	uint64_t key = ((uint64_t)name << 8 | (uint64_t)(tag & 0xff)) + 1;
	size_t i;

	if (b->n_types * 2 >= b->cap_keys) {
		uint64_t *old = b->type_keys;
		size_t old_cap = b->cap_keys, j;

		b->cap_keys = old_cap ? old_cap * 2 : 1 << 16;
		b->type_keys = xcalloc(b->cap_keys, sizeof(*b->type_keys));
		for (j = 0; j < old_cap; j++) {
			if (!old[j])
				continue;
			i = (size_t)(old[j] * 0x9e3779b97f4a7c15ULL) & (b->cap_keys - 1);
			while (b->type_keys[i])
				i = (i + 1) & (b->cap_keys - 1);
			b->type_keys[i] = old[j];
		}
		free(old);
	}
	i = (size_t)(key * 0x9e3779b97f4a7c15ULL) & (b->cap_keys - 1);
	while (b->type_keys[i]) {
		if (b->type_keys[i] == key)
			return false;
		i = (i + 1) & (b->cap_keys - 1);
	}
	b->type_keys[i] = key;
	return true;
}

/* The first complete definition of each named struct, union, enum and typedef at a
 * CU's top level: what @cast(p, "struct task_struct") looks up. */
static void add_types(struct builder *b, Dwarf_Die *cu)
{
	Dwarf_Die c;

	if (dwarf_child(cu, &c) != 0)
		return;
	do {
		int tag = dwarf_tag(&c);
		const char *name;
		uint32_t off;

		if (tag != DW_TAG_structure_type && tag != DW_TAG_union_type &&
		    tag != DW_TAG_enumeration_type && tag != DW_TAG_typedef)
			continue;
		if (!(name = dwarf_diename(&c)) || dwarf_hasattr(&c, DW_AT_declaration))
			continue;
		off = intern(b, name);
		if (!type_key_new(b, off, tag))
			continue;
		if (b->n_types == b->cap_types) {
			b->cap_types = b->cap_types ? b->cap_types * 2 : 1 << 14;
			b->types = xrealloc(b->types, b->cap_types * sizeof(*b->types));
		}
		b->types[b->n_types].name = off;
		b->types[b->n_types].tag = (uint32_t)tag;
		b->types[b->n_types].die = dwarf_dieoffset(&c);
		b->n_types++;
	} while (dwarf_siblingof(&c, &c) == 0);
}

static void build(struct builder *b, Dwarf *dw)
{
	Dwarf_Off off = 0, next;
	size_t hsize;

	intern(b, "");
	while (dwarf_nextcu(dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
		Dwarf_Die cu;

		if (dwarf_offdie(dw, off + hsize, &cu)) {
			const char *name = dwarf_diename(&cu);

			if (b->n_cus == b->cap_cus) {
				b->cap_cus = b->cap_cus ? b->cap_cus * 2 : 4096;
				b->cus = xrealloc(b->cus, b->cap_cus * sizeof(*b->cus));
			}
			b->cus[b->n_cus].name = intern(b, name && !strncmp(name, "./", 2) ?
							      name + 2 : name);
			b->cus[b->n_cus].pad = 0;
			b->cus[b->n_cus].die = dwarf_dieoffset(&cu);
			walk(b, &cu, (uint32_t)b->n_cus);
			add_types(b, &cu);
			b->n_cus++;
		}
		off = next;
	}
}

static size_t align8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

/* Write atomically: a temporary file renamed into place. */
static int store(struct session *s, const struct dw_object *k, const struct builder *b,
		 const char *path)
{
	struct idx_header h = { .build_id_len = (uint32_t)k->build_id_len };
	struct strbuf out = { 0 };
	static const char zeros[8];
	int rc;

	memcpy(h.magic, IDX_MAGIC, 8);
	memcpy(h.build_id, k->build_id, k->build_id_len);
	h.n_cus = b->n_cus;
	h.n_funcs = b->n_funcs;
	h.n_types = b->n_types;
	h.strings_len = b->strings.len;
	sb_add(&out, (const char *)&h, sizeof(h));
	sb_add(&out, (const char *)b->cus, b->n_cus * sizeof(*b->cus));
	sb_add(&out, zeros, align8(out.len) - out.len);
	sb_add(&out, (const char *)b->funcs, b->n_funcs * sizeof(*b->funcs));
	sb_add(&out, (const char *)b->types, b->n_types * sizeof(*b->types));
	sb_add(&out, b->strings.buf, b->strings.len);
	rc = write_file(path, out.buf, out.len);
	if (rc && s->opt.verbose)
		fprintf(stderr, "stap: cannot write the DWARF index %s: %s\n", path,
			strerror(rc < 0 ? -rc : rc));
	sb_free(&out);
	return rc;
}

/* Is the mapped file P (LEN bytes) a whole, consistent index for K? Every count,
 * offset and index in it is checked before anything reads through it. */
static bool index_valid(const struct dw_object *k, const char *p, size_t len)
{
	const struct idx_header *h = (const void *)p;
	const struct dw_cu *cus;
	const struct dw_func *funcs;
	const struct dw_type *types;
	const char *strings;
	size_t off, i;

	if (len < sizeof(*h) || memcmp(h->magic, IDX_MAGIC, 8) ||
	    h->build_id_len != k->build_id_len ||
	    memcmp(h->build_id, k->build_id, k->build_id_len))
		return false;
	/* each count bounded by the file size first, so the sums cannot overflow */
	if (h->n_cus > len / sizeof(*cus) || h->n_funcs > len / sizeof(*funcs) ||
	    h->n_types > len / sizeof(*types) || h->strings_len > len ||
	    h->strings_len == 0 || h->strings_len > UINT32_MAX)
		return false;
	off = align8(sizeof(*h) + h->n_cus * sizeof(*cus));
	if (off + h->n_funcs * sizeof(*funcs) + h->n_types * sizeof(*types) +
	    h->strings_len != len)
		return false;
	cus = (const void *)(p + sizeof(*h));
	funcs = (const void *)(p + off);
	types = (const void *)(funcs + h->n_funcs);
	strings = (const char *)(types + h->n_types);
	if (strings[h->strings_len - 1] != '\0')
		return false;
	for (i = 0; i < h->n_cus; i++)
		if (cus[i].name >= h->strings_len)
			return false;
	for (i = 0; i < h->n_funcs; i++)
		if (funcs[i].name >= h->strings_len || funcs[i].file >= h->strings_len ||
		    funcs[i].cu >= h->n_cus)
			return false;
	for (i = 0; i < h->n_types; i++)
		if (types[i].name >= h->strings_len)
			return false;
	return true;
}

static int map_index(struct dw_object *k, const char *path)
{
	const struct idx_header *h;
	struct stat st;
	void *p;
	int fd = fs_open_trusted(path, NULL);

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) || (size_t)st.st_size < sizeof(*h)) {
		close(fd);
		return -1;
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return -1;
	if (!index_valid(k, p, (size_t)st.st_size)) {
		munmap(p, (size_t)st.st_size);
		return -1;
	}
	h = p;
	k->idx = p;
	k->idx_len = (size_t)st.st_size;
	k->cus = (const struct dw_cu *)(k->idx + sizeof(*h));
	k->n_cus = h->n_cus;
	k->funcs = (const struct dw_func *)(k->idx + align8(sizeof(*h) +
							     h->n_cus * sizeof(struct dw_cu)));
	k->n_funcs = h->n_funcs;
	k->types = (const struct dw_type *)(k->funcs + k->n_funcs);
	k->n_types = h->n_types;
	k->strings = (const char *)(k->types + k->n_types);
	return 0;
}

int dw_index_load(struct session *s, struct dw_object *k)
{
	const char *dir = cache_subdir(s, "dwarf");
	const char *path = dir ? arena_printf(&s->arena, "%s/%s.idx", dir, dw_build_id_hex(s, k))
			       : NULL;
	struct builder b = { 0 };
	double t0 = now_ms();
	int rc = 0;

	if (path && map_index(k, path) == 0)
		return 0;
	build(&b, k->dw);
	if (s->opt.verbose > 1)
		fprintf(stderr, "dwarf: indexed %zu functions of %zu CUs of %s in %.0f ms\n",
			b.n_funcs, b.n_cus, k->path, now_ms() - t0);
	if (!path || store(s, k, &b, path) || map_index(k, path)) {
		/* no cache: keep the index in memory for this run */
		size_t len = align8(sizeof(struct idx_header) + b.n_cus * sizeof(struct dw_cu)) +
			     b.n_funcs * sizeof(struct dw_func) +
			     b.n_types * sizeof(struct dw_type) + b.strings.len;
		char *p = arena_alloc(&s->arena, len);
		struct dw_func *funcs;
		struct dw_type *types;

		memcpy(p + sizeof(struct idx_header), b.cus, b.n_cus * sizeof(struct dw_cu));
		funcs = (struct dw_func *)(p + len - b.strings.len -
					   b.n_types * sizeof(*types) -
					   b.n_funcs * sizeof(*funcs));
		memcpy(funcs, b.funcs, b.n_funcs * sizeof(*funcs));
		types = (struct dw_type *)(funcs + b.n_funcs);
		memcpy(types, b.types, b.n_types * sizeof(*types));
		memcpy((char *)(types + b.n_types), b.strings.buf, b.strings.len);
		k->cus = (const struct dw_cu *)(p + sizeof(struct idx_header));
		k->n_cus = b.n_cus;
		k->funcs = funcs;
		k->n_funcs = b.n_funcs;
		k->types = types;
		k->n_types = b.n_types;
		k->strings = (const char *)(types + b.n_types);
	}
	free(b.funcs);
	free(b.cus);
	free(b.types);
	free(b.type_keys);
	free(b.hash);
	sb_free(&b.strings);
	return rc;
}

static void close_one(struct dw_object *k)
{
	if (k->dwfl)
		dwfl_end(k->dwfl);	/* owns the module's Elf and Dwarf */
	else if (k->dw)
		dwarf_end(k->dw);
	if (k->elf && !k->dwfl)
		elf_end(k->elf);
	if (k->fd >= 0)
		close(k->fd);
	if (k->dbg_elf)
		elf_end(k->dbg_elf);
	if (k->dbg_fd >= 0)
		close(k->dbg_fd);
	if (k->idx)
		munmap(k->idx, k->idx_len);
	free(k->syms);
	free(k->syms_by_name);
	free(k->tps);
	free(k->blacklist);
	free(k->cu_locs);
}

void dw_close(struct session *s)
{
	struct dw_state *st = s->kern.dw;
	struct dw_object *m;

	if (!st)
		return;
	for (m = st->modules; m; m = m->next)
		close_one(m);
	for (m = st->users; m; m = m->next)
		close_one(m);
	close_one(&st->kernel);
	s->kern.dw = NULL;
}
