/* The DWARF of kernel modules for module("NAME").function/.statement probes. A module's
 * .ko is ET_REL: its debug sections need relocating, which libdwfl's offline mode does,
 * laying the sections out at made-up addresses. Probe addresses in that layout become
 * SYMBOL+OFFSET ("ext4:ext4_file_open"+0), which the kernel resolves once the module is
 * loaded (runtime/linux/stp_kprobes.h registers them then, also for a module loaded
 * after the session started). As for the kernel, the debuginfo must have the build id
 * of the module that would be loaded: the .ko found on the host is checked here, and
 * the loaded one by the runtime when it is already loaded at start. */
#define _GNU_SOURCE 1	/* nftw */
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <fnmatch.h>
#include <ftw.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>

#include "dwarf/dwarf.h"
#include "util.h"

const char *dw_module_name(struct session *s, const char *spec)
{
	const char *base = strrchr(spec, '/');
	char *n = arena_strdup(&s->arena, base ? base + 1 : spec), *p;

	p = strstr(n, ".ko");
	if (p && (p[3] == '\0' || p[3] == '.'))
		*p = '\0';
	for (p = n; *p; p++)
		if (*p == '-')
			*p = '_';
	return n;
}

/* A compressed module (.ko.xz) cannot be read for its build id here. */
static bool is_compressed(const char *path)
{
	size_t len = strlen(path);

	return len < 3 || strcmp(path + len - 3, ".ko");
}

/* The path of module `name` relative to /lib/modules/<release>/ from modules.dep, e.g.
 * "kernel/fs/ext4/ext4.ko", or NULL. */
static const char *modules_dep_path(struct session *s, const char *name)
{
	const char *dep = arena_printf(&s->arena, "/lib/modules/%s/modules.dep", s->kern.release);
	char *buf, *line, *save = NULL;
	const char *found = NULL;
	size_t len;

	if (read_file(dep, &buf, &len))
		return NULL;
	for (line = strtok_r(buf, "\n", &save); line && !found;
	     line = strtok_r(NULL, "\n", &save)) {
		char *colon = strchr(line, ':');

		if (!colon)
			continue;
		*colon = '\0';
		if (!strcmp(dw_module_name(s, line), name))
			found = arena_strdup(&s->arena, line);
	}
	free(buf);
	return found;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

size_t dw_module_glob(struct session *s, const char *pattern, const char ***names)
{
	const char *dep = arena_printf(&s->arena, "/lib/modules/%s/modules.dep", s->kern.release);
	const char *pat = dw_module_name(s, pattern);
	char *buf, *line, *save = NULL;
	const char **v = NULL;
	size_t n = 0, cap = 0, len, i;

	*names = NULL;
	if (read_file(dep, &buf, &len))
		return 0;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *colon = strchr(line, ':');
		const char *name;

		if (!colon)
			continue;
		*colon = '\0';
		name = dw_module_name(s, line);
		if (fnmatch(pat, name, 0))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 8;
			v = xrealloc(v, cap * sizeof(*v));
		}
		v[n++] = name;
	}
	free(buf);
	if (n)
		qsort(v, n, sizeof(*v), cmp_str);
	*names = arena_alloc(&s->arena, (n ? n : 1) * sizeof(**names));
	for (i = 0; i < n; i++)
		(*names)[i] = v[i];
	free(v);
	return n;
}

bool dw_module_installed(struct session *s, const char *spec)
{
	return strchr(spec, '/') ? file_exists(spec) :
		modules_dep_path(s, dw_module_name(s, spec)) != NULL;
}

/* nftw has no user pointer: the search state lives here for the one walk at a time. */
static struct {
	struct session *s;
	const char *name;
	const char *found;
} walk_state;

static int walk_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	const char *base = path + ftw->base;

	(void)st;
	if (flag != FTW_F || !strstr(base, ".ko"))
		return 0;
	if (strcmp(dw_module_name(walk_state.s, base), walk_state.name))
		return 0;
	walk_state.found = arena_strdup(&walk_state.s->arena, path);
	return 1;
}

static const char *walk_find(struct session *s, const char *dir, const char *name)
{
	walk_state.s = s;
	walk_state.name = name;
	walk_state.found = NULL;
	if (file_exists(dir))
		nftw(dir, walk_one, 16, FTW_PHYS);
	return walk_state.found;
}

/* The debug file of module `name` and the module binary that would be loaded (NULL if
 * not known); spec is what the script said (a name or a path). */
static const char *find_debuginfo(struct session *s, const char *spec, const char *name,
				  const char **binary)
{
	const char *env = getenv("SYSTEMTAP_DEBUGINFO_PATH"), *rel = s->kern.release;
	const char *dbg = arena_printf(&s->arena, "/usr/lib/debug/lib/modules/%s", rel);
	const char *dep;

	*binary = NULL;
	if (strchr(spec, '/')) {
		*binary = spec;
		return file_exists(spec) ? spec : NULL;
	}
	dep = modules_dep_path(s, name);
	if (dep)
		*binary = arena_printf(&s->arena, "/lib/modules/%s/%s", rel, dep);
	if (env && *env) {
		char *dirs = arena_strdup(&s->arena, env), *save = NULL, *d;

		for (d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
			const char *c[] = {
				arena_printf(&s->arena, "%s/%s.ko", d, spec),
				arena_printf(&s->arena, "%s/%s.ko.debug", d, spec),
				arena_printf(&s->arena, "%s/%s.ko", d, name),
				arena_printf(&s->arena, "%s/%s.ko.debug", d, name),
			};
			size_t i;

			if (*d == '+')
				d++;
			for (i = 0; i < ARRAY_LEN(c); i++)
				if (file_exists(c[i]))
					return c[i];
		}
	}
	if (dep) {
		char *p = arena_printf(&s->arena, "%s/%s", dbg, dep), *ext = strstr(p, ".ko");

		if (ext)
			ext[3] = '\0';	/* the debug file is not compressed */
		if (file_exists(p))
			return p;
	}
	return walk_find(s, dbg, name);
}

static int no_separate_debuginfo(Dwfl_Module *mod, void **user, const char *modname,
				 Dwarf_Addr base, const char *file, const char *debuglink,
				 GElf_Word crc, char **debuginfo_file)
{
	(void)mod, (void)user, (void)modname, (void)base, (void)file, (void)debuglink;
	(void)crc, (void)debuginfo_file;
	return -1;
}

static const Dwfl_Callbacks offline_callbacks = {
	.find_debuginfo = no_separate_debuginfo,
	.section_address = dwfl_offline_section_address,
};

int dw_module_open(struct session *s, struct dw_object *k, const struct srcloc *loc)
{
	Dwarf_Addr bias;

	k->dwfl = dwfl_begin(&offline_callbacks);
	if (k->dwfl)
		k->dwfl_mod = dwfl_report_offline(k->dwfl, k->name, k->path, -1);
	if (!k->dwfl_mod || dwfl_report_end(k->dwfl, NULL, NULL)) {
		diag_error(s, loc, "cannot read %s: %s", k->path, dwfl_errmsg(-1));
		return -1;
	}
	k->elf = dwfl_module_getelf(k->dwfl_mod, &bias);
	k->dw = k->elf ? dwfl_module_getdwarf(k->dwfl_mod, &bias) : NULL;
	if (!k->dw) {
		diag_error(s, loc, "cannot read DWARF of %s: %s", k->path, dwfl_errmsg(-1));
		return -1;
	}
	if (bias) {
		diag_error(s, loc, "internal error: %s:%d: module %s has DWARF bias %#llx",
			   __FILE__, __LINE__, k->name, (unsigned long long)bias);
		return -1;
	}
	return 0;
}

static int check_build_id(struct session *s, struct dw_object *k, const char *binary,
			  const struct srcloc *loc)
{
	struct dw_object other = { 0 };

	if (!binary || is_compressed(binary) || !strcmp(binary, k->path))
		return 0;
	other.build_id_len = dw_file_build_id(binary, other.build_id, sizeof(other.build_id));
	if (!other.build_id_len || (other.build_id_len == k->build_id_len &&
				    !memcmp(other.build_id, k->build_id, k->build_id_len)))
		return 0;
	diag_error(s, loc, "build-id mismatch [man error::buildid]: module %s has %s, "
		   "debuginfo %s has %s; refusing to probe with the wrong debuginfo",
		   binary, dw_build_id_hex(s, &other), k->path, dw_build_id_hex(s, k));
	return -1;
}

struct dw_object *dw_module(struct session *s, const char *spec, const struct srcloc *loc)
{
	struct dw_state *st = dw_state(s);
	const char *name = dw_module_name(s, spec), *binary;
	struct dw_object *k;

	for (k = st->modules; k; k = k->next)
		if (!strcmp(k->name, name))
			return k->dw ? k : NULL;
	k = arena_alloc(&s->arena, sizeof(*k));
	elf_version(EV_CURRENT);
	dw_object_init(k, DW_OBJ_MODULE, name, find_debuginfo(s, spec, name, &binary));
	k->next = st->modules;
	st->modules = k;
	if (!k->path) {
		diag_error(s, loc, "missing %s kernel/module debuginfo [man warning::debuginfo] "
			   "for module %s under '/usr/lib/debug/lib/modules/%s' and "
			   "SYSTEMTAP_DEBUGINFO_PATH (on Debian, install linux-image-%s-dbg)",
			   s->kern.arch, name, s->kern.release, s->kern.release);
		return NULL;
	}
	if (dw_object_open(s, k, loc) || check_build_id(s, k, binary, loc) ||
	    dw_index_load(s, k)) {
		k->dw = NULL;
		return NULL;
	}
	return k;
}

/* The module's symbols in libdwfl's layout (the DWARF's addresses). */
int dw_module_syms_load(struct dw_object *k)
{
	int n = dwfl_module_getsymtab(k->dwfl_mod), i;
	size_t cap = 0;

	for (i = 1; i < n; i++) {
		GElf_Sym sym;
		GElf_Addr addr;
		GElf_Word shndx;
		const char *name = dwfl_module_getsym_info(k->dwfl_mod, i, &sym, &addr, &shndx,
							   NULL, NULL);
		int type = GELF_ST_TYPE(sym.st_info);

		if (!name || !*name || shndx == SHN_UNDEF || shndx == SHN_ABS ||
		    (type != STT_FUNC && type != STT_OBJECT && type != STT_NOTYPE))
			continue;
		if (k->n_syms == cap) {
			cap = cap ? cap * 2 : 256;
			k->syms = xrealloc(k->syms, cap * sizeof(*k->syms));
		}
		k->syms[k->n_syms].name = name;
		k->syms[k->n_syms].addr = addr;
		k->syms[k->n_syms].size = type == STT_FUNC ? sym.st_size : 0;
		k->syms[k->n_syms].shndx = (int)shndx;
		k->n_syms++;
	}
	return k->n_syms ? 0 : -1;
}
