/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal interfaces between the parts of ctdiag.ko.  One mechanism per
 * file: main.c (parameters, init/exit order), ct.c (nf_conn -> record
 * fields), store.c (extension table), hooks.c (netfilter hooks that
 * allocate), intercept.c (nf_ct_hook swap + nf_ct_destroy probe), expiry.c
 * (idle expiry worker), ring.c (event ring + filters), dev.c (/dev/ctdiag),
 * clash.c (confirm-collision probes), confirm_early.c (NFQUEUE
 * confirm-collision mitigation), legacy.c (modules that replaced
 * nf_ct_hook->destroy: detection, repair).
 */
#ifndef CTDIAG_INTERNAL_H
#define CTDIAG_INTERNAL_H

#include <linux/types.h>
#include <linux/percpu.h>
#include <linux/seqlock.h>
#include <linux/ktime.h>
#include <linux/timekeeping.h>
#include <linux/sched/clock.h>
#include <net/netfilter/nf_conntrack.h>
#include "ctdiag_abi.h"
#include "testknobs.h"

/* Module parameters, validated in main.c before any part starts. */
extern int ctdiag_intercept;		/* enum ctdiag_intercept */
extern unsigned int ctdiag_idle_timeout;	/* seconds, 0 = off */
extern unsigned int ctdiag_ring_kb;		/* per CPU, 0 = ring off */
extern unsigned int ctdiag_confirm_early_mask;	/* enum ctdiag_confirm_early */
extern bool ctdiag_track_all;		/* track=all: packet hooks make records */
extern u64 ctdiag_load_real_ns;

/* Set first thing at unload: every handler becomes a no-op. */
extern bool ctdiag_stopping;
static inline bool ctdiag_is_stopping(void)
{
	return READ_ONCE(ctdiag_stopping);
}

/* Per-CPU counters; summed by ctdiag_counters_fill(). */
struct ctdiag_pcpu {
	u64 allocated;
	u64 freed[CTDIAG_FREE_MAX];
	u64 alloc_failed;
	u64 destroy_hook;
	u64 destroy_probe;
	u64 clash[CTDIAG_CLASH_MAX];
	u64 confirm_drop;
	u64 confirm_early;
	u64 ring_written;
	u64 ring_lost;
	u64 ring_filtered;
	u64 expiry_runs;
	u64 miss_sweeps;
	u64 expiry_kept;	/* live records with API data kept */
	u64 probe_hits[CTDIAG_PROBE_MAX];
	u64 probe_ns[CTDIAG_PROBE_MAX];
	u64 probe_missed[CTDIAG_PROBE_MAX];	/* destroys a path could not handle */
};
DECLARE_PER_CPU(struct ctdiag_pcpu, ctdiag_pcpu);
#define CTDIAG_INC(field)	this_cpu_inc(ctdiag_pcpu.field)
#define CTDIAG_ADD(field, v)	this_cpu_add(ctdiag_pcpu.field, (v))

/*
 * Handler cost, sampled: a probe counts its hit with ctdiag_probe_enter(),
 * and one hit in 2^CTDIAG_TIME_SHIFT per probe and CPU also reads
 * local_clock() there and in ctdiag_probe_exit(), which adds that time
 * scaled by 2^CTDIAG_TIME_SHIFT to probe_ns: an estimate of the total,
 * for two clock reads per 64 hits.  (A handler nested in another -- a
 * softirq destroy inside a process-context one -- is in both times.)
 */
#define CTDIAG_TIME_SHIFT	6
static __always_inline u64 ctdiag_probe_enter(int probe)
{
	u64 n = this_cpu_inc_return(ctdiag_pcpu.probe_hits[probe]);

	if (likely(n & ((1U << CTDIAG_TIME_SHIFT) - 1)))
		return 0;
	return local_clock() ?: 1;
}

static __always_inline void ctdiag_probe_exit(int probe, u64 t0)
{
	if (unlikely(t0))
		CTDIAG_ADD(probe_ns[probe],
			   (local_clock() - t0) << CTDIAG_TIME_SHIFT);
}

/*
 * Clocks.  Reading the clocksource is what costs (natively ~20 ns with the
 * TSC; under qemu TCG the guest runs on the HPET, an emulated MMIO access
 * of microseconds that serialises the vCPUs), so the packet path reads none
 * and an event reads one:
 *  - per packet, CLOCK_BOOTTIME at tick resolution, read once a tick per
 *    record (last_seen_ns: idle expiry counts in seconds);
 *  - CLOCK_REALTIME derived from a CLOCK_BOOTTIME reading: the two differ
 *    by offsets that change only when the wall clock is set or the system
 *    resumes, read under the timekeeper's seqcount without the clocksource.
 */
static inline u64 ctdiag_tick_boot_ns(void)
{
	return ktime_get_coarse_boottime_ns();
}

static inline u64 ctdiag_boot_to_real_ns(u64 boot_ns)
{
	return boot_ns + ktime_mono_to_any(0, TK_OFFS_REAL) -
	       ktime_mono_to_any(0, TK_OFFS_BOOT);
}

/* main.c: sum per-CPU counters and ask each part for what it owns. */
void ctdiag_counters_fill(struct ctdiag_counters *c);
void ctdiag_info_fill(struct ctdiag_info *info);

/* main.c: per-feature state (lib/ctdiag_abi.h, enum ctdiag_feature). */
const char *ctdiag_feature_name(unsigned int feature);
int ctdiag_feature_register(unsigned int feature, int ret, const char *what);
void ctdiag_feature_set(unsigned int feature, int state);
void ctdiag_features_fill(struct ctdiag_features *f);
/* Register FEATURE with CALL (an int expression), unless the test build
 * fails it on purpose (fail_feature=, testknobs.h); record and report the
 * outcome.  Evaluates to 0 or the -errno. */
#define CTDIAG_FEATURE_TRY(feature, call, what) ({			\
	int __ret = ctdiag_test_fail_feature(feature);			\
	if (!__ret)							\
		__ret = (call);						\
	ctdiag_feature_register(feature, __ret, what);			\
})

/* ct.c: conntrack -> ABI fields.  ctdiag_ct_id() is what conntrack -L -o id
 * prints: ctnetlink puts nf_ct_get_id() on the wire unswapped and
 * libnetfilter_conntrack applies ntohl(). */
u32 ctdiag_ct_id(const struct nf_conn *ct);
u32 ctdiag_netns_ino(const struct net *net);
void ctdiag_tuple_from_nf(struct ctdiag_tuple *t,
			  const struct nf_conntrack_tuple *nt);
void ctdiag_event_init(struct ctdiag_event *ev, u16 type);
void ctdiag_event_from_ct(struct ctdiag_event *ev, const struct nf_conn *ct);

/* ct.c: what kallsyms says of an address (legacy.c, intercept.c). */
struct ctdiag_ksym {
	char name[64];		/* "?" when kallsyms does not know it */
	char module[56];	/* "vmlinux" for the kernel image */
	unsigned long offset;	/* into name; ULONG_MAX when unknown */
	unsigned long size;	/* of name; 0 when unknown */
};
void ctdiag_ksym_resolve(unsigned long addr, struct ctdiag_ksym *s);

/* ring.c */
int ctdiag_ring_init(void);
void ctdiag_ring_exit(void);
/* Cheap pre-check: is there a reader, is the ring on, and does the
 * reader's event mask take this type?  Build the event only if true. */
bool ctdiag_ring_wants(unsigned int type);
/* Stamp seq/cpu/time, apply the reader's filter, write or count as lost.
 * Any context (softirq, kretprobe handler with conntrack locks held);
 * never sleeps or blocks. */
void ctdiag_ring_emit(struct ctdiag_event *ev);
/* Reader side, for dev.c (one reader at a time).  Records are written
 * only between reader_start() and reader_stop(). */
struct file;
struct poll_table_struct;
int ctdiag_ring_reader_start(bool show_kaddr);
void ctdiag_ring_reader_stop(void);
ssize_t ctdiag_ring_read(char __user *buf, size_t count, bool nonblock);
__poll_t ctdiag_ring_poll(struct file *file, struct poll_table_struct *wait);
int ctdiag_ring_set_filter(const struct ctdiag_filter *f);
long ctdiag_ring_cpu_stats(void __user *arg);

/* store.c */
int ctdiag_store_init(void);
void ctdiag_store_exit(void);
void ctdiag_store_counters(struct ctdiag_counters *c);
/* CTDIAG_IOC_STORE_STATE */
void ctdiag_store_state_fill(struct ctdiag_store_state *st);
/* CTDIAG_IOC_SNAPSHOT */
long ctdiag_store_snapshot(void __user *arg);

/*
 * store.c: one extension record per conntrack entry, keyed by the nf_conn
 * pointer.  The pointer is kernel-only; user space sees ->id.  A record is
 * in the table until exactly one free path unlinks it (ctdiag_ext_unlink()
 * returns true to that path only), then freed after an RCU grace period.
 */
#define CTDIAG_EXT_TYPES_MAX	4	/* ctdiag_ext.h API slots */

struct ctdiag_ext {
	struct hlist_node	node;		/* table bucket; RCU */
	struct rcu_head		rcu;
	const struct nf_conn	*ct;		/* key; never dereferenced once
						 * the ct may be gone */
	const struct net	*net;		/* for netns exit, expiry */
	const struct nf_conn	*master;	/* id input, cheap reuse check */
	u32			id;		/* ctdiag_ct_id() */
	u32			netns;		/* netns inode */
	u16			zone;
	u16			how;		/* enum ctdiag_alloc_how */
	u32			mark;
	u32			status;
	bool			seen_confirmed;	/* a packet saw ct confirmed */
	struct nf_conntrack_zone nf_zone;	/* for nf_conntrack_find_get */
	struct nf_conntrack_tuple nf_orig;	/* reuse check, expiry lookup */
	seqcount_t		reply_seq;	/* nf_reply + reply: written
						 * under the bucket lock, read
						 * by ctdiag_ext_read_reply() */
	struct nf_conntrack_tuple nf_reply;
	struct ctdiag_tuple	orig;
	struct ctdiag_tuple	reply;
	u64			created_real_ns;
	u64			created_boot_ns;
	u64			last_seen_ns;	/* boot clock, tick resolution;
						 * last packet or API access;
						 * WRITE_ONCE */
	unsigned long		last_seen_jiffies; /* jiffies of the last
						 * packet's stamp */
	atomic64_t		pkts[IP_CT_DIR_MAX];
	atomic64_t		bytes[IP_CT_DIR_MAX];
	void __rcu		*blob[CTDIAG_EXT_TYPES_MAX];
};

/* Allocate and insert a record for a live ct (the caller holds a
 * reference).  Replaces a stale record (counted as STALE_REUSE).
 * Returns the record in the table, or NULL (alloc_failed counted). */
struct ctdiag_ext *ctdiag_ext_get_or_alloc(struct nf_conn *ct, u16 how,
					   gfp_t gfp);
/* Exactly-once removal: only the caller that gets true may free. */
bool ctdiag_ext_unlink(struct ctdiag_ext *rec);
/* Unlink + account + EXT_FREE event + free after RCU.  Returns true if
 * this call freed it. */
bool ctdiag_ext_release(struct ctdiag_ext *rec, u16 path);
/* Find by key and free (destroy paths).  Returns true if one was freed. */
bool ctdiag_ext_free_ct(const struct nf_conn *ct, u16 path);
/* A consistent copy of rec's reply tuple (either may be NULL). */
void ctdiag_ext_read_reply(const struct ctdiag_ext *rec,
			   struct ctdiag_tuple *t, struct nf_conntrack_tuple *nt);
/* ct is confirmed and its reply tuple final: copy it into ct's record
 * (the NAT_CLASH loser, found only by that tuple; no packet may follow). */
void ctdiag_ext_refresh_ct(const struct nf_conn *ct);
/* Packet path, under rcu_read_lock: ct's record (allocated with @how on
 * first sight, or replacing a stale one), its per-direction counters,
 * last activity, status and mark. */
void ctdiag_ext_pkt(struct nf_conn *ct, u16 how, int dir, unsigned int len);
/* Free every record of the namespaces on @nets, linked by their
 * exit_list (pernet exit_batch). */
void ctdiag_store_netns_exit_batch(struct list_head *nets);

/* Expiry walk support: visit every bucket in batches.  cb runs under
 * rcu_read_lock for each record and must not sleep. */
unsigned int ctdiag_store_nbuckets(void);
long ctdiag_store_live(void);		/* records in the table */
void ctdiag_store_walk_bucket(unsigned int b,
			      void (*cb)(struct ctdiag_ext *rec, void *arg),
			      void *arg);
/* Under the bucket lock, unlink the record keyed (ct, created_boot_ns) if
 * it is still idle since before deadline_ns; account and free it.  As
 * EXPIRY_IDLE (the conntrack lives), a record carrying API data is kept
 * instead and counts as seen now. */
bool ctdiag_ext_expire(const struct nf_conn *ct, u64 created_boot_ns,
		       u64 deadline_ns, u16 path);

/* hooks.c: netfilter hooks that allocate records on first sight. */
int ctdiag_hooks_init(void);
void ctdiag_hooks_exit(void);

/* intercept.c: nf_ct_hook swap and/or nf_ct_destroy probe. */
int ctdiag_intercept_init(void);
void ctdiag_intercept_exit(void);
/* Another module replaced nf_ct_hook after us: we pinned ourselves. */
bool ctdiag_intercept_unload_refused(void);
/* intercept.c: its ftrace_ops on nf_ct_destroy is registered (legacy.c). */
bool ctdiag_intercept_destroy_ops(void);
const struct nf_ct_hook *ctdiag_intercept_below(const struct nf_ct_hook *h);
bool ctdiag_intercept_hook_destroying(const struct nf_conn *ct);

/* legacy.c: foreign nf_ct_hook->destroy detection and repair. */
void ctdiag_legacy_init(void);
void ctdiag_legacy_exit(void);
void ctdiag_legacy_fill(struct ctdiag_legacy *l);
int ctdiag_legacy_set_repair(bool on);
bool ctdiag_legacy_reentry(const struct nf_conn *ct);
/* Detection, from intercept.c's nf_ct_destroy callback (preemption off). */
void ctdiag_legacy_destroy_entry(const struct nf_conn *ct,
				 unsigned long parent_ip);

/* expiry.c */
int ctdiag_expiry_init(void);
void ctdiag_expiry_exit(void);
/* A destroy that the interception path PROBE (enum ctdiag_probe) saw but
 * could not handle: its record may be an orphan.  Counts it and has the
 * expiry worker sweep for orphans soon.  Any context but NMI. */
void ctdiag_destroy_missed(int probe);

/* clash.c */
void ctdiag_clash_init(void);
void ctdiag_clash_exit(void);
void ctdiag_clash_counters(struct ctdiag_counters *c);

/* confirm_early.c */
int ctdiag_confirm_early_init(void);
void ctdiag_confirm_early_exit(void);
void ctdiag_confirm_early_counters(struct ctdiag_counters *c);

/* dev.c */
int ctdiag_dev_init(void);
void ctdiag_dev_exit(void);

#endif /* CTDIAG_INTERNAL_H */
