/* The BPF runtime's probe points that rest on the running kernel rather than on its
 * DWARF: kernel.trace("[SYSTEM:]NAME"), and the refusal of the probe points this
 * runtime cannot attach. A tracepoint with a prototype in the kernel's BTF
 * (btf_trace_NAME) becomes a raw tracepoint program whose $args are the prototype's
 * parameters, as the module runtime's are, with ->member chains resolved in the BTF
 * and read with bpf_probe_read_kernel(); the others (the syscalls:* events) are perf
 * tracepoints whose $fields come from tracefs format files. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include <bpf/btf.h>

#include "bpf/gen.h"
#include "tapsets/family.h"
#include "tapsets/perf.h"

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

/* a target expression of a BTF tracepoint: the code filling its local */
struct tp_expr {
	const char *local;
	const char *code;		/* C, "@LV@" standing for the local */
	struct tp_expr *next;
};

struct tp_probe {
	const char *target;		/* "syscalls/sys_enter_getppid" */
	struct tp_field *fields;
	int n_fields;
	int proto;			/* BTF: the btf_trace_NAME function prototype, or 0 */
	struct tp_expr *exprs;
	int n_exprs;
};

const char *bpf_trace_target(const struct derived_probe *dp)
{
	return ((const struct tp_probe *)dp->priv)->target;
}

bool bpf_trace_is_raw(const struct derived_probe *dp)
{
	return ((const struct tp_probe *)dp->priv)->proto != 0;
}

static struct btf *kernel_btf(struct session *s)
{
	if (!s->kern.btf) {
		struct btf *b = btf__parse("/sys/kernel/btf/vmlinux", NULL);

		if (!b)
			return NULL;
		s->kern.btf = b;
	}
	return s->kern.btf;
}

/* the function prototype of raw tracepoint name with its parameters' names (that of
 * __bpf_trace_NAME, the kernel's own probe of the event's class when the class is
 * the event), or 0: the caller then reads the tracefs format's fields */
static int tp_proto(struct session *s, const char *name)
{
	struct btf *b = kernel_btf(s);
	const struct btf_type *t;
	char *tn;
	int id;

	if (!b)
		return 0;
	tn = xasprintf("btf_trace_%s", name);
	id = btf__find_by_name_kind(b, tn, BTF_KIND_TYPEDEF);
	free(tn);
	if (id <= 0)
		return 0;
	tn = xasprintf("__bpf_trace_%s", name);
	id = btf__find_by_name_kind(b, tn, BTF_KIND_FUNC);
	free(tn);
	if (id <= 0)
		return 0;
	t = btf__type_by_id(b, (__u32)id);
	id = (int)t->type;
	t = btf__type_by_id(b, (__u32)id);
	return t && btf_is_func_proto(t) && btf_vlen(t) >= 1 ? id : 0;
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
	/* a syscall event stores every argument in 8 bytes, "signed:0": an int is an int */
	if (f->kind == TPF_INT && name - decl == 4 && !strncmp(decl, "int ", 4)) {
		f->size = 4;
		f->is_signed = true;
	}
	f->name = arena_printf(&s->arena, "$%s", name);
	return true;
}

/* "SYSTEM/NAME" of the tracepoint NAME of any system, or NULL */
static const char *find_system(struct session *s, const char *dir, const char *name)
{
	char *events = xasprintf("%s/events", dir);
	const char *out = NULL;
	struct dirent *de;
	DIR *d = opendir(events);

	while (d && !out && (de = readdir(d))) {
		char *fmt;

		if (de->d_name[0] == '.')
			continue;
		fmt = xasprintf("%s/%s/%s/format", events, de->d_name, name);
		if (file_exists(fmt))
			out = arena_printf(&s->arena, "%s/%s", de->d_name, name);
		free(fmt);
	}
	if (d)
		closedir(d);
	free(events);
	return out;
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
	if (strpbrk(spec, "*?[")) {
		diag_error(s, &pp->loc, "kernel.trace(\"%s\"): wildcards are not supported by the BPF runtime (--runtime=bpf) yet",
			   spec);
		return -1;
	}
	if (strchr(spec, '/') || (colon && strchr(colon + 1, ':'))) {
		diag_error(s, &pp->loc, "kernel.trace(\"%s\"): a tracepoint is \"[SYSTEM:]NAME\"", spec);
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
	if (colon)
		t->target = arena_printf(&s->arena, "%.*s/%s", (int)(colon - spec), spec, colon + 1);
	else if (!(t->target = find_system(s, dir, spec))) {
		diag_error(s, &pp->loc, "kernel.trace(\"%s\"): no such tracepoint in the running kernel",
			   spec);
		return -1;
	}
	t->proto = tp_proto(s, strchr(t->target, '/') + 1);
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
/* strip typedefs and modifiers */
static const struct btf_type *resolve(const struct btf *b, __u32 *id)
{
	const struct btf_type *t = btf__type_by_id(b, *id);

	while (t && (btf_is_typedef(t) || btf_is_mod(t) || btf_is_type_tag(t))) {
		*id = t->type;
		t = btf__type_by_id(b, *id);
	}
	return t;
}

/* member name of struct/union t (anonymous members searched): its type and byte
 * offset, or false */
static bool member(const struct btf *b, const struct btf_type *t, const char *name,
		   __u32 *type, __u32 *off)
{
	const struct btf_member *m = btf_members(t);
	int i;

	for (i = 0; i < btf_vlen(t); i++, m++) {
		const char *mn = btf__name_by_offset(b, m->name_off);
		__u32 bits = btf_member_bit_offset(t, (__u32)i);

		if (btf_member_bitfield_size(t, (__u32)i) || bits % 8)
			continue;
		if (mn && *mn && !strcmp(mn, name)) {
			*type = m->type;
			*off = bits / 8;
			return true;
		}
		if (!mn || !*mn) {
			__u32 id = m->type, sub;
			const struct btf_type *mt = resolve(b, &id);

			if (mt && btf_is_composite(mt) && member(b, mt, name, type, &sub)) {
				*off = bits / 8 + sub;
				return true;
			}
		}
	}
	return false;
}

/* C filling @LV@ from raw tracepoint argument i of type id through comps */
static const char *btf_access(struct session *s, const struct btf *b, int i, __u32 id,
			      const struct target_comp *c, enum ast_type *type, const char **err)
{
	struct strbuf sb = { 0 };
	const struct btf_type *t = resolve(b, &id);
	bool have_addr = false;
	const char *out;

	sb_printf(&sb, "{ u64 __v = ((u64 *)ctx)[%d], __a = 0; ", i);
	for (; c; c = c->next) {
		__u32 mt, off = 0;

		if (!t) {
			*err = "a type the BTF does not describe";
			goto fail;
		}
		if (c->kind == COMP_INDEX_EXPR) {
			*err = "an index that is not a number";
			goto fail;
		}
		if (btf_is_ptr(t)) {
			if (have_addr)
				sb_puts(&sb, "bpf_probe_read_kernel(&__v, 8, (void *)__a); ");
			sb_puts(&sb, "__a = __v; ");
			have_addr = true;
			id = t->type;
			t = resolve(b, &id);
			if (c->kind == COMP_INDEX) {
				sb_printf(&sb, "__a += %lld; ", (long long)(c->index * btf__resolve_size(b, id)));
				continue;
			}
		} else if (c->kind == COMP_INDEX && btf_is_array(t) && have_addr) {
			id = btf_array(t)->type;
			sb_printf(&sb, "__a += %lld; ", (long long)(c->index * btf__resolve_size(b, id)));
			t = resolve(b, &id);
			continue;
		} else if (!have_addr || !btf_is_composite(t)) {
			*err = "a member of something that is not a structure or a pointer to one";
			goto fail;
		}
		if (c->kind != COMP_FIELD || !t || !btf_is_composite(t) ||
		    !member(b, t, c->name, &mt, &off)) {
			*err = c->kind == COMP_FIELD ? arena_printf(&s->arena, "no member '%s'", c->name) :
				"an index of something that is not an array or pointer";
			goto fail;
		}
		sb_printf(&sb, "__a += %u; ", off);
		id = mt;
		t = resolve(b, &id);
	}
	if (!t) {
		*err = "a type the BTF does not describe";
		goto fail;
	}
	*type = TYPE_LONG;
	if (btf_is_array(t) && have_addr) {
		/* an array is its address, as in the module runtime (kernel_string($p->comm)) */
		sb_puts(&sb, "@LV@ = (s64)__a; }");
	} else if (btf_is_int(t) || btf_is_any_enum(t) || btf_is_ptr(t)) {
		int size = btf_is_ptr(t) ? 8 : (int)t->size;
		bool sign = btf_is_int(t) && (btf_int_encoding(t) & BTF_INT_SIGNED);

		if (size != 1 && size != 2 && size != 4 && size != 8) {
			*err = "an integer of an odd size";
			goto fail;
		}
		if (have_addr)
			sb_printf(&sb, "__s%d __x = 0; bpf_probe_read_kernel(&__x, %d, (void *)__a); __v = (u64)__x; ",
				  size * 8, size);
		sb_printf(&sb, "@LV@ = %s(__%c%d)__v; }", sign ? "(s64)" : "(s64)(u64)",
			  sign ? 's' : 'u', size * 8);
	} else {
		*err = "a structure, not a value";
		goto fail;
	}
	out = arena_strdup(&s->arena, sb.buf);
	sb_free(&sb);
	return out;
fail:
	sb_free(&sb);
	return NULL;
}

/* $arg[->member...] of a BTF tracepoint: a local of its own, filled by the prologue */
static int btf_context_var(struct session *s, struct derived_probe *dp, const char *name,
			   struct ast_node *n)
{
	struct tp_probe *t = dp->priv;
	const struct btf *b = kernel_btf(s);
	const struct btf_type *proto = btf__type_by_id(b, (__u32)t->proto);
	const struct btf_param *p = btf_params(proto);
	const struct srcloc loc = n->loc;
	enum ast_type type = TYPE_LONG;
	const char *err = NULL, *code = NULL;
	struct tp_expr *x;
	struct symbol *sym;
	int i;

	if (n->u.target.addr || n->u.target.pretty) {
		diag_error(s, &loc, "'&' and pretty printing of tracepoint variable '%s' are not supported by the BPF runtime (--runtime=bpf)",
			   name);
		return -1;
	}
	/* parameter 0 is the tracepoint's data pointer, not an argument */
	for (i = 1; i < btf_vlen(proto); i++)
		if (!strcmp(btf__name_by_offset(b, p[i].name_off), name + 1))
			break;
	if (i == btf_vlen(proto)) {
		struct strbuf sb = { 0 };

		for (i = 1; i < btf_vlen(proto); i++)
			sb_printf(&sb, "%s$%s", i > 1 ? " " : "", btf__name_by_offset(b, p[i].name_off));
		diag_error(s, &loc, "unable to find tracepoint variable '%s' (alternatives: %s)", name,
			   sb.buf ? sb.buf : "none");
		sb_free(&sb);
		return -1;
	}
	code = btf_access(s, b, i - 1, p[i].type, n->u.target.comps, &type, &err);
	if (!code) {
		diag_error(s, &loc, "cannot read tracepoint variable '%s' with the BPF runtime: %s", name,
			   err);
		return -1;
	}
	x = arena_alloc(&s->arena, sizeof(*x));
	x->local = strtab_intern(&s->arena, arena_printf(&s->arena, "__tpx_%d", t->n_exprs++));
	x->code = code;
	x->next = t->exprs;
	t->exprs = x;
	n->kind = AST_IDENT;
	memset(&n->u, 0, sizeof(n->u));
	n->u.ident.name = x->local;
	sym = elab_probe_local(s, dp, n->u.ident.name, &loc);
	sym->type = type;
	sym->type_loc = loc;
	sym->written = true;
	return 1;
}

extern const struct probe_family bpf_trace_family;

int bpf_trace_defined(struct session *s, const struct derived_probe *dp,
		      const struct ast_node *n)
{
	const struct tp_probe *t;
	const char *name = n->u.target.name, *err = NULL;
	enum ast_type type = TYPE_LONG;

	if (dp->family != &bpf_trace_family)
		return -1;
	t = dp->priv;
	if (!strncmp(name, "$$", 2) || n->u.target.addr || n->u.target.pretty)
		return 0;
	if (t->proto) {
		const struct btf *b = kernel_btf(s);
		const struct btf_type *proto = btf__type_by_id(b, (__u32)t->proto);
		const struct btf_param *p = btf_params(proto);
		int i;

		for (i = 1; i < btf_vlen(proto); i++)
			if (!strcmp(btf__name_by_offset(b, p[i].name_off), name + 1))
				return btf_access(s, b, i - 1, p[i].type, n->u.target.comps, &type,
						  &err) != NULL;
		return 0;
	}
	return field(t, name) && !n->u.target.comps;
}

static int trace_context_var(struct session *s, struct derived_probe *dp, const char *name,
			     struct ast_node *n)
{
	const struct tp_probe *t = dp->priv;

	if (!strncmp(name, "$$", 2)) {
		diag_error(s, &n->loc, "%s is not supported by the BPF runtime (--runtime=bpf) yet", name);
		return -1;
	}
	if (t->proto)
		return btf_context_var(s, dp, name, n);
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
	const struct tp_expr *x;
	int i;

	for (x = t->exprs; x; x = x->next) {
		const struct symbol *sym = elab_probe_find_local(dp, x->local);
		struct strbuf sb = { 0 };
		const char *p = x->code, *q;

		if (!sym)
			continue;
		while ((q = strstr(p, "@LV@"))) {
			sb_add(&sb, p, (size_t)(q - p));
			sb_puts(&sb, bg_sym(g, sym));
			p = q + 4;
		}
		sb_puts(&sb, p);
		emit_line(g->e, "%s", sb.buf);
		sb_free(&sb);
	}
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

/* Why the BPF runtime cannot attach pp (a kprobe or procfs point), or NULL
 * when it can or when the session is not for BPF. */
const char *bpf_refusal(const struct session *s, const struct probe_point *pp)
{
	const char *c = pp->comps->name;
	struct stat st;

	if (!s->opt.bpf)
		return NULL;
	if (!strcmp(c, "kernel") && pp->comps->next && !strcmp(pp->comps->next->name, "trace"))
		return NULL;
	if (!strcmp(c, "kernel") || !strcmp(c, "module") || !strcmp(c, "kprobe"))
		return stat("/sys/bus/event_source/devices/kprobe", &st) ?
			"it needs kprobes, and this kernel has none (no kprobe PMU)" :
			"kprobes are not supported by the BPF runtime yet";
	if (!strcmp(c, "procfs"))
		return "the BPF runtime has no procfs files";
	return NULL;
}

/* what the BPF runtime cannot attach: named at once, not after a DWARF search */
static int refuse_match(struct session *s, const struct probe_point *pp,
			struct derived_probe *dp)
{
	const char *why = bpf_refusal(s, pp);

	(void)dp;
	if (!why)
		return 0;
	diag_error(s, &pp->loc, "probe point %s cannot be used with --runtime=bpf: %s",
		   elab_pp_str(s, pp), why);
	return -1;
}

static const char *const refuse_points[] = { NULL };

const struct probe_family bpf_refuse_family = {
	.name = "(refused by --runtime=bpf)", .kind = FAMILY_EVENT, .match = refuse_match,
	.points = refuse_points,
};

/* perf.sw.NAME, perf.hw.NAME and perf.type(T).config(C), each with .sample(N) or
 * .hz(N) (tapsets/perf.c): a perf event on every CPU */
static int perf_match(struct session *s, const struct probe_point *pp,
		      struct derived_probe *dp)
{
	struct perf_point *p;
	const struct pp_comp *rest;
	struct stat st;
	int rc;

	if (!s->opt.bpf)
		return 0;
	p = arena_alloc(&s->arena, sizeof(*p));
	rc = perf_parse(s, pp, p, &rest);
	if (rc <= 0)
		return rc;
	if (rest) {
		diag_error(s, &pp->loc, "probe point %s cannot be used with --runtime=bpf: only .sample(N) and .hz(N) are supported after a perf event",
			   elab_pp_str(s, pp));
		return -1;
	}
	if (p->type == 0 && stat("/sys/bus/event_source/devices/cpu", &st)) {
		diag_error(s, &pp->loc, "probe point %s cannot be used with --runtime=bpf: this kernel has no hardware counters (no cpu PMU)",
			   elab_pp_str(s, pp));
		return -1;
	}
	dp->priv = p;
	return 1;
}

const char *bpf_perf_attach(struct session *s, const struct derived_probe *dp)
{
	const struct perf_point *p = dp->priv;

	return arena_printf(&s->arena, "%lld %lld %lld %d", (long long)p->type,
			    (long long)p->config, (long long)p->period, p->freq);
}

/* --dump-probe-types lists them once, under the kernel runtime's perf family */
static const char *const perf_points[] = { NULL };

const struct probe_family bpf_perf_family = {
	.name = "perf (bpf)", .kind = FAMILY_EVENT, .match = perf_match, .points = perf_points,
};
