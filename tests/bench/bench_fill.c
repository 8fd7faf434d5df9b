// SPDX-License-Identifier: GPL-2.0
/*
 * bench_fill - fill the current network namespace's conntrack table with N
 * synthetic entries through ctnetlink (batched IPCTNL_MSG_CT_NEW), for the
 * host benchmarks.  Run it inside a namespace the bench created.
 *
 *   bench_fill [-n N]
 *
 * The mix is fixed so the filters have known answers: every 10th entry is
 * UDP to port 53, every 10th (offset 5) carries mark 7, the rest are
 * half TCP ESTABLISHED, half UDP.  Addresses 10.x.y.z -> 10.200.0.1, so
 * every tuple is unique.  Prints "filled N udp53=N mark7=N".
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack_tcp.h>

#define BATCH (128u * 1024u)

static int check_acks(struct mnl_socket *nl, unsigned int *pending)
{
	char buf[MNL_SOCKET_BUFFER_SIZE * 4];

	while (*pending) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		struct nlmsghdr *nlh;
		int len;

		if (n < 0) {
			perror("bench_fill: recv");
			return -1;
		}
		len = n;
		for (nlh = (struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len)) {
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

				if (e->error) {	/* a create failed */
					fprintf(stderr, "bench_fill: create: %s\n",
						strerror(-e->error));
					return -1;
				}
				*pending = 0;
			}
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long n = 200000, i, udp53 = 0, mark7 = 0;
	unsigned int seq = time(NULL), pending = 0;
	struct mnl_socket *nl;
	struct nf_conntrack *ct;
	struct nlmsghdr *last = NULL;
	char *buf;
	size_t used = 0;
	int opt;

	while ((opt = getopt(argc, argv, "n:")) != -1) {
		if (opt != 'n') {
			fprintf(stderr, "usage: bench_fill [-n N]\n");
			return 2;
		}
		n = strtoul(optarg, NULL, 0);
	}
	buf = malloc(BATCH);
	ct = nfct_new();
	nl = mnl_socket_open(NETLINK_NETFILTER);
	if (!buf || !ct || !nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		perror("bench_fill: setup");
		return 1;
	}
	for (i = 0; i < n; i++) {
		struct nlmsghdr *nlh;
		struct nfgenmsg *nfh;
		uint32_t src = htonl(0x0a000000u | (uint32_t)(i / 60000 + 1) << 16 |
				     (uint32_t)(i % 60000 / 250) << 8 | (i % 250 + 1));
		uint16_t sport = 1024 + i % 60000, dport;
		uint8_t proto;

		nfct_destroy(ct);
		ct = nfct_new();
		if (i % 10 == 0) {
			proto = IPPROTO_UDP;
			dport = 53;
			udp53++;
		} else {
			proto = i % 2 ? IPPROTO_TCP : IPPROTO_UDP;
			dport = proto == IPPROTO_TCP ? 443 : 123;
		}
		nfct_set_attr_u8(ct, ATTR_L3PROTO, AF_INET);
		nfct_set_attr_u32(ct, ATTR_IPV4_SRC, src);
		nfct_set_attr_u32(ct, ATTR_IPV4_DST, htonl(0x0ac80001));
		nfct_set_attr_u32(ct, ATTR_REPL_IPV4_SRC, htonl(0x0ac80001));
		nfct_set_attr_u32(ct, ATTR_REPL_IPV4_DST, src);
		nfct_set_attr_u8(ct, ATTR_REPL_L3PROTO, AF_INET);
		nfct_set_attr_u8(ct, ATTR_L4PROTO, proto);
		nfct_set_attr_u8(ct, ATTR_REPL_L4PROTO, proto);
		nfct_set_attr_u16(ct, ATTR_PORT_SRC, htons(sport));
		nfct_set_attr_u16(ct, ATTR_PORT_DST, htons(dport));
		nfct_set_attr_u16(ct, ATTR_REPL_PORT_SRC, htons(dport));
		nfct_set_attr_u16(ct, ATTR_REPL_PORT_DST, htons(sport));
		if (proto == IPPROTO_TCP)
			nfct_set_attr_u8(ct, ATTR_TCP_STATE,
					 TCP_CONNTRACK_ESTABLISHED);
		nfct_set_attr_u32(ct, ATTR_TIMEOUT, 3600);
		if (i % 10 == 5) {
			nfct_set_attr_u32(ct, ATTR_MARK, 7);
			mark7++;
		}
		if (BATCH - used < 1024) {
			/* errors come back unasked; one ack per batch */
			last->nlmsg_flags |= NLM_F_ACK;
			pending = 1;
			if (mnl_socket_sendto(nl, buf, used) < 0) {
				perror("bench_fill: send");
				return 1;
			}
			used = 0;
			if (check_acks(nl, &pending))
				return 1;
		}
		nlh = mnl_nlmsg_put_header(buf + used);
		nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_NEW;
		nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL;
		nlh->nlmsg_seq = seq++;
		nfh = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfh));
		nfh->nfgen_family = AF_INET;
		nfh->version = NFNETLINK_V0;
		nfh->res_id = 0;
		if (nfct_nlmsg_build(nlh, ct) < 0) {
			perror("bench_fill: build");
			return 1;
		}
		used += NLMSG_ALIGN(nlh->nlmsg_len);
		last = nlh;
	}
	if (used) {
		last->nlmsg_flags |= NLM_F_ACK;
		pending = 1;
	}
	if (used && mnl_socket_sendto(nl, buf, used) < 0) {
		perror("bench_fill: send");
		return 1;
	}
	if (check_acks(nl, &pending))
		return 1;
	printf("filled %lu udp53=%lu mark7=%lu\n", n, udp53, mark7);
	nfct_destroy(ct);
	mnl_socket_close(nl);
	free(buf);
	return 0;
}
