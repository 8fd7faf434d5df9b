/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal interfaces between the parts of ctdiag.ko.  One mechanism per
 * file: main.c (parameters, init/exit order), ct.c (nf_conn -> record
 * fields), store.c (extension table), hooks.c (netfilter hooks that
 * allocate), intercept.c (nf_ct_hook swap + nf_ct_destroy probe), expiry.c
 * (idle expiry worker), ring.c (event ring + filters), dev.c (/dev/ctdiag),
 * clash.c (confirm-collision probes), confirm_early.c (seed 002 mitigation).
 */
#ifndef CTDIAG_INTERNAL_H
#define CTDIAG_INTERNAL_H

#include <linux/types.h>
#include <linux/percpu.h>
#include <net/netfilter/nf_conntrack.h>
#include "ctdiag_abi.h"

#define CTDIAG_VERSION "0.1.0"

/* Module parameters, validated in main.c before any part starts. */
extern int ctdiag_intercept;		/* enum ctdiag_intercept */
extern unsigned int ctdiag_idle_timeout;	/* seconds, 0 = off */
extern unsigned int ctdiag_ring_kb;		/* per CPU, 0 = ring off */
extern unsigned int ctdiag_confirm_early_mask;	/* enum ctdiag_confirm_early */
extern unsigned int ctdiag_fail_alloc_every;	/* test: fail every Nth alloc */
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
	u64 probe_hits[CTDIAG_PROBE_MAX];
	u64 probe_ns[CTDIAG_PROBE_MAX];
};
DECLARE_PER_CPU(struct ctdiag_pcpu, ctdiag_pcpu);
#define CTDIAG_INC(field)	this_cpu_inc(ctdiag_pcpu.field)
#define CTDIAG_ADD(field, v)	this_cpu_add(ctdiag_pcpu.field, (v))

/* main.c: sum per-CPU counters and ask each part for what it owns. */
void ctdiag_counters_fill(struct ctdiag_counters *c);
void ctdiag_info_fill(struct ctdiag_info *info);

/* ct.c: conntrack -> ABI fields.  ctdiag_ct_id() is what conntrack -L -o id
 * prints: ctnetlink puts nf_ct_get_id() on the wire unswapped and
 * libnetfilter_conntrack applies ntohl(). */
u32 ctdiag_ct_id(const struct nf_conn *ct);
u32 ctdiag_netns_ino(const struct net *net);
void ctdiag_tuple_from_nf(struct ctdiag_tuple *t,
			  const struct nf_conntrack_tuple *nt);
void ctdiag_event_init(struct ctdiag_event *ev, u16 type);
void ctdiag_event_from_ct(struct ctdiag_event *ev, const struct nf_conn *ct);

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

/* store.c */
int ctdiag_store_init(void);
void ctdiag_store_exit(void);
void ctdiag_store_counters(struct ctdiag_counters *c);
/* CTDIAG_IOC_SNAPSHOT */
long ctdiag_store_snapshot(void __user *arg);

/* hooks.c: netfilter hooks that allocate records on first sight. */
int ctdiag_hooks_init(void);
void ctdiag_hooks_exit(void);

/* intercept.c: nf_ct_hook swap and/or nf_ct_destroy probe. */
int ctdiag_intercept_init(void);
void ctdiag_intercept_exit(void);
void ctdiag_intercept_counters(struct ctdiag_counters *c);

/* expiry.c */
int ctdiag_expiry_init(void);
void ctdiag_expiry_exit(void);

/* clash.c */
int ctdiag_clash_init(void);
void ctdiag_clash_exit(void);
void ctdiag_clash_counters(struct ctdiag_counters *c);

/* confirm_early.c */
int ctdiag_confirm_early_init(void);
void ctdiag_confirm_early_exit(void);

/* dev.c */
int ctdiag_dev_init(void);
void ctdiag_dev_exit(void);

#endif /* CTDIAG_INTERNAL_H */
