// SPDX-License-Identifier: GPL-2.0
/*
 * ctdiag_hookswap - test module for tests/vm/29-unload.bats: swaps
 * nf_ct_hook for a copy of whatever it points to (ctdiag's copy, if
 * ctdiag swapped it first) with a destroy wrapper that counts and calls
 * the saved ops, the way a legacy out-of-tree module does.  Restores the
 * saved pointer at unload if nf_ct_hook is still its own.
 * Read-only parameter: calls (destroys seen by the wrapper).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/module.h>
#include <linux/netfilter.h>
#include <linux/rcupdate.h>

static struct nf_ct_hook swap_ops;
static const struct nf_ct_hook *saved;
static atomic_t calls;

static int get_calls(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&calls));
}

static const struct kernel_param_ops calls_ops = { .get = get_calls };
module_param_cb(calls, &calls_ops, NULL, 0444);

static void swap_destroy(struct nf_conntrack *nfct)
{
	atomic_inc(&calls);
	saved->destroy(nfct);
}

static int __init hookswap_init(void)
{
	const struct nf_ct_hook *cur;

	cur = rcu_access_pointer(nf_ct_hook);
	if (!cur)
		return -ENOENT;
	swap_ops = *cur;
	swap_ops.destroy = swap_destroy;
	saved = cur;
	if (cmpxchg((__force const struct nf_ct_hook **)&nf_ct_hook, cur,
		    &swap_ops) != cur)
		return -EBUSY;
	pr_info("nf_ct_hook swapped (was %ps)\n", cur->destroy);
	return 0;
}

static void __exit hookswap_exit(void)
{
	if (cmpxchg((__force const struct nf_ct_hook **)&nf_ct_hook,
		    &swap_ops, saved) != &swap_ops)
		pr_err("nf_ct_hook is not ours any more: left alone\n");
	synchronize_rcu();
	pr_info("unloaded: calls=%d\n", atomic_read(&calls));
}

module_init(hookswap_init);
module_exit(hookswap_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("swaps nf_ct_hook after ctdiag (unload safety test)");
