/* procfs("name")[.umask(N)].read / .write (procfs.read: "command"), with .maxsize(N) accepted:
 * files /proc/systemtap/<module>/<name>. Opening a file with a read probe runs it
 * once (process context) and the reader gets what it left in $value; each write(2)
 * runs the write probe with the written bytes in $value. A file may have both. */
#include <stdlib.h>
#include <string.h>

#include "tapsets/family.h"
#include "translate/emit.h"

/* a procfs probe's data (dp->priv) */
struct procfs_probe {
	const char *file;		/* plain name under /proc/systemtap/<module>/ */
	bool write;			/* .write, else .read */
	int64_t maxsize;		/* .maxsize(N), accepted and unused; 0 if none */
	unsigned int mode;		/* the permissions this probe gives the file */
};

/* procfs[("name")] */
#define PROCFS_FILE                                                                    \
	{ .name = "procfs", .arg = PP_ARG_OPT_STRING, .bad_arg = "procfs takes a file name" }

static const struct pp_shape procfs_shapes[] = {
	{ { PROCFS_FILE, PP_OPT("umask", PP_ARG_NUMBER), PP_NAME("read"),
	    PP_OPT("maxsize", PP_ARG_OPT_NUMBER) } },
	{ { PROCFS_FILE, PP_OPT("umask", PP_ARG_NUMBER), PP_NAME("write"),
	    PP_OPT("maxsize", PP_ARG_OPT_NUMBER) } },
};

static int procfs_derive(struct session *s, const struct probe_point *pp,
			 const struct pp_match *m, struct derived_probe *dp)
{
	struct procfs_probe *p = arena_alloc(&s->arena, sizeof(*p));

	p->file = pp_match_str(m, 0, "command");
	if (!p->file[0] || strchr(p->file, '/') || !strcmp(p->file, ".") ||
	    !strcmp(p->file, "..")) {
		diag_error(s, &pp->loc, "procfs file name '%s' is not a plain file name", p->file);
		return -1;
	}
	p->write = !strcmp(pp_match_name(m, 2), "write");
	p->maxsize = pp_match_num(m, 3, 0);
	/* as 4.8: owner-only (0400 to read, 0200 to write) unless .umask(N) asks
	 * for 0444 / 0222 less N; the file has what its probes give it */
	if (m->comps[1])
		p->mode = (p->write ? 0222u : 0444u) & ~(unsigned int)pp_match_num(m, 1, 0) & 0777u;
	else
		p->mode = p->write ? 0200u : 0400u;
	dp->priv = p;
	return 1;
}

/* $value is the file's text: a string local filled from the file before the
 * handler and copied back to it after */
#define VALUE_LOCAL "__procfs_value"

static int procfs_context_var(struct session *s, struct derived_probe *dp, const char *name,
			      struct ast_node *n)
{
	const struct srcloc loc = n->loc;
	struct symbol *sym;

	if (strcmp(name, "$value") || n->u.target.comps || n->u.target.addr)
		return 0;
	n->kind = AST_IDENT;
	memset(&n->u, 0, sizeof(n->u));
	n->u.ident.name = strtab_intern(&s->arena, VALUE_LOCAL);
	sym = elab_probe_local(s, dp, n->u.ident.name, &loc);
	/* a string, assigned by the prologue */
	if (sym->type == TYPE_UNKNOWN) {
		sym->type = TYPE_STRING;
		sym->type_loc = loc;
	}
	sym->written = true;
	return 1;
}

static void procfs_prologue(struct session *s, struct emitter *e,
			    const struct derived_probe *dp)
{
	if (elab_probe_find_local(dp, strtab_intern(&s->arena, VALUE_LOCAL)))
		emit_line(e, "if (c->base.data) _stp_scpy(l->l_" VALUE_LOCAL ", c->base.data);");
}

static void procfs_epilogue(struct session *s, struct emitter *e,
			    const struct derived_probe *dp)
{
	if (elab_probe_find_local(dp, strtab_intern(&s->arena, VALUE_LOCAL)))
		emit_line(e, "if (c->base.data) _stp_scpy(c->base.data, l->l_" VALUE_LOCAL ");");
}

static const char *file_of(const struct derived_probe *dp)
{
	return ((const struct procfs_probe *)dp->priv)->file;
}

static void procfs_decls(struct session *s, struct emitter *e, struct derived_probe *const *probes,
			 int n)
{
	int i, j;

	emit_line(e, "#include \"stp_procfs.h\"");
	emit_open(e, "static struct _stp_procfs_file _stp_procfs_files[] =");
	for (i = 0; i < n; i++) {
		const char *name = file_of(probes[i]);
		unsigned int mode = 0;
		char *lit;
		bool first = true;

		for (j = 0; j < i; j++)
			if (!strcmp(file_of(probes[j]), name))
				first = false;
		if (!first)
			continue;
		for (j = i; j < n; j++)
			if (!strcmp(file_of(probes[j]), name))
				mode |= ((const struct procfs_probe *)probes[j]->priv)->mode;
		lit = emit_cstr(name);
		emit_line(e, "{ .name = %s, .mode = 0%o, .read = %s, .write = %s },", lit, mode,
			  "NULL", "NULL");
		free(lit);
	}
	emit_close(e, "};");
	emit_open(e, "static void _stp_procfs_bind(void)");
	for (i = 0; i < n; i++) {
		const struct procfs_probe *p = probes[i]->priv;
		char *lit = emit_cstr(p->file);

		emit_line(e, "_stp_procfs_find(_stp_procfs_files, ARRAY_SIZE(_stp_procfs_files), %s)->%s = STP_PROBE_%d;",
			  lit, p->write ? "write" : "read", probes[i]->id);
		free(lit);
	}
	emit_close(e, "}");
	(void)s;
}

static void procfs_init(struct session *s, struct emitter *e, struct derived_probe *const *probes,
			int n)
{
	(void)s;
	(void)probes;
	(void)n;
	emit_line(e, "_stp_procfs_bind();");
	emit_line(e, "rc = _stp_procfs_init(_stp_procfs_files, ARRAY_SIZE(_stp_procfs_files));");
}

const struct probe_family procfs_family = {
	.name = "procfs", .kind = FAMILY_EVENT, .shapes = procfs_shapes,
	.n_shapes = sizeof(procfs_shapes) / sizeof(procfs_shapes[0]), .derive = procfs_derive,
	.emit_decls = procfs_decls, .emit_init = procfs_init,
	.exit_call = "_stp_procfs_exit(_stp_procfs_files, ARRAY_SIZE(_stp_procfs_files));",
	.context_var = procfs_context_var, .emit_prologue = procfs_prologue,
	.emit_epilogue = procfs_epilogue,
};
