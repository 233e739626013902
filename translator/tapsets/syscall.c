/* System calls, on the raw_syscalls:sys_enter/sys_exit tracepoints.
 *
 * The family takes __syscall("NAME"), __syscall("NAME").return, __syscall_any and
 * __syscall_any.return, the points the syscall tapset's aliases stand on
 * (tapset/linux/syscalls.stp): the module registers one callback on each tracepoint
 * and dispatches on the system call number, so `syscall.*` costs two registrations,
 * not hundreds of kprobes. A derived probe's pp() is the alias it came from,
 * "syscall.openat" or "syscall.openat.return". nd_syscall.NAME[.return] are the same
 * aliases (this way needs no DWARF at run time either).
 *
 * The calls, numbers and argument names and types come from the target kernel
 * (dwarf/syscalls.c). syscall_tapset() writes the aliases the library does not define
 * by hand: name, one variable per argument under its name in the kernel's source (a
 * string the call reads is NAME, quoted, and NAME_uaddr, its address), and an argstr
 * by C type (integers in decimal, user strings quoted, other pointers in hex); in .return, retval and retstr. The arguments are read with
 * __sys_arg(i, bytes, signed), the result with __sys_retval() (syscalls.stp). */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "dwarf/dwarf.h"
#include "parse.h"
#include "tapsets/family.h"
#include "tapsets/syscall.h"
#include "translate/emit.h"
#include "util.h"

struct sys_probe {
	int nr;			/* -1 for __syscall_any */
	bool ret;
};

/* the target's calls, read once per process (one session) */
static struct {
	bool tried;
	struct dw_syscall *v;
	size_t n;
} calls;

static const struct dw_syscall *load_calls(struct session *s, const struct srcloc *loc)
{
	struct dw_object *k;
	char *unistd;
	int rc;

	if (calls.tried)
		return calls.v;
	calls.tried = true;
	k = dw_kernel(s, loc);
	if (!k)
		return NULL;
	unistd = xasprintf("%s/arch/x86/include/generated/uapi/asm/unistd_64.h",
			   s->kern.build_dir ? s->kern.build_dir : "");
	rc = dw_syscalls(s, k, unistd, &calls.v, &calls.n);
	if (rc)
		diag_error(s, loc, "cannot read the system call numbers of kernel %s from '%s'",
			   s->kern.release ? s->kern.release : "?", unistd);
	free(unistd);
	if (rc)
		return NULL;
	if (s->opt.verbose > 1)
		fprintf(stderr, "syscall: %zu system calls\n", calls.n);
	return calls.v;
}

static const struct dw_syscall *find_call(const char *name)
{
	size_t i;

	for (i = 0; i < calls.n; i++)
		if (!strcmp(calls.v[i].name, name))
			return &calls.v[i];
	return NULL;
}

static int sys_match(struct session *s, const struct probe_point *pp, struct derived_probe *dp)
{
	const struct pp_comp *c = pp->comps, *r = c->next;
	const struct dw_syscall *sc = NULL;
	struct sys_probe *p;
	bool any;

	if (!strcmp(c->name, "__syscall_any"))
		any = true;
	else if (!strcmp(c->name, "__syscall"))
		any = false;
	else
		return 0;
	if (r && (strcmp(r->name, "return") || r->has_arg || r->next))
		return 0;
	if (any ? c->has_arg : !c->arg || c->arg->kind != AST_STRING) {
		diag_error(s, &pp->loc, any ? "__syscall_any takes no argument" :
			   "__syscall takes the name of a system call, \"NAME\"");
		return -1;
	}
	if (!load_calls(s, &pp->loc))
		return -1;
	if (!any && !(sc = find_call(c->arg->u.str)))
		return 0;
	p = arena_alloc(&s->arena, sizeof(*p));
	p->nr = any ? -1 : sc->nr;
	p->ret = r != NULL;
	dp->priv = p;
	return 1;
}

/* one tracepoint's callback: the probes of every number, then those of any */
static void emit_dispatch(struct emitter *e, struct derived_probe *const *probes, int n, bool ret)
{
	int i, j;

	emit_open(e, "static void _stp_sys_%s(void *data, struct pt_regs *regs, long arg)",
		  ret ? "exit" : "enter");
	emit_line(e, "long nr = %s;", ret ? "syscall_get_nr(current, regs)" : "arg");
	emit_line(e, "(void)data;");
	emit_line(e, "if (_stp_sys_skip(regs)) return;");
	emit_open(e, "switch (nr)");
	for (i = 0; i < n; i++) {
		const struct sys_probe *p = probes[i]->priv;
		bool first = true;

		if (p->nr < 0 || p->ret != ret)
			continue;
		for (j = 0; j < i; j++) {
			const struct sys_probe *q = probes[j]->priv;

			if (q->nr == p->nr && q->ret == ret)
				break;
		}
		if (j < i)	/* this number's case is written */
			continue;
		for (j = i; j < n; j++) {
			const struct sys_probe *q = probes[j]->priv;

			if (q->nr != p->nr || q->ret != ret)
				continue;
			if (first)
				emit_line(e, "case %d:", p->nr);
			first = false;
			emit_line(e, "\t_stp_sys_run(STP_PROBE_%d, regs, nr, %s);", probes[j]->id,
				  ret ? "arg" : "0");
		}
		emit_line(e, "\tbreak;");
	}
	emit_line(e, "default:");
	emit_line(e, "\tbreak;");
	emit_close(e, "}");
	for (i = 0; i < n; i++) {
		const struct sys_probe *p = probes[i]->priv;

		if (p->nr < 0 && p->ret == ret)
			emit_line(e, "_stp_sys_run(STP_PROBE_%d, regs, nr, %s);", probes[i]->id,
				  ret ? "arg" : "0");
	}
	emit_close(e, "}");
}

static bool uses(struct derived_probe *const *probes, int n, bool ret)
{
	int i;

	for (i = 0; i < n; i++)
		if (((const struct sys_probe *)probes[i]->priv)->ret == ret)
			return true;
	return false;
}

static void sys_decls(struct session *s, struct emitter *e, struct derived_probe *const *probes,
		      int n)
{
	int i;

	(void)s;
	emit_line(e, "#include \"linux/stp_syscalls.h\"");
	for (i = 0; i < n; i++)
		emit_line(e, "static void probe_%d(struct _stp_context *);", probes[i]->id);
	emit_dispatch(e, probes, n, false);
	emit_dispatch(e, probes, n, true);
	emit_open(e, "const char *const _stp_sys_names[] =");
	for (i = 0; i < (int)calls.n; i++)
		emit_line(e, "[%d] = \"%s\",", calls.v[i].nr, calls.v[i].name);
	emit_close(e, "};");
	emit_line(e, "const size_t _stp_sys_n_names = ARRAY_SIZE(_stp_sys_names);");
	emit_open(e, "const char *const _stp_sys_funcs[ARRAY_SIZE(_stp_sys_names)] =");
	for (i = 0; i < (int)calls.n; i++)
		emit_line(e, "[%d] = \"%s\",", calls.v[i].nr, calls.v[i].func);
	emit_close(e, "};");
	emit_open(e, "static struct _stp_syscall_tp _stp_sys_tps[] =");
	emit_line(e, "{ .name = \"sys_enter\", .cb = (void *)_stp_sys_enter, .used = %d },",
		  uses(probes, n, false));
	emit_line(e, "{ .name = \"sys_exit\", .cb = (void *)_stp_sys_exit, .used = %d },",
		  uses(probes, n, true));
	emit_close(e, "};");
}

static void sys_init(struct session *s, struct emitter *e, struct derived_probe *const *probes,
		     int n)
{
	(void)s;
	(void)probes;
	(void)n;
	emit_line(e, "rc = _stp_syscalls_init(_stp_sys_tps, ARRAY_SIZE(_stp_sys_tps));");
}

static void sys_exit(struct session *s, struct emitter *e, struct derived_probe *const *probes,
		     int n)
{
	(void)s;
	(void)probes;
	(void)n;
	emit_line(e, "_stp_syscalls_exit(_stp_sys_tps, ARRAY_SIZE(_stp_sys_tps));");
}

const struct probe_family syscall_family = {
	.name = "__syscall", .kind = FAMILY_EVENT, .pp_from_alias = true, .match = sys_match,
	.emit_decls = sys_decls, .emit_init = sys_init, .emit_exit = sys_exit,
};

/* ---- the generated aliases ------------------------------------------------------ */

static bool is_keyword(const char *w)
{
	static const char *const kw[] = {
		"if", "else", "while", "for", "foreach", "in", "break", "continue", "return",
		"next", "delete", "global", "private", "probe", "function", "try", "catch",
		"string", "long", "limit", "name", "argstr", "retval", "retstr",
	};
	size_t i;

	for (i = 0; i < ARRAY_LEN(kw); i++)
		if (!strcmp(w, kw[i]))
			return true;
	return false;
}

static bool has_alias(struct session *s, const char *name)
{
	const struct stapfile *f;
	const struct probe *pr;
	const struct probe_point *a;

	for (f = s->prog.files; f; f = f->next)
		for (pr = f->probes; pr; pr = pr->next)
			for (a = pr->is_alias ? pr->alias_names : NULL; a; a = a->next) {
				const struct pp_comp *c = a->comps;

				if (!strcmp(c->name, "syscall") && c->next && !c->next->next &&
				    !strcmp(c->next->name, name))
					return true;
			}
	return false;
}

/* Each alias is a file of its own, "<syscalls>", its body on the same lines as every
 * other's: where the aliases' code is the same (name, and the arguments a script
 * does not use are elided), so is the C, and pass 3 writes the handler once. */
static int gen_file(struct session *s, struct strbuf *sb)
{
	struct srcfile *src = parse_srcfile(s, "<syscalls>", arena_strdup(&s->arena, sb->buf),
					    sb->len);
	int rc;

	sb->len = 0;
	if (!src)
		return -1;
	src->is_tapset = true;
	rc = parse_file(s, src, true, NULL);
	return rc;
}

static int gen_call(struct session *s, struct strbuf *sb, const struct dw_syscall *sc)
{
	struct strbuf fmt = { 0 }, vals = { 0 };
	int i;

	sb_printf(sb, "probe syscall.%s, nd_syscall.%s = __syscall(\"%s\") {\n"
		  "\tname = __sys_name(__sys_nr())\n", sc->name, sc->name, sc->name);
	for (i = 0; i < sc->n_args; i++) {
		const char *v = sc->arg_names[i];
		char k = sc->arg_kind[i];

		if (is_keyword(v))
			v = arena_printf(&s->arena, "%s_arg", v);
		/* a string the call reads: NAME quoted, NAME_uaddr its address */
		if (k == 's')
			sb_printf(sb, "\t%s_uaddr = __sys_arg(%d, 8, 0)\n\t%s = __sys_ustr(%s_uaddr)\n",
				  v, i, v, v);
		else
			sb_printf(sb, "\t%s = __sys_arg(%d, %d, %d)\n", v, i, sc->arg_size[i],
				  k == 'd');
		sb_printf(&fmt, "%s%s", i ? ", " : "",
			  k == 'd' ? "%d" : k == 'u' ? "%u" : k == 's' ? "%s" : "%p");
		sb_printf(&vals, ", %s", v);
	}
	if (sc->n_args)
		sb_printf(sb, "\targstr = sprintf(\"%s\"%s)\n}\n", fmt.buf, vals.buf);
	else
		sb_puts(sb, "\targstr = \"\"\n}\n");
	sb_free(&fmt);
	sb_free(&vals);
	if (gen_file(s, sb))
		return -1;
	sb_printf(sb, "probe syscall.%s.return, nd_syscall.%s.return = "
		  "__syscall(\"%s\").return {\n"
		  "\tname = __sys_name(__sys_nr())\n"
		  "\tretval = __sys_retval()\n\tretstr = __sys_retstr(retval)\n}\n",
		  sc->name, sc->name, sc->name);
	return gen_file(s, sb);
}

int syscall_tapset(struct session *s, const struct srcloc *loc)
{
	static bool done;
	struct strbuf sb = { 0 };
	size_t i;
	int rc = 0;

	if (done)
		return 0;
	done = true;
	if (!load_calls(s, loc))
		return -1;
	for (i = 0; i < calls.n && !rc; i++)
		if (!has_alias(s, calls.v[i].name))
			rc = gen_call(s, &sb, &calls.v[i]);
	sb_free(&sb);
	return rc;
}
