/* netfilter.hook("HOOK").pf("PF")[.priority("N")] (also .pf(...).hook(...)): a
 * netfilter hook function the module registers in the initial network namespace
 * (nf_register_net_hook) for protocol family PF at hook HOOK, with priority N
 * (default 0). The handler sees $hooknum, $skb, $in, $out (net_device addresses or
 * 0), $okfn (0) and $verdict, NF_ACCEPT unless the handler sets it: writing $verdict
 * needs -g, and only NF_DROP and NF_ACCEPT take effect (any other value accepts).
 * The tapset's aliases (netfilter.ip.local_in, ...) stand on these points. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "tapsets/family.h"
#include "translate/emit.h"

struct nf_probe {
	int pf;			/* NFPROTO_* */
	int hook;		/* hook number within the family */
	long priority;
};

static const struct pp_shape nf_shapes[] = {
	{ { PP_NAME("netfilter"), PP_ARG("hook", PP_ARG_STRING), PP_ARG("pf", PP_ARG_STRING),
	    PP_OPT("priority", PP_ARG_STRING) } },
	{ { PP_NAME("netfilter"), PP_ARG("pf", PP_ARG_STRING), PP_ARG("hook", PP_ARG_STRING),
	    PP_OPT("priority", PP_ARG_STRING) } },
};

struct nf_name {
	const char *name;
	int value;
};

/* the protocol families whose hooks a module may register (6.1: hooks_ipv4,
 * hooks_ipv6, hooks_arp, hooks_bridge) and how many hooks each has */
static const struct nf_name nf_pfs[] = {
	{ "NFPROTO_IPV4", 2 }, { "PF_INET", 2 }, { "AF_INET", 2 },
	{ "NFPROTO_ARP", 3 }, { "PF_ARP", 3 },
	{ "NFPROTO_BRIDGE", 7 }, { "PF_BRIDGE", 7 }, { "AF_BRIDGE", 7 },
	{ "NFPROTO_IPV6", 10 }, { "PF_INET6", 10 }, { "AF_INET6", 10 },
};

static const struct nf_name nf_hooks[] = {
	{ "NF_INET_PRE_ROUTING", 0 }, { "NF_INET_LOCAL_IN", 1 }, { "NF_INET_FORWARD", 2 },
	{ "NF_INET_LOCAL_OUT", 3 }, { "NF_INET_POST_ROUTING", 4 },
	{ "NF_IP_PRE_ROUTING", 0 }, { "NF_IP_LOCAL_IN", 1 }, { "NF_IP_FORWARD", 2 },
	{ "NF_IP_LOCAL_OUT", 3 }, { "NF_IP_POST_ROUTING", 4 },
	{ "NF_IP6_PRE_ROUTING", 0 }, { "NF_IP6_LOCAL_IN", 1 }, { "NF_IP6_FORWARD", 2 },
	{ "NF_IP6_LOCAL_OUT", 3 }, { "NF_IP6_POST_ROUTING", 4 },
	{ "NF_ARP_IN", 0 }, { "NF_ARP_OUT", 1 }, { "NF_ARP_FORWARD", 2 },
	{ "NF_BR_PRE_ROUTING", 0 }, { "NF_BR_LOCAL_IN", 1 }, { "NF_BR_FORWARD", 2 },
	{ "NF_BR_LOCAL_OUT", 3 }, { "NF_BR_POST_ROUTING", 4 },
};

static const struct nf_name nf_prios[] = {
	{ "NF_IP_PRI_FIRST", INT_MIN }, { "NF_IP_PRI_LAST", INT_MAX },
	{ "NF_IP6_PRI_FIRST", INT_MIN }, { "NF_IP6_PRI_LAST", INT_MAX },
	{ "NF_BR_PRI_FIRST", INT_MIN }, { "NF_BR_PRI_LAST", INT_MAX },
};

/* a name of the table or a decimal number in [lo, hi]; false if neither */
static bool nf_value(const char *s, const struct nf_name *t, size_t n, long lo, long hi,
		     long *out)
{
	char *end;
	size_t i;
	long v;

	for (i = 0; i < n; i++)
		if (!strcmp(s, t[i].name)) {
			*out = t[i].value;
			return true;
		}
	errno = 0;
	v = strtol(s, &end, 0);
	if (!*s || *end || errno || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

#define N_OF(t) (sizeof(t) / sizeof((t)[0]))

static int nf_derive(struct session *s, const struct probe_point *pp, const struct pp_match *m,
		     struct derived_probe *dp)
{
	struct nf_probe *p = arena_alloc(&s->arena, sizeof(*p));
	int ih = m->shape == 0 ? 1 : 2, ipf = m->shape == 0 ? 2 : 1;
	const char *hook = pp_match_str(m, ih, ""), *pf = pp_match_str(m, ipf, "");
	const char *prio = pp_match_str(m, 3, "0");
	long v, n_hooks;

	if (!nf_value(pf, nf_pfs, N_OF(nf_pfs), 0, 255, &v) ||
	    (v != 2 && v != 3 && v != 7 && v != 10)) {
		diag_error(s, &m->comps[ipf]->arg->loc,
			   "netfilter protocol family '%s' is not one of NFPROTO_IPV4, NFPROTO_IPV6, NFPROTO_ARP, NFPROTO_BRIDGE",
			   pf);
		return -1;
	}
	p->pf = (int)v;
	n_hooks = p->pf == 3 ? 3 : 5;
	if (!nf_value(hook, nf_hooks, N_OF(nf_hooks), 0, n_hooks - 1, &v) || v >= n_hooks) {
		diag_error(s, &m->comps[ih]->arg->loc,
			   "netfilter hook '%s' does not exist in protocol family '%s'", hook, pf);
		return -1;
	}
	p->hook = (int)v;
	if (!nf_value(prio, nf_prios, N_OF(nf_prios), INT_MIN, INT_MAX, &p->priority)) {
		diag_error(s, &m->comps[3]->arg->loc, "netfilter priority '%s' is not a number", prio);
		return -1;
	}
	dp->priv = p;
	(void)pp;
	return 1;
}

/* the context variables: probe locals the prologue fills from the hook's arguments */
static const char *const nf_vars[] = { "hooknum", "skb", "in", "out", "okfn", "verdict" };

static const char *local_of(struct session *s, const char *var)
{
	return strtab_intern(&s->arena, arena_printf(&s->arena, "__nf_%s", var));
}

static int nf_context_var(struct session *s, struct derived_probe *dp, const char *name,
			  struct ast_node *n)
{
	const struct srcloc loc = n->loc;
	struct symbol *sym;
	size_t i;

	for (i = 0; i < N_OF(nf_vars); i++)
		if (name[0] == '$' && !strcmp(name + 1, nf_vars[i]))
			break;
	if (i == N_OF(nf_vars))
		return 0;
	if (n->u.target.comps || n->u.target.addr) {
		diag_error(s, &loc, "%s is a number: it has no members and no address", name);
		return -1;
	}
	memset(&n->u, 0, sizeof(n->u));
	if (!strcmp(nf_vars[i], "verdict") && !s->opt.guru) {
		/* readable, and an assignment to a call is refused as a target write */
		n->kind = AST_CALL;
		n->u.call.name = strtab_intern(&s->arena, "__nf_verdict");
		return 1;
	}
	n->kind = AST_IDENT;
	n->u.ident.name = local_of(s, nf_vars[i]);
	sym = elab_probe_local(s, dp, n->u.ident.name, &loc);
	if (sym->type == TYPE_UNKNOWN) {
		sym->type = TYPE_LONG;
		sym->type_loc = loc;
	}
	sym->written = true;
	return 1;
}

static void nf_prologue(struct session *s, struct emitter *e, const struct derived_probe *dp)
{
	static const char *const init[] = {
		"h->state->hook", "(long)h->skb", "(long)h->state->in", "(long)h->state->out",
		"0", "h->verdict",
	};
	bool any = false;
	size_t i;

	for (i = 0; i < N_OF(nf_vars); i++) {
		if (!elab_probe_find_local(dp, local_of(s, nf_vars[i])))
			continue;
		if (!any)
			emit_line(e, "const struct _stp_nf_hit *h = (const void *)c->base.data;");
		any = true;
		emit_line(e, "l->l___nf_%s = %s;", nf_vars[i], init[i]);
	}
}

static void nf_epilogue(struct session *s, struct emitter *e, const struct derived_probe *dp)
{
	if (s->opt.guru && elab_probe_find_local(dp, local_of(s, "verdict")))
		emit_line(e, "((struct _stp_nf_hit *)(void *)c->base.data)->verdict = l->l___nf_verdict;");
}

static void nf_decls(struct session *s, struct emitter *e, struct derived_probe *const *probes,
		     int n)
{
	int i;

	(void)s;
	emit_line(e, "#include \"linux/stp_netfilter.h\"");
	emit_open(e, "static struct _stp_nf_hook _stp_nf_hooks[] =");
	for (i = 0; i < n; i++) {
		const struct nf_probe *p = probes[i]->priv;

		emit_line(e, "{ .probe = STP_PROBE_%d, .pf = %d, .hooknum = %d, .priority = %ld },",
			  probes[i]->id, p->pf, p->hook, p->priority);
	}
	emit_close(e, "};");
}

const struct probe_family netfilter_family = {
	.name = "netfilter", .kind = FAMILY_EVENT, .shapes = nf_shapes,
	.n_shapes = N_OF(nf_shapes), .derive = nf_derive, .emit_decls = nf_decls,
	.init_call = "rc = _stp_nf_init(_stp_nf_hooks, ARRAY_SIZE(_stp_nf_hooks));",
	.exit_call = "_stp_nf_exit(_stp_nf_hooks, ARRAY_SIZE(_stp_nf_hooks));",
	.context_var = nf_context_var, .emit_prologue = nf_prologue,
	.emit_epilogue = nf_epilogue,
};
