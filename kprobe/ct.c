// SPDX-License-Identifier: GPL-2.0
/*
 * Conntrack -> ABI field conversion, shared by every event producer; and
 * the one reader of kallsyms text (ctdiag_ksym_resolve).
 */
#include <linux/kallsyms.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/smp.h>
#include <linux/string.h>
#include <net/net_namespace.h>
#include <net/netfilter/nf_conntrack_zones.h>
#include "ctdiag.h"

u32 ctdiag_ct_id(const struct nf_conn *ct)
{
	/* ctnetlink_dump_id() sends the host-order value as __be32 and
	 * libnetfilter_conntrack ntohl()s it: match what users see. */
	return be32_to_cpu((__force __be32)nf_ct_get_id(ct));
}

u32 ctdiag_netns_ino(const struct net *net)
{
	return net->ns.inum;
}

void ctdiag_tuple_from_nf(struct ctdiag_tuple *t,
			  const struct nf_conntrack_tuple *nt)
{
	memset(t, 0, sizeof(*t));
	t->l3num = nt->src.l3num;
	t->protonum = nt->dst.protonum;
	if (t->l3num == AF_INET) {
		memcpy(t->src, &nt->src.u3.ip, 4);
		memcpy(t->dst, &nt->dst.u3.ip, 4);
	} else {
		memcpy(t->src, &nt->src.u3.in6, 16);
		memcpy(t->dst, &nt->dst.u3.in6, 16);
	}
	switch (t->protonum) {
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		t->sport = ntohs(nt->src.u.icmp.id);
		t->dport = (nt->dst.u.icmp.type << 8) | nt->dst.u.icmp.code;
		break;
	default:
		/* tcp/udp/udplite/sctp/dccp share the all-ports layout */
		t->sport = ntohs(nt->src.u.all);
		t->dport = ntohs(nt->dst.u.all);
		break;
	}
}

void ctdiag_event_init(struct ctdiag_event *ev, u16 type)
{
	memset(ev, 0, sizeof(*ev));
	ev->size = sizeof(*ev);
	ev->type = type;
}

void ctdiag_event_from_ct(struct ctdiag_event *ev, const struct nf_conn *ct)
{
	const struct nf_conntrack_tuple *o =
		&ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple;

	ev->ct_id = ctdiag_ct_id(ct);
	ev->netns = ctdiag_netns_ino(nf_ct_net(ct));
	ev->zone = nf_ct_zone_id(nf_ct_zone(ct), IP_CT_DIR_ORIGINAL);
#ifdef CONFIG_NF_CONNTRACK_MARK
	ev->mark = READ_ONCE(ct->mark);
#endif
	ev->status = READ_ONCE(ct->status);
	ev->l3num = o->src.l3num;
	ev->protonum = o->dst.protonum;
	ctdiag_tuple_from_nf(&ev->orig, o);
	ctdiag_tuple_from_nf(&ev->reply, &ct->tuplehash[IP_CT_DIR_REPLY].tuple);
}

/*
 * sprint_symbol() writes "name+0xoff/0xsize [module]" for an address
 * inside a symbol (no " [module]" part when it is in the kernel image) and
 * the bare "0x..." address otherwise.  Split it: name "?" and size 0 when
 * nothing is known, module "vmlinux" for the kernel image.  Never a raw
 * address in name.
 */
void ctdiag_ksym_resolve(unsigned long addr, struct ctdiag_ksym *s)
{
	char buf[KSYM_SYMBOL_LEN];
	char *plus, *br, *end;

	strscpy(s->name, "?", sizeof(s->name));
	strscpy(s->module, "vmlinux", sizeof(s->module));
	s->offset = ULONG_MAX;
	s->size = 0;
	sprint_symbol(buf, addr);
	plus = strchr(buf, '+');
	if (!plus || !strncmp(buf, "0x", 2))
		return;
	*plus = '\0';
	strscpy(s->name, buf, sizeof(s->name));
	if (sscanf(plus + 1, "%lx/%lx", &s->offset, &s->size) != 2)
		s->size = 0;
	br = strchr(plus + 1, '[');
	if (br) {
		end = strchr(br, ']');
		if (end)
			*end = '\0';
		strscpy(s->module, br + 1, sizeof(s->module));
	}
}
