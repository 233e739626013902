/* The system calls of the running kernel for the BPF runtime, with no DWARF: the
 * calls and their arguments' names and C types are those of its tracefs events
 * syscalls:sys_enter_NAME (a call without an event is left out), the integer typedefs
 * are resolved in its BTF, and the numbers are the x86_64 ABI's (the uapi
 * unistd_64.h: the numbers never change; a call newer than that header has no number
 * here and is left out). A few calls' events have their kernel function's name
 * (stat's is sys_enter_newstat). tapsets/syscall.c takes this list instead of the DWARF one
 * when --runtime=bpf. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>

#include "bpf/gen.h"
#include "dwarf/dwarf.h"
#include "tapsets/syscall.h"
#include "util.h"

#define A(g) (&(g)->s->arena)

extern const struct probe_family syscall_family;

static const char *const unistd_paths[] = {
	"/usr/include/x86_64-linux-gnu/asm/unistd_64.h",
	"/usr/include/asm/unistd_64.h",
};

/* an integer type's size and signedness: C's own names, else the kernel's BTF */
static void int_type(struct session *s, const char *type, char *kind, int *size)
{
	char buf[128], *p = buf, *w;
	bool has_unsigned = false, has_long = false, has_short = false, has_char = false;
	bool base = true;
	const char *tn = NULL;

	snprintf(buf, sizeof(buf), "%s", type);
	*kind = 'd';
	*size = 8;
	while ((w = strsep(&p, " ")) != NULL) {
		if (!*w || !strcmp(w, "const") || !strcmp(w, "volatile") || !strcmp(w, "signed"))
			continue;
		if (!strcmp(w, "unsigned"))
			has_unsigned = true;
		else if (!strcmp(w, "long"))
			has_long = true;
		else if (!strcmp(w, "short"))
			has_short = true;
		else if (!strcmp(w, "char"))
			has_char = true;
		else if (strcmp(w, "int")) {
			base = false;
			tn = type + (w - buf);
		}
	}
	if (base) {
		*kind = has_unsigned ? 'u' : 'd';
		*size = has_long ? 8 : has_short ? 2 : has_char ? 1 : 4;
		return;
	}
	if (!s->kern.btf)
		s->kern.btf = btf__parse("/sys/kernel/btf/vmlinux", NULL);
	if (s->kern.btf && tn) {
		char name[64];
		int id, i;

		for (i = 0; i < 63 && (isalnum((unsigned char)tn[i]) || tn[i] == '_'); i++)
			name[i] = tn[i];
		name[i] = '\0';
		id = btf__find_by_name_kind(s->kern.btf, name, BTF_KIND_TYPEDEF);
		if (id > 0) {
			const struct btf_type *t = btf__type_by_id(s->kern.btf, (__u32)id);

			while (t && (btf_is_typedef(t) || btf_is_mod(t)))
				t = btf__type_by_id(s->kern.btf, t->type);
			if (t && btf_is_int(t)) {
				*kind = btf_int_encoding(t) & BTF_INT_SIGNED ? 'd' : 'u';
				*size = (int)t->size;
			} else if (t && btf_is_any_enum(t)) {
				*kind = 'd';
				*size = (int)t->size;
			} else if (t && btf_is_ptr(t)) {
				*kind = 'p';
				*size = 8;
			}
		}
	}
}

/* calls whose event (and kernel function) has another name than their number */
static const char *const event_names[][2] = {
	{ "stat", "newstat" }, { "lstat", "newlstat" }, { "fstat", "newfstat" },
	{ "uname", "newuname" }, { "sendfile", "sendfile64" }, { "umount2", "umount" },
};

/* the arguments of call sc from its sys_enter event's format; false if it has none */
static bool read_args(struct session *s, const char *dir, struct dw_syscall *sc)
{
	const char *ev = sc->name;
	char *path, *text, *line, *save;
	bool seen_nr = false;
	size_t k;

	for (k = 0; k < ARRAY_LEN(event_names); k++)
		if (!strcmp(ev, event_names[k][0]))
			ev = event_names[k][1];
	path = xasprintf("%s/events/syscalls/sys_enter_%s/format", dir, ev);
	if (read_file(path, &text, NULL)) {
		free(path);
		return false;
	}
	free(path);
	sc->func = arena_printf(&s->arena, "__x64_sys_%s", ev);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *decl = strstr(line, "field:"), *semi, *name;
		int i = sc->n_args;

		if (!decl || !(semi = strchr(decl, ';')))
			continue;
		decl += 6;
		*semi = '\0';
		if (strstr(decl, "__syscall_nr")) {
			seen_nr = true;
			continue;
		}
		if (!seen_nr || i == DW_SYSCALL_MAX_ARGS)
			continue;
		name = decl + strlen(decl);
		while (name > decl && (isalnum((unsigned char)name[-1]) || name[-1] == '_'))
			name--;
		if (!*name || name == decl)
			continue;
		sc->arg_names[i] = arena_strdup(&s->arena, name);
		while (name > decl && name[-1] == ' ')
			name--;
		sc->arg_types[i] = arena_printf(&s->arena, "%.*s", (int)(name - decl), decl);
		if (strchr(sc->arg_types[i], '*')) {
			/* const char *: a string the call reads */
			sc->arg_kind[i] = !strcmp(sc->arg_types[i], "const char *") ? 's' : 'p';
			sc->arg_size[i] = 8;
		} else {
			int_type(s, sc->arg_types[i], &sc->arg_kind[i], &sc->arg_size[i]);
		}
		sc->n_args++;
	}
	free(text);
	return seen_nr;
}

int bpf_syscalls(struct session *s, struct dw_syscall **out, size_t *n)
{
	const char *dir = bpf_tracefs();
	struct dw_syscall *v = NULL;
	char *text = NULL, *line, *save;
	size_t i, cap = 0;

	*out = NULL;
	*n = 0;
	if (!dir)
		return -1;
	for (i = 0; i < ARRAY_LEN(unistd_paths) && read_file(unistd_paths[i], &text, NULL); i++)
		;
	if (i == ARRAY_LEN(unistd_paths))
		return -1;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char name[64];
		int nr;
		struct dw_syscall sc = { 0 };

		if (sscanf(line, "#define __NR_%63s %d", name, &nr) != 2)
			continue;
		sc.name = arena_strdup(&s->arena, name);
		sc.nr = nr;
		if (!read_args(s, dir, &sc))
			continue;
		if (*n == cap) {
			cap = cap ? 2 * cap : 512;
			v = xrealloc(v, cap * sizeof(*v));
		}
		v[(*n)++] = sc;
	}
	free(text);
	*out = v;
	return 0;
}

/* ---- pass 3: the dispatchers and the tapset's helpers ------------------------------ */

/* the byte offset of member in the struct or union of BTF id, looking into its
 * anonymous members (mm_struct keeps its fields in one), or -1 */
static int member_offset_in(struct btf *b, int id, const char *member, int depth)
{
	const struct btf_type *t = btf__type_by_id(b, (__u32)id);
	const struct btf_member *m;
	int j;

	while (t && (btf_is_typedef(t) || btf_is_mod(t)))
		t = btf__type_by_id(b, t->type);
	if (!t || (!btf_is_struct(t) && !btf_is_union(t)) || depth > 8)
		return -1;
	m = btf_members(t);
	for (j = 0; j < btf_vlen(t); j++, m++) {
		int base = (int)(btf_member_bit_offset(t, (__u32)j) / 8), off;

		if (m->name_off) {
			if (!strcmp(btf__name_by_offset(b, m->name_off), member))
				return base;
			continue;
		}
		off = member_offset_in(b, (int)m->type, member, depth + 1);
		if (off >= 0)
			return base + off;
	}
	return -1;
}

int bpf_btf_member_offset(struct session *s, const char *type, const char *member)
{
	int id;

	if (!s->kern.btf)
		s->kern.btf = btf__parse("/sys/kernel/btf/vmlinux", NULL);
	if (!s->kern.btf)
		return -1;
	id = btf__find_by_name_kind(s->kern.btf, type, BTF_KIND_STRUCT);
	if (id <= 0)
		return -1;
	return member_offset_in(s->kern.btf, id, member, 0);
}

/* the byte offset in struct pt_regs (the kernel's BTF) of argument register i (0-5),
 * or of orig_ax for i 6; -1 if the BTF has no such member */
static int reg_offset(struct session *s, int i)
{
	static const char *const regs[] = { "di", "si", "dx", "r10", "r8", "r9", "orig_ax" };

	return i < 0 || i > 6 ? -1 : bpf_btf_member_offset(s, "pt_regs", regs[i]);
}

/* the subprograms one program may call: the kernel takes 256 functions in all, and
 * the verifier walks each call (at most 1M instructions a program) */
#define MAX_SUBPROGS 48

/* the dispatchers of the probes on sys_exit (ret) or sys_enter: their parts, each
 * calling at most MAX_SUBPROGS subprograms; the number of parts */
static int split_parts(struct bg *g, bool ret)
{
	int *progs = xcalloc((size_t)g->n_sys + 1, sizeof(*progs));
	int i, j, n = 0, part = 0;
	bool any = false;

	for (i = 0; i < g->n_sys; i++) {
		struct bg_sys *a = &g->sys[i];

		if (a->ret != ret)
			continue;
		any = true;
		for (j = 0; j < n && progs[j] != a->prog; j++)
			;
		if (j == n) {
			if (n == MAX_SUBPROGS) {
				part++;
				n = 0;
			}
			progs[n++] = a->prog;
		}
		a->part = part;
	}
	free(progs);
	return any ? part + 1 : 0;
}

/* Raw tracepoint programs on sys_enter and sys_exit (one each, more if the probes
 * need more subprograms than one program may call): the number and the result go
 * into the frame, then a switch on the number calls the probes of that call
 * (subprograms), then those of every call. */
void bpf_sys_dispatchers(struct bg *g)
{
	struct emitter e = { 0 };
	int ret, part, n_parts, i, j, nr_off;

	if (!g->n_sys)
		return;
	nr_off = reg_offset(g->s, 6);	/* the BTF is parsed only for syscall probes */
	if (nr_off < 0) {
		diag_plain(g->s, "error", "the kernel's BTF has no struct pt_regs with orig_ax: the syscall probes cannot read the call's number");
		return;
	}
	for (ret = 0; ret < 2; ret++) {
		n_parts = split_parts(g, ret);
		for (part = 0; part < n_parts; part++) {
			int prog = g->n_prog++;

			sb_printf(&g->meta, "P raw %s raw_syscalls/%s\nS %d\n",
				  ret ? "syscall.return" : "syscall", ret ? "sys_exit" : "sys_enter", prog);
			emit_open(&e, "SEC(\"raw_tp\") int __prog%d(void *ctx)", prog);
			emit_line(&e, "u32 __z = 0, __cpu = bpf_get_smp_processor_id();");
			emit_line(&e, "struct __frame *F = bpf_map_lookup_elem(&__frame, &__cpu);");
			emit_line(&e, "struct __globals *G = bpf_map_lookup_elem(&__g, &__z);");
			emit_line(&e, "if (!F || !G || G->__state != 1) return 0;");
			emit_line(&e, "F->sys_regs = ((u64 *)ctx)[0];");
			if (ret) {
				emit_line(&e, "s64 nr = -1;");
				emit_line(&e, "bpf_probe_read_kernel(&nr, 8, (void *)(F->sys_regs + %d));", nr_off);
				emit_line(&e, "F->sys_ret = ((s64 *)ctx)[1];");
			} else {
				emit_line(&e, "s64 nr = ((s64 *)ctx)[1];");
				emit_line(&e, "F->sys_ret = 0;");
			}
			emit_line(&e, "F->sys_nr = nr;");
			emit_open(&e, "switch (nr)");
			for (i = 0; i < g->n_sys; i++) {
				const struct bg_sys *a = &g->sys[i];

				if (a->ret != ret || a->part != part || a->nr < 0)
					continue;
				for (j = 0; j < i; j++)
					if (g->sys[j].ret == ret && g->sys[j].part == part &&
					    g->sys[j].nr == a->nr)
						break;
				if (j < i)	/* this number's case is written */
					continue;
				emit_line(&e, "case %d:", a->nr);
				for (j = i; j < g->n_sys; j++)
					if (g->sys[j].ret == ret && g->sys[j].part == part &&
					    g->sys[j].nr == a->nr)
						emit_line(&e, "\t__prog%d(ctx);", g->sys[j].prog);
				emit_line(&e, "\tbreak;");
			}
			emit_line(&e, "default:");
			emit_line(&e, "\tbreak;");
			emit_close(&e, "}");
			for (i = 0; i < g->n_sys; i++)
				if (g->sys[i].ret == ret && g->sys[i].part == part && g->sys[i].nr < 0)
					emit_line(&e, "__prog%d(ctx);", g->sys[i].prog);
			emit_line(&e, "return 0;");
			emit_close(&e, "}");
		}
	}
	sb_puts(&g->progs, e.out.buf ? e.out.buf : "");
	sb_free(&e.out);
}

/* the names of the error numbers errno_str() gives: the x86_64 ABI's, then the
 * kernel's internal ones (512...) */
static const struct { int nr; const char *name; } errnos[] = {
	{ 1, "EPERM" }, { 2, "ENOENT" }, { 3, "ESRCH" }, { 4, "EINTR" }, { 5, "EIO" },
	{ 6, "ENXIO" }, { 7, "E2BIG" }, { 8, "ENOEXEC" }, { 9, "EBADF" }, { 10, "ECHILD" },
	{ 11, "EAGAIN" }, { 12, "ENOMEM" }, { 13, "EACCES" }, { 14, "EFAULT" },
	{ 15, "ENOTBLK" }, { 16, "EBUSY" }, { 17, "EEXIST" }, { 18, "EXDEV" },
	{ 19, "ENODEV" }, { 20, "ENOTDIR" }, { 21, "EISDIR" }, { 22, "EINVAL" },
	{ 23, "ENFILE" }, { 24, "EMFILE" }, { 25, "ENOTTY" }, { 26, "ETXTBSY" },
	{ 27, "EFBIG" }, { 28, "ENOSPC" }, { 29, "ESPIPE" }, { 30, "EROFS" },
	{ 31, "EMLINK" }, { 32, "EPIPE" }, { 33, "EDOM" }, { 34, "ERANGE" },
	{ 35, "EDEADLK" }, { 36, "ENAMETOOLONG" }, { 37, "ENOLCK" }, { 38, "ENOSYS" },
	{ 39, "ENOTEMPTY" }, { 40, "ELOOP" }, { 42, "ENOMSG" }, { 43, "EIDRM" },
	{ 44, "ECHRNG" }, { 45, "EL2NSYNC" }, { 46, "EL3HLT" }, { 47, "EL3RST" },
	{ 48, "ELNRNG" }, { 49, "EUNATCH" }, { 50, "ENOCSI" }, { 51, "EL2HLT" },
	{ 52, "EBADE" }, { 53, "EBADR" }, { 54, "EXFULL" }, { 55, "ENOANO" },
	{ 56, "EBADRQC" }, { 57, "EBADSLT" }, { 59, "EBFONT" }, { 60, "ENOSTR" },
	{ 61, "ENODATA" }, { 62, "ETIME" }, { 63, "ENOSR" }, { 64, "ENONET" },
	{ 65, "ENOPKG" }, { 66, "EREMOTE" }, { 67, "ENOLINK" }, { 68, "EADV" },
	{ 69, "ESRMNT" }, { 70, "ECOMM" }, { 71, "EPROTO" }, { 72, "EMULTIHOP" },
	{ 73, "EDOTDOT" }, { 74, "EBADMSG" }, { 75, "EOVERFLOW" }, { 76, "ENOTUNIQ" },
	{ 77, "EBADFD" }, { 78, "EREMCHG" }, { 79, "ELIBACC" }, { 80, "ELIBBAD" },
	{ 81, "ELIBSCN" }, { 82, "ELIBMAX" }, { 83, "ELIBEXEC" }, { 84, "EILSEQ" },
	{ 85, "ERESTART" }, { 86, "ESTRPIPE" }, { 87, "EUSERS" }, { 88, "ENOTSOCK" },
	{ 89, "EDESTADDRREQ" }, { 90, "EMSGSIZE" }, { 91, "EPROTOTYPE" },
	{ 92, "ENOPROTOOPT" }, { 93, "EPROTONOSUPPORT" }, { 94, "ESOCKTNOSUPPORT" },
	{ 95, "EOPNOTSUPP" }, { 96, "EPFNOSUPPORT" }, { 97, "EAFNOSUPPORT" },
	{ 98, "EADDRINUSE" }, { 99, "EADDRNOTAVAIL" }, { 100, "ENETDOWN" },
	{ 101, "ENETUNREACH" }, { 102, "ENETRESET" }, { 103, "ECONNABORTED" },
	{ 104, "ECONNRESET" }, { 105, "ENOBUFS" }, { 106, "EISCONN" }, { 107, "ENOTCONN" },
	{ 108, "ESHUTDOWN" }, { 109, "ETOOMANYREFS" }, { 110, "ETIMEDOUT" },
	{ 111, "ECONNREFUSED" }, { 112, "EHOSTDOWN" }, { 113, "EHOSTUNREACH" },
	{ 114, "EALREADY" }, { 115, "EINPROGRESS" }, { 116, "ESTALE" }, { 117, "EUCLEAN" },
	{ 118, "ENOTNAM" }, { 119, "ENAVAIL" }, { 120, "EISNAM" }, { 121, "EREMOTEIO" },
	{ 122, "EDQUOT" }, { 123, "ENOMEDIUM" }, { 124, "EMEDIUMTYPE" },
	{ 125, "ECANCELED" }, { 126, "ENOKEY" }, { 127, "EKEYEXPIRED" },
	{ 128, "EKEYREVOKED" }, { 129, "EKEYREJECTED" }, { 130, "EOWNERDEAD" },
	{ 131, "ENOTRECOVERABLE" }, { 132, "ERFKILL" }, { 133, "EHWPOISON" },
	{ 512, "ERESTARTSYS" }, { 513, "ERESTARTNOINTR" }, { 514, "ERESTARTNOHAND" },
	{ 515, "ENOIOCTLCMD" }, { 516, "ERESTART_RESTARTBLOCK" }, { 517, "EPROBE_DEFER" },
	{ 518, "EOPENSTALE" }, { 519, "ENOPARAM" }, { 521, "EBADHANDLE" },
	{ 522, "ENOTSYNC" }, { 523, "EBADCOOKIE" }, { 524, "ENOTSUPP" },
	{ 525, "ETOOSMALL" }, { 526, "ESERVERFAULT" }, { 527, "EBADTYPE" },
	{ 528, "EJUKEBOX" }, { 529, "EIOCBQUEUED" }, { 530, "ERECALLCONFLICT" },
};
#define N_ERRNO 531

/* open(2)'s flag bits, x86_64 values, in the order _sys_open_flag_str names them */
struct flag {
	unsigned long bit;
	const char *name;
};

static const struct flag open_flags[] = {
	{ 0100, "O_CREAT" }, { 0200, "O_EXCL" }, { 0400, "O_NOCTTY" }, { 01000, "O_TRUNC" },
	{ 02000, "O_APPEND" }, { 04000, "O_NONBLOCK" }, { 04010000, "O_SYNC" },
	{ 010000, "O_DSYNC" }, { 020000, "FASYNC" }, { 040000, "O_DIRECT" },
	{ 0100000, "O_LARGEFILE" }, { 020200000, "O_TMPFILE" }, { 0200000, "O_DIRECTORY" },
	{ 0400000, "O_NOFOLLOW" }, { 01000000, "O_NOATIME" }, { 02000000, "O_CLOEXEC" },
	{ 010000000, "O_PATH" },
};

/* mprotect(2)'s and mmap(2)'s, as _sys_mprotect_prot_str and _sys_mmap_flags_str name
 * them (x86_64 values) */
static const struct flag prot_flags[] = {
	{ 0x1, "PROT_READ" }, { 0x2, "PROT_WRITE" }, { 0x4, "PROT_EXEC" }, { 0x8, "PROT_SEM" },
	{ 0x01000000, "PROT_GROWSDOWN" }, { 0x02000000, "PROT_GROWSUP" },
};
static const struct flag mmap_flags[] = {
	{ 0x1, "MAP_SHARED" }, { 0x2, "MAP_PRIVATE" }, { 0x10, "MAP_FIXED" },
	{ 0x20, "MAP_ANONYMOUS" }, { 0x40, "MAP_32BIT" }, { 0x100, "MAP_GROWSDOWN" },
	{ 0x800, "MAP_DENYWRITE" }, { 0x1000, "MAP_EXECUTABLE" }, { 0x2000, "MAP_LOCKED" },
	{ 0x4000, "MAP_NORESERVE" }, { 0x8000, "MAP_POPULATE" }, { 0x10000, "MAP_NONBLOCK" },
	{ 0x20000, "MAP_STACK" }, { 0x40000, "MAP_HUGETLB" }, { 0x80000, "MAP_SYNC" },
	{ 0x100000, "MAP_FIXED_NOREPLACE" },
};

/* the helpers of the syscall tapset's functions in BPF: quoting user memory, flag
 * words, the names of the calls and of the error numbers (bpf_loop callbacks, so
 * that the verifier walks each step once) */
static const char sys_helpers[] =
	"static const char __hexfmt[] = \"0x%llx\";\n"
	"static const char __ehexfmt[] = \"E#%lld\";\n"
	"static const char __orhexfmt[] = \"|0x%llx\";\n"
	"struct __qc { char *out; const char *raw; u32 len, chars, done; };\n"
	"static long __qstep(u32 i, void *c_)\n{\n"
	"\tstruct __qc *c = c_;\n\tchar *o = c->out, e0, e1 = 0, e2 = 0, e3 = 0;\n"
	"\tu32 len = c->len, el = 1;\n\tunsigned char ch;\n"
	"\tif (i >= c->chars || i >= MSL) return 1;\n"
	"\tch = (unsigned char)c->raw[i];\n\te0 = (char)ch;\n"
	"\tif (ch == '\"' || ch == '\\\\') { e0 = '\\\\'; e1 = (char)ch; el = 2; }\n"
	"\telse if (ch == '\\n') { e0 = '\\\\'; e1 = 'n'; el = 2; }\n"
	"\telse if (ch == '\\t') { e0 = '\\\\'; e1 = 't'; el = 2; }\n"
	"\telse if (ch == '\\r') { e0 = '\\\\'; e1 = 'r'; el = 2; }\n"
	"\telse if (ch < 0x20 || ch >= 0x7f) { e0 = '\\\\'; e1 = (char)('0' + (ch >> 6)); e2 = (char)('0' + ((ch >> 3) & 7)); e3 = (char)('0' + (ch & 7)); el = 4; }\n"
	"\tif (len > MSL - 5 || len + el > MSL - 5) {\n"
	"\t\tif (len > MSL - 5) len = MSL - 5;\n"
	"\t\to[len] = '\"'; o[len + 1] = '.'; o[len + 2] = '.'; o[len + 3] = '.'; o[len + 4] = 0;\n"
	"\t\tc->done = 1;\n\t\treturn 1;\n\t}\n"
	"\to[len] = e0; o[len + 1] = e1; o[len + 2] = e2; o[len + 3] = e3;\n"
	"\tc->len = len + el;\n\treturn 0;\n}\n"
	"/* user memory at addr quoted as a C string: up to its NUL (max < 0) or max bytes;\n"
	" * NULL for 0, the address in hex if it cannot be read */\n"
	"static __attribute__((noinline)) void __squote(char *out, char *raw, u64 addr, s64 max)\n{\n"
	"\tstruct __qc q = { out, raw, 1, 0, 0 };\n\tlong n = 0;\n\tu32 sz;\n"
	"\t__builtin_memset(out, 0, MSL);\n"
	"\tif (!addr) { out[0] = 'N'; out[1] = 'U'; out[2] = 'L'; out[3] = 'L'; return; }\n"
	"\t__builtin_memset(raw, 0, MSL);\n"
	"\tif (max < 0) {\n"
	"\t\tn = bpf_probe_read_user_str(raw, MSL, (void *)addr);\n"
	"\t\tq.chars = n > 0 ? (u32)n - 1 : 0;\n"
	"\t} else {\n"
	"\t\tsz = max > MSL ? MSL : (u32)max;\n"
	"\t\tasm volatile(\"\" : \"+r\"(sz));\n"
	"\t\tif (sz > MSL) sz = MSL;\n"
	"\t\tif (sz) n = bpf_probe_read_user(raw, sz, (void *)addr);\n"
	"\t\tq.chars = sz;\n"
	"\t}\n"
	"\tif (n < 0) { bpf_snprintf(out, MSL, __hexfmt, &addr, 8); return; }\n"
	"\tout[0] = '\"';\n"
	"\tbpf_loop(MSL, __qstep, &q, 0);\n"
	"\tif (!q.done) {\n\t\tu32 l = q.len;\n"
	"\t\tasm volatile(\"\" : \"+r\"(l));\n"
	"\t\tif (l > MSL - 2) l = MSL - 2;\n\t\tout[l] = '\"'; out[l + 1] = 0;\n\t}\n}\n"
	"struct __fent { u64 bit; char name[24]; };\n"
	"struct __fc { char *out; u64 v; u32 len; };\n"
	"/* a flag word's bit names after the text in out (each after a | but at the start),\n"
	" * then 0x... for the rest */\n"
	"static __always_inline long __fstep(struct __fc *c, const struct __fent *e)\n{\n"
	"\tu32 len = c->len;\n\tlong n;\n"
	"\tif (!e->bit || (c->v & e->bit) != e->bit) return 0;\n"
	"\tasm volatile(\"\" : \"+r\"(len));\n"
	"\tif (len > MSL - 26) return 1;\n"
	"\tif (len) c->out[len++] = '|';\n"
	"\tn = bpf_probe_read_kernel_str(c->out + len, 24, e->name);\n"
	"\tif (n > 0) c->len = len + (u32)n - 1;\n"
	"\tc->v &= ~e->bit;\n\treturn 0;\n}\n"
	"static __always_inline void __frest(struct __fc *c)\n{\n"
	"\tu32 len = c->len;\n"
	"\tasm volatile(\"\" : \"+r\"(len));\n"
	"\tif (c->v && len <= MSL - 18) bpf_snprintf(c->out + len, 18, len ? __orhexfmt : __hexfmt, &c->v, 8);\n}\n";

/* the table __NAME_flags and its bpf_loop() step __NAME_cb */
static void flag_table(struct strbuf *out, const char *name, const struct flag *t, size_t n)
{
	size_t i;

	sb_printf(out, "static const struct __fent __%s_flags[%zu] = {\n", name, n);
	for (i = 0; i < n; i++)
		sb_printf(out, "\t{ 0x%lx, \"%s\" },\n", t[i].bit, t[i].name);
	sb_puts(out, "};\n");
	sb_printf(out, "static long __%s_cb(u32 i, void *c)\n{\n"
		   "\tif (i >= %zu) return 1;\n\treturn __fstep(c, &__%s_flags[i]);\n}\n",
		   name, n, name);
}

void bpf_sys_tables(struct bg *g, struct strbuf *out)
{
	size_t n, i, j;
	const struct dw_syscall *v = syscall_calls(&n);
	int max = -1;

	sb_puts(out, sys_helpers);
	flag_table(out, "open", open_flags, ARRAY_LEN(open_flags));
	flag_table(out, "prot", prot_flags, ARRAY_LEN(prot_flags));
	flag_table(out, "mmap", mmap_flags, ARRAY_LEN(mmap_flags));
	sb_puts(out, "static __attribute__((noinline)) void __openflags(char *out, s64 flags)\n{\n"
		"\tstruct __fc c = { out, (u64)flags & ~3ULL, 0 };\n"
		"\tconst char *acc = (flags & 3) == 0 ? \"O_RDONLY\" : (flags & 3) == 1 ? \"O_WRONLY\" : (flags & 3) == 2 ? \"O_RDWR\" : \"O_ACCMODE\";\n"
		"\t__builtin_memset(out, 0, MSL);\n"
		"\tlong k = bpf_probe_read_kernel_str(out, 16, acc);\n"
		"\tc.len = k > 0 ? (u32)k - 1 : 0;\n"
		"\tbpf_loop(64, __open_cb, &c, 0);\n\t__frest(&c);\n}\n");
	sb_puts(out, "static __attribute__((noinline)) void __protflags(char *out, s64 prot)\n{\n"
		"\tstruct __fc c = { out, (u64)prot, 0 };\n"
		"\t__builtin_memset(out, 0, MSL);\n"
		"\tif (!prot) { bpf_probe_read_kernel_str(out, 16, \"PROT_NONE\"); return; }\n"
		"\tbpf_loop(64, __prot_cb, &c, 0);\n\t__frest(&c);\n}\n");
	sb_puts(out, "static __attribute__((noinline)) void __mmapflags(char *out, s64 flags)\n{\n"
		"\tstruct __fc c = { out, (u64)flags, 0 };\n"
		"\t__builtin_memset(out, 0, MSL);\n"
		"\tbpf_loop(64, __mmap_cb, &c, 0);\n\t__frest(&c);\n"
		"\tif (!out[0]) { out[0] = '0'; out[1] = 'x'; out[2] = '0'; }\n}\n");
	if (g->errno_names) {
		sb_printf(out, "static const char __errnames[%d][24] = {\n", N_ERRNO);
		for (i = 0; i < ARRAY_LEN(errnos); i++)
			sb_printf(out, "\t[%d] = \"%s\",\n", errnos[i].nr, errnos[i].name);
		sb_puts(out, "};\n");
		sb_printf(out, "static __always_inline const char *__errname(s64 e)\n{\n"
			   "\tu64 u = e < 0 ? 0 - (u64)e : (u64)e;\n"
			   "\tif (u >= %d || !__errnames[u][0]) return 0;\n\treturn __errnames[u];\n}\n",
			   N_ERRNO);
	}
	if (g->sys_names) {
		for (i = 0; i < n; i++)
			if (v[i].nr > max)
				max = v[i].nr;
		sb_printf(out, "static const char __sysnames[%d][32] = {\n", max + 1);
		for (i = 0; i < n; i++) {
			for (j = 0; j < i && v[j].nr != v[i].nr; j++)
				;
			if (j == i)
				sb_printf(out, "\t[%d] = \"%s\",\n", v[i].nr, v[i].name);
		}
		sb_puts(out, "};\n");
		sb_printf(out, "static __always_inline void __sysname(char *out, s64 nr)\n{\n"
			   "\t__builtin_memset(out, 0, MSL);\n"
			   "\tif (nr >= 0 && nr < %d) bpf_probe_read_kernel_str(out, 32, __sysnames[nr]);\n}\n",
			   max + 1);
	}
}

static bool const_arg(const struct ast_node *a, int64_t *v)
{
	if (!a || a->kind != AST_NUMBER)
		return false;
	*v = a->u.num;
	return true;
}

/* the syscall tapset's embedded-C functions (tapset/linux/syscalls.stp, errno.stp) in
 * BPF; *done false for any other function. A decoder written in embedded C that has
 * no BPF version here gives the value in hex. */
const char *bpf_sys_builtin(struct bg *g, struct ast_node *n, bool *done)
{
	const char *name = n->u.call.name, *t, *v;
	struct ast_node *a = n->u.call.args;
	int64_t i, bytes, sgn;

	*done = true;
	if (!strcmp(name, "__sys_arg")) {
		int off;

		if (!const_arg(a, &i) || !const_arg(a->next, &bytes) ||
		    !const_arg(a->next->next, &sgn) || (off = reg_offset(g->s, (int)i)) < 0 || i > 5) {
			bg_unsupported(g, &n->loc, "__sys_arg() of an argument not known in pass 2");
			return "0";
		}
		t = bg_tmp_long(g);
		emit_line(g->e, "%s = 0; if (F->sys_regs) bpf_probe_read_kernel(&%s, 8, (void *)(F->sys_regs + %d));",
			  t, t, off);
		if (bytes == 1 || bytes == 2 || bytes == 4)
			return arena_printf(A(g), "((s64)(__%c%d)%s)", sgn ? 's' : 'u', (int)bytes * 8, t);
		return t;
	}
	if (!strcmp(name, "__sys_retval"))
		return "F->sys_ret";
	if (!strcmp(name, "__sys_nr"))
		return "F->sys_nr";
	if (!strcmp(name, "__sys_name")) {
		/* from the table even where the call is known: the aliases' bodies stay alike */
		v = bg_expr(g, a);
		t = bg_tmp_str(g);
		g->sys_names = true;
		emit_line(g->e, "__sysname(%s, %s);", t, v);
		return t;
	}
	if (!strcmp(name, "__sys_ustr") || !strcmp(name, "__sys_ubuf")) {
		const char *addr = bg_tmp_long(g), *len = "-1", *raw;

		emit_line(g->e, "%s = %s;", addr, bg_expr(g, a));
		if (a->next) {
			len = bg_tmp_long(g);
			emit_line(g->e, "%s = %s;", len, bg_expr(g, a->next));
			emit_line(g->e, "if (%s < 0) %s = 0;", len, len);
		}
		raw = bg_tmp_str(g);
		t = bg_tmp_str(g);
		emit_line(g->e, "__squote(%s, %s, (u64)%s, %s);", t, raw, addr, len);
		return t;
	}
	if (!strcmp(name, "_sys_open_flag_str") || !strcmp(name, "_sys_mprotect_prot_str") ||
	    !strcmp(name, "_sys_mmap_flags_str")) {
		v = bg_expr(g, a);
		t = bg_tmp_str(g);
		emit_line(g->e, "__%sflags(%s, %s);", name[5] == 'o' ? "open" : name[6] == 'p' ? "prot" : "mmap",
			  t, v);
		return t;
	}
	if (!strcmp(name, "errno_p")) {
		v = bg_expr(g, a);
		g->errno_names = true;
		return arena_printf(A(g), "((s64)(__errname(%s) != 0))", v);
	}
	if (!strcmp(name, "errno_str")) {
		const char *e = bg_tmp_long(g);

		emit_line(g->e, "%s = %s;", e, bg_expr(g, a));
		t = bg_tmp_str(g);
		g->errno_names = true;
		emit_line(g->e, "__builtin_memset(%s, 0, MSL);", t);
		emit_open(g->e, "if (__errname(%s))", e);
		emit_line(g->e, "bpf_probe_read_kernel_str(%s, 24, __errname(%s));", t, e);
		emit_close(g->e, "} else {");
		g->e->indent++;
		emit_line(g->e, "bpf_snprintf(%s, MSL, __ehexfmt, &%s, 8);", t, e);
		emit_close(g->e, "}");
		return t;
	}
	if ((!strncmp(name, "_sys_", 5) || !strncmp(name, "_struct_", 8) ||
	     !strcmp(name, "__sys_argv") || !strcmp(name, "__sys_count_envp")) &&
	    n->u.call.fn->ret == TYPE_STRING && a) {
		const char *x = bg_tmp_long(g);

		emit_line(g->e, "%s = %s;", x, bg_expr(g, a));
		t = bg_tmp_str(g);
		emit_line(g->e, "__builtin_memset(%s, 0, MSL);", t);
		emit_line(g->e, "bpf_snprintf(%s, MSL, __hexfmt, &%s, 8);", t, x);
		return t;
	}
	*done = false;
	return NULL;
}
