// SPDX-License-Identifier: GPL-2.0
/*
 * ctdiag.ko - per-conntrack extension store with a correct memory
 * lifecycle, and a recorder of extension events and confirm collisions.
 *
 * This file owns the init/exit order, the feature states and most module
 * parameters (clash.c, confirm_early.c and legacy.c define the ones only
 * they read; the test build's knobs are in testknobs.c).  The exit order
 * is explained in kprobe/README.md, "Unload order": stop producers, unhook,
 * unregister probes, restore nf_ct_hook, wait for RCU, stop our own work,
 * free what is left.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/in.h>
#include "ctdiag.h"

DEFINE_PER_CPU(struct ctdiag_pcpu, ctdiag_pcpu);

bool ctdiag_stopping;
u64 ctdiag_load_real_ns;
int ctdiag_intercept = CTDIAG_INTERCEPT_BOTH;
unsigned int ctdiag_idle_timeout;
unsigned int ctdiag_ring_kb;
unsigned int ctdiag_confirm_early_mask;
bool ctdiag_track_all = true;

static char *intercept = "both";
module_param(intercept, charp, 0444);
MODULE_PARM_DESC(intercept,
	"How extension records are freed: hook (legacy nf_ct_hook->destroy swap; leaks on >= 5.15.36), destroy (kprobe on nf_ct_destroy), both (default)");

static int idle_timeout = 600;
module_param(idle_timeout, int, 0444);
MODULE_PARM_DESC(idle_timeout,
	"Free records no packet touched for this many seconds (0 = off, default 600)");

static int ring_kb = 256;
module_param(ring_kb, int, 0444);
MODULE_PARM_DESC(ring_kb, "Event ring size per CPU in KiB (0 = ring off, default 256)");

static char *track = "all";
module_param(track, charp, 0444);
MODULE_PARM_DESC(track,
	"Which conntracks get a record: all (default: every one that crosses the packet hooks) or api (only those an API user attaches data to; no packet hooks)");

static char *confirm_early = "";
module_param(confirm_early, charp, 0444);
MODULE_PARM_DESC(confirm_early,
	"Comma-separated L4 protocols whose new entries are confirmed before NFQUEUE (udp, udplite); empty = off");

static int parse_confirm_early(const char *s, unsigned int *mask)
{
	char buf[64], *p, *tok;

	*mask = 0;
	if (strscpy(buf, s, sizeof(buf)) < 0)
		return -EINVAL;
	p = buf;
	while ((tok = strsep(&p, ",")) != NULL) {
		if (!*tok)
			continue;
		if (!strcmp(tok, "udp"))
			*mask |= CTDIAG_CE_UDP;
		else if (!strcmp(tok, "udplite"))
			*mask |= CTDIAG_CE_UDPLITE;
		else
			return -EINVAL;
	}
	return 0;
}

static int validate_params(void)
{
	if (!strcmp(intercept, "hook")) {
		ctdiag_intercept = CTDIAG_INTERCEPT_HOOK;
	} else if (!strcmp(intercept, "destroy")) {
		ctdiag_intercept = CTDIAG_INTERCEPT_DESTROY;
	} else if (!strcmp(intercept, "both")) {
		ctdiag_intercept = CTDIAG_INTERCEPT_BOTH;
	} else {
		pr_err("invalid intercept=%s: use hook, destroy or both\n",
		       intercept);
		return -EINVAL;
	}
	if (!strcmp(track, "all")) {
		ctdiag_track_all = true;
	} else if (!strcmp(track, "api")) {
		ctdiag_track_all = false;
	} else {
		pr_err("invalid track=%s: use all or api\n", track);
		return -EINVAL;
	}
	if (idle_timeout < 0) {
		pr_err("invalid idle_timeout=%d: seconds >= 0 (0 = off)\n",
		       idle_timeout);
		return -EINVAL;
	}
	if (ring_kb < 0 || ring_kb > 65536) {
		pr_err("invalid ring_kb=%d: 0..65536 KiB per CPU\n", ring_kb);
		return -EINVAL;
	}
	/* The ring is per possible CPU: cap the whole, too, at an eighth
	 * of RAM (and 1 GiB), so that a large per-CPU value on a large
	 * machine does not take the memory away. */
	if (ring_kb) {
		u64 total_kb = (u64)ring_kb * num_possible_cpus();
		u64 max_kb = min_t(u64, (u64)totalram_pages() << (PAGE_SHIFT - 10) >> 3,
				   1ULL << 20);

		if (total_kb > max_kb) {
			pr_err("invalid ring_kb=%d: %llu KiB for %u CPUs, more than the total cap of %llu KiB (1/8 of RAM, at most 1 GiB)\n",
			       ring_kb, total_kb, num_possible_cpus(), max_kb);
			return -EINVAL;
		}
	}
	if (parse_confirm_early(confirm_early, &ctdiag_confirm_early_mask)) {
		pr_err("invalid confirm_early=%s: comma-separated list of udp, udplite\n",
		       confirm_early);
		return -EINVAL;
	}
	ctdiag_idle_timeout = idle_timeout;
	ctdiag_ring_kb = ring_kb;
	return 0;
}

void ctdiag_info_fill(struct ctdiag_info *info)
{
	memset(info, 0, sizeof(*info));
	info->abi_version = CTDIAG_ABI_VERSION;
	info->intercept = ctdiag_intercept;
	info->idle_timeout = ctdiag_idle_timeout;
	info->ring_kb = ctdiag_ring_kb;
	info->confirm_early = ctdiag_confirm_early_mask;
	/* Per-CPU data is indexed by CPU number: user space sizes its
	 * arrays (CTDIAG_IOC_CPU_STATS) by the highest possible number + 1,
	 * which is more than num_possible_cpus() when the mask has holes. */
	info->nr_cpus = nr_cpu_ids;
	info->record_size = sizeof(struct ctdiag_event);
	info->ext_rec_size = sizeof(struct ctdiag_ext_rec);
	info->load_real_ns = ctdiag_load_real_ns;
	strscpy(info->version, CTDIAG_VERSION, sizeof(info->version));
}

static int feature_state[CTDIAG_FEAT_MAX];

#define FEAT_NAME_(id, name, target, lost) [CTDIAG_FEAT_##id] = name,
static const char *const feature_names[CTDIAG_FEAT_COUNT] = {
	CTDIAG_FEATURE_LIST(FEAT_NAME_)
};
#define FEAT_LOST_(id, name, target, lost) [CTDIAG_FEAT_##id] = lost,
static const char *const feature_lost[CTDIAG_FEAT_COUNT] = {
	CTDIAG_FEATURE_LIST(FEAT_LOST_)
};

const char *ctdiag_feature_name(unsigned int feature)
{
	return feature < CTDIAG_FEAT_COUNT ? feature_names[feature] : NULL;
}

void ctdiag_feature_set(unsigned int feature, int state)
{
	if (feature < CTDIAG_FEAT_COUNT)
		WRITE_ONCE(feature_state[feature], state);
}

/*
 * Registration of FEATURE returned RET (WHAT names the call): a failure
 * is one line in dmesg and the feature's state; the caller goes on
 * without it unless the feature is required.  Returns RET.
 */
int ctdiag_feature_register(unsigned int feature, int ret, const char *what)
{
	if (ret) {
		pr_warn("feature %s unavailable: %s failed (%d): %s\n",
			feature_names[feature], what, ret,
			feature_lost[feature]);
		ctdiag_feature_set(feature, ret);
	} else {
		ctdiag_feature_set(feature, CTDIAG_FS_ON);
	}
	return ret;
}

void ctdiag_features_fill(struct ctdiag_features *f)
{
	int i;

	memset(f, 0, sizeof(*f));
	for (i = 0; i < CTDIAG_FEAT_COUNT; i++)
		f->state[i] = READ_ONCE(feature_state[i]);
}

void ctdiag_counters_fill(struct ctdiag_counters *c)
{
	int cpu, i;

	memset(c, 0, sizeof(*c));
	for_each_possible_cpu(cpu) {
		const struct ctdiag_pcpu *p = per_cpu_ptr(&ctdiag_pcpu, cpu);

		c->allocated += p->allocated;
		for (i = 0; i < CTDIAG_FREE_MAX; i++)
			c->freed[i] += p->freed[i];
		c->alloc_failed += p->alloc_failed;
		c->destroy_hook += p->destroy_hook;
		c->destroy_probe += p->destroy_probe;
		for (i = 0; i < CTDIAG_CLASH_MAX; i++)
			c->clash[i] += p->clash[i];
		c->confirm_drop += p->confirm_drop;
		c->confirm_early += p->confirm_early;
		c->ring_written += p->ring_written;
		c->ring_lost += p->ring_lost;
		c->ring_filtered += p->ring_filtered;
		c->expiry_runs += p->expiry_runs;
		for (i = 0; i < CTDIAG_PROBE_MAX; i++) {
			c->probe_hits[i] += p->probe_hits[i];
			c->probe_ns[i] += p->probe_ns[i];
			c->probe_nmissed[i] += p->probe_missed[i];
			c->destroy_missed += p->probe_missed[i];
		}
		c->miss_sweeps += p->miss_sweeps;
	}
	ctdiag_store_counters(c);
	ctdiag_clash_counters(c);
	ctdiag_confirm_early_counters(c);
}

static int __init ctdiag_init(void)
{
	int ret;

	ret = validate_params();
	if (ret)
		return ret;
	ctdiag_load_real_ns = ktime_get_real_ns();

	memset(feature_state, 0, sizeof(feature_state));
	/* The ring is optional: without it there are no events. */
	if (ctdiag_ring_kb)
		CTDIAG_FEATURE_TRY(CTDIAG_FEAT_RING, ctdiag_ring_init(),
				   "ring_buffer_alloc");
	ret = ctdiag_store_init();
	if (ret) {
		pr_err("store init failed, returned %d\n", ret);
		goto out_ring;
	}
	ret = ctdiag_intercept_init();
	if (ret) {
		pr_err("intercept init failed, returned %d\n", ret);
		goto out_store;
	}
	ctdiag_legacy_init();	/* optional: detection, repair */
	ctdiag_clash_init();	/* optional, per probe */
	ret = ctdiag_expiry_init();
	if (ret) {
		pr_err("expiry init failed, returned %d\n", ret);
		goto out_expiry;
	}
	/*
	 * Without packet hooks the store holds API records only: by choice
	 * with track=api (the feature stays off, and a packet costs nothing
	 * here), or because their registration failed.
	 */
	if (ctdiag_track_all)
		CTDIAG_FEATURE_TRY(CTDIAG_FEAT_PKT_HOOKS, ctdiag_hooks_init(),
				   "register_pernet_subsys(packet hooks)");
	ret = ctdiag_confirm_early_init();
	if (ret) {
		pr_err("confirm_early init failed, returned %d\n", ret);
		goto out_hooks;
	}
	ret = ctdiag_dev_init();
	if (ret) {
		pr_err("device init failed, returned %d\n", ret);
		goto out_confirm_early;
	}
	pr_info("loaded: intercept=%s track=%s idle_timeout=%u ring_kb=%u confirm_early=%s\n",
		intercept, track, ctdiag_idle_timeout, ctdiag_ring_kb,
		*confirm_early ? confirm_early : "off");
	return 0;

out_confirm_early:
	ctdiag_confirm_early_exit();
out_hooks:
	WRITE_ONCE(ctdiag_stopping, true);
	ctdiag_hooks_exit();
out_expiry:
	WRITE_ONCE(ctdiag_stopping, true);
	ctdiag_expiry_exit();
	ctdiag_clash_exit();
	ctdiag_legacy_exit();
	ctdiag_intercept_exit();
out_store:
	ctdiag_store_exit();
out_ring:
	ctdiag_ring_exit();
	return ret;
}

static void __exit ctdiag_exit(void)
{
	WRITE_ONCE(ctdiag_stopping, true);
	ctdiag_dev_exit();
	ctdiag_confirm_early_exit();
	ctdiag_hooks_exit();
	ctdiag_expiry_exit();
	ctdiag_clash_exit();
	ctdiag_legacy_exit();
	ctdiag_intercept_exit();
	ctdiag_store_exit();
	ctdiag_ring_exit();
	pr_info("unloaded\n");
}

module_init(ctdiag_init);
module_exit(ctdiag_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Conntrack extension store and confirm-collision recorder");
MODULE_VERSION(CTDIAG_VERSION);
