// SPDX-License-Identifier: GPL-2.0
/*
 * ctdiag_extmod - test module for ctdiag.ko's exported extension API
 * (kprobe/ctdiag_ext.h), used by tests/vm/25-api.bats.
 *
 * Registers a typed extension and attaches it to every IPv4 conntrack seen
 * at LOCAL_OUT (after ctdiag's own hook), counting packets in it.
 * Read-only parameters: created (data attached), destroyed (destructor
 * calls), bad (destructor saw corrupt data), pkts (packets counted in data
 * found again with ctdiag_ext_find).
 *
 * hold=1 (tests/vm/28-netns-exit.bats): keep a reference on the first
 * conntrack seen and call ctdiag_ext_get_or_create() on it every 100 ms
 * from a work item, also while its namespace is being dismantled (after
 * ctdiag's netns exit); late counts data created while the namespace was
 * dying.  The reference goes 1 s after the namespace started dying (its
 * conntrack cleanup waits for it) or at unload.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/module.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/sysfs.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>
#include <net/netfilter/nf_conntrack.h>
#include "ctdiag_ext.h"

#define EXTMOD_MAGIC 0x6374646961677874ULL

struct extmod_data {
	u64 magic;
	atomic_t pkts;
};

static atomic_t created, destroyed, bad, pkts, late;
static bool hold;
module_param(hold, bool, 0444);
static struct nf_conn *held;
static DEFINE_SPINLOCK(held_lock);
static struct delayed_work hold_work;
static unsigned int dying_ticks;

static int get_atomic(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", atomic_read((atomic_t *)kp->arg));
}

static const struct kernel_param_ops atomic_ro_ops = { .get = get_atomic };
module_param_cb(created, &atomic_ro_ops, &created, 0444);
module_param_cb(destroyed, &atomic_ro_ops, &destroyed, 0444);
module_param_cb(bad, &atomic_ro_ops, &bad, 0444);
module_param_cb(pkts, &atomic_ro_ops, &pkts, 0444);
module_param_cb(late, &atomic_ro_ops, &late, 0444);

static void extmod_destroy(void *data)
{
	struct extmod_data *d = data;

	if (d->magic != EXTMOD_MAGIC)
		atomic_inc(&bad);
	d->magic = 0;
	atomic_inc(&destroyed);
}

static struct ctdiag_ext_type extmod_type = {
	.name		= "extmod",
	.size		= sizeof(struct extmod_data),
	.destroy	= extmod_destroy,
};

static void hold_put(void)
{
	struct nf_conn *ct;

	spin_lock_bh(&held_lock);
	ct = held;
	held = NULL;
	spin_unlock_bh(&held_lock);
	if (ct)
		nf_ct_put(ct);
}

static void hold_tick(struct work_struct *work)
{
	struct extmod_data *d;
	bool dying;

	if (!held)
		return;
	dying = !check_net(nf_ct_net(held));
	rcu_read_lock();
	d = ctdiag_ext_get_or_create(held, &extmod_type, GFP_ATOMIC);
	if (d && cmpxchg(&d->magic, 0, EXTMOD_MAGIC) == 0) {
		atomic_inc(&created);
		if (dying)
			atomic_inc(&late);
	}
	rcu_read_unlock();
	if (dying && ++dying_ticks >= 10) {
		hold_put();
		return;
	}
	schedule_delayed_work(&hold_work, HZ / 10);
}

static unsigned int extmod_hook(void *priv, struct sk_buff *skb,
				const struct nf_hook_state *state)
{
	enum ip_conntrack_info ctinfo;
	struct extmod_data *d;
	struct nf_conn *ct = nf_ct_get(skb, &ctinfo);

	if (!ct || nf_ct_is_template(ct))
		return NF_ACCEPT;
	if (hold && !READ_ONCE(held)) {
		spin_lock_bh(&held_lock);
		if (!held) {
			nf_conntrack_get(&ct->ct_general);
			held = ct;
			schedule_delayed_work(&hold_work, HZ / 10);
		}
		spin_unlock_bh(&held_lock);
	}
	d = ctdiag_ext_find(ct, &extmod_type);
	if (d) {
		atomic_inc(&pkts);
	} else {
		d = ctdiag_ext_get_or_create(ct, &extmod_type, GFP_ATOMIC);
		if (!d)
			return NF_ACCEPT;
		if (cmpxchg(&d->magic, 0, EXTMOD_MAGIC) == 0)
			atomic_inc(&created);
	}
	atomic_inc(&d->pkts);
	return NF_ACCEPT;
}

static const struct nf_hook_ops extmod_ops = {
	.hook		= extmod_hook,
	.pf		= NFPROTO_IPV4,
	.hooknum	= NF_INET_LOCAL_OUT,
	.priority	= NF_IP_PRI_CONNTRACK + 2,
};

static int __net_init extmod_net_init(struct net *net)
{
	return nf_register_net_hook(net, &extmod_ops);
}

static void __net_exit extmod_net_exit(struct net *net)
{
	nf_unregister_net_hook(net, &extmod_ops);
}

static struct pernet_operations extmod_net_ops = {
	.init = extmod_net_init,
	.exit = extmod_net_exit,
};

static int __init extmod_init(void)
{
	int ret;

	INIT_DELAYED_WORK(&hold_work, hold_tick);
	ret = ctdiag_ext_register(&extmod_type);
	if (ret) {
		pr_err("ctdiag_ext_register failed, returned %d\n", ret);
		return ret;
	}
	ret = register_pernet_subsys(&extmod_net_ops);
	if (ret) {
		ctdiag_ext_unregister(&extmod_type);
		return ret;
	}
	return 0;
}

static void __exit extmod_exit(void)
{
	unregister_pernet_subsys(&extmod_net_ops);
	cancel_delayed_work_sync(&hold_work);
	hold_put();
	/* no hook runs any more; detach and destroy what is left */
	ctdiag_ext_unregister(&extmod_type);
	pr_info("unloaded: created=%d destroyed=%d bad=%d late=%d\n",
		atomic_read(&created), atomic_read(&destroyed),
		atomic_read(&bad), atomic_read(&late));
}

module_init(extmod_init);
module_exit(extmod_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("ctdiag extension API test module");
