// SPDX-License-Identifier: GPL-2.0
/*
 * Confirm-collision probes (kprobe/README.md, "Confirm collisions").
 *
 *  - kretprobe nf_conntrack:nf_ct_resolve_clash (static, __cold noinline):
 *    every confirm-time clash.  At entry the skb's unconfirmed ct (the
 *    loser) is alive and the winner is hashed under the bucket lock we run
 *    under, so both are copied then.  At return the outcome is read from
 *    what skb->_nfct points to; after a merge the loser has been freed
 *    (nf_ct_put -> nf_ct_destroy inside the call), so it is only compared
 *    as an integer, never dereferenced.
 *  - kretprobe __nf_conntrack_confirm: NF_DROP without a clash (dying ct,
 *    ext genid, chain too long, ext_valid_post).
 *  - kretprobe nf_conntrack:nf_conntrack_update: on 6.1 a re-injected
 *    NFQUEUE packet whose unconfirmed ct duplicates a confirmed one is
 *    silently moved onto the existing entry, no counter bumped (removed in
 *    6.12 by 8af79d3edb5f).
 *  - kretprobe nfnetlink_queue:nfqnl_recv_verdict{,_batch}, registered
 *    whenever that module is live (a module notifier follows it coming and
 *    going): remembers the queue number of the verdict the current task is
 *    processing, so the events above can name it.
 *
 * The handlers run with BH off and (resolve_clash) two conntrack bucket
 * locks held: they take no locks, allocate nothing and never sleep; the
 * only shared state is per-CPU counters and the lockless ring.
 * nf_conntrack_register_notifier is not used on purpose (one slot per
 * netns, owned by ctnetlink; no events for unconfirmed cts or losers).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hash.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/skbuff.h>
#include "ctdiag.h"
#include "trace.h"

#define NFQ_UNKNOWN	0xffff

/* Which task is inside an NFQUEUE verdict on this CPU, and for which
 * queue: the reinject path (nf_conntrack_update, confirm) runs inside it. */
struct nfq_slot {
	const struct task_struct *task;
	u16 queue;
};
static DEFINE_PER_CPU(struct nfq_slot, nfq_slot);

static u16 nfq_current_queue(void)
{
	const struct nfq_slot *s = this_cpu_ptr(&nfq_slot);

	return s->task == current ? s->queue : NFQ_UNKNOWN;
}

/*
 * Clash drops also make __nf_conntrack_confirm return NF_DROP; mark the
 * skb so the confirm probe does not count them a second time.  A small
 * table keyed by skb address: both probes see the same skb in one call.
 */
#define DROP_MARK_BITS	6
static unsigned long drop_mark[1 << DROP_MARK_BITS];

static void drop_mark_set(const struct sk_buff *skb)
{
	WRITE_ONCE(drop_mark[hash_ptr(skb, DROP_MARK_BITS)],
		   (unsigned long)skb);
}

static bool drop_mark_take(const struct sk_buff *skb)
{
	unsigned long *m = &drop_mark[hash_ptr(skb, DROP_MARK_BITS)];

	return cmpxchg(m, (unsigned long)skb, 0) == (unsigned long)skb;
}

static void probe_time(int probe, u64 t0)
{
	CTDIAG_ADD(probe_ns[probe], local_clock() - t0);
}

/* Entry handlers: count the hit; false when ctdiag is unloading (the
 * handler then returns 1: no return handler for this call). */
static bool probe_enter(int probe)
{
	CTDIAG_INC(probe_hits[probe]);
	return !ctdiag_is_stopping();
}

/* A kretprobe on SYM whose entry handler keeps a struct CTX per call. */
#define CLASH_KRETPROBE(var, sym, entry, ret, ctx)			\
	static struct kretprobe var = {					\
		.kp.symbol_name	= sym,					\
		.entry_handler	= entry,				\
		.handler	= ret,					\
		.data_size	= sizeof(struct ctx),			\
	}

/* nf_ct_resolve_clash ------------------------------------------------ */

struct clash_ctx {
	struct sk_buff *skb;
	unsigned long loser;	/* compared only: freed after a merge */
	unsigned long winner;
	bool want;		/* ev is being built */
	bool ring;		/* ... and goes to the ring */
	struct ctdiag_event ev;
};

static void fill_winner(struct ctdiag_event *ev, const struct nf_conn *w)
{
	ev->u.clash.winner_id = ctdiag_ct_id(w);
	ev->u.clash.winner_status = READ_ONCE(w->status);
	ctdiag_tuple_from_nf(&ev->u.clash.winner_orig,
			     &w->tuplehash[IP_CT_DIR_ORIGINAL].tuple);
}

/* Entry: remember the skb and its (unconfirmed) ct, and start the event
 * while the ct is certainly alive, if a reader wants this type. */
static void clash_begin(struct clash_ctx *c, struct sk_buff *skb,
			struct nf_conn *ct, u16 type)
{
	c->skb = skb;
	c->loser = (unsigned long)ct;
	/* the event is built for the ring and for the trace event */
	c->ring = ctdiag_ring_wants(type);
	c->want = c->ring || trace_clash_enabled();
	if (c->want) {
		ctdiag_event_init(&c->ev, type);
		ctdiag_event_from_ct(&c->ev, ct);
		c->ev.u.clash.queue = nfq_current_queue();
	}
}

/* Return: the ct the skb holds now (the loser, the winner, another). */
static struct nf_conn *clash_now(const struct clash_ctx *c)
{
	enum ip_conntrack_info ctinfo;

	return nf_ct_get(c->skb, &ctinfo);
}

/* Return: count the outcome and emit the event begun at entry. */
static void clash_end(struct clash_ctx *c, unsigned int outcome, int probe,
		      u64 t0)
{
	CTDIAG_INC(clash[outcome]);
	if (c->want) {
		c->ev.u.clash.outcome = outcome;
		trace_clash(c->ev.ct_id, c->ev.u.clash.winner_id, c->ev.netns,
			    outcome, c->ev.u.clash.queue, c->ev.protonum);
		if (c->ring)
			ctdiag_ring_emit(&c->ev);
	}
	probe_time(probe, t0);
}

static int resolve_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct clash_ctx *c = (struct clash_ctx *)ri->data;
	struct sk_buff *skb = (void *)regs_get_kernel_argument(regs, 0);
	struct nf_conntrack_tuple_hash *h =
		(void *)regs_get_kernel_argument(regs, 1);
	enum ip_conntrack_info ctinfo;
	struct nf_conn *loser, *winner;
	u64 t0 = local_clock();

	if (!probe_enter(CTDIAG_PROBE_RESOLVE_CLASH))
		return 1;
	loser = nf_ct_get(skb, &ctinfo);
	if (!loser || !h)
		return 1;
	winner = nf_ct_tuplehash_to_ctrack(h);
	clash_begin(c, skb, loser, CTDIAG_EV_CLASH);
	c->winner = (unsigned long)winner;
	if (c->want)
		fill_winner(&c->ev, winner);
	probe_time(CTDIAG_PROBE_RESOLVE_CLASH, t0);
	return 0;
}

static int resolve_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct clash_ctx *c = (struct clash_ctx *)ri->data;
	u64 t0 = local_clock();
	struct nf_conn *now = clash_now(c);
	unsigned int outcome;

	if ((unsigned int)regs_return_value(regs) != NF_ACCEPT) {
		outcome = CTDIAG_CLASH_DROPPED;
		drop_mark_set(c->skb);
	} else if ((unsigned long)now == c->winner) {
		outcome = CTDIAG_CLASH_MERGED;
	} else if ((unsigned long)now == c->loser) {
		/* inserted reply-only; the loser is alive and confirmed */
		outcome = CTDIAG_CLASH_NAT_CLASH;
		/* only its (post-NAT) reply tuple finds it: expiry needs it */
		ctdiag_ext_refresh_ct(now);
		if (c->want)
			c->ev.status = READ_ONCE(now->status);
	} else {
		/* merged into the entry matching the loser's reply tuple;
		 * the skb holds a reference on it */
		outcome = CTDIAG_CLASH_MERGED_OTHER;
		if (c->want && now)
			c->ev.u.clash.other_id = ctdiag_ct_id(now);
	}
	clash_end(c, outcome, CTDIAG_PROBE_RESOLVE_CLASH, t0);
	return 0;
}

CLASH_KRETPROBE(resolve_krp, "nf_conntrack:nf_ct_resolve_clash",
		resolve_entry, resolve_ret, clash_ctx);

/* __nf_conntrack_confirm --------------------------------------------- */

struct confirm_ctx {
	struct sk_buff *skb;
};

static int confirm_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct confirm_ctx *c = (struct confirm_ctx *)ri->data;

	if (!probe_enter(CTDIAG_PROBE_CONFIRM))
		return 1;
	c->skb = (void *)regs_get_kernel_argument(regs, 0);
	return 0;
}

static int confirm_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct confirm_ctx *c = (struct confirm_ctx *)ri->data;
	enum ip_conntrack_info ctinfo;
	struct ctdiag_event ev;
	struct nf_conn *ct;
	u64 t0;

	if ((unsigned int)regs_return_value(regs) != NF_DROP)
		return 0;
	if (drop_mark_take(c->skb))
		return 0;	/* a clash drop, already recorded */
	t0 = local_clock();
	CTDIAG_INC(confirm_drop);
	/* The caller frees the skb only after we return: its ct is alive. */
	ct = nf_ct_get(c->skb, &ctinfo);
	if (ct && ctdiag_ring_wants(CTDIAG_EV_CONFIRM_DROP)) {
		ctdiag_event_init(&ev, CTDIAG_EV_CONFIRM_DROP);
		ctdiag_event_from_ct(&ev, ct);
		ctdiag_ring_emit(&ev);
	}
	probe_time(CTDIAG_PROBE_CONFIRM, t0);
	return 0;
}

CLASH_KRETPROBE(confirm_krp, "__nf_conntrack_confirm",
		confirm_entry, confirm_ret, confirm_ctx);

/* nf_conntrack_update (NFQUEUE reinject) ----------------------------- */

static int update_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct clash_ctx *c = (struct clash_ctx *)ri->data;
	struct sk_buff *skb = (void *)regs_get_kernel_argument(regs, 1);
	enum ip_conntrack_info ctinfo;
	struct nf_conn *ct;
	u64 t0 = local_clock();

	if (!probe_enter(CTDIAG_PROBE_UPDATE))
		return 1;
	ct = nf_ct_get(skb, &ctinfo);
	/* Only an unconfirmed ct can be swapped; the skb holds it now, but
	 * a swap frees it inside the call. */
	if (!ct || nf_ct_is_confirmed(ct))
		return 1;
	clash_begin(c, skb, ct, CTDIAG_EV_NFQ_UPDATE);
	probe_time(CTDIAG_PROBE_UPDATE, t0);
	return 0;
}

static int update_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct clash_ctx *c = (struct clash_ctx *)ri->data;
	u64 t0 = local_clock();
	struct nf_conn *now = clash_now(c);
	unsigned int outcome;

	if ((int)regs_return_value(regs) < 0)
		outcome = CTDIAG_CLASH_NFQ_DROP;
	else if ((unsigned long)now != c->loser && now)
		outcome = CTDIAG_CLASH_NFQ_SWAP;
	else
		return 0;
	if (c->want && outcome == CTDIAG_CLASH_NFQ_SWAP)
		fill_winner(&c->ev, now);
	clash_end(c, outcome, CTDIAG_PROBE_UPDATE, t0);
	return 0;
}

CLASH_KRETPROBE(update_krp, "nf_conntrack:nf_conntrack_update",
		update_entry, update_ret, clash_ctx);

/* nfqnl_recv_verdict{,_batch}: queue number of the current verdict ---- */

struct verdict_ctx {
	bool set;
};

static int verdict_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct verdict_ctx *c = (struct verdict_ctx *)ri->data;
	const struct nfnl_info *info =
		(void *)regs_get_kernel_argument(regs, 1);
	struct nfq_slot *s = this_cpu_ptr(&nfq_slot);

	c->set = false;
	if (!info || !info->nfmsg)
		return 1;
	s->task = current;
	s->queue = ntohs(info->nfmsg->res_id);
	c->set = true;
	return 0;
}

static int verdict_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct nfq_slot *s = this_cpu_ptr(&nfq_slot);

	if (s->task == current)
		s->task = NULL;
	return 0;
}

CLASH_KRETPROBE(verdict_krp, "nfnetlink_queue:nfqnl_recv_verdict",
		verdict_entry, verdict_ret, verdict_ctx);

CLASH_KRETPROBE(verdict_batch_krp, "nfnetlink_queue:nfqnl_recv_verdict_batch",
		verdict_entry, verdict_ret, verdict_ctx);

/*
 * The __nf_conntrack_confirm kretprobe runs on every new connection's
 * confirm, the hottest path we probe, and only adds CONFIRM_DROP (confirm
 * drops that are not clashes: dying entry, chain too long, ext genid).
 * Off unless confirm_probe=1: under qemu TCG, arming and disarming it while
 * traffic flows twice left a guest CPU in that function's patched entry
 * (tests/vm/24-lifecycle, 90-stress), and its per-connection cost showed in
 * make bench.  Clashes themselves are seen by the resolve_clash probe.
 */
static bool confirm_probe;
module_param(confirm_probe, bool, 0444);
MODULE_PARM_DESC(confirm_probe,
	"Also probe __nf_conntrack_confirm for non-clash confirm drops (CONFIRM_DROP events); default off");

/* The main probes, each registered on its own (a kernel that renamed or
 * inlined one loses that feature only). */
static struct {
	struct kretprobe *krp;
	unsigned int feature;
	bool on;
} main_krps[] = {
	{ &resolve_krp, CTDIAG_FEAT_CLASH },
	{ &confirm_krp, CTDIAG_FEAT_CONFIRM },
	{ &update_krp, CTDIAG_FEAT_UPDATE },
};

static struct kretprobe *verdict_krps[] = {
	&verdict_krp, &verdict_batch_krp,
};
static bool verdict_on;
static bool clash_notifier_on;
static DEFINE_MUTEX(verdict_lock);

static void verdict_probes_on(bool at_load)
{
	unsigned int i;
	int ret;

	mutex_lock(&verdict_lock);
	if (verdict_on)
		goto out;
	for (i = 0; i < ARRAY_SIZE(verdict_krps); i++) {
		/* re-registration needs a clean probe: symbol, not address */
		verdict_krps[i]->kp.addr = NULL;
		verdict_krps[i]->kp.flags = 0;
	}
	ret = register_kretprobes(verdict_krps, ARRAY_SIZE(verdict_krps));
	if (at_load && ret == -ENOENT) {
		/* nfnetlink_queue is not loaded: the notifier registers the
		 * probes when it is */
		ctdiag_feature_set(CTDIAG_FEAT_VERDICT, CTDIAG_FS_WAITING);
		goto out;
	}
	if (!ret && ctdiag_test_fail_feature(CTDIAG_FEAT_VERDICT)) {
		unregister_kretprobes(verdict_krps, ARRAY_SIZE(verdict_krps));
		ret = -ENOENT;
	}
	verdict_on = !ctdiag_feature_register(CTDIAG_FEAT_VERDICT, ret,
				"register_kretprobes(nfqnl_recv_verdict)");
out:
	mutex_unlock(&verdict_lock);
}

static void verdict_probes_off(void)
{
	mutex_lock(&verdict_lock);
	if (verdict_on) {
		unregister_kretprobes(verdict_krps, ARRAY_SIZE(verdict_krps));
		ctdiag_feature_set(CTDIAG_FEAT_VERDICT, CTDIAG_FS_WAITING);
	}
	verdict_on = false;
	mutex_unlock(&verdict_lock);
}

static int clash_module_event(struct notifier_block *nb, unsigned long action,
			      void *data)
{
	struct module *mod = data;

	if (strcmp(mod->name, "nfnetlink_queue"))
		return NOTIFY_DONE;
	if (action == MODULE_STATE_LIVE)
		verdict_probes_on(false);
	else if (action == MODULE_STATE_GOING)
		verdict_probes_off();
	return NOTIFY_DONE;
}

static struct notifier_block clash_module_nb = {
	.notifier_call = clash_module_event,
};

/* Registers each probe on its own; a probe that fails costs its feature
 * (reported by ctdiag_feature_register), never the module. */
void ctdiag_clash_init(void)
{
	int maxactive = max_t(int, 64, 4 * num_possible_cpus());
	unsigned int i;
	char what[64];
	int ret;

	for (i = 0; i < ARRAY_SIZE(verdict_krps); i++)
		verdict_krps[i]->maxactive = maxactive;
	for (i = 0; i < ARRAY_SIZE(main_krps); i++) {
		struct kretprobe *krp = main_krps[i].krp;

		main_krps[i].on = false;
		if (krp == &confirm_krp && !confirm_probe)
			continue;	/* opt-in, state stays "off" */
		krp->maxactive = maxactive;
		krp->kp.addr = NULL;
		krp->kp.flags = 0;
		krp->nmissed = 0;
		snprintf(what, sizeof(what), "register_kretprobe(%s)",
			 krp->kp.symbol_name);
		main_krps[i].on = !CTDIAG_FEATURE_TRY(main_krps[i].feature,
						      register_kretprobe(krp),
						      what);
	}
	/* nfnetlink_queue is loaded on demand: probe it now if it is live,
	 * and whenever it comes later (notifier first, so none is missed). */
	ret = register_module_notifier(&clash_module_nb);
	if (ret) {
		ctdiag_feature_register(CTDIAG_FEAT_VERDICT, ret,
					"register_module_notifier");
		clash_notifier_on = false;
		return;
	}
	clash_notifier_on = true;
	verdict_probes_on(true);
}

void ctdiag_clash_exit(void)
{
	unsigned int i;

	if (clash_notifier_on)
		unregister_module_notifier(&clash_module_nb);
	clash_notifier_on = false;
	verdict_probes_off();
	for (i = 0; i < ARRAY_SIZE(main_krps); i++) {
		struct kretprobe *krp = main_krps[i].krp;

		if (!main_krps[i].on)
			continue;
		unregister_kretprobe(krp);
		main_krps[i].on = false;
		if (krp->nmissed)
			pr_info("kretprobe %s missed %d\n", krp->kp.symbol_name,
				krp->nmissed);
	}
}

void ctdiag_clash_counters(struct ctdiag_counters *c)
{
	c->probe_nmissed[CTDIAG_PROBE_RESOLVE_CLASH] +=
		resolve_krp.nmissed + resolve_krp.kp.nmissed;
	c->probe_nmissed[CTDIAG_PROBE_CONFIRM] +=
		confirm_krp.nmissed + confirm_krp.kp.nmissed;
	c->probe_nmissed[CTDIAG_PROBE_UPDATE] +=
		update_krp.nmissed + update_krp.kp.nmissed;
}
