// SPDX-License-Identifier: GPL-2.0
/*
 * ctfill: create N conntrack entries in the current network namespace,
 * fast (`conntrack -I` in a loop forks per entry): batches of
 * IPCTNL_MSG_CT_NEW over one ctnetlink socket, acks only for errors.
 *
 *   ctfill N [PROTO]   PROTO tcp (default, ESTABLISHED) or udp
 *
 * Entries: 10.A.B.C:P -> 10.255.0.1:80, 1h timeout, mark = i % 4, unique
 * per i.  Exit 0 when all N were created.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack_tcp.h>

#define BATCH 256

static int err_cb(const struct nlmsghdr *nlh, void *data)
{
	return MNL_CB_OK;
}

int main(int argc, char **argv)
{
	static char buf[BATCH * 512], rbuf[65536];
	struct mnl_socket *nl;
	unsigned long n, i, errors = 0;
	unsigned int portid, seq = time(NULL);
	int udp = argc > 2 && !strcmp(argv[2], "udp");
	struct nf_conntrack *ct;

	if (argc < 2 || !(n = strtoul(argv[1], NULL, 10))) {
		fprintf(stderr, "usage: ctfill N [tcp|udp]\n");
		return 2;
	}
	nl = mnl_socket_open(NETLINK_NETFILTER);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		perror("ctfill: netlink");
		return 1;
	}
	portid = mnl_socket_get_portid(nl);
	ct = nfct_new();
	for (i = 0; i < n;) {
		size_t used = 0;
		unsigned long b;

		for (b = 0; b < BATCH && i < n; b++, i++) {
			struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf + used);
			struct nfgenmsg *nfh;
			uint32_t src = htonl(0x0a000000u | (uint32_t)(i / 50000 + 1) << 8);

			nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_NEW;
			nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL;
			nlh->nlmsg_seq = ++seq;
			nfh = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfh));
			nfh->nfgen_family = AF_INET;
			nfh->version = NFNETLINK_V0;
			nfct_set_attr_u8(ct, ATTR_L3PROTO, AF_INET);
			nfct_set_attr_u32(ct, ATTR_IPV4_SRC, src);
			nfct_set_attr_u32(ct, ATTR_IPV4_DST, htonl(0x0aff0001));
			nfct_set_attr_u8(ct, ATTR_L4PROTO, udp ? IPPROTO_UDP : IPPROTO_TCP);
			nfct_set_attr_u16(ct, ATTR_PORT_SRC, htons(1024 + i % 50000));
			nfct_set_attr_u16(ct, ATTR_PORT_DST, htons(80));
			nfct_setobjopt(ct, NFCT_SOPT_SETUP_REPLY);
			if (!udp)
				nfct_set_attr_u8(ct, ATTR_TCP_STATE, TCP_CONNTRACK_ESTABLISHED);
			nfct_set_attr_u32(ct, ATTR_TIMEOUT, 3600);
			nfct_set_attr_u32(ct, ATTR_MARK, i % 4);
			nfct_nlmsg_build(nlh, ct);
			used += nlh->nlmsg_len;
		}
		if (mnl_socket_sendto(nl, buf, used) < 0) {
			perror("ctfill: sendto");
			return 1;
		}
	}
	/* errors come back as NLMSG_ERROR; a ping with ACK marks the end */
	{
		struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
		struct nfgenmsg *nfh;
		unsigned int last = ++seq;

		nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET_STATS_CPU;
		nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
		nlh->nlmsg_seq = last;
		nfh = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfh));
		nfh->nfgen_family = AF_UNSPEC;
		mnl_socket_sendto(nl, buf, nlh->nlmsg_len);
		for (;;) {
			int r = mnl_socket_recvfrom(nl, rbuf, sizeof(rbuf));
			struct nlmsghdr *h;
			int len = r, done = 0;

			if (r <= 0)
				break;
			for (h = (struct nlmsghdr *)rbuf; mnl_nlmsg_ok(h, len);
			     h = mnl_nlmsg_next(h, &len)) {
				if (h->nlmsg_type == NLMSG_ERROR) {
					struct nlmsgerr *e = mnl_nlmsg_get_payload(h);

					if (e->error) {
						if (!errors++)
							fprintf(stderr, "ctfill: create: %s\n",
								strerror(-e->error));
					}
				}
				if (h->nlmsg_seq == last && h->nlmsg_type == NLMSG_DONE)
					done = 1;
			}
			if (done)
				break;
		}
		(void)err_cb;
		(void)portid;
	}
	nfct_destroy(ct);
	mnl_socket_close(nl);
	if (errors) {
		fprintf(stderr, "ctfill: %lu of %lu creates failed\n", errors, n);
		return 1;
	}
	return 0;
}
