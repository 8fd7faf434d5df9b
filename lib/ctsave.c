// SPDX-License-Identifier: GPL-2.0
/*
 * conntrack -L -o save's text (conntrack-tools 1.4.7): each entry as the
 * conntrack arguments that would add it again, as observed field by field
 * against the installed conntrack (tests/23-ls-conformance.bats compares
 * them on a table with every protocol):
 *   -A -t TIMEOUT -u FLAGS[,..]|UNSET [-w Z] [--orig-zone Z] [--reply-zone Z]
 *   -s SRC -d DST (-r|-g) RSRC (-q|-n) RDST -p PROTO [layer-4 options]
 * The reply source is written -g when the entry is destination-NATed,
 * the reply destination -n when source-NATed.  No mark, no counters.
 */
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include "ctmsg.h"
#include "util.h"

static void opt_num(struct fmtbuf *b, const char *opt, uint64_t v)
{
	fb_putc(b, ' ');
	fb_puts(b, opt);
	fb_putc(b, ' ');
	fb_u64(b, v);
}

static void opt_addr(struct fmtbuf *b, const char *opt, const uint8_t *a,
		     uint8_t l3)
{
	fb_putc(b, ' ');
	fb_puts(b, opt);
	fb_putc(b, ' ');
	if (l3 == AF_INET6)
		fb_ipv6(b, a);
	else
		fb_ipv4(b, a);
}

static void status_flags(struct fmtbuf *b, uint32_t status)
{
	static const struct { uint32_t bit; const char *name; } f[] = {
		{ IPS_EXPECTED, "EXPECTED" }, { IPS_SEEN_REPLY, "SEEN_REPLY" },
		{ IPS_ASSURED, "ASSURED" }, { IPS_FIXED_TIMEOUT, "FIXED_TIMEOUT" },
		{ IPS_OFFLOAD, "OFFLOAD" }, { IPS_HW_OFFLOAD, "HW_OFFLOAD" },
	};
	bool any = false;
	unsigned int i;

	fb_lit(b, " -u ");
	for (i = 0; i < ARRAY_SIZE(f); i++) {
		if (!(status & f[i].bit))
			continue;
		if (any)
			fb_putc(b, ',');
		fb_puts(b, f[i].name);
		any = true;
	}
	if (!any)
		fb_lit(b, "UNSET");
}

static void layer4(struct fmtbuf *b, const struct ct_msg *m)
{
	const struct ct_msg_tuple *o = &m->t[0], *r = &m->t[1];
	bool v6;

	switch (o->protonum) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
	case IPPROTO_SCTP:
		opt_num(b, "--sport", ct_msg_sport(o));
		opt_num(b, "--dport", ct_msg_dport(o));
		opt_num(b, "--reply-port-src", ct_msg_sport(r));
		opt_num(b, "--reply-port-dst", ct_msg_dport(r));
		if (o->protonum == IPPROTO_TCP && (m->set & CTM_TCP_STATE)) {
			fb_lit(b, " --state ");
			fb_puts(b, CT_STATE_NAME(ct_tcp_states, m->tcp_state));
		}
		if (o->protonum == IPPROTO_SCTP && (m->set & CTM_SCTP_STATE)) {
			fb_lit(b, " --state ");
			fb_puts(b, CT_STATE_NAME(ct_sctp_states, m->sctp_state));
		}
		if (o->protonum == IPPROTO_SCTP && (m->set & CTM_SCTP_VTAG)) {
			opt_num(b, "--orig-vtag", m->sctp_vtag[0]);
			opt_num(b, "--reply-vtag", m->sctp_vtag[1]);
		}
		break;
	case IPPROTO_GRE:
		opt_num(b, "--srckey", ct_msg_sport(o));
		opt_num(b, "--dstkey", ct_msg_dport(o));
		opt_num(b, "--reply-key-src", ct_msg_sport(r));
		opt_num(b, "--reply-key-dst", ct_msg_dport(r));
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		v6 = o->protonum == IPPROTO_ICMPV6;
		opt_num(b, v6 ? "--icmpv6-type" : "--icmp-type", o->l4dst[0]);
		opt_num(b, v6 ? "--icmpv6-code" : "--icmp-code", o->l4dst[1]);
		opt_num(b, v6 ? "--icmpv6-id" : "--icmp-id", ct_msg_sport(o));
		break;
	}
}

int ct_msg_format_save(struct fmtbuf *b, const struct ct_msg *m)
{
	const struct ct_msg_tuple *o = &m->t[0], *r = &m->t[1];
	uint8_t l3 = ct_msg_l3(m, 0);
	const char *p;

	if (!(m->set & CTM_ORIG) || !(o->set & CTMT_PROTO))
		return -1;
	fb_lit(b, "-A");
	if (m->set & CTM_TIMEOUT)
		opt_num(b, "-t", m->timeout);
	status_flags(b, m->status);
	if (m->set & CTM_ZONE)
		opt_num(b, "-w", m->zone);
	if (o->set & CTMT_ZONE)
		opt_num(b, "--orig-zone", o->zone);
	if (r->set & CTMT_ZONE)
		opt_num(b, "--reply-zone", r->zone);
	if (l3 == AF_INET || l3 == AF_INET6) {
		opt_addr(b, "-s", o->src, l3);
		opt_addr(b, "-d", o->dst, l3);
		opt_addr(b, m->status & IPS_DST_NAT ? "-g" : "-r", r->src, l3);
		opt_addr(b, m->status & IPS_SRC_NAT ? "-n" : "-q", r->dst, l3);
	}
	p = ct_proto_name(o->protonum);	/* others are numbers */
	if (p) {
		fb_lit(b, " -p ");
		fb_puts(b, p);
	} else {
		opt_num(b, "-p", o->protonum);
	}
	layer4(b, m);
	return 0;
}
