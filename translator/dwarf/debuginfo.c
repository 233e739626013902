/* Finding the target kernel's debuginfo the way systemtap does (SYSTEMTAP_DEBUGINFO_PATH,
 * the build tree, /usr/lib/debug), and refusing one whose build id is not the target
 * kernel's: a probe address from the wrong DWARF would patch the wrong instruction. The
 * module also checks the build id against the running kernel before registering any
 * probe (runtime/linux/stp_kprobes.h), since pass 2 cannot always see the target. */
#include <elfutils/libdw.h>
#include <elfutils/libdwelf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dwarf/dwarf.h"
#include "util.h"

const char *dw_build_id_hex(struct session *s, const struct dw_object *k)
{
	char buf[2 * sizeof(k->build_id) + 1];
	size_t i;

	for (i = 0; i < k->build_id_len; i++)
		snprintf(buf + 2 * i, 3, "%02x", k->build_id[i]);
	buf[2 * k->build_id_len] = '\0';
	return arena_strdup(&s->arena, buf);
}

/* The build id of an ELF file, or 0 bytes if none. */
size_t dw_elf_build_id(Elf *elf, unsigned char *out, size_t cap)
{
	const void *id;
	ssize_t len = dwelf_elf_gnu_build_id(elf, &id);

	if (len <= 0 || (size_t)len > cap)
		return 0;
	memcpy(out, id, (size_t)len);
	return (size_t)len;
}

size_t dw_file_build_id(const char *path, unsigned char *out, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t len = 0;
	Elf *elf;

	if (fd < 0)
		return 0;
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (elf && elf_kind(elf) == ELF_K_ELF)
		len = dw_elf_build_id(elf, out, cap);
	elf_end(elf);
	close(fd);
	return len;
}

/* A kernel's notes (/sys/kernel/notes): a sequence of ELF notes, the GNU build id among
 * them. The build id's length, 0 when there is none. */
size_t dw_notes_build_id(const char *buf, size_t len, unsigned char *out, size_t cap)
{
	size_t off = 0;

	while (off + 12 <= len) {
		uint32_t namesz, descsz, type;
		size_t name_off = off + 12, desc_off;

		memcpy(&namesz, buf + off, 4);
		memcpy(&descsz, buf + off + 4, 4);
		memcpy(&type, buf + off + 8, 4);
		desc_off = name_off + ((namesz + 3) & ~3u);
		if (desc_off > len || descsz > len - desc_off)
			break;
		if (type == NT_GNU_BUILD_ID && namesz == 4 && !memcmp(buf + name_off, "GNU", 4) &&
		    descsz <= cap) {
			memcpy(out, buf + desc_off, descsz);
			return descsz;
		}
		off = desc_off + ((descsz + 3) & ~3u);
	}
	return 0;
}

static size_t notes_build_id(const char *path, unsigned char *out, size_t cap)
{
	char *buf;
	size_t len, n;

	if (read_file(path, &buf, &len))
		return 0;
	n = dw_notes_build_id(buf, len, out, cap);
	free(buf);
	return n;
}

static bool has_debug_info(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	bool ok = false;
	Dwarf *dw;

	if (fd < 0)
		return false;
	dw = dwarf_begin(fd, DWARF_C_READ);
	if (dw) {
		Dwarf_Off next;
		size_t hsize;

		ok = dwarf_nextcu(dw, 0, &next, &hsize, NULL, NULL, NULL) == 0;
		dwarf_end(dw);
	}
	close(fd);
	return ok;
}

/* Candidates in systemtap's order: SYSTEMTAP_DEBUGINFO_PATH, the build tree, /usr/lib/debug. */
static const char *find_vmlinux(struct session *s)
{
	const char *rel = s->kern.release, *env = getenv("SYSTEMTAP_DEBUGINFO_PATH");
	struct strlist c = { 0 };
	const char *found = NULL;
	size_t i;

	if (env && *env) {
		char *dirs = arena_strdup(&s->arena, env), *save = NULL, *d;

		for (d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
			if (*d == '+')
				continue;
			strlist_add(&c, arena_printf(&s->arena, "%s/vmlinux-%s", d, rel));
			strlist_add(&c, arena_printf(&s->arena, "%s/boot/vmlinux-%s", d, rel));
			strlist_add(&c, arena_printf(&s->arena, "%s/lib/modules/%s/vmlinux", d, rel));
			strlist_add(&c, arena_printf(&s->arena, "%s/vmlinux", d));
		}
	}
	if (s->kern.build_dir)
		strlist_add(&c, arena_printf(&s->arena, "%s/vmlinux", s->kern.build_dir));
	strlist_add(&c, arena_printf(&s->arena, "/usr/lib/debug/boot/vmlinux-%s", rel));
	strlist_add(&c, arena_printf(&s->arena, "/usr/lib/debug/lib/modules/%s/vmlinux", rel));
	strlist_add(&c, arena_printf(&s->arena, "/boot/vmlinux-%s", rel));
	strlist_add(&c, arena_printf(&s->arena, "/lib/modules/%s/vmlinux", rel));
	for (i = 0; i < c.n && !found; i++)
		if (file_exists(c.v[i]) && has_debug_info(c.v[i]))
			found = c.v[i];
	strlist_free(&c);
	return found;
}

/* The target kernel's own build id when pass 2 can see it: the remote's (ssh.c), the
 * running kernel, a non-debug vmlinux in the build tree, or the guest runner's unpacked copy. */
static size_t target_build_id(struct session *s, unsigned char *out, size_t cap,
			      const char **from)
{
	const char *env = getenv("SYSTEMTAP_DIR"), *home = getenv("HOME");
	const char *cands[3];
	size_t len, i, n = 0;

	if (s->kern.build_id_len && s->kern.build_id_len <= cap) {
		*from = s->kern.build_id_from;
		memcpy(out, s->kern.build_id, s->kern.build_id_len);
		return s->kern.build_id_len;
	}
	if (s->kern.is_host) {
		*from = "/sys/kernel/notes";
		if ((len = notes_build_id(*from, out, cap)))
			return len;
	}
	if (s->kern.build_dir)
		cands[n++] = arena_printf(&s->arena, "%s/vmlinux", s->kern.build_dir);
	if (env && *env)
		cands[n++] = arena_printf(&s->arena, "%s/cache/qemu/vmlinux-%s", env,
					  s->kern.release);
	else if (home)
		cands[n++] = arena_printf(&s->arena, "%s/.systemtap/cache/qemu/vmlinux-%s",
					  home, s->kern.release);
	for (i = 0; i < n; i++) {
		*from = cands[i];
		if ((len = dw_file_build_id(cands[i], out, cap)))
			return len;
	}
	return 0;
}

void dw_object_init(struct dw_object *o, enum dw_object_kind kind, const char *name,
		    const char *path)
{
	memset(o, 0, sizeof(*o));
	o->kind = kind;
	o->name = name;
	o->path = path;
	o->fd = -1;
	o->dbg_fd = -1;
}

/* An ELF file read in place (vmlinux; later executables and shared libraries). */
static int open_elf(struct session *s, struct dw_object *o, const struct srcloc *loc)
{
	o->fd = open(o->path, O_RDONLY | O_CLOEXEC);
	if (o->fd < 0) {
		diag_error(s, loc, "cannot open %s: %s", o->path, strerror(errno));
		return -1;
	}
	o->elf = elf_begin(o->fd, ELF_C_READ_MMAP, NULL);
	o->dw = o->elf ? dwarf_begin_elf(o->elf, DWARF_C_READ, NULL) : NULL;
	if (!o->dw) {
		diag_error(s, loc, "cannot read DWARF of %s: %s", o->path, dwarf_errmsg(-1));
		return -1;
	}
	return 0;
}

int dw_object_open(struct session *s, struct dw_object *o, const struct srcloc *loc)
{
	elf_version(EV_CURRENT);
	switch (o->kind) {
	case DW_OBJ_MODULE:
		if (dw_module_open(s, o, loc))
			return -1;
		break;
	case DW_OBJ_KERNEL:
	case DW_OBJ_EXEC:
	case DW_OBJ_SHLIB:
		/* TODO user objects: the DWARF is usually in a separate file, found by
		 * build id (/usr/lib/debug/.build-id/xx/yyyy.debug) or .gnu_debuglink */
		if (open_elf(s, o, loc))
			return -1;
		break;
	}
	o->build_id_len = dw_elf_build_id(o->elf, o->build_id, sizeof(o->build_id));
	if (!o->build_id_len) {
		diag_error(s, loc, "%s has no build id: cannot check it against the %s",
			   o->path, o->kind == DW_OBJ_MODULE ? "module" :
			   o->kind == DW_OBJ_KERNEL ? "kernel" : "binary");
		return -1;
	}
	return 0;
}

struct dw_state *dw_state(struct session *s)
{
	struct dw_state *st = s->kern.dw;

	if (!st) {
		st = arena_alloc(&s->arena, sizeof(*st));
		dw_object_init(&st->kernel, DW_OBJ_KERNEL, NULL, NULL);
		st->sites_tail = &st->sites;
		s->kern.dw = st;
	}
	return st;
}

struct dw_object *dw_site_object(struct session *s, const struct dw_probe_site *site)
{
	return site->obj ? site->obj : &dw_state(s)->kernel;
}

struct dw_probe_site *dw_add_site(struct session *s, struct derived_probe *dp)
{
	struct dw_state *st = dw_state(s);
	struct dw_probe_site *site = arena_alloc(&s->arena, sizeof(*site));

	site->dp = dp;
	site->id = st->n_sites++;
	*st->sites_tail = site;
	st->sites_tail = &site->next;
	return site;
}

struct dw_object *dw_kernel(struct session *s, const struct srcloc *loc)
{
	struct dw_state *st = dw_state(s);
	struct dw_object *k = &st->kernel;
	unsigned char want[64];
	const char *from = NULL;
	size_t want_len;

	if (st->kernel_tried)
		return k->dw ? k : NULL;
	st->kernel_tried = true;
	elf_version(EV_CURRENT);
	k->path = find_vmlinux(s);
	if (!k->path) {
		diag_error(s, loc, "missing %s kernel/module debuginfo [man warning::debuginfo] "
			   "under '%s' (on Debian, install the package linux-image-%s-dbg)",
			   s->kern.arch, s->kern.build_dir ? s->kern.build_dir : "/usr/lib/debug",
			   s->kern.release);
		return NULL;
	}
	if (dw_object_open(s, k, loc))
		goto fail;
	want_len = target_build_id(s, want, sizeof(want), &from);
	if (want_len && (want_len != k->build_id_len ||
			 memcmp(want, k->build_id, want_len))) {
		struct dw_object other = { .build_id_len = want_len };

		memcpy(other.build_id, want, want_len);
		diag_error(s, loc, "build-id mismatch [man error::buildid]: kernel %s has %s, "
			   "debuginfo %s has %s; refusing to probe with the wrong debuginfo",
			   from, dw_build_id_hex(s, &other), k->path, dw_build_id_hex(s, k));
		goto fail;
	}
	if (dw_index_load(s, k))
		goto fail;
	return k;
fail:
	if (k->dw)
		dwarf_end(k->dw);
	k->dw = NULL;
	return NULL;
}
