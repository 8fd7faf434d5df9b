// SPDX-License-Identifier: GPL-2.0
/*
 * Netfilter hooks that create an extension record the first time a packet
 * of a conntrack entry is seen, and keep its per-direction counters.
 *
 * IPv4 and IPv6, PRE_ROUTING and LOCAL_OUT, right after conntrack
 * (NF_IP_PRI_CONNTRACK + 1) so skb->_nfct is set; in every netns through
 * pernet ops.  We never hold a conntrack reference ourselves and never drop
 * or delay a packet: every path returns NF_ACCEPT, allocation failures are
 * counted (alloc_failed).  Conntrack must be active in the namespace (some
 * rule or module called nf_ct_netns_get); we do not force it on.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include "ctdiag.h"

static unsigned int ctdiag_pkt_hook(void *priv, struct sk_buff *skb,
				    const struct nf_hook_state *state)
{
	enum ip_conntrack_info ctinfo;
	struct nf_conn *ct;
	u64 t0;

	if (ctdiag_is_stopping())
		return NF_ACCEPT;
	ct = nf_ct_get(skb, &ctinfo);
	if (!ct || nf_ct_is_template(ct))
		return NF_ACCEPT;
	/*
	 * Loopback hands the same skb, ct attached, from LOCAL_OUT to
	 * PRE_ROUTING of the same netns; nf_conntrack_in() skips it there
	 * and so do we, or every packet would count twice.  (veth scrubs
	 * _nfct, so the peer namespace gets a ct of its own.)
	 */
	if (state->hook == NF_INET_PRE_ROUTING && state->in &&
	    (state->in->flags & IFF_LOOPBACK))
		return NF_ACCEPT;
	t0 = ctdiag_probe_enter(CTDIAG_PROBE_PKT_HOOK);

	/* nf_hook_slow() runs us under rcu_read_lock. */
	ctdiag_ext_pkt(ct, state->hook == NF_INET_LOCAL_OUT ?
		       CTDIAG_ALLOC_LOCAL_OUT : CTDIAG_ALLOC_PRE_ROUTING,
		       CTINFO2DIR(ctinfo), skb->len);
	ctdiag_probe_exit(CTDIAG_PROBE_PKT_HOOK, t0);
	return NF_ACCEPT;
}

/* IPv4 and IPv6, each right after its family's conntrack hook. */
#define CTDIAG_PKT_HOOK(family, num, prio) \
	{ .hook = ctdiag_pkt_hook, .pf = (family), .hooknum = (num), \
	  .priority = (prio) + 1 }

static const struct nf_hook_ops ctdiag_nf_ops[] = {
	CTDIAG_PKT_HOOK(NFPROTO_IPV4, NF_INET_PRE_ROUTING, NF_IP_PRI_CONNTRACK),
	CTDIAG_PKT_HOOK(NFPROTO_IPV4, NF_INET_LOCAL_OUT, NF_IP_PRI_CONNTRACK),
	CTDIAG_PKT_HOOK(NFPROTO_IPV6, NF_INET_PRE_ROUTING, NF_IP6_PRI_CONNTRACK),
	CTDIAG_PKT_HOOK(NFPROTO_IPV6, NF_INET_LOCAL_OUT, NF_IP6_PRI_CONNTRACK),
};

static int __net_init ctdiag_net_init(struct net *net)
{
	return nf_register_net_hooks(net, ctdiag_nf_ops,
				     ARRAY_SIZE(ctdiag_nf_ops));
}

/*
 * Unhook in pre_exit: cleanup_net() and unregister_pernet_subsys() run a
 * synchronize_rcu() between pre_exit and exit, so by the time .exit_batch
 * walks the store no hook can still be adding a record for this
 * namespace (and API users cannot: store.c refuses dying namespaces).
 */
static void __net_exit ctdiag_net_pre_exit(struct net *net)
{
	nf_unregister_net_hooks(net, ctdiag_nf_ops, ARRAY_SIZE(ctdiag_nf_ops));
}

static void __net_exit ctdiag_net_exit_batch(struct list_head *nets)
{
	/* At unload the store frees everything itself, as UNLOAD. */
	if (!ctdiag_is_stopping())
		ctdiag_store_netns_exit_batch(nets);
}

static struct pernet_operations ctdiag_net_ops = {
	.init		= ctdiag_net_init,
	.pre_exit	= ctdiag_net_pre_exit,
	.exit_batch	= ctdiag_net_exit_batch,
};

static bool hooks_registered;

int ctdiag_hooks_init(void)
{
	int ret = register_pernet_subsys(&ctdiag_net_ops);

	hooks_registered = !ret;
	return ret;
}

void ctdiag_hooks_exit(void)
{
	if (hooks_registered)
		unregister_pernet_subsys(&ctdiag_net_ops);
	hooks_registered = false;
}
