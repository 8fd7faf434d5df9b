/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One conntrack entry decoded straight from its ctnetlink message, and
 * conntrack -L's text for it.
 *
 * libnetfilter_conntrack's nfct_nlmsg_parse() + nfct_snprintf() cost
 * ctdiag ls about as much as the kernel's whole dump (libmnl callbacks per
 * attribute, then a printf per field), which put it at ~1.9x the raw dump
 * on 200k entries.  This decoder walks the attributes once, inline, into a
 * flat struct; the formatter writes conntrack's text without printf.
 * The text is byte for byte that of nfct_snprintf(NFCT_O_DEFAULT) as
 * conntrack -L calls it (libnetfilter_conntrack 1.0.9,
 * src/conntrack/snprintf_default.c; the labels as nfct_snprintf_labels()
 * prints them, CT_FMT_LABELS): field order, spacing, the status words,
 * the state names.  tests/unit/test_ctmsg.c
 * checks that against the library on generated messages, and
 * tests/20-ls.bats against conntrack on real tables.
 *
 * Field storage follows libnetfilter_conntrack's where its quirks show in
 * the text: an absent attribute reads as 0, ports/ICMP id/GRE keys share
 * l4src, ports/ICMP type+code share l4dst, an IPv4 address lives in the
 * first 4 bytes of the 16.
 */
#ifndef CTDIAG_CTMSG_H
#define CTDIAG_CTMSG_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include "ctdiag_abi.h"
#include "fmtbuf.h"

struct nlmsghdr;

/* ct_msg_tuple.set */
enum {
	CTMT_SRC	= 1 << 0,	/* CTA_IP_V4_SRC or CTA_IP_V6_SRC */
	CTMT_DST	= 1 << 1,
	CTMT_PROTO	= 1 << 2,	/* CTA_PROTO_NUM */
	CTMT_SPORT	= 1 << 3,	/* CTA_PROTO_SRC_PORT */
	CTMT_DPORT	= 1 << 4,
	CTMT_ICMP_TYPE	= 1 << 5,	/* CTA_PROTO_ICMP(V6)_TYPE */
	CTMT_ICMP_CODE	= 1 << 6,
	CTMT_ICMP_ID	= 1 << 7,
	CTMT_ZONE	= 1 << 8,	/* CTA_TUPLE_ZONE (directional zone) */
	CTMT_PACKETS	= 1 << 9,	/* CTA_COUNTERS_ORIG/REPLY */
	CTMT_BYTES	= 1 << 10,
};

/* One direction: the tuple and its counters. */
struct ct_msg_tuple {
	uint8_t		src[16], dst[16];	/* network order */
	uint16_t	l4src;		/* network order: port, ICMP id, GRE key */
	uint8_t		l4dst[2];	/* port/GRE key (network order), or
					 * ICMP type, code */
	uint8_t		protonum;
	uint16_t	zone;
	uint32_t	set;		/* CTMT_* */
	uint64_t	packets, bytes;
};

/* ct_msg.set */
enum {
	CTM_ORIG	= 1 << 0,	/* CTA_TUPLE_ORIG: family applies to it */
	CTM_REPLY	= 1 << 1,
	CTM_STATUS	= 1 << 2,
	CTM_TIMEOUT	= 1 << 3,
	CTM_MARK	= 1 << 4,
	CTM_SECMARK	= 1 << 5,
	CTM_USE		= 1 << 6,
	CTM_ID		= 1 << 7,
	CTM_ZONE	= 1 << 8,
	CTM_TCP_STATE	= 1 << 9,
	CTM_SCTP_STATE	= 1 << 10,
	CTM_DCCP_STATE	= 1 << 11,
	CTM_TS_START	= 1 << 12,
	CTM_TS_STOP	= 1 << 13,
	CTM_HELPER	= 1 << 14,
	CTM_SECCTX	= 1 << 15,
	CTM_SCTP_VTAG	= 1 << 16,	/* both CTA_PROTOINFO_SCTP_VTAG_* */
	CTM_LABELS	= 1 << 17,	/* CTA_LABELS, not empty */
};

struct ct_msg {
	uint32_t	set;		/* CTM_* */
	uint8_t		family;		/* nfgen_family */
	uint8_t		tcp_state, sctp_state, dccp_state;
	uint16_t	zone;
	struct ct_msg_tuple t[2];	/* [0] original, [1] reply */
	uint32_t	status, timeout, mark, secmark, use, id;
	uint32_t	sctp_vtag[2];	/* original, reply */
	uint64_t	ts_start, ts_stop;	/* ns */
	const struct nlmsghdr *nlh;	/* the message it was decoded from
					 * (a recording stores it as is) */
	const char	*helper;	/* into the message, not NUL-terminated */
	const char	*secctx;
	const uint8_t	*labels;	/* the label bits (lib/ctlabel.h) */
	uint16_t	helper_len, secctx_len, labels_len;
};

/* ct_exp.set (CTX_*: CTE_* are lib/ctparse.h's) */
enum {
	CTX_MASTER	= 1 << 0,	/* CTA_EXPECT_MASTER */
	CTX_TUPLE	= 1 << 1,	/* CTA_EXPECT_TUPLE */
	CTX_MASK	= 1 << 2,
	CTX_TIMEOUT	= 1 << 3,
	CTX_ZONE	= 1 << 4,
	CTX_FLAGS	= 1 << 5,
	CTX_HELPER	= 1 << 6,
	CTX_CLASS	= 1 << 7,
};

/* One expectation (IPCTNL_MSG_EXP_NEW), decoded as
 * libnetfilter_conntrack's nfexp_nlmsg_parse() decodes it: each tuple's
 * layer-3 protocol is the message's family, set when the attribute
 * before it in its list is there (the library's order: the expected
 * tuple's with the master, the mask's with the expected tuple, the
 * master's with the mask; the kernel sends all three). */
struct ct_exp {
	uint32_t	set;		/* CTX_* */
	uint8_t		family;
	uint8_t		l3[3];		/* expected, mask, master */
	struct ct_msg_tuple t[3];	/* expected, mask, master */
	uint32_t	timeout, flags, class;
	uint16_t	zone;
	uint16_t	helper_len;
	const char	*helper;	/* into the message */
};

/* 0, or -EINVAL as ct_msg_parse. */
int ct_exp_parse(const struct nlmsghdr *nlh, struct ct_exp *e);

/* conntrack -L expect's line for e (no newline; lib/ctfmt.c). */
void ct_exp_format(struct fmtbuf *b, const struct ct_exp *e);

/* conntrack -L expect -o xml's <flow> element (lib/ctxml.c); with
 * CT_FMT_TIME, the <when> of now (conntrack -o xml,timestamp). */
void ct_exp_format_xml(struct fmtbuf *b, const struct ct_exp *e,
		       unsigned int flags);

/* Decode one ctnetlink conntrack message (IPCTNL_MSG_CT_NEW/GET/DELETE).
 * 0, or -EINVAL for a message that is not one or is malformed (an
 * attribute of the wrong size, which libnetfilter_conntrack rejects too).
 * m points into nlh (helper, secctx, labels): valid as long as the message. */
int ct_msg_parse(const struct nlmsghdr *nlh, struct ct_msg *m);

static inline uint16_t ct_msg_sport(const struct ct_msg_tuple *t)
{
	return (uint16_t)((const uint8_t *)&t->l4src)[0] << 8 |
	       ((const uint8_t *)&t->l4src)[1];
}

static inline uint16_t ct_msg_dport(const struct ct_msg_tuple *t)
{
	return (uint16_t)t->l4dst[0] << 8 | t->l4dst[1];
}

/* What a tuple's layer-4 part shows, by protocol (libnetfilter_conntrack's
 * cases, the same in the text and the XML): ports, GRE keys, ICMP type,
 * code and id, or nothing. */
enum ct_l4_kind { CT_L4_NONE, CT_L4_PORTS, CT_L4_GRE, CT_L4_ICMP };

static inline enum ct_l4_kind ct_l4_kind(uint8_t protonum)
{
	switch (protonum) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
	case IPPROTO_SCTP:
	case IPPROTO_DCCP:
		return CT_L4_PORTS;
	case IPPROTO_GRE:
		return CT_L4_GRE;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		return CT_L4_ICMP;
	}
	return CT_L4_NONE;
}

/* The layer-3 protocol of direction dir: the family if that tuple was in
 * the message, else 0 (as libnetfilter_conntrack's ATTR_*_L3PROTO). */
static inline uint8_t ct_msg_l3(const struct ct_msg *m, int dir)
{
	return m->set & (dir ? CTM_REPLY : CTM_ORIG) ? m->family : 0;
}

/* The tuple of direction dir converted the way the module converts it
 * (kprobe/ct.c), for joining with extension records.  ICMP type, code
 * and id are those of the original direction (the reply's are left 0). */
void ct_msg_tuple(const struct ct_msg *m, int dir, struct ctdiag_tuple *t);

/* conntrack -L's output options (conntrack -o extended, id, ktimestamp) */
enum {
	CT_FMT_LAYER3		= 1 << 0,	/* "ipv4     2 " first */
	CT_FMT_ID		= 1 << 1,	/* "id=N" */
	CT_FMT_TIMESTAMP	= 1 << 2,	/* "[start=...] [stop=...]" */
	CT_FMT_LABELS		= 1 << 3,	/* "labels=NAME,..." by the names
						 * of lib/ctlabel.h (conntrack
						 * prints them once it has read
						 * the names: -l, -o labels) */
	CT_FMT_TIME		= 1 << 4,	/* expect -o xml,timestamp */
};

/* conntrack -L's state names (libnetfilter_conntrack's), by
 * TCP_CONNTRACK_*, SCTP_CONNTRACK_* and CT_DCCP_* value: the one table of
 * each (lib/ctfmt.c, which prints them; lib/ctsave.c prints them too and
 * lib/ctfilter parses them).  CT_STATE_NAME: a number past the table
 * prints as the table's first name, as in libnetfilter_conntrack. */
#define CT_TCP_STATES	10
#define CT_SCTP_STATES	10
#define CT_DCCP_STATES	10
extern const char *const ct_tcp_states[CT_TCP_STATES];
extern const char *const ct_sctp_states[CT_SCTP_STATES];
extern const char *const ct_dccp_states[CT_DCCP_STATES];
#define CT_STATE_NAME(tab, s)	((tab)[(s) < ARRAY_SIZE(tab) ? (s) : 0])

/* conntrack -L's name of a layer-4 protocol (tcp, udp, udplite, icmp,
 * icmpv6, sctp, gre, dccp: those libnetfilter_conntrack has a module for),
 * else NULL (-L prints "unknown", -o save the number). */
const char *ct_proto_name(unsigned int p);

/* Append conntrack -L's line for m (no newline) to b.  Returns -1 and
 * appends nothing for an entry without an original layer-4 protocol
 * (libnetfilter_conntrack prints nothing for those either). */
int ct_msg_format(struct fmtbuf *b, const struct ct_msg *m, unsigned int flags);

/* The same fields as JSON members (lib/ctfmt.c, the one walk both use):
 * ,"family":"ipv4","l3num":2,"proto":...,"id":N -- each preceded by a
 * comma, for the caller's object.  -1 as for ct_msg_format. */
int ct_msg_format_json(struct fmtbuf *b, const struct ct_msg *m);

/* conntrack -L -o save's line for m (lib/ctsave.c): the conntrack
 * arguments that would make it again ("-A -t 2999 -u UNSET -s ...").
 * -1 as for ct_msg_format. */
int ct_msg_format_save(struct fmtbuf *b, const struct ct_msg *m);

/* conntrack -L -o xml's <flow> element for m (lib/ctxml.c), without the
 * document's head and tail; of the flags, CT_FMT_TIMESTAMP and
 * CT_FMT_LABELS count.  -1 as for ct_msg_format. */
int ct_msg_format_xml(struct fmtbuf *b, const struct ct_msg *m,
		      unsigned int flags);

#endif
