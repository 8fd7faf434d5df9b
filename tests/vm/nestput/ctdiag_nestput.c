// SPDX-License-Identifier: GPL-2.0
/*
 * ctdiag_nestput.ko - test helper (tests/vm/27-nested-destroy.bats): frees
 * a conntrack from inside a kprobe handler, so that nf_ct_destroy() runs
 * while a kprobe is already active on the CPU.  A kprobe-based
 * interception of nf_ct_destroy misses exactly this call (the nested hit
 * only raises its nmissed count); what a user's bpftrace kprobe, or a
 * softirq doing the last nf_ct_put under another kprobe handler, would do
 * at random, this does once, on demand.
 *
 * Parameters: sport, dport (host order) name the UDP conntrack
 * 127.0.0.1:sport -> 127.0.0.1:dport in the default zone.  Writing 1 to
 * /sys/module/ctdiag_nestput/parameters/arm makes the next getppid()
 * (bash calls it at startup) of a task whose network namespace holds that
 * conntrack run, inside the getppid kprobe handler:
 *   nf_conntrack_find_get()   our reference (refcount 2)
 *   nf_ct_delete()            unhash, drop the table's reference (1)
 *   nf_ct_put()               the last reference: nf_ct_destroy() here
 * and disarm.  done counts conntracks freed that way.
 *
 * Not for PREEMPT_RT: a kprobe handler runs with preemption off, and
 * nf_ct_delete() takes spinlock_t locks, which sleep there.  The module
 * refuses to load on RT.
 */
#include <linux/atomic.h>
#include <linux/in.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/nsproxy.h>
#include <linux/sched.h>
#include <net/net_namespace.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/netfilter/nf_conntrack_core.h>
#include <net/netfilter/nf_conntrack_zones.h>

static ushort sport;
module_param(sport, ushort, 0444);
static ushort dport;
module_param(dport, ushort, 0444);
static int arm;
module_param(arm, int, 0644);
static int done;
module_param(done, int, 0444);

static int getppid_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct nf_conntrack_tuple t;
	struct nf_conntrack_tuple_hash *h;
	struct nf_conn *ct;
	struct net *net;

	if (!READ_ONCE(arm) || !current->nsproxy)
		return 0;
	net = current->nsproxy->net_ns;
	memset(&t, 0, sizeof(t));
	t.src.l3num = AF_INET;
	t.src.u3.ip = htonl(INADDR_LOOPBACK);
	t.src.u.udp.port = htons(sport);
	t.dst.u3.ip = htonl(INADDR_LOOPBACK);
	t.dst.u.udp.port = htons(dport);
	t.dst.protonum = IPPROTO_UDP;
	t.dst.dir = IP_CT_DIR_ORIGINAL;
	h = nf_conntrack_find_get(net, &nf_ct_zone_dflt, &t);
	if (!h)
		return 0;	/* another netns: wait for the right task */
	ct = nf_ct_tuplehash_to_ctrack(h);
	if (cmpxchg(&arm, 1, 0) != 1) {
		nf_ct_put(ct);	/* someone else got there first */
		return 0;
	}
	nf_ct_delete(ct, 0, 0);
	nf_ct_put(ct);		/* the last reference: nf_ct_destroy() */
	WRITE_ONCE(done, done + 1);
	return 0;
}

static struct kprobe getppid_kp = {
	.symbol_name = "__x64_sys_getppid",
	.pre_handler = getppid_pre,
};

static int __init nestput_init(void)
{
	int ret;

	if (IS_ENABLED(CONFIG_PREEMPT_RT))
		return -EOPNOTSUPP;
	ret = register_kprobe(&getppid_kp);
	if (ret)
		pr_err("ctdiag_nestput: register_kprobe(%s) = %d\n",
		       getppid_kp.symbol_name, ret);
	else
		pr_info("ctdiag_nestput: kprobe on %s, %s\n",
			getppid_kp.symbol_name,
			kprobe_ftrace(&getppid_kp) ? "ftrace-based" : "int3");
	return ret;
}

static void __exit nestput_exit(void)
{
	unregister_kprobe(&getppid_kp);
}

module_init(nestput_init);
module_exit(nestput_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("ctdiag test: the last nf_ct_put inside a kprobe handler");
