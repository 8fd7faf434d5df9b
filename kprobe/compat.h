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
 *  - an ftrace callback reads the traced function's arguments from
 *    struct ftrace_regs: on 6.1 (x86, DYNAMIC_FTRACE_WITH_ARGS) it is a
 *    struct pt_regs whose argument registers the trampoline saved, read
 *    with regs_get_kernel_argument(); 6.2 added the accessor
 *    ftrace_regs_get_argument() (upstream "ftrace: abstract
 *    DYNAMIC_FTRACE_WITH_ARGS accesses"; its hash could not be checked
 *    here), and the 6.12 headers (Debian 6.12.117) make struct
 *    ftrace_regs opaque, so only the accessor works there:
 *    ctdiag_fregs_arg0() uses the accessor where it is a macro.
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
#include <linux/ftrace.h>
#include <linux/ptrace.h>

#if !defined(CONFIG_DYNAMIC_FTRACE_WITH_ARGS) && !defined(CONFIG_HAVE_DYNAMIC_FTRACE_WITH_ARGS)
#error "ctdiag needs CONFIG_DYNAMIC_FTRACE_WITH_ARGS (x86-64 has it since 5.11) to intercept nf_ct_destroy"
#endif

static inline void ctdiag_rb_commit(struct trace_buffer *buf,
				    struct ring_buffer_event *ev)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	ring_buffer_unlock_commit(buf);
#else
	ring_buffer_unlock_commit(buf, ev);
#endif
}

/* The first argument of the function an ftrace callback was called for. */
static __always_inline unsigned long ctdiag_fregs_arg0(struct ftrace_regs *fregs)
{
#ifdef ftrace_regs_get_argument
	return ftrace_regs_get_argument(fregs, 0);
#else
	return regs_get_kernel_argument(&fregs->regs, 0);
#endif
}

#endif /* CTDIAG_COMPAT_H */
