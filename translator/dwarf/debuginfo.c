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

const char *dw_build_id_hex(struct session *s, const struct dw_kernel *k)
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

/* The running kernel's notes: a sequence of ELF notes, the GNU build id among them. */
static size_t notes_build_id(const char *path, unsigned char *out, size_t cap)
{
	char *buf;
	size_t len, off = 0;

	if (read_file(path, &buf, &len))
		return 0;
	while (off + 12 <= len) {
		uint32_t namesz, descsz, type;
		size_t name_off = off + 12, desc_off;

		memcpy(&namesz, buf + off, 4);
		memcpy(&descsz, buf + off + 4, 4);
		memcpy(&type, buf + off + 8, 4);
		desc_off = name_off + ((namesz + 3) & ~3u);
		if (desc_off + descsz > len)
			break;
		if (type == NT_GNU_BUILD_ID && namesz == 4 && !memcmp(buf + name_off, "GNU", 4) &&
		    descsz <= cap) {
			memcpy(out, buf + desc_off, descsz);
			free(buf);
			return descsz;
		}
		off = desc_off + ((descsz + 3) & ~3u);
	}
	free(buf);
	return 0;
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

/* The target kernel's own build id when pass 2 can see it: the running kernel, a
 * non-debug vmlinux in the build tree, or the guest runner's unpacked copy. */
static size_t target_build_id(struct session *s, unsigned char *out, size_t cap,
			      const char **from)
{
	const char *env = getenv("SYSTEMTAP_DIR"), *home = getenv("HOME");
	const char *cands[3];
	size_t len, i, n = 0;

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

static int open_elf(struct session *s, struct dw_kernel *k, const struct srcloc *loc)
{
	k->fd = open(k->path, O_RDONLY | O_CLOEXEC);
	if (k->fd < 0) {
		diag_error(s, loc, "cannot open %s: %s", k->path, strerror(errno));
		return -1;
	}
	k->elf = elf_begin(k->fd, ELF_C_READ_MMAP, NULL);
	k->dw = k->elf ? dwarf_begin_elf(k->elf, DWARF_C_READ, NULL) : NULL;
	if (!k->dw) {
		diag_error(s, loc, "cannot read DWARF of %s: %s", k->path, dwarf_errmsg(-1));
		return -1;
	}
	k->build_id_len = dw_elf_build_id(k->elf, k->build_id, sizeof(k->build_id));
	if (!k->build_id_len) {
		diag_error(s, loc, "%s has no build id: cannot check it against the kernel",
			   k->path);
		return -1;
	}
	return 0;
}

struct dw_kernel *dw_state(struct session *s)
{
	struct dw_kernel *k = s->kern.dw;

	if (!k) {
		k = arena_alloc(&s->arena, sizeof(*k));
		k->fd = -1;
		k->sites_tail = &k->sites;
		s->kern.dw = k;
	}
	return k;
}

struct dw_probe_site *dw_add_site(struct session *s, struct derived_probe *dp)
{
	struct dw_kernel *k = dw_state(s);
	struct dw_probe_site *site = arena_alloc(&s->arena, sizeof(*site));

	site->dp = dp;
	site->id = k->n_sites++;
	*k->sites_tail = site;
	k->sites_tail = &site->next;
	return site;
}

struct dw_kernel *dw_kernel(struct session *s, const struct srcloc *loc)
{
	struct dw_kernel *k = dw_state(s);
	unsigned char want[64];
	const char *from = NULL;
	size_t want_len;

	if (k->tried)
		return k->dw ? k : NULL;
	k->tried = true;
	elf_version(EV_CURRENT);
	k->path = find_vmlinux(s);
	if (!k->path) {
		diag_error(s, loc, "missing %s kernel/module debuginfo [man warning::debuginfo] "
			   "under '%s' (on Debian, install the package linux-image-%s-dbg)",
			   s->kern.arch, s->kern.build_dir ? s->kern.build_dir : "/usr/lib/debug",
			   s->kern.release);
		return NULL;
	}
	if (open_elf(s, k, loc))
		goto fail;
	want_len = target_build_id(s, want, sizeof(want), &from);
	if (want_len && (want_len != k->build_id_len ||
			 memcmp(want, k->build_id, want_len))) {
		struct dw_kernel other = { .build_id_len = want_len };

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
