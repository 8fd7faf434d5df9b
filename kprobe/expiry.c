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
 * The table is walked in batches of buckets under rcu_read_lock only;
 * candidates are freed one by one under their bucket lock after a
 * re-check, with cond_resched() between batches: fine with a million
 * records.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

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

static struct delayed_work exp_work;
static struct exp_cand *exp_cands;
static unsigned long exp_interval;

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
	u64 timeout = (u64)ctdiag_idle_timeout * NSEC_PER_SEC;
	struct exp_batch bt = { .c = exp_cands };

	CTDIAG_INC(expiry_runs);
	bt.deadline = ktime_get_boot_fast_ns() - timeout;
	while (b < nb && !ctdiag_is_stopping()) {
		bt.n = 0;
		for (k = 0; k < EXP_BUCKETS && b < nb &&
			    bt.n + 32 <= EXP_BATCH; k++, b++)
			ctdiag_store_walk_bucket(b, exp_collect, &bt);
		for (i = 0; i < bt.n; i++) {
			struct exp_cand *c = &bt.c[i];
			bool alive = c->net && exp_ct_alive(c);

			ctdiag_ext_expire(c->ct, c->created, bt.deadline,
					  alive ? CTDIAG_FREE_EXPIRY_IDLE :
						  CTDIAG_FREE_EXPIRY_ORPHAN);
			if (c->net)
				put_net(c->net);
		}
		cond_resched();
	}
	if (!ctdiag_is_stopping())
		schedule_delayed_work(&exp_work, exp_interval);
}

int ctdiag_expiry_init(void)
{
	if (!ctdiag_idle_timeout)
		return 0;
	exp_cands = kvcalloc(EXP_BATCH, sizeof(*exp_cands), GFP_KERNEL);
	if (!exp_cands)
		return -ENOMEM;
	exp_interval = max_t(unsigned long, HZ,
			     (unsigned long)ctdiag_idle_timeout * HZ / 4);
	INIT_DELAYED_WORK(&exp_work, exp_run);
	schedule_delayed_work(&exp_work, exp_interval);
	return 0;
}

void ctdiag_expiry_exit(void)
{
	if (!exp_cands)
		return;
	cancel_delayed_work_sync(&exp_work);
	kvfree(exp_cands);
	exp_cands = NULL;
}
