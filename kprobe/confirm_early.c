// SPDX-License-Identifier: GPL-2.0
/*
 * confirm_early= : confirm new UDP/UDPLITE conntrack entries before the
 * user's NFQUEUE rule sees the packet (issue 8).
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
 * Where.  Only packets that are being handed to a queue: ftrace
 * redirects calls of nf_queue() (exported; nf_hook_slow() calls it when a
 * hook returns NF_QUEUE, nf_reinject() when a verdict re-queues) to
 * ce_nf_queue(), which confirms the entry and then calls the real
 * nf_queue().  A packet no rule queues is never touched: no IPVS conntrack
 * confirmed before ip_vs_update_conntrack() can rewrite its reply tuple, no
 * entry left behind by a later DROP rule (issue 18; the old design was a
 * hook at a fixed priority that confirmed every new UDP entry).  We run
 * where the queue hook ran: inside nf_hook_slow(), under rcu_read_lock().
 * Our own call of nf_queue() is recognised by its return address
 * (parent_ip in our module text) and left alone.
 *
 * Which hooks.  POSTROUTING and LOCAL_IN only, the last hooks before the
 * confirm, and only when the queueing chain's priority is at least
 * confirm_early_prio (default NF_IP_PRI_MANGLE - 1 = -151).  A packet
 * queued in PREROUTING, OUTPUT or FORWARD still has POSTROUTING's or
 * LOCAL_IN's NAT ahead of it, which ignores confirmed entries.
 *
 * NAT and IPVS.  nf_nat_setup_info() does nothing for a confirmed entry,
 * so confirming before source NAT (NF_IP_PRI_NAT_SRC = 100) would silently
 * disable SNAT/masquerade and the null binding for that flow.  The NAT core
 * registers its hooks at exactly NF_IP_PRI_NAT_SRC in every hook of a
 * family as soon as any nat table or chain exists in the netns
 * (nf_nat_register_fn), whatever the nat chain's own priority.  IPVS hooks
 * LOCAL_IN at NF_IP_PRI_NAT_SRC - 2 and - 1 (ip_vs_reply4, ip_vs_remote_
 * request4), and with net.ipv4.vs.conntrack=1 ip_vs_update_conntrack()
 * leaves a confirmed entry's reply tuple alone.  So when an entry with a
 * priority from NF_IP_PRI_NAT_SRC - 2 to NF_IP_PRI_NAT_SRC comes after the
 * queueing hook in this netns's hook list, we leave the entry alone and
 * count skip_nat: there, only a queue rule in a chain above priority 100
 * is protected.  Conservative: any other hook at 98..100 also makes us
 * skip.

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
 * is DROP, or the queue cannot take the packet (no program bound to it and
 * no queue-bypass, queue full): the entry stays in the table, [UNREPLIED], until its UDP timeout
 * (nf_conntrack_udp_timeout, 30 s on 6.1), visible in conntrack -L, and
 * counts against nf_conntrack_max; later packets of the tuple match it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ftrace.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <net/net_namespace.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/netfilter/nf_conntrack_core.h>
#include <net/netfilter/nf_queue.h>
#include "compat.h"
#include "ctdiag.h"

static int confirm_early_prio = NF_IP_PRI_MANGLE - 1;
module_param(confirm_early_prio, int, 0444);
MODULE_PARM_DESC(confirm_early_prio,
	"confirm_early= protects packets queued in POSTROUTING or LOCAL_IN by a chain at this priority or higher (default -151, range -399..2147483646)");

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

/* This netns's hook list for the packet's hook, in execution order. */
static const struct nf_hook_entries *ce_hooks(const struct nf_hook_state *state)
{
	switch (state->pf) {
	case NFPROTO_IPV4:
		return rcu_dereference(state->net->nf.hooks_ipv4[state->hook]);
#if IS_ENABLED(CONFIG_IPV6)
	case NFPROTO_IPV6:
		return rcu_dereference(state->net->nf.hooks_ipv6[state->hook]);
#endif
	default:
		return NULL;
	}
}

/*
 * May the entry be confirmed now, with the packet queued by hook entry
 * @index?  Sets *prio to that entry's priority.  Returns false (and
 * counts skip_nat) when a NAT or IPVS hook (priority 98..100) follows it.
 */
static bool ce_may_confirm(const struct nf_hook_state *state,
			   unsigned int index, int *prio)
{
	const struct nf_hook_entries *e = ce_hooks(state);
	struct nf_hook_ops **ops;
	unsigned int i;

	/* The list may have been replaced since the hook ran: then the
	 * index means nothing, and we do nothing. */
	if (!e || index >= e->num_hook_entries)
		return false;
	ops = nf_hook_entries_get_hook_ops(e);
	*prio = ops[index]->priority;
	if (*prio < confirm_early_prio)
		return false;
	for (i = index + 1; i < e->num_hook_entries; i++) {
		if (ops[i]->priority >= NF_IP_PRI_NAT_SRC - 2 &&
		    ops[i]->priority <= NF_IP_PRI_NAT_SRC) {
			CE_INC(skip_nat);
			return false;
		}
	}
	return true;
}

static void ce_emit(const struct nf_conn *ct, u16 result, u32 prev_id,
		    const struct nf_hook_state *state, int prio)
{
	struct ctdiag_event ev;

	ctdiag_event_init(&ev, CTDIAG_EV_CONFIRM_EARLY);
	ctdiag_event_from_ct(&ev, ct);
	ev.u.confirm_early.result = result;
	ev.u.confirm_early.hook = state->hook;
	ev.u.confirm_early.priority = prio;
	ev.u.confirm_early.prev_id = prev_id;
	ctdiag_ring_emit(&ev);
}

/*
 * Confirm the packet's new entry before it is queued.  Returns false if
 * the packet must not be queued: the kernel's confirm killed the entry
 * after inserting it (the real confirm would have dropped the packet).
 */
static bool ce_confirm(struct sk_buff *skb, const struct nf_hook_state *state,
		       unsigned int index)
{
	enum ip_conntrack_info ctinfo;
	struct nf_conn *ct, *now;
	u32 prev_id = 0;
	int prio = 0;
	bool want;
	u16 result;
	int ret;

	if (state->hook != NF_INET_POST_ROUTING &&
	    state->hook != NF_INET_LOCAL_IN)
		return true;
	ct = nf_ct_get(skb, &ctinfo);
	/* Only a new entry in its original direction; templates (raw-table
	 * CT targets with conntrack inactive) are not entries. */
	if (!ct || nf_ct_is_confirmed(ct) || nf_ct_is_template(ct) ||
	    CTINFO2DIR(ctinfo) != IP_CT_DIR_ORIGINAL)
		return true;
	if (!ce_proto_wanted(nf_ct_protonum(ct)) || ctdiag_is_stopping())
		return true;
	if (!ce_may_confirm(state, index, &prio))
		return true;

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
		/* Nothing was changed: let the packet be queued unconfirmed
		 * so the real confirm decides, as without us. */
		result = CTDIAG_CE_RES_FAILED;
		CE_INC(failed);
		ret = NF_ACCEPT;
	}
	if (want && now)
		ce_emit(now, result, prev_id, state, prio);
	return ret == NF_ACCEPT;
}

/* Called instead of nf_queue(), with its arguments (see ce_ftrace()). */
static int ce_nf_queue(struct sk_buff *skb, struct nf_hook_state *state,
		       unsigned int index, unsigned int verdict)
{
	int ret;

	if (!ce_confirm(skb, state, index)) {
		/* As nf_queue() does with a packet it cannot queue; 0 tells
		 * nf_hook_slow() the skb is gone. */
		kfree_skb(skb);
		return 0;
	}
	ret = nf_queue(skb, state, index, verdict);
	/* Not a tail call: ce_ftrace() must see this module as the caller. */
	barrier();
	return ret;
}

static void notrace ce_ftrace(unsigned long ip, unsigned long parent_ip,
			      struct ftrace_ops *op, struct ftrace_regs *fregs)
{
	if (within_module(parent_ip, THIS_MODULE))
		return;		/* ce_nf_queue() calling the real one */
	ctdiag_ftrace_set_ip(fregs, (unsigned long)ce_nf_queue);
}

static struct ftrace_ops ce_fops = {
	.func	= ce_ftrace,
	.flags	= FTRACE_OPS_FL_IPMODIFY | CTDIAG_FTRACE_FL_REGS,
};

static int ce_attach(void)
{
	int ret;

	ret = ftrace_set_filter_ip(&ce_fops, (unsigned long)nf_queue, 0, 0);
	if (ret)
		return ret;
	ret = register_ftrace_function(&ce_fops);
	if (ret)
		ftrace_set_filter_ip(&ce_fops, (unsigned long)nf_queue, 1, 0);
	return ret;
}

int ctdiag_confirm_early_init(void)
{
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

	if (CTDIAG_FEATURE_TRY(CTDIAG_FEAT_CONFIRM_EARLY, ce_attach(),
			       "ftrace nf_queue (confirm_early)"))
		return 0;	/* the rest of the module works without it */
	ce_registered = true;
	pr_info("confirm_early: udp=%d udplite=%d for packets queued in POSTROUTING and LOCAL_IN at priority %d or higher\n",
		!!(ctdiag_confirm_early_mask & CTDIAG_CE_UDP),
		!!(ctdiag_confirm_early_mask & CTDIAG_CE_UDPLITE),
		confirm_early_prio);
	return 0;
}

void ctdiag_confirm_early_exit(void)
{
	if (!ce_registered)
		return;
	/* After this no new call reaches ce_nf_queue(); calls already in it
	 * run inside the caller's rcu_read_lock() (nf_hook_slow(),
	 * nf_reinject()): wait for them before our text goes away. */
	unregister_ftrace_function(&ce_fops);
	ftrace_set_filter_ip(&ce_fops, (unsigned long)nf_queue, 1, 0);
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
