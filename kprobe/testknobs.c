// SPDX-License-Identifier: GPL-2.0
/* The test build's knobs (kprobe/testknobs.h); empty in the user build. */
#ifdef CTDIAG_TEST_KNOBS
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/delay.h>
#include <linux/errno.h>
#include <linux/moduleparam.h>
#include <linux/rcupdate.h>
#include <linux/string.h>
#include "ctdiag.h"
#include "testknobs.h"

unsigned int ctdiag_fail_alloc_every;
module_param_named(fail_alloc_every, ctdiag_fail_alloc_every, uint, 0444);
MODULE_PARM_DESC(fail_alloc_every,
	"Test build: make every Nth record allocation fail (0 = never)");

static char *fail_feature = "";
module_param(fail_feature, charp, 0444);
MODULE_PARM_DESC(fail_feature,
	"Test build: comma-separated features whose registration fails with -ENOENT");

static unsigned int free_delay_ms;
module_param(free_delay_ms, uint, 0444);
MODULE_PARM_DESC(free_delay_ms,
	"Test build: the first record freed by idle expiry or netns exit waits this many ms between unlink and call_rcu");
static atomic_t free_delay_done = ATOMIC_INIT(0);

/*
 * Inside an RCU read-side section (or with preemption off) the wait is
 * busy; outside it sleeps, which is what a fully preemptible kernel may
 * do to that task at any point there anyway.  (A busy wait outside RCU
 * would hide the race on PREEMPT_VOLUNTARY kernels: udelay() runs with
 * preemption off between short windows, so no grace period ends.)
 * rcu_preempt_depth() sees rcu_read_lock() on every kernel we run on
 * (all are PREEMPT_RCU).
 */
void ctdiag_test_free_delay(u16 path)
{
	if (!free_delay_ms || (path != CTDIAG_FREE_EXPIRY_IDLE &&
			       path != CTDIAG_FREE_EXPIRY_ORPHAN &&
			       path != CTDIAG_FREE_NETNS_EXIT))
		return;
	if (atomic_xchg(&free_delay_done, 1))
		return;
	pr_info("test: delaying free (path %u) by %u ms\n", path, free_delay_ms);
	if (preemptible() && !rcu_preempt_depth())
		msleep(free_delay_ms);
	else
		mdelay(free_delay_ms);
	pr_info("test: delayed free done\n");
}

/* Whether NAME is an element of the comma-separated list. */
static bool list_has(const char *list, const char *name)
{
	size_t n = strlen(name);
	const char *p = list;

	while (*p) {
		const char *end = strchrnul(p, ',');

		if (end - p == n && !strncmp(p, name, n))
			return true;
		p = *end ? end + 1 : end;
	}
	return false;
}

int ctdiag_test_fail_feature(unsigned int feature)
{
	const char *name = ctdiag_feature_name(feature);

	if (name && list_has(fail_feature, name)) {
		pr_info("test: failing registration of %s as asked (fail_feature=)\n",
			name);
		return -ENOENT;
	}
	return 0;
}
#endif
