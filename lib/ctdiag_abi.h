/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * ctdiag_abi.h - the one contract between ctdiag.ko and the ctdiag CLI.
 *
 * Included by the kernel module (kprobe/) and by user space (cli/, lib/).
 * Rules: fixed-width types only, explicit padding, every struct size is
 * asserted in both builds, and any incompatible change bumps
 * CTDIAG_ABI_VERSION.  Records never carry kernel pointers: connections are
 * named by their conntrack id, as `conntrack -L -o id` prints it
 * (ntohl(nf_ct_get_id(ct)); see kprobe/README.md, "Conntrack ids"),
 * and namespaces by the inode number of their /proc/PID/ns/net.
 */
#ifndef CTDIAG_ABI_H
#define CTDIAG_ABI_H

#include <linux/types.h>
#include <linux/ioctl.h>

#ifdef __KERNEL__
#include <linux/build_bug.h>
#define CTDIAG_ASSERT_SIZE(type, size) \
	static_assert(sizeof(type) == (size), #type " size is ABI")
#else
#define CTDIAG_ASSERT_SIZE(type, size) \
	_Static_assert(sizeof(type) == (size), #type " size is ABI")
#endif

#define CTDIAG_ABI_VERSION	1
#define CTDIAG_DEVICE		"/dev/ctdiag"
#define CTDIAG_MODULE_NAME	"ctdiag"

/*
 * Device semantics (/dev/ctdiag, misc device, mode 0600, CAP_NET_ADMIN or
 * CAP_SYS_ADMIN required at open):
 *  - An open with read access (O_RDONLY/O_RDWR) is *the reader*: only one at
 *    a time, a second gets EBUSY.  read() returns whole struct ctdiag_event
 *    records (a buffer smaller than one record: EINVAL); poll() and
 *    O_NONBLOCK work.
 *  - An open with O_WRONLY is a *control handle*: ioctls only (info,
 *    counters, snapshot), any number at once, so `ctdiag status` works while
 *    `ctdiag watch` reads.  Filters set on a control handle are ignored
 *    (EBADF): they belong to the reader.
 *  - Events are recorded only while a reader holds the device open (no
 *    reader: nothing is recorded, the per-CPU seq does not move), so a
 *    loss always means the reader fell behind.  The ring is emptied when
 *    the reader closes; the next reader starts with no backlog.
 *  - When a CPU's ring was full, read() returns a synthesized
 *    CTDIAG_EV_LOST record (cpu, u.lost.first_seq, u.lost.count) before
 *    that CPU's next record, or as soon as the ring is otherwise drained.
 *    CPUs are merged in ts_boot_ns order.
 *  - u.destroy.caller is 0 unless the reader had CAP_SYSLOG at open (the
 *    rule /proc/kallsyms applies to code addresses).
 */

/* A conntrack tuple.  Addresses in network byte order, IPv4 in the first
 * 4 bytes (the rest zero).  Ports in host byte order.  For ICMP/ICMPv6,
 * sport is the id and dport is (type << 8) | code. */
struct ctdiag_tuple {
	__u8	src[16];
	__u8	dst[16];
	__u16	sport;
	__u16	dport;
	__u8	l3num;		/* AF_INET (2) or AF_INET6 (10) */
	__u8	protonum;	/* IPPROTO_* */
	__u8	pad[2];
};
CTDIAG_ASSERT_SIZE(struct ctdiag_tuple, 40);

enum ctdiag_event_type {
	CTDIAG_EV_NONE = 0,
	CTDIAG_EV_EXT_ALLOC = 1,	/* extension record created */
	CTDIAG_EV_EXT_FREE = 2,		/* extension record freed; u.free */
	CTDIAG_EV_CT_DESTROY = 3,	/* a conntrack was destroyed; u.destroy */
	CTDIAG_EV_CLASH = 4,		/* confirm collision; u.clash */
	CTDIAG_EV_CONFIRM_DROP = 5,	/* __nf_conntrack_confirm NF_DROP w/o clash */
	CTDIAG_EV_NFQ_UPDATE = 6,	/* nf_conntrack_update swapped skb's ct; u.clash */
	CTDIAG_EV_CONFIRM_EARLY = 7,	/* entry confirmed early (confirm_early=) */
	CTDIAG_EV_LOST = 8,		/* synthesized by read(): u.lost */
	CTDIAG_EV_MAX
};

/* Why an extension record was freed: the path that freed it. */
enum ctdiag_free_path {
	CTDIAG_FREE_NONE = 0,
	CTDIAG_FREE_HOOK = 1,		/* nf_ct_hook->destroy (legacy swap) */
	CTDIAG_FREE_DESTROY = 2,	/* kprobe on nf_ct_destroy */
	CTDIAG_FREE_EXPIRY_ORPHAN = 3,	/* idle expiry; conntrack was gone */
	CTDIAG_FREE_EXPIRY_IDLE = 4,	/* idle expiry; conntrack still alive */
	CTDIAG_FREE_STALE_REUSE = 5,	/* nf_conn address reused by a new ct */
	CTDIAG_FREE_NETNS_EXIT = 6,	/* its network namespace went away */
	CTDIAG_FREE_UNLOAD = 7,		/* module unload */
	CTDIAG_FREE_MAX
};

/* How an extension record came to exist. */
enum ctdiag_alloc_how {
	CTDIAG_ALLOC_NONE = 0,
	CTDIAG_ALLOC_PRE_ROUTING = 1,	/* netfilter hook, PRE_ROUTING */
	CTDIAG_ALLOC_LOCAL_OUT = 2,	/* netfilter hook, LOCAL_OUT */
	CTDIAG_ALLOC_API = 3,		/* exported in-kernel API */
	CTDIAG_ALLOC_MAX
};

/* confirm_early= protocols (struct ctdiag_info.confirm_early bits). */
enum ctdiag_confirm_early {
	CTDIAG_CE_UDP = 1 << 0,
	CTDIAG_CE_UDPLITE = 1 << 1,
};

/* Which interception modes (module parameter intercept=). */
enum ctdiag_intercept {
	CTDIAG_INTERCEPT_HOOK = 1,
	CTDIAG_INTERCEPT_DESTROY = 2,
	CTDIAG_INTERCEPT_BOTH = 3,	/* HOOK | DESTROY */
};

/* Where the module saw a conntrack being destroyed (u.destroy.path). */
enum ctdiag_destroy_path {
	CTDIAG_DESTROY_HOOK = 1,	/* via nf_ct_hook->destroy */
	CTDIAG_DESTROY_PROBE = 2,	/* nf_ct_destroy, not via the hook */
};

enum ctdiag_clash_outcome {
	CTDIAG_CLASH_NONE = 0,
	CTDIAG_CLASH_MERGED = 1,	/* loser merged into winner */
	CTDIAG_CLASH_MERGED_OTHER = 2,	/* merged into a third ct (reply match) */
	CTDIAG_CLASH_NAT_CLASH = 3,	/* loser inserted reply-only (IPS_NAT_CLASH) */
	CTDIAG_CLASH_DROPPED = 4,	/* insert_failed + drop */
	CTDIAG_CLASH_NFQ_SWAP = 5,	/* nf_conntrack_update: skb moved to existing ct */
	CTDIAG_CLASH_NFQ_DROP = 6,	/* nf_conntrack_update failed: verdict -> drop */
	CTDIAG_CLASH_MAX
};

/* Event-specific payloads; all are 96 bytes (the union's size). */
struct ctdiag_ev_alloc {
	__u16	how;		/* enum ctdiag_alloc_how */
	__u16	pad0;
	__u32	size;		/* bytes held by the record */
	__u8	pad[88];
};

struct ctdiag_ev_free {
	__u16	path;		/* enum ctdiag_free_path */
	__u16	how;		/* enum ctdiag_alloc_how it was allocated by */
	__u32	size;
	__u64	age_ns;		/* since allocation */
	__u64	idle_ns;	/* since the last packet */
	__u64	pkts[2];	/* [0] original, [1] reply direction */
	__u64	bytes[2];
	__u8	pad[40];
};

struct ctdiag_ev_destroy {
	__u16	path;		/* enum ctdiag_destroy_path */
	__u8	had_ext;	/* an extension record existed */
	__u8	pad0[5];
	__u64	caller;		/* return address; 0 unless reader is root */
	__u8	pad[80];
};

struct ctdiag_ev_clash {
	__u16	outcome;	/* enum ctdiag_clash_outcome */
	__u16	queue;		/* NFQUEUE number, 0xffff if unknown */
	__u32	winner_id;	/* conntrack id of the entry in the table */
	__u32	other_id;	/* MERGED_OTHER: id of the third ct */
	__u32	winner_status;
	struct ctdiag_tuple winner_orig;	/* winner's tuples */
	__u8	pad[40];
};

/* CONFIRM_EARLY outcome (u.confirm_early.result). */
enum ctdiag_ce_result {
	CTDIAG_CE_RES_NONE = 0,
	CTDIAG_CE_RES_CONFIRMED = 1,	/* the skb's entry was inserted */
	CTDIAG_CE_RES_MERGED = 2,	/* same tuple confirmed first elsewhere;
					 * skb moved to it (prev_id = old) */
	CTDIAG_CE_RES_FAILED = 3,	/* confirm said NF_DROP; packet passed
					 * on unconfirmed, real confirm decides */
	CTDIAG_CE_RES_DROPPED = 4,	/* inserted then killed; NF_DROP */
	CTDIAG_CE_RES_MAX
};

struct ctdiag_ev_confirm_early {
	__u16	result;		/* enum ctdiag_ce_result */
	__u16	hook;		/* NF_INET_POST_ROUTING (4) or LOCAL_IN (1) */
	__s32	priority;	/* confirm_early_prio */
	__u32	prev_id;	/* MERGED: id of the skb's entry before */
	__u8	pad[84];
};

struct ctdiag_ev_lost {
	__u64	count;		/* records lost on this CPU ... */
	__u64	first_seq;	/* ... starting at this per-CPU sequence */
	__u8	pad[80];
};

/*
 * One ring record.  The connection fields describe the ct the event is
 * about (for CLASH: the loser, i.e. the skb's unconfirmed entry).
 * seq is per CPU, incremented for every event that passed the filters,
 * whether or not it fit in the ring: a gap in one CPU's sequence is
 * exactly the number of records lost there.
 */
struct ctdiag_event {
	__u16	size;		/* sizeof(struct ctdiag_event) */
	__u16	type;		/* enum ctdiag_event_type */
	__u16	cpu;
	__u16	flags;
	__u64	seq;
	__u64	ts_real_ns;	/* CLOCK_REALTIME */
	__u64	ts_boot_ns;	/* CLOCK_BOOTTIME */
	__u32	ct_id;		/* as conntrack -L -o id prints */
	__u32	netns;		/* netns inode */
	__u32	mark;
	__u32	status;		/* ct->status (IPS_* bits) */
	__u16	zone;
	__u8	l3num;
	__u8	protonum;
	__u32	pad0;
	struct ctdiag_tuple orig;
	struct ctdiag_tuple reply;
	union {
		struct ctdiag_ev_alloc	alloc;
		struct ctdiag_ev_free	free;
		struct ctdiag_ev_destroy destroy;
		struct ctdiag_ev_clash	clash;
		struct ctdiag_ev_lost	lost;
		struct ctdiag_ev_confirm_early confirm_early;
		__u8			raw[96];
	} u;
};
CTDIAG_ASSERT_SIZE(struct ctdiag_ev_alloc, 96);
CTDIAG_ASSERT_SIZE(struct ctdiag_ev_free, 96);
CTDIAG_ASSERT_SIZE(struct ctdiag_ev_destroy, 96);
CTDIAG_ASSERT_SIZE(struct ctdiag_ev_clash, 96);
CTDIAG_ASSERT_SIZE(struct ctdiag_ev_lost, 96);
CTDIAG_ASSERT_SIZE(struct ctdiag_ev_confirm_early, 96);
CTDIAG_ASSERT_SIZE(struct ctdiag_event, 232);

/* A live extension record, as returned by CTDIAG_IOC_SNAPSHOT. */
struct ctdiag_ext_rec {
	__u32	ct_id;
	__u32	netns;
	__u16	zone;
	__u16	how;		/* enum ctdiag_alloc_how */
	__u32	size;		/* bytes held */
	__u32	mark;
	__u32	status;
	__u64	created_real_ns;
	__u64	created_boot_ns;
	__u64	last_seen_boot_ns;	/* at tick resolution (1-10 ms) */
	__u64	pkts[2];
	__u64	bytes[2];
	struct ctdiag_tuple orig;
	struct ctdiag_tuple reply;
};
CTDIAG_ASSERT_SIZE(struct ctdiag_ext_rec, 160);

/* Counters; global sums over CPUs. */
struct ctdiag_counters {
	__u64	live;			/* records in the store now */
	__u64	allocated;		/* records ever created */
	__u64	freed[CTDIAG_FREE_MAX];	/* by enum ctdiag_free_path */
	__u64	alloc_failed;		/* GFP_ATOMIC or injected failures */
	__u64	destroy_hook;		/* ct destroys seen via nf_ct_hook */
	__u64	destroy_probe;		/* ct destroys seen by the nf_ct_destroy probe */
	__u64	clash[CTDIAG_CLASH_MAX]; /* by enum ctdiag_clash_outcome */
	__u64	confirm_drop;		/* confirm NF_DROP without a clash */
	__u64	confirm_early;		/* entries confirmed early */
	__u64	ring_written;
	__u64	ring_lost;		/* sum of per-CPU losses */
	__u64	ring_filtered;		/* events suppressed by the filter */
	__u64	expiry_runs;
	__u64	probe_hits[8];		/* by enum ctdiag_probe */
	__u64	probe_nmissed[8];
	__u64	probe_ns[8];		/* total ns spent in handlers, if measured */
	/* confirm_early= outcomes other than confirm_early (see
	 * enum ctdiag_ce_result); skip_nat: left alone because source NAT
	 * follows in that hook (confirming would disable it). */
	__u64	confirm_early_merged;
	__u64	confirm_early_failed;
	__u64	confirm_early_dropped;
	__u64	confirm_early_skip_nat;
	__u64	reserved[4];
};
CTDIAG_ASSERT_SIZE(struct ctdiag_counters, 464);

enum ctdiag_probe {
	CTDIAG_PROBE_DESTROY = 0,	/* kprobe nf_ct_destroy */
	CTDIAG_PROBE_RESOLVE_CLASH = 1,	/* kretprobe nf_ct_resolve_clash */
	CTDIAG_PROBE_CONFIRM = 2,	/* kretprobe __nf_conntrack_confirm */
	CTDIAG_PROBE_UPDATE = 3,	/* kretprobe nf_conntrack_update */
	CTDIAG_PROBE_HOOK_DESTROY = 4,	/* our nf_ct_hook->destroy wrapper */
	CTDIAG_PROBE_PKT_HOOK = 5,	/* our netfilter packet hooks */
	CTDIAG_PROBE_MAX = 8
};

/* Module configuration, as loaded. */
struct ctdiag_info {
	__u32	abi_version;
	__u32	intercept;		/* enum ctdiag_intercept */
	__u32	idle_timeout;		/* seconds, 0 = off */
	__u32	ring_kb;		/* per CPU, 0 = ring off */
	__u32	confirm_early;		/* enum ctdiag_confirm_early bits */
	__u32	nr_cpus;		/* possible CPUs; size of per-CPU arrays */
	__u32	record_size;		/* sizeof(struct ctdiag_event) */
	__u32	ext_rec_size;		/* sizeof(struct ctdiag_ext_rec) */
	__u64	load_real_ns;		/* when the module was loaded */
	char	version[32];		/* module version string */
};
CTDIAG_ASSERT_SIZE(struct ctdiag_info, 72);

/*
 * Features: each probe and hook is registered on its own, and one that
 * cannot be (symbol missing or inlined on this kernel, not probe-able,
 * another module in the way) costs its feature, not the module.  Only an
 * interception path that sees every free is required (destroy-probe, or
 * hook with intercept=hook).  X(ID, name, what it attaches to, what is
 * lost without it); names are what status, doctor and stats print.
 */
#define CTDIAG_FEATURE_LIST(X)						\
	X(HOOK, "hook", "nf_ct_hook->destroy",				\
	  "frees via nf_ct_hook are seen by the destroy probe only")	\
	X(DESTROY, "destroy-probe", "nf_ct_destroy",			\
	  "direct nf_ct_destroy calls are not seen")			\
	X(CLASH, "clash-probe", "nf_ct_resolve_clash",			\
	  "no records of confirm collisions")				\
	X(CONFIRM, "confirm-probe", "__nf_conntrack_confirm",		\
	  "no CONFIRM_DROP records (off unless confirm_probe=1)")	\
	X(UPDATE, "nfq-update-probe", "nf_conntrack_update",		\
	  "no records of NFQUEUE reinject swaps and drops")		\
	X(VERDICT, "nfq-verdict-probe", "nfqnl_recv_verdict",		\
	  "collision records carry no NFQUEUE number")			\
	X(PKT_HOOKS, "packet-hooks", "netfilter hooks",		\
	  "no records are created from packets (API records only)")	\
	X(CONFIRM_EARLY, "confirm-early", "netfilter hooks",		\
	  "confirm_early= does nothing")				\
	X(RING, "ring", "ring buffer",					\
	  "no events on /dev/ctdiag (watch, record)")

#define CTDIAG_FEAT_ENUM_(id, name, target, lost) CTDIAG_FEAT_##id,
enum ctdiag_feature {
	CTDIAG_FEATURE_LIST(CTDIAG_FEAT_ENUM_)
	CTDIAG_FEAT_COUNT,		/* features this ABI knows */
	CTDIAG_FEAT_MAX = 16		/* slots in struct ctdiag_features */
};
#undef CTDIAG_FEAT_ENUM_

/* A feature's state: > 0 as below, < 0 the -errno its registration got. */
enum ctdiag_feature_state {
	CTDIAG_FS_OFF = 0,		/* not asked for (module parameters) */
	CTDIAG_FS_ON = 1,		/* registered and working */
	CTDIAG_FS_WAITING = 2,		/* waits for a module to load (the
					 * NFQUEUE verdict probe needs
					 * nfnetlink_queue) */
};

struct ctdiag_features {
	__s32	state[CTDIAG_FEAT_MAX];	/* enum ctdiag_feature_state or -errno */
};
CTDIAG_ASSERT_SIZE(struct ctdiag_features, 64);

/* Per-CPU ring statistics: user passes an array of nr entries. */
struct ctdiag_cpu_stat {
	__u64	written;
	__u64	lost;
	__u64	next_seq;
};
CTDIAG_ASSERT_SIZE(struct ctdiag_cpu_stat, 24);

struct ctdiag_cpu_stats_req {
	__u64	buf;		/* user pointer to struct ctdiag_cpu_stat[nr] */
	__u32	nr;		/* in: entries in buf; out: entries filled */
	__u32	pad;
};
CTDIAG_ASSERT_SIZE(struct ctdiag_cpu_stats_req, 16);

/* Reader-side filter: an event passes when every field set in .set matches.
 * A filtered-out event takes no sequence number and costs no copy. */
enum ctdiag_filter_bits {
	CTDIAG_F_NETNS	= 1 << 0,
	CTDIAG_F_ZONE	= 1 << 1,
	CTDIAG_F_PROTO	= 1 << 2,	/* L4 protocol */
	CTDIAG_F_FAMILY	= 1 << 3,	/* L3 family */
	CTDIAG_F_SRC	= 1 << 4,	/* src/src_plen (orig direction) */
	CTDIAG_F_DST	= 1 << 5,
	CTDIAG_F_SPORT	= 1 << 6,
	CTDIAG_F_DPORT	= 1 << 7,
	CTDIAG_F_EVENTS	= 1 << 8,	/* event_mask: 1 << enum ctdiag_event_type */
};

struct ctdiag_filter {
	__u32	set;		/* enum ctdiag_filter_bits */
	__u32	netns;
	__u16	zone;
	__u8	protonum;
	__u8	l3num;
	__u16	sport;
	__u16	dport;
	__u8	src[16];
	__u8	dst[16];
	__u8	src_plen;
	__u8	dst_plen;
	__u16	pad;
	__u32	event_mask;
};
CTDIAG_ASSERT_SIZE(struct ctdiag_filter, 56);

/* Snapshot of live extension records.  If more than nr exist, the first
 * nr are copied, count = nr and total says how many there were: retry with
 * a larger buffer. */
struct ctdiag_snapshot_req {
	__u64	buf;		/* user pointer to struct ctdiag_ext_rec[nr] */
	__u32	nr;		/* in: capacity */
	__u32	count;		/* out: records copied */
	__u64	total;		/* out: live records at the time */
	__u64	now_boot_ns;	/* out: CLOCK_BOOTTIME at the snapshot */
	__u64	now_real_ns;	/* out: CLOCK_REALTIME at the snapshot */
};
CTDIAG_ASSERT_SIZE(struct ctdiag_snapshot_req, 40);

#define CTDIAG_IOC_MAGIC	0xCD
#define CTDIAG_IOC_VERSION	_IOR(CTDIAG_IOC_MAGIC, 0, __u32)
#define CTDIAG_IOC_INFO		_IOR(CTDIAG_IOC_MAGIC, 1, struct ctdiag_info)
#define CTDIAG_IOC_COUNTERS	_IOR(CTDIAG_IOC_MAGIC, 2, struct ctdiag_counters)
#define CTDIAG_IOC_CPU_STATS	_IOWR(CTDIAG_IOC_MAGIC, 3, struct ctdiag_cpu_stats_req)
#define CTDIAG_IOC_SET_FILTER	_IOW(CTDIAG_IOC_MAGIC, 4, struct ctdiag_filter)
#define CTDIAG_IOC_SNAPSHOT	_IOWR(CTDIAG_IOC_MAGIC, 5, struct ctdiag_snapshot_req)
#define CTDIAG_IOC_FEATURES	_IOR(CTDIAG_IOC_MAGIC, 6, struct ctdiag_features)

#endif /* CTDIAG_ABI_H */
