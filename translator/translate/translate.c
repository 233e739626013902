/* Pass 3: write the script's C file: frames, context, globals, functions, probe
 * handlers, the probe table, init/exit, after an #include of stap.h (the runtime's
 * API); pass 4 links its object with the runtime's (docs/INTERNALS.md describes the
 * shape). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dwarf/dwarf.h"
#include "passes.h"
#include "tapsets/family.h"
#include "util.h"
#include "translate/translate.h"

static void frame_fields(struct strbuf *sb, const struct symbol *list, const char *prefix)
{
	for (; list; list = list->next) {
		if (list->type == TYPE_STRING)
			sb_printf(sb, "\tchar %s%s[MAXSTRINGLEN];\n", prefix, list->name);
		else
			sb_printf(sb, "\tint64_t %s%s;\n", prefix, list->name);
	}
}

/* The C name of a script function: its name, with __<k> added for the k-th later function
 * of the same name (overloads by arity or by priority). */
const char *xl_fn_cname(struct session *s, const struct function *fn)
{
	const struct function *f;
	int k = 0;

	for (f = s->prog.functions; f && f != fn; f = f->next_used)
		if (f->name == fn->name || !strcmp(f->name, fn->name))
			k++;
	return k ? arena_printf(&s->arena, "%s__%d", fn->name, k) : fn->name;
}

static void init_locals(struct emitter *e, const struct symbol *list)
{
	for (; list; list = list->next) {
		if (list->type == TYPE_STRING)
			emit_line(e, "l->l_%s[0] = '\\0';", list->name);
		else
			emit_line(e, "l->l_%s = 0;", list->name);
	}
}

/* One function: its frame struct goes to decls, its code to code. */
static void emit_function(struct session *s, struct function *fn, struct strbuf *decls,
			  struct emitter *code, struct xl_regex_max *re_max)
{
	struct strbuf frame = { 0 };
	struct emitter body = { 0 };
	struct xlate x = { .s = s, .e = &body, .frame = &frame, .fn = fn, .err_label = "out",
			   .re_max = re_max };
	const struct symbol *p;

	frame_fields(&frame, fn->info->params, "p_");
	frame_fields(&frame, fn->info->locals, "l_");
	if (fn->ret == TYPE_STRING)
		sb_puts(&frame, "\tchar retvalue[MAXSTRINGLEN];\n");
	else
		sb_puts(&frame, "\tint64_t retvalue;\n");
	body.indent = 1;
	emit_line(&body, "struct function_%s_frame *l = &c->frames[c->base.nesting].f_%s;",
		  xl_fn_cname(s, fn), xl_fn_cname(s, fn));
	emit_line(&body, "(void)l;");
	/* the parameters, for embedded C and for %{ %} expressions in a script body */
	for (p = fn->info->params; p; p = p->next)
		emit_line(&body, "#define STAP_ARG_%s (l->p_%s)", p->name, p->name);
	if (fn->body->kind == AST_EMBEDDED) {
		emit_line(&body, "#define STAP_RETVALUE (l->retvalue)");
		emit_line(&body, "#define STAP_RETURN(v) do { STAP_RETVALUE = (v); goto out; } while (0)");
		emit_line(&body, "#define STAP_ERROR(...) do { _stp_error(CONTEXT, __VA_ARGS__); goto out; } while (0)");
		emit_line(&body, "#define CONTEXT (&c->base)");
		emit_line(&body, "#define STAP_NEXT do { c->base.last_error = _stp_next_msg; goto out; } while (0)");
		emit_line(&body, "%s", fn->ret == TYPE_STRING ? "l->retvalue[0] = '\\0';" : "l->retvalue = 0;");
		emit_open(&body, "%s", "");
		emit_raw(&body, fn->body->u.str);
		emit_raw(&body, "\n");
		emit_close(&body, "}");
		emit_line(&body, "goto out;");
	} else {
		emit_line(&body, "%s", fn->ret == TYPE_STRING ? "l->retvalue[0] = '\\0';" : "l->retvalue = 0;");
		init_locals(&body, fn->info->locals);
		xl_stmt(&x, fn->body);
	}
	sb_printf(decls, "struct function_%s_frame {\n%s};\n\n", xl_fn_cname(s, fn), frame.buf);
	emit_open(code, "static void function_%s(struct context *c)", xl_fn_cname(s, fn));
	emit_raw(code, body.out.buf);
	emit_line(code, "out: __attribute__((unused));");
	for (p = fn->info->params; p; p = p->next)
		emit_line(code, "#undef STAP_ARG_%s", p->name);
	if (fn->body->kind == AST_EMBEDDED) {
		emit_line(code, "#undef STAP_RETVALUE");
		emit_line(code, "#undef STAP_RETURN");
		emit_line(code, "#undef STAP_ERROR");
		emit_line(code, "#undef CONTEXT");
		emit_line(code, "#undef STAP_NEXT");
	}
	emit_line(code, ";");
	emit_close(code, "}");
	emit_raw(code, "\n");
	sb_free(&frame);
	sb_free(&body.out);
}

static void emit_probe(struct session *s, struct derived_probe *dp, struct strbuf *decls,
		       struct emitter *code, struct xl_regex_max *re_max)
{
	struct strbuf frame = { 0 };
	struct emitter body = { 0 };
	struct xlate x = { .s = s, .e = &body, .frame = &frame, .err_label = "out",
			   .re_max = re_max };

	struct strbuf locks = { 0 };
	int n_locks = gl_probe_locks(s, dp, &locks);

	frame_fields(&frame, dp->locals, "l_");
	body.indent = 1;
	emit_line(&body, "struct context *c = container_of(base, struct context, base);");
	emit_line(&body, "struct probe_%d_frame *l = &c->frames[0].p%d;", dp->id, dp->id);
	if (n_locks) {
		emit_raw(&body, locks.buf);
		emit_line(&body, "if (!_stp_lock_all(locks, ARRAY_SIZE(locks))) return;");
	}
	emit_line(&body, "(void)l;");
	init_locals(&body, dp->locals);
	if (dp->family->emit_prologue)
		dp->family->emit_prologue(s, &body, dp);
	if (dp->cond) {
		const char *cond = xl_expr(&x, dp->cond);

		emit_line(&body, "if (!%s) goto out;", cond);
	}
	xl_stmt(&x, dp->body);
	sb_printf(decls, "struct probe_%d_frame {\n%s};\n\n", dp->id,
		  frame.buf ? frame.buf : "\tchar unused;\n");
	emit_open(code, "static void probe_%d(struct _stp_context *base)", dp->id);
	emit_raw(code, body.out.buf);
	emit_line(code, "out: __attribute__((unused));");
	if (dp->family->emit_epilogue)
		dp->family->emit_epilogue(s, code, dp);
	if (n_locks)
		emit_line(code, "_stp_unlock_all(locks, ARRAY_SIZE(locks));");
	emit_line(code, ";");
	sb_free(&locks);
	emit_close(code, "}");
	emit_raw(code, "\n");
	sb_free(&frame);
	sb_free(&body.out);
}

/* Handlers already written, by their text with the probe's number taken out: probes
 * whose bodies differ only where they came from (the aliases of syscall.* once their
 * unused variables are gone) share one handler. */
struct handler_text {
	uint64_t hash;
	char *text;
	int id;
};

struct handlers {
	struct handler_text *v;
	size_t n, cap;
};

static void handlers_free(struct handlers *h)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		free(h->v[i].text);
	free(h->v);
}

/* text with "probe_<id>_frame", "probe_<id>(" and ".p<id>;" written with # for the number */
static char *without_id(const char *text, int id)
{
	char *a = xasprintf("probe_%d_frame", id), *b = xasprintf(".p%d;", id);
	char *f = xasprintf("probe_%d(", id);
	struct strbuf sb = { 0 };
	const char *p = text;

	while (*p) {
		if (!strncmp(p, a, strlen(a))) {
			sb_puts(&sb, "probe_#_frame");
			p += strlen(a);
		} else if (!strncmp(p, b, strlen(b))) {
			sb_puts(&sb, ".p#;");
			p += strlen(b);
		} else if (!strncmp(p, f, strlen(f))) {
			sb_puts(&sb, "probe_#(");
			p += strlen(f);
		} else {
			sb_putc(&sb, *p++);
		}
	}
	free(a);
	free(b);
	free(f);
	return sb.buf ? sb.buf : xstrdup("");
}

static uint64_t text_hash(const char *t)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *t; t++)
		h = (h ^ (unsigned char)*t) * 1099511628211ULL;
	return h;
}

static void emit_probe(struct session *s, struct derived_probe *dp, struct strbuf *decls,
		       struct emitter *code, struct xl_regex_max *re_max);

static void emit_probe_once(struct session *s, struct derived_probe *dp, struct strbuf *decls,
			    struct emitter *code, struct xl_regex_max *re_max, struct handlers *seen)
{
	struct strbuf d = { 0 };
	struct emitter c = { 0 };
	char *all, *key;
	uint64_t h;
	size_t i;

	emit_probe(s, dp, &d, &c, re_max);
	all = xasprintf("%s%s", d.buf ? d.buf : "", c.out.buf ? c.out.buf : "");
	key = without_id(all, dp->id);
	free(all);
	h = text_hash(key);
	for (i = 0; i < seen->n; i++) {
		if (seen->v[i].hash == h && !strcmp(seen->v[i].text, key)) {
			emit_line(code, "#define probe_%d probe_%d", dp->id, seen->v[i].id);
			free(key);
			sb_free(&d);
			sb_free(&c.out);
			return;
		}
	}
	if (seen->n == seen->cap) {
		seen->cap = seen->cap ? seen->cap * 2 : 64;
		seen->v = xrealloc(seen->v, seen->cap * sizeof(*seen->v));
	}
	seen->v[seen->n++] = (struct handler_text){ h, key, dp->id };
	sb_puts(decls, d.buf ? d.buf : "");
	emit_raw(code, c.out.buf ? c.out.buf : "");
	sb_free(&d);
	sb_free(&c.out);
}

static int probe_order(const void *a, const void *b)
{
	const struct derived_probe *pa = *(struct derived_probe *const *)a;
	const struct derived_probe *pb = *(struct derived_probe *const *)b;

	if (pa->priority != pb->priority)
		return pa->priority < pb->priority ? -1 : 1;
	return pa->id - pb->id;
}

static bool is_emitted(const struct derived_probe *dp)
{
	return !dp->family->not_emitted;
}

/* The probe table, in run order (priority, then script order), and for each probe a
 * macro STP_PROBE_<id> naming its entry, for the families' callbacks. */
static void emit_probe_table(struct session *s, struct emitter *e, bool autoprint)
{
	struct derived_probe **v, *dp;
	int n = 0, i, idx = 0;
	static const char *const kinds[] = {
		[FAMILY_BEGIN] = "STP_PROBE_BEGIN", [FAMILY_END] = "STP_PROBE_END",
		[FAMILY_ERROR] = "STP_PROBE_ERROR", [FAMILY_EVENT] = "STP_PROBE_EVENT",
	};

	v = xmalloc(sizeof(*v) * (size_t)(s->prog.n_probes + 1));
	for (dp = s->prog.probes; dp; dp = dp->next)
		v[n++] = dp;
	qsort(v, (size_t)n, sizeof(*v), probe_order);
	emit_line(e, "extern const struct _stp_probe _stp_probes[];");
	emit_line(e, "extern const size_t _stp_n_probes, _stp_context_size;");
	emit_open(e, "const struct _stp_probe _stp_probes[] =");
	for (i = 0; i < n; i++) {
		char *pp = emit_cstr(v[i]->pp_str);
		char *pn = emit_cstr(v[i]->pn_str ? v[i]->pn_str : v[i]->pp_str);
		char *where = emit_cstr(arena_printf(&s->arena, "%s:%d:%d",
					v[i]->probe->loc.file ? v[i]->probe->loc.file->name : "?",
					v[i]->probe->loc.line, v[i]->probe->loc.col));

		if (is_emitted(v[i]))
			emit_line(e, "{ .kind = %s, .pp = %s, .pn = %s, .location = %s, .fn = probe_%d },",
				  kinds[v[i]->family->kind], pp, pn, where, v[i]->id);
		free(pp);
		free(pn);
		free(where);
	}
	if (autoprint)
		emit_line(e, "{ .kind = STP_PROBE_END, .pp = \"end\", .location = \"\", .fn = probe_autoprint },");
	emit_close(e, "};");
	emit_line(e, "const size_t _stp_n_probes = ARRAY_SIZE(_stp_probes);");
	emit_line(e, "const size_t _stp_context_size = sizeof(struct context);");
	for (i = 0; i < n; i++)
		if (is_emitted(v[i]))
			emit_line(e, "#define STP_PROBE_%d (&_stp_probes[%d])", v[i]->id, idx++);
	emit_raw(e, "\n");
	free(v);
}

/* The families' registration code, in registry order; init undoes itself on failure.
 * fini gets their unregistration, in reverse registry order. */
static void emit_families(struct session *s, struct emitter *decl, struct emitter *init,
			  struct emitter *fini, const char *globals_init, const char *globals_fini)
{
	struct derived_probe **v = xmalloc(sizeof(*v) * (size_t)(s->prog.n_probes + 1));
	struct emitter *undo = xcalloc(n_families, sizeof(*undo));
	size_t f, nf = 0;

	emit_open(init, "int _stp_script_init(void)");
	emit_line(init, "int rc = 0;");
	emit_raw(init, globals_init);
	emit_line(init, "if (rc) goto fail;");
	for (f = 0; f < n_families; f++) {
		const struct probe_family *fam = family_registry[f];
		struct derived_probe *dp;
		int n = 0;

		for (dp = s->prog.probes; dp; dp = dp->next)
			if (dp->family == fam)
				v[n++] = dp;
		if (!n)
			continue;
		if (fam->emit_decls)
			fam->emit_decls(s, decl, v, n);
		if (fam->emit_init || fam->init_call) {
			emit_open(init, "%s", "");
			if (fam->emit_init)
				fam->emit_init(s, init, v, n);
			else
				emit_line(init, "%s", fam->init_call);
			emit_close(init, "}");
			emit_line(init, "if (rc) goto fail_%zu;", nf);
		}
		undo[nf].indent = 1;
		if (fam->emit_exit)
			fam->emit_exit(s, &undo[nf], v, n);
		else if (fam->exit_call)
			emit_line(&undo[nf], "%s", fam->exit_call);
		nf++;
	}
	emit_line(init, "return 0;");
	/* failure: undo the families registered so far, newest first */
	while (nf-- > 0) {
		emit_line(init, "fail_%zu: __attribute__((unused));", nf);
		if (nf > 0)
			emit_raw(init, undo[nf - 1].out.buf ? undo[nf - 1].out.buf : "");
	}
	emit_line(init, "fail:");
	emit_raw(init, globals_fini);
	emit_line(init, "return rc;");
	emit_close(init, "}");
	for (f = n_families; f-- > 0;) {
		emit_raw(fini, undo[f].out.buf ? undo[f].out.buf : "");
		sb_free(&undo[f].out);
	}
	free(undo);
	free(v);
}

/* The head of the module: where it came from, MAXNESTING, stap.h, the embedded C. */
static void emit_prelude(struct session *s, struct emitter *head)
{
	char *from = emit_comment_text(s->prog.files ? s->prog.files->src->name : "?");
	const struct stapfile *f;
	const struct ast_node *emb;
	size_t i;

	emit_line(head, "/* generated by stap from %s */", from);
	free(from);
	/* before stap.h, whose limits.h would define the fixed default */
	emit_line(head, "#ifndef MAXNESTING");
	emit_line(head, "#define MAXNESTING %d	/* deepest call chain (+10: recursion) */",
		  s->prog.max_nesting);
	emit_line(head, "#endif");
	emit_line(head, "#include \"stap.h\"");
	{
		/* 4.8's version macros, which embedded C of scripts tests
		 * (#if STAP_COMPAT_VERSION >= STAP_VERSION(1,8)); --compatible sets it */
		int major = 4, minor = 8, n;

		if (s->opt.compatible) {
			minor = 0;
			n = sscanf(s->opt.compatible, "%d.%d", &major, &minor);
			if (n < 1)
				major = 4, minor = 8;
		}
		emit_line(head, "#define STAP_VERSION(a, b) (((a) << 8) + (b))");
		emit_line(head, "#define STAP_COMPAT_VERSION STAP_VERSION(%d, %d)", major, minor);
	}
	/* the --privilege level the script was checked for, read by staprun */
	emit_line(head, "#include <linux/module.h>");
	emit_line(head, "MODULE_INFO(stap_privilege, \"%s\");", privilege_name(s->opt.privilege));
	for (i = 0; i < s->opt.modinfo.n; i++) {	/* --modinfo NAME=VALUE, checked */
		const char *eq = strchr(s->opt.modinfo.v[i], '=');
		char *val = emit_cstr(eq + 1);

		emit_line(head, "MODULE_INFO(%.*s, %s);", (int)(eq - s->opt.modinfo.v[i]),
			  s->opt.modinfo.v[i], val);
		free(val);
	}
	if (s->opt.bulk)	/* stap -b: staprun writes the output per CPU */
		emit_line(head, "MODULE_INFO(stap_bulk, \"1\");");
	if (s->opt.flight)	/* stap -F: the output rings overwrite */
		emit_line(head, "MODULE_INFO(stap_flight, \"1\");");
	if (s->opt.privilege == PRIV_STAPUSR)	/* process probes: the user's processes */
		emit_line(head, "#define STP_PRIVILEGE_STAPUSR 1");
	emit_raw(head, "\n");
	for (f = s->prog.files; f; f = f->next)
		for (emb = f->embeds; emb; emb = emb->next)
			if (f->is_tapset || s->opt.guru)
				emit_line(head, "%s", emb->u.str);
			else
				XL_INTERNAL(s, "embedded code in a user script without -g");
}

/* The script functions and probe handlers: frame structs to decls, code to code. */
static void emit_handlers(struct session *s, struct strbuf *decls, struct emitter *code,
			  struct xl_regex_max *re_max)
{
	struct derived_probe *dp, *prev;
	struct handlers seen = { 0 };
	struct function *fn;

	for (fn = s->prog.functions; fn; fn = fn->next_used)
		emit_function(s, fn, decls, code, re_max);
	for (dp = s->prog.probes; dp; dp = dp->next) {
		if (!is_emitted(dp))
			continue;
		for (prev = s->prog.probes; prev != dp; prev = prev->next)
			if (is_emitted(prev) && prev->body == dp->body && prev->cond == dp->cond)
				break;
		if (prev != dp) {
			/* same handler as an earlier probe */
			emit_line(code, "#define probe_%d probe_%d", dp->id, prev->id);
			continue;
		}
		emit_probe_once(s, dp, decls, code, re_max, &seen);
	}
	handlers_free(&seen);
}

/* The union of the frames the handlers' code uses, and struct context. */
static void emit_context(struct session *s, struct emitter *head, const char *code,
			 const struct xl_regex_max *re_max)
{
	const struct derived_probe *dp;
	const struct function *fn;

	emit_open(head, "union stp_frame");
	emit_line(head, "int unused;");
	for (fn = s->prog.functions; fn; fn = fn->next_used)
		emit_line(head, "struct function_%s_frame f_%s;", xl_fn_cname(s, fn),
			  xl_fn_cname(s, fn));
	for (dp = s->prog.probes; dp; dp = dp->next)
		if (strstr(code, arena_printf(&s->arena, "probe_%d_frame", dp->id)))
			emit_line(head, "struct probe_%d_frame p%d;", dp->id, dp->id);
	emit_close(head, "};");
	emit_raw(head, "\n");
	emit_open(head, "struct context");
	emit_line(head, "struct _stp_context base;	/* runtime-owned part, first */");
	emit_line(head, "union stp_frame frames[MAXNESTING + 1];");
	if (re_max->n_insts)
		emit_line(head, "int regex_scratch[STP_REGEX_SCRATCH(%d, %d) / sizeof(int)];",
			  re_max->n_insts, re_max->n_groups);
	emit_close(head, "};");
	emit_raw(head, "\n");
}

/* The target's system call names by number, `_stp_sys_names[]`, for a used tapset
 * function that reads them (syscall_name()) in a module without syscall probes: those
 * write the same table themselves (tapsets/syscall.c). */
extern const struct probe_family syscall_family;

static void emit_sys_names(struct session *s, struct emitter *decl)
{
	const struct function *fn;
	const struct derived_probe *dp;
	struct dw_syscall *calls = NULL;
	struct dw_object *k;
	size_t i, n = 0;
	char *unistd;
	int rc;

	for (fn = s->prog.functions; fn; fn = fn->next_used)
		if (fn->is_tapset && fn->body->kind == AST_EMBEDDED &&
		    strstr(fn->body->u.str, "_stp_sys_names"))
			break;
	if (!fn)
		return;
	for (dp = s->prog.probes; dp; dp = dp->next)
		if (dp->family == &syscall_family)
			return;
	k = dw_kernel(s, NULL);
	if (!k)
		return;
	unistd = xasprintf("%s/arch/x86/include/generated/uapi/asm/unistd_64.h",
			   s->kern.build_dir ? s->kern.build_dir : "");
	rc = dw_syscalls(s, k, unistd, &calls, &n);
	if (rc)
		diag_plain(s, "error", "cannot read the system call numbers of kernel %s from '%s'",
			   s->kern.release ? s->kern.release : "?", unistd);
	free(unistd);
	if (rc)
		return;
	emit_open(decl, "const char *const _stp_sys_names[] =");
	for (i = 0; i < n; i++)
		emit_line(decl, "[%d] = \"%s\",", calls[i].nr, calls[i].name);
	emit_close(decl, "};");
	emit_line(decl, "const size_t _stp_sys_n_names = ARRAY_SIZE(_stp_sys_names);");
	free(calls);
}

/* _stp_script_init and _stp_script_exit: the globals' and the families' set-up and
 * tear-down. */
static void emit_init_exit(struct session *s, struct emitter *head, const char *globals_init,
			   const char *globals_fini)
{
	struct emitter fdecl = { 0 }, finit = { 0 }, ffini = { 0 };

	emit_line(head, "int _stp_script_init(void);");
	emit_line(head, "void _stp_script_exit(void);");
	emit_families(s, &fdecl, &finit, &ffini, globals_init, globals_fini);
	emit_sys_names(s, &fdecl);
	xl_emit_klines(s, &fdecl);
	xl_emit_usyms(s, &fdecl);
	emit_raw(head, fdecl.out.buf ? fdecl.out.buf : "");
	emit_raw(head, "\n");
	emit_raw(head, finit.out.buf);
	emit_raw(head, "\n");
	emit_raw(head, "void _stp_script_exit(void)\n{\n");
	/* families in reverse registry order, then the globals */
	emit_raw(head, ffini.out.buf ? ffini.out.buf : "");
	emit_raw(head, globals_fini);
	emit_raw(head, "}\n");
	sb_free(&fdecl.out);
	sb_free(&finit.out);
	sb_free(&ffini.out);
}

static int write_module_c(struct session *s)
{
	struct emitter head = { 0 }, code = { 0 }, ginit = { .indent = 1 }, gfini = { .indent = 1 };
	struct strbuf decls = { 0 };
	struct xl_regex_max re_max = { 0 };
	const struct function *fn;
	const char *path;
	bool autoprint;
	int rc;

	emit_prelude(s, &head);
	emit_handlers(s, &decls, &code, &re_max);
	emit_raw(&head, decls.buf ? decls.buf : "");
	emit_context(s, &head, code.out.buf ? code.out.buf : "", &re_max);
	gl_emit_globals(s, &head, &ginit, &gfini);
	for (fn = s->prog.functions; fn; fn = fn->next_used)
		emit_line(&head, "static void function_%s(struct context *c);", xl_fn_cname(s, fn));
	emit_raw(&head, "\n");
	emit_raw(&head, code.out.buf ? code.out.buf : "");
	autoprint = gl_emit_autoprint(s, &head) > 0;
	emit_probe_table(s, &head, autoprint);
	emit_init_exit(s, &head, ginit.out.buf ? ginit.out.buf : "",
		       gfini.out.buf ? gfini.out.buf : "");
	path = arena_printf(&s->arena, "%s/%s_script.c", s->paths.tmp_dir, s->opt.module_name);
	rc = s->diag.n_errors ? -1 : write_file(path, head.out.buf, head.out.len);
	if (rc > 0 || rc < -1)
		diag_plain(s, "error", "cannot write %s: %s", path, strerror(-rc));
	s->module_c = path;
	sb_free(&head.out);
	sb_free(&code.out);
	sb_free(&ginit.out);
	sb_free(&gfini.out);
	sb_free(&decls);
	return rc ? -1 : 0;
}

int make_run_tmp_dir(struct session *s)
{
	if (!s->paths.tmp_dir) {
		char tmpl[] = "/tmp/stapXXXXXX";

		if (!mkdtemp(tmpl)) {
			diag_plain(s, "error", "cannot create a temporary directory: %s",
				   strerror(errno));
			return -1;
		}
		s->paths.tmp_dir = arena_strdup(&s->arena, tmpl);
		tmp_dir_guard(tmpl);
		if (s->opt.verbose >= 2)
			fprintf(stderr, "Created temporary directory \"%s\"\n", tmpl);
	}
	return 0;
}

int pass3_prepare(struct session *s)
{
	if (make_run_tmp_dir(s))
		return -1;
	if (!s->opt.module_name)
		s->opt.module_name = arena_printf(&s->arena, "stap_%.16s",
						  s->hash[0] ? s->hash : "0000000000000000");
	return 0;
}

int pass3_translate(struct session *s)
{
	if (pass3_prepare(s))
		return -1;
	if (write_module_c(s))
		return -1;
	if (s->opt.last_pass == 3) {
		char *text;

		if (read_file(s->module_c, &text, NULL) == 0) {
			fputs(text, stdout);
			free(text);
		}
	}
	return 0;
}
