/*
 * netfilter.hook(...).pf(...) probes (tapsets/netfilter.c): one nf_hook_ops per
 * probe, registered in the initial network namespace at START and unregistered at
 * the end (nf_unregister_net_hook waits for running hook functions). A hit runs the
 * probe with c->data pointing at the packet, the hook state and the verdict; the
 * hook returns NF_DROP if the handler (-g) set $verdict to it, else NF_ACCEPT, so a
 * script never steals, queues or repeats a packet.
 */
#ifndef _STP_LINUX_NETFILTER_H
#define _STP_LINUX_NETFILTER_H

#include <linux/netfilter.h>
#include <linux/skbuff.h>
#include <net/net_namespace.h>

struct _stp_nf_hit {
	struct sk_buff *skb;
	const struct nf_hook_state *state;
	long verdict;			/* $verdict, NF_ACCEPT unless the handler sets it */
};

struct _stp_nf_hook {
	const struct _stp_probe *probe;
	int pf, hooknum, priority;
	struct nf_hook_ops ops;
	bool registered;
};

static inline unsigned int _stp_nf_hook_fn(void *priv, struct sk_buff *skb,
				    const struct nf_hook_state *state)
{
	const struct _stp_nf_hook *h = priv;
	struct _stp_nf_hit hit = { .skb = skb, .state = state, .verdict = NF_ACCEPT };
	struct _stp_context *c = _stp_probe_enter(h->probe);

	if (!c)
		return NF_ACCEPT;
	c->data = (char *)&hit;
	h->probe->fn(c);
	c->data = NULL;
	_stp_probe_leave(c);
	return hit.verdict == NF_DROP ? NF_DROP : NF_ACCEPT;
}

static inline void _stp_nf_exit(struct _stp_nf_hook *v, size_t n)
{
	size_t i;

	for (i = n; i-- > 0;)
		if (v[i].registered) {
			nf_unregister_net_hook(&init_net, &v[i].ops);
			v[i].registered = false;
		}
}

static inline int _stp_nf_init(struct _stp_nf_hook *v, size_t n)
{
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		/* a family the kernel has no hooks for: the kernel would WARN */
		if ((v[i].pf == NFPROTO_IPV6 && !IS_ENABLED(CONFIG_IPV6)) ||
		    (v[i].pf == NFPROTO_ARP && !IS_ENABLED(CONFIG_NETFILTER_FAMILY_ARP)) ||
		    (v[i].pf == NFPROTO_BRIDGE && !IS_ENABLED(CONFIG_NETFILTER_FAMILY_BRIDGE))) {
			_stp_nf_exit(v, i);
			return -EAFNOSUPPORT;
		}
		v[i].ops.hook = _stp_nf_hook_fn;
		v[i].ops.priv = &v[i];
		v[i].ops.pf = (u_int8_t)v[i].pf;
		v[i].ops.hooknum = (unsigned int)v[i].hooknum;
		v[i].ops.priority = v[i].priority;
		rc = nf_register_net_hook(&init_net, &v[i].ops);
		if (rc) {
			_stp_nf_exit(v, i);
			return rc;
		}
		v[i].registered = true;
	}
	return 0;
}

#endif
