/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel trace events of ctdiag.ko, beside the ring: `perf record -e
 * 'ctdiag:*'`, bpftrace (tracepoint:ctdiag:*) and trace-cmd see them with
 * no reader on /dev/ctdiag.  A disabled event costs a patched-out branch.
 * They carry conntrack ids (as conntrack -L -o id prints them) and netns
 * inodes, never kernel pointers.
 *
 *   ctdiag:ext_alloc   a record was created (how: 1 prerouting,
 *                      2 local_out, 3 api)
 *   ctdiag:ext_free    a record was freed (path: enum ctdiag_free_path)
 *   ctdiag:ct_destroy  a conntrack was destroyed (path: 1 hook, 2 probe)
 *   ctdiag:clash       a confirm collision or NFQUEUE reinject swap
 *                      (outcome: enum ctdiag_clash_outcome; queue 65535
 *                      when unknown)
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM ctdiag

#if !defined(CTDIAG_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define CTDIAG_TRACE_H

#include <linux/tracepoint.h>

TRACE_EVENT(ext_alloc,
	TP_PROTO(u32 ct_id, u32 netns, u16 how, u8 protonum),
	TP_ARGS(ct_id, netns, how, protonum),
	TP_STRUCT__entry(
		__field(u32, ct_id)
		__field(u32, netns)
		__field(u16, how)
		__field(u8, protonum)
	),
	TP_fast_assign(
		__entry->ct_id = ct_id;
		__entry->netns = netns;
		__entry->how = how;
		__entry->protonum = protonum;
	),
	TP_printk("id=%u netns=%u how=%u proto=%u", __entry->ct_id,
		  __entry->netns, __entry->how, __entry->protonum)
);

TRACE_EVENT(ext_free,
	TP_PROTO(u32 ct_id, u32 netns, u16 path, u64 age_ns),
	TP_ARGS(ct_id, netns, path, age_ns),
	TP_STRUCT__entry(
		__field(u32, ct_id)
		__field(u32, netns)
		__field(u16, path)
		__field(u64, age_ns)
	),
	TP_fast_assign(
		__entry->ct_id = ct_id;
		__entry->netns = netns;
		__entry->path = path;
		__entry->age_ns = age_ns;
	),
	TP_printk("id=%u netns=%u path=%u age_ns=%llu", __entry->ct_id,
		  __entry->netns, __entry->path,
		  (unsigned long long)__entry->age_ns)
);

TRACE_EVENT(ct_destroy,
	TP_PROTO(u32 ct_id, u16 path, bool had_ext),
	TP_ARGS(ct_id, path, had_ext),
	TP_STRUCT__entry(
		__field(u32, ct_id)
		__field(u16, path)
		__field(bool, had_ext)
	),
	TP_fast_assign(
		__entry->ct_id = ct_id;
		__entry->path = path;
		__entry->had_ext = had_ext;
	),
	TP_printk("id=%u path=%u had_ext=%d", __entry->ct_id, __entry->path,
		  __entry->had_ext)
);

TRACE_EVENT(clash,
	TP_PROTO(u32 loser_id, u32 winner_id, u32 netns, u16 outcome,
		 u16 queue, u8 protonum),
	TP_ARGS(loser_id, winner_id, netns, outcome, queue, protonum),
	TP_STRUCT__entry(
		__field(u32, loser_id)
		__field(u32, winner_id)
		__field(u32, netns)
		__field(u16, outcome)
		__field(u16, queue)
		__field(u8, protonum)
	),
	TP_fast_assign(
		__entry->loser_id = loser_id;
		__entry->winner_id = winner_id;
		__entry->netns = netns;
		__entry->outcome = outcome;
		__entry->queue = queue;
		__entry->protonum = protonum;
	),
	TP_printk("loser=%u winner=%u netns=%u outcome=%u queue=%u proto=%u",
		  __entry->loser_id, __entry->winner_id, __entry->netns,
		  __entry->outcome, __entry->queue, __entry->protonum)
);

#endif /* CTDIAG_TRACE_H */

/* Out of the kernel tree: tell define_trace.h where this header is. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
