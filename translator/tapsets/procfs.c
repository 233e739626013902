/* procfs("name").read / .write (procfs.read: "command"), with .maxsize(N) accepted:
 * files /proc/systemtap/<module>/<name>. Opening a file with a read probe runs it
 * once (process context) and the reader gets what it left in $value; each write(2)
 * runs the write probe with the written bytes in $value. A file may have both. */
#include <stdlib.h>
#include <string.h>

#include "tapsets/family.h"
#include "translate/emit.h"

static int procfs_match(struct session *s, const struct probe_point *pp,
			struct derived_probe *dp)
{
	const struct pp_comp *c = pp->comps, *op;

	if (strcmp(c->name, "procfs"))
		return 0;
	if (c->has_arg && (!c->arg || c->arg->kind != AST_STRING)) {
		diag_error(s, &pp->loc, "procfs takes a file name");
		return -1;
	}
	dp->str_arg = c->has_arg ? c->arg->u.str : "command";
	if (!dp->str_arg[0] || strchr(dp->str_arg, '/') || !strcmp(dp->str_arg, ".") ||
	    !strcmp(dp->str_arg, "..")) {
		diag_error(s, &pp->loc, "procfs file name '%s' is not a plain file name", dp->str_arg);
		return -1;
	}
	op = c->next;
	if (!op || op->has_arg || (strcmp(op->name, "read") && strcmp(op->name, "write")))
		return 0;
	dp->args[0] = !strcmp(op->name, "write");
	if (op->next) {
		if (strcmp(op->next->name, "maxsize") || op->next->next ||
		    family_int_arg(s, op->next, &dp->args[1]))
			return 0;
	}
	return 1;
}

static void procfs_decls(struct session *s, struct emitter *e, struct derived_probe *const *probes,
			 int n)
{
	int i, j;

	emit_line(e, "#include \"stp_procfs.h\"");
	emit_open(e, "static struct _stp_procfs_file _stp_procfs_files[] =");
	for (i = 0; i < n; i++) {
		const char *name = probes[i]->str_arg;
		char *lit;
		bool first = true;

		for (j = 0; j < i; j++)
			if (!strcmp(probes[j]->str_arg, name))
				first = false;
		if (!first)
			continue;
		lit = emit_cstr(name);
		emit_line(e, "{ .name = %s, .read = %s, .write = %s },", lit, "NULL", "NULL");
		free(lit);
	}
	emit_close(e, "};");
	emit_open(e, "static void _stp_procfs_bind(void)");
	for (i = 0; i < n; i++) {
		char *lit = emit_cstr(probes[i]->str_arg);

		emit_line(e, "_stp_procfs_find(_stp_procfs_files, ARRAY_SIZE(_stp_procfs_files), %s)->%s = STP_PROBE_%d;",
			  lit, probes[i]->args[0] ? "write" : "read", probes[i]->id);
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

static void procfs_exit(struct session *s, struct emitter *e, struct derived_probe *const *probes,
			int n)
{
	(void)s;
	(void)probes;
	(void)n;
	emit_line(e, "_stp_procfs_exit(_stp_procfs_files, ARRAY_SIZE(_stp_procfs_files));");
}

const struct probe_family procfs_family = {
	.name = "procfs", .kind = FAMILY_EVENT, .match = procfs_match,
	.emit_decls = procfs_decls, .emit_init = procfs_init, .emit_exit = procfs_exit,
};
