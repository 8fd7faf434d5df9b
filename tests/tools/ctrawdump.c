// SPDX-License-Identifier: GPL-2.0
/*
 * ctrawdump: the floor for `ctdiag ls` benchmarks -- dump the conntrack
 * table of the current namespace over libmnl and only count the messages
 * (no parsing, no printing), with the same 64 KiB receive buffer.
 * Prints the count.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>

static int count_cb(const struct nlmsghdr *nlh, void *data)
{
	(*(unsigned long *)data)++;
	return MNL_CB_OK;
}

int main(void)
{
	static char buf[64 * 1024];
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	struct nfgenmsg *nfh;
	unsigned int seq = time(NULL), portid;
	unsigned long count = 0;
	int ret;

	nl = mnl_socket_open(NETLINK_NETFILTER);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		perror("ctrawdump: netlink");
		return 1;
	}
	portid = mnl_socket_get_portid(nl);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	nfh = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfh));
	nfh->nfgen_family = AF_UNSPEC;
	nfh->version = NFNETLINK_V0;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		perror("ctrawdump: sendto");
		return 1;
	}
	for (;;) {
		ret = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (ret < 0) {
			perror("ctrawdump: recv");
			return 1;
		}
		ret = mnl_cb_run(buf, ret, seq, portid, count_cb, &count);
		if (ret <= MNL_CB_STOP)
			break;
	}
	if (ret < 0) {
		perror("ctrawdump: dump");
		return 1;
	}
	printf("%lu\n", count);
	mnl_socket_close(nl);
	return 0;
}
