/* __input.char and __input.line, the points under the input tapset's aliases
 * input.char and input.line: staprun's stdin, byte by byte and line by line
 * (runtime/linux/stp_input.h). */
#include <string.h>

#include "tapsets/family.h"
#include "translate/emit.h"

static const struct pp_shape input_shapes[] = {
	{ { PP_NAME("__input"), PP_NAME("char") } },
	{ { PP_NAME("__input"), PP_NAME("line") } },
};

static int input_derive(struct session *s, const struct probe_point *pp,
			const struct pp_match *m, struct derived_probe *dp)
{
	(void)s;
	(void)pp;
	dp->priv = (void *)(m->shape == 0 ? "char" : "line");
	return 1;
}

static void list_of(struct emitter *e, struct derived_probe *const *probes, int n,
		    const char *kind)
{
	int i;

	emit_open(e, "static const struct _stp_probe *const _stp_input_%ss[] =", kind);
	emit_line(e, "NULL,	/* none: the array is not empty */");
	for (i = 0; i < n; i++)
		if (!strcmp(probes[i]->priv, kind))
			emit_line(e, "STP_PROBE_%d,", probes[i]->id);
	emit_close(e, "};");
}

static void input_decls(struct session *s, struct emitter *e, struct derived_probe *const *probes,
			int n)
{
	(void)s;
	emit_line(e, "#include \"linux/stp_input.h\"");
	list_of(e, probes, n, "char");
	list_of(e, probes, n, "line");
}

const struct probe_family input_family = {
	.name = "__input", .kind = FAMILY_EVENT, .shapes = input_shapes,
	.n_shapes = sizeof(input_shapes) / sizeof(input_shapes[0]), .derive = input_derive,
	.emit_decls = input_decls,
	.init_call = "rc = _stp_input_init(_stp_input_chars + 1, ARRAY_SIZE(_stp_input_chars) - 1, _stp_input_lines + 1, ARRAY_SIZE(_stp_input_lines) - 1);",
	.exit_call = "_stp_input_exit();",
};
