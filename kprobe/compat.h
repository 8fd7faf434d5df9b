/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Differences between the kernel versions ctdiag.ko is built for, each
 * handled once, here.  Tested: Debian 6.1 (6.1.0-57, cloud and PREEMPT_RT)
 * and Debian 6.12 (6.12.117, cloud and PREEMPT_RT).  kprobe/README.md
 * keeps the facts behind each entry, per series.
 *
 * Handled:
 *  - ring_buffer_unlock_commit(buffer, event) lost its unused event
 *    argument in 6.3 (upstream 04aabc32fb5f): ctdiag_rb_commit().
 *
 * Older kernels (not built or booted here; what a port would need):
 *  - before 5.17 / 5.15.36 (6ae7989c9af0) nf_ct_put() went through
 *    nf_conntrack_put() -> nf_ct_hook->destroy for every last reference,
 *    and the free function was the static destroy_conntrack(): there is
 *    no exported nf_ct_destroy to probe, so intercept=destroy would have
 *    to resolve destroy_conntrack through kallsyms (it is not inlined,
 *    being called through a pointer), and intercept=hook alone is enough.
 *  - before 5.17 nf_ct_hook was not const: the swap can write
 *    ->destroy in place instead of swapping the pointer to a copy (the
 *    copy keeps working there too).
 *  - before 4.19 the destroy callback was the global nf_ct_destroy
 *    function pointer, not a member of struct nf_ct_hook.
 *  - before 5.19 conntracks not yet confirmed, and dying ones, also sat
 *    on per-CPU unconfirmed/dying lists (both lists were removed in 5.19);
 *    ctdiag walks neither, so nothing here depends on them.
 */
#ifndef CTDIAG_COMPAT_H
#define CTDIAG_COMPAT_H

#include <linux/version.h>
#include <linux/ring_buffer.h>

static inline void ctdiag_rb_commit(struct trace_buffer *buf,
				    struct ring_buffer_event *ev)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	ring_buffer_unlock_commit(buf);
#else
	ring_buffer_unlock_commit(buf, ev);
#endif
}

#endif /* CTDIAG_COMPAT_H */
