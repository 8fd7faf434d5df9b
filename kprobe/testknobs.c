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

static unsigned int miss_destroy_every;
module_param_named(miss_destroy_every, miss_destroy_every, uint, 0444);
MODULE_PARM_DESC(miss_destroy_every,
	"Test build: the nf_ct_destroy callback ignores every Nth destroy, as if it had missed it (0 = never)");
static atomic_t destroy_seq = ATOMIC_INIT(0);

bool ctdiag_test_miss_destroy(void)
{
	return miss_destroy_every &&
	       (unsigned int)atomic_inc_return(&destroy_seq) %
	       miss_destroy_every == 0;
}

unsigned int ctdiag_test_idle_ms;
module_param_named(idle_ms, ctdiag_test_idle_ms, uint, 0444);
MODULE_PARM_DESC(idle_ms,
	"Test build: with idle_timeout set, idle expiry counts this many ms instead (0 = idle_timeout seconds)");

static unsigned int reply_write_delay_ms;
module_param(reply_write_delay_ms, uint, 0444);
MODULE_PARM_DESC(reply_write_delay_ms,
	"Test build: busy-wait this many ms between the two halves of a record's reply tuple write");

/* Addresses first, then ports, l3num and protonum: a reader in between
 * sees the new addresses with the old ports. */
void ctdiag_test_tuple_write(struct ctdiag_tuple *dst,
			     const struct ctdiag_tuple *src)
{
	const size_t half = offsetof(struct ctdiag_tuple, sport);

	memcpy(dst, src, half);
	if (reply_write_delay_ms)
		mdelay(reply_write_delay_ms);
	memcpy((char *)dst + half, (const char *)src + half,
	       sizeof(*dst) - half);
}

static unsigned int free_delay_ms;
module_param(free_delay_ms, uint, 0444);
MODULE_PARM_DESC(free_delay_ms,
	"Test build: the first record freed by idle expiry or netns exit waits this many ms between unlink and call_rcu");
static atomic_t free_delay_done = ATOMIC_INIT(0);
static atomic_t unregister_started = ATOMIC_INIT(0);

void ctdiag_test_unregister_started(void)
{
	atomic_set(&unregister_started, 1);
}

static void wait_ms(unsigned int ms, bool may_sleep)
{
	if (may_sleep)
		msleep(ms);
	else
		mdelay(ms);
}

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
	/* Sleeps in the expiry and netns paths (SRCU readers only). */
	bool may_sleep = preemptible() && !rcu_preempt_depth();
	unsigned int ms;

	pr_info("test: delaying free (path %u) by up to %u ms\n", path,
		free_delay_ms);
	for (ms = 0; ms < free_delay_ms && !atomic_read(&unregister_started); ms += 10)
		wait_ms(10, may_sleep);
	/* Long enough for an unregister that does not wait for us to finish;
	 * one that does is blocked meanwhile (busy: keep it short). */
	wait_ms(may_sleep ? 1000 : 200, may_sleep);
	pr_info("test: delayed free done (unregister %s)\n",
		atomic_read(&unregister_started) ? "had started" : "not seen");
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
