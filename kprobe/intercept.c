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
 *  destroy = ftrace callback on nf_ct_destroy: sees (a) and (b), every ct
 *            that was ever allocated and reached destroy.
 *            (nf_conntrack_free would also see allocation-error frees, but
 *            those never reached a packet hook and so never have a record.)
 *  both    = both; each record is freed once, by whichever runs first
 *            (the hook, for (a)), see ctdiag_ext_unlink().
 *
 * Why an ftrace_ops and not a kprobe (kprobe/README.md, "Interception of
 * nf_ct_destroy"): a kprobe handler is not run while another kprobe
 * handler is active on the CPU -- the nested hit only raises nmissed.  So
 * a conntrack whose last nf_ct_put ran inside any kprobe handler (a
 * user's bpftrace probe, our clash kretprobes, a softirq interrupting
 * one) kept its record for ever with idle_timeout=0.  Our ftrace_ops has
 * no FTRACE_OPS_FL_RECURSION: ftrace calls it on every entry of
 * nf_ct_destroy, nested or not.  It needs no recursion guard because it
 * never calls nf_ct_destroy itself.  Destroys we could not handle anyway
 * (the test build's miss_destroy_every= knob) are counted per path and
 * make the expiry worker sweep for orphans at once
 * (ctdiag_destroy_missed()).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ftrace.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/netfilter.h>
#include <linux/percpu.h>
#include <linux/ptrace.h>
#include <linux/rcupdate.h>
#include "ctdiag.h"
#include "compat.h"
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

	/* The nested call of a repaired destroy was accounted already. */
	if (!nf_ct_is_template(ct) && !ctdiag_legacy_reentry(ct)) {
		u64 t0 = ctdiag_probe_enter(CTDIAG_PROBE_HOOK_DESTROY);
		bool had;

		CTDIAG_INC(destroy_hook);
		had = ctdiag_ext_free_ct(ct, CTDIAG_FREE_HOOK);
		destroy_event(ct, CTDIAG_DESTROY_HOOK, had, caller);
		ctdiag_probe_exit(CTDIAG_PROBE_HOOK_DESTROY, t0);
	}
	pin_cpu();
	prev = this_cpu_read(hook_destroying);
	this_cpu_write(hook_destroying, ct);
	orig_ct_hook->destroy(nfct);
	this_cpu_write(hook_destroying, prev);
	unpin_cpu();
}

/*
 * ftrace callback at the entry of nf_ct_destroy(struct nf_conntrack *):
 * any context but NMI, preemptible or not, possibly nested in itself (a
 * softirq's destroy interrupting a process-context one) -- everything it
 * calls takes irq-safe raw locks or none.  Preemption is off inside, as
 * it was in the kprobe handler, for the per-CPU hook_destroying check.
 */
static void notrace ctdiag_destroy_ftrace(unsigned long ip,
					  unsigned long parent_ip,
					  struct ftrace_ops *op,
					  struct ftrace_regs *fregs)
{
	struct nf_conn *ct = (struct nf_conn *)ctdiag_fregs_arg0(fregs);
	u64 t0;
	bool had;

	if (!ct || nf_ct_is_template(ct))
		return;
	preempt_disable_notrace();
	/* legacy.c's detection rides on this callback (it sees nested
	 * entries too, so first) */
	ctdiag_legacy_destroy_entry(ct, parent_ip);
	/* A repaired destroy's nested entry (kprobe/legacy.c): the
	 * redirected first entry counted it, freed the record, wrote it. */
	if (ctdiag_legacy_reentry(ct))
		goto out;
	if (ctdiag_test_miss_destroy()) {
		ctdiag_destroy_missed(CTDIAG_PROBE_DESTROY);
		goto out;
	}
	t0 = ctdiag_probe_enter(CTDIAG_PROBE_DESTROY);
	CTDIAG_INC(destroy_probe);
	had = ctdiag_ext_free_ct(ct, CTDIAG_FREE_DESTROY);
	if (this_cpu_read(hook_destroying) != ct)
		/* parent_ip: where nf_ct_destroy returns to. */
		destroy_event(ct, CTDIAG_DESTROY_PROBE, had, parent_ip);
	ctdiag_probe_exit(CTDIAG_PROBE_DESTROY, t0);
out:
	preempt_enable_notrace();
}

static struct ftrace_ops destroy_ops = {
	.func = ctdiag_destroy_ftrace,
};

static int destroy_ops_register(void)
{
	int ret;

	ret = ftrace_set_filter_ip(&destroy_ops, (unsigned long)nf_ct_destroy,
				   0, 1);
	if (ret)
		return ret;
	ret = register_ftrace_function(&destroy_ops);
	if (ret)
		ftrace_set_filter_ip(&destroy_ops, (unsigned long)nf_ct_destroy,
				     1, 0);
	return ret;
}

/*
 * Unload safety.  A module that swaps nf_ct_hook after us copies our ops
 * (their destroy is ctdiag_hook_destroy) and keeps a pointer to our copy
 * to call or restore; if we went away, both would point into freed
 * module memory.  While nf_ct_hook is another module's copy we hold a
 * reference on ourselves, so rmmod fails (EBUSY, "in use"); once it is
 * ours again (that module restored it) we drop it.  When it is
 * nf_conntrack's own ops again, a module loaded below us restored it
 * blindly at its unload and took us out of the chain: nothing points at
 * our copy, so no reference (holding one there would refuse every rmmod
 * until reboot).  Checked every second, so an rmmod within a second of
 * the other module's swap is not caught.
 */
static struct delayed_work hook_watch_work;
static bool hook_pinned;

/*
 * Is h another module's nf_ct_hook (not ours, not nf_conntrack's own)?
 * nf_conntrack's own ops are the static nf_conntrack_hook in
 * nf_conntrack_core.c on 6.1 and 6.12, in the nf_conntrack module (or the
 * kernel when built in); kallsyms names it for us.  A copy another module
 * made, in its data or allocated (no symbol), is foreign.
 */
static bool hook_is_foreign(const struct nf_ct_hook *h)
{
	struct ctdiag_ksym ks;

	if (h == &ctdiag_ct_hook)
		return false;
	ctdiag_ksym_resolve((unsigned long)h, &ks);
	return strcmp(ks.name, "nf_conntrack_hook") || ks.offset != 0 ||
	       (strcmp(ks.module, "vmlinux") &&
		strcmp(ks.module, "nf_conntrack"));
}

static void hook_watch(struct work_struct *work)
{
	const struct nf_ct_hook *h = rcu_access_pointer(nf_ct_hook);
	bool foreign = hook_is_foreign(h);

	if (foreign && !hook_pinned && try_module_get(THIS_MODULE)) {
		hook_pinned = true;
		pr_warn("nf_ct_hook was replaced after ctdiag (now %ps): refusing to unload until it is ctdiag's again\n",
			h);
	} else if (!foreign && hook_pinned) {
		hook_pinned = false;
		pr_info("nf_ct_hook is %s again: unloading allowed\n",
			h == &ctdiag_ct_hook ? "ctdiag's" : "nf_conntrack's own");
		module_put(THIS_MODULE);
	}
	schedule_delayed_work(&hook_watch_work, HZ);
}

bool ctdiag_intercept_unload_refused(void)
{
	return READ_ONCE(hook_pinned);
}

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
	if (cur == &ctdiag_ct_hook) {
		/* A module that chained after an earlier ctdiag.ko restored
		 * a pointer into it: copying it would make us call ourselves. */
		pr_err("nf_ct_hook points at a copy of ctdiag's own (a stale chain)\n");
		return -ELOOP;
	}
	/* Another module may have replaced ->destroy (legacy.c watches it):
	 * our wrapper calls whatever was there, so its chain stays whole. */
	if (cur->destroy != nf_ct_destroy)
		pr_info("nf_ct_hook->destroy is %ps, not nf_ct_destroy: chaining to it\n",
			cur->destroy);
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
	INIT_DELAYED_WORK(&hook_watch_work, hook_watch);
	schedule_delayed_work(&hook_watch_work, HZ);
	return 0;
}

static void hook_restore(void)
{
	const struct nf_ct_hook *was;

	if (!hook_swapped)
		return;
	/* Not pinned, or we would not be unloading. */
	cancel_delayed_work_sync(&hook_watch_work);
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
		ret = CTDIAG_FEATURE_TRY(CTDIAG_FEAT_DESTROY,
					 destroy_ops_register(),
					 "register_ftrace_function(nf_ct_destroy)");
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
		/* Returns once no CPU or preempted task can be in the
		 * callback (ftrace waits for RCU-tasks for module ops). */
		unregister_ftrace_function(&destroy_ops);
		ftrace_set_filter_ip(&destroy_ops, (unsigned long)nf_ct_destroy,
				     1, 0);
		probe_registered = false;
	}
}

/* legacy.c: is our ftrace_ops on nf_ct_destroy registered?  (From init
 * to exit; legacy.c's detection then rides on its callback.) */
bool ctdiag_intercept_destroy_ops(void)
{
	return probe_registered;
}

/* legacy.c: the ops below ours when H is our copy, else NULL. */
const struct nf_ct_hook *ctdiag_intercept_below(const struct nf_ct_hook *h)
{
	return h == &ctdiag_ct_hook ? READ_ONCE(orig_ct_hook) : NULL;
}

/* legacy.c: is our wrapper destroying CT on this CPU (preemption off)? */
bool ctdiag_intercept_hook_destroying(const struct nf_conn *ct)
{
	return this_cpu_read(hook_destroying) == ct;
}
