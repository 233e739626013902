/* Pass 2: elaborate the parsed files into derived probes, reachable functions and
 * globals, with every name resolved and every expression typed. */
#include <stdio.h>
#include <string.h>

#include "elaborate/elaborate.h"
#include "passes.h"

static const struct { const char *name; enum builtin bi; } builtins[] = {
	{ "print", BI_PRINT }, { "println", BI_PRINTLN }, { "printf", BI_PRINTF },
	{ "printd", BI_PRINTD }, { "printdln", BI_PRINTDLN }, { "sprint", BI_SPRINT },
	{ "sprintln", BI_SPRINTLN }, { "sprintf", BI_SPRINTF }, { "sprintd", BI_SPRINTD },
	{ "sprintdln", BI_SPRINTDLN },
};

enum builtin elab_builtin(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
		if (!strcmp(builtins[i].name, name))
			return builtins[i].bi;
	return BI_NONE;
}

int pass2_elaborate(struct session *s)
{
	/* the user script's own file counts as used */
	if (elab_probes(s))
		return -1;
	if (elab_resolve(s))
		return -1;
	if (elab_elide(s))
		return -1;
	if (elab_types(s))
		return -1;
	if (elab_optimize(s))
		return -1;
	if (s->diag.n_errors)
		return -1;
	if (elab_check(s))
		return -1;
	elab_access(s);
	/* like pass 1's -p1 dump: the driver stops after this pass */
	if (s->opt.last_pass == 2)
		elab_dump(s, stdout);
	return 0;
}
