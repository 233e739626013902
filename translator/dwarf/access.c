/* A target expression ($x->a[2], &$x, $return, @cast, @var) at one probe site: the
 * variable's location, the ->/[] access path, and the value read into the result, as
 * a location program (locprog.h) for a synthesized function (elaborate/target.c). */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <stdlib.h>
#include <string.h>

#include "dwarf/dwarf.h"
#include "dwarf/internal.h"
#include "passes.h"
#include "tapsets/uprobe.h"
#include "util.h"

/* The value of a scalar (base, enum, pointer) into v: from memory at st[0] or from
 * the value st[0]. */
void dw_fetch_scalar(struct dw_gen *g, Dwarf_Die *t, enum loc_kind kind, Dwarf_Die *member)
{
	int size = dw_type_size(t);
	bool sgn = dw_is_signed(t);
	Dwarf_Attribute at;
	Dwarf_Word bits = 0, bitoff = 0;
	struct lp_op *op;

	if (size <= 0 || size > 8 || (size & (size - 1))) {
		g->err = "cannot fetch a value of this size";
		return;
	}
	op = dw_op(g, LP_FETCH, 0);
	op->size = size;
	op->flags = (sgn ? LPF_SIGNED : 0) | (kind == LOC_MEMORY ? 0 : LPF_VALUE);
	if (member && dwarf_attr(member, DW_AT_bit_size, &at) && dwarf_formudata(&at, &bits) == 0) {
		if (dwarf_attr(member, DW_AT_data_bit_offset, &at) &&
		    dwarf_formudata(&at, &bitoff) == 0) {
			/* DWARF 4+: bit offset from the member location's start (little endian) */
			bitoff %= (Dwarf_Word)size * 8;
		} else if (dwarf_attr(member, DW_AT_bit_offset, &at) &&
			   dwarf_formudata(&at, &bitoff) == 0) {
			bitoff = (Dwarf_Word)size * 8 - bitoff - bits;
		}
		op = dw_op(g, LP_BITFIELD, (int64_t)bitoff);
		op->size = (int)bits;
		op->flags = sgn ? LPF_SIGNED : 0;
	}
}

/* Start the location expression at the site: fills st[0] and *kind. */
int dw_gen_var(struct dw_gen *g, const char *name, Dwarf_Die *var, Dwarf_Die *type)
{
	Dwarf_Die subprog;
	Dwarf_Attribute at;
	Dwarf_Op *ops;
	size_t n;
	enum loc_kind kind;
	int rc;

	if (g->site->is_tracepoint)
		return dw_tp_arg(g, name, var, type);
	if (!dw_find_var(g->k, g->site->fn, g->site->addr, name, var, &subprog)) {
		struct strlist names = { 0 };
		struct strbuf alt = { 0 };

		dw_var_names(g->k, g->site->fn, g->site->addr, &names);
		diag_rank(name, names.v, names.n, "$", &alt);
		g->err = arena_printf(&g->s->arena, "unable to find local '%s', [man error::dwarf] "
				      "dieoffset %#llx in %s, near pc %#llx in %s %s%s%s%s",
				      name, (unsigned long long)g->site->fn->die,
				      g->k->name ? g->k->name : "kernel",
				      (unsigned long long)g->site->addr,
				      dw_str(g->k, g->site->fn->name), dw_str(g->k, g->site->fn->file),
				      alt.buf ? " (alternatives: " : "", alt.buf ? alt.buf : "",
				      alt.buf ? ")" : "");
		strlist_free(&names);
		sb_free(&alt);
		return -1;
	}
	if (!dw_die_type(var, type)) {
		g->err = "variable without a type";
		return -1;
	}
	if (dwarf_attr(var, DW_AT_const_value, &at)) {
		Dwarf_Sword sv;

		if (dwarf_formsdata(&at, &sv)) {
			g->err = "unsupported constant value";
			return -1;
		}
		dw_push(g, LP_CONST, (int64_t)sv)->flags = LPF_SIGNED;
		return LOC_VALUE;
	}
	if (!dwarf_attr(var, DW_AT_location, &at)) {
		g->err = "not accessible at this address: it has no location (optimized out)";
		return -1;
	}
	rc = dwarf_getlocation_addr(&at, g->site->addr, &ops, &n, 1);
	if (rc != 1 || n == 0) {
		g->err = arena_printf(&g->s->arena, "not accessible at this address (pc: %#llx): "
				      "optimized out here", (unsigned long long)g->site->addr);
		return -1;
	}
	if (dw_gen_ops(g, ops, n, &subprog, &kind))
		return -1;
	if (g->depth != 1) {
		g->err = "unsupported DWARF location (stack not balanced)";
		return -1;
	}
	return kind;
}

const char *dw_comp_text(struct session *s, const struct ast_node *t,
			 const struct target_comp *upto)
{
	struct strbuf sb = { 0 };
	const struct target_comp *c;
	const char *out;

	if (t->kind == AST_CAST && t->u.target.cast_obj)
		sb_puts(&sb, t->u.target.name);	/* autocast: as the script wrote it */
	else if (t->kind == AST_CAST)
		sb_printf(&sb, "@cast(..., \"%s\")", t->u.target.type_name);
	else if (t->kind == AST_ATVAR)
		sb_printf(&sb, "@var(\"%s\")", t->u.target.name);
	else
		sb_puts(&sb, t->u.target.name);
	for (c = t->u.target.comps; c && c != upto; c = c->next) {
		if (c->kind == COMP_FIELD)
			sb_printf(&sb, "->%s", c->name);
		else if (c->kind == COMP_INDEX)
			sb_printf(&sb, "[%lld]", (long long)c->index);
		else
			sb_puts(&sb, "[...]");
	}
	out = arena_strdup(&s->arena, sb.buf ? sb.buf : "");
	sb_free(&sb);
	return out;
}

/* [n] or [script expression]: st[0] moves by n elements of sz bytes. */
static void add_index(struct dw_gen *g, const struct target_comp *c, int *idx_arg, int sz)
{
	struct lp_op *op = c->kind == COMP_INDEX ? dw_op(g, LP_INDEX, c->index) :
						   dw_op(g, LP_INDEX_ARG, (*idx_arg)++);

	op->size = sz;
}

/* Walk the ->/[] chain; on return st[0] and *kind locate a value of type *t. */
static int walk_comps(struct dw_gen *g, const struct ast_node *target, Dwarf_Die *t,
		      enum loc_kind *kind, Dwarf_Die *member, bool *has_member)
{
	const struct target_comp *c;
	int idx_arg = 0;

	*has_member = false;
	for (c = target->u.target.comps; c; c = c->next) {
		Dwarf_Die st, sub;
		int tag;

		if (!dw_strip_type(t, &st)) {
			g->err = "dereferencing a void value";
			return -1;
		}
		tag = dwarf_tag(&st);
		if (tag == DW_TAG_pointer_type) {
			/* the pointer's value becomes the address of what it points to */
			if (*kind == LOC_MEMORY)
				dw_op(g, LP_LOAD_PTR, 0);
			*kind = LOC_MEMORY;
			if (!dw_die_type(&st, &sub)) {
				g->err = arena_printf(&g->s->arena, "cannot dereference a void "
						      "pointer in %s", dw_comp_text(g->s, target, c->next));
				return -1;
			}
			if (c->kind != COMP_FIELD) {
				int sz = dw_type_size(dw_strip_type(&sub, &st) ? &st : &sub);

				if (sz <= 0) {
					g->err = "indexing a pointer to a type without size";
					return -1;
				}
				add_index(g, c, &idx_arg, sz);
				*t = sub;
				*has_member = false;
				continue;
			}
			*t = sub;
			if (!dw_strip_type(t, &st)) {
				g->err = "dereferencing a void value";
				return -1;
			}
			tag = dwarf_tag(&st);
		}
		if (c->kind == COMP_FIELD) {
			uint64_t off = 0;

			if ((tag == DW_TAG_structure_type || tag == DW_TAG_union_type) &&
			    dwarf_hasattr(&st, DW_AT_declaration) && dwarf_diename(&st)) {
				/* only declared in this CU: the definition from another */
				const char *full = arena_printf(&g->s->arena, "%s %s",
					tag == DW_TAG_union_type ? "union" : "struct",
					dwarf_diename(&st));
				Dwarf_Die def;

				if (dw_find_type(g->k, full, &def))
					st = def;
			}
			if (tag != DW_TAG_structure_type && tag != DW_TAG_union_type) {
				struct strbuf tn = { 0 };

				dw_type_name(&st, &tn);
				g->err = arena_printf(&g->s->arena, "'%s' is not a struct or union "
						      "(in %s)", tn.buf ? tn.buf : "?",
						      dw_comp_text(g->s, target, c->next));
				sb_free(&tn);
				return -1;
			}
			if (*kind != LOC_MEMORY) {
				g->err = "a struct held in registers is not supported";
				return -1;
			}
			if (!dw_find_member(&st, c->name, member, &off)) {
				struct strlist names = { 0 };
				struct strbuf alt = { 0 };

				dw_member_names(&st, &names);
				diag_rank(c->name, names.v, names.n, "", &alt);
				g->err = arena_printf(&g->s->arena, "unable to find member '%s' for "
						      "%s %s (alternatives: %s)", c->name,
						      tag == DW_TAG_union_type ? "union" : "struct",
						      dwarf_diename(&st) ? dwarf_diename(&st) : "{...}",
						      alt.buf ? alt.buf : "none");
				g->p->err_loc = &c->loc;
				strlist_free(&names);
				sb_free(&alt);
				return -1;
			}
			if (off)
				dw_op(g, LP_FIELD, (int64_t)off);
			if (!dw_die_type(member, t)) {
				g->err = "member without a type";
				return -1;
			}
			*has_member = true;
		} else {
			int sz;

			if (tag != DW_TAG_array_type && target->kind == AST_CAST &&
			    c == target->u.target.comps && *kind == LOC_MEMORY) {
				/* @cast(p, "T")[n]: the n-th T from p, as ((T *)p)[n] */
				if ((sz = dw_type_size(&st)) <= 0) {
					g->err = "indexing a type without size";
					return -1;
				}
				add_index(g, c, &idx_arg, sz);
				*has_member = false;
				continue;
			}
			if (tag != DW_TAG_array_type || *kind != LOC_MEMORY) {
				g->err = arena_printf(&g->s->arena, "cannot index %s: not an array "
						      "or pointer", dw_comp_text(g->s, target, c));
				return -1;
			}
			if (!dw_die_type(&st, t) || (sz = dw_type_size(dw_strip_type(t, &sub) ? &sub : t)) <= 0) {
				g->err = "array of elements without size";
				return -1;
			}
			add_index(g, c, &idx_arg, sz);
			*has_member = false;
		}
	}
	return 0;
}

static void result_addr(struct dw_gen *g, Dwarf_Die *t)
{
	dw_op(g, LP_RESULT_ADDR, 0);
	g->p->result = LP_RES_ADDRESS;
	g->p->cast_die = dwarf_dieoffset(t);
}

/* From st[0]/kind locating a value of type t: the ->/[] chain, then &, $, or the
 * value itself into STAP_RETVALUE. */
static int finish_target(struct dw_gen *g, const struct ast_node *target, Dwarf_Die *t0,
			 int kind, enum ast_type *type, const char **err)
{
	struct session *s = g->s;
	Dwarf_Die t = *t0, member, st;
	bool has_member = false;

	if (walk_comps(g, target, &t, (enum loc_kind *)&kind, &member, &has_member)) {
		*err = g->err;
		return -1;
	}
	if (target->u.target.addr) {
		if (kind != LOC_MEMORY) {
			*err = arena_printf(&s->arena, "cannot take the address of %s: it is "
					    "not in memory", g->what);
			return -1;
		}
		result_addr(g, &t);
		return 0;
	}
	if (target->u.target.pretty) {
		*type = TYPE_STRING;
		g->p->result = LP_RES_STRING;
		dw_pretty(g, &t, (enum loc_kind)kind, target->u.target.pretty >= 2 ? 3 : 1);
		*err = g->err;
		return g->err ? -1 : 0;
	}
	if (!dw_strip_type(&t, &st)) {
		*err = "a void value cannot be read";
		return -1;
	}
	switch (dwarf_tag(&st)) {
	case DW_TAG_structure_type:
	case DW_TAG_union_type: {
		struct strbuf tn = { 0 };

		dw_type_name(&st, &tn);
		*err = arena_printf(&s->arena, "'%s' is being accessed instead of a member "
				    "(try %s$ to print it)", tn.buf ? tn.buf : "?", g->what);
		sb_free(&tn);
		return -1;
	}
	case DW_TAG_array_type:
		if (kind != LOC_MEMORY) {
			*err = "an array held in registers is not supported";
			return -1;
		}
		result_addr(g, dw_die_type(&st, &member) ? &member : &st);
		return 0;
	default:
		dw_fetch_scalar(g, &st, (enum loc_kind)kind, has_member ? &member : NULL);
		if (g->err) {
			*err = g->err;
			return -1;
		}
		dw_op(g, LP_RESULT, 0);
		g->p->result = dwarf_tag(&st) == DW_TAG_pointer_type ? LP_RES_POINTER : LP_RES_INT;
		if (g->p->result == LP_RES_POINTER && dw_die_type(&st, &member))
			g->p->cast_die = dwarf_dieoffset(&member);
		g->p->res_size = dw_type_size(&st);
		g->p->res_signed = dw_is_signed(&st);
		return 0;
	}
}

/* "<stdio.h>" or "<a.h><b.h>" of user space: the headers compiled with -g into a shared
 * object in the run's temporary directory, whose DWARF has the types they declare (a
 * user-space object, as @cast(p, "type", "/path") takes); NULL if they do not compile. */
static struct dw_object *header_object(struct session *s, const char *hdrs,
				       const struct srcloc *loc)
{
	unsigned long long h = 0xcbf29ce484222325ULL;
	struct strbuf src = { 0 };
	struct dw_object *obj = NULL;
	const char *p, *end;
	char *c_path, *so_path;

	for (p = hdrs; *p; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
	for (p = hdrs; *p == '<' && (end = strchr(p, '>')); p = end + 1)
		sb_printf(&src, "#include <%.*s>\n", (int)(end - p - 1), p + 1);
	if (*p || !src.len || make_run_tmp_dir(s)) {
		sb_free(&src);
		return NULL;
	}
	c_path = xasprintf("%s/types-%016llx.c", s->paths.tmp_dir, h);
	so_path = xasprintf("%s/types-%016llx.so", s->paths.tmp_dir, h);
	if (file_exists(so_path) || (write_file(c_path, src.buf, src.len) == 0 &&
	    run_command(s, (const char *const[]){ "gcc", "-g", "-shared", "-fPIC",
			"-fno-eliminate-unused-debug-types", "-o", so_path, c_path, NULL },
			NULL, RUN_SILENT) == 0))
		obj = up_dwarf_object(s, arena_strdup(&s->arena, so_path), loc);
	sb_free(&src);
	free(c_path);
	free(so_path);
	return obj;
}

struct dw_object *dw_cast_object(struct session *s, const char *module, const char *type,
				 const struct srcloc *loc)
{
	struct dw_object *first = NULL;
	const char *p = module;
	Dwarf_Die t;

	if (!module)
		return dw_kernel(s, loc);
	while (*p) {
		size_t len = strcspn(p, ":");
		const char *piece = arena_strndup(&s->arena, p, len);
		struct dw_object *obj = piece[0] == '<' || !strncmp(piece, "kernel", 6) ?
					dw_kernel(s, loc) : dw_module(s, piece, loc);

		if (!obj)
			return NULL;
		if (!first)
			first = obj;
		if (dw_find_type(obj, type, &t))
			return obj;
		/* "<hdr>" without "kernel": a user-space header, when the kernel lacks the type */
		if (piece[0] == '<' && (obj = header_object(s, piece, loc)) &&
		    dw_find_type(obj, type, &t))
			return obj;
		p += len + (p[len] == ':');
	}
	return first ? first : dw_kernel(s, loc);
}

bool dw_has_type(struct dw_object *k, const char *type)
{
	Dwarf_Die t;

	return k->dw && dw_find_type(k, type, &t);
}

/* @cast(ptr, "type"[, "module"]): the object of that type at the address ptr (the
 * synthesized function's first argument), in the object dw_cast_object() chose. */
static int cast_code(struct dw_gen *g, const struct ast_node *target, enum ast_type *type,
		     const char **err)
{
	const char *mod = target->u.target.module;
	Dwarf_Die t;

	/* "kernel<linux/sched.h>", "<linux/sched.h>": 4.8 compiles the headers to get
	 * the type; the kernel's DWARF has every type the headers declare that the
	 * kernel uses, so the header part is not needed */
	if (target->u.target.cast_obj) {
		/* autocast: the type the value came with */
		if (!dwarf_offdie(g->k->dw, target->u.target.cast_die, &t)) {
			*err = "internal error: the type of an autocast value is gone";
			return -1;
		}
	} else if (!dw_find_type(g->k, target->u.target.type_name, &t)) {
		*err = arena_printf(&g->s->arena, "type definition '%s' not found in '%s'",
				    target->u.target.type_name, mod ? mod : "kernel");
		return -1;
	}
	dw_push(g, LP_CAST_PTR, 0);
	return finish_target(g, target, &t, LOC_MEMORY, type, err);
}

/* @var("name[@file]"[, "kernel"]): a global of the CUs matching file, or of the CU
 * of the probe point. */
static int atvar_code(struct dw_gen *g, const struct ast_node *target, enum ast_type *type,
		      const char **err)
{
	const char *spec = target->u.target.name, *at = strchr(spec, '@');
	const char *mod = target->u.target.module;
	const char *name = at ? arena_strndup(&g->s->arena, spec, (size_t)(at - spec)) : spec;
	Dwarf_Attribute attr;
	Dwarf_Op *ops;
	Dwarf_Die var, t;
	enum loc_kind kind;
	bool found = false;
	size_t i, n;

	/* a user program's or library's path: the caller made it g->k */
	bool user = mod && strchr(mod, '/') &&
		    (g->k->kind == DW_OBJ_EXEC || g->k->kind == DW_OBJ_SHLIB);

	if (mod && strncmp(mod, "kernel", 6) && !user) {
		*err = arena_printf(&g->s->arena, "@var in module '%s' is not supported yet", mod);
		return -1;
	}
	if (at) {
		for (i = 0; i < g->k->n_cus && !found; i++)
			found = dw_file_match(at + 1, dw_str(g->k, g->k->cus[i].name)) &&
				dw_cu_global(g->k, g->k->cus[i].die, name, &var);
	} else if (g->site->fn) {
		found = dw_cu_global(g->k, g->k->cus[g->site->fn->cu].die, name, &var);
	}
	/* @var("name", "/path"): the probe's CU first, then the object's others */
	for (i = 0; user && !at && i < g->k->n_cus && !found; i++)
		found = dw_cu_global(g->k, g->k->cus[i].die, name, &var);
	if (!found) {
		*err = arena_printf(&g->s->arena, "unable to find global '%s' in %s", name,
				    at ? at + 1 : "the probe point's compilation unit");
		return -1;
	}
	if (!dw_die_type(&var, &t) || !dwarf_attr(&var, DW_AT_location, &attr) ||
	    dwarf_getlocation(&attr, &ops, &n) || n == 0) {
		*err = arena_printf(&g->s->arena, "global '%s' has no static location", name);
		return -1;
	}
	if (g->k->name) {
		*err = arena_printf(&g->s->arena, "static variables of module %s are not "
				    "supported yet", g->k->name);
		return -1;
	}
	if (g->k->kind == DW_OBJ_KERNEL && ops[0].atom == DW_OP_addr &&
	    ops[0].number < 0x100000) {
		*err = arena_printf(&g->s->arena, "'%s' is a per-CPU variable, which @var does "
				    "not support yet", name);
		return -1;
	}
	if (dw_gen_ops(g, ops, n, NULL, &kind))
		return -1;
	return finish_target(g, target, &t, kind, type, err);
}

static int target_code(struct session *s, struct dw_object *k, const struct dw_site *site,
		       const struct ast_node *target, struct lp_prog *prog, enum ast_type *type,
		       const char **err)
{
	struct dw_gen g = { .s = s, .k = k, .site = site, .p = prog };
	const char *name = target->u.target.name;
	Dwarf_Die var, t;
	int kind;

	g.what = dw_comp_text(s, target, NULL);
	prog->uses_regs = !site->is_tracepoint && !site->no_regs;
	prog->user = k->kind == DW_OBJ_EXEC || k->kind == DW_OBJ_SHLIB;
	prog->result = LP_RES_INT;
	prog->res_size = 8;
	prog->res_signed = true;
	*type = TYPE_LONG;
	if (target->kind == AST_CAST || target->kind == AST_ATVAR) {
		int rc = target->kind == AST_CAST ? cast_code(&g, target, type, err) :
						     atvar_code(&g, target, type, err);

		if (rc && !*err)
			*err = g.err;
		return rc;
	}
	if (!strncmp(name, "$$", 2)) {
		*type = TYPE_STRING;
		prog->result = LP_RES_STRING;
		if (!strcmp(name, "$$return")) {
			Dwarf_Die fdie;

			if (!site->is_return) {
				*err = "$$return is only available in .return probes";
				return -1;
			}
			if (!dwarf_offdie(k->dw, site->fn->die, &fdie)) {
				*err = "cannot read the function's debug info";
				return -1;
			}
			dw_gen_return(&g, &fdie, target->u.target.pretty >= 1 ? 2 : 1);
			*err = g.err;
			return g.err ? -1 : 0;
		}
		if (strcmp(name, "$$vars") && strcmp(name, "$$parms") && strcmp(name, "$$locals")) {
			*err = arena_printf(&s->arena, "unknown target variable %s", name);
			return -1;
		}
		dw_gen_vars(&g, name, target->u.target.pretty >= 1 ? 2 : 1);
		*err = g.err;
		return g.err ? -1 : 0;
	}
	if (!strcmp(name, "$return")) {
		Dwarf_Die fdie;

		if (!site->is_return) {
			*err = "$return is only available in .return probes";
			return -1;
		}
		if (!dwarf_offdie(k->dw, site->fn->die, &fdie) || !dw_die_type(&fdie, &t)) {
			*err = "the function returns void: no $return";
			return -1;
		}
		dw_push(&g, LP_RETVAL, 0);
		kind = LOC_VALUE;
	} else {
		kind = dw_gen_var(&g, name + 1, &var, &t);
		if (kind < 0) {
			*err = g.err;
			return -1;
		}
	}
	return finish_target(&g, target, &t, kind, type, err);
}

/* A position-independent user program or shared library is loaded at an address known
 * only at run time: a link-time address in it (a global's) is relocated by the load bias
 * of the hit's object (the probe address at the hit less its link-time address), which
 * only a probe on that same object knows. */
static bool is_pie(struct dw_object *k)
{
	GElf_Ehdr eh;

	return (k->kind == DW_OBJ_EXEC || k->kind == DW_OBJ_SHLIB) && k->elf &&
	       gelf_getehdr(k->elf, &eh) && eh.e_type == ET_DYN;
}

int dw_target_code(struct session *s, struct dw_object *k, const struct dw_site *site,
		   const struct ast_node *target, struct lp_prog *prog, enum ast_type *type,
		   const char **err)
{
	size_t i;
	int rc = target_code(s, k, site, target, prog, type, err);

	if (rc || !is_pie(k))
		return rc;
	if (site && !site->no_regs && site->obj == k) {
		prog->ubias = true;
		return 0;
	}
	for (i = 0; i < prog->n; i++)
		if (prog->ops[i].kind == LP_ADDR) {
			*err = arena_printf(&s->arena, "%s: the address of a global of %s, a "
					    "position-independent object, is known only in a "
					    "probe on that object", dw_comp_text(s, target, NULL),
					    k->path);
			return -1;
		}
	return 0;
}
