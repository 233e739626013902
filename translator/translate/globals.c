/* Pass 3: global variables. Their storage (scalars, arrays as runtime maps, statistics
 * with their histogram shape), the code that reads and writes array elements and
 * statistics, foreach, and the lock requests of each probe handler (the lock sets and
 * what is printed at the end come from pass 2, elaborate/access.c). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "translate/translate.h"

/* the lock requests of dp's handler, from pass 2 (elaborate/access.c) */
int gl_probe_locks(struct session *s, struct derived_probe *dp, struct strbuf *out)
{
	int i;

	(void)s;
	if (!dp->n_locks)
		return 0;
	sb_puts(out, "\tstatic const struct _stp_lockreq locks[] = {\n");
	for (i = 0; i < dp->n_locks; i++)
		sb_printf(out, "\t\t{ &global_%s_lock, %s },\n", dp->locks[i].sym->name,
			  dp->locks[i].write ? "true" : "false");
	sb_puts(out, "\t};\n");
	return dp->n_locks;
}

/* ---- storage ---------------------------------------------------------------------- */

const char *gl_map_name(const struct symbol *sym)
{
	return sym->name;
}

static void emit_hist(struct session *s, struct emitter *e, const struct symbol *g)
{
	const struct ast_node *h = g->hist, *p;	/* elaborate/check.c */
	int64_t v[3] = { 0, 0, 0 };
	int i = 0;

	if (!h) {
		emit_line(e, "static const struct _stp_hist global_%s_hist = { .type = STP_HIST_NONE };",
			  g->name);
		return;
	}
	if (h->u.stat.op == STAT_HIST_LOG) {
		emit_line(e, "static const struct _stp_hist global_%s_hist = { .type = STP_HIST_LOG, .buckets = STP_HIST_LOG_BUCKETS };",
			  g->name);
		return;
	}
	for (p = h->u.stat.params; p && i < 3; p = p->next)
		v[i++] = p->kind == AST_NUMBER ? p->u.num : 0;
	if (!elab_hist_linear_ok(h)) {
		XL_INTERNAL(s, "@hist_linear parameters passed pass 2");
		return;
	}
	emit_line(e, "static const struct _stp_hist global_%s_hist = { .type = STP_HIST_LINEAR, .start = (int64_t)0x%" PRIx64 "ULL, .stop = (int64_t)0x%" PRIx64 "ULL, .interval = %" PRId64 "LL, .buckets = %" PRIu64 " };",
		  g->name, (uint64_t)v[0], (uint64_t)v[1], v[2],
		  ((uint64_t)v[1] - (uint64_t)v[0]) / (uint64_t)v[2] + 3);
}

/* A global -G may set: a scalar number or string, not the runtime's own names */
bool gl_is_param(const struct symbol *g)
{
	return g->n_keys == 0 && (g->type == TYPE_LONG || g->type == TYPE_STRING) &&
	       strncmp(g->name, "_stp", 4) != 0;
}

/* Every scalar global is a module parameter of its name: staprun passes stap -G's
 * NAME=VALUE, the kernel sets them before the module's init runs. */
static void emit_params(struct session *s, struct emitter *e)
{
	const struct symbol *g;
	bool any_long = false;

	for (g = s->prog.global_syms; g; g = g->next)
		any_long |= gl_is_param(g) && g->type == TYPE_LONG;
	emit_line(e, "#include <linux/moduleparam.h>");
	if (any_long) {
		emit_open(e, "static int _stp_param_set_long(const char *val, const struct kernel_param *kp)");
		emit_line(e, "return kstrtoll(val, 0, (long long *)kp->arg);");
		emit_close(e, "}");
		emit_line(e, "static const struct kernel_param_ops _stp_param_long = { .set = _stp_param_set_long };");
	}
	for (g = s->prog.global_syms; g; g = g->next) {
		if (!gl_is_param(g))
			continue;
		/* a name the kernel's headers define as a macro (minor, current, ...)
		 * cannot be a parameter's name: such a global is not settable */
		emit_line(e, "#ifndef %s", g->name);
		if (g->type == TYPE_LONG)
			emit_line(e, "module_param_cb(%s, &_stp_param_long, &global_%s, 0);",
				  g->name, g->name);
		else
			emit_line(e, "module_param_string(%s, global_%s, MAXSTRINGLEN, 0);",
				  g->name, g->name);
		emit_line(e, "#endif");
	}
}

void gl_emit_globals(struct session *s, struct emitter *e, struct emitter *init,
		     struct emitter *fini)
{
	const struct symbol *g;

	for (g = s->prog.global_syms; g; g = g->next) {
		struct ast_node *ini = g->global->init;

		emit_line(e, "static struct _stp_rwlock global_%s_lock = { .name = \"%s\" };",
			  g->name, g->name);
		if (g->type == TYPE_STATS)
			emit_hist(s, e, g);
		if (g->n_keys > 0) {
			struct strbuf kt = { 0 };
			int i;

			for (i = 0; i < g->n_keys; i++)
				sb_printf(&kt, "%s%s", i ? ", " : "",
					  g->key_types[i] == TYPE_STRING ? "STP_T_STRING" : "STP_T_LONG");
			emit_open(e, "static struct _stp_map global_%s =", g->name);
			emit_line(e, ".name = \"%s\", .n_keys = %d, .key_types = { %s },", g->name,
				  g->n_keys, kt.buf);
			emit_line(e, ".val_type = %s,", g->type == TYPE_STRING ? "STP_T_STRING" :
				  g->type == TYPE_STATS ? "STP_T_STAT" : "STP_T_LONG");
			if (g->global->size > 0)
				emit_line(e, ".cap = %" PRId64 ",", g->global->size);
			else
				emit_line(e, ".cap = MAXMAPENTRIES,");
			emit_line(e, ".wrap = %s,", g->global->wrap ? "true" : "false");
			if (g->type == TYPE_STATS)
				emit_line(e, ".hist = &global_%s_hist,", g->name);
			emit_close(e, "};");
			sb_free(&kt);
			emit_line(init, "if (!rc) rc = _stp_map_init(&global_%s);", g->name);
			emit_line(fini, "_stp_map_free(&global_%s);", g->name);
		} else if (g->type == TYPE_STATS) {
			emit_line(e, "static struct _stp_statvar global_%s = { .hist = &global_%s_hist };",
				  g->name, g->name);
			emit_line(init, "if (!rc) rc = _stp_statvar_init(&global_%s);", g->name);
			emit_line(fini, "_stp_statvar_free(&global_%s);", g->name);
		} else if (g->type == TYPE_STRING) {
			char *lit = emit_cstr(ini && ini->kind == AST_STRING ? ini->u.str : "");

			emit_line(e, "static char global_%s[MAXSTRINGLEN] = %s;", g->name, lit);
			free(lit);
		} else {
			emit_line(e, "static int64_t global_%s = %" PRId64 "LL;", g->name,
				  ini && ini->kind == AST_NUMBER ? ini->u.num : 0);
		}
	}
	emit_params(s, e);
	emit_raw(e, "\n");
}

/* ---- element access ----------------------------------------------------------------- */

static struct symbol *array_of(struct xlate *x, struct ast_node *base)
{
	struct symbol *sym = base->kind == AST_IDENT ? base->u.ident.sym : NULL;

	if (!sym || sym->kind != SYM_GLOBAL || sym->n_keys <= 0) {
		XL_INTERNAL(x->s, "only global arrays can be indexed here");
		return NULL;
	}
	return sym;
}

const char *gl_keys(struct xlate *x, const struct symbol *arr, struct ast_node *keys)
{
	struct strbuf sb = { 0 };
	struct ast_node *k;
	const char *out;
	int i = 0;

	sb_puts(&sb, "{ ");
	for (k = keys; k; k = k->next, i++) {
		const char *v;

		if (k->kind == AST_NULL) {	/* a slice's *: never compared */
			sb_printf(&sb, "%s{ .l = 0 }", i ? ", " : "");
			continue;
		}
		v = xl_expr(x, k);

		if (arr && i < arr->n_keys && arr->key_types[i] == TYPE_STRING)
			sb_printf(&sb, "%s{ .s = %s }", i ? ", " : "", v);
		else
			sb_printf(&sb, "%s{ .l = %s }", i ? ", " : "", v);
	}
	sb_puts(&sb, " }");
	out = arena_strdup(&x->s->arena, sb.buf);
	sb_free(&sb);
	return out;
}

/* the columns of a slice's * (a[1, *]) as bits; 0 for plain keys */
static unsigned wild_mask(const struct ast_node *keys)
{
	unsigned mask = 0;
	int i = 0;

	for (; keys; keys = keys->next, i++)
		if (keys->kind == AST_NULL)
			mask |= 1u << i;
	return mask;
}

static const char *overflow_msg(struct xlate *x, const struct symbol *arr)
{
	if (arr->global->size > 0)
		return arena_printf(&x->s->arena, "Array overflow, check size limit (%" PRId64 ")",
				    arr->global->size);
	return "Array overflow, check MAXMAPENTRIES";
}

const char *gl_index_get(struct xlate *x, struct ast_node *n)
{
	struct ast_node *base = n->u.index.base;
	struct symbol *arr;
	const char *keys, *t;

	if (base->kind == AST_STAT) {
		/* @hist_*(x)[i]: one bucket's count */
		const char *hist, *i;

		i = xl_expr(x, n->u.index.keys);
		hist = gl_stat_fetch(x, base->u.stat.operand);
		t = xl_tmp(x, TYPE_LONG);
		emit_line(x->e, "%s = _stp_stat_bucket(%s, &c->base.stat, %s);", t, hist, i);
		return t;
	}
	arr = array_of(x, base);
	if (!arr)
		return "0";
	if (arr->type == TYPE_STATS) {
		XL_INTERNAL(x->s, "statistic array element read as a value");
		return "0";
	}
	keys = gl_keys(x, arr, n->u.index.keys);
	t = xl_tmp(x, arr->type);
	if (arr->type == TYPE_STRING)
		emit_line(x->e, "{ union _stp_key k[] = %s; _stp_scpy(%s, _stp_map_get_s(&global_%s, k)); }",
			  keys, t, arr->name);
	else
		emit_line(x->e, "{ union _stp_key k[] = %s; %s = _stp_map_get_l(&global_%s, k); }",
			  keys, t, arr->name);
	return t;
}

/* store val into a[keys]; keys already evaluated into `keys` */
static void set_elem(struct xlate *x, struct symbol *arr, const char *keys, const char *val,
		     const struct srcloc *loc)
{
	emit_line(x->e, "{ union _stp_key k[] = %s;", keys);
	x->e->indent++;
	emit_open(x->e, "if (unlikely(_stp_map_set_%s(&global_%s, k, %s)))",
		  arr->type == TYPE_STRING ? "s" : "l", arr->name, val);
	emit_line(x->e, "c->base.last_stmt = %s;", xl_where(x, loc));
	emit_line(x->e, "_stp_error(&c->base, \"%s\");", overflow_msg(x, arr));
	emit_line(x->e, "goto %s;", x->err_label);
	emit_close(x->e, "}");
	emit_close(x->e, "}");
}

void gl_index_set(struct xlate *x, struct ast_node *idx, const char *val)
{
	struct symbol *arr = array_of(x, idx->u.index.base);

	if (!arr)
		return;
	set_elem(x, arr, gl_keys(x, arr, idx->u.index.keys), val, &idx->loc);
}

const char *gl_in(struct xlate *x, struct ast_node *n)
{
	struct symbol *arr = array_of(x, n->u.in.array);
	const char *keys, *t;

	if (!arr)
		return "0";
	keys = gl_keys(x, arr, n->u.in.keys);
	t = xl_tmp(x, TYPE_LONG);
	if (wild_mask(n->u.in.keys))
		emit_line(x->e, "{ union _stp_key k[] = %s; %s = _stp_map_exists_slice(&global_%s, k, %uu); }",
			  keys, t, arr->name, wild_mask(n->u.in.keys));
	else
		emit_line(x->e, "{ union _stp_key k[] = %s; %s = _stp_map_exists(&global_%s, k); }",
			  keys, t, arr->name);
	return t;
}

void gl_delete(struct xlate *x, struct ast_node *n)
{
	struct symbol *sym;

	if (n->kind == AST_INDEX) {
		struct symbol *arr = array_of(x, n->u.index.base);
		const char *keys;

		if (!arr)
			return;
		keys = gl_keys(x, arr, n->u.index.keys);
		if (wild_mask(n->u.index.keys))
			emit_line(x->e, "{ union _stp_key k[] = %s; _stp_map_delete_slice(&global_%s, k, %uu); }",
				  keys, arr->name, wild_mask(n->u.index.keys));
		else
			emit_line(x->e, "{ union _stp_key k[] = %s; _stp_map_delete(&global_%s, k); }",
				  keys, arr->name);
		return;
	}
	sym = n->kind == AST_IDENT ? n->u.ident.sym : NULL;
	if (!sym) {
		XL_INTERNAL(x->s, "delete needs a variable or an array element");
		return;
	}
	if (sym->n_keys > 0)
		emit_line(x->e, "_stp_map_clear(&global_%s);", sym->name);
	else if (sym->type == TYPE_STATS)
		emit_line(x->e, "_stp_statvar_clear(&global_%s);", sym->name);
	else if (sym->type == TYPE_STRING)
		emit_line(x->e, "%s[0] = '\\0';", xl_sym(x, sym));
	else
		emit_line(x->e, "%s = 0;", xl_sym(x, sym));
}

void gl_stat_add(struct xlate *x, struct ast_node *target, const char *val)
{
	struct symbol *sym = elab_base_sym(target);

	if (!sym || sym->kind != SYM_GLOBAL || sym->type != TYPE_STATS) {
		XL_INTERNAL(x->s, "<<< needs a global statistic");
		return;
	}
	if (target->kind == AST_IDENT) {
		emit_line(x->e, "_stp_statvar_add(&global_%s, %s);", sym->name, val);
		return;
	}
	{
		const char *keys = gl_keys(x, sym, target->u.index.keys);

		emit_line(x->e, "{ union _stp_key k[] = %s;", keys);
		x->e->indent++;
		emit_open(x->e, "if (unlikely(_stp_map_add_stat(&global_%s, k, %s)))", sym->name, val);
		emit_line(x->e, "c->base.last_stmt = %s;", xl_where(x, &target->loc));
		emit_line(x->e, "_stp_error(&c->base, \"%s\");", overflow_msg(x, sym));
		emit_line(x->e, "goto %s;", x->err_label);
		emit_close(x->e, "}");
		emit_close(x->e, "}");
	}
}

const char *gl_stat_fetch(struct xlate *x, struct ast_node *operand)
{
	struct symbol *sym = elab_base_sym(operand);

	if (!sym || sym->kind != SYM_GLOBAL || sym->type != TYPE_STATS) {
		XL_INTERNAL(x->s, "statistic operators need a global statistic");
		return "NULL";
	}
	if (operand->kind == AST_IDENT) {
		emit_line(x->e, "_stp_statvar_get(&global_%s, &c->base.stat);", sym->name);
	} else {
		const char *keys = gl_keys(x, sym, operand->u.index.keys);

		emit_line(x->e, "{ union _stp_key k[] = %s; _stp_map_get_stat(&global_%s, k, &c->base.stat); }",
			  keys, sym->name);
	}
	return arena_printf(&x->s->arena, "&global_%s_hist", sym->name);
}

const char *gl_stat_op(struct xlate *x, struct ast_node *n)
{
	const char *t;

	if (n->u.stat.op == STAT_HIST_LINEAR || n->u.stat.op == STAT_HIST_LOG) {
		XL_INTERNAL(x->s, "a histogram as a value");
		return "0";
	}
	gl_stat_fetch(x, n->u.stat.operand);
	t = xl_tmp(x, TYPE_LONG);
	emit_line(x->e, "c->base.last_stmt = %s;", xl_where(x, &n->loc));
	emit_line(x->e, "%s = _stp_stat_extract(&c->base, &c->base.stat, %d);", t, (int)n->u.stat.op);
	xl_check(x);
	return t;
}

/* ---- foreach ----------------------------------------------------------------------- */

static void assign_local(struct xlate *x, struct ast_node *var, const char *val)
{
	struct symbol *sym = var->u.ident.sym;

	if (!sym)
		return;
	if (sym->n_keys > 0) {
		XL_INTERNAL(x->s, "a foreach variable cannot be an array");
		return;
	}
	xl_store(x, sym->type, xl_sym(x, sym), val);
}

static void foreach_hist(struct xlate *x, struct ast_node *n, int id)
{
	struct ast_node *hs = n->u.foreach.array;
	const char *hist;
	int brk;

	if (n->u.foreach.keys && n->u.foreach.keys->next) {
		XL_INTERNAL(x->s, "a histogram has one index");
		return;
	}
	hist = gl_stat_fetch(x, hs->u.stat.operand);
	/* the aggregate is copied: the body may use c->base.stat */
	sb_printf(x->frame, "\tint64_t fe%d[STP_MAX_BUCKETS];\n\tint64_t fen%d, fei%d;\n", id, id, id);
	emit_line(x->e, "l->fen%d = _stp_hist_nbuckets(%s);", id, hist);
	emit_line(x->e, "memcpy(l->fe%d, c->base.stat.buckets, sizeof(l->fe%d));", id, id);
	emit_open(x->e, "for (l->fei%d = 0; l->fei%d < l->fen%d; l->fei%d++)", id, id, id, id);
	emit_line(x->e, "if (!l->fe%d[l->fei%d]) continue;", id, id);
	xl_stmt_prologue(x, n);
	if (n->u.foreach.keys)
		assign_local(x, n->u.foreach.keys, arena_printf(&x->s->arena, "l->fei%d", id));
	if (n->u.foreach.value)
		assign_local(x, n->u.foreach.value,
			     arena_printf(&x->s->arena, "l->fe%d[l->fei%d]", id, id));
	brk = xl_loop_body(x, n->u.foreach.body);
	emit_close(x->e, "}");
	xl_loop_end(x, brk);
}

/* foreach (... in a[k1, *]): the slice's keys, evaluated once before the loop into
 * the frame; returns their union _stp_key initializer. A limit then counts matching
 * entries in the loop, so the collection itself is unlimited (*limit becomes -1). */
static const char *foreach_slice_keys(struct xlate *x, const struct symbol *arr,
				      struct ast_node *n, int id, const char **limit)
{
	struct strbuf sb = { 0 };
	struct ast_node *k;
	const char *out;
	int i = 0;

	if (n->u.foreach.limit) {
		sb_printf(x->frame, "\tint64_t fel%d, fec%d;\n", id, id);
		emit_line(x->e, "l->fel%d = %s; l->fec%d = 0;", id, *limit, id);
		*limit = "-1";
	}
	sb_puts(&sb, "{ ");
	for (k = n->u.foreach.slice; k; k = k->next, i++) {
		bool str = i < arr->n_keys && arr->key_types[i] == TYPE_STRING;

		if (k->kind == AST_NULL) {
			sb_printf(&sb, "%s{ .l = 0 }", i ? ", " : "");
			continue;
		}
		if (str) {
			sb_printf(x->frame, "\tchar fes%d_%d[MAXSTRINGLEN];\n", id, i);
			emit_line(x->e, "_stp_scpy(l->fes%d_%d, %s);", id, i, xl_expr(x, k));
			sb_printf(&sb, "%s{ .s = l->fes%d_%d }", i ? ", " : "", id, i);
		} else {
			sb_printf(x->frame, "\tint64_t fes%d_%d;\n", id, i);
			emit_line(x->e, "l->fes%d_%d = %s;", id, i, xl_expr(x, k));
			sb_printf(&sb, "%s{ .l = l->fes%d_%d }", i ? ", " : "", id, i);
		}
	}
	sb_puts(&sb, " }");
	out = arena_strdup(&x->s->arena, sb.buf);
	sb_free(&sb);
	return out;
}

void gl_foreach(struct xlate *x, struct ast_node *n)
{
	int id = x->n_labels++, i, brk;
	struct symbol *arr;
	struct ast_node *k;
	const char *limit = "-1", *cap, *slice = NULL;

	if (n->u.foreach.array->kind == AST_STAT) {
		foreach_hist(x, n, id);
		return;
	}
	arr = array_of(x, n->u.foreach.array);
	if (!arr)
		return;
	if (n->u.foreach.limit)
		limit = xl_expr(x, n->u.foreach.limit);
	if (n->u.foreach.slice)
		slice = foreach_slice_keys(x, arr, n, id, &limit);
	cap = arr->global->size > 0 ? arena_printf(&x->s->arena, "%" PRId64, arr->global->size)
				    : "MAXMAPENTRIES";
	sb_printf(x->frame, "\tu32 fe%d[%s];\n\tu32 fen%d, fei%d;\n", id, cap, id, id);
	emit_line(x->e, "l->fen%d = _stp_map_collect(&global_%s, l->fe%d, %d, %d, %s);", id,
		  arr->name, id,
		  n->u.foreach.sort_aggr ? -n->u.foreach.sort_aggr : n->u.foreach.sort_key,
		  n->u.foreach.sort_dir ? n->u.foreach.sort_dir : 1,
		  limit);
	emit_open(x->e, "for (l->fei%d = 0; l->fei%d < l->fen%d; l->fei%d++)", id, id, id, id);
	emit_line(x->e, "void *e = _stp_map_entry(&global_%s, l->fe%d[l->fei%d]);", arr->name, id, id);
	emit_line(x->e, "if (!e) continue;");
	if (slice) {
		/* only the entries the slice matches; limit counts those */
		emit_line(x->e, "{ union _stp_key k[] = %s; if (!_stp_entry_match(&global_%s, e, k, %uu)) continue; }",
			  slice, arr->name, wild_mask(n->u.foreach.slice));
		if (n->u.foreach.limit)
			emit_line(x->e, "if (l->fel%d >= 0 && l->fec%d++ >= l->fel%d) break;", id, id, id);
	}
	xl_stmt_prologue(x, n);
	for (k = n->u.foreach.keys, i = 0; k; k = k->next, i++)
		assign_local(x, k, arena_printf(&x->s->arena, "_stp_entry_key_%s(&global_%s, e, %d)",
						arr->key_types[i] == TYPE_STRING ? "s" : "l",
						arr->name, i));
	if (n->u.foreach.value) {
		if (arr->type == TYPE_STATS)
			XL_INTERNAL(x->s, "foreach value of a statistic array");
		else
			assign_local(x, n->u.foreach.value,
				     arena_printf(&x->s->arena, "_stp_entry_val_%s(&global_%s, e)",
						  arr->type == TYPE_STRING ? "s" : "l", arr->name));
	}
	brk = xl_loop_body(x, n->u.foreach.body);
	emit_close(x->e, "}");
	xl_loop_end(x, brk);
}

/* ---- printing globals never read --------------------------------------------------- */

int gl_emit_autoprint(struct session *s, struct emitter *e)
{
	const struct symbol *g;
	struct strbuf locks = { 0 };
	int n = 0;

	for (g = s->prog.global_syms; g; g = g->next)
		if (g->autoprint)
			sb_printf(&locks, "\t\t{ &global_%s_lock, true },\n", g->name), n++;
	if (!n)
		return 0;
	emit_open(e, "static void probe_autoprint(struct _stp_context *base)");
	emit_line(e, "static const struct _stp_lockreq locks[] = {");
	emit_raw(e, locks.buf);
	emit_line(e, "};");
	emit_line(e, "if (!_stp_lock_all(locks, ARRAY_SIZE(locks))) return;");
	for (g = s->prog.global_syms; g; g = g->next) {
		if (!g->autoprint)
			continue;
		if (g->n_keys > 0)
			emit_line(e, "_stp_map_print(&global_%s);", g->name);
		else if (g->type == TYPE_STATS)
			emit_line(e, "_stp_statvar_print(\"%s\", &global_%s);", g->name, g->name);
		else if (g->type == TYPE_STRING)
			emit_line(e, "_stp_printf(\"%s=\\\"%%s\\\"\\n\", global_%s);", g->name, g->name);
		else
			emit_line(e, "_stp_printf(\"%s=%%lld\\n\", (long long)global_%s);", g->name, g->name);
	}
	emit_line(e, "_stp_unlock_all(locks, ARRAY_SIZE(locks));");
	emit_close(e, "}");
	sb_free(&locks);
	return 1;
}
