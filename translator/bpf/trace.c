/* The BPF runtime's probe points that rest on the running kernel rather than on its
 * DWARF: kernel.trace("SYSTEM:NAME") from tracefs (its format file gives each field's
 * offset, size and sign; $field reads it from the tracepoint's record), and the
 * refusal of the probe points this runtime cannot attach. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "bpf/gen.h"
#include "tapsets/family.h"

#define TRACEFS "/sys/kernel/tracing"
#define MAX_FIELDS 128

const char *bpf_tracefs(void)
{
	struct stat st;

	if (stat(TRACEFS "/events", &st) == 0)
		return TRACEFS;
	if (mount("nodev", TRACEFS, "tracefs", 0, NULL) == 0 &&
	    stat(TRACEFS "/events", &st) == 0)
		return TRACEFS;
	if (stat("/sys/kernel/debug/tracing/events", &st) == 0)
		return "/sys/kernel/debug/tracing";
	return NULL;
}

enum tp_kind { TPF_INT, TPF_CHARS, TPF_DATA_LOC };

struct tp_field {
	const char *name;
	int offset, size;
	bool is_signed;
	enum tp_kind kind;
};

struct tp_probe {
	const char *target;		/* "syscalls/sys_enter_getppid" */
	struct tp_field *fields;
	int n_fields;
};

const char *bpf_trace_target(const struct derived_probe *dp)
{
	return ((const struct tp_probe *)dp->priv)->target;
}

/* "\tfield:const char * filename;\toffset:16;\tsize:8;\tsigned:0;" */
static bool parse_field(struct session *s, char *line, struct tp_field *f)
{
	char *decl = strstr(line, "field:"), *semi, *name, *br, *p;

	if (!decl || !(p = strstr(line, "offset:")))
		return false;
	f->offset = atoi(p + 7);
	p = strstr(line, "size:");
	f->size = p ? atoi(p + 5) : 0;
	p = strstr(line, "signed:");
	f->is_signed = p && atoi(p + 7);
	decl += 6;
	semi = strchr(decl, ';');
	if (!semi)
		return false;
	*semi = '\0';
	br = strchr(decl, '[');
	f->kind = TPF_INT;
	if (strstr(decl, "__data_loc"))
		f->kind = TPF_DATA_LOC;
	else if (br && strstr(decl, "char"))
		f->kind = TPF_CHARS;
	else if (br)
		return false;	/* other arrays: not readable as one value */
	if (br && f->kind != TPF_DATA_LOC)
		*br = '\0';
	name = decl + strlen(decl);
	while (name > decl && name[-1] == ' ')
		*--name = '\0';
	while (name > decl && (name[-1] == '_' || (name[-1] >= 'a' && name[-1] <= 'z') ||
			       (name[-1] >= 'A' && name[-1] <= 'Z') ||
			       (name[-1] >= '0' && name[-1] <= '9')))
		name--;
	if (!*name)
		return false;
	if (f->kind == TPF_DATA_LOC && strstr(decl, "char") == NULL)
		return false;
	if (f->kind == TPF_INT && f->size != 1 && f->size != 2 && f->size != 4 && f->size != 8)
		return false;
	f->name = arena_printf(&s->arena, "$%s", name);
	return true;
}

static int trace_match(struct session *s, const struct probe_point *pp,
		       struct derived_probe *dp)
{
	const struct pp_comp *c = pp->comps, *f = c->next;
	const char *spec, *colon, *dir;
	struct tp_probe *t;
	char *path, *text, *line, *save;
	int rc;

	if (!s->opt.bpf || strcmp(c->name, "kernel") || c->has_arg || !f ||
	    strcmp(f->name, "trace"))
		return 0;
	if (!f->arg || f->arg->kind != AST_STRING || f->next) {
		diag_error(s, &pp->loc, "kernel.trace takes one string, \"SYSTEM:NAME\"");
		return -1;
	}
	spec = f->arg->u.str;
	colon = strchr(spec, ':');
	if (!colon || strpbrk(spec, "*?[/") || strchr(colon + 1, ':')) {
		diag_error(s, &pp->loc, "kernel.trace(\"%s\"): the BPF runtime (--runtime=bpf) takes one tracepoint as \"SYSTEM:NAME\", without wildcards",
			   spec);
		return -1;
	}
	dir = bpf_tracefs();
	if (!dir) {
		diag_error(s, &pp->loc, "kernel.trace(\"%s\"): no tracefs at %s (mounting it failed: %s)",
			   spec, TRACEFS, strerror(errno));
		return -1;
	}
	t = arena_alloc(&s->arena, sizeof(*t));
	t->fields = arena_alloc(&s->arena, MAX_FIELDS * sizeof(*t->fields));
	t->target = arena_printf(&s->arena, "%.*s/%s", (int)(colon - spec), spec, colon + 1);
	path = xasprintf("%s/events/%s/format", dir, t->target);
	rc = read_file(path, &text, NULL);
	free(path);
	if (rc) {
		diag_error(s, &pp->loc, "kernel.trace(\"%s\"): no such tracepoint in the running kernel",
			   spec);
		return -1;
	}
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct tp_field fl;

		if (!parse_field(s, line, &fl))
			continue;
		if (t->n_fields < MAX_FIELDS)
			t->fields[t->n_fields++] = fl;
	}
	free(text);
	dp->priv = t;
	return 1;
}

static const struct tp_field *field(const struct tp_probe *t, const char *name)
{
	int i;

	for (i = 0; i < t->n_fields; i++)
		if (!strcmp(t->fields[i].name, name))
			return &t->fields[i];
	return NULL;
}

/* $field: the local __tp_field, filled by the prologue */
static int trace_context_var(struct session *s, struct derived_probe *dp, const char *name,
			     struct ast_node *n)
{
	const struct tp_probe *t = dp->priv;
	const struct tp_field *f = field(t, name);
	const struct srcloc loc = n->loc;
	struct symbol *sym;

	if (!f) {
		diag_error(s, &loc, "unable to find tracepoint variable '%s' of %s (the BPF runtime reads the fields of its format file)",
			   name, dp->pp_str);
		return -1;
	}
	if (n->u.target.comps || n->u.target.addr || n->u.target.pretty) {
		diag_error(s, &loc, "members, '&' and pretty printing of tracepoint variable '%s' are not supported by the BPF runtime (--runtime=bpf)",
			   name);
		return -1;
	}
	n->kind = AST_IDENT;
	memset(&n->u, 0, sizeof(n->u));
	n->u.ident.name = strtab_intern(&s->arena, arena_printf(&s->arena, "__tp_%s", name + 1));
	sym = elab_probe_local(s, dp, n->u.ident.name, &loc);
	if (sym->type == TYPE_UNKNOWN) {
		sym->type = f->kind == TPF_INT ? TYPE_LONG : TYPE_STRING;
		sym->type_loc = loc;
	}
	sym->written = true;
	return 1;
}

void bpf_trace_prologue(struct bg *g, const struct derived_probe *dp)
{
	const struct tp_probe *t = dp->priv;
	int i;

	for (i = 0; i < t->n_fields; i++) {
		const struct tp_field *f = &t->fields[i];
		const char *local = strtab_intern(&g->s->arena,
						  arena_printf(&g->s->arena, "__tp_%s", f->name + 1));
		const struct symbol *sym = elab_probe_find_local(dp, local);
		const char *lv;

		if (!sym)
			continue;
		lv = bg_sym(g, sym);
		switch (f->kind) {
		case TPF_INT:
			emit_line(g->e, "%s = *(%s%d *)((char *)ctx + %d);", lv,
				  f->is_signed ? "__s" : "__u", f->size * 8, f->offset);
			break;
		case TPF_CHARS:
			emit_line(g->e, "__builtin_memset(%s, 0, MSL);", lv);
			emit_line(g->e, "bpf_probe_read_kernel_str(%s, %d, (char *)ctx + %d);", lv,
				  f->size < g->msl ? f->size : g->msl, f->offset);
			break;
		case TPF_DATA_LOC:
			emit_line(g->e, "__builtin_memset(%s, 0, MSL);", lv);
			emit_line(g->e, "bpf_probe_read_kernel_str(%s, MSL, (char *)ctx + (*(u32 *)((char *)ctx + %d) & 0xffff));",
				  lv, f->offset);
			break;
		}
	}
}

static void trace_list(struct session *s, const struct derived_probe *dp, bool vars,
		       struct strlist *lines)
{
	const struct tp_probe *t = dp->priv;
	struct strbuf sb = { 0 };
	int i;

	sb_puts(&sb, dp->pp_str);
	for (i = 0; vars && i < t->n_fields; i++)
		if (strncmp(t->fields[i].name, "$common_", 8))
			sb_printf(&sb, " %s:%s", t->fields[i].name,
				  t->fields[i].kind == TPF_INT ? "long" : "string");
	strlist_add(lines, arena_strdup(&s->arena, sb.buf));
	sb_free(&sb);
}

static const char *const trace_points[] = { "kernel.trace(string)", NULL };

const struct probe_family bpf_trace_family = {
	.name = "kernel.trace (bpf)", .kind = FAMILY_EVENT, .match = trace_match,
	.points = trace_points, .context_var = trace_context_var, .list = trace_list,
};

/* what the BPF runtime cannot attach: named at once, not after a DWARF search */
static int refuse_match(struct session *s, const struct probe_point *pp,
			struct derived_probe *dp)
{
	const char *c = pp->comps->name, *why;
	struct stat st;

	(void)dp;
	if (!s->opt.bpf)
		return 0;
	if (!strcmp(c, "kernel") && pp->comps->next && !strcmp(pp->comps->next->name, "trace"))
		return 0;
	if (!strcmp(c, "kernel") || !strcmp(c, "module") || !strcmp(c, "kprobe")) {
		why = stat("/sys/bus/event_source/devices/kprobe", &st) ?
			"it needs kprobes, and this kernel has none (no kprobe PMU)" :
			"kprobes are not supported by the BPF runtime yet";
	} else if (!strcmp(c, "procfs")) {
		why = "the BPF runtime has no procfs files";
	} else if (!strcmp(c, "process")) {
		why = "uprobes are not supported by the BPF runtime yet";
	} else if (!strcmp(c, "__syscall") || !strcmp(c, "__syscall_any") ||
		   !strcmp(c, "perf")) {
		why = "it is not supported by the BPF runtime yet";
	} else {
		return 0;
	}
	diag_error(s, &pp->loc, "probe point %s cannot be used with --runtime=bpf: %s",
		   elab_pp_str(s, pp), why);
	return -1;
}

static const char *const refuse_points[] = { NULL };

const struct probe_family bpf_refuse_family = {
	.name = "(refused by --runtime=bpf)", .kind = FAMILY_EVENT, .match = refuse_match,
	.points = refuse_points,
};
