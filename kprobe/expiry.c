// SPDX-License-Identifier: GPL-2.0
/*
 * Idle expiry (module parameter idle_timeout, seconds, 0 = off): a delayed
 * work every idle_timeout/4 (at least 1 s) frees records no packet touched
 * for idle_timeout, classified as
 *   orphan: their conntrack is gone (a destroy we missed: the leak that
 *           intercept=hook has, caught by the safety net), or
 *   idle:   the conntrack still exists.
 * The record's ct pointer may be freed and reused (SLAB_TYPESAFE_BY_RCU),
 * so it is never dereferenced: we look the saved tuple up in the saved
 * netns with nf_conntrack_find_get() (which takes a reference) and compare
 * pointer and id.  The reference is dropped with no lock of ours held --
 * the put may run nf_ct_destroy() and so our destroy handlers.
 *
 * Limit: a missed destroy whose nf_conn was reused by a new ct with the
 * same tuple, master and netns has the same id; if no packet of the new ct
 * has passed our hook yet (which would free the record as stale), the
 * record is classified idle, not orphan.
 *
 * Miss sweeps: a destroy that an interception path saw but could not
 * handle (ctdiag_destroy_missed()) leaves a record that may be an orphan.
 * It makes the worker run SWEEP_GRACE after the miss, whatever
 * idle_timeout is (also 0), and free as orphan every record untouched for
 * SWEEP_GRACE whose conntrack is gone; records of live conntracks stay
 * unless idle expiry wants them anyway.  The grace keeps the records of
 * conntracks not yet in the table (unconfirmed, their first packet still
 * on its way) out of it; one held unconfirmed longer than that (an
 * NFQUEUE verdict that takes seconds) would lose its record, which the
 * next packet then allocates again.  The callback that misses cannot
 * queue work (it may run with any lock held), so an irq_work does.
 *
 * The table is walked in batches of buckets under rcu_read_lock only
 * (not at all while it is empty);
 * candidates are freed one by one under their bucket lock after a
 * re-check, with cond_resched() between batches: fine with a million
 * records.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/irq_work.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>
#include <net/netfilter/nf_conntrack_core.h>
#include <net/netfilter/nf_conntrack_tuple.h>
#include "ctdiag.h"

#define EXP_BATCH	256	/* candidates per batch */
#define EXP_BUCKETS	128	/* buckets scanned per batch at most */

struct exp_cand {
	const struct nf_conn *ct;	/* identity only, never dereferenced */
	struct net *net;		/* referenced, or NULL: netns dying */
	u64 created;
	u32 id;
	struct nf_conntrack_zone zone;
	struct nf_conntrack_tuple orig;
	struct nf_conntrack_tuple reply;
};

struct exp_batch {
	struct exp_cand *c;
	unsigned int n;
	u64 deadline;
};

#define SWEEP_GRACE	(2 * NSEC_PER_SEC)

static void exp_run(struct work_struct *work);
static void miss_irq(struct irq_work *w);
/* Static: a miss may come before ctdiag_expiry_init() (intercept first). */
static DECLARE_DELAYED_WORK(exp_work, exp_run);
static DEFINE_IRQ_WORK(miss_irq_work, miss_irq);
static struct exp_cand *exp_cands;
static unsigned long exp_interval;	/* jiffies; 0 = no idle expiry */
static atomic_t sweep_asked;		/* a miss wants a sweep */
static u64 last_miss_ns;		/* tick boot clock of the latest miss */

static unsigned long sweep_delay(void)
{
	return nsecs_to_jiffies(SWEEP_GRACE) + 2;
}

static void miss_irq(struct irq_work *w)
{
	/* Before init finished: ctdiag_expiry_init() looks at sweep_asked. */
	if (READ_ONCE(exp_cands) && !ctdiag_is_stopping())
		mod_delayed_work(system_wq, &exp_work, sweep_delay());
}

void ctdiag_destroy_missed(int probe)
{
	CTDIAG_INC(probe_missed[probe]);
	WRITE_ONCE(last_miss_ns, ctdiag_tick_boot_ns());
	/* ctdiag_expiry_exit() waits for us with synchronize_rcu(): the
	 * caller has preemption off. */
	if (!ctdiag_is_stopping() && !atomic_xchg(&sweep_asked, 1))
		irq_work_queue(&miss_irq_work);
}

static void exp_collect(struct ctdiag_ext *rec, void *arg)
{
	struct exp_batch *bt = arg;
	struct exp_cand *c;

	if (bt->n >= EXP_BATCH)
		return;		/* the next run gets it */
	if ((s64)(READ_ONCE(rec->last_seen_ns) - bt->deadline) >= 0)
		return;
	c = &bt->c[bt->n++];
	c->ct = rec->ct;
	c->created = rec->created_boot_ns;
	c->id = rec->id;
	c->zone = rec->nf_zone;
	c->orig = rec->nf_orig;
	ctdiag_ext_read_reply(rec, NULL, &c->reply);
	/* rec is in the table, so its netns has not passed our pernet exit
	 * (which waits for RCU readers like us before the netns is freed). */
	c->net = maybe_get_net((struct net *)rec->net);
}

static bool exp_ct_alive(struct exp_cand *c)
{
	const struct nf_conntrack_tuple *t[2] = { &c->orig, &c->reply };
	int i;

	for (i = 0; i < 2; i++) {
		struct nf_conntrack_tuple_hash *h;
		struct nf_conn *found;
		bool same;

		/*
		 * A NAT_CLASH loser has only its reply tuple hashed: its
		 * original tuple finds the winner, a different ct.  So a
		 * miss on either tuple is not yet an answer; only both are.
		 */
		h = nf_conntrack_find_get(c->net, &c->zone, t[i]);
		if (!h)
			continue;
		found = nf_ct_tuplehash_to_ctrack(h);
		same = found == c->ct && ctdiag_ct_id(found) == c->id;
		nf_ct_put(found);
		if (same)
			return true;
	}
	return false;
}

static void exp_run(struct work_struct *work)
{
	unsigned int nb = ctdiag_store_nbuckets(), b = 0, i, k;
	u64 now = ktime_get_boot_fast_ns();
	bool sweep = atomic_xchg(&sweep_asked, 0);
	bool idle = ctdiag_idle_timeout;
	/* Boot-clock deadlines; they may wrap below 0 after a recent boot,
	 * so they are compared as signed differences only. */
	u64 idle_deadline = now - (ctdiag_test_idle_ms ?
		(u64)ctdiag_test_idle_ms * NSEC_PER_MSEC :
		(u64)ctdiag_idle_timeout * NSEC_PER_SEC);
	u64 orphan_deadline = now - SWEEP_GRACE;
	struct exp_batch bt = { .c = exp_cands };

	CTDIAG_INC(expiry_runs);
	if (sweep)
		CTDIAG_INC(miss_sweeps);
	/* Candidates: untouched since before the later of the deadlines
	 * that apply. */
	if (sweep && (!idle || (s64)(orphan_deadline - idle_deadline) > 0))
		bt.deadline = orphan_deadline;
	else
		bt.deadline = idle_deadline;
	/* An empty store (track=api without API users, an idle host) has
	 * nothing to expire: no walk of its 64 Ki buckets. */
	if (!ctdiag_store_live())
		b = nb;
	while ((idle || sweep) && b < nb && !ctdiag_is_stopping()) {
		bt.n = 0;
		for (k = 0; k < EXP_BUCKETS && b < nb &&
			    bt.n + 32 <= EXP_BATCH; k++, b++)
			ctdiag_store_walk_bucket(b, exp_collect, &bt);
		for (i = 0; i < bt.n; i++) {
			struct exp_cand *c = &bt.c[i];

			if (c->net && exp_ct_alive(c)) {
				if (idle)
					ctdiag_ext_expire(c->ct, c->created,
						idle_deadline,
						CTDIAG_FREE_EXPIRY_IDLE);
			} else {
				ctdiag_ext_expire(c->ct, c->created,
						  bt.deadline,
						  CTDIAG_FREE_EXPIRY_ORPHAN);
			}
			if (c->net)
				put_net(c->net);
		}
		cond_resched();
	}
	if (ctdiag_is_stopping())
		return;
	/* Records of misses in the last SWEEP_GRACE were too young. */
	if (sweep && (s64)(READ_ONCE(last_miss_ns) - orphan_deadline) >= 0 &&
	    !atomic_xchg(&sweep_asked, 1))
		mod_delayed_work(system_wq, &exp_work, sweep_delay());
	else if (exp_interval)
		schedule_delayed_work(&exp_work, exp_interval);
}

int ctdiag_expiry_init(void)
{
	exp_cands = kvcalloc(EXP_BATCH, sizeof(*exp_cands), GFP_KERNEL);
	if (!exp_cands)
		return -ENOMEM;
	if (ctdiag_idle_timeout) {
		exp_interval = max_t(unsigned long, HZ,
			(unsigned long)ctdiag_idle_timeout * HZ / 4);
		if (ctdiag_test_idle_ms)
			exp_interval = max_t(unsigned long, 1,
				msecs_to_jiffies(ctdiag_test_idle_ms) / 2);
		schedule_delayed_work(&exp_work, exp_interval);
	}
	if (atomic_read(&sweep_asked))
		mod_delayed_work(system_wq, &exp_work, sweep_delay());
	return 0;
}

/* Safe after a failed ctdiag_expiry_init() too.  ctdiag_stopping is set:
 * no new miss queues anything once the callbacks that may not have seen
 * it are over (synchronize_rcu), then the irq_work and the work stop. */
void ctdiag_expiry_exit(void)
{
	synchronize_rcu();
	irq_work_sync(&miss_irq_work);
	cancel_delayed_work_sync(&exp_work);
	kvfree(exp_cands);
	exp_cands = NULL;
	exp_interval = 0;
	atomic_set(&sweep_asked, 0);
}
