// SPDX-License-Identifier: GPL-2.0
/*
 * Extension store: one record per conntrack entry, keyed by the nf_conn
 * pointer, in a fixed hash table with RCU readers (packet path, snapshot,
 * expiry) and striped spinlocks for writers.
 *
 * Locking: writers take the bucket's stripe lock with interrupts off.  The
 * destroy paths call in from softirq, from process context, from inside
 * nf_ct_resolve_clash() with conntrack bucket locks held, and from a
 * kprobe handler (preemption or interrupts off); irqsave is correct in all
 * of them.  The locks are raw: on PREEMPT_RT a spinlock_t sleeps, which a
 * kprobe handler must not.  Every hold is a few list operations.
 * Nothing here ever takes a conntrack lock or drops a ct reference, so no
 * lock order with conntrack exists.
 *
 * Lifetime: a record is freed by exactly one path -- the one whose
 * ctdiag_ext_unlink() removed it from the table under the lock -- and its
 * memory goes back to the "ctdiag_ext" kmem_cache after an RCU grace
 * period, so a reader that found it may finish using it.  The freeing
 * path is an SRCU reader of ext_free_srcu from before the unlink to after
 * its call_rcu() (ext_finish_free() reads the API blobs' types): that is
 * what lets ctdiag_ext_unregister() wait for a record that its table
 * walk no longer finds, see there and kprobe/README.md.  (SRCU and not
 * plain RCU: the expiry and netns paths may be preempted or sleep there.)
 *
 * The reply tuple changes (NAT, up to confirmation) after the record is
 * published; writers change it under the bucket lock inside reply_seq,
 * readers copy it with a seqcount retry loop, never half old, half new.
 *
 * Longer than 600 lines on purpose: the table, every free path, the
 * snapshot and the exported API (ctdiag_ext.h) share these locking and
 * RCU rules, and splitting them would export the table's internals.
 * kprobe/README.md, "The store: lifetimes and locking", has the why.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hash.h>
#include <linux/mm.h>
#include <linux/rculist.h>
#include <linux/sched.h>
#include <linux/seqlock.h>
#include <linux/srcu.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <net/net_namespace.h>
#include <net/netfilter/nf_conntrack_zones.h>
#include "ctdiag.h"
#include "trace.h"
#include "ctdiag_ext.h"

#define STORE_BITS	16		/* 64 Ki buckets: ~16 per bucket at 1 M */
#define STORE_BUCKETS	(1U << STORE_BITS)
#define STORE_LOCKS	1024
#define DRAIN_BATCH	64		/* records unlinked per lock hold */
#define SNAP_CHUNK	512		/* records per copy_to_user */

static struct kmem_cache *ext_cache;
static struct hlist_head *table;
static raw_spinlock_t locks[STORE_LOCKS];
static atomic_long_t live;
static atomic_t alloc_seq;
static atomic64_t netns_exit_batches, netns_exit_nets;
/* Free paths in flight, from before their unlink to after call_rcu(). */
DEFINE_STATIC_SRCU(ext_free_srcu);

/* API blobs hang off records; see ctdiag_ext.h. */
struct ctdiag_ext_blob {
	struct rcu_head rcu;
	const struct ctdiag_ext_type *type;
	unsigned long data[];
};
static const struct ctdiag_ext_type __rcu *ext_types[CTDIAG_EXT_TYPES_MAX];
static DEFINE_MUTEX(ext_types_lock);

static inline u32 bucket_of(const struct nf_conn *ct)
{
	return hash_ptr(ct, STORE_BITS);
}

static inline raw_spinlock_t *lock_of(u32 b)
{
	return &locks[b & (STORE_LOCKS - 1)];
}

unsigned int ctdiag_store_nbuckets(void)
{
	return STORE_BUCKETS;
}

long ctdiag_store_live(void)
{
	return atomic_long_read(&live);
}

static struct ctdiag_ext *ctdiag_ext_lookup(const struct nf_conn *ct)
{
	struct ctdiag_ext *rec;

	hlist_for_each_entry_rcu(rec, &table[bucket_of(ct)], node)
		if (rec->ct == ct)
			return rec;
	return NULL;
}

/*
 * nf_conntrack_cachep is SLAB_TYPESAFE_BY_RCU: a freed nf_conn is reused at
 * once, so a record we missed the destroy of gets found by the next ct at
 * that address.  nf_ct_get_id() hashes (address, master, netns, original
 * tuple); with the address equal, comparing the other three inputs is the
 * id comparison without two siphash rounds per packet.  A reused object
 * with all of them equal has the same id too, but it starts unconfirmed,
 * and a ct never goes from confirmed back to unconfirmed.
 */
static __always_inline bool ctdiag_ext_matches(const struct ctdiag_ext *rec,
						const struct nf_conn *ct)
{
	if (rec->net != nf_ct_net(ct) || rec->master != ct->master)
		return false;
	if (!nf_ct_tuple_equal(&rec->nf_orig,
			       &ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple))
		return false;
	if (READ_ONCE(rec->seen_confirmed) && !nf_ct_is_confirmed(ct))
		return false;
	return true;
}

static u32 ext_size(const struct ctdiag_ext *rec)
{
	u32 size = sizeof(*rec);
	int i;

	for (i = 0; i < CTDIAG_EXT_TYPES_MAX; i++) {
		struct ctdiag_ext_blob *blob = rcu_dereference_check(rec->blob[i], 1);

		if (blob)
			size += sizeof(*blob) + blob->type->size;
	}
	return size;
}

/* Does rec carry data of an API user (which expiry must not destroy
 * while the conntrack lives)? */
static bool ext_has_blob(const struct ctdiag_ext *rec)
{
	int i;

	for (i = 0; i < CTDIAG_EXT_TYPES_MAX; i++)
		if (rcu_access_pointer(rec->blob[i]))
			return true;
	return false;
}

void ctdiag_ext_read_reply(const struct ctdiag_ext *rec,
			   struct ctdiag_tuple *t, struct nf_conntrack_tuple *nt)
{
	unsigned int seq;

	do {
		seq = read_seqcount_begin(&rec->reply_seq);
		if (t)
			*t = rec->reply;
		if (nt)
			*nt = rec->nf_reply;
	} while (read_seqcount_retry(&rec->reply_seq, seq));
}

static void ext_event_fill(struct ctdiag_event *ev, const struct ctdiag_ext *rec)
{
	ev->ct_id = rec->id;
	ev->netns = rec->netns;
	ev->mark = READ_ONCE(rec->mark);
	ev->status = READ_ONCE(rec->status);
	ev->zone = rec->zone;
	ev->l3num = rec->orig.l3num;
	ev->protonum = rec->orig.protonum;
	ev->orig = rec->orig;
	ctdiag_ext_read_reply(rec, &ev->reply, NULL);
}

static void ext_emit_alloc(const struct ctdiag_ext *rec)
{
	struct ctdiag_event ev;

	trace_ext_alloc(rec->id, rec->netns, rec->how, rec->orig.protonum);
	if (!ctdiag_ring_wants(CTDIAG_EV_EXT_ALLOC))
		return;
	ctdiag_event_init(&ev, CTDIAG_EV_EXT_ALLOC);
	ext_event_fill(&ev, rec);
	ev.u.alloc.how = rec->how;
	ev.u.alloc.size = ext_size(rec);
	ctdiag_ring_emit(&ev);
}

static void ext_emit_free(const struct ctdiag_ext *rec, u16 path)
{
	struct ctdiag_event ev;
	u64 now;
	int d;

	if (trace_ext_free_enabled())
		trace_ext_free(rec->id, rec->netns, path,
			       ktime_get_boot_fast_ns() - rec->created_boot_ns);
	if (!ctdiag_ring_wants(CTDIAG_EV_EXT_FREE))
		return;
	now = ktime_get_boot_fast_ns();
	ctdiag_event_init(&ev, CTDIAG_EV_EXT_FREE);
	ext_event_fill(&ev, rec);
	ev.u.free.path = path;
	ev.u.free.how = rec->how;
	ev.u.free.size = ext_size(rec);
	ev.u.free.age_ns = now - rec->created_boot_ns;
	ev.u.free.idle_ns = now - READ_ONCE(rec->last_seen_ns);
	for (d = 0; d < IP_CT_DIR_MAX; d++) {
		ev.u.free.pkts[d] = atomic64_read(&rec->pkts[d]);
		ev.u.free.bytes[d] = atomic64_read(&rec->bytes[d]);
	}
	ctdiag_ring_emit(&ev);
}

static void blob_destroy(struct ctdiag_ext_blob *blob)
{
	if (blob->type->destroy)
		blob->type->destroy(blob->data);
	kfree(blob);
}

static void blob_rcu_free(struct rcu_head *head)
{
	blob_destroy(container_of(head, struct ctdiag_ext_blob, rcu));
}

static void ext_rcu_free(struct rcu_head *head)
{
	struct ctdiag_ext *rec = container_of(head, struct ctdiag_ext, rcu);
	int i;

	/* xchg: ctdiag_ext_unregister() may be detaching the same blob. */
	for (i = 0; i < CTDIAG_EXT_TYPES_MAX; i++) {
		struct ctdiag_ext_blob *blob =
			(__force struct ctdiag_ext_blob *)xchg(&rec->blob[i], NULL);

		if (blob)
			blob_destroy(blob);
	}
	kmem_cache_free(ext_cache, rec);
}

/* The unlinking path owns rec now: account, report, free after RCU. */
static void ext_finish_free(struct ctdiag_ext *rec, u16 path)
{
	atomic_long_dec(&live);
	CTDIAG_INC(freed[path]);
	ext_emit_free(rec, path);
	ctdiag_test_free_delay(path);
	call_rcu(&rec->rcu, ext_rcu_free);
}

bool ctdiag_ext_unlink(struct ctdiag_ext *rec)
{
	u32 b = bucket_of(rec->ct);
	unsigned long flags;
	bool done = false;

	raw_spin_lock_irqsave(lock_of(b), flags);
	if (!hlist_unhashed(&rec->node)) {
		hlist_del_init_rcu(&rec->node);
		done = true;
	}
	raw_spin_unlock_irqrestore(lock_of(b), flags);
	return done;
}

bool ctdiag_ext_release(struct ctdiag_ext *rec, u16 path)
{
	int idx = srcu_read_lock(&ext_free_srcu);
	bool done;

	done = ctdiag_ext_unlink(rec);
	if (done)
		ext_finish_free(rec, path);
	srcu_read_unlock(&ext_free_srcu, idx);
	return done;
}

static void ext_refresh_reply(struct ctdiag_ext *rec, const struct nf_conn *ct)
{
	struct ctdiag_tuple t;

	/* NAT rewrites the reply tuple up to confirmation. */
	rec->nf_reply = ct->tuplehash[IP_CT_DIR_REPLY].tuple;
	ctdiag_tuple_from_nf(&t, &rec->nf_reply);
	/* rec->reply = t (in two halves with reply_write_delay_ms between
	 * them in the test build: testknobs.h) */
	ctdiag_test_tuple_write(&rec->reply, &t);
}

/* A published record's reply tuple: under the bucket lock (one writer),
 * inside reply_seq (readers retry). */
static void ext_refresh_reply_locked(struct ctdiag_ext *rec,
				     const struct nf_conn *ct)
{
	write_seqcount_begin(&rec->reply_seq);
	ext_refresh_reply(rec, ct);
	write_seqcount_end(&rec->reply_seq);
}

/*
 * The destroy paths: ct is intact (refcount 0, nothing freed before
 * nf_conntrack_free()).  A record no packet saw confirmed still has the
 * reply tuple of its first packet, before NAT: take the final one, in
 * the same lock hold as the unlink.
 */
static bool ext_unlink_final(struct ctdiag_ext *rec, const struct nf_conn *ct)
{
	u32 b = bucket_of(rec->ct);
	unsigned long flags;
	bool done = false;

	raw_spin_lock_irqsave(lock_of(b), flags);
	if (!hlist_unhashed(&rec->node)) {
		if (!READ_ONCE(rec->seen_confirmed))
			ext_refresh_reply_locked(rec, ct);
		/* and the last status and mark, for the EXT_FREE event */
		WRITE_ONCE(rec->status, READ_ONCE(ct->status));
#ifdef CONFIG_NF_CONNTRACK_MARK
		WRITE_ONCE(rec->mark, READ_ONCE(ct->mark));
#endif
		hlist_del_init_rcu(&rec->node);
		done = true;
	}
	raw_spin_unlock_irqrestore(lock_of(b), flags);
	return done;
}

void ctdiag_ext_refresh_ct(const struct nf_conn *ct)
{
	struct ctdiag_ext *rec;
	u32 b = bucket_of(ct);
	unsigned long flags;

	rcu_read_lock();
	rec = ctdiag_ext_lookup(ct);
	if (rec && ctdiag_ext_matches(rec, ct)) {
		raw_spin_lock_irqsave(lock_of(b), flags);
		if (!hlist_unhashed(&rec->node))
			ext_refresh_reply_locked(rec, ct);
		raw_spin_unlock_irqrestore(lock_of(b), flags);
	}
	rcu_read_unlock();
}

bool ctdiag_ext_free_ct(const struct nf_conn *ct, u16 path)
{
	struct ctdiag_ext *rec;
	bool freed = false;

	rcu_read_lock();
	rec = ctdiag_ext_lookup(ct);
	if (rec) {
		/* A record of an earlier ct at this address is garbage too,
		 * but it was not this ct's: say so. */
		if (ctdiag_ext_matches(rec, ct)) {
			int idx = srcu_read_lock(&ext_free_srcu);

			freed = ext_unlink_final(rec, ct);
			if (freed)
				ext_finish_free(rec, path);
			srcu_read_unlock(&ext_free_srcu, idx);
		} else {
			ctdiag_ext_release(rec, CTDIAG_FREE_STALE_REUSE);
		}
	}
	rcu_read_unlock();
	return freed;
}

static struct ctdiag_ext *ext_alloc(struct nf_conn *ct, u16 how, gfp_t gfp)
{
	unsigned int every = ctdiag_fail_alloc_every;
	const struct nf_conntrack_zone *zone = nf_ct_zone(ct);
	struct ctdiag_ext *rec;
	int d;

	if (every && (u32)atomic_inc_return(&alloc_seq) % every == 0)
		return NULL;
	rec = kmem_cache_zalloc(ext_cache, gfp);
	if (!rec)
		return NULL;
	rec->ct = ct;
	rec->net = nf_ct_net(ct);
	rec->master = ct->master;
	rec->id = ctdiag_ct_id(ct);
	rec->netns = ctdiag_netns_ino(rec->net);
	rec->nf_zone = *zone;
	rec->zone = nf_ct_zone_id(zone, IP_CT_DIR_ORIGINAL);
	rec->how = how;
#ifdef CONFIG_NF_CONNTRACK_MARK
	rec->mark = READ_ONCE(ct->mark);
#endif
	rec->status = READ_ONCE(ct->status);
	rec->seen_confirmed = nf_ct_is_confirmed(ct);
	rec->nf_orig = ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple;
	ctdiag_tuple_from_nf(&rec->orig, &rec->nf_orig);
	seqcount_init(&rec->reply_seq);
	ext_refresh_reply(rec, ct);	/* not published yet */
	rec->created_boot_ns = ktime_get_boot_fast_ns();
	rec->created_real_ns = ctdiag_boot_to_real_ns(rec->created_boot_ns);
	rec->last_seen_jiffies = jiffies;
	rec->last_seen_ns = ctdiag_tick_boot_ns();
	for (d = 0; d < IP_CT_DIR_MAX; d++) {
		atomic64_set(&rec->pkts[d], 0);
		atomic64_set(&rec->bytes[d], 0);
	}
	return rec;
}

struct ctdiag_ext *ctdiag_ext_get_or_alloc(struct nf_conn *ct, u16 how,
					   gfp_t gfp)
{
	struct ctdiag_ext *rec, *old, *stale = NULL;
	u32 b = bucket_of(ct);
	unsigned long flags;
	int idx;

	rec = ext_alloc(ct, how, gfp);
	if (!rec)
		CTDIAG_INC(alloc_failed);

	idx = srcu_read_lock(&ext_free_srcu);	/* for a stale one */
	raw_spin_lock_irqsave(lock_of(b), flags);
	/*
	 * No new record for a namespace on its way out (its count is 0):
	 * the netns exit drain may have passed already, and the record
	 * would keep a pointer to a freed struct net.  A drain that has
	 * not run yet is safe: it follows an RCU grace period after the
	 * count reached 0, and this lock hold is an RCU reader.
	 */
	if (!check_net(nf_ct_net(ct))) {
		raw_spin_unlock_irqrestore(lock_of(b), flags);
		srcu_read_unlock(&ext_free_srcu, idx);
		if (rec)
			kmem_cache_free(ext_cache, rec);
		return NULL;
	}
	hlist_for_each_entry(old, &table[b], node) {
		if (old->ct != ct)
			continue;
		if (ctdiag_ext_matches(old, ct)) {
			/* Another CPU inserted it first. */
			raw_spin_unlock_irqrestore(lock_of(b), flags);
			srcu_read_unlock(&ext_free_srcu, idx);
			if (rec)
				kmem_cache_free(ext_cache, rec);
			return old;
		}
		/* Even if we have no replacement, stale data must go. */
		hlist_del_init_rcu(&old->node);
		stale = old;
		break;
	}
	if (rec) {
		hlist_add_head_rcu(&rec->node, &table[b]);
		atomic_long_inc(&live);
	}
	raw_spin_unlock_irqrestore(lock_of(b), flags);

	if (stale)
		ext_finish_free(stale, CTDIAG_FREE_STALE_REUSE);
	srcu_read_unlock(&ext_free_srcu, idx);
	if (rec) {
		CTDIAG_INC(allocated);
		ext_emit_alloc(rec);
	}
	return rec;
}

/*
 * The packet path (ctdiag_ext_pkt): per-direction counters, last activity,
 * status and mark.  last_seen_ns is the tick-resolution boot clock, which
 * moves once a tick: the clock is read only when jiffies moved since this
 * record's last stamp, so most packets of a busy flow read no clock (the
 * stamp can lag by one tick when the packet falls between a tick's
 * jiffies and timekeeping updates; idle expiry counts seconds).
 */
static inline void ext_account_pkt(struct ctdiag_ext *rec,
				   const struct nf_conn *ct, int dir,
				   unsigned int len)
{
	unsigned long j = READ_ONCE(jiffies);

	atomic64_inc(&rec->pkts[dir]);
	atomic64_add(len, &rec->bytes[dir]);
	if (READ_ONCE(rec->last_seen_jiffies) != j) {
		WRITE_ONCE(rec->last_seen_jiffies, j);
		WRITE_ONCE(rec->last_seen_ns, ctdiag_tick_boot_ns());
	}
	WRITE_ONCE(rec->status, READ_ONCE(ct->status));
#ifdef CONFIG_NF_CONNTRACK_MARK
	WRITE_ONCE(rec->mark, READ_ONCE(ct->mark));
#endif
	if (!READ_ONCE(rec->seen_confirmed) && nf_ct_is_confirmed(ct)) {
		u32 b = bucket_of(ct);
		unsigned long flags;

		/* Once per record: the first packet that sees it confirmed. */
		raw_spin_lock_irqsave(lock_of(b), flags);
		if (!rec->seen_confirmed) {
			ext_refresh_reply_locked(rec, ct);
			WRITE_ONCE(rec->seen_confirmed, true);
		}
		raw_spin_unlock_irqrestore(lock_of(b), flags);
	}
}

/* The hooks' one call per packet: lookup, match and accounting are
 * inlined here, so when the record exists the only further call is the
 * clock's, once a tick. */
void ctdiag_ext_pkt(struct nf_conn *ct, u16 how, int dir, unsigned int len)
{
	struct ctdiag_ext *rec = ctdiag_ext_lookup(ct);

	if (unlikely(!rec || !ctdiag_ext_matches(rec, ct))) {
		rec = ctdiag_ext_get_or_alloc(ct, how, GFP_ATOMIC);
		if (!rec)
			return;
	}
	ext_account_pkt(rec, ct, dir, len);
}

void ctdiag_store_walk_bucket(unsigned int b,
			      void (*cb)(struct ctdiag_ext *rec, void *arg),
			      void *arg)
{
	struct ctdiag_ext *rec;

	rcu_read_lock();
	hlist_for_each_entry_rcu(rec, &table[b], node)
		cb(rec, arg);
	rcu_read_unlock();
}

bool ctdiag_ext_expire(const struct nf_conn *ct, u64 created_boot_ns,
		       u64 deadline_ns, u16 path)
{
	struct ctdiag_ext *rec, *found = NULL;
	u32 b = bucket_of(ct);
	unsigned long flags;
	int idx = srcu_read_lock(&ext_free_srcu);	/* see the top */

	raw_spin_lock_irqsave(lock_of(b), flags);
	hlist_for_each_entry(rec, &table[b], node) {
		if (rec->ct != ct || rec->created_boot_ns != created_boot_ns)
			continue;
		/* A packet since the candidate was picked: keep it. */
		if ((s64)(READ_ONCE(rec->last_seen_ns) - deadline_ns) >= 0)
			break;
		/*
		 * An API user's data of a live conntrack: the conntrack may
		 * simply never cross our hooks (bridge family, act_ct, OVS)
		 * or be a quiet TCP connection.  Keep it, and do not look it
		 * up again before another idle_timeout.
		 */
		if (path == CTDIAG_FREE_EXPIRY_IDLE && ext_has_blob(rec)) {
			WRITE_ONCE(rec->last_seen_ns, ctdiag_tick_boot_ns());
			CTDIAG_INC(expiry_kept);
			break;
		}
		hlist_del_init_rcu(&rec->node);
		found = rec;
		break;
	}
	raw_spin_unlock_irqrestore(lock_of(b), flags);
	if (found)
		ext_finish_free(found, path);
	srcu_read_unlock(&ext_free_srcu, idx);
	return found;
}

/* Is net one of the namespaces on @nets (cleanup_net's exit list)? */
static bool net_in_list(const struct net *net, struct list_head *nets)
{
	struct net *n;

	/* Only a dying namespace can be on the list: skip the walk. */
	if (check_net(net))
		return false;
	list_for_each_entry(n, nets, exit_list)
		if (n == net)
			return true;
	return false;
}

/* Unlink every record of the namespaces on @nets (all if NULL) as @path;
 * returns how many. */
static unsigned long store_drain(struct list_head *nets, u16 path)
{
	struct ctdiag_ext *batch[DRAIN_BATCH];
	unsigned long total = 0;
	unsigned int b, n, i;
	int idx;

	for (b = 0; b < STORE_BUCKETS; b++) {
		do {
			struct ctdiag_ext *rec;
			struct hlist_node *tmp;
			unsigned long flags;

			if (hlist_empty(&table[b]))
				break;
			n = 0;
			idx = srcu_read_lock(&ext_free_srcu);
			raw_spin_lock_irqsave(lock_of(b), flags);
			hlist_for_each_entry_safe(rec, tmp, &table[b], node) {
				if (nets && !net_in_list(rec->net, nets))
					continue;
				hlist_del_init_rcu(&rec->node);
				batch[n++] = rec;
				if (n == DRAIN_BATCH)
					break;
			}
			raw_spin_unlock_irqrestore(lock_of(b), flags);
			for (i = 0; i < n; i++)
				ext_finish_free(batch[i], path);
			srcu_read_unlock(&ext_free_srcu, idx);
			total += n;
		} while (n == DRAIN_BATCH);
		if ((b & 1023) == 1023)
			cond_resched();
	}
	return total;
}

/*
 * cleanup_net() hands us every namespace of its batch at once (pernet
 * .exit_batch): one scan of the table and at most one grace period for
 * all of them, not one each.
 */
void ctdiag_store_netns_exit_batch(struct list_head *nets)
{
	unsigned long n = store_drain(nets, CTDIAG_FREE_NETNS_EXIT);
	struct net *net;
	unsigned int k = 0;

	list_for_each_entry(net, nets, exit_list)
		k++;
	atomic64_inc(&netns_exit_batches);
	atomic64_add(k, &netns_exit_nets);
	/* The expiry worker may have read rec->net under RCU; the netns is
	 * freed right after the exit methods, so let those readers finish. */
	if (n) {
		pr_debug("netns exit of %u namespaces: freed %lu records\n", k, n);
		synchronize_rcu();
	}
}

void ctdiag_store_state_fill(struct ctdiag_store_state *st)
{
	int cpu;

	memset(st, 0, sizeof(*st));
	if (ctdiag_intercept_unload_refused())
		st->flags |= CTDIAG_SS_UNLOAD_REFUSED;
	st->netns_exit_batches = atomic64_read(&netns_exit_batches);
	st->netns_exit_nets = atomic64_read(&netns_exit_nets);
	for_each_possible_cpu(cpu)
		st->expiry_kept += per_cpu_ptr(&ctdiag_pcpu, cpu)->expiry_kept;
}

void ctdiag_store_counters(struct ctdiag_counters *c)
{
	c->live = atomic_long_read(&live);
}

static void snap_fill(struct ctdiag_ext_rec *r, const struct ctdiag_ext *rec)
{
	int d;

	memset(r, 0, sizeof(*r));
	r->ct_id = rec->id;
	r->netns = rec->netns;
	r->zone = rec->zone;
	r->how = rec->how;
	r->size = ext_size(rec);
	r->mark = READ_ONCE(rec->mark);
	r->status = READ_ONCE(rec->status);
	r->created_real_ns = rec->created_real_ns;
	r->created_boot_ns = rec->created_boot_ns;
	r->last_seen_boot_ns = READ_ONCE(rec->last_seen_ns);
	for (d = 0; d < IP_CT_DIR_MAX; d++) {
		r->pkts[d] = atomic64_read(&rec->pkts[d]);
		r->bytes[d] = atomic64_read(&rec->bytes[d]);
	}
	r->orig = rec->orig;
	ctdiag_ext_read_reply(rec, &r->reply, NULL);
}

/*
 * CTDIAG_IOC_SNAPSHOT: walk bucket by bucket under RCU only (no spinlock),
 * fill a chunk buffer, copy_to_user it outside the RCU section.  The
 * result is not an atomic picture: records freed or created during the
 * walk may or may not be in it.
 */
long ctdiag_store_snapshot(void __user *arg)
{
	struct ctdiag_snapshot_req req;
	struct ctdiag_ext_rec __user *ubuf;
	struct ctdiag_ext_rec *buf;
	u64 total = 0, copied = 0;
	unsigned int b, n = 0;
	long ret = 0;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	ubuf = u64_to_user_ptr(req.buf);
	buf = kvmalloc_array(SNAP_CHUNK, sizeof(*buf), GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	req.now_boot_ns = ktime_get_boottime_ns();
	req.now_real_ns = ktime_get_real_ns();

	for (b = 0; b < STORE_BUCKETS; b++) {
		struct ctdiag_ext *rec;

		rcu_read_lock();
		hlist_for_each_entry_rcu(rec, &table[b], node) {
			total++;
			if (copied + n < req.nr && n < SNAP_CHUNK)
				snap_fill(&buf[n++], rec);
		}
		rcu_read_unlock();
		/* Flush while a whole bucket (avg 16 at 1 M) still fits. */
		if (n && (n + 64 > SNAP_CHUNK || b == STORE_BUCKETS - 1)) {
			if (copy_to_user(ubuf + copied, buf, n * sizeof(*buf))) {
				ret = -EFAULT;
				goto out;
			}
			copied += n;
			n = 0;
		}
		if ((b & 1023) == 1023) {
			cond_resched();
			if (fatal_signal_pending(current)) {
				ret = -EINTR;
				goto out;
			}
		}
	}
	req.count = copied;
	req.total = total;
	if (copy_to_user(arg, &req, sizeof(req)))
		ret = -EFAULT;
out:
	kvfree(buf);
	return ret;
}

/* ---- exported API (ctdiag_ext.h) ---- */

int ctdiag_ext_register(struct ctdiag_ext_type *type)
{
	int i, slot = -1, ret = 0;

	if (!type->size || type->size > PAGE_SIZE)
		return -EINVAL;
	mutex_lock(&ext_types_lock);
	for (i = 0; i < CTDIAG_EXT_TYPES_MAX; i++) {
		const struct ctdiag_ext_type *t =
			rcu_dereference_protected(ext_types[i],
					lockdep_is_held(&ext_types_lock));

		if (t == type) {
			ret = -EBUSY;
			goto out;
		}
		if (!t && slot < 0)
			slot = i;
	}
	if (slot < 0) {
		ret = -ENOSPC;
		goto out;
	}
	type->id = slot;
	rcu_assign_pointer(ext_types[slot], type);
	pr_info("extension type %s registered (%zu bytes)\n",
		type->name ?: "?", type->size);
out:
	mutex_unlock(&ext_types_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(ctdiag_ext_register);

void ctdiag_ext_unregister(struct ctdiag_ext_type *type)
{
	int id = type->id;
	unsigned int b;

	mutex_lock(&ext_types_lock);
	if (id < 0 || id >= CTDIAG_EXT_TYPES_MAX ||
	    rcu_access_pointer(ext_types[id]) != type) {
		mutex_unlock(&ext_types_lock);
		WARN(1, "ctdiag_ext_unregister of an unregistered type\n");
		return;
	}
	RCU_INIT_POINTER(ext_types[id], NULL);
	ctdiag_test_unregister_started();
	/* No get_or_create can still be attaching data of this type. */
	synchronize_rcu();
	for (b = 0; b < STORE_BUCKETS; b++) {
		struct ctdiag_ext *rec;

		rcu_read_lock();
		hlist_for_each_entry_rcu(rec, &table[b], node) {
			struct ctdiag_ext_blob *blob = (__force void *)
				xchg(&rec->blob[id], NULL);

			if (blob)
				call_rcu(&blob->rcu, blob_rcu_free);
		}
		rcu_read_unlock();
		if ((b & 1023) == 1023)
			cond_resched();
	}
	/*
	 * A free path that unlinked a record before our walk reached it
	 * is an ext_free_srcu reader until its call_rcu(): wait for those,
	 * then for every queued callback (theirs destroy blobs in
	 * ext_rcu_free(), ours in blob_rcu_free()), since they read the
	 * type and call into the caller's module.
	 */
	synchronize_srcu(&ext_free_srcu);
	rcu_barrier();
	type->id = -1;
	mutex_unlock(&ext_types_lock);
}
EXPORT_SYMBOL_GPL(ctdiag_ext_unregister);

/* An API user's access is activity: for the conntracks that never cross
 * our packet hooks it is the only sign of life idle expiry gets. */
static inline void ext_touch(struct ctdiag_ext *rec)
{
	u64 now = ctdiag_tick_boot_ns();

	if (READ_ONCE(rec->last_seen_ns) != now)
		WRITE_ONCE(rec->last_seen_ns, now);
}

static bool type_live(const struct ctdiag_ext_type *type)
{
	return type->id >= 0 && type->id < CTDIAG_EXT_TYPES_MAX &&
	       rcu_access_pointer(ext_types[type->id]) == type;
}

void *ctdiag_ext_find(const struct nf_conn *ct,
		      const struct ctdiag_ext_type *type)
{
	struct ctdiag_ext_blob *blob;
	struct ctdiag_ext *rec;

	if (!type_live(type))
		return NULL;
	rec = ctdiag_ext_lookup(ct);
	if (!rec || !ctdiag_ext_matches(rec, ct))
		return NULL;
	blob = rcu_dereference(rec->blob[type->id]);
	if (!blob)
		return NULL;
	ext_touch(rec);
	return blob->data;
}
EXPORT_SYMBOL_GPL(ctdiag_ext_find);

void *ctdiag_ext_get_or_create(struct nf_conn *ct,
			       const struct ctdiag_ext_type *type, gfp_t gfp)
{
	struct ctdiag_ext_blob *blob, *old;
	struct ctdiag_ext *rec;

	if (!type_live(type) || ctdiag_is_stopping())
		return NULL;
	rec = ctdiag_ext_lookup(ct);
	if (!rec || !ctdiag_ext_matches(rec, ct)) {
		rec = ctdiag_ext_get_or_alloc(ct, CTDIAG_ALLOC_API, gfp);
		if (!rec)
			return NULL;
	}
	ext_touch(rec);
	blob = rcu_dereference(rec->blob[type->id]);
	if (blob)
		return blob->data;
	blob = kzalloc(sizeof(*blob) + type->size, gfp);
	if (!blob)
		return NULL;
	blob->type = type;
	/* If rec is being freed, ext_rcu_free() runs after our RCU section
	 * and takes whatever is in the slot, including this blob. */
	old = (__force void *)cmpxchg(&rec->blob[type->id], NULL,
				      (__force void __rcu *)blob);
	if (old) {
		kfree(blob);
		return old->data;
	}
	return blob->data;
}
EXPORT_SYMBOL_GPL(ctdiag_ext_get_or_create);

int ctdiag_store_init(void)
{
	int i;

	ext_cache = kmem_cache_create("ctdiag_ext", sizeof(struct ctdiag_ext),
				      0, 0, NULL);
	if (!ext_cache)
		return -ENOMEM;
	table = kvcalloc(STORE_BUCKETS, sizeof(*table), GFP_KERNEL);
	if (!table) {
		kmem_cache_destroy(ext_cache);
		return -ENOMEM;
	}
	for (i = 0; i < STORE_LOCKS; i++)
		raw_spin_lock_init(&locks[i]);
	atomic_long_set(&live, 0);
	return 0;
}

void ctdiag_store_exit(void)
{
	unsigned long n;

	/* Hooks, probes and the nf_ct_hook copy are gone and RCU-synced
	 * (main.c order), so nothing adds or frees records concurrently. */
	n = store_drain(NULL, CTDIAG_FREE_UNLOAD);
	if (n)
		pr_info("unload: freed %lu extension records still in the store (%s)\n",
			n, ctdiag_intercept == CTDIAG_INTERCEPT_HOOK ?
			"their conntracks are alive, or they leaked: intercept=hook does not see nf_ct_put() destroys" :
			"their conntracks were still alive");
	/* ext_rcu_free() is module code and uses ext_cache. */
	rcu_barrier();
	WARN_ON(atomic_long_read(&live));
	kvfree(table);
	kmem_cache_destroy(ext_cache);
}
