// SPDX-License-Identifier: GPL-2.0
/*
 * legacymod - a stand-in for the out-of-tree modules ctdiag calls "legacy"
 * (issue 17): a vendor firewall or DPI engine that keeps per-conntrack data
 * in its own table and frees it from a copy of nf_ct_hook whose .destroy it
 * replaced.  It does not know ctdiag.  Used by tests/vm/80-legacy.bats and
 * tests/vm/demo.sh.
 *
 *  - entries come from its own kmem_cache, one per new conntrack seen at
 *    PRE_ROUTING or LOCAL_OUT (after conntrack), in a hash table keyed by
 *    the struct nf_conn pointer;
 *  - at load it copies *nf_ct_hook, replaces .destroy with legacymod_destroy
 *    (free the entry, then call the saved destroy) and swaps the pointer to
 *    its copy; at unload it puts the saved pointer back, as such modules
 *    do, without checking who is on top;
 *  - read-only parameters: live (entries in the table: the ground truth of
 *    what it leaks), allocated, freed (by its destroy), alloc_failed.
 *    At unload it frees what is left and logs how many.
 *
 * Since 5.17 / 5.15.36 most last puts call nf_ct_destroy() directly, so
 * `live` grows: that is the bug ctdiag detects and (repair=1) repairs.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hashtable.h>
#include <linux/module.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <net/netfilter/nf_conntrack.h>

struct legacy_entry {
	struct hlist_node node;
	const struct nf_conn *ct;
	u32 id;		/* nf_ct_get_id(): tells a reused address apart */
};

static DEFINE_HASHTABLE(table, 10);
static DEFINE_SPINLOCK(table_lock);
static struct kmem_cache *cache;

static unsigned long live, allocated, freed, alloc_failed;
module_param(live, ulong, 0444);
MODULE_PARM_DESC(live, "Entries in the table now");
module_param(allocated, ulong, 0444);
MODULE_PARM_DESC(allocated, "Entries ever allocated");
module_param(freed, ulong, 0444);
MODULE_PARM_DESC(freed, "Entries freed by the replaced nf_ct_hook->destroy");
module_param(alloc_failed, ulong, 0444);
MODULE_PARM_DESC(alloc_failed, "Allocations that failed");

static struct nf_ct_hook legacy_hook;
static const struct nf_ct_hook *saved_hook;
static void (*saved_destroy)(struct nf_conntrack *nfct);

/* An entry leaked for an earlier conntrack at the same address stays in
 * the table (it is what the module leaks); lookups skip it by id. */
static struct legacy_entry *find_locked(const struct nf_conn *ct, u32 id)
{
	struct legacy_entry *e;

	hash_for_each_possible(table, e, node, (unsigned long)ct)
		if (e->ct == ct && e->id == id)
			return e;
	return NULL;
}

static void legacymod_destroy(struct nf_conntrack *nfct)
{
	const struct nf_conn *ct = (const struct nf_conn *)nfct;
	u32 id = nf_ct_get_id(ct);
	struct legacy_entry *e;
	unsigned long flags;

	spin_lock_irqsave(&table_lock, flags);
	e = find_locked(ct, id);
	if (e) {
		hash_del(&e->node);
		live--;
		freed++;
	}
	spin_unlock_irqrestore(&table_lock, flags);
	if (e)
		kmem_cache_free(cache, e);
	saved_destroy(nfct);
}

static unsigned int legacymod_in(void *priv, struct sk_buff *skb,
				 const struct nf_hook_state *state)
{
	enum ip_conntrack_info ctinfo;
	struct nf_conn *ct = nf_ct_get(skb, &ctinfo);
	struct legacy_entry *e;
	unsigned long flags;
	u32 id;

	if (!ct || nf_ct_is_template(ct) || nf_ct_is_confirmed(ct))
		return NF_ACCEPT;
	id = nf_ct_get_id(ct);
	e = kmem_cache_alloc(cache, GFP_ATOMIC);
	spin_lock_irqsave(&table_lock, flags);
	if (!e) {
		alloc_failed++;
	} else if (find_locked(ct, id)) {
		/* a second unconfirmed packet of the same ct */
		spin_unlock_irqrestore(&table_lock, flags);
		kmem_cache_free(cache, e);
		return NF_ACCEPT;
	} else {
		e->ct = ct;
		e->id = id;
		hash_add(table, &e->node, (unsigned long)ct);
		live++;
		allocated++;
	}
	spin_unlock_irqrestore(&table_lock, flags);
	return NF_ACCEPT;
}

static const struct nf_hook_ops legacymod_ops[] = {
	{
		.hook		= legacymod_in,
		.pf		= NFPROTO_INET,
		.hooknum	= NF_INET_PRE_ROUTING,
		.priority	= NF_IP_PRI_CONNTRACK + 1,
	},
	{
		.hook		= legacymod_in,
		.pf		= NFPROTO_INET,
		.hooknum	= NF_INET_LOCAL_OUT,
		.priority	= NF_IP_PRI_CONNTRACK + 1,
	},
};

static int __net_init legacymod_net_init(struct net *net)
{
	return nf_register_net_hooks(net, legacymod_ops,
				     ARRAY_SIZE(legacymod_ops));
}

static void __net_exit legacymod_net_exit(struct net *net)
{
	nf_unregister_net_hooks(net, legacymod_ops, ARRAY_SIZE(legacymod_ops));
}

static struct pernet_operations legacymod_net_ops = {
	.init = legacymod_net_init,
	.exit = legacymod_net_exit,
};

static int __init legacymod_init(void)
{
	const struct nf_ct_hook *cur;
	int ret;

	cache = KMEM_CACHE(legacy_entry, 0);
	if (!cache)
		return -ENOMEM;
	/* The classic pattern: copy the ops, replace destroy, swap. */
	rcu_read_lock();
	cur = rcu_dereference(nf_ct_hook);
	rcu_read_unlock();
	if (!cur) {
		pr_err("nf_ct_hook is NULL (load nf_conntrack first)\n");
		ret = -ENOENT;
		goto out_cache;
	}
	legacy_hook = *cur;
	saved_hook = cur;
	saved_destroy = cur->destroy;
	legacy_hook.destroy = legacymod_destroy;
	rcu_assign_pointer(nf_ct_hook, &legacy_hook);
	ret = register_pernet_subsys(&legacymod_net_ops);
	if (ret) {
		pr_err("register_pernet_subsys failed, returned %d\n", ret);
		goto out_hook;
	}
	pr_info("loaded, nf_ct_hook->destroy was %ps\n", saved_destroy);
	return 0;

out_hook:
	rcu_assign_pointer(nf_ct_hook, saved_hook);
	synchronize_rcu();
out_cache:
	kmem_cache_destroy(cache);
	return ret;
}

static void __exit legacymod_exit(void)
{
	struct legacy_entry *e;
	struct hlist_node *tmp;
	unsigned long left = 0;
	int b;

	unregister_pernet_subsys(&legacymod_net_ops);
	if (rcu_access_pointer(nf_ct_hook) != &legacy_hook)
		pr_info("nf_ct_hook is not ours any more; restoring anyway\n");
	rcu_assign_pointer(nf_ct_hook, saved_hook);
	synchronize_rcu();
	spin_lock_irq(&table_lock);
	hash_for_each_safe(table, b, tmp, e, node) {
		hash_del(&e->node);
		kmem_cache_free(cache, e);
		left++;
	}
	live = 0;
	spin_unlock_irq(&table_lock);
	kmem_cache_destroy(cache);
	pr_info("unloaded: allocated=%lu freed=%lu left=%lu\n", allocated,
		freed, left);
}

module_init(legacymod_init);
module_exit(legacymod_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Test stand-in for a legacy nf_ct_hook->destroy module");
