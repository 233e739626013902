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
 * __sys_arg(i, bytes, signed), the result with __sys_retval() (syscalls.stp).
 *
 * In a probe's handler $NAME is argument NAME of the call (context_var), $$parms and
 * $$vars all of them; with -g, $NAME = v sets it before the call reads it
 * (context_write). A .return probe's @entry values are saved by its entry part, run
 * in the sys_enter callback, in a per-thread slot (runtime/linux/stp_syscalls.h). */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/bpf.h"
#include "dwarf/dwarf.h"
#include "parse.h"
#include "tapsets/family.h"
#include "tapsets/syscall.h"
#include "translate/emit.h"
#include "util.h"

extern const struct probe_family syscall_family;

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
	if (s->opt.bpf) {
		/* the running kernel's tracefs and BTF, no DWARF */
		if (bpf_syscalls(s, &calls.v, &calls.n) || !calls.n) {
			diag_error(s, loc, "cannot read the system calls of the running kernel from tracefs (syscalls:sys_enter_* events) and the uapi unistd_64.h");
			return NULL;
		}
		return calls.v;
	}
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

/* the entry part of the .return probe dp (elaborate/target.c), or NULL */
static const struct derived_probe *part_of(struct session *s, const struct derived_probe *dp)
{
	const struct dw_entry_part *part;

	for (part = dw_state(s)->entry_parts; part; part = part->next)
		if (part->probe->family == &syscall_family && part->probe->entry_of->body == dp->body)
			return part->probe;
	return NULL;
}

static const struct dw_entry_part *part_rec(struct session *s, const struct derived_probe *ep)
{
	const struct dw_entry_part *part;

	for (part = dw_state(s)->entry_parts; part; part = part->next)
		if (part->probe == ep)
			return part;
	return NULL;
}

/* does probe dp run in the callback of the enter (ret false) or exit tracepoint? At
 * the entry run the entry probes and the entry parts of .return probes. */
static bool runs_in(struct session *s, const struct derived_probe *dp, bool ret)
{
	const struct sys_probe *p = dp->priv;

	if (dp->entry_of)
		return false;
	return ret ? p->ret : !p->ret || part_of(s, dp);
}

static bool seen(const struct derived_probe **v, int n, const struct derived_probe *x)
{
	int i;

	for (i = 0; i < n; i++)
		if (v[i] == x)
			return true;
	return false;
}

/* the calls of one case: the probes of number nr (-1: of any) */
static void emit_runs(struct session *s, struct emitter *e, struct derived_probe *const *probes,
		      int n, int nr, bool ret, const char *ind)
{
	const struct derived_probe **parts = xcalloc((size_t)n + 1, sizeof(*parts));
	int i, n_parts = 0;

	for (i = 0; i < n; i++) {
		const struct derived_probe *dp = probes[i], *ep;
		const struct sys_probe *p = dp->priv;

		if (!runs_in(s, dp, ret) || p->nr != nr)
			continue;
		ep = p->ret ? part_of(s, dp) : NULL;
		if (!ep) {
			emit_line(e, "%s_stp_sys_run(STP_PROBE_%d, regs, nr, %s);", ind, dp->id,
				  ret ? "arg" : "0");
		} else if (ret) {
			emit_line(e, "%s_stp_sys_run_return(STP_PROBE_%d, &_stp_sys_ent, %d, regs, nr, arg);",
				  ind, dp->id, ep->id);
			if (!seen(parts, n_parts, ep))
				parts[n_parts++] = ep;
		} else if (!seen(parts, n_parts, ep)) {
			emit_line(e, "%s_stp_sys_run_entry(STP_PROBE_%d, &_stp_sys_ent, %d, %d, regs, nr);",
				  ind, ep->id, ep->id, part_rec(s, ep)->n_values);
			parts[n_parts++] = ep;
		}
	}
	for (i = 0; ret && i < n_parts; i++)
		emit_line(e, "%s_stp_sys_entry_done(&_stp_sys_ent, %d);", ind, parts[i]->id);
	free(parts);
}

/* A callback with at least this many numbers that each run one plain probe finds
 * that probe in a table indexed by the number: a load instead of the compiler's
 * binary search over the cases (kernels built with retpolines get no jump tables),
 * which under syscall.* cost a read(2) hit about a fifth of its time. */
#define SYS_TABLE_MIN 8

/* the one probe number nr runs in this callback, plainly (no entry part), or NULL */
static const struct derived_probe *lone_probe(struct session *s, struct derived_probe *const *probes,
					      int n, int nr, bool ret)
{
	const struct derived_probe *one = NULL;
	int i;

	for (i = 0; i < n; i++) {
		const struct sys_probe *p = probes[i]->priv;

		if (!runs_in(s, probes[i], ret) || p->nr != nr)
			continue;
		if (one || (p->ret && part_of(s, probes[i])))
			return NULL;
		one = probes[i];
	}
	return one;
}

/* the first probe of number nr in this callback is probes[i] */
static bool first_of_nr(struct session *s, struct derived_probe *const *probes, int i, bool ret)
{
	const struct sys_probe *p = probes[i]->priv;
	int j;

	if (!runs_in(s, probes[i], ret) || p->nr < 0)
		return false;
	for (j = 0; j < i; j++)
		if (runs_in(s, probes[j], ret) &&
		    ((const struct sys_probe *)probes[j]->priv)->nr == p->nr)
			return false;
	return true;
}

/* one tracepoint's callback: the probes of every number, then those of any */
static void emit_dispatch(struct session *s, struct emitter *e, struct derived_probe *const *probes,
			  int n, bool ret)
{
	const char *cb = ret ? "exit" : "enter";
	bool *in_table = xcalloc((size_t)n + 1, sizeof(*in_table));
	int i, n_lone = 0, max_nr = -1;
	bool table;

	for (i = 0; i < n; i++) {
		const struct sys_probe *p = probes[i]->priv;

		if (first_of_nr(s, probes, i, ret) && lone_probe(s, probes, n, p->nr, ret)) {
			in_table[i] = true;
			n_lone++;
			if (p->nr > max_nr)
				max_nr = p->nr;
		}
	}
	table = n_lone >= SYS_TABLE_MIN;
	if (table) {
		emit_open(e, "static const struct _stp_probe *const _stp_sys_%s_one[%d] =", cb,
			  max_nr + 1);
		for (i = 0; i < n; i++)
			if (in_table[i])
				emit_line(e, "[%d] = STP_PROBE_%d,",
					  ((const struct sys_probe *)probes[i]->priv)->nr, probes[i]->id);
		emit_close(e, "};");
	}
	emit_open(e, "static void _stp_sys_%s(void *data, struct pt_regs *regs, long arg)", cb);
	emit_line(e, "long nr = %s;", ret ? "syscall_get_nr(current, regs)" : "arg");
	emit_line(e, "(void)data;");
	emit_line(e, "if (_stp_sys_skip(regs)) return;");
	if (table) {
		emit_line(e, "if ((unsigned long)nr < ARRAY_SIZE(_stp_sys_%s_one) && _stp_sys_%s_one[nr])",
			  cb, cb);
		emit_line(e, "\t_stp_sys_run(_stp_sys_%s_one[nr], regs, nr, %s);", cb,
			  ret ? "arg" : "0");
	}
	emit_open(e, "%sswitch (nr)", table ? "else " : "");
	for (i = 0; i < n; i++) {
		const struct sys_probe *p = probes[i]->priv;

		if (!first_of_nr(s, probes, i, ret) || (table && in_table[i]))
			continue;
		emit_line(e, "case %d:", p->nr);
		emit_runs(s, e, probes, n, p->nr, ret, "\t");
		emit_line(e, "\tbreak;");
	}
	emit_line(e, "default:");
	emit_line(e, "\tbreak;");
	emit_close(e, "}");
	emit_runs(s, e, probes, n, -1, ret, "");
	emit_close(e, "}");
	free(in_table);
}

static bool uses(struct session *s, struct derived_probe *const *probes, int n, bool ret)
{
	int i;

	for (i = 0; i < n; i++)
		if (runs_in(s, probes[i], ret))
			return true;
	return false;
}

static void sys_decls(struct session *s, struct emitter *e, struct derived_probe *const *probes,
		      int n)
{
	int i;

	emit_line(e, "#include \"linux/stp_syscalls.h\"");
	for (i = 0; i < n; i++)
		emit_line(e, "static void probe_%d(struct _stp_context *);", probes[i]->id);
	emit_line(e, "static struct _stp_sys_entries _stp_sys_ent;");
	emit_open(e, "static const size_t _stp_sys_entry_sizes[] =");
	for (i = 0; i < n; i++)
		if (probes[i]->entry_of)
			emit_line(e, "%s,", family_entry_size(s, part_rec(s, probes[i])));
	emit_line(e, "0");
	emit_close(e, "};");
	emit_dispatch(s, e, probes, n, false);
	emit_dispatch(s, e, probes, n, true);
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
		  uses(s, probes, n, false));
	emit_line(e, "{ .name = \"sys_exit\", .cb = (void *)_stp_sys_exit, .used = %d },",
		  uses(s, probes, n, true));
	emit_close(e, "};");
}

static void sys_init(struct session *s, struct emitter *e, struct derived_probe *const *probes,
		     int n)
{
	(void)s;
	(void)probes;
	(void)n;
	emit_line(e, "rc = _stp_sys_entries_init(&_stp_sys_ent, _stp_sys_entry_sizes, "
		  "ARRAY_SIZE(_stp_sys_entry_sizes));");
	emit_line(e, "if (!rc) rc = _stp_syscalls_init(_stp_sys_tps, ARRAY_SIZE(_stp_sys_tps));");
	emit_line(e, "if (rc) _stp_sys_entries_exit(&_stp_sys_ent);");
}

static void sys_exit(struct session *s, struct emitter *e, struct derived_probe *const *probes,
		     int n)
{
	(void)s;
	(void)probes;
	(void)n;
	emit_line(e, "_stp_syscalls_exit(_stp_sys_tps, ARRAY_SIZE(_stp_sys_tps));");
	emit_line(e, "_stp_sys_entries_exit(&_stp_sys_ent);");
}

/* ---- target variables: the call's arguments, $fd, $$parms ------------------------ */

/* the call of dp (or of the .return probe dp is the entry part of); NULL for any */
static const struct dw_syscall *probe_call(const struct derived_probe *dp)
{
	const struct sys_probe *p = (dp->entry_of ? dp->entry_of : dp)->priv;
	size_t i;

	for (i = 0; p && p->nr >= 0 && i < calls.n; i++)
		if (calls.v[i].nr == p->nr)
			return &calls.v[i];
	return NULL;
}

static int arg_index(const struct dw_syscall *sc, const char *name)
{
	int i;

	for (i = 0; i < sc->n_args; i++)
		if (!strcmp(sc->arg_names[i], name))
			return i;
	return -1;
}

static struct ast_node *num(struct session *s, const struct srcloc *loc, int64_t v,
			    struct ast_node *next)
{
	struct ast_node *n = ast_number(s, loc, v);

	n->next = next;
	return n;
}

/* __sys_arg(i, size, signed): argument i as its C type reads it */
static struct ast_node *arg_call(struct session *s, const struct srcloc *loc,
				 const struct dw_syscall *sc, int i)
{
	bool sgn = sc->arg_kind[i] == 'd';
	int size = sc->arg_kind[i] == 'd' || sc->arg_kind[i] == 'u' ? sc->arg_size[i] : 8;

	return ast_call(s, loc, strtab_intern(&s->arena, "__sys_arg"),
			num(s, loc, i, num(s, loc, size, num(s, loc, sgn, NULL))));
}

/* $$parms, $$vars (the same: a call has no other locals here): "fd=0x3 buf=0x7ff..."
 * with every value in hex, as 4.8 prints them; $$parms$ quotes the strings read */
static struct ast_node *parms_call(struct session *s, const struct srcloc *loc,
				   const struct dw_syscall *sc, bool pretty)
{
	struct strbuf fmt = { 0 };
	struct ast_node *args = NULL, *fmtn;
	int i;

	for (i = 0; i < sc->n_args; i++) {
		struct ast_node *a = arg_call(s, loc, sc, i);
		bool str = pretty && sc->arg_kind[i] == 's';

		sb_printf(&fmt, "%s%s=%s", i ? " " : "", sc->arg_names[i], str ? "%s" : "%#x");
		if (str)
			a = ast_call(s, loc, strtab_intern(&s->arena, "__sys_ustr"), a);
		args = ast_append(args, a);
	}
	fmtn = ast_string(s, loc, arena_strdup(&s->arena, fmt.buf ? fmt.buf : ""));
	sb_free(&fmt);
	if (!sc->n_args)
		return fmtn;
	fmtn->next = args;
	return ast_call(s, loc, strtab_intern(&s->arena, "sprintf"), fmtn);
}

static void become(struct ast_node *n, const struct ast_node *with)
{
	struct ast_node *next = n->next;

	*n = *with;
	n->next = next;
}

static void no_such_arg(struct session *s, const struct derived_probe *dp,
			const struct dw_syscall *sc, struct ast_node *n)
{
	struct strbuf alt = { 0 };
	int i;

	for (i = 0; i < sc->n_args; i++)
		sb_printf(&alt, "%s$%s", i ? " " : "", sc->arg_names[i]);
	diag_error(s, &n->loc, "unable to find target variable '%s' in probe %s "
		   "(alternatives: %s)", n->u.target.name, dp->pp_str,
		   alt.buf ? alt.buf : "none");
	sb_free(&alt);
}

/* $NAME, an argument of the call by its name in the kernel's source: its value from
 * the call's registers (at a .return too: the registers keep the arguments) */
static int sys_context_var(struct session *s, struct derived_probe *dp, const char *name,
			   struct ast_node *n)
{
	const struct dw_syscall *sc = probe_call(dp);
	int i;

	if (!sc || name[0] != '$')
		return 0;
	if (!strcmp(name, "$$parms") || !strcmp(name, "$$vars")) {
		if (n->u.target.comps || n->u.target.addr)
			return 0;
		become(n, parms_call(s, &n->loc, sc, n->u.target.pretty > 0));
		return 1;
	}
	i = arg_index(sc, name + 1);
	if (i < 0) {
		no_such_arg(s, dp, sc, n);
		return -1;
	}
	if (n->u.target.comps || n->u.target.addr || n->u.target.pretty) {
		diag_error(s, &n->loc, "%s of a system call's argument %s: only its value "
			   "is available in probe %s", n->u.target.addr ? "&" :
			   n->u.target.pretty ? "pretty printing" : "a member or element",
			   name, dp->pp_str);
		return -1;
	}
	become(n, arg_call(s, &n->loc, sc, i));
	return 1;
}

/* $NAME = value (guru mode): the argument register the call will read, at its entry */
static struct ast_node *sys_context_write(struct session *s, struct derived_probe *dp,
					  struct ast_node *t, struct ast_node *value)
{
	const struct dw_syscall *sc = probe_call(dp);
	const struct sys_probe *p = dp->priv;
	int i = sc ? arg_index(sc, t->u.target.name + 1) : -1;

	if (!sc)
		return NULL;
	if (i < 0) {
		no_such_arg(s, dp, sc, t);
		return NULL;
	}
	if (t->u.target.comps || t->u.target.addr || t->u.target.pretty) {
		diag_error(s, &t->loc, "only the value of the system call's argument %s can be "
			   "written", t->u.target.name);
		return NULL;
	}
	if (dp->entry_of || p->ret) {
		diag_error(s, &t->loc, "cannot write to %s in a .return probe: the call has "
			   "read it", t->u.target.name);
		return NULL;
	}
	value->next = NULL;
	return ast_call(s, &t->loc, strtab_intern(&s->arena, "__sys_set_arg"),
			num(s, &t->loc, i, value));
}

const struct dw_syscall *syscall_calls(size_t *n)
{
	*n = calls.n;
	return calls.v;
}

bool syscall_probe_nr(const struct derived_probe *dp, int *nr, bool *ret)
{
	const struct sys_probe *p = dp->priv;

	if (dp->family != &syscall_family || !p)
		return false;
	*nr = p->nr;
	*ret = p->ret;
	return true;
}

static bool sys_is_return(const struct derived_probe *dp)
{
	const struct sys_probe *p = dp->priv;

	return p && p->ret;
}

const struct probe_family syscall_family = {
	.name = "__syscall", .kind = FAMILY_EVENT, .pp_from_alias = true, .match = sys_match,
	.emit_decls = sys_decls, .emit_init = sys_init, .emit_exit = sys_exit,
	.context_var = sys_context_var, .context_write = sys_context_write,
	.is_return = sys_is_return,
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

/* an argument's variable under 4.8's name where the kernel's source name differs */
static const char *var_name(const struct dw_syscall *sc, const char *v)
{
	static const char *const renames[][3] = {
		{ "futex", "uaddr", "futex_uaddr" }, { "futex", "utime", "utime_uaddr" },
		{ "futex", "uaddr2", "uaddr2_uaddr" },
	};
	size_t i;

	for (i = 0; i < ARRAY_LEN(renames); i++)
		if (!strcmp(sc->name, renames[i][0]) && !strcmp(v, renames[i][1]))
			return renames[i][2];
	return v;
}

static int gen_call(struct session *s, struct strbuf *sb, const struct dw_syscall *sc)
{
	struct strbuf fmt = { 0 }, vals = { 0 };
	int i;

	sb_printf(sb, "probe syscall.%s, nd_syscall.%s = __syscall(\"%s\") {\n"
		  "\tname = __sys_name(__sys_nr())\n", sc->name, sc->name, sc->name);
	for (i = 0; i < sc->n_args; i++) {
		const char *v = var_name(sc, sc->arg_names[i]);
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
