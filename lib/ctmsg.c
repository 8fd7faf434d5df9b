// SPDX-License-Identifier: GPL-2.0
/* ctnetlink conntrack messages decoded: see ctmsg.h (the text and JSON
 * of an entry are lib/ctfmt.c). */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <linux/netlink.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include "ctmsg.h"
#include "util.h"

/* ---- decoding -------------------------------------------------------- */

/* The attributes in [start, start + len), walked without a call per
 * attribute; stops at the first one that does not fit (as libmnl does). */
static inline bool attr_ok(const struct nlattr *a, const char *end)
{
	return end - (const char *)a >= (long)sizeof(*a) &&
	       a->nla_len >= sizeof(*a) &&
	       a->nla_len <= end - (const char *)a;
}

#define for_each_attr(a, start, len)					\
	for (const char *end_ = (const char *)(start) + (len),		\
	     *pos_ = (const char *)(start);				\
	     (a = (const struct nlattr *)pos_, attr_ok(a, end_));	\
	     pos_ += NLA_ALIGN(a->nla_len))

#define for_each_nested(a, nest)					\
	for_each_attr(a, (const char *)(nest) + NLA_HDRLEN,		\
		      (nest)->nla_len - NLA_HDRLEN)

static inline unsigned int attr_type(const struct nlattr *a)
{
	return a->nla_type & NLA_TYPE_MASK;
}

static inline const void *attr_data(const struct nlattr *a)
{
	return (const char *)a + NLA_HDRLEN;
}

static inline unsigned int attr_len(const struct nlattr *a)
{
	return a->nla_len - NLA_HDRLEN;
}

/* Fixed-size payloads must have exactly their size (libmnl's
 * mnl_attr_validate, which libnetfilter_conntrack applies). */
static inline bool get_u8(const struct nlattr *a, uint8_t *v)
{
	if (attr_len(a) != 1)
		return false;
	*v = *(const uint8_t *)attr_data(a);
	return true;
}

static inline bool get_be16(const struct nlattr *a, uint16_t *v)
{
	if (attr_len(a) != 2)
		return false;
	memcpy(v, attr_data(a), 2);
	*v = ntohs(*v);
	return true;
}

static inline bool get_be32(const struct nlattr *a, uint32_t *v)
{
	if (attr_len(a) != 4)
		return false;
	memcpy(v, attr_data(a), 4);
	*v = ntohl(*v);
	return true;
}

static inline bool get_be64(const struct nlattr *a, uint64_t *v)
{
	if (attr_len(a) != 8)
		return false;
	memcpy(v, attr_data(a), 8);
	*v = be64toh(*v);
	return true;
}

/* A string attribute: up to its NUL or its end, at most max bytes. */
static unsigned int str_len(const struct nlattr *a, unsigned int max)
{
	unsigned int n = attr_len(a);

	return strnlen(attr_data(a), n < max ? n : max);
}

static int parse_ip(const struct nlattr *nest, struct ct_msg_tuple *t)
{
	const struct nlattr *a;

	for_each_nested(a, nest) {
		switch (attr_type(a)) {
		case CTA_IP_V4_SRC:
		case CTA_IP_V4_DST:
			if (attr_len(a) != 4)
				return -EINVAL;
			memcpy(attr_type(a) == CTA_IP_V4_SRC ? t->src : t->dst,
			       attr_data(a), 4);
			break;
		case CTA_IP_V6_SRC:
		case CTA_IP_V6_DST:
			if (attr_len(a) != 16)
				return -EINVAL;
			memcpy(attr_type(a) == CTA_IP_V6_SRC ? t->src : t->dst,
			       attr_data(a), 16);
			break;
		default:
			continue;
		}
		t->set |= attr_type(a) == CTA_IP_V4_SRC ||
			  attr_type(a) == CTA_IP_V6_SRC ? CTMT_SRC : CTMT_DST;
	}
	return 0;
}

static int parse_proto(const struct nlattr *nest, struct ct_msg_tuple *t)
{
	const struct nlattr *a;

	for_each_nested(a, nest) {
		switch (attr_type(a)) {
		case CTA_PROTO_NUM:
			if (!get_u8(a, &t->protonum))
				return -EINVAL;
			t->set |= CTMT_PROTO;
			break;
		case CTA_PROTO_SRC_PORT:
		case CTA_PROTO_ICMP_ID:
		case CTA_PROTO_ICMPV6_ID:
			if (attr_len(a) != 2)
				return -EINVAL;
			memcpy(&t->l4src, attr_data(a), 2);
			t->set |= attr_type(a) == CTA_PROTO_SRC_PORT ?
				  CTMT_SPORT : CTMT_ICMP_ID;
			break;
		case CTA_PROTO_DST_PORT:
			if (attr_len(a) != 2)
				return -EINVAL;
			memcpy(t->l4dst, attr_data(a), 2);
			t->set |= CTMT_DPORT;
			break;
		case CTA_PROTO_ICMP_TYPE:
		case CTA_PROTO_ICMPV6_TYPE:
			if (!get_u8(a, &t->l4dst[0]))
				return -EINVAL;
			t->set |= CTMT_ICMP_TYPE;
			break;
		case CTA_PROTO_ICMP_CODE:
		case CTA_PROTO_ICMPV6_CODE:
			if (!get_u8(a, &t->l4dst[1]))
				return -EINVAL;
			t->set |= CTMT_ICMP_CODE;
			break;
		}
	}
	return 0;
}

static int parse_tuple(const struct nlattr *nest, struct ct_msg_tuple *t)
{
	const struct nlattr *a;
	uint64_t packets = t->packets, bytes = t->bytes;
	uint32_t counters = t->set & (CTMT_PACKETS | CTMT_BYTES);
	int ret = 0;

	/* a tuple starts from nothing (its counters are not part of it) */
	memset(t, 0, sizeof(*t));
	t->packets = packets;
	t->bytes = bytes;
	t->set = counters;
	for_each_nested(a, nest) {
		switch (attr_type(a)) {
		case CTA_TUPLE_IP:
			ret = parse_ip(a, t);
			break;
		case CTA_TUPLE_PROTO:
			ret = parse_proto(a, t);
			break;
		case CTA_TUPLE_ZONE:
			if (!get_be16(a, &t->zone))
				return -EINVAL;
			t->set |= CTMT_ZONE;
			break;
		}
		if (ret)
			return ret;
	}
	return 0;
}

static int parse_counters(const struct nlattr *nest, struct ct_msg_tuple *t)
{
	const struct nlattr *a;
	uint32_t v32;

	t->set &= ~(CTMT_PACKETS | CTMT_BYTES);
	t->packets = t->bytes = 0;
	for_each_nested(a, nest) {
		switch (attr_type(a)) {
		case CTA_COUNTERS_PACKETS:
			if (!get_be64(a, &t->packets))
				return -EINVAL;
			t->set |= CTMT_PACKETS;
			break;
		case CTA_COUNTERS_BYTES:
			if (!get_be64(a, &t->bytes))
				return -EINVAL;
			t->set |= CTMT_BYTES;
			break;
		case CTA_COUNTERS32_PACKETS:
			if (!get_be32(a, &v32))
				return -EINVAL;
			if (!(t->set & CTMT_PACKETS))	/* 64 bits win */
				t->packets = v32;
			t->set |= CTMT_PACKETS;
			break;
		case CTA_COUNTERS32_BYTES:
			if (!get_be32(a, &v32))
				return -EINVAL;
			if (!(t->set & CTMT_BYTES))
				t->bytes = v32;
			t->set |= CTMT_BYTES;
			break;
		}
	}
	return 0;
}

/* CTA_PROTOINFO: the state of TCP, SCTP or DCCP. */
static int parse_protoinfo(const struct nlattr *nest, struct ct_msg *m)
{
	static const struct {
		unsigned int nest, state, bit;
	} pi[] = {
		{ CTA_PROTOINFO_TCP, CTA_PROTOINFO_TCP_STATE, CTM_TCP_STATE },
		{ CTA_PROTOINFO_SCTP, CTA_PROTOINFO_SCTP_STATE, CTM_SCTP_STATE },
		{ CTA_PROTOINFO_DCCP, CTA_PROTOINFO_DCCP_STATE, CTM_DCCP_STATE },
	};
	uint8_t *state[] = { &m->tcp_state, &m->sctp_state, &m->dccp_state };
	const struct nlattr *a, *b;
	unsigned int i;

	unsigned int vtags = 0;

	m->set &= ~(CTM_TCP_STATE | CTM_SCTP_STATE | CTM_DCCP_STATE |
		    CTM_SCTP_VTAG);
	m->tcp_state = m->sctp_state = m->dccp_state = 0;
	for_each_nested(a, nest) {
		for (i = 0; i < 3; i++)
			if (attr_type(a) == pi[i].nest)
				break;
		if (i == 3)
			continue;
		for_each_nested(b, a) {
			if (i == 1 && (attr_type(b) == CTA_PROTOINFO_SCTP_VTAG_ORIGINAL ||
				       attr_type(b) == CTA_PROTOINFO_SCTP_VTAG_REPLY)) {
				unsigned int d = attr_type(b) == CTA_PROTOINFO_SCTP_VTAG_REPLY;

				/* taken as it comes, not byte-swapped: what
				 * conntrack prints (the wire's tag, host order) */
				if (attr_len(b) != 4)
					return -EINVAL;
				memcpy(&m->sctp_vtag[d], attr_data(b), 4);
				vtags |= 1 << d;
				continue;
			}
			if (attr_type(b) != pi[i].state)
				continue;
			if (!get_u8(b, state[i]))
				return -EINVAL;
			m->set |= pi[i].bit;
		}
	}
	if (vtags == 3)
		m->set |= CTM_SCTP_VTAG;
	return 0;
}

/* A nest holding one string attribute of type `type`. */
static const char *nested_str(const struct nlattr *nest, unsigned int type,
			      unsigned int max, uint16_t *len)
{
	const struct nlattr *a, *found = NULL;

	for_each_nested(a, nest)
		if (attr_type(a) == type)
			found = a;
	if (!found || !attr_len(found))
		return NULL;
	*len = str_len(found, max);
	return attr_data(found);
}

static int parse_timestamp(const struct nlattr *nest, struct ct_msg *m)
{
	const struct nlattr *a;

	m->set &= ~(CTM_TS_START | CTM_TS_STOP);
	m->ts_start = m->ts_stop = 0;
	for_each_nested(a, nest) {
		if (attr_type(a) == CTA_TIMESTAMP_START) {
			if (!get_be64(a, &m->ts_start))
				return -EINVAL;
			m->set |= CTM_TS_START;
		} else if (attr_type(a) == CTA_TIMESTAMP_STOP) {
			if (!get_be64(a, &m->ts_stop))
				return -EINVAL;
			m->set |= CTM_TS_STOP;
		}
	}
	return 0;
}

/* A u32 attribute into *v, setting bit. */
static inline int u32_attr(const struct nlattr *a, uint32_t *v,
			   struct ct_msg *m, uint32_t bit)
{
	if (!get_be32(a, v))
		return -EINVAL;
	m->set |= bit;
	return 0;
}

/* Helper names are NFCT_HELPER_NAME_MAX (16) bytes with their NUL in
 * libnetfilter_conntrack, so it shows at most 15 characters. */
#define HELPER_NAME_MAX	15

/* A ctnetlink message's family, and where its attributes are; -EINVAL
 * for one too short to have an nfgenmsg. */
static int msg_attrs(const struct nlmsghdr *nlh, uint8_t *family,
		     const char **start, unsigned int *len)
{
	const struct nfgenmsg *nfh;

	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*nfh))
		return -EINVAL;
	nfh = (const struct nfgenmsg *)((const char *)nlh + NLMSG_HDRLEN);
	*family = nfh->nfgen_family;
	*start = (const char *)nfh + NLMSG_ALIGN(sizeof(*nfh));
	*len = nlh->nlmsg_len - NLMSG_HDRLEN - NLMSG_ALIGN(sizeof(*nfh));
	return 0;
}

int ct_exp_parse(const struct nlmsghdr *nlh, struct ct_exp *e)
{
	static const struct {
		unsigned int type, bit, tuple, l3;
	} tuples[] = {
		{ CTA_EXPECT_MASTER, CTX_MASTER, 2, 0 },
		{ CTA_EXPECT_TUPLE, CTX_TUPLE, 0, 1 },
		{ CTA_EXPECT_MASK, CTX_MASK, 1, 2 },
	};
	const struct nlattr *a;
	unsigned int i, len;
	const char *start;
	int ret = 0;

	memset(e, 0, sizeof(*e));
	if (msg_attrs(nlh, &e->family, &start, &len))
		return -EINVAL;
	for_each_attr(a, start, len) {
		for (i = 0; i < ARRAY_SIZE(tuples); i++) {
			if (attr_type(a) != tuples[i].type)
				continue;
			ret = parse_tuple(a, &e->t[tuples[i].tuple]);
			e->l3[tuples[i].l3] = e->family;
			e->set |= tuples[i].bit;
		}
		switch (attr_type(a)) {
		case CTA_EXPECT_TIMEOUT:
			ret = get_be32(a, &e->timeout) ? 0 : -EINVAL;
			e->set |= CTX_TIMEOUT;
			break;
		case CTA_EXPECT_FLAGS:
			ret = get_be32(a, &e->flags) ? 0 : -EINVAL;
			e->set |= CTX_FLAGS;
			break;
		case CTA_EXPECT_CLASS:
			ret = get_be32(a, &e->class) ? 0 : -EINVAL;
			e->set |= CTX_CLASS;
			break;
		case CTA_EXPECT_ZONE:
			ret = get_be16(a, &e->zone) ? 0 : -EINVAL;
			e->set |= CTX_ZONE;
			break;
		case CTA_EXPECT_HELP_NAME:
			e->helper = attr_data(a);
			e->helper_len = str_len(a, HELPER_NAME_MAX);
			e->set |= CTX_HELPER;
			break;
		}
		if (ret)
			return ret;
	}
	return 0;
}

int ct_msg_parse(const struct nlmsghdr *nlh, struct ct_msg *m)
{
	const struct nlattr *a;
	const char *start;
	unsigned int len;
	int ret = 0;

	/* An attribute that comes twice counts once, as the last one (the
	 * kernel sends each once; libnetfilter_conntrack keeps the last):
	 * each nest's parser starts by clearing what it fills. */
	memset(m, 0, sizeof(*m));
	m->nlh = nlh;
	if (msg_attrs(nlh, &m->family, &start, &len))
		return -EINVAL;
	for_each_attr(a, start, len) {
		switch (attr_type(a)) {
		case CTA_TUPLE_ORIG:
			m->set |= CTM_ORIG;
			ret = parse_tuple(a, &m->t[0]);
			break;
		case CTA_TUPLE_REPLY:
			m->set |= CTM_REPLY;
			ret = parse_tuple(a, &m->t[1]);
			break;
		case CTA_STATUS:
			ret = u32_attr(a, &m->status, m, CTM_STATUS);
			break;
		case CTA_PROTOINFO:
			ret = parse_protoinfo(a, m);
			break;
		case CTA_TIMEOUT:
			ret = u32_attr(a, &m->timeout, m, CTM_TIMEOUT);
			break;
		case CTA_MARK:
			ret = u32_attr(a, &m->mark, m, CTM_MARK);
			break;
		case CTA_SECMARK:
			ret = u32_attr(a, &m->secmark, m, CTM_SECMARK);
			break;
		case CTA_USE:
			ret = u32_attr(a, &m->use, m, CTM_USE);
			break;
		case CTA_ID:
			ret = u32_attr(a, &m->id, m, CTM_ID);
			break;
		case CTA_COUNTERS_ORIG:
			ret = parse_counters(a, &m->t[0]);
			break;
		case CTA_COUNTERS_REPLY:
			ret = parse_counters(a, &m->t[1]);
			break;
		case CTA_ZONE:
			if (!get_be16(a, &m->zone))
				return -EINVAL;
			m->set |= CTM_ZONE;
			break;
		case CTA_HELP:
			m->set &= ~CTM_HELPER;
			m->helper = nested_str(a, CTA_HELP_NAME, HELPER_NAME_MAX,
					       &m->helper_len);
			if (m->helper)
				m->set |= CTM_HELPER;
			break;
		case CTA_SECCTX:
			m->set &= ~CTM_SECCTX;
			m->secctx = nested_str(a, CTA_SECCTX_NAME, 0xffff,
					       &m->secctx_len);
			if (m->secctx)
				m->set |= CTM_SECCTX;
			break;
		case CTA_TIMESTAMP:
			ret = parse_timestamp(a, m);
			break;
		case CTA_LABELS:
			m->set &= ~CTM_LABELS;
			if (!attr_len(a))
				break;
			m->labels = attr_data(a);
			m->labels_len = attr_len(a);
			m->set |= CTM_LABELS;
			break;
		}
		if (ret)
			return ret;
	}
	return 0;
}

void ct_msg_tuple(const struct ct_msg *m, int dir, struct ctdiag_tuple *t)
{
	const struct ct_msg_tuple *s = &m->t[dir ? 1 : 0];

	memset(t, 0, sizeof(*t));
	t->l3num = ct_msg_l3(m, dir);
	t->protonum = s->protonum;
	if (t->l3num == AF_INET || t->l3num == AF_INET6) {
		unsigned int n = t->l3num == AF_INET ? 4 : 16;

		if (s->set & CTMT_SRC)
			memcpy(t->src, s->src, n);
		if (s->set & CTMT_DST)
			memcpy(t->dst, s->dst, n);
	}
	if (t->protonum == IPPROTO_ICMP || t->protonum == IPPROTO_ICMPV6) {
		if (!dir) {
			t->sport = ct_msg_sport(s);	/* the ICMP id */
			t->dport = s->l4dst[0] << 8 | s->l4dst[1];
		}
		return;
	}
	if (s->set & CTMT_SPORT)
		t->sport = ct_msg_sport(s);
	if (s->set & CTMT_DPORT)
		t->dport = ct_msg_dport(s);
}
