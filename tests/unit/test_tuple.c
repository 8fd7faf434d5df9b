// SPDX-License-Identifier: GPL-2.0
/* lib/tuple.c prints tuples in conntrack's order and words. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include "tuple.h"
#include "unit.h"

TEST(ipv4_udp_and_icmp_like_conntrack)
{
	struct ctdiag_tuple t = { .l3num = AF_INET, .protonum = IPPROTO_UDP,
				  .sport = 1000, .dport = 53 };
	char buf[160];

	inet_pton(AF_INET, "10.0.0.1", t.src);
	inet_pton(AF_INET, "10.0.0.2", t.dst);
	tuple_snprintf(buf, sizeof(buf), &t);
	CHECK_STR(buf, "src=10.0.0.1 dst=10.0.0.2 sport=1000 dport=53");
	t.protonum = IPPROTO_ICMP;
	t.sport = 77;
	t.dport = 8 << 8;
	tuple_snprintf(buf, sizeof(buf), &t);
	CHECK_STR(buf, "src=10.0.0.1 dst=10.0.0.2 type=8 code=0 id=77");
}

TEST(ipv6_tcp)
{
	struct ctdiag_tuple t = { .l3num = AF_INET6, .protonum = IPPROTO_TCP,
				  .sport = 40000, .dport = 443 };
	char buf[160], pb[8];

	inet_pton(AF_INET6, "2001:db8::1", t.src);
	inet_pton(AF_INET6, "::1", t.dst);
	tuple_snprintf(buf, sizeof(buf), &t);
	CHECK_STR(buf, "src=2001:db8::1 dst=::1 sport=40000 dport=443");
	CHECK_STR(proto_name(IPPROTO_TCP, pb, sizeof(pb)), "tcp");
	CHECK_STR(proto_name(200, pb, sizeof(pb)), "200");
}

/* tuple_addr formats IPv4 itself: every octet value in every position
 * must read as inet_ntop's. */
TEST(ipv4_addr_like_inet_ntop)
{
	struct ctdiag_tuple t = { .l3num = AF_INET };
	char got[INET6_ADDRSTRLEN], want[INET6_ADDRSTRLEN];
	int pos, v;

	for (pos = 0; pos < 4; pos++) {
		for (v = 0; v < 256; v++) {
			memset(t.src, 0, sizeof(t.src));
			t.src[0] = 1;
			t.src[3] = 254;
			t.src[pos] = (unsigned char)v;
			inet_ntop(AF_INET, t.src, want, sizeof(want));
			CHECK_STR(tuple_addr(&t, 0, got, sizeof(got)), want);
		}
	}
}

UNIT_MAIN()
