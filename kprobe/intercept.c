// SPDX-License-Identifier: GPL-2.0
/*
 * How records learn that their conntrack died (module parameter intercept=).
 *
 * On 6.1 and 6.12 every nf_conn is finally freed by nf_ct_destroy(); it
 * is entered (kprobe/README.md, "How a conntrack is freed")
 *  (a) through nf_conntrack_put() -> nf_conntrack_destroy() ->
 *      nf_ct_hook->destroy: core networking code dropping the last skb
 *      reference, e.g. an unconfirmed ct whose packet was dropped or
 *      insert_failed, or a confirmed ct whose table reference went first;
 *  (b) directly through the inline nf_ct_put(), since 6ae7989c9af0
 *      (5.17, 5.15.36): nf_ct_delete() from gc_worker/timeout, conntrack
 *      -F/-D, early_drop, TCP RST/FIN kill, iterate_cleanup, the clash
 *      loser in __nf_ct_resolve_clash(), the NFQUEUE duplicate in
 *      __nf_conntrack_update(), a master put from nf_ct_destroy() itself.
 *
 *  hook    = the legacy swap of nf_ct_hook: sees (a) only.  Records of (b)
 *            leak -- deliberately, to reproduce the bug ctdiag diagnoses;
 *            idle expiry and pointer-reuse detection are the safety net.
 *  destroy = kprobe on nf_ct_destroy: sees (a) and (b), every ct that was
 *            ever allocated and reached destroy.  (nf_conntrack_free would
 *            also see allocation-error frees, but those never reached a
 *            packet hook and so never have a record.)
 *  both    = both; each record is freed once, by whichever runs first
 *            (the hook, for (a)), see ctdiag_ext_unlink().
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kprobes.h>
#include <linux/netfilter.h>
#include <linux/percpu.h>
#include <linux/ptrace.h>
#include <linux/rcupdate.h>
#include "ctdiag.h"
#include "trace.h"

static struct nf_ct_hook ctdiag_ct_hook;	/* our copy of the ops */
static const struct nf_ct_hook *orig_ct_hook;
static bool hook_swapped;
static bool probe_registered;

/* The ct whose destroy our hook wrapper is running on this CPU, so the
 * probe does not report it a second time. */
static DEFINE_PER_CPU(const struct nf_conn *, hook_destroying);

static void destroy_event(const struct nf_conn *ct, u16 path, bool had_ext,
			  unsigned long caller)
{
	struct ctdiag_event ev;

	if (trace_ct_destroy_enabled())
		trace_ct_destroy(ctdiag_ct_id(ct), path, had_ext);
	if (!ctdiag_ring_wants(CTDIAG_EV_CT_DESTROY))
		return;
	/* Still intact: refcount 0, but nothing is freed before
	 * nf_conntrack_free() at the end of nf_ct_destroy(). */
	ctdiag_event_init(&ev, CTDIAG_EV_CT_DESTROY);
	ctdiag_event_from_ct(&ev, ct);
	ev.u.destroy.path = path;
	ev.u.destroy.had_ext = had_ext;
	ev.u.destroy.caller = caller;
	ctdiag_ring_emit(&ev);
}

/*
 * nf_ct_destroy() takes spinlock_t locks (expectations, NAT bysrc), which
 * sleep on PREEMPT_RT: there we can only pin the task to the CPU, and a
 * preempting destroy on the same CPU may at worst make the probe report a
 * hook destroy a second time (events only; freeing is unaffected).
 */
static inline void pin_cpu(void)
{
	if (IS_ENABLED(CONFIG_PREEMPT_RT))
		migrate_disable();
	else
		preempt_disable();
}

static inline void unpin_cpu(void)
{
	if (IS_ENABLED(CONFIG_PREEMPT_RT))
		migrate_enable();
	else
		preempt_enable();
}

/* nf_ct_hook->destroy: called by nf_conntrack_destroy() under rcu_read_lock */
static void ctdiag_hook_destroy(struct nf_conntrack *nfct)
{
	struct nf_conn *ct = (struct nf_conn *)nfct;
	unsigned long caller = (unsigned long)__builtin_return_address(0);
	const struct nf_conn *prev;

	if (!nf_ct_is_template(ct)) {
		bool had;

		CTDIAG_INC(destroy_hook);
		CTDIAG_INC(probe_hits[CTDIAG_PROBE_HOOK_DESTROY]);
		had = ctdiag_ext_free_ct(ct, CTDIAG_FREE_HOOK);
		destroy_event(ct, CTDIAG_DESTROY_HOOK, had, caller);
	}
	pin_cpu();
	prev = this_cpu_read(hook_destroying);
	this_cpu_write(hook_destroying, ct);
	orig_ct_hook->destroy(nfct);
	this_cpu_write(hook_destroying, prev);
	unpin_cpu();
}

static int ctdiag_destroy_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct nf_conn *ct = (struct nf_conn *)regs->di;
	bool had;

	if (!ct || nf_ct_is_template(ct))
		return 0;
	CTDIAG_INC(destroy_probe);
	CTDIAG_INC(probe_hits[CTDIAG_PROBE_DESTROY]);
	had = ctdiag_ext_free_ct(ct, CTDIAG_FREE_DESTROY);
	if (this_cpu_read(hook_destroying) != ct)
		/* At function entry the stack top is the return address. */
		destroy_event(ct, CTDIAG_DESTROY_PROBE, had,
			      regs_get_kernel_stack_nth(regs, 0));
	return 0;
}

static struct kprobe destroy_kp = {
	.pre_handler = ctdiag_destroy_pre,
};

static int hook_swap(void)
{
	const struct nf_ct_hook *cur;

	rcu_read_lock();
	cur = rcu_dereference(nf_ct_hook);
	rcu_read_unlock();
	if (!cur) {
		pr_err("nf_ct_hook is NULL (nf_conntrack not initialised)\n");
		return -ENOENT;
	}
	if (cur->destroy != nf_ct_destroy) {
		pr_err("nf_ct_hook->destroy is %ps, not nf_ct_destroy: another module has replaced nf_ct_hook\n",
		       cur->destroy);
		return -EBUSY;
	}
	/* The ops are const (.rodata, STRICT_MODULE_RWX): swap the pointer to
	 * a copy that keeps all six members and overrides destroy. */
	ctdiag_ct_hook = *cur;
	ctdiag_ct_hook.destroy = ctdiag_hook_destroy;
	orig_ct_hook = cur;
	if (cmpxchg((__force const struct nf_ct_hook **)&nf_ct_hook, cur,
		    &ctdiag_ct_hook) != cur) {
		pr_err("nf_ct_hook changed while being swapped\n");
		return -EBUSY;
	}
	hook_swapped = true;
	return 0;
}

static void hook_restore(void)
{
	const struct nf_ct_hook *was;

	if (!hook_swapped)
		return;
	was = cmpxchg((__force const struct nf_ct_hook **)&nf_ct_hook,
		      &ctdiag_ct_hook, orig_ct_hook);
	if (was != &ctdiag_ct_hook)
		pr_err("nf_ct_hook is now %ps, not ours: someone swapped it after us; leaving it alone\n",
		       was);
	/* nf_conntrack_destroy() calls ->destroy inside rcu_read_lock. */
	synchronize_rcu();
	hook_swapped = false;
}

/*
 * The store needs one path that sees every free: the nf_ct_destroy probe
 * (intercept=destroy or both), or the hook with intercept=hook.  That one
 * is required; with intercept=both the hook is an extra that may fail
 * (another module replaced nf_ct_hook, say) and costs only its feature.
 */
int ctdiag_intercept_init(void)
{
	bool want_probe = ctdiag_intercept & CTDIAG_INTERCEPT_DESTROY;
	int ret;

	if (ctdiag_intercept & CTDIAG_INTERCEPT_HOOK) {
		ret = CTDIAG_FEATURE_TRY(CTDIAG_FEAT_HOOK, hook_swap(),
					 "swapping nf_ct_hook");
		if (ret && !want_probe) {
			pr_err("intercept=hook and the hook could not be installed: refusing to load\n");
			return ret;
		}
	}
	if (want_probe) {
		destroy_kp.addr = (kprobe_opcode_t *)nf_ct_destroy;
		ret = CTDIAG_FEATURE_TRY(CTDIAG_FEAT_DESTROY,
					 register_kprobe(&destroy_kp),
					 "register_kprobe(nf_ct_destroy)");
		if (ret) {
			pr_err("no interception path sees every conntrack free: refusing to load\n");
			hook_restore();
			return ret;
		}
		probe_registered = true;
	}
	return 0;
}

void ctdiag_intercept_exit(void)
{
	hook_restore();
	if (probe_registered) {
		/* unregister_kprobe() waits for running handlers (RCU). */
		unregister_kprobe(&destroy_kp);
		probe_registered = false;
		pr_info("nf_ct_destroy probe: nmissed=%lu\n", destroy_kp.nmissed);
		destroy_kp.addr = NULL;
		destroy_kp.flags = 0;
	}
}

void ctdiag_intercept_counters(struct ctdiag_counters *c)
{
	if (probe_registered)
		c->probe_nmissed[CTDIAG_PROBE_DESTROY] = destroy_kp.nmissed;
}
