/* process("PATH") probes: user-space programs probed through the kernel's inode
 * uprobes (runtime/linux/stp_uprobes.h).
 *
 *   process("PATH").function("PATTERN")[.call|.return|.inline|.exported|.label("L")]
 *       entry (or return) of functions, their inline copies, C labels,
 *       by the program's DWARF when it has some ($params), else by its symbol table
 *   process("PATH").statement(ADDR).absolute            an address (guru mode)
 *   process("PATH").plt[("PATTERN")][.return]          PLT stubs (.rela.plt), $$name
 *   process("PATH").library("LIB").function/.statement/.mark/.plt   the same in the
 *       shared libraries PATH loads (DT_NEEDED, transitively, resolved on the host as
 *       the dynamic linker does) that LIB names, hits only in processes running PATH
 *   process("PATH")[.provider("P")].mark("NAME")          SDT markers (.note.stapsdt):
 *       $arg1..$argN, $$name, $$provider, $$parms; semaphores set while registered
 *   process[("PATH"|PID)].begin/.end/.thread.begin/.thread.end   process events
 *   process[("PATH"|PID)].syscall[.return]     system calls: $syscall, $arg1..$arg6,
 *       $return
 *
 * PATH is resolved on the host (absolute, or through $PATH, or a glob of x86-64 and
 * i386 ELF files; a shared library is probed in every process mapping it; an i386
 * object by its symbol table only); bare `process` is the -c
 * command's program, or with -x the pid's (/proc/PID/exe on the host, as for
 * process(PID).function/.mark, whose hits are those of PID's process tree). A probe
 * address is turned into an offset in the file from the ELF program headers; the
 * module looks the path up at init and registers (inode, offset). */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <glob.h>
#include <elfutils/libdw.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dwarf/dwarf.h"
#include "tapsets/family.h"
#include "tapsets/kprobe.h"
#include "tapsets/uprobe.h"
#include "translate/emit.h"
#include "util.h"

#define UP_MAX_LOADS 16
#define UP_MAX_ARGS 12

struct up_note {
	const char *provider, *name;
	uint64_t pc, sema;	/* link-time addresses; sema 0: none */
	int n_args;
	struct up_sdt_arg args[UP_MAX_ARGS];
	const char *bad;	/* why its arguments cannot be read, or NULL */
};

/* a user program: the dw_object first (on dw_state.users) */
struct up_object {
	struct dw_object o;
	bool bad;		/* could not be read (reported) */
	bool has_dwarf;
	bool is32;		/* an i386 or x32 object: by its symbol table only */
	int n_loads;
	struct {
		uint64_t vaddr, memsz, off;
	} loads[UP_MAX_LOADS];
	struct up_note *notes;
	int n_notes;
};

enum up_kind { UP_FUNC, UP_MARK, UP_BEGIN, UP_END, UP_TBEGIN, UP_TEND, UP_SYSCALL, UP_SYSRET };

/* one uprobe of a derived probe */
struct up_site {
	struct dw_probe_site *site;	/* on the DWARF state's list (its id, fn) */
	uint64_t offset, sema;		/* in the file; sema 0: none */
	const char *func;		/* probefunc() */
	const struct up_note *note;	/* a marker */
	struct up_object *obj;		/* the program (a path pattern matches several) */
	const char *path;
	const char *exe;		/* .library(): the program; NULL: any process */
	int ra_sp;			/* a callee's entry: where from the stack pointer its
					 * return address is (its .eh_frame row); -1 unknown */
	uint64_t entry_offset;		/* a .return: the file offset of site->entry_addr,
					 * where its entry part runs; 0: at the entry */
	struct up_site *next;
};

struct up_probe {
	enum up_kind kind;
	const char *path;		/* NULL: any process; the one being matched */
	const char *exe;		/* .library(): the program of path, or NULL */
	int64_t pid;			/* process(PID).begin...; 0: any */
	struct up_object *obj;
	struct up_site *sites;
	int max_args;			/* markers: the most arguments of a site */
	bool plt;			/* .plt(): stubs, no DWARF context */
};

/* ---- the program ------------------------------------------------------------------ */

/* PATH as 4.8 resolves it: with a '/', that file; else the first executable of $PATH */
static const char *resolve_path(struct session *s, const char *name)
{
	char buf[PATH_MAX];
	const char *env = getenv("PATH"), *p;

	if (strchr(name, '/'))
		return realpath(name, buf) ? arena_strdup(&s->arena, buf) : NULL;
	for (p = env; p && *p;) {
		size_t n = strcspn(p, ":");
		const char *cand = arena_printf(&s->arena, "%.*s/%s", (int)n, p, name);
		struct stat st;

		if (n && !stat(cand, &st) && S_ISREG(st.st_mode) && !access(cand, X_OK))
			return realpath(cand, buf) ? arena_strdup(&s->arena, buf) : NULL;
		p += n;
		if (*p)
			p++;
	}
	return NULL;
}

/* the program process pid runs, on the host (/proc/PID/exe): process(PID) and -x PID
 * name a program that exists at the same path where the module runs */
static const char *pid_program(struct session *s, int64_t pid, const struct srcloc *loc)
{
	char link[64], buf[PATH_MAX];

	snprintf(link, sizeof(link), "/proc/%lld/exe", (long long)pid);
	if (pid <= 0 || !realpath(link, buf)) {
		diag_error(s, loc, "cannot find the program of process %lld (%s)", (long long)pid,
			   link);
		return NULL;
	}
	return arena_strdup(&s->arena, buf);
}

/* a pattern skips what cannot be probed (scripts, data files): it keeps x86-64 and
 * i386 ELF files, as 4.8 resolves process("/lib*\/libc.so.6") to /usr/lib32's libc */
static bool is_x86_elf(const char *path)
{
	unsigned char h[20];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	bool ok;

	if (fd < 0)
		return false;
	ok = read(fd, h, sizeof(h)) == (ssize_t)sizeof(h) && !memcmp(h, ELFMAG, SELFMAG) &&
	     h[EI_DATA] == ELFDATA2LSB &&
	     ((h[18] == (EM_X86_64 & 0xff) && h[19] == (EM_X86_64 >> 8)) ||
	      (h[EI_CLASS] == ELFCLASS32 && h[18] == EM_386 && h[19] == 0));
	close(fd);
	return ok;
}

/* the programs a process("PATH") names, a glob pattern matching several, in paths
 * (arena strings); their count */
static int resolve_paths(struct session *s, const char *pat, struct strlist *paths)
{
	const char *one;
	glob_t g;
	size_t i, j;

	if (!strpbrk(pat, "*?[") || !strchr(pat, '/')) {
		one = resolve_path(s, pat);
		if (one)
			strlist_add(paths, one);
		return (int)paths->n;
	}
	if (glob(pat, 0, NULL, &g))
		return 0;
	for (i = 0; i < g.gl_pathc; i++) {
		struct stat st;

		if (stat(g.gl_pathv[i], &st) || !S_ISREG(st.st_mode) ||
		    !is_x86_elf(g.gl_pathv[i]) || !(one = resolve_path(s, g.gl_pathv[i])))
			continue;
		for (j = 0; j < paths->n && strcmp(paths->v[j], one); j++)
			;
		if (j == paths->n)
			strlist_add(paths, one);
	}
	globfree(&g);
	return (int)paths->n;
}

/* ---- .library("PATTERN"): the shared objects a program loads ---------------------- */

/* the directories the dynamic linker searches after a library's RUNPATH: those of
 * LD_LIBRARY_PATH, /etc/ld.so.conf (and the files it includes), then the defaults
 * (64- and 32-bit: find_library keeps the files of the program's ELF class) */
static void lib_dirs(struct session *s, struct strlist *dirs)
{
	static const char *const defaults[] = {
		"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64",
		"/lib/i386-linux-gnu", "/usr/lib/i386-linux-gnu", "/lib32", "/usr/lib32",
		"/lib", "/usr/lib", NULL,
	};
	const char *env = getenv("LD_LIBRARY_PATH"), *p;
	struct strlist confs = { 0 };
	size_t i;
	glob_t g;

	for (p = env; p && *p;) {
		size_t n = strcspn(p, ":");

		if (n)
			strlist_add(dirs, arena_strndup(&s->arena, p, n));
		p += n + (p[n] == ':');
	}
	strlist_add(&confs, "/etc/ld.so.conf");
	for (i = 0; i < confs.n; i++) {
		char *text, *line, *save = NULL;
		size_t len, k;

		if (read_file(confs.v[i], &text, &len))
			continue;
		for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			line[strcspn(line, "#")] = '\0';
			line += strspn(line, " \t");
			line[strcspn(line, " \t")] = '\0';
			if (!strcmp(line, "include")) {
				line += strlen(line) + 1;
				line += strspn(line, " \t");
				line[strcspn(line, " \t")] = '\0';
				if (confs.n < 64 && !glob(line, 0, NULL, &g)) {
					for (k = 0; k < g.gl_pathc; k++)
						strlist_add(&confs,
							    arena_strdup(&s->arena, g.gl_pathv[k]));
					globfree(&g);
				}
			} else if (*line == '/') {
				strlist_add(dirs, arena_strdup(&s->arena, line));
			}
		}
		free(text);
	}
	strlist_free(&confs);
	for (i = 0; defaults[i]; i++)
		strlist_add(dirs, defaults[i]);
}

/* the file the dynamic linker loads for DT_NEEDED name of object from (of ELF class
 * cls), searching its RUNPATH/RPATH ($ORIGIN expanded) first; an arena path or NULL */
static const char *find_library(struct session *s, const char *name, const char *from,
				const char *runpath, const struct strlist *dirs, int cls)
{
	char buf[PATH_MAX];
	const char *p, *cand;
	size_t i;

	if (strchr(name, '/'))
		return realpath(name, buf) ? arena_strdup(&s->arena, buf) : NULL;
	for (p = runpath; p && *p;) {
		size_t n = strcspn(p, ":");
		const char *dir = arena_strndup(&s->arena, p, n);

		if (!strncmp(dir, "$ORIGIN", 7) || !strncmp(dir, "${ORIGIN}", 9)) {
			const char *slash = strrchr(from, '/');

			dir = arena_printf(&s->arena, "%.*s%s", (int)(slash - from), from,
					   dir + (dir[1] == '{' ? 9 : 7));
		}
		cand = arena_printf(&s->arena, "%s/%s", dir, name);
		if (n && !access(cand, R_OK) && realpath(cand, buf))
			return arena_strdup(&s->arena, buf);
		p += n + (p[n] == ':');
	}
	for (i = 0; i < dirs->n; i++) {
		unsigned char h[EI_NIDENT];
		int fd;
		bool ok = false;

		cand = arena_printf(&s->arena, "%s/%s", dirs->v[i], name);
		fd = open(cand, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		ok = read(fd, h, sizeof(h)) == (ssize_t)sizeof(h) && !memcmp(h, ELFMAG, SELFMAG) &&
		     h[EI_CLASS] == cls;
		close(fd);
		if (ok && realpath(cand, buf))
			return arena_strdup(&s->arena, buf);
	}
	return NULL;
}

/* add to libs the shared objects path needs (DT_NEEDED), and theirs, as resolved on
 * the host */
static void needed_libraries(struct session *s, const char *path, const struct strlist *dirs,
			     struct strlist *libs, int depth)
{
	struct strlist names = { 0 };
	const char *runpath = NULL;
	Elf_Scn *scn = NULL;
	Elf *elf;
	size_t i, j;
	int fd = open(path, O_RDONLY | O_CLOEXEC), cls;

	if (fd < 0)
		return;
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	cls = elf ? gelf_getclass(elf) : ELFCLASSNONE;
	while (elf && (scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;
		GElf_Dyn dyn;
		int k;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNAMIC ||
		    !(d = elf_getdata(scn, NULL)) || !sh.sh_entsize)
			continue;
		for (k = 0; k < (int)(sh.sh_size / sh.sh_entsize) && gelf_getdyn(d, k, &dyn);
		     k++) {
			const char *str = elf_strptr(elf, sh.sh_link, dyn.d_un.d_val);

			if (!str)
				continue;
			if (dyn.d_tag == DT_NEEDED)
				strlist_add(&names, arena_strdup(&s->arena, str));
			else if (dyn.d_tag == DT_RUNPATH || (dyn.d_tag == DT_RPATH && !runpath))
				runpath = arena_strdup(&s->arena, str);
		}
	}
	if (elf)
		elf_end(elf);
	close(fd);
	for (i = 0; i < names.n; i++) {
		const char *lib = find_library(s, names.v[i], path, runpath, dirs, cls);

		if (!lib)
			continue;
		for (j = 0; j < libs->n && strcmp(libs->v[j], lib); j++)
			;
		if (j < libs->n)
			continue;
		strlist_add(libs, lib);
		if (depth < 16)
			needed_libraries(s, lib, dirs, libs, depth + 1);
	}
	strlist_free(&names);
}

/* the libraries of program that .library(pat) names: a path (a glob when it has
 * wildcards) is compared with the libraries' full paths, a name with their file names
 * and the names they are needed by */
static void match_libraries(struct session *s, const char *program, const char *pat,
			    struct strlist *out)
{
	struct strlist dirs = { 0 }, libs = { 0 };
	char buf[PATH_MAX];
	size_t i;

	lib_dirs(s, &dirs);
	needed_libraries(s, program, &dirs, &libs, 0);
	if (strchr(pat, '/') && !strpbrk(pat, "*?[") && realpath(pat, buf))
		pat = arena_strdup(&s->arena, buf);
	for (i = 0; i < libs.n; i++) {
		const char *base = strrchr(libs.v[i], '/') + 1;

		if (strchr(pat, '/') ? dw_glob_match(pat, libs.v[i]) : dw_glob_match(pat, base))
			strlist_add(out, libs.v[i]);
	}
	if (!strchr(pat, '/') && !strpbrk(pat, "*?[") && !out->n) {
		/* a soname whose file name differs (libpcre2-8.so.0 -> libpcre2-8.so.0.11.2) */
		const char *lib = find_library(s, pat, program, NULL, &dirs, ELFCLASS64);

		for (i = 0; lib && i < libs.n; i++)
			if (!strcmp(libs.v[i], lib))
				strlist_add(out, lib);
	}
	strlist_free(&dirs);
	strlist_free(&libs);
}

static uint64_t file_offset(const struct up_object *u, uint64_t addr, bool *ok)
{
	int i;

	for (i = 0; i < u->n_loads; i++)
		if (addr >= u->loads[i].vaddr && addr < u->loads[i].vaddr + u->loads[i].memsz) {
			*ok = true;
			return addr - u->loads[i].vaddr + u->loads[i].off;
		}
	*ok = false;
	return 0;
}

static const char *const x86_regs[][5] = {
	/* pt_regs member, 64, 32, 16, 8-bit names */
	{ "ax", "rax", "eax", "ax", "al" }, { "bx", "rbx", "ebx", "bx", "bl" },
	{ "cx", "rcx", "ecx", "cx", "cl" }, { "dx", "rdx", "edx", "dx", "dl" },
	{ "si", "rsi", "esi", "si", "sil" }, { "di", "rdi", "edi", "di", "dil" },
	{ "bp", "rbp", "ebp", "bp", "bpl" }, { "sp", "rsp", "esp", "sp", "spl" },
	{ "r8", "r8", "r8d", "r8w", "r8b" }, { "r9", "r9", "r9d", "r9w", "r9b" },
	{ "r10", "r10", "r10d", "r10w", "r10b" }, { "r11", "r11", "r11d", "r11w", "r11b" },
	{ "r12", "r12", "r12d", "r12w", "r12b" }, { "r13", "r13", "r13d", "r13w", "r13b" },
	{ "r14", "r14", "r14d", "r14w", "r14b" }, { "r15", "r15", "r15d", "r15w", "r15b" },
	{ "ip", "rip", "eip", "ip", NULL },
};

static const char *reg_member(const char *name, size_t len)
{
	size_t i, j;

	for (i = 0; i < sizeof(x86_regs) / sizeof(x86_regs[0]); i++)
		for (j = 1; j < 5; j++)
			if (x86_regs[i][j] && strlen(x86_regs[i][j]) == len &&
			    !strncmp(x86_regs[i][j], name, len))
				return x86_regs[i][0];
	return NULL;
}

/* "N@OPERAND": 0, or -1 for a form we cannot read */
static int parse_arg(struct session *s, struct up_object *u, const char *t, size_t len,
		     struct up_sdt_arg *a)
{
	char *spec = arena_printf(&s->arena, "%.*s", (int)len, t), *at = strchr(spec, '@'), *e;
	char *open;

	memset(a, 0, sizeof(*a));
	a->size = 8;
	if (at) {
		a->size = (int)strtol(spec, &e, 10);
		if (e != at || !a->size)
			return -1;
		spec = at + 1;
	}
	if (spec[0] == '%') {
		a->kind = UP_ARG_REG;
		a->reg = reg_member(spec + 1, strlen(spec + 1));
		return a->reg && strcmp(a->reg, "ip") ? 0 : -1;
	}
	if (spec[0] == '$') {
		a->kind = UP_ARG_CONST;
		a->n = strtoll(spec + 1, &e, 0);
		return *e ? -1 : 0;
	}
	open = strchr(spec, '(');
	a->kind = UP_ARG_MEM;
	if (!open)
		return -1;
	if (spec[0] == '-' || (spec[0] >= '0' && spec[0] <= '9')) {
		a->n = strtoll(spec, &e, 0);
		if (e != open)
			return -1;
	} else if (open > spec) {
		/* SYMBOL(%rip) or SYMBOL+N(%rip): the symbol's address, absolute */
		char *sym = arena_printf(&s->arena, "%.*s", (int)(open - spec), spec);
		char *plus = strpbrk(sym, "+-");
		const struct dw_sym *ds;
		int64_t add = 0;

		if (plus) {
			add = strtoll(plus, NULL, 0);
			*plus = '\0';
		}
		if (strcmp(open, "(%rip)") || dw_syms_load(&u->o) ||
		    !(ds = dw_sym_by_name(&u->o, sym)))
			return -1;
		a->n = (int64_t)ds->addr + add;
		a->reg = NULL;
		return 0;
	}
	e = strchr(open, ')');
	if (!e || e[1] || open[1] != '%' || strchr(open, ','))
		return -1;
	a->reg = reg_member(open + 2, (size_t)(e - open - 2));
	return a->reg && strcmp(a->reg, "ip") ? 0 : -1;
}

/* the markers of .note.stapsdt, their addresses adjusted by .stapsdt.base */
static void read_notes(struct session *s, struct up_object *u)
{
	Elf *elf = u->o.elf;
	Elf_Scn *scn = NULL;
	uint64_t base_addr = 0;
	bool has_base = false;
	size_t shstrndx;
	int cap = 0;

	if (elf_getshdrstrndx(elf, &shstrndx))
		return;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *name;

		if (!gelf_getshdr(scn, &sh) || !(name = elf_strptr(elf, shstrndx, sh.sh_name)))
			continue;
		if (!strcmp(name, ".stapsdt.base")) {
			base_addr = sh.sh_addr;
			has_base = true;
		}
	}
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		GElf_Nhdr nh;
		size_t off = 0, name_off, desc_off;
		Elf_Data *data;
		const char *name;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE ||
		    !(name = elf_strptr(elf, shstrndx, sh.sh_name)) ||
		    strcmp(name, ".note.stapsdt") || !(data = elf_getdata(scn, NULL)))
			continue;
		while ((off = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
			const char *desc = (const char *)data->d_buf + desc_off, *p, *end;
			struct up_note *n;
			uint64_t v[3];

			if (nh.n_type != 3 || nh.n_namesz != 8 ||
			    strcmp((const char *)data->d_buf + name_off, "stapsdt") ||
			    nh.n_descsz < 3 * 8 + 3)
				continue;
			if (u->n_notes == cap) {
				cap = cap ? cap * 2 : 16;
				u->notes = xrealloc(u->notes, (size_t)cap * sizeof(*u->notes));
			}
			n = &u->notes[u->n_notes];
			memset(n, 0, sizeof(*n));
			memcpy(v, desc, sizeof(v));
			end = desc + nh.n_descsz;
			p = desc + 24;
			n->provider = arena_strndup(&s->arena, p, strnlen(p, (size_t)(end - p)));
			p += strlen(n->provider) + 1;
			if (p >= end)
				continue;
			n->name = arena_strndup(&s->arena, p, strnlen(p, (size_t)(end - p)));
			p += strlen(n->name) + 1;
			n->pc = v[0];
			n->sema = v[2];
			if (has_base) {
				n->pc += base_addr - v[1];
				if (n->sema)
					n->sema += base_addr - v[1];
			}
			while (p < end && *p) {
				size_t len;

				while (*p == ' ')
					p++;
				len = strcspn(p, " ");
				if (!len)
					break;
				if (n->n_args == UP_MAX_ARGS ||
				    parse_arg(s, u, p, len, &n->args[n->n_args]))
					n->bad = arena_printf(&s->arena, "argument '%.*s'", (int)len, p);
				else
					n->n_args++;
				p += len;
			}
			u->n_notes++;
		}
	}
	if (u->notes) {	/* the session's arena keeps them */
		struct up_note *keep = arena_alloc(&s->arena, (size_t)u->n_notes * sizeof(*keep) + 1);

		memcpy(keep, u->notes, (size_t)u->n_notes * sizeof(*keep));
		free(u->notes);
		u->notes = keep;
	}
}

/* the DWARF of a stripped program from its debug file, found by build id as
 * /usr/lib/debug/.build-id/xx/yyyy.debug; its addresses are the program's */
static void separate_debuginfo(struct session *s, struct up_object *u)
{
	const char *root = getenv("SYSTEMTAP_DEBUGINFO_ROOT");
	struct strbuf hex = { 0 };
	unsigned char id[64];
	const char *path;
	size_t i;

	for (i = 0; i < u->o.build_id_len; i++)
		sb_printf(&hex, "%02x", u->o.build_id[i]);
	path = arena_printf(&s->arena, "%s/.build-id/%.2s/%s.debug",
			    root ? root : "/usr/lib/debug", hex.buf, hex.buf + 2);
	sb_free(&hex);
	u->o.dbg_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (u->o.dbg_fd < 0)
		return;
	u->o.dbg_elf = elf_begin(u->o.dbg_fd, ELF_C_READ_MMAP, NULL);
	/* the debug file must be this program's */
	if (!u->o.dbg_elf || dw_elf_build_id(u->o.dbg_elf, id, sizeof(id)) != u->o.build_id_len ||
	    memcmp(id, u->o.build_id, u->o.build_id_len))
		return;
	u->o.dw = dwarf_begin_elf(u->o.dbg_elf, DWARF_C_READ, NULL);
}

static struct up_object *user_object(struct session *s, const char *path,
				     const struct srcloc *loc)
{
	struct dw_state *st = dw_state(s);
	struct up_object *u;
	struct dw_object *o;
	GElf_Ehdr eh;
	Elf_Scn *scn = NULL;
	size_t i, n_ph, shstrndx;

	for (o = st->users; o; o = o->next)
		if (!strcmp(o->path, path)) {
			u = (struct up_object *)o;
			if (u->bad)
				diag_error(s, loc, "cannot probe %s (see above)", path);
			return u->bad ? NULL : u;
		}
	u = arena_alloc(&s->arena, sizeof(*u));
	dw_object_init(&u->o, DW_OBJ_EXEC, NULL, path);
	u->o.next = st->users;
	st->users = &u->o;
	elf_version(EV_CURRENT);
	u->bad = true;	/* until it is read */
	u->o.fd = open(path, O_RDONLY | O_CLOEXEC);
	if (u->o.fd < 0) {
		diag_error(s, loc, "cannot open %s: %s", path, strerror(errno));
		return NULL;
	}
	u->o.elf = elf_begin(u->o.fd, ELF_C_READ_MMAP, NULL);
	if (!u->o.elf || !gelf_getehdr(u->o.elf, &eh) || elf_getphdrnum(u->o.elf, &n_ph) ||
	    (eh.e_type != ET_EXEC && eh.e_type != ET_DYN) ||
	    (eh.e_machine != EM_X86_64 && eh.e_machine != EM_386)) {
		diag_error(s, loc, "%s is not an x86 executable or shared object", path);
		return NULL;
	}
	/* i386, and x32 (32-bit x86-64, as /libx32/libc.so.6) */
	u->is32 = gelf_getclass(u->o.elf) == ELFCLASS32;
	for (i = 0; i < n_ph; i++) {
		GElf_Phdr ph;

		if (gelf_getphdr(u->o.elf, (int)i, &ph) && ph.p_type == PT_LOAD &&
		    u->n_loads < UP_MAX_LOADS) {
			u->loads[u->n_loads].vaddr = ph.p_vaddr;
			u->loads[u->n_loads].memsz = ph.p_filesz;
			u->loads[u->n_loads].off = ph.p_offset;
			u->n_loads++;
		}
	}
	u->bad = false;
	if (u->is32)
		return u;	/* no DWARF, no markers: functions by the symbol table */
	u->o.build_id_len = dw_elf_build_id(u->o.elf, u->o.build_id, sizeof(u->o.build_id));
	if (!elf_getshdrstrndx(u->o.elf, &shstrndx))
		while ((scn = elf_nextscn(u->o.elf, scn))) {
			GElf_Shdr sh;
			const char *name;

			if (gelf_getshdr(scn, &sh) &&
			    (name = elf_strptr(u->o.elf, shstrndx, sh.sh_name)) &&
			    !strcmp(name, ".debug_info"))
				u->has_dwarf = true;
		}
	if (!u->has_dwarf && u->o.build_id_len)
		separate_debuginfo(s, u);
	else if (u->has_dwarf && u->o.build_id_len)
		u->o.dw = dwarf_begin_elf(u->o.elf, DWARF_C_READ, NULL);
	if (u->o.dw && dw_index_load(s, &u->o)) {
		dwarf_end(u->o.dw);
		u->o.dw = NULL;
	}
	u->has_dwarf = u->o.dw != NULL;
	read_notes(s, u);
	return u;
}

struct dw_object *up_dwarf_object(struct session *s, const char *path,
				  const struct srcloc *loc)
{
	const char *full = resolve_path(s, path);
	struct up_object *u;

	if (!full) {
		diag_error(s, loc, "cannot find executable '%s'", path);
		return NULL;
	}
	u = user_object(s, full, loc);
	if (!u)
		return NULL;
	if (!u->has_dwarf) {
		diag_error(s, loc, "%s has no debuginfo", full);
		return NULL;
	}
	return &u->o;
}

struct dw_object *up_library_with_type(struct session *s, const struct dw_object *prog,
					const char *type, const struct srcloc *loc)
{
	struct strlist dirs = { 0 }, libs = { 0 };
	struct dw_object *found = NULL;
	size_t i;

	lib_dirs(s, &dirs);
	needed_libraries(s, prog->path, &dirs, &libs, 0);
	for (i = 0; i < libs.n && !found; i++) {
		struct up_object *u = user_object(s, libs.v[i], loc);

		if (u && u->has_dwarf && dw_has_type(&u->o, type))
			found = &u->o;
	}
	strlist_free(&dirs);
	strlist_free(&libs);
	return found;
}

/* ---- matching --------------------------------------------------------------------- */

static struct up_site *add_site(struct session *s, struct derived_probe *dp,
				struct up_probe *up, uint64_t addr, const char *pp,
				const struct srcloc *loc)
{
	struct up_site *us = arena_alloc(&s->arena, sizeof(*us)), **tail;
	bool ok;

	us->offset = file_offset(up->obj, addr, &ok);
	if (!ok) {
		diag_error(s, loc, "probe point %s: address %#llx is not in a loaded segment "
			   "of %s", pp, (unsigned long long)addr, up->path);
		return NULL;
	}
	us->obj = up->obj;
	us->path = up->path;
	us->exe = up->exe;
	us->site = dw_add_site(s, dp);
	us->site->obj = &up->obj->o;
	us->site->addr = addr;
	us->site->pp = pp;
	for (tail = &up->sites; *tail; tail = &(*tail)->next)
		;
	*tail = us;
	return us;
}

static const char *proc_str(struct session *s, const struct up_probe *up)
{
	if (up->exe)
		return arena_printf(&s->arena, "process(\"%s\").library(\"%s\")", up->exe,
				    up->path);
	return arena_printf(&s->arena, "process(\"%s\")", up->path);
}

/* PROC.function("NAME@FILE:LINE")SUFFIX, or without "@FILE:LINE" for a function whose
 * DWARF has no declaration file (glibc's assembler getpid) */
static const char *fn_pp(struct session *s, const char *proc, struct up_object *u,
			 const struct dw_func *fn, int line, const char *suffix)
{
	const char *file = dw_str(&u->o, fn->file);

	if (!file || !*file)
		return arena_printf(&s->arena, "%s.function(\"%s\")%s", proc,
				    dw_str(&u->o, fn->name), suffix);
	return arena_printf(&s->arena, "%s.function(\"%s@%s:%d\")%s", proc,
			    dw_str(&u->o, fn->name), file, line, suffix);
}

/* a .return on fn at us: where its entry part runs, past fn's prologue if that stores
 * the parameters (a CU without location lists), else at the entry (0) */
static void set_entry_addr(struct session *s, struct up_site *us, const struct dw_func *fn)
{
	uint64_t a = dw_after_prologue(&us->obj->o, fn, s->opt.prologue);
	uint64_t off;
	bool ok;

	if (a == us->site->addr)
		return;
	off = file_offset(us->obj, a, &ok);
	if (!ok)
		return;
	us->site->entry_addr = a;
	us->entry_offset = off;
}

static int match_functions(struct session *s, const struct probe_point *pp,
			   struct derived_probe *dp, struct up_probe *up, const char *pat,
			   const char *suffix, bool ret, enum dw_fn_filter filter)
{
	struct up_object *u = up->obj;
	const char *proc = proc_str(s, up);
	int n = 0;

	if (strchr(pat, '@') && !u->has_dwarf) {
		diag_error(s, &pp->loc, "%s has no debuginfo: cannot resolve function \"%s\"",
			   up->path, pat);
		return -1;
	}
	if (u->has_dwarf) {
		struct dw_match *v = NULL;
		char *func = arena_strdup(&s->arena, pat), *at = strchr(func, '@');
		int i, j, m;

		if (at)
			*at++ = '\0';
		/* "malloc" in glibc: a symbol aliasing a function of another name
		 * (__libc_malloc), as 4.8 finds it */
		m = dw_query_functions_alias(s, &u->o, func, at, filter, &v);
		for (i = 0; i < m; i++) {
			const char *name = dw_str(&u->o, v[i].fn->name);
			struct up_site *us;

			for (j = 0; j < i; j++)
				if (v[j].addr == v[i].addr)
					break;
			/* inline copies only for .inline (their code is the caller's) */
			if (j < i || ((v[i].fn->flags & DWF_INLINE) && filter != DW_FN_INLINE))
				continue;
			us = add_site(s, dp, up, ret ? v[i].addr :
				      dw_after_prologue(&u->o, v[i].fn, s->opt.prologue),
				      fn_pp(s, proc, u, v[i].fn, v[i].line, suffix), &pp->loc);
			if (!us) {
				free(v);
				return -1;
			}
			us->site->fn = v[i].fn;
			us->site->is_return = ret;
			if (ret)
				set_entry_addr(s, us, v[i].fn);
			us->func = name;
			n++;
		}
		free(v);
		return n;
	}
	if (dw_syms_load(&u->o)) {
		diag_error(s, &pp->loc, "%s has neither debuginfo nor a symbol table", up->path);
		return -1;
	}
	for (size_t i = 0, last = 0; i < u->o.n_syms; i++) {
		const struct dw_sym *sym = &u->o.syms[i];
		struct up_site *us;

		/* one site per address: the first matching name of aliases (malloc is
		 * __libc_malloc) */
		if (!sym->size || !dw_glob_match(pat, sym->name) ||
		    (n && u->o.syms[last].addr == sym->addr))
			continue;
		last = i;
		us = add_site(s, dp, up, sym->addr,
			      arena_printf(&s->arena, "%s.function(\"%s\")%s", proc, sym->name,
					   suffix), &pp->loc);
		if (!us)
			return -1;
		us->site->is_return = ret;
		us->func = sym->name;
		n++;
	}
	return n;
}

/* .function("F").callee("PAT")[.call|.return], .callees[(N)]: a uprobe on each callee
 * of F found in the program's DWARF (dwarf/callee.c), fired for calls along that path
 * only. Inlined callees are the caller's own code, and have no .return. */
static int match_callees(struct session *s, const struct probe_point *pp,
			 struct derived_probe *dp, struct up_probe *up, const char *pat,
			 const char *callee_pat, int depth, bool ret, bool call)
{
	struct up_object *u = up->obj;
	const char *proc = proc_str(s, up), *suffix = ret ? ".return" : call ? ".call" : "";
	char *func = arena_strdup(&s->arena, pat), *at = strchr(func, '@');
	struct dw_match *v = NULL;
	int n = 0, m, i;

	if (!u->has_dwarf) {
		diag_error(s, &pp->loc, "%s has no debuginfo: cannot find the callees of \"%s\"",
			   up->path, pat);
		return -1;
	}
	if (at)
		*at++ = '\0';
	m = dw_query_functions_alias(s, &u->o, func, at, DW_FN_ANY, &v);
	for (i = 0; i < m; i++) {
		struct dw_callee *c = NULL;
		int nc = dw_query_callees(s, &u->o, v[i].fn, callee_pat, depth, &c);

		if (nc < 0) {
			dw_callees_too_many(s, pp, &u->o, v[i].fn, depth);
			free(v);
			return -1;
		}
		for (int j = 0; j < nc; j++) {
			const struct dw_func *fn = c[j].fn;
			const struct up_site *o;
			struct up_site *us;
			uint64_t *rets;

			if ((fn->flags & DWF_INLINE) && (ret || call))
				continue;
			for (o = up->sites; o; o = o->next)
				if (o->obj == u && o->site->addr == fn->addr &&
				    o->site->n_rets == c[j].n_rets &&
				    !memcmp(o->site->rets, c[j].rets,
					    sizeof(uint64_t) * (size_t)c[j].n_rets))
					break;
			if (o)
				continue;
			/* pp() is the callee's own point, as in 4.8 */
			us = add_site(s, dp, up, fn->addr,
				      fn_pp(s, proc, u, fn, (int)fn->line, ret ? ".return" : ""),
				      &pp->loc);
			if (!us) {
				free(c);
				free(v);
				return -1;
			}
			rets = arena_alloc(&s->arena, sizeof(uint64_t) * (size_t)(c[j].n_rets + 1));
			memcpy(rets, c[j].rets, sizeof(uint64_t) * (size_t)c[j].n_rets);
			us->site->list_pp = arena_printf(&s->arena, "%s%s",
							 fn_pp(s, proc, u, c[j].caller,
							       (int)c[j].caller->line, ""),
							 dw_callee_str(s, &u->o, fn, suffix));
			if (c[j].tail)
				dw_callee_tail_warn(s, pp, &u->o, &c[j]);
			us->site->rets = rets;
			us->site->n_rets = c[j].n_rets;
			us->ra_sp = ret || !c[j].n_rets ? -1 : dw_ra_offset(u->o.elf, fn->addr);
			us->site->fn = fn;
			us->site->is_return = ret;
			us->func = dw_str(&u->o, fn->name);
			n++;
		}
		free(c);
	}
	free(v);
	return n;
}

/* .plt("PATTERN")[.return]: the PLT stubs of the functions the program imports, by the
 * R_X86_64_JUMP_SLOT relocations of .rela.plt (an i386 object's R_386_JMP_SLOT ones of
 * .rel.plt): stub k is at .plt.sec + 16k when the program has a .plt.sec (IBT), else at
 * .plt + 16(k + 1) (after the resolver's entry); both ABIs' stubs are 16 bytes */
static int match_plts(struct session *s, const struct probe_point *pp,
		      struct derived_probe *dp, struct up_probe *up, const char *pat,
		      bool ret)
{
	Elf *elf = up->obj->o.elf;
	Elf_Scn *scn = NULL, *rela = NULL;
	GElf_Shdr sh, rsh = { 0 }, symsh;
	uint64_t plt = 0, plt_sec = 0;
	Elf_Data *rd, *sd;
	size_t shstr, k, nrel;
	GElf_Ehdr eh;
	bool i386;
	int n = 0;

	if (!elf || elf_getshdrstrndx(elf, &shstr) || !gelf_getehdr(elf, &eh))
		return 0;
	i386 = eh.e_machine == EM_386;
	while ((scn = elf_nextscn(elf, scn))) {
		const char *name;

		if (!gelf_getshdr(scn, &sh) || !(name = elf_strptr(elf, shstr, sh.sh_name)))
			continue;
		if ((!strcmp(name, ".rela.plt") && sh.sh_type == SHT_RELA) ||
		    (!strcmp(name, ".rel.plt") && sh.sh_type == SHT_REL)) {
			rela = scn;
			rsh = sh;
		} else if (!strcmp(name, ".plt")) {
			plt = sh.sh_addr;
		} else if (!strcmp(name, ".plt.sec")) {
			plt_sec = sh.sh_addr;
		}
	}
	if (!rela || !plt || !rsh.sh_entsize || !(rd = elf_getdata(rela, NULL)) ||
	    !gelf_getshdr(elf_getscn(elf, rsh.sh_link), &symsh) ||
	    !(sd = elf_getdata(elf_getscn(elf, rsh.sh_link), NULL)))
		return 0;
	nrel = rsh.sh_size / rsh.sh_entsize;
	for (k = 0; k < nrel; k++) {
		const char *name;
		struct up_site *us;
		GElf_Rela r;
		GElf_Sym sym;
		uint64_t addr;

		if (rsh.sh_type == SHT_REL) {
			GElf_Rel rel;

			if (!gelf_getrel(rd, (int)k, &rel))
				continue;
			r.r_info = rel.r_info;
		} else if (!gelf_getrela(rd, (int)k, &r)) {
			continue;
		}
		if (GELF_R_TYPE(r.r_info) != (i386 ? R_386_JMP_SLOT : R_X86_64_JUMP_SLOT) ||
		    !gelf_getsym(sd, (int)GELF_R_SYM(r.r_info), &sym) ||
		    !(name = elf_strptr(elf, symsh.sh_link, sym.st_name)) || !*name ||
		    !dw_glob_match(pat, name))
			continue;
		addr = plt_sec ? plt_sec + 16 * k : plt + 16 * (k + 1);
		us = add_site(s, dp, up, addr, arena_printf(&s->arena, "%s.plt(\"%s\")%s",
							    proc_str(s, up), name,
							    ret ? ".return" : ""), &pp->loc);
		if (!us)
			return -1;
		us->site->is_return = ret;
		us->func = name;
		n++;
	}
	return n;
}

/* .function("FUNC[@FILE]").label("PATTERN"): C labels, by the program's DWARF */
static int match_labels(struct session *s, const struct probe_point *pp,
			struct derived_probe *dp, struct up_probe *up, const char *pat,
			const char *label)
{
	struct up_object *u = up->obj;
	char *func = arena_strdup(&s->arena, pat), *at = strchr(func, '@');
	struct dw_match *v = NULL;
	int i, m, n = 0;

	if (!u->has_dwarf) {
		diag_error(s, &pp->loc, "%s has no debuginfo: cannot find label \"%s\"",
			   up->path, label);
		return -1;
	}
	if (at)
		*at++ = '\0';
	m = dw_query_labels(s, &u->o, func, at, label, &v);
	for (i = 0; i < m; i++) {
		const char *name = dw_str(&u->o, v[i].fn->name);
		struct up_site *us = add_site(s, dp, up, v[i].addr,
			arena_printf(&s->arena, "%s.function(\"%s@%s:%d\").label(\"%s\")",
				     proc_str(s, up), name, dw_str(&u->o, v[i].fn->file),
				     v[i].line, v[i].label), &pp->loc);

		if (!us) {
			free(v);
			return -1;
		}
		us->site->fn = v[i].fn;
		us->func = name;
		n++;
	}
	free(v);
	return n;
}

/* .statement("FUNC@FILE:LINE"), LINE a number, LO-HI or * */
static int match_statements(struct session *s, const struct probe_point *pp,
			    struct derived_probe *dp, struct up_probe *up,
			    const struct ast_node *arg)
{
	struct up_object *u = up->obj;
	char *func = arena_strdup(&s->arena, arg->u.str), *file = strchr(func, '@'), *colon;
	int lo = 0, hi = 0, i, j, m, n = 0;
	bool any = false;
	struct dw_match *v = NULL;

	if (!file || !(colon = strrchr(file, ':'))) {
		diag_error(s, &arg->loc, "process(...).statement needs \"FUNC@FILE:LINE\"");
		return -1;
	}
	*file++ = '\0';
	*colon++ = '\0';
	if (!strcmp(colon, "*"))
		any = true;
	else if (sscanf(colon, "%d-%d", &lo, &hi) != 2 && sscanf(colon, "%d", &lo) == 1)
		hi = lo;
	else if (!hi) {
		diag_error(s, &arg->loc, "bad line number in '%s'", arg->u.str);
		return -1;
	}
	if (!u->has_dwarf)
		return 0;	/* no lines without debuginfo: no match */
	m = dw_query_statements(s, &u->o, func, file, lo, hi, any, &v);
	for (i = 0; i < m; i++) {
		struct up_site *us;

		for (j = 0; j < i; j++)
			if (v[j].addr == v[i].addr)
				break;
		if (j < i)
			continue;
		us = add_site(s, dp, up, v[i].addr,
			      arena_printf(&s->arena, "%s.statement(\"%s@%s:%d\")", proc_str(s, up),
					   dw_str(&u->o, v[i].fn->name), dw_str(&u->o, v[i].fn->file),
					   v[i].line), &pp->loc);
		if (!us) {
			free(v);
			return -1;
		}
		us->site->fn = v[i].fn;
		us->func = dw_str(&u->o, v[i].fn->name);
		n++;
	}
	free(v);
	return n;
}

static int match_marks(struct session *s, const struct probe_point *pp,
		       struct derived_probe *dp, struct up_probe *up, const char *provider,
		       const char *name)
{
	struct up_object *u = up->obj;
	const char *proc = proc_str(s, up);
	int i, n = 0;

	for (i = 0; i < u->n_notes; i++) {
		const struct up_note *note = &u->notes[i];
		struct up_site *us;

		if ((provider && !dw_glob_match(provider, note->provider)) ||
		    !dw_glob_match(name, note->name))
			continue;
		/* as 4.8 names them: with the provider when the probe point has one */
		us = add_site(s, dp, up, note->pc, provider ?
			      arena_printf(&s->arena, "%s.provider(\"%s\").mark(\"%s\")", proc,
					   note->provider, note->name) :
			      arena_printf(&s->arena, "%s.mark(\"%s\")", proc, note->name),
			      &pp->loc);
		if (!us)
			return -1;
		if (note->sema) {
			bool ok;

			us->sema = file_offset(u, note->sema, &ok);
			if (!ok)
				us->sema = 0;
		}
		us->note = note;
		us->func = note->name;
		if (note->n_args > up->max_args)
			up->max_args = note->n_args;
		n++;
	}
	return n;
}

/* .library(lib): replace the programs in paths by the libraries of theirs lib names,
 * with each one's program in exes; -1 after an error */
static int library_paths(struct session *s, const struct probe_point *pp, const char *lib,
			 struct strlist *paths, struct strlist *exes)
{
	struct strlist libs = { 0 };
	size_t i, j;

	for (i = 0; i < paths->n; i++) {
		size_t before = libs.n;

		match_libraries(s, paths->v[i], lib, &libs);
		for (j = before; j < libs.n; j++)
			strlist_add(exes, paths->v[i]);
	}
	if (!libs.n && !pp->optional && !strpbrk(lib, "*?[")) {
		diag_error(s, &pp->loc, "library '%s' is not among the shared libraries %s "
			   "loads", lib, paths->n ? paths->v[0] : "the program");
		strlist_free(&libs);
		return -1;
	}
	strlist_free(paths);
	*paths = libs;
	return 0;
}

static int uprobe_match(struct session *s, const struct probe_point *pp,
			struct derived_probe *dp)
{
	const struct pp_comp *c = pp->comps, *f = c->next, *x;
	struct strlist paths = { 0 }, exes = { 0 };
	struct up_probe *up;
	const char *name, *lib = NULL, *label = NULL, *callee_pat = NULL;
	bool cret = false, ccall = false;
	int callee = 0, depth = 1;
	size_t i;
	int n, total;

	if (strcmp(c->name, "process") || !f)
		return 0;
	up = arena_alloc(&s->arena, sizeof(*up));
	x = f->next;
	if (!strcmp(f->name, "library") && f->arg && f->arg->kind == AST_STRING && x &&
	    (!strcmp(x->name, "function") || !strcmp(x->name, "plt") ||
	     !strcmp(x->name, "mark") || !strcmp(x->name, "provider") ||
	     (!strcmp(x->name, "statement") && x->arg && x->arg->kind == AST_STRING))) {
		lib = f->arg->u.str;	/* process("X").library("LIB")...: LIB's probes */
		f = x;
		x = f->next;
	}
	if (!strcmp(f->name, "begin") || !strcmp(f->name, "end")) {
		if (x || f->has_arg)
			return 0;
		up->kind = f->name[0] == 'b' ? UP_BEGIN : UP_END;
	} else if (!strcmp(f->name, "thread") && !f->has_arg && x && !x->next && !x->has_arg &&
		   (!strcmp(x->name, "begin") || !strcmp(x->name, "end"))) {
		up->kind = x->name[0] == 'b' ? UP_TBEGIN : UP_TEND;
	} else if (!strcmp(f->name, "syscall") && !f->has_arg &&
		   (!x || (!x->next && !x->has_arg && !strcmp(x->name, "return")))) {
		up->kind = x ? UP_SYSRET : UP_SYSCALL;
	} else if (!strcmp(f->name, "function") && f->arg && f->arg->kind == AST_STRING) {
		if (x && !x->next && !strcmp(x->name, "label") && x->arg &&
		    x->arg->kind == AST_STRING) {
			label = x->arg->u.str;
		} else if ((callee = dw_callee_spec(s, x, &callee_pat, &depth, &cret,
						    &ccall))) {
			if (callee < 0)
				return -1;
		} else if (x && (x->next || x->has_arg ||
				 (strcmp(x->name, "return") && strcmp(x->name, "call") &&
				  strcmp(x->name, "inline") && strcmp(x->name, "exported")))) {
			return 0;
		}
		up->kind = UP_FUNC;
	} else if (!strcmp(f->name, "statement") && f->arg && f->arg->kind == AST_STRING) {
		if (x)
			return 0;
		up->kind = UP_FUNC;
	} else if (!strcmp(f->name, "statement") && f->arg && f->arg->kind == AST_NUMBER) {
		if (!x || x->next || strcmp(x->name, "absolute"))
			return 0;
		if (!s->opt.guru) {
			diag_error(s, &pp->loc, "process(...).statement(%#llx).absolute needs guru "
				   "mode (-g)", (unsigned long long)f->arg->u.num);
			return -1;
		}
		up->kind = UP_FUNC;
	} else if (!strcmp(f->name, "plt") && (!f->has_arg || (f->arg &&
							       f->arg->kind == AST_STRING))) {
		if (x && (x->next || x->has_arg || strcmp(x->name, "return")))
			return 0;
		up->kind = UP_FUNC;
		up->plt = true;
	} else if (!strcmp(f->name, "mark") && f->arg && f->arg->kind == AST_STRING && !x) {
		up->kind = UP_MARK;
	} else if (!strcmp(f->name, "provider") && f->arg && f->arg->kind == AST_STRING &&
		   x && !x->next && !strcmp(x->name, "mark") && x->arg &&
		   x->arg->kind == AST_STRING) {
		up->kind = UP_MARK;
	} else {
		return 0;
	}
	if (c->arg && c->arg->kind == AST_NUMBER) {
		up->pid = c->arg->u.num;
		if (up->kind == UP_FUNC || up->kind == UP_MARK) {
			up->path = pid_program(s, up->pid, &c->arg->loc);
			if (!up->path)
				return -1;
			strlist_add(&paths, up->path);
		}
	} else if (c->arg && c->arg->kind == AST_STRING) {
		n = resolve_paths(s, c->arg->u.str, &paths);
		if (n == 0 && (pp->optional || strpbrk(c->arg->u.str, "*?[")))
			return 0;	/* no such program: no match */
		if (n == 0) {
			diag_error(s, &c->arg->loc, "cannot find executable '%s'", c->arg->u.str);
			return -1;
		}
		if (n > 1 && up->kind != UP_FUNC && up->kind != UP_MARK) {
			diag_error(s, &c->arg->loc, "process(\"%s\") matches %d programs: name one "
				   "for its begin, end and syscall probes", c->arg->u.str, n);
			return -1;
		}
		up->path = paths.v[0];
	} else if (up->kind == UP_FUNC || up->kind == UP_MARK) {
		const char *cmd = s->opt.target_cmd;
		char *prog;

		if (!cmd && s->opt.target_pid) {
			up->path = pid_program(s, s->opt.target_pid, &pp->loc);
			if (!up->path)
				return -1;
			strlist_add(&paths, up->path);
			goto matched;
		}
		if (!cmd) {
			diag_error(s, &pp->loc, "a process probe without a path needs -c CMD or "
				   "-x PID");
			return -1;
		}
		prog = arena_strndup(&s->arena, cmd + strspn(cmd, " \t"),
				     strcspn(cmd + strspn(cmd, " \t"), " \t"));
		up->path = resolve_path(s, prog);
		if (up->path)
			strlist_add(&paths, up->path);
		if (!up->path) {
			diag_error(s, &pp->loc, "cannot find executable '%s' (of -c)", prog);
			return -1;
		}
	}
matched:
	dp->priv = up;
	if (up->kind != UP_FUNC && up->kind != UP_MARK) {
		strlist_free(&paths);
		return 1;
	}
	if (lib && library_paths(s, pp, lib, &paths, &exes) < 0) {
		strlist_free(&paths);
		return -1;
	}
	for (i = 0, total = 0; i < paths.n; i++) {
		up->path = paths.v[i];
		up->exe = lib ? exes.v[i] : NULL;
		up->obj = user_object(s, up->path, &pp->loc);
		if (!up->obj) {
			n = -1;
		} else if (!strcmp(f->name, "statement") && f->arg->kind == AST_STRING) {
			n = match_statements(s, pp, dp, up, f->arg);
		} else if (!strcmp(f->name, "statement")) {
			n = add_site(s, dp, up, (uint64_t)f->arg->u.num, elab_pp_str(s, pp),
				     &pp->loc) ? 1 : -1;
		} else if (label) {
			n = match_labels(s, pp, dp, up, f->arg->u.str, label);
		} else if (callee) {
			n = match_callees(s, pp, dp, up, f->arg->u.str, callee_pat, depth, cret,
					  ccall);
		} else if (up->plt) {
			n = match_plts(s, pp, dp, up, f->arg ? f->arg->u.str : "*", x != NULL);
		} else if (up->kind == UP_MARK) {
			bool prov = !strcmp(f->name, "provider");

			name = prov ? x->arg->u.str : f->arg->u.str;
			n = match_marks(s, pp, dp, up, prov ? f->arg->u.str : NULL, name);
		} else {
			enum dw_fn_filter filter = !x ? DW_FN_ANY :
				!strcmp(x->name, "return") ? DW_FN_ENTRY :
				!strcmp(x->name, "call") ? DW_FN_CALL :
				!strcmp(x->name, "inline") ? DW_FN_INLINE : DW_FN_EXPORTED;

			name = f->arg->u.str;
			n = match_functions(s, pp, dp, up, name, x ? arena_printf(&s->arena, ".%s",
										  x->name) : "",
					    filter == DW_FN_ENTRY, filter);
		}
		if (n < 0) {
			strlist_free(&paths);
			strlist_free(&exes);
			return -1;
		}
		total += n;
	}
	strlist_free(&paths);
	strlist_free(&exes);
	return total ? 1 : 0;
}

/* ---- context variables -------------------------------------------------------------- */

static int uprobe_context_var(struct session *s, struct derived_probe *dp, const char *name,
			      struct ast_node *n)
{
	struct up_probe *up = dp->priv;
	const struct srcloc loc = n->loc;
	const struct up_site *us;
	const char *fn = NULL;
	struct ast_node *args = NULL, *next = n->next;

	if (dp->entry_of)
		up = dp->entry_of->priv;
	if (!up)
		return 0;
	if (up->kind == UP_MARK) {
		if (!strncmp(name, "$arg", 4) && name[4] >= '1' && name[4] <= '9') {
			char *e;
			long i = strtol(name + 4, &e, 10);

			if (*e || i > up->max_args) {
				diag_error(s, &loc, "marker %s has no argument %s (it has %d)",
					   dp->pp_str, name, up->max_args);
				return -1;
			}
			fn = "__sdt_arg";
			args = ast_number(s, &loc, i);
		} else if (!strcmp(name, "$$name")) {
			fn = "__sdt_name";
		} else if (!strcmp(name, "$$provider")) {
			fn = "__sdt_provider";
		} else if (!strcmp(name, "$$parms") || !strcmp(name, "$$vars")) {
			fn = "__sdt_parms";
		} else {
			diag_error(s, &loc, "unknown marker variable %s in %s (markers have "
				   "$arg1..$argN, $$name, $$provider, $$parms)", name, dp->pp_str);
			return -1;
		}
		for (us = up->sites; us; us = us->next)
			if (us->note->bad) {
				diag_error(s, &loc, "marker %s: cannot read its %s", us->site->pp,
					   us->note->bad);
				return -1;
			}
		if (n->u.target.comps || n->u.target.addr) {
			diag_error(s, &loc, "marker variable %s has no members", name);
			return -1;
		}
		*n = *ast_call(s, &loc, strtab_intern(&s->arena, fn), args);
		n->next = next;
		return 1;
	}
	if (up->kind == UP_SYSCALL || up->kind == UP_SYSRET) {
		if (!strcmp(name, "$syscall")) {
			fn = "__sys_nr";
		} else if (!strcmp(name, "$return") && up->kind == UP_SYSRET) {
			fn = "__sys_retval";
		} else if (!strncmp(name, "$arg", 4) && name[4] >= '1' && name[4] <= '6' &&
			   !name[5]) {
			fn = "__sys_arg";
			args = ast_number(s, &loc, name[4] - '1');
			args->next = ast_number(s, &loc, 8);
			args->next->next = ast_number(s, &loc, 0);
		} else {
			diag_error(s, &loc, "unknown variable %s in %s (it has $syscall, $arg1..$arg6%s)",
				   name, dp->pp_str, up->kind == UP_SYSRET ? ", $return" : "");
			return -1;
		}
		if (n->u.target.comps || n->u.target.addr) {
			diag_error(s, &loc, "system call variable %s has no members", name);
			return -1;
		}
		*n = *ast_call(s, &loc, strtab_intern(&s->arena, fn), args);
		n->next = next;
		return 1;
	}
	if (up->kind != UP_FUNC) {
		diag_error(s, &loc, "target variables are not available in %s", dp->pp_str);
		return -1;
	}
	if (up->plt && !strcmp(name, "$$name") && !n->u.target.comps && !n->u.target.addr) {
		*n = *ast_call(s, &loc, strtab_intern(&s->arena, "__plt_name"), NULL);
		n->next = next;
		return 1;
	}
	if (up->plt) {
		diag_error(s, &loc, "target variable %s is not available in %s: a PLT stub has "
			   "no debuginfo (use $$name, pointer_arg(N), int_arg(N), returnval())",
			   name, dp->pp_str);
		return -1;
	}
	for (us = up->sites; us; us = us->next)
		if (us->obj->is32) {
			diag_error(s, &loc, "target variable %s is not available: %s is a 32-bit "
				   "object, probed by its symbol table only", name, us->path);
			return -1;
		} else if (!us->obj->has_dwarf) {
			diag_error(s, &loc, "target variable %s is not available: %s has no "
				   "debuginfo (use pointer_arg(N), int_arg(N), returnval())", name,
				   us->path);
			return -1;
		}
	return 0;
}

/* ---- emission ------------------------------------------------------------------------ */

static const char *kind_name(enum up_kind k)
{
	switch (k) {
	case UP_BEGIN: return "STP_UPROC_BEGIN";
	case UP_END: return "STP_UPROC_END";
	case UP_TBEGIN: return "STP_UPROC_TBEGIN";
	case UP_TEND: return "STP_UPROC_TEND";
	case UP_SYSCALL: return "STP_UPROC_SYSCALL";
	case UP_SYSRET: return "STP_UPROC_SYSRET";
	case UP_FUNC: case UP_MARK: break;
	}
	return "0";
}

/* the index of path in paths, added if new */
static int path_index(struct strlist *paths, const char *path)
{
	size_t i;

	for (i = 0; i < paths->n; i++)
		if (!strcmp(paths->v[i], path))
			return (int)i;
	strlist_add(paths, path);
	return (int)paths->n - 1;
}

/* is one of the probes a .callee probe, whose hits compare the stack with a path? */
static bool has_callees(struct derived_probe *const *probes, int n)
{
	for (int i = 0; i < n; i++) {
		const struct up_probe *up = probes[i]->priv;

		if (probes[i]->entry_of)
			continue;	/* a .return's entry part: no sites of its own */
		for (const struct up_site *us = up->sites; us; us = us->next)
			if (us->site->n_rets)
				return true;
	}
	return false;
}

static void uprobe_emit_decls(struct session *s, struct emitter *e,
			      struct derived_probe *const *probes, int n)
{
	struct strlist paths = { 0 };
	int i, n_up = 0, n_ev = 0, n_sdt = 0;
	size_t j;

	if (has_callees(probes, n))
		emit_line(e, "#define STP_UCALLEES 1");	/* they unwind the user stack */
	emit_line(e, "#include \"linux/stp_uprobes.h\"");
	for (i = 0; i < n; i++) {
		const struct up_probe *up = probes[i]->priv;

		emit_line(e, "static void probe_%d(struct _stp_context *);", probes[i]->id);
		if (probes[i]->entry_of)
			continue;	/* a .return's entry part: run by its uprobe */
		if (up->path)
			path_index(&paths, up->path);
		for (const struct up_site *us = up->sites; us; us = us->next) {
			path_index(&paths, us->path);
			if (us->exe)
				path_index(&paths, us->exe);
		}
	}
	/* marker arguments */
	for (i = 0; i < n; i++) {
		const struct up_probe *up = probes[i]->priv;
		const struct up_site *us;

		if (probes[i]->entry_of || up->kind != UP_MARK)
			continue;
		for (us = up->sites; us; us = us->next) {
			const struct up_note *note = us->note;
			char *prov = emit_cstr(note->provider), *nm = emit_cstr(note->name);
			int k;

			emit_open(e, "static const struct _stp_sdt_arg _stp_sdt_args%d[] =", n_sdt);
			for (k = 0; k < note->n_args; k++) {
				const struct up_sdt_arg *a = &note->args[k];

				emit_line(e, "{ .size = %d, .kind = %d, .reg = %s%s%s, .n = %lldLL },",
					  a->size, (int)a->kind, a->reg ? "offsetof(struct pt_regs, " : "",
					  a->reg ? a->reg : "-1", a->reg ? ")" : "", (long long)a->n);
			}
			if (!note->n_args)
				emit_line(e, "{ .kind = 0 },");
			emit_close(e, "};");
			emit_line(e, "static const struct _stp_sdt_site _stp_sdt_site%d = { %s, %s, %d, "
				  "_stp_sdt_args%d };", n_sdt, prov, nm, note->n_args, n_sdt);
			n_sdt++;
			free(prov);
			free(nm);
		}
	}
	emit_open(e, "static struct _stp_upath _stp_upaths[] =");
	for (j = 0; j < paths.n; j++) {
		char *p = emit_cstr(paths.v[j]);

		emit_line(e, "{ .path = %s },", p);
		free(p);
	}
	if (!paths.n)
		emit_line(e, "{ .path = NULL },");
	emit_close(e, "};");
	emit_open(e, "static struct _stp_uprobe _stp_uprobes[] =");
	n_sdt = 0;
	for (i = 0; i < n; i++) {
		const struct up_probe *up = probes[i]->priv;
		const struct up_site *us;

		if (probes[i]->entry_of)
			continue;
		for (us = up->sites; us; us = us->next) {
			char *pp = emit_cstr(us->site->pp), *fn = emit_cstr(us->func ? us->func : "");

			emit_line(e, "{ .sp = { .p = { .kind = STP_PROBE_EVENT, .pp = %s, .fn = probe_%d },",
				  pp, probes[i]->id);
			emit_line(e, "          .site = %d },", us->site->id);
			emit_line(e, "  .path = %d, .exe = %d, .offset = 0x%llx, .sema = 0x%llx, "
				  ".vaddr = 0x%llx, .func = %s,", path_index(&paths, us->path),
				  us->exe ? path_index(&paths, us->exe) : -1,
				  (unsigned long long)us->offset, (unsigned long long)us->sema,
				  (unsigned long long)us->site->addr, fn);
			if (us->note)
				emit_line(e, "  .sdt = &_stp_sdt_site%d,", n_sdt++);
			if (us->site->entry) {
				const struct dw_entry_part *part = us->site->entry;

				emit_line(e, "  .entry = { .p = { .kind = STP_PROBE_EVENT, .pp = %s, "
					  ".fn = probe_%d }, .site = %d },", pp, part->probe->id,
					  us->site->id);
				emit_line(e, "  .n_entry = %d, .entry_size = %s,", part->n_values,
					  family_entry_size(s, part));
				if (us->entry_offset)
					emit_line(e, "  .entry_offset = 0x%llx, .entry_vaddr = 0x%llx,",
						  (unsigned long long)us->entry_offset,
						  (unsigned long long)us->site->entry_addr);
			}
			if (us->site->n_rets) {
				struct strbuf b = { 0 };

				for (int r = 0; r < us->site->n_rets; r++)
					sb_printf(&b, "%s0x%llxUL", r ? ", " : "",
						  (unsigned long long)us->site->rets[r]);
				emit_line(e, "  .rets = (const unsigned long[]){ %s }, .n_rets = %d, "
					  ".ra_sp = %d,", b.buf, us->site->n_rets, us->ra_sp);
				sb_free(&b);
			}
			emit_line(e, "  .pid = %lld, .is_return = %d },", (long long)up->pid,
				  us->site->is_return);
			n_up++;
			free(pp);
			free(fn);
		}
	}
	if (!n_up)
		emit_line(e, "{ .path = -1 },");
	emit_close(e, "};");
	emit_open(e, "static struct _stp_uproc_probe _stp_uprocs[] =");
	for (i = 0; i < n; i++) {
		const struct up_probe *up = probes[i]->priv;
		char *pp;

		if (probes[i]->entry_of || up->kind == UP_FUNC || up->kind == UP_MARK)
			continue;
		pp = emit_cstr(probes[i]->pp_str);
		emit_line(e, "{ .p = { .kind = STP_PROBE_EVENT, .pp = %s, .fn = probe_%d },", pp,
			  probes[i]->id);
		emit_line(e, "  .kind = %s, .path = %d, .pid = %lld },", kind_name(up->kind),
			  up->path ? path_index(&paths, up->path) : -1, (long long)up->pid);
		n_ev++;
		free(pp);
	}
	if (!n_ev)
		emit_line(e, "{ .kind = 0 },");
	emit_close(e, "};");
	emit_line(e, "static struct _stp_uprobe_set _stp_uprobe_set = {");
	emit_line(e, "\t.paths = _stp_upaths, .n_paths = %zu,", paths.n);
	emit_line(e, "\t.ups = _stp_uprobes, .n_ups = %d,", n_up);
	/* with -c or -x, process probes apply to the target's process tree */
	emit_line(e, "\t.procs = _stp_uprocs, .n_procs = %d, .tree = %d };", n_ev,
		  s->opt.target_cmd != NULL || s->opt.target_pid != 0);
	strlist_free(&paths);
}

static void uprobe_list(struct session *s, const struct derived_probe *dp, bool vars,
			struct strlist *lines)
{
	const struct up_probe *up = dp->priv;
	const struct up_site *us;

	if (!up || (up->kind != UP_FUNC && up->kind != UP_MARK)) {
		strlist_add(lines, dp->pp_str);
		return;
	}
	for (us = up->sites; us; us = us->next) {
		struct strbuf sb = { 0 };
		int k;

		sb_puts(&sb, us->site->list_pp ? us->site->list_pp : us->site->pp);
		if (vars && us->note)
			for (k = 0; k < us->note->n_args; k++)
				sb_printf(&sb, " $arg%d:long", k + 1);
		else if (vars && us->site->fn)
			dw_list_vars(s, &us->obj->o, us->site, &sb);
		strlist_add(lines, arena_strdup(&s->arena, sb.buf));
		sb_free(&sb);
	}
}

/* process("P").function("NAME") that names no function of P: 4.8's "no match", with
 * the closest names from P's DWARF or symbol table; "" when there are none to offer */
static const char *uprobe_similar(struct session *s, const struct probe_point *pp)
{
	const struct pp_comp *c = pp->comps, *f = c->next;
	const char *full, *name, **names;
	struct up_object *u;
	char buf[256];
	size_t i, n = 0;

	if (strcmp(c->name, "process") || !f || strcmp(f->name, "function") || !f->arg ||
	    f->arg->kind != AST_STRING || !c->arg || c->arg->kind != AST_STRING)
		return NULL;
	/* no callee matched: the function itself may well exist */
	if (f->next && !strncmp(f->next->name, "callee", 6))
		return NULL;
	name = arena_strndup(&s->arena, f->arg->u.str, strcspn(f->arg->u.str, "@"));
	if (strpbrk(name, "*?[") || strpbrk(c->arg->u.str, "*?[") ||
	    !(full = resolve_path(s, c->arg->u.str)) || !(u = user_object(s, full, &pp->loc)))
		return "";
	if (u->has_dwarf) {
		names = xmalloc((u->o.n_funcs + 1) * sizeof(*names));
		for (i = 0; i < u->o.n_funcs; i++)
			names[n++] = dw_str(&u->o, u->o.funcs[i].name);
	} else if (!dw_syms_load(&u->o)) {
		names = xmalloc((u->o.n_syms + 1) * sizeof(*names));
		for (i = 0; i < u->o.n_syms; i++)
			if (u->o.syms[i].size)
				names[n++] = u->o.syms[i].name;
	} else {
		return "";
	}
	diag_suggest(name, names, n, buf, sizeof(buf));
	free(names);
	return buf[0] ? arena_printf(&s->arena, "similar functions: %s", buf) : "";
}

static const char *const uprobe_points[] = {
	"process.begin", "process.end", "process.thread.begin", "process.thread.end",
	"process(number).begin", "process(number).end", "process(number).thread.begin",
	"process(number).thread.end",
	"process(string).begin", "process(string).end", "process(string).thread.begin",
	"process(string).thread.end",
	"process.syscall", "process.syscall.return", "process(number).syscall",
	"process(number).syscall.return", "process(string).syscall",
	"process(string).syscall.return",
	"process(string).function(string)", "process(string).function(string).call",
	"process(string).function(string).return", "process(string).mark(string)",
	"process(string).function(string).label(string)", "process.function(string).label(string)",
	"process(string).function(string).inline", "process(string).function(string).exported",
	"process(string).function(string).callee(string)",
	"process(string).function(string).callee(string).call",
	"process(string).function(string).callee(string).return",
	"process(string).function(string).callees", "process(string).function(string).callees(number)",
	"process.function(string).inline", "process.function(string).exported",
	"process(string).library(string).function(string).inline",
	"process(string).library(string).function(string).exported",
	"process(string).library(string).function(string).label(string)",
	"process(string).provider(string).mark(string)",
	"process(string).statement(number).absolute", "process(string).statement(string)",
	"process(number).function(string)", "process(number).function(string).call",
	"process(number).function(string).return", "process(number).mark(string)",
	"process(number).provider(string).mark(string)",
	"process(string).plt(string)", "process(string).plt(string).return",
	"process(number).plt(string)", "process(number).plt(string).return",
	"process.plt(string)", "process.plt(string).return",
	"process(string).plt", "process(string).plt.return", "process.plt", "process.plt.return",
	"process(string).library(string).function(string)",
	"process(string).library(string).function(string).call",
	"process(string).library(string).function(string).return",
	"process(string).library(string).statement(string)",
	"process(string).library(string).mark(string)",
	"process(string).library(string).provider(string).mark(string)",
	"process(string).library(string).plt(string)",
	"process(string).library(string).plt(string).return",
	"process(string).library(string).plt", "process(string).library(string).plt.return",
	"process.library(string).function(string)",
	"process.library(string).function(string).return", "process.library(string).mark(string)",
	"process.library(string).plt(string)", "process.library(string).plt(string).return",
	"process.library(string).plt", "process.library(string).plt.return",
	"process.function(string)", "process.function(string).call",
	"process.function(string).return", "process.mark(string)",
	"process.provider(string).mark(string)",
	NULL,
};

/* ---- the BPF runtime's view -------------------------------------------------------- */

int up_bpf_sites(struct session *s, const struct derived_probe *dp, struct up_bpf_site **out,
		 const char **why)
{
	const struct up_probe *up = dp->entry_of ? dp->entry_of->priv : dp->priv;
	const struct up_site *us;
	int n = 0;

	*out = NULL;
	if (!up) {
		*why = "it matched nothing";
		return -1;
	}
	if (up->kind == UP_TBEGIN || up->kind == UP_TEND ||
	    (!up->path && (up->kind == UP_BEGIN || up->kind == UP_END))) {
		/* bare process.begin/.end, [process("PATH"|PID).]thread.begin/.end,
		 * process(PID).begin/.end: the scheduler's tracepoints (bpf/uprobe.c),
		 * no uprobe; PID's kept to the process of that id */
		*out = arena_alloc(&s->arena, sizeof(**out));
		(*out)->path = up->path ? up->path : "";
		(*out)->func = "";
		(*out)->pp = dp->pp_str;
		(*out)->pid = up->pid;
		(*out)->event = up->kind == UP_BEGIN ? UP_EV_BEGIN : up->kind == UP_END ? UP_EV_END :
				up->kind == UP_TBEGIN ? UP_EV_TBEGIN : UP_EV_TEND;
		return 1;
	}
	if (up->kind == UP_SYSCALL || up->kind == UP_SYSRET) {
		/* the raw sys_enter/sys_exit dispatchers of the syscall tapset */
		*out = arena_alloc(&s->arena, sizeof(**out));
		(*out)->path = up->path ? up->path : "";
		(*out)->func = "";
		(*out)->pp = dp->pp_str;
		(*out)->pid = up->pid;
		(*out)->event = up->kind == UP_SYSCALL ? UP_EV_SYSCALL : UP_EV_SYSRET;
		return 1;
	}
	if ((up->kind == UP_BEGIN || up->kind == UP_END) && up->path && !up->pid) {
		/* process("PATH").begin/.end: a uprobe at the program's entry point */
		struct up_object *u = user_object(s, up->path, &dp->pp->loc);
		GElf_Ehdr eh;
		bool ok = false;

		if (u && gelf_getehdr(u->o.elf, &eh))
			(*out = arena_alloc(&s->arena, sizeof(**out)))->offset =
				file_offset(u, eh.e_entry, &ok);
		if (!ok) {
			*why = "its program's entry point cannot be found";
			return -1;
		}
		(*out)->path = up->path;
		(*out)->func = "";
		(*out)->pp = dp->pp_str;
		(*out)->event = up->kind == UP_BEGIN ? UP_EV_PATH_BEGIN : UP_EV_PATH_END;
		return 1;
	}
	for (us = up->sites; us; us = us->next)
		if (us->site->n_rets) {
			*why = ".callee probes, which compare the hit's stack with the call path, "
			       "are not supported by the BPF runtime yet";
			return -1;
		}
	for (us = up->sites; us; us = us->next)
		n++;
	*out = arena_alloc(&s->arena, sizeof(**out) * (size_t)(n ? n : 1));
	n = 0;
	for (us = up->sites; us; us = us->next, n++) {
		struct up_bpf_site *b = &(*out)[n];

		b->path = us->path;
		b->exe = us->exe;
		b->func = us->func ? us->func : "";
		b->pp = us->site->pp;
		b->offset = us->offset;
		b->entry_offset = us->entry_offset;
		b->sema = us->sema;
		b->id = us->site->id;
		b->is_return = us->site->is_return;
		if (us->note) {
			b->provider = us->note->provider;
			b->name = us->note->name;
			b->n_args = us->note->n_args;
			b->args = us->note->args;
		}
	}
	return n;
}

const struct probe_family uprobe_family = {
	.name = "process", .kind = FAMILY_EVENT, .match = uprobe_match, .points = uprobe_points,
	.list = uprobe_list, .context_var = uprobe_context_var,
	.similar = uprobe_similar, .emit_decls = uprobe_emit_decls,
	.init_call = "rc = _stp_uprobes_init(&_stp_uprobe_set);",
	.exit_call = "_stp_uprobes_exit(&_stp_uprobe_set);",
};

const char *up_probe_path(const struct derived_probe *dp)
{
	const struct up_probe *up = dp->family == &uprobe_family ? dp->priv : NULL;

	return up ? up->path : NULL;
}

const char *up_resolve_program(struct session *s, const char *name)
{
	return resolve_path(s, name);
}

const char *up_target_program(struct session *s)
{
	const struct derived_probe *dp;
	const char *cmd = s->opt.target_cmd, *prog;

	if (!cmd)
		return NULL;
	cmd += strspn(cmd, " \t");
	prog = arena_strndup(&s->arena, cmd, strcspn(cmd, " \t"));
	if (!*prog || strchr(prog, '/') || !(prog = resolve_path(s, prog)))
		return NULL;
	for (dp = s->prog.probes; dp; dp = dp->next) {
		const struct up_probe *up = dp->family == &uprobe_family ? dp->priv : NULL;

		if (up && ((up->exe && !strcmp(up->exe, prog)) ||
			   (up->path && !strcmp(up->path, prog))))
			return prog;
	}
	return NULL;
}
