// SPDX-License-Identifier: GPL-2.0
/*
 * bench_rawdump - the floor for `ctdiag ls`: one ctnetlink dump of the
 * current namespace's conntrack table (all families) that does nothing
 * but count the messages.
 *
 *   bench_rawdump                 count every entry
 *   bench_rawdump -m MARK         kernel-side filter (CTA_MARK + mask)
 *   bench_rawdump -p PROTO -d PORT  count entries whose original tuple has
 *                                 this L4 protocol and destination port
 *                                 (a minimal user-space parse: the least
 *                                 any user-space filter must do)
 *
 * Prints the count on stdout.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include "ctdump.h"

static int want_proto = -1, want_dport = -1;

/* Nested attribute `type` inside `a`, or NULL. */
static const struct nlattr *nested(const struct nlattr *a, uint16_t type)
{
	const struct nlattr *c;

	mnl_attr_for_each_nested(c, a)
		if (mnl_attr_get_type(c) == type)
			return c;
	return NULL;
}

static int matches(const struct nlmsghdr *nlh)
{
	const struct nlattr *a, *orig = NULL, *proto, *x;

	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg))
		if (mnl_attr_get_type(a) == CTA_TUPLE_ORIG) {
			orig = a;
			break;
		}
	if (!orig || !(proto = nested(orig, CTA_TUPLE_PROTO)))
		return 0;
	x = nested(proto, CTA_PROTO_NUM);
	if (!x || mnl_attr_get_u8(x) != want_proto)
		return 0;
	x = nested(proto, CTA_PROTO_DST_PORT);
	return x && ntohs(mnl_attr_get_u16(x)) == want_dport;
}

int main(int argc, char **argv)
{
	static char buf[1 << 16];
	unsigned long count = 0;
	long mark = -1;
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	unsigned int seq, portid;
	int opt, done = 0;

	while ((opt = getopt(argc, argv, "m:p:d:")) != -1) {
		switch (opt) {
		case 'm': mark = strtol(optarg, NULL, 0); break;
		case 'p': want_proto = atoi(optarg); break;
		case 'd': want_dport = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: bench_rawdump [-m MARK] [-p PROTO -d PORT]\n");
			return 2;
		}
	}
	nl = mnl_socket_open(NETLINK_NETFILTER);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		perror("bench_rawdump: socket");
		return 1;
	}
	portid = mnl_socket_get_portid(nl);
	nlh = ct_nl_request(buf, false, IPCTNL_MSG_CT_GET, NLM_F_DUMP, AF_UNSPEC,
			    &seq);
	if (mark >= 0) {
		mnl_attr_put_u32(nlh, CTA_MARK, htonl(mark));
		mnl_attr_put_u32(nlh, CTA_MARK_MASK, htonl(0xffffffff));
	}
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		perror("bench_rawdump: send");
		return 1;
	}
	while (!done) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		int len;

		if (n < 0) {
			perror("bench_rawdump: recv");
			return 1;
		}
		len = n;
		for (nlh = (struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len)) {
			if (nlh->nlmsg_seq != seq || nlh->nlmsg_pid != portid)
				continue;
			if (nlh->nlmsg_type == NLMSG_DONE) {
				done = 1;
				break;
			}
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

				fprintf(stderr, "bench_rawdump: dump: %s\n",
					strerror(-e->error));
				return 1;
			}
			if (want_proto < 0 || matches(nlh))
				count++;
		}
	}
	printf("%lu\n", count);
	mnl_socket_close(nl);
	return 0;
}
