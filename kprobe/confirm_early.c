// SPDX-License-Identifier: GPL-2.0
/*
 * confirm_early= : confirm new UDP/UDPLITE conntrack entries before the
 * user's NFQUEUE rule sees the packet (issue 8; the fix chosen in seed 002).
 *
 * Why: a packet held in NFQUEUE carries an *unconfirmed* entry.  Every
 * further packet of the same tuple sent meanwhile creates another one
 * (nf_ct_key_equal() only matches confirmed entries), and when the held
 * packets come back the confirms collide: clash_resolve or, when it cannot
 * be resolved, insert_failed + drop.  On old kernels (< 5.19, e.g. CentOS
 * 7/8) the merge then leads to the nf_ct_deliver_cached_events
 * use-after-free fixed by 56b14ecec97f.  Confirming the entry before the
 * packet is queued makes the next packet of the flow find it, so no second
 * entry is created and the confirm after the verdict is a no-op.
 *
 * Entry point.  The kernel's confirm hook (ipv4_confirm/ipv6_confirm at
 * NF_IP_PRI_CONNTRACK_CONFIRM) calls nf_confirm(), which first runs the
 * entry's conntrack helper (helper->help) and TCP sequence adjustment
 * (seqadj) and only then nf_conntrack_confirm().  Those two must run
 * exactly once, on the packet as it finally leaves, after NAT and after
 * the verdict (which may mangle it): running nf_confirm() here would run
 * them twice.  nf_ct_hook->confirm is the bare __nf_conntrack_confirm()
 * without the event delivery and without re-reading skb->_nfct.  So we call
 * the inline nf_conntrack_confirm() from nf_conntrack_core.h: the kernel's
 * own insertion and clash resolution (__nf_conntrack_confirm, exported GPL
 * from nf_conntrack.ko), then the re-fetch of skb->_nfct (56b14ecec97f,
 * present in 6.1), then delivery of the cached NEW event, so conntrack -E
 * reports the entry when it appears in the table.  At the real confirm,
 * nf_confirm() runs helper/seqadj as always and nf_conntrack_confirm()
 * sees IPS_CONFIRMED and only delivers events.
 *
 * Priority.  confirm_early_prio= (default NF_IP_PRI_MANGLE - 1 = -151) in
 * POSTROUTING and LOCAL_IN, IPv4 and IPv6.  Queue rules whose chain
 * priority is greater (iptables mangle -150, filter 0, security 50, nft
 * chains at those priorities or later) are protected; a chain at exactly
 * the same priority runs before or after us by registration order; rules in
 * PREROUTING, OUTPUT or FORWARD queue the packet before it reaches these
 * hooks and are not protected.
 *
 * NAT.  nf_nat_setup_info() does nothing for a confirmed entry, so
 * confirming before source NAT (POSTROUTING/LOCAL_IN, NF_IP_PRI_NAT_SRC =
 * 100) would silently disable SNAT/masquerade and the null binding for that
 * flow.  The NAT core registers its hooks at exactly NF_IP_PRI_NAT_SRC in
 * every hook of a family as soon as any nat table or chain exists in the
 * netns (nf_nat_register_fn), whatever the nat chain's own priority.  So
 * when an entry at priority NF_IP_PRI_NAT_SRC comes after ours in this
 * netns's hook list we leave the entry alone and count skip_nat: in such a
 * netns only a priority above 100 (e.g. confirm_early_prio=101) protects,
 * and then only queue rules above it.  Conservative: any other hook at 100
 * also makes us skip.
 *
 * Other rules between us and the confirm that only act on unconfirmed
 * entries (nft "ct helper set", "ct expectation set", adding the event
 * mask extension) are ignored by the kernel for early-confirmed entries.
 *
 * Failure.  If the early confirm returns NF_DROP (the winner is dying, an
 * unresolvable NAT reply clash, chain too long, extension genid changed),
 * __nf_conntrack_confirm() has not touched the skb or its entry, so we
 * return NF_ACCEPT and the packet goes on exactly as without the
 * mitigation: the real confirm later decides against the table as it is
 * then.  Side effect: conntrack -S counts that attempt (insert_failed,
 * drop) once more if the real confirm fails again.  Only if the entry was
 * inserted and then killed (extension genid changed after insertion) do we
 * return the kernel's NF_DROP, as the real confirm would have.
 *
 * Trade-off.  The entry exists before user space decides.  If the verdict
 * is DROP, the entry stays in the table, [UNREPLIED], until its UDP timeout
 * (nf_conntrack_udp_timeout, 30 s on 6.1), visible in conntrack -L, and
 * counts against nf_conntrack_max; later packets of the tuple match it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/netfilter/nf_conntrack_core.h>
#include "ctdiag.h"

static int confirm_early_prio = NF_IP_PRI_MANGLE - 1;
module_param(confirm_early_prio, int, 0444);
MODULE_PARM_DESC(confirm_early_prio,
	"Hook priority of confirm_early= in POSTROUTING and LOCAL_IN; protects queue rules at higher priorities (default -151, range -399..2147483646)");

/* Our own outcome counters; confirm_early itself is in ctdiag_pcpu. */
struct ce_pcpu {
	u64 merged;
	u64 failed;
	u64 dropped;
	u64 skip_nat;
};
static DEFINE_PER_CPU(struct ce_pcpu, ce_pcpu);
#define CE_INC(field)	this_cpu_inc(ce_pcpu.field)

static bool ce_registered;

static unsigned int ce_hook(void *priv, struct sk_buff *skb,
			    const struct nf_hook_state *state);

static bool ce_proto_wanted(u8 protonum)
{
	unsigned int mask = READ_ONCE(ctdiag_confirm_early_mask);

	switch (protonum) {
	case IPPROTO_UDP:
		return mask & CTDIAG_CE_UDP;
	case IPPROTO_UDPLITE:
		return mask & CTDIAG_CE_UDPLITE;
	default:
		return false;
	}
}

/*
 * Does a hook at NF_IP_PRI_NAT_SRC (the NAT core's source-NAT hook) run
 * after ours for this packet?  Walk this netns's hook list for the hook we
 * are in; it is in execution order.  We run inside nf_hook_slow() under
 * rcu_read_lock().
 */
static bool ce_nat_follows(const struct nf_hook_state *state)
{
	const struct nf_hook_entries *e = NULL;
	struct nf_hook_ops **ops;
	bool after_us = false;
	unsigned int i;

	switch (state->pf) {
	case NFPROTO_IPV4:
		e = rcu_dereference(state->net->nf.hooks_ipv4[state->hook]);
		break;
#if IS_ENABLED(CONFIG_IPV6)
	case NFPROTO_IPV6:
		e = rcu_dereference(state->net->nf.hooks_ipv6[state->hook]);
		break;
#endif
	default:
		return true;
	}
	if (!e)
		return false;
	ops = nf_hook_entries_get_hook_ops(e);
	for (i = 0; i < e->num_hook_entries; i++) {
		if (ops[i]->hook == ce_hook) {
			after_us = true;
			continue;
		}
		if (after_us && ops[i]->priority == NF_IP_PRI_NAT_SRC)
			return true;
	}
	return false;
}

static void ce_emit(const struct nf_conn *ct, u16 result, u32 prev_id,
		    const struct nf_hook_state *state)
{
	struct ctdiag_event ev;

	ctdiag_event_init(&ev, CTDIAG_EV_CONFIRM_EARLY);
	ctdiag_event_from_ct(&ev, ct);
	ev.u.confirm_early.result = result;
	ev.u.confirm_early.hook = state->hook;
	ev.u.confirm_early.priority = confirm_early_prio;
	ev.u.confirm_early.prev_id = prev_id;
	ctdiag_ring_emit(&ev);
}

static unsigned int ce_hook(void *priv, struct sk_buff *skb,
			    const struct nf_hook_state *state)
{
	enum ip_conntrack_info ctinfo;
	struct nf_conn *ct, *now;
	u32 prev_id = 0;
	bool want;
	u16 result;
	int ret;

	ct = nf_ct_get(skb, &ctinfo);
	/* Only a new entry in its original direction; templates (raw-table
	 * CT targets with conntrack inactive) are not entries. */
	if (!ct || nf_ct_is_confirmed(ct) || nf_ct_is_template(ct) ||
	    CTINFO2DIR(ctinfo) != IP_CT_DIR_ORIGINAL)
		return NF_ACCEPT;
	if (!ce_proto_wanted(nf_ct_protonum(ct)) || ctdiag_is_stopping())
		return NF_ACCEPT;
	if (ce_nat_follows(state)) {
		CE_INC(skip_nat);
		return NF_ACCEPT;
	}

	want = ctdiag_ring_wants(CTDIAG_EV_CONFIRM_EARLY);
	/* After a merge the old entry may be freed: take its id now. */
	if (want)
		prev_id = ctdiag_ct_id(ct);

	ret = nf_conntrack_confirm(skb);
	now = nf_ct_get(skb, &ctinfo);

	if (ret == NF_ACCEPT) {
		if (now == ct) {
			/* Inserted (also as a reply-only NAT_CLASH entry). */
			result = CTDIAG_CE_RES_CONFIRMED;
			CTDIAG_INC(confirm_early);
		} else {
			/* Another CPU confirmed the same tuple first; the
			 * kernel moved the skb to that entry (clash_resolve,
			 * also seen by the clash recorder). */
			result = CTDIAG_CE_RES_MERGED;
			CE_INC(merged);
		}
	} else if (now && nf_ct_is_confirmed(now)) {
		/* Inserted, then killed (ext genid changed): the real
		 * confirm would have dropped it too. */
		result = CTDIAG_CE_RES_DROPPED;
		CE_INC(dropped);
	} else {
		/* Nothing was changed: let the packet continue unconfirmed
		 * so the real confirm decides, as without us. */
		result = CTDIAG_CE_RES_FAILED;
		CE_INC(failed);
		ret = NF_ACCEPT;
	}
	if (want && now)
		ce_emit(now, result, prev_id, state);
	return ret;
}

static struct nf_hook_ops ce_ops[] = {
	{
		.hook		= ce_hook,
		.pf		= NFPROTO_IPV4,
		.hooknum	= NF_INET_POST_ROUTING,
	},
	{
		.hook		= ce_hook,
		.pf		= NFPROTO_IPV4,
		.hooknum	= NF_INET_LOCAL_IN,
	},
#if IS_ENABLED(CONFIG_IPV6)
	{
		.hook		= ce_hook,
		.pf		= NFPROTO_IPV6,
		.hooknum	= NF_INET_POST_ROUTING,
	},
	{
		.hook		= ce_hook,
		.pf		= NFPROTO_IPV6,
		.hooknum	= NF_INET_LOCAL_IN,
	},
#endif
};

static int __net_init ce_net_init(struct net *net)
{
	return nf_register_net_hooks(net, ce_ops, ARRAY_SIZE(ce_ops));
}

/* Note: the kernel drops every packet queued in NFQUEUE in this netns on
 * any hook unregistration (nf_queue_nf_hook_drop()), ours included. */
static void __net_exit ce_net_exit(struct net *net)
{
	nf_unregister_net_hooks(net, ce_ops, ARRAY_SIZE(ce_ops));
}

static struct pernet_operations ce_net_ops = {
	.init = ce_net_init,
	.exit = ce_net_exit,
};

int ctdiag_confirm_early_init(void)
{
	unsigned int i;
	int ret;

	/* Below -400 would precede defrag in other hooks' terms and means
	 * nothing here; INT_MAX is the confirm itself. */
	if (confirm_early_prio < NF_IP_PRI_CONNTRACK_DEFRAG + 1 ||
	    confirm_early_prio >= NF_IP_PRI_CONNTRACK_CONFIRM) {
		pr_err("invalid confirm_early_prio=%d: must be %d..%d (below the conntrack confirm at %d)\n",
		       confirm_early_prio, NF_IP_PRI_CONNTRACK_DEFRAG + 1,
		       NF_IP_PRI_CONNTRACK_CONFIRM - 1,
		       NF_IP_PRI_CONNTRACK_CONFIRM);
		return -EINVAL;
	}
	if (!ctdiag_confirm_early_mask)
		return 0;

	for (i = 0; i < ARRAY_SIZE(ce_ops); i++)
		ce_ops[i].priority = confirm_early_prio;
	ret = CTDIAG_FEATURE_TRY(CTDIAG_FEAT_CONFIRM_EARLY,
				 register_pernet_subsys(&ce_net_ops),
				 "register_pernet_subsys(confirm_early hooks)");
	if (ret)
		return 0;	/* the rest of the module works without it */
	ce_registered = true;
	pr_info("confirm_early: udp=%d udplite=%d at priority %d in POSTROUTING and LOCAL_IN\n",
		!!(ctdiag_confirm_early_mask & CTDIAG_CE_UDP),
		!!(ctdiag_confirm_early_mask & CTDIAG_CE_UDPLITE),
		confirm_early_prio);
	return 0;
}

void ctdiag_confirm_early_exit(void)
{
	if (!ce_registered)
		return;
	/* Unregisters the hooks in every netns; each unregistration frees
	 * the old hook blob by call_rcu, which does not wait for CPUs still
	 * inside ce_hook().  Wait for them before our text goes away. */
	unregister_pernet_subsys(&ce_net_ops);
	synchronize_rcu();
	ce_registered = false;
}

void ctdiag_confirm_early_counters(struct ctdiag_counters *c)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		const struct ce_pcpu *p = per_cpu_ptr(&ce_pcpu, cpu);

		c->confirm_early_merged += p->merged;
		c->confirm_early_failed += p->failed;
		c->confirm_early_dropped += p->dropped;
		c->confirm_early_skip_nat += p->skip_nat;
	}
}
