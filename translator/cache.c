/* The module cache: $SYSTEMTAP_DIR/cache/<h[0:2]>/<hash>.{ko,c} (--runtime=bpf:
 * <hash>.bpf.{o,c}). The key is a SHA-256
 * over everything that shapes the module: the translator binary (its build id), the runtime's files,
 * every script file parsed, the script arguments, the target kernel's release, config
 * and symbol versions, the options that reach the module (including -m), the signing
 * key's fingerprint with --sign-module, and the
 * user-space objects whose tables it embeds (translate/usyms.c). */
#define _GNU_SOURCE	/* dl_iterate_phdr */
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <link.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "bpf/bpf.h"
#include <unistd.h>

#include "dwarf/dwarf.h"
#include "fsafe.h"
#include "passes.h"
#include "sha256.h"
#include "translate/translate.h"
#include "util.h"

void cache_hash_file(struct sha256 *h, const char *path)
{
	char *data;
	size_t len;

	sha256_str(h, path);
	if (read_file(path, &data, &len)) {
		sha256_str(h, "(missing)");
		return;
	}
	sha256_update(h, data, len);
	free(data);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void cache_hash_tree(struct sha256 *h, const char *dir)
{
	struct strlist names = { 0 };
	struct dirent *de;
	DIR *d = opendir(dir);
	size_t i;

	if (!d)
		return;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' && strcmp(de->d_name, "test"))
			strlist_add(&names, xstrdup(de->d_name));
	closedir(d);
	qsort(names.v, names.n, sizeof(*names.v), cmp_str);
	for (i = 0; i < names.n; i++) {
		char *path = xasprintf("%s/%s", dir, names.v[i]);

		sha256_str(h, names.v[i]);
		if (is_dir(path))
			cache_hash_tree(h, path);
		else
			cache_hash_file(h, path);
		free(path);
		free((char *)names.v[i]);
	}
	strlist_free(&names);
}

struct self_id {
	const unsigned char *id;
	size_t len;
};

/* the GNU build id note of the program's own ELF headers, as mapped */
static int find_build_id(struct dl_phdr_info *info, size_t size, void *data)
{
	struct self_id *r = data;
	int i;

	(void)size;
	for (i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		const unsigned char *p, *end;

		if (ph->p_type != PT_NOTE)
			continue;
		p = (const unsigned char *)(info->dlpi_addr + ph->p_vaddr);
		end = p + ph->p_memsz;
		while (p + sizeof(ElfW(Nhdr)) <= end) {
			const ElfW(Nhdr) *n = (const ElfW(Nhdr) *)p;
			const unsigned char *name = p + sizeof(*n);
			const unsigned char *desc = name + ((n->n_namesz + 3) & ~3u);

			if (desc + n->n_descsz > end)
				break;
			if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 &&
			    !memcmp(name, "GNU", 4) && n->n_descsz > 0) {
				r->id = desc;
				r->len = n->n_descsz;
				return 1;
			}
			p = desc + ((n->n_descsz + 3) & ~3u);
		}
	}
	return 1;	/* the first object is the program itself */
}

/* the translator itself: its build id (the linker's hash of its contents) when it
 * has one, which spares reading the whole binary on every run, or else its bytes */
static void hash_self(struct sha256 *h)
{
	struct self_id r = { 0 };

	dl_iterate_phdr(find_build_id, &r);
	if (r.len) {
		sha256_str(h, "translator build id");
		sha256_update(h, r.id, r.len);
	} else {
		cache_hash_file(h, "/proc/self/exe");
	}
}

int cache_key(struct session *s)
{
	struct sha256 h;
	const struct stapfile *f;
	const struct kernel_target *k = &s->kern;
	char *p;
	size_t i;

	sha256_init(&h);
	sha256_str(&h, "stap module v1");
	hash_self(&h);
	cache_hash_tree(&h, s->paths.runtime_dir);
	for (f = s->prog.files; f; f = f->next) {
		sha256_str(&h, f->src->name);
		sha256_update(&h, f->src->text, f->src->len);
	}
	for (i = 0; i < s->opt.args.n; i++)
		sha256_str(&h, s->opt.args.v[i]);
	sha256_str(&h, k->release);
	sha256_str(&h, k->arch);
	sha256_str(&h, k->build_dir);
	p = xasprintf("%s/.config", k->build_dir);
	cache_hash_file(&h, p);
	free(p);
	p = xasprintf("%s/Module.symvers", k->build_dir);
	cache_hash_file(&h, p);
	free(p);
	sha256_str(&h, "-D");
	for (i = 0; i < s->opt.defines.n; i++)
		sha256_str(&h, s->opt.defines.v[i]);
	sha256_str(&h, "--modinfo");
	for (i = 0; i < s->opt.modinfo.n; i++)
		sha256_str(&h, s->opt.modinfo.v[i]);
	sha256_str(&h, "-B");
	for (i = 0; i < s->opt.kbuild_opts.n; i++)
		sha256_str(&h, s->opt.kbuild_opts.v[i]);
	sha256_str(&h, s->opt.guru ? "guru" : "");
	sha256_str(&h, privilege_name(s->opt.privilege));	/* the module records it */
	sha256_str(&h, s->opt.compatible ? s->opt.compatible : "(default compatible)");
	sha256_str(&h, s->opt.keep_unused ? "keep-unused" : "");
	sha256_str(&h, s->opt.bulk ? "bulk" : "");		/* the module records them */
	sha256_str(&h, s->opt.flight ? "flight" : "");
	sha256_str(&h, s->opt.module_name ? s->opt.module_name : "(default name)");
	sha256_str(&h, s->opt.sign_module ? s->sign_fingerprint : "(unsigned)");
	/* the debug information pass 2 used: a module rebuilt with the same name (or a
	 * program) has another build id, and the generated code checks it at run time */
	if (s->kern.dw) {
		const struct dw_state *d = s->kern.dw;
		const struct dw_object *o;

		sha256_str(&h, "build ids");
		if (d->kernel.dw)
			sha256_update(&h, d->kernel.build_id, d->kernel.build_id_len);
		for (o = d->modules; o; o = o->next)
			sha256_update(&h, o->build_id, o->build_id_len);
		/* a program's path too: the module finds it by path, and two copies of
		 * one build (the same build id) in two places are two modules */
		for (o = d->users; o; o = o->next) {
			sha256_update(&h, o->build_id, o->build_id_len);
			sha256_str(&h, o->path);
		}
	}
	xl_usyms_cache_key(s, &h);	/* -d and --ldd objects, the probed programs */
	if (s->opt.bpf) {
		/* BPF objects are compiled against the running kernel's tracepoints */
		struct utsname u;

		sha256_str(&h, "bpf");
		sha256_str(&h, bpf_force_clang() ? "clang" : "insn or clang");
		if (uname(&u) == 0) {
			sha256_str(&h, u.release);
			sha256_str(&h, u.version);
		}
		cache_hash_tree(&h, s->paths.tapset_dir);
	}
	sha256_hex(&h, s->hash);
	if (!s->opt.module_name)
		s->opt.module_name = arena_printf(&s->arena, "stap_%.16s", s->hash);
	return 0;
}

/*
 * The cache directory SUB ("ab", "dwarf", "runtime", "qemu"), created if need be, or
 * NULL when there is no cache we can trust. The cache root is checked once per run
 * (fsafe.h: nobody but the user and root can have written it); a refusal is a warning,
 * and the run goes on without the cache.
 */
const char *cache_subdir(struct session *s, const char *sub)
{
	struct fs_why why;
	char canon[PATH_MAX];
	const char *dir;
	int rc;

	if (s->paths.cache_state == 0) {
		s->paths.cache_state = -1;
		if (!s->paths.cache_dir) {
			if (s->opt.verbose)
				fprintf(stderr, "WARNING: no home directory: not using a module cache\n");
			return NULL;
		}
		rc = fs_trusted_dir(s->paths.cache_dir, 0755, canon, sizeof(canon), &why);
		if (rc == -EPERM) {
			fprintf(stderr, "WARNING: not using the cache %s: %s\n", s->paths.cache_dir,
				why.msg);
			return NULL;
		}
		if (rc) {
			if (s->opt.verbose)
				fprintf(stderr, "WARNING: cannot create the cache %s: %s\n",
					s->paths.cache_dir, strerror(-rc));
			return NULL;
		}
		s->paths.cache_dir = arena_strdup(&s->arena, canon);
		s->paths.cache_state = 1;
	}
	if (s->paths.cache_state < 0)
		return NULL;
	dir = arena_printf(&s->arena, "%s/%s", s->paths.cache_dir, sub);
	rc = fs_trusted_dir(dir, 0755, canon, sizeof(canon), &why);
	if (rc == -EPERM)
		fprintf(stderr, "WARNING: not using the cache %s: %s\n", dir, why.msg);
	return rc ? NULL : arena_strdup(&s->arena, canon);
}

int cache_lookup(struct session *s)
{
	const char *dir = cache_subdir(s, arena_printf(&s->arena, "%.2s", s->hash));
	const char *ko, *c;
	struct fs_why why;
	int rc;

	if (!dir)
		return -1;
	ko = arena_printf(&s->arena, "%s/%s%s", dir, s->hash, s->opt.bpf ? ".bpf.o" : ".ko");
	c = arena_printf(&s->arena, "%s/%s%s", dir, s->hash, s->opt.bpf ? ".bpf.c" : ".c");
	rc = fs_file_trusted(ko, &why);
	if (!rc)
		rc = fs_file_trusted(c, &why);
	if (rc == -EPERM)
		fprintf(stderr, "WARNING: not using the cached module: %s\n", why.msg);
	if (rc)
		return -1;
	s->module_path = ko;
	s->module_c = c;
	s->cache_hit = true;
	return 0;
}

int cache_store(struct session *s)
{
	const char *dir = cache_subdir(s, arena_printf(&s->arena, "%.2s", s->hash));
	int rc;

	if (!dir)
		return -1;
	rc = copy_file(s->module_c, arena_printf(&s->arena, "%s/%s%s", dir, s->hash,
						 s->opt.bpf ? ".bpf.c" : ".c"), 0644);
	if (!rc)
		rc = copy_file(s->module_path, arena_printf(&s->arena, "%s/%s%s", dir, s->hash,
							    s->opt.bpf ? ".bpf.o" : ".ko"), 0644);
	if (rc && s->opt.verbose)
		fprintf(stderr, "WARNING: cannot fill the module cache in %s: %s\n", dir,
			strerror(-rc));
	return rc;
}

static bool is_hex(const char *p, size_t n)
{
	for (; n; n--, p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return true;
}

/* --clean-cache: remove the cached modules, only files named as cache_store() names
 * them (<h[0:2]>/<64 hex>.ko or .c, the first two digits matching the directory);
 * the runtime, DWARF and qemu caches and anything else stay. */
int cache_clean(struct session *s)
{
	const char *root = cache_subdir(s, ".");
	struct dirent *de, *fe;
	DIR *d, *sub;
	int n = 0, rc = 0;

	if (!root)
		return 0;
	d = opendir(root);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		char *dir;

		if (strlen(de->d_name) != 2 || !is_hex(de->d_name, 2))
			continue;
		dir = xasprintf("%s/%s", root, de->d_name);
		sub = opendir(dir);
		while (sub && (fe = readdir(sub))) {
			const char *n_ = fe->d_name;
			size_t len = strlen(n_);
			char *path;

			if (!((len == 67 && !strcmp(n_ + 64, ".ko")) ||
			      (len == 66 && !strcmp(n_ + 64, ".c")) ||
			      (len == 70 && !strcmp(n_ + 64, ".bpf.o")) ||
			      (len == 70 && !strcmp(n_ + 64, ".bpf.c"))) ||
			    !is_hex(n_, 64) || strncmp(n_, de->d_name, 2))
				continue;
			path = xasprintf("%s/%s", dir, n_);
			if (unlink(path) && errno != ENOENT) {
				fprintf(stderr, "stap: cannot remove %s: %s\n", path,
					strerror(errno));
				rc = -1;
			} else {
				n++;
			}
			free(path);
		}
		if (sub)
			closedir(sub);
		rmdir(dir);	/* only if it is empty now */
		free(dir);
	}
	closedir(d);
	if (s->opt.verbose)
		fprintf(stderr, "Removed %d cached module file%s from %s\n", n,
			n == 1 ? "" : "s", root);
	return rc;
}
