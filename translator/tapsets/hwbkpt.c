/* kernel.data(ADDRESS).write / .rw and kernel.data("SYMBOL").write / .rw, with
 * .length(N) (1, 2, 4 or 8 bytes, default 1) before .write/.rw: a hardware
 * watchpoint on every CPU (register_wide_hw_breakpoint) whose hits run the probe
 * after the access. A symbol is a kernel data symbol from the debug info, moved by
 * the kernel's KASLR offset at run time; a number is used as it is. A machine
 * without free debug registers makes the module fail to start. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "dwarf/dwarf.h"
#include "tapsets/family.h"
#include "translate/emit.h"

struct hw_probe {
	uint64_t addr;
	bool reloc;		/* a symbol's link-time address */
	bool rw;		/* .rw, else .write */
	int64_t len;
	const char *what;	/* for messages */
};

static const char *const hw_points[] = {
	"kernel.data(number).write", "kernel.data(number).rw",
	"kernel.data(number).length(number).write", "kernel.data(number).length(number).rw",
	"kernel.data(string).write", "kernel.data(string).rw",
	"kernel.data(string).length(number).write", "kernel.data(string).length(number).rw",
	NULL,
};

/* kernel . data(A) [. length(N)] . write|rw */
static int hw_match(struct session *s, const struct probe_point *pp, struct derived_probe *dp)
{
	const struct pp_comp *c = pp->comps, *data, *len = NULL;
	struct hw_probe *h;

	if (!c || strcmp(c->name, "kernel") || c->has_arg || !(data = c->next) ||
	    strcmp(data->name, "data"))
		return 0;
	c = data->next;
	if (c && !strcmp(c->name, "length")) {
		len = c;
		c = c->next;
	}
	if (!data->arg || (data->arg->kind != AST_NUMBER && data->arg->kind != AST_STRING)) {
		diag_error(s, &pp->loc, "kernel.data takes an address or a symbol name");
		return -1;
	}
	if ((len && (!len->arg || len->arg->kind != AST_NUMBER)) || !c || c->next || c->has_arg ||
	    (strcmp(c->name, "write") && strcmp(c->name, "rw"))) {
		diag_error(s, &pp->loc,
			   "kernel.data(...) takes [.length(N)] then .write or .rw");
		return -1;
	}
	h = arena_alloc(&s->arena, sizeof(*h));
	h->rw = !strcmp(c->name, "rw");
	h->len = len ? len->arg->u.num : 1;
	if (h->len != 1 && h->len != 2 && h->len != 4 && h->len != 8) {
		diag_error(s, &pp->loc, "kernel.data length must be 1, 2, 4 or 8, not %" PRId64,
			   h->len);
		return -1;
	}
	if (data->arg->kind == AST_NUMBER) {
		h->addr = (uint64_t)data->arg->u.num;
		h->what = arena_printf(&s->arena, "0x%" PRIx64, h->addr);
	} else {
		const char *name = data->arg->u.str;
		struct dw_object *k = dw_kernel(s, &pp->loc);
		const struct dw_sym *sym;

		if (!k)
			return -1;
		if (dw_syms_load(k) || !(sym = dw_sym_by_name(k, name))) {
			diag_error(s, &pp->loc, "kernel.data(\"%s\"): no such symbol in the kernel",
				   name);
			return -1;
		}
		h->addr = sym->addr;
		h->reloc = true;
		h->what = name;
	}
	if (h->addr % (uint64_t)h->len) {
		diag_error(s, &pp->loc, "kernel.data: %s is not aligned to its length %" PRId64,
			   h->what, h->len);
		return -1;
	}
	dp->priv = h;
	return 1;
}

static void hw_decls(struct session *s, struct emitter *e, struct derived_probe *const *probes,
		     int n)
{
	const struct dw_sym *anchor = NULL;
	int i;

	emit_line(e, "#include \"linux/stp_hwbkpt.h\"");
	for (i = 0; i < n; i++)
		if (((const struct hw_probe *)probes[i]->priv)->reloc && s->kern.dw &&
		    s->kern.dw->kernel.dw)
			anchor = dw_sym_by_name(&s->kern.dw->kernel, DW_RELOC_ANCHOR);
	emit_line(e, "static const unsigned long _stp_hw_anchor_link = 0x%llxUL;",
		  (unsigned long long)(anchor ? anchor->addr : 0));
	emit_open(e, "static struct _stp_hwbkpt _stp_hwbkpts[] =");
	for (i = 0; i < n; i++) {
		const struct hw_probe *h = probes[i]->priv;
		char *what = emit_cstr(h->what);

		emit_line(e, "{ .probe = STP_PROBE_%d, .addr = 0x%" PRIx64 "UL, .reloc = %d, .len = %" PRId64 ", .rw = %d, .what = %s },",
			  probes[i]->id, h->addr, h->reloc, h->len, h->rw, what);
		free(what);
	}
	emit_close(e, "};");
}

static void hw_init(struct session *s, struct emitter *e, struct derived_probe *const *probes,
		    int n)
{
	(void)s;
	(void)probes;
	(void)n;
	emit_line(e, "rc = _stp_hwbkpt_init(_stp_hwbkpts, ARRAY_SIZE(_stp_hwbkpts),");
	emit_line(e, "\t_stp_hw_anchor_link ? (unsigned long)&%s - _stp_hw_anchor_link : 0);",
		  DW_RELOC_ANCHOR);
}

const struct probe_family hwbkpt_family = {
	.name = "kernel.data", .kind = FAMILY_EVENT, .points = hw_points, .match = hw_match,
	.emit_decls = hw_decls, .emit_init = hw_init,
	.exit_call = "_stp_hwbkpt_exit(_stp_hwbkpts, ARRAY_SIZE(_stp_hwbkpts));",
};
