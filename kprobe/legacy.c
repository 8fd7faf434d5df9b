// SPDX-License-Identifier: GPL-2.0
/*
 * Legacy modules: out-of-tree modules that keep per-conntrack data in their
 * own table and free it from a copy of nf_ct_hook whose .destroy they
 * replaced.  Since 5.17 / 5.15.36 (6ae7989c9af0) nf_ct_put() calls
 * nf_ct_destroy() directly and their .destroy runs only for the last puts
 * that still go through nf_conntrack_put() (kprobe/README.md, "Legacy
 * modules and nf_ct_hook").
 *
 * Detection (always on; feature legacy-detect): a callback at
 * nf_ct_destroy -- intercept.c's ftrace_ops when it has one, else an
 * ftrace_ops of its own -- looks at nf_ct_hook at every call.  When its ->destroy, or
 * the one below ctdiag's own copy, is neither nf_ct_destroy nor ctdiag's
 * wrapper, that function is "foreign": it gets a slot (module and symbol
 * names from kallsyms, since/until times).  Each non-template destroy is
 * then "via hook" when it was called from nf_conntrack_destroy(), from the
 * foreign function, or from ctdiag (its wrapper, the repair trampoline),
 * or while ctdiag's wrapper is destroying that ct on this CPU; otherwise it
 * "bypassed" the foreign function and is counted (and is a LEGACY_BYPASS
 * event).  A swap of nf_ct_hook is seen at the next destroy or status read.
 *
 * Repair (opt-in: repair=1 or CTDIAG_IOC_LEGACY_REPAIR): a second
 * ftrace_ops on nf_ct_destroy with IPMODIFY sends a bypassed call to
 * legacy_tramp() instead, which calls nf_conntrack_destroy(): the path
 * every last put took before 5.17, through the whole nf_ct_hook chain.
 * The foreign function frees its data and calls the destroy it saved,
 * which reaches nf_ct_destroy again; that nested call is let through
 * because its caller is in the chain, or, failing that, because the ct is
 * in repairing[] (claimed before the redirect, released after the chain
 * returned).  So nf_ct_destroy's body runs exactly once per ct.  Without a
 * free repairing[] slot the destroy is not redirected (counted busy).
 * While the trampoline runs the chain, the slot's low bit is set (a
 * struct nf_conn is at least 8-byte aligned): ctdiag's own destroy
 * accounting (intercept.c) asks ctdiag_legacy_reentry() and leaves that
 * second entry alone, since the redirected first one already counted the
 * destroy, freed the record and wrote the event.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/ftrace.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/netfilter.h>
#include <linux/ptrace.h>
#include <linux/sched/clock.h>
#include <linux/string.h>
#include "ctdiag.h"

#define NSLOTS		CTDIAG_LEGACY_MAX
#define NVIEWS		16
#define REPAIR_SLOTS	64

/* A foreign destroy function seen in nf_ct_hook; under legacy_lock. */
struct legacy_slot {
	char	module[56];
	char	symbol[64];
	unsigned long fn;
	u64	since_real_ns;
	u64	until_real_ns;		/* 0 = still in nf_ct_hook */
	bool	used;
};

/*
 * What the callbacks read, published by pointer and rewritten only when
 * nf_ct_hook changes (NVIEWS changes apart, far longer than a callback).
 */
struct legacy_view {
	const struct nf_ct_hook *hook;
	unsigned long fn, fn_size;	/* foreign destroy; fn 0 = none */
	int slot;			/* -1 = no foreign function */
};

struct legacy_pcpu {
	u64 bypassed[NSLOTS];
	u64 via_hook[NSLOTS];
	u64 repaired[NSLOTS];
	u64 busy[NSLOTS];
	u64 detect_ns, detect_calls, repair_ns, repair_calls;
};
static DEFINE_PER_CPU(struct legacy_pcpu, legacy_pcpu);

static DEFINE_RAW_SPINLOCK(legacy_lock);
static struct legacy_slot slots[NSLOTS];
static struct legacy_view views[NVIEWS];
static unsigned int view_next;
static struct legacy_view *cur_view;
static unsigned long ncd_start, ncd_size;	/* nf_conntrack_destroy() */
static bool detect_on;
static int detect_err;

static DEFINE_MUTEX(repair_mutex);
static bool repair_registered;
static bool legacy_ready;
static int repair_err;
static const struct nf_conn *repairing[REPAIR_SLOTS];
static atomic_t repair_inflight;

static bool repair_param;
static int repair_param_set(const char *val, const struct kernel_param *kp);
static const struct kernel_param_ops repair_param_ops = {
	.set = repair_param_set,
	.get = param_get_bool,
};
module_param_cb(repair, &repair_param_ops, &repair_param, 0644);
MODULE_PARM_DESC(repair,
	"Route nf_ct_destroy calls that bypassed another module's nf_ct_hook->destroy through it (0/1, default 0; writable at run time)");

/* Test build: time the callbacks (local_clock, per CPU). */
#ifdef CTDIAG_TEST_KNOBS
#define COST_START()	u64 __t0 = local_clock()
#define COST_END(what)	do {						\
		this_cpu_add(legacy_pcpu.what##_ns, local_clock() - __t0); \
		this_cpu_inc(legacy_pcpu.what##_calls);			\
	} while (0)
#else
#define COST_START()	do { } while (0)
#define COST_END(what)	do { } while (0)
#endif

static int legacy_slot_for(unsigned long fn, const char *mod,
			   const char *sym)
{
	int i, pick = -1;
	u64 oldest = U64_MAX;

	for (i = 0; i < NSLOTS; i++) {
		struct legacy_slot *s = &slots[i];

		if (s->used && !s->until_real_ns && s->fn == fn)
			return i;
		if (!s->used) {
			if (pick < 0 || slots[pick].used)
				pick = i;
		} else if (pick < 0 || (slots[pick].used &&
					s->until_real_ns < oldest)) {
			if (s->until_real_ns) {
				pick = i;
				oldest = s->until_real_ns;
			}
		}
	}
	if (pick < 0)
		return -1;	/* every slot active: cannot happen in practice */
	slots[pick] = (struct legacy_slot){ .used = true, .fn = fn,
			.since_real_ns = ktime_get_real_ns() };
	strscpy(slots[pick].module, mod, sizeof(slots[pick].module));
	strscpy(slots[pick].symbol, sym, sizeof(slots[pick].symbol));
	{
		int cpu;

		for_each_possible_cpu(cpu) {
			struct legacy_pcpu *p = per_cpu_ptr(&legacy_pcpu, cpu);

			p->bypassed[pick] = p->via_hook[pick] = 0;
			p->repaired[pick] = p->busy[pick] = 0;
		}
	}
	pr_info("nf_ct_hook->destroy is %s in module %s: conntracks destroyed without it are counted%s\n",
		sym, mod, READ_ONCE(repair_registered) ? " and repaired" : "");
	return pick;
}

/* nf_ct_hook is H and the published view is for another one: rebuild. */
static struct legacy_view *legacy_refresh(const struct nf_ct_hook *h)
{
	struct legacy_view *v, *nv;
	const struct nf_ct_hook *below;
	unsigned long flags, fn = 0, size = 0;
	struct ctdiag_ksym ks;
	int slot = -1;

	raw_spin_lock_irqsave(&legacy_lock, flags);
	v = cur_view;
	if (v->hook == h)
		goto out;
	if (h) {
		below = ctdiag_intercept_below(h);
		fn = (unsigned long)(below ? below->destroy : h->destroy);
		if (fn == (unsigned long)nf_ct_destroy)
			fn = 0;
	}
	if (v->slot >= 0 && v->fn != fn) {
		slots[v->slot].until_real_ns = ktime_get_real_ns();
		pr_info("%s [%s] left nf_ct_hook\n", slots[v->slot].symbol,
			slots[v->slot].module);
	}
	if (fn) {
		ctdiag_ksym_resolve(fn, &ks);
		size = ks.size;
		slot = legacy_slot_for(fn, ks.module, ks.name);
	}
	nv = &views[view_next++ % NVIEWS];
	*nv = (struct legacy_view){ .hook = h, .fn = fn, .fn_size = size,
				    .slot = slot };
	smp_store_release(&cur_view, nv);
	v = nv;
out:
	raw_spin_unlock_irqrestore(&legacy_lock, flags);
	return v;
}

/* Callbacks run with preemption disabled: an RCU read side. */
static inline struct legacy_view *legacy_view_get(void)
{
	const struct nf_ct_hook *h = rcu_dereference_sched(nf_ct_hook);
	struct legacy_view *v = smp_load_acquire(&cur_view);

	if (likely(v->hook == h))
		return v;
	return legacy_refresh(h);
}

#define REPAIR_CHAIN	1UL	/* repairing[] low bit: the chain is running */

/* Is ct in repairing[], with the chain running (CHAIN) or either way (0)? */
static bool notrace repair_slot_has(const struct nf_conn *ct,
				    unsigned long chain)
{
	unsigned long want = (unsigned long)ct | chain;
	int i;

	if (!atomic_read(&repair_inflight))
		return false;
	for (i = 0; i < REPAIR_SLOTS; i++) {
		unsigned long v = (unsigned long)READ_ONCE(repairing[i]);

		if ((chain ? v : v & ~REPAIR_CHAIN) == want)
			return true;
	}
	return false;
}

static bool repair_in_progress(const struct nf_conn *ct)
{
	return repair_slot_has(ct, 0);
}

/*
 * Is this nf_ct_destroy(ct) (or nf_ct_hook->destroy(ct)) the nested call
 * of a repaired destroy, made by the legacy module's chain from
 * legacy_tramp()?  Any context; a few loads unless a repair is running.
 */
bool notrace ctdiag_legacy_reentry(const struct nf_conn *ct)
{
	return repair_slot_has(ct, REPAIR_CHAIN);
}

/* Did this nf_ct_destroy call come through nf_ct_hook->destroy? */
static bool legacy_via_hook(const struct nf_conn *ct, unsigned long caller,
			    const struct legacy_view *v)
{
	return caller - ncd_start < ncd_size ||
	       caller - v->fn < v->fn_size ||
	       within_module(caller, THIS_MODULE) ||
	       ctdiag_intercept_hook_destroying(ct) ||
	       repair_in_progress(ct);
}

static void bypass_event(const struct nf_conn *ct, int slot, bool repaired)
{
	struct ctdiag_event ev;

	if (!ctdiag_ring_wants(CTDIAG_EV_LEGACY_BYPASS))
		return;
	ctdiag_event_init(&ev, CTDIAG_EV_LEGACY_BYPASS);
	ctdiag_event_from_ct(&ev, ct);
	ev.u.legacy.slot = slot;
	ev.u.legacy.repaired = repaired;
	/* slots[].module changes only when the slot is reused (8 foreign
	 * functions later); a torn name is at worst a wrong name. */
	strscpy(ev.u.legacy.module, slots[slot].module,
		sizeof(ev.u.legacy.module));
	ctdiag_ring_emit(&ev);
}

static void legacy_tramp(struct nf_conntrack *nfct, unsigned long i);

/* Detection, for a ct whose nf_ct_hook has a foreign function (V). */
static __always_inline void legacy_detect(const struct nf_conn *ct,
					  bool redirected,
					  unsigned long parent_ip,
					  struct legacy_view *v)
{
	/* The repair callback may have run first on this entry and
	 * claimed ct: its redirect marks the call as a bypass. */
	if (!redirected && legacy_via_hook(ct, parent_ip, v)) {
		this_cpu_inc(legacy_pcpu.via_hook[v->slot]);
	} else {
		this_cpu_inc(legacy_pcpu.bypassed[v->slot]);
		bypass_event(ct, v->slot, READ_ONCE(repair_registered));
	}
}

/*
 * Where a repaired nf_ct_destroy(nfct) goes instead (regs->ip), with the
 * repairing[] index in the second argument register.  Returns to
 * nf_ct_destroy's caller.
 */
static noinline void legacy_tramp(struct nf_conntrack *nfct, unsigned long i)
{
	WRITE_ONCE(repairing[i],
		   (const struct nf_conn *)((unsigned long)nfct | REPAIR_CHAIN));
	nf_conntrack_destroy(nfct);
	/* The ct is freed: only the pointer value is compared from here. */
	smp_store_release(&repairing[i], NULL);
	atomic_dec(&repair_inflight);
}

static int repair_claim(const struct nf_conn *ct)
{
	int i, start = (raw_smp_processor_id() * 8) % REPAIR_SLOTS;

	atomic_inc(&repair_inflight);
	for (i = 0; i < REPAIR_SLOTS; i++) {
		int j = (start + i) % REPAIR_SLOTS;

		if (!cmpxchg(&repairing[j], NULL, ct))
			return j;
	}
	atomic_dec(&repair_inflight);
	return -1;
}

/* Repair, likewise: a bypass is sent to legacy_tramp() instead. */
static __always_inline void legacy_repair(const struct nf_conn *ct,
					  struct pt_regs *regs,
					  unsigned long parent_ip,
					  struct legacy_view *v)
{
	int i;

	if (legacy_via_hook(ct, parent_ip, v))
		return;
	i = repair_claim(ct);
	if (i < 0) {
		this_cpu_inc(legacy_pcpu.busy[v->slot]);
	} else {
		this_cpu_inc(legacy_pcpu.repaired[v->slot]);
		regs->si = i;
		instruction_pointer_set(regs, (unsigned long)legacy_tramp);
	}
}

/*
 * Both callbacks at nf_ct_destroy() entry: nothing to do without saved
 * registers, while ctdiag unloads, for a template, or while nf_ct_hook
 * has no foreign function; otherwise the conntrack being destroyed (first
 * argument) goes to the detection or (REPAIR) the repair step, with
 * preemption off (the view is read under RCU-sched).
 */
static __always_inline void legacy_callback(unsigned long parent_ip,
					    struct ftrace_regs *fregs,
					    bool repair)
{
	struct pt_regs *regs = ftrace_get_regs(fregs);
	const struct nf_conn *ct;
	struct legacy_view *v;

	if (!regs || ctdiag_is_stopping())
		return;
	ct = (const struct nf_conn *)regs->di;
	if (!ct || nf_ct_is_template(ct))
		return;
	preempt_disable_notrace();
	{
		COST_START();

		v = legacy_view_get();
		if (v->slot >= 0) {
			if (repair)
				legacy_repair(ct, regs, parent_ip, v);
			else
				legacy_detect(ct, instruction_pointer(regs) ==
					      (unsigned long)legacy_tramp,
					      parent_ip, v);
		}
		if (repair)
			COST_END(repair);
		else
			COST_END(detect);
	}
	preempt_enable_notrace();
}

/*
 * Detection riding on intercept.c's ftrace_ops at nf_ct_destroy (modes
 * destroy and both), called first in its callback with preemption off.
 * One callback on the function instead of two lets ftrace call it
 * directly instead of walking its list of ops and testing each one's
 * filter hash, and skip saving all registers: about 400 guest
 * instructions less per destroy under icount.  Without the saved
 * registers, whether the repair callback (its own ops; when registered
 * it runs before ours) redirected this entry is read from repairing[]:
 * claimed, and the chain not yet running, is the redirected first entry.
 */
static bool detect_shared;

void notrace ctdiag_legacy_destroy_entry(const struct nf_conn *ct,
					 unsigned long parent_ip)
{
	struct legacy_view *v;

	if (!READ_ONCE(detect_shared) || ctdiag_is_stopping())
		return;
	{
		COST_START();

		v = legacy_view_get();
		if (v->slot >= 0)
			legacy_detect(ct, repair_in_progress(ct) &&
				      !ctdiag_legacy_reentry(ct),
				      parent_ip, v);
		COST_END(detect);
	}
}

static void notrace legacy_detect_fn(unsigned long ip, unsigned long parent_ip,
				     struct ftrace_ops *op,
				     struct ftrace_regs *fregs)
{
	legacy_callback(parent_ip, fregs, false);
}

static void notrace legacy_repair_fn(unsigned long ip, unsigned long parent_ip,
				     struct ftrace_ops *op,
				     struct ftrace_regs *fregs)
{
	legacy_callback(parent_ip, fregs, true);
}

static struct ftrace_ops detect_ops = {
	.func	= legacy_detect_fn,
	.flags	= FTRACE_OPS_FL_SAVE_REGS,
};

static struct ftrace_ops repair_ops = {
	.func	= legacy_repair_fn,
	.flags	= FTRACE_OPS_FL_SAVE_REGS | FTRACE_OPS_FL_IPMODIFY,
};

int ctdiag_legacy_set_repair(bool on)
{
	int ret = 0;

	mutex_lock(&repair_mutex);
	if (!legacy_ready || !detect_on) {
		ret = legacy_ready ? -EOPNOTSUPP : 0;
		if (!ret)
			repair_param = on;	/* applied at init */
		goto out;
	}
	if (on && !repair_registered) {
		ret = register_ftrace_function(&repair_ops);
		repair_err = ret;
		if (ret) {
			pr_err("repair: register_ftrace_function(nf_ct_destroy) failed, returned %d%s\n",
			       ret, ret == -EBUSY ?
			       " (another IPMODIFY user, e.g. a livepatch of nf_ct_destroy)" : "");
			goto out;
		}
		WRITE_ONCE(repair_registered, true);
		pr_info("repair on: destroys that bypass a foreign nf_ct_hook->destroy are routed through it\n");
	} else if (!on && repair_registered) {
		/* Waits for callbacks; trampolines in flight finish alone. */
		unregister_ftrace_function(&repair_ops);
		WRITE_ONCE(repair_registered, false);
		pr_info("repair off\n");
	}
	repair_param = on;
out:
	mutex_unlock(&repair_mutex);
	return ret;
}

static int repair_param_set(const char *val, const struct kernel_param *kp)
{
	bool on;
	int ret = kstrtobool(val, &on);

	if (ret)
		return ret;
	return ctdiag_legacy_set_repair(on);
}

void ctdiag_legacy_fill(struct ctdiag_legacy *l)
{
	const struct nf_ct_hook *h;
	struct legacy_view *v = NULL;
	unsigned long flags;
	int i, cpu;

	memset(l, 0, sizeof(*l));
	l->detect_err = detect_err;
	l->repair_err = READ_ONCE(repair_err);
	l->repair = READ_ONCE(repair_registered);
	if (!detect_on)
		return;
	preempt_disable();
	h = rcu_dereference_sched(nf_ct_hook);
	v = legacy_refresh(h);
	preempt_enable();
	raw_spin_lock_irqsave(&legacy_lock, flags);
	l->active = v->slot >= 0 ? v->slot + 1 : 0;
	for (i = 0; i < NSLOTS; i++) {
		struct ctdiag_legacy_mod *m = &l->mods[i];

		if (!slots[i].used)
			continue;
		l->nr = i + 1;
		memcpy(m->module, slots[i].module, sizeof(m->module));
		memcpy(m->symbol, slots[i].symbol, sizeof(m->symbol));
		m->since_real_ns = slots[i].since_real_ns;
		m->until_real_ns = slots[i].until_real_ns;
	}
	raw_spin_unlock_irqrestore(&legacy_lock, flags);
	for_each_possible_cpu(cpu) {
		const struct legacy_pcpu *p = per_cpu_ptr(&legacy_pcpu, cpu);

		for (i = 0; i < NSLOTS; i++) {
			l->mods[i].bypassed += p->bypassed[i];
			l->mods[i].via_hook += p->via_hook[i];
			l->mods[i].repaired += p->repaired[i];
			l->mods[i].repair_busy += p->busy[i];
		}
		l->detect_ns += p->detect_ns;
		l->detect_calls += p->detect_calls;
		l->repair_ns += p->repair_ns;
		l->repair_calls += p->repair_calls;
	}
}

static int legacy_detect_start(void)
{
	struct ctdiag_ksym ks;
	int ret;

	ctdiag_ksym_resolve((unsigned long)nf_conntrack_destroy, &ks);
	ncd_size = ks.size;
	if (!ncd_size)
		return -ENOENT;
	ncd_start = (unsigned long)nf_conntrack_destroy;
	if (ctdiag_intercept_destroy_ops()) {
		ret = ftrace_set_filter_ip(&repair_ops,
					   (unsigned long)nf_ct_destroy, 0, 0);
		if (!ret)
			WRITE_ONCE(detect_shared, true);
		return ret;
	}
	ret = ftrace_set_filter_ip(&detect_ops, (unsigned long)nf_ct_destroy,
				   0, 0);
	if (ret)
		return ret;
	ret = ftrace_set_filter_ip(&repair_ops, (unsigned long)nf_ct_destroy,
				   0, 0);
	if (ret)
		goto out_detect;
	ret = register_ftrace_function(&detect_ops);
	if (ret)
		goto out_repair;
	return 0;

out_repair:
	ftrace_set_filter_ip(&repair_ops, (unsigned long)nf_ct_destroy, 1, 0);
out_detect:
	ftrace_set_filter_ip(&detect_ops, (unsigned long)nf_ct_destroy, 1, 0);
	return ret;
}

void ctdiag_legacy_init(void)
{
	views[0] = (struct legacy_view){ .slot = -1, .hook = NULL };
	/* A view for "no hook" that never matches a real nf_ct_hook. */
	views[0].hook = ERR_PTR(-ENOENT);
	view_next = 1;
	cur_view = &views[0];
	detect_err = CTDIAG_FEATURE_TRY(CTDIAG_FEAT_LEGACY,
					legacy_detect_start(),
					"ftrace_ops on nf_ct_destroy");
	mutex_lock(&repair_mutex);
	detect_on = !detect_err;
	legacy_ready = true;
	mutex_unlock(&repair_mutex);
	if (detect_on && repair_param)
		ctdiag_legacy_set_repair(true);
	else if (repair_param)
		pr_err("repair=1 ignored: detection is unavailable\n");
}

void ctdiag_legacy_exit(void)
{
	int waited = 0;

	mutex_lock(&repair_mutex);
	legacy_ready = false;
	if (repair_registered) {
		unregister_ftrace_function(&repair_ops);
		WRITE_ONCE(repair_registered, false);
	}
	mutex_unlock(&repair_mutex);
	if (!detect_on)
		return;
	if (detect_shared) {
		/* intercept.c's ops stays until ctdiag_intercept_exit(),
		 * whose unregistration waits for its last callback; a
		 * detection still running until then reads static state
		 * only and writes an event into the ring, freed later. */
		WRITE_ONCE(detect_shared, false);
	} else {
		unregister_ftrace_function(&detect_ops);
		ftrace_set_filter_ip(&detect_ops, (unsigned long)nf_ct_destroy,
				     1, 0);
	}
	ftrace_set_filter_ip(&repair_ops, (unsigned long)nf_ct_destroy, 1, 0);
	detect_on = false;
	/* Trampolines still inside nf_conntrack_destroy(): wait for them,
	 * then for their last instructions (a voluntary switch of every
	 * task happens only after the trampoline returned). */
	while (atomic_read(&repair_inflight)) {
		msleep(1);
		if (++waited == 5000)
			pr_warn("unload waits for %d repairs in flight\n",
				atomic_read(&repair_inflight));
	}
	synchronize_rcu_tasks();
}
