// SPDX-License-Identifier: GPL-2.0
/* lib/ctfilter.c: conntrack's filter options, parsing and matching. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_conntrack_tcp.h>
#include "ctdump.h"
#include "ctfilter.h"
#include "ctmsg.h"
#include "unit.h"

/* An entry as ct_msg_parse() would decode it from the kernel. */
static struct ct_msg *ct4(const char *src, const char *dst, uint8_t proto,
			  uint16_t sport, uint16_t dport)
{
	static struct ct_msg m;
	struct ct_msg_tuple *t = &m.t[0];

	memset(&m, 0, sizeof(m));
	m.family = AF_INET;
	m.set = CTM_ORIG | CTM_REPLY | CTM_MARK | CTM_STATUS;
	inet_pton(AF_INET, src, t->src);
	inet_pton(AF_INET, dst, t->dst);
	t->protonum = proto;
	t->l4src = htons(sport);
	t->l4dst[0] = dport >> 8;
	t->l4dst[1] = dport & 0xff;
	t->set = CTMT_SRC | CTMT_DST | CTMT_PROTO | CTMT_SPORT | CTMT_DPORT;
	m.status = IPS_CONFIRMED;
	return &m;
}

static struct ct_filter filt(const char *const *opts)
{
	struct ct_filter f;
	char err[128];
	unsigned int i;

	ct_filter_init(&f);
	for (i = 0; opts[i]; i += 2) {
		unsigned int o = 0;

		if (!strcmp(opts[i], "-p")) o = CTF_PROTO;
		else if (!strcmp(opts[i], "-s")) o = CTF_SRC;
		else if (!strcmp(opts[i], "-d")) o = CTF_DST;
		else if (!strcmp(opts[i], "--sport")) o = CTF_SPORT;
		else if (!strcmp(opts[i], "--dport")) o = CTF_DPORT;
		else if (!strcmp(opts[i], "--state")) o = CTF_STATE;
		else if (!strcmp(opts[i], "-m")) o = CTF_MARK;
		else if (!strcmp(opts[i], "-w")) o = CTF_ZONE;
		else if (!strcmp(opts[i], "-f")) o = CTF_FAMILY;
		else if (!strcmp(opts[i], "-u")) o = CTF_STATUS;
		else if (!strcmp(opts[i], "-r")) o = CTF_REPLY_SRC;
		else if (!strcmp(opts[i], "-q")) o = CTF_REPLY_DST;
		else if (!strcmp(opts[i], "--reply-port-dst")) o = CTF_REPLY_DPORT;
		else if (!strcmp(opts[i], "--orig-zone")) o = CTF_ORIG_ZONE;
		else if (!strcmp(opts[i], "--reply-zone")) o = CTF_REPLY_ZONE;
		else if (!strcmp(opts[i], "--mask-src")) o = CTF_MASK_SRC;
		if (ct_filter_set(&f, o, opts[i + 1], err, sizeof(err)))
			printf("# set %s %s: %s\n", opts[i], opts[i + 1], err);
	}
	if (ct_filter_finish(&f, err, sizeof(err)))
		printf("# finish: %s\n", err);
	return f;
}

#define F(...) ({ static const char *const o_[] = { __VA_ARGS__, NULL }; filt(o_); })

TEST(addresses_and_cidr)
{
	struct ct_msg *ct = ct4("10.0.0.1", "10.0.0.2", IPPROTO_TCP, 1000, 80);
	struct ct_filter f;

	f = F("-s", "10.0.0.1");
	CHECK(ct_filter_match(&f, ct));
	f = F("-s", "10.0.0.0/24");
	CHECK(ct_filter_match(&f, ct));
	f = F("-s", "10.0.1.0/24");
	CHECK(!ct_filter_match(&f, ct));
	f = F("-d", "10.0.0.2/32");
	CHECK(ct_filter_match(&f, ct));
	f = F("-s", "10.0.0.0/31");
	CHECK(ct_filter_match(&f, ct));
	f = F("-s", "0.0.0.0/0");
	CHECK(ct_filter_match(&f, ct));
	f = F("-s", "2001:db8::/32");	/* family implied: ipv6 */
	CHECK(f.family == AF_INET6 && !ct_filter_match(&f, ct));
}

TEST(ports_state_proto)
{
	struct ct_msg *ct = ct4("10.0.0.1", "10.0.0.2", IPPROTO_TCP, 1000, 80);
	struct ct_filter f;

	ct->tcp_state = TCP_CONNTRACK_ESTABLISHED;
	ct->set |= CTM_TCP_STATE;
	f = F("-p", "tcp", "--sport", "1000", "--dport", "80");
	CHECK(ct_filter_match(&f, ct));
	f = F("-p", "tcp", "--dport", "81");
	CHECK(!ct_filter_match(&f, ct));
	f = F("-p", "tcp", "--state", "ESTABLISHED");
	CHECK(ct_filter_match(&f, ct));
	f = F("-p", "tcp", "--state", "TIME_WAIT");
	CHECK(!ct_filter_match(&f, ct));
	f = F("-p", "6");
	CHECK(ct_filter_match(&f, ct));
	f = F("-p", "udp");
	CHECK(!ct_filter_match(&f, ct));
	/* protocol names in any case, as watch -p always took them */
	f = F("-p", "TCP");
	CHECK(f.set == CTF_PROTO && ct_filter_match(&f, ct));
	f = F("-p", "Udp");
	CHECK(f.set == CTF_PROTO && !ct_filter_match(&f, ct));
}

/* One table of state names: conntrack -L's, with LISTEN for state 9 */
TEST(tcp_state_names)
{
	CHECK_STR(ct_tcp_state_name(TCP_CONNTRACK_ESTABLISHED), "ESTABLISHED");
	CHECK_STR(ct_tcp_state_name(9), "LISTEN");
	CHECK_STR(ct_tcp_states[9], "SYN_SENT2");
	CHECK(ct_tcp_state_parse("LISTEN") == 9);
	CHECK(ct_tcp_state_parse("TIME_WAIT") == TCP_CONNTRACK_TIME_WAIT);
	CHECK(ct_tcp_state_name(10) == NULL);
}

TEST(mark_zone_status_family)
{
	struct ct_msg *ct = ct4("10.0.0.1", "10.0.0.2", IPPROTO_UDP, 53, 53);
	struct ct_filter f;

	ct->mark = 0x10004;
	ct->status = IPS_CONFIRMED | IPS_SEEN_REPLY | IPS_ASSURED;
	f = F("-m", "0x10004");
	CHECK(ct_filter_match(&f, ct));
	f = F("-m", "4/4");
	CHECK(ct_filter_match(&f, ct));
	f = F("-m", "1/4");
	CHECK(!ct_filter_match(&f, ct));
	f = F("-m", "0x10000/0xffff0000");
	CHECK(ct_filter_match(&f, ct));
	f = F("-w", "0");		/* no zone attribute = zone 0 */
	CHECK(ct_filter_match(&f, ct));
	f = F("-w", "7");
	CHECK(!ct_filter_match(&f, ct));
	ct->zone = 7;
	ct->set |= CTM_ZONE;
	CHECK(ct_filter_match(&f, ct));
	f = F("-u", "ASSURED,SEEN_REPLY");
	CHECK(ct_filter_match(&f, ct));
	f = F("-u", "FIXED_TIMEOUT");
	CHECK(!ct_filter_match(&f, ct));
	f = F("-f", "ipv4");
	CHECK(ct_filter_match(&f, ct));
	f = F("-f", "ipv6");
	CHECK(!ct_filter_match(&f, ct));
}

TEST(kernel_side_part)
{
	struct ct_dump_opts o;
	struct ct_filter f = F("-m", "5/7", "-u", "ASSURED", "-w", "3", "-f", "ipv6");

	ct_dump_opts_init(&o);
	ct_filter_dump_opts(&f, &o);
	CHECK(o.family == AF_INET6);
	CHECK(o.has_mark && o.mark == 5 && o.mark_mask == 7);
	CHECK(o.has_status && o.status == IPS_ASSURED && o.status_mask == IPS_ASSURED);
	CHECK(o.has_zone && o.zone == 3);
	CHECK(o.netns_fd == -1);
}

TEST(usage_errors)
{
	static const struct { unsigned int opt; const char *arg, *err; } bad[] = {
		{ CTF_PROTO, "tcpx", "unknown protocol 'tcpx'" },
		{ CTF_PROTO, "256", "unknown protocol '256'" },
		{ CTF_SRC, "10.0.0.0/33", "invalid netmask in '10.0.0.0/33'" },
		{ CTF_SRC, "10.0.0", "invalid address '10.0.0'" },
		{ CTF_DST, "::1/129", "invalid netmask in '::1/129'" },
		{ CTF_SPORT, "65536", "invalid port '65536' (0-65535, decimal)" },
		{ CTF_DPORT, "0x14", "invalid port '0x14' (0-65535, decimal)" },
		{ CTF_SPORT, "20x", "invalid port '20x' (0-65535, decimal)" },
		{ CTF_REPLY_SRC, "10.0.0.0/24", "invalid address '10.0.0.0/24'" },
		{ CTF_SNAT, "10.0.0.1:", "invalid NAT address '10.0.0.1:' (IP[:PORT])" },
		{ CTF_SNAT, ":80", "invalid NAT address ':80' (IP[:PORT])" },
		{ CTF_ICMP_TYPE, "8x", "invalid ICMP type or code '8x' (0-255, decimal)" },
		{ CTF_MARK, "5/", "invalid mark '5/' (MARK[/MASK])" },
		{ CTF_MARK, "0x100000000", "invalid mark '0x100000000' (MARK[/MASK])" },
		{ CTF_ZONE, "65536", "invalid zone '65536'" },
		{ CTF_FAMILY, "inet", "unknown family 'inet' (ipv4 or ipv6)" },
		{ CTF_STATUS, "UNSET", "-u 'UNSET' names no status flag to match" },
		{ CTF_STATUS, "ASSURED,", "unknown status '' in 'ASSURED,' (ASSURED, SEEN_REPLY, FIXED_TIMEOUT, EXPECTED, OFFLOAD, HW_OFFLOAD, UNSET)" },
		{ CTF_STATUS, ",ASSURED", "unknown status '' in ',ASSURED' (ASSURED, SEEN_REPLY, FIXED_TIMEOUT, EXPECTED, OFFLOAD, HW_OFFLOAD, UNSET)" },
		{ CTF_STATUS, "ASS", "unknown status 'ASS' in 'ASS' (ASSURED, SEEN_REPLY, FIXED_TIMEOUT, EXPECTED, OFFLOAD, HW_OFFLOAD, UNSET)" },
		{ CTF_PROTO, "IPV6-ICMP", "unknown protocol 'IPV6-ICMP'" },
	};
	struct ct_filter f;
	char err[200];
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ct_filter_init(&f);
		err[0] = 0;
		CHECK(ct_filter_set(&f, bad[i].opt, bad[i].arg, err, sizeof(err)) == -EINVAL);
		CHECK_STR(err, bad[i].err);
	}
	ct_filter_init(&f);
	ct_filter_set(&f, CTF_SPORT, "80", err, sizeof(err));
	CHECK(ct_filter_finish(&f, err, sizeof(err)) == -EINVAL);
	ct_filter_init(&f);
	ct_filter_set(&f, CTF_PROTO, "udp", err, sizeof(err));
	ct_filter_set(&f, CTF_STATE, "ESTABLISHED", err, sizeof(err));
	CHECK(ct_filter_finish(&f, err, sizeof(err)) == -EINVAL);
	CHECK_STR(err, "--state needs -p tcp, sctp or dccp");
	ct_filter_init(&f);
	ct_filter_set(&f, CTF_PROTO, "tcp", err, sizeof(err));
	ct_filter_set(&f, CTF_STATE, "established", err, sizeof(err));
	CHECK(ct_filter_finish(&f, err, sizeof(err)) == -EINVAL);
	CHECK_STR(err, "unknown TCP state 'established'");
	ct_filter_init(&f);
	CHECK(ct_filter_set(&f, CTF_FAMILY, "ipv4", err, sizeof(err)) == 0);
	CHECK(ct_filter_set(&f, CTF_FAMILY, "ipv4", err, sizeof(err)) == 0);
	CHECK(ct_filter_set(&f, CTF_FAMILY, "ipv6", err, sizeof(err)) == -EINVAL);
	CHECK_STR(err, "mismatched address family");
	ct_filter_init(&f);
	CHECK(ct_filter_set(&f, CTF_STATUS, "ASSURED", err, sizeof(err)) == 0);
	CHECK(ct_filter_set(&f, CTF_STATUS, "SEEN_REPLY", err, sizeof(err)) == -EINVAL);
	ct_filter_init(&f);
	ct_filter_set(&f, CTF_FAMILY, "ipv6", err, sizeof(err));
	ct_filter_set(&f, CTF_SRC, "10.0.0.1", err, sizeof(err));
	CHECK(ct_filter_finish(&f, err, sizeof(err)) == -EINVAL);
	CHECK_STR(err, "mismatched address family");
}

TEST(conntrack_parsing)
{
	struct ct_msg *ct = ct4("10.0.0.1", "10.0.0.2", IPPROTO_TCP, 10, 20);
	struct ct_filter f;

	ct->status |= IPS_ASSURED | IPS_OFFLOAD;
	ct->tcp_state = 9;
	ct->set |= CTM_TCP_STATE;
	f = F("-p", "TCP", "--sport", "010", "--dport", "20");	/* decimal */
	CHECK(ct_filter_match(&f, ct));
	f = F("-p", "0x6");		/* numbers as strtoul(, 0) reads them */
	CHECK(f.proto == IPPROTO_TCP);
	f = F("-p", "ipv6-icmp");	/* /etc/protocols */
	CHECK(f.proto == IPPROTO_ICMPV6);
	f = F("-p", "igmp");
	CHECK(f.proto == 2);
	f = F("-u", "assured,Offload");
	CHECK(f.status == (IPS_ASSURED | IPS_OFFLOAD) && ct_filter_match(&f, ct));
	f = F("-u", "UNSET,ASSURED");
	CHECK(f.status == IPS_ASSURED);
	f = F("-p", "tcp", "--state", "SYN_SENT2");
	CHECK(ct_filter_match(&f, ct));
	f = F("-p", "tcp", "--state", "LISTEN");
	CHECK(ct_filter_match(&f, ct));
}

TEST(nat_reply_zones)
{
	struct ct_msg *ct = ct4("10.0.0.1", "10.0.0.9", IPPROTO_UDP, 1000, 80);
	struct ct_msg_tuple *r = &ct->t[1];
	struct ct_filter f;
	char err[128];

	/* source NAT to 192.168.1.5:5000: the reply goes there */
	inet_pton(AF_INET, "10.0.0.9", r->src);
	inet_pton(AF_INET, "192.168.1.5", r->dst);
	r->protonum = IPPROTO_UDP;
	r->l4src = htons(80);
	r->l4dst[0] = 5000 >> 8;
	r->l4dst[1] = 5000 & 0xff;
	r->set = CTMT_SRC | CTMT_DST | CTMT_PROTO | CTMT_SPORT | CTMT_DPORT |
		 CTMT_ZONE;
	r->zone = 5;
	ct->status |= IPS_SRC_NAT;
	ct_filter_init(&f);
	CHECK(ct_filter_set(&f, CTF_SNAT, NULL, err, sizeof(err)) == 0);
	CHECK(ct_filter_match(&f, ct));
	ct_filter_init(&f);
	CHECK(ct_filter_set(&f, CTF_DNAT, NULL, err, sizeof(err)) == 0);
	CHECK(!ct_filter_match(&f, ct));
	ct_filter_init(&f);
	CHECK(ct_filter_set(&f, CTF_ANYNAT, "192.168.1.5:5000", err, sizeof(err)) == 0);
	CHECK(ct_filter_match(&f, ct));
	ct_filter_init(&f);
	CHECK(ct_filter_set(&f, CTF_SNAT, "192.168.1.5:5001", err, sizeof(err)) == 0);
	CHECK(!ct_filter_match(&f, ct));
	f = F("-q", "192.168.1.5", "-r", "10.0.0.9");
	CHECK(ct_filter_match(&f, ct));
	f = F("-p", "udp", "--reply-port-dst", "5000");
	CHECK(ct_filter_match(&f, ct));
	f = F("--reply-zone", "5", "--orig-zone", "0");
	CHECK(ct_filter_match(&f, ct));
	f = F("--reply-zone", "0");
	CHECK(!ct_filter_match(&f, ct));
	f = F("-s", "10.9.9.9", "--mask-src", "255.0.0.0");
	CHECK(ct_filter_match(&f, ct));
	f = F("-s", "10.9.9.9", "--mask-src", "255.255.0.0");
	CHECK(!ct_filter_match(&f, ct));
}

UNIT_MAIN()
