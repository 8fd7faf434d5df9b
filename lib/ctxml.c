// SPDX-License-Identifier: GPL-2.0
/*
 * conntrack -L -o xml's text for one entry: nfct_snprintf(NFCT_O_XML) of
 * libnetfilter_conntrack 1.0.9 (src/conntrack/snprintf_xml.c), with its
 * quirks, since scripts parse what it prints:
 *   - the state is looked up in the TCP table for SCTP and DCCP too (an
 *     established SCTP association says <state>FIN_WAIT</state>);
 *   - ICMP tuples have an empty <layer4>, without type, code or id;
 *   - the reply's <counters> follow the original direction's presence;
 *   - <id> is always there, -o extended and -o id change nothing;
 *   - -o ktimestamp adds <timestamp>, <deltatime> comes with a start time.
 * The document's head and tail are ls's (ct_msg_xml_head/tail).
 */
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include "ctlabel.h"
#include "ctmsg.h"
#include "util.h"

#define XML_NUM(b, tag, v)	do {					\
	fb_lit(b, "<" tag ">");						\
	fb_u64(b, v);							\
	fb_lit(b, "</" tag ">");					\
} while (0)

/* <tag> or </tag> */
static void xml_tag(struct fmtbuf *b, const char *tag, bool end)
{
	fb_putc(b, '<');
	if (end)
		fb_putc(b, '/');
	fb_puts(b, tag);
	fb_putc(b, '>');
}

/* <tag>s</tag>, n bytes of s as they are (as the library prints them) */
static void xml_str(struct fmtbuf *b, const char *tag, const char *s, size_t n)
{
	xml_tag(b, tag, false);
	fb_mem(b, s, n);
	xml_tag(b, tag, true);
}

static void xml_addr(struct fmtbuf *b, const char *tag, const uint8_t *a,
		     uint8_t l3)
{
	xml_tag(b, tag, false);
	if (l3 == AF_INET)
		fb_ipv4(b, a);
	else if (l3 == AF_INET6)
		fb_ipv6(b, a);
	xml_tag(b, tag, true);
}

/* <layerN protonum="P" protoname="NAME"> */
static void xml_layer(struct fmtbuf *b, int n, unsigned int p)
{
	const char *name = n == 3 ? (p == AF_INET ? "ipv4" : p == AF_INET6 ?
				     "ipv6" : NULL) : ct_proto_name(p);

	fb_lit(b, "<layer");
	fb_putc(b, '0' + n);
	fb_lit(b, " protonum=\"");
	fb_u64(b, p);
	fb_lit(b, "\" protoname=\"");
	fb_puts(b, name ? name : "unknown");
	fb_lit(b, "\">");
}

/* The ports or GRE keys of a tuple (none for ICMP) */
static void xml_l4(struct fmtbuf *b, const struct ct_msg_tuple *t)
{
	switch (ct_l4_kind(t->protonum)) {
	case CT_L4_PORTS:
		XML_NUM(b, "sport", ct_msg_sport(t));
		XML_NUM(b, "dport", ct_msg_dport(t));
		break;
	case CT_L4_GRE:
		fb_lit(b, "<srckey>0x");
		fb_hex(b, ct_msg_sport(t));
		fb_lit(b, "</srckey><dstkey>0x");
		fb_hex(b, ct_msg_dport(t));
		fb_lit(b, "</dstkey>");
		break;
	case CT_L4_ICMP:		/* nothing, as in the library */
	case CT_L4_NONE:
		break;
	}
}

static void xml_tuple(struct fmtbuf *b, const struct ct_msg *m, int dir)
{
	const struct ct_msg_tuple *t = &m->t[dir];
	const struct ct_msg_tuple *o = &m->t[0];
	uint8_t l3 = ct_msg_l3(m, dir);

	if (dir)
		fb_lit(b, "<meta direction=\"reply\">");
	else
		fb_lit(b, "<meta direction=\"original\">");
	xml_layer(b, 3, l3);
	xml_addr(b, "src", t->src, l3);
	xml_addr(b, "dst", t->dst, l3);
	fb_lit(b, "</layer3>");
	xml_layer(b, 4, t->protonum);
	xml_l4(b, t);
	fb_lit(b, "</layer4>");
	if (t->set & CTMT_ZONE)
		XML_NUM(b, "zone", t->zone);
	if ((o->set & (CTMT_PACKETS | CTMT_BYTES)) == (CTMT_PACKETS | CTMT_BYTES)) {
		fb_lit(b, "<counters>");
		XML_NUM(b, "packets", t->packets);
		XML_NUM(b, "bytes", t->bytes);
		fb_lit(b, "</counters>");
	}
	fb_lit(b, "</meta>");
}

static void xml_state(struct fmtbuf *b, unsigned int state)
{
	fb_lit(b, "<state>");
	fb_puts(b, CT_STATE_NAME(ct_tcp_states, state));
	fb_lit(b, "</state>");
}

static void xml_labels(struct fmtbuf *b, const struct ct_msg *m)
{
	unsigned int i = 0;
	const char *name;

	fb_lit(b, "<labels>");
	while ((name = ct_label_next(m->labels, m->labels_len, &i))) {
		fb_lit(b, "<label>");
		fb_puts(b, name);
		fb_lit(b, "</label>");
	}
	fb_lit(b, "</labels>");
}

int ct_msg_format_xml(struct fmtbuf *b, const struct ct_msg *m,
		      unsigned int flags)
{
	const uint32_t indep = CTM_TCP_STATE | CTM_SCTP_STATE | CTM_DCCP_STATE |
		CTM_TIMEOUT | CTM_MARK | CTM_SECMARK | CTM_ZONE | CTM_USE |
		CTM_STATUS | CTM_ID | CTM_LABELS | CTM_TS_START | CTM_TS_STOP;
	const uint32_t ts = CTM_TS_START | CTM_TS_STOP;

	if (!(m->set & CTM_ORIG) || !(m->t[0].set & CTMT_PROTO))
		return -1;
	fb_lit(b, "<flow>");
	xml_tuple(b, m, 0);
	xml_tuple(b, m, 1);
	if (m->set & indep)
		fb_lit(b, "<meta direction=\"independent\">");
	/* the TCP names for all three, as the library has it */
	if (m->set & CTM_TCP_STATE)
		xml_state(b, m->tcp_state);
	if (m->set & CTM_SCTP_STATE)
		xml_state(b, m->sctp_state);
	if (m->set & CTM_DCCP_STATE)
		xml_state(b, m->dccp_state);
	if (m->set & CTM_TIMEOUT)
		XML_NUM(b, "timeout", m->timeout);
	if (m->set & CTM_MARK)
		XML_NUM(b, "mark", m->mark);
	if ((m->set & CTM_LABELS) && (flags & CT_FMT_LABELS))
		xml_labels(b, m);
	if (m->set & CTM_SECMARK)
		XML_NUM(b, "secmark", m->secmark);
	if (m->set & CTM_SECCTX)
		xml_str(b, "secctx", m->secctx, m->secctx_len);
	if (m->set & CTM_ZONE)
		XML_NUM(b, "zone", m->zone);
	if (m->set & CTM_USE)
		XML_NUM(b, "use", m->use);
	if (m->set & CTM_ID)
		XML_NUM(b, "id", m->id);
	if ((m->set & CTM_STATUS) && (m->status & IPS_ASSURED))
		fb_lit(b, "<assured/>");
	if ((m->set & CTM_STATUS) && !(m->status & IPS_SEEN_REPLY))
		fb_lit(b, "<unreplied/>");
	if ((flags & CT_FMT_TIMESTAMP) && (m->set & ts)) {
		fb_lit(b, "<timestamp>");
		if (m->set & CTM_TS_START)
			XML_NUM(b, "start", m->ts_start);
		if (m->set & CTM_TS_STOP)
			XML_NUM(b, "stop", m->ts_stop);
		fb_lit(b, "</timestamp>");
	}
	if ((m->set & ts) == ts)
		XML_NUM(b, "deltatime", (uint64_t)(time_t)
			((m->ts_stop - m->ts_start) / 1000000000ull));
	else if (m->set & CTM_TS_START)
		XML_NUM(b, "deltatime", (uint64_t)(time(NULL) -
			(time_t)(m->ts_start / 1000000000ull)));
	if (m->set & indep)
		fb_lit(b, "</meta>");
	if (m->set & CTM_HELPER)
		xml_str(b, "helper", m->helper, m->helper_len);
	fb_lit(b, "</flow>");
	return 0;
}

/* conntrack -o xml,timestamp's <when>: local time now */
static void xml_when(struct fmtbuf *b)
{
	time_t t = time(NULL);
	struct tm tm;

	if (!localtime_r(&t, &tm))
		return;
	fb_lit(b, "<when>");
	XML_NUM(b, "hour", tm.tm_hour);
	fb_lit(b, "<min>");
	fb_putc(b, '0' + tm.tm_min / 10);
	fb_putc(b, '0' + tm.tm_min % 10);
	fb_lit(b, "</min><sec>");
	fb_putc(b, '0' + tm.tm_sec / 10);
	fb_putc(b, '0' + tm.tm_sec % 10);
	fb_lit(b, "</sec>");
	XML_NUM(b, "wday", tm.tm_wday + 1);
	XML_NUM(b, "day", tm.tm_mday);
	XML_NUM(b, "month", tm.tm_mon + 1);
	XML_NUM(b, "year", 1900 + tm.tm_year);
	fb_lit(b, "</when>");
}

/* libnetfilter_conntrack's expect/snprintf_xml.c: the three tuples side
 * by side in <layer3> and <layer4>, under the expected tuple's protocols */
void ct_exp_format_xml(struct fmtbuf *b, const struct ct_exp *e,
		       unsigned int flags)
{
	static const char *const part[3] = { "expected", "mask", "master" };
	unsigned int i;

	fb_lit(b, "<flow>");
	xml_layer(b, 3, e->l3[0]);
	for (i = 0; i < 3; i++) {
		xml_tag(b, part[i], false);
		xml_addr(b, "src", e->t[i].src, e->l3[i]);
		xml_addr(b, "dst", e->t[i].dst, e->l3[i]);
		xml_tag(b, part[i], true);
	}
	fb_lit(b, "</layer3>");
	xml_layer(b, 4, e->t[0].protonum);
	for (i = 0; i < 3; i++) {
		xml_tag(b, part[i], false);
		xml_l4(b, &e->t[i]);
		xml_tag(b, part[i], true);
	}
	fb_lit(b, "</layer4><meta>");
	if (e->set & CTX_HELPER)
		xml_str(b, "helper-name", e->helper, e->helper_len);
	if (e->set & CTX_TIMEOUT)
		XML_NUM(b, "timeout", e->timeout);
	if (e->set & CTX_CLASS)
		XML_NUM(b, "class", e->class);
	if (e->set & CTX_ZONE)
		XML_NUM(b, "zone", e->zone);
	if (flags & CT_FMT_TIME)
		xml_when(b);
	if (e->flags & NF_CT_EXPECT_PERMANENT)
		fb_lit(b, "<permanent/>");
	if (e->flags & NF_CT_EXPECT_INACTIVE)
		fb_lit(b, "<inactive/>");
	if (e->flags & NF_CT_EXPECT_USERSPACE)
		fb_lit(b, "<userspace/>");
	fb_lit(b, "</meta></flow>");
}
