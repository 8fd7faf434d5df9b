// SPDX-License-Identifier: GPL-2.0
/* Kernel conntrack statistics over ctnetlink: see ctstats.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include "ctdump.h"
#include "ctstats.h"

static const struct {
	const char *name;
	int attr;
} stat_attrs[CT_STAT_MAX] = {
	[CT_STAT_FOUND] = { "found", CTA_STATS_FOUND },
	[CT_STAT_INVALID] = { "invalid", CTA_STATS_INVALID },
	[CT_STAT_INSERT] = { "insert", CTA_STATS_INSERT },
	[CT_STAT_INSERT_FAILED] = { "insert_failed", CTA_STATS_INSERT_FAILED },
	[CT_STAT_DROP] = { "drop", CTA_STATS_DROP },
	[CT_STAT_EARLY_DROP] = { "early_drop", CTA_STATS_EARLY_DROP },
	[CT_STAT_ERROR] = { "error", CTA_STATS_ERROR },
	[CT_STAT_SEARCH_RESTART] = { "search_restart", CTA_STATS_SEARCH_RESTART },
	[CT_STAT_CLASH_RESOLVE] = { "clash_resolve", CTA_STATS_CLASH_RESOLVE },
	[CT_STAT_CHAINTOOLONG] = { "chaintoolong", CTA_STATS_CHAIN_TOOLONG },
};

const char *ct_stat_name(enum ct_stat s)
{
	return s < CT_STAT_MAX ? stat_attrs[s].name : NULL;
}

/* One request/response exchange; cb runs for every message. */
static int ct_query(uint8_t msg, uint16_t flags, mnl_cb_t cb, void *data)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	unsigned int seq, portid;
	int ret;

	nl = mnl_socket_open(NETLINK_NETFILTER);
	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		goto out;
	}
	portid = mnl_socket_get_portid(nl);
	nlh = ct_nl_request(buf, false, msg, flags, AF_UNSPEC, &seq);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		ret = -errno;
		goto out;
	}
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));

		if (n < 0) {
			ret = -errno;
			break;
		}
		ret = mnl_cb_run(buf, n, seq, portid, cb, data);
		if (ret <= MNL_CB_STOP) {
			ret = ret < 0 ? -errno : 0;
			break;
		}
	}
out:
	mnl_socket_close(nl);
	return ret;
}

struct cpu_acc {
	struct ct_cpu_stats *v;
	unsigned int nr, cap;
};

static int stats_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if (mnl_attr_type_valid(attr, CTA_STATS_MAX) < 0)
		return MNL_CB_OK;
	if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
		return MNL_CB_OK;	/* skip, don't fail the whole dump */
	tb[type] = attr;
	return MNL_CB_OK;
}

static int cpu_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[CTA_STATS_MAX + 1] = { 0 };
	const struct nfgenmsg *nfg = mnl_nlmsg_get_payload(nlh);
	struct cpu_acc *acc = data;
	struct ct_cpu_stats *s;
	unsigned int i;

	if (acc->nr == acc->cap) {
		unsigned int cap = acc->cap ? acc->cap * 2 : 16;
		struct ct_cpu_stats *v = realloc(acc->v, cap * sizeof(*v));

		if (!v) {
			errno = ENOMEM;
			return MNL_CB_ERROR;
		}
		acc->v = v;
		acc->cap = cap;
	}
	mnl_attr_parse(nlh, sizeof(*nfg), stats_attr_cb, tb);
	s = &acc->v[acc->nr++];
	memset(s, 0, sizeof(*s));
	/* the CPU number travels in res_id, big-endian */
	s->cpu = ntohs(nfg->res_id);
	for (i = 0; i < CT_STAT_MAX; i++)
		if (tb[stat_attrs[i].attr])
			s->v[i] = ntohl(mnl_attr_get_u32(tb[stat_attrs[i].attr]));
	return MNL_CB_OK;
}

static int cmp_cpu(const void *a, const void *b)
{
	const struct ct_cpu_stats *x = a, *y = b;

	return (x->cpu > y->cpu) - (x->cpu < y->cpu);
}

int ct_stats_cpu(struct ct_cpu_stats **out, unsigned int *nr)
{
	struct cpu_acc acc = { 0 };
	int ret;

	ret = ct_query(IPCTNL_MSG_CT_GET_STATS_CPU, NLM_F_DUMP, cpu_cb, &acc);
	if (ret) {
		free(acc.v);
		return ret;
	}
	qsort(acc.v, acc.nr, sizeof(*acc.v), cmp_cpu);
	*out = acc.v;
	*nr = acc.nr;
	return 0;
}

struct global_acc {
	uint64_t entries, max;
};

static int global_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;

	if (mnl_attr_type_valid(attr, CTA_STATS_GLOBAL_MAX) < 0 ||
	    mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
		return MNL_CB_OK;
	tb[mnl_attr_get_type(attr)] = attr;
	return MNL_CB_OK;
}

static int global_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[CTA_STATS_GLOBAL_MAX + 1] = { 0 };
	struct global_acc *g = data;

	mnl_attr_parse(nlh, sizeof(struct nfgenmsg), global_attr_cb, tb);
	if (tb[CTA_STATS_GLOBAL_ENTRIES])
		g->entries = ntohl(mnl_attr_get_u32(tb[CTA_STATS_GLOBAL_ENTRIES]));
	if (tb[CTA_STATS_GLOBAL_MAX_ENTRIES])
		g->max = ntohl(mnl_attr_get_u32(tb[CTA_STATS_GLOBAL_MAX_ENTRIES]));
	return MNL_CB_OK;
}

int ct_stats_global(uint64_t *entries, uint64_t *max)
{
	struct global_acc g = { 0 };
	int ret = ct_query(IPCTNL_MSG_CT_GET_STATS, NLM_F_ACK, global_cb, &g);

	if (ret)
		return ret;
	*entries = g.entries;
	*max = g.max;
	return 0;
}
