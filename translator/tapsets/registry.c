/* The probe families, in the order they are asked about a probe point; what all
 * families share. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dwarf/dwarf.h"
#include "tapsets/family.h"
#include "util.h"

extern const struct probe_family begin_family, end_family, error_family, never_family;
extern const struct probe_family dwarf_family, kprobe_family;
extern const struct probe_family timer_family, procfs_family;
extern const struct probe_family tracepoint_family, syscall_family, uprobe_family;
extern const struct probe_family netfilter_family, input_family, hwbkpt_family, perf_family;
extern const struct probe_family bpf_trace_family, bpf_refuse_family, bpf_perf_family;

const struct probe_family *const family_registry[] = {
	&begin_family,
	&end_family,
	&error_family,
	&never_family,
	&bpf_trace_family,	/* these three take points only with --runtime=bpf */
	&bpf_perf_family,
	&bpf_refuse_family,
	&dwarf_family,
	&kprobe_family,
	&uprobe_family,
	&tracepoint_family,
	&syscall_family,
	&timer_family,
	&procfs_family,
	&netfilter_family,
	&input_family,
	&hwbkpt_family,
	&perf_family,
};

const size_t n_families = sizeof(family_registry) / sizeof(family_registry[0]);

bool family_has_probe(const struct derived_probe *dp, struct derived_probe *const *probes,
		      int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (probes[i] == dp)
			return true;
	return false;
}

/* The size of the data an entry part fills: the header, then each value it saves,
 * 8 bytes or a string (runtime/linux/stp_loc.h), as a C expression. */
const char *family_entry_size(struct session *s, const struct dw_entry_part *part)
{
	const struct dw_entry_value *ev;
	int n_long = 0, n_str = 0;

	for (ev = part->values; ev; ev = ev->next) {
		const struct ast_node *arg = ev->save->u.call.args;

		if (arg && arg->type == TYPE_STRING)
			n_str++;
		else
			n_long++;
	}
	return arena_printf(&s->arena, "_STP_ENTRY_HDR(%d) + %d * 8 + %d * ALIGN(MAXSTRINGLEN, 8)",
			    part->n_values, n_long, n_str);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* -L of a probe its family does not list: its point, then the variables its aliases
 * define, in the order they were declared ("syscall.read name:string fd:long ...") */
static const char *with_locals(struct session *s, const struct derived_probe *dp)
{
	const struct symbol **v, *l;
	struct strbuf sb = { 0 };
	const char *out;
	int i, n = 0;

	v = xcalloc((size_t)dp->n_locals + 1, sizeof(*v));
	for (l = dp->locals; l; l = l->next)
		if (l->index >= 0 && l->index < dp->n_locals && l->type != TYPE_UNKNOWN &&
		    !l->n_keys)
			v[l->index] = l;
	sb_puts(&sb, dp->pp_str);
	for (i = 0; i < dp->n_locals; i++)
		if (v[i]) {
			sb_printf(&sb, " %s:%s", v[i]->name, ast_type_str(v[i]->type));
			n++;
		}
	out = n ? arena_strdup(&s->arena, sb.buf) : dp->pp_str;
	sb_free(&sb);
	free(v);
	return out;
}

void family_list_probes(struct session *s, bool vars)
{
	struct strlist lines = { 0 };
	const struct derived_probe *dp;
	size_t i;

	for (dp = s->prog.probes; dp; dp = dp->next) {
		if (dp->family->list)
			dp->family->list(s, dp, vars, &lines);
		else
			strlist_add(&lines, vars ? with_locals(s, dp) : dp->pp_str);
	}
	if (lines.n)
		qsort(lines.v, lines.n, sizeof(*lines.v), cmp_str);
	for (i = 0; i < lines.n; i++)
		if (!i || strcmp(lines.v[i], lines.v[i - 1]))
			puts(lines.v[i]);
	strlist_free(&lines);
}
