// SPDX-License-Identifier: GPL-2.0
/*
 * An entry's fields, walked once (ct_fmt_walk) for both outputs, after
 * iproute2's print_*(PRINT_ANY, ...): each field is named here once with
 * its text key and its JSON key, so conntrack -L's text and ctdiag ls -o
 * json cannot carry different facts.  The text is byte for byte that of
 * nfct_snprintf(NFCT_O_DEFAULT) as conntrack -L calls it (see ctmsg.h);
 * both go into a fmtbuf without printf (the text path is ls's hot loop).
 *
 * What only one side shows is marked so: the text's [UNREPLIED],
 * [ASSURED] and delta-time are read from status and the timestamps,
 * which JSON carries as numbers; JSON always has family, l3num, status,
 * the flags, use and id, which the text shows with -o extended / -o id.
 */
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include "ctlabel.h"
#include "ctmsg.h"
#include "util.h"

/* libnetfilter_conntrack's names (src/conntrack/snprintf.c): see ctmsg.h */
const char *const ct_tcp_states[CT_TCP_STATES] = {
	"NONE", "SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT",
	"CLOSE_WAIT", "LAST_ACK", "TIME_WAIT", "CLOSE", "SYN_SENT2",
};

const char *const ct_sctp_states[CT_SCTP_STATES] = {
	"NONE", "CLOSED", "COOKIE_WAIT", "COOKIE_ECHOED", "ESTABLISHED",
	"SHUTDOWN_SENT", "SHUTDOWN_RECD", "SHUTDOWN_ACK_SENT",
	"HEARTBEAT_SENT", "HEARTBEAT_ACKED",
};

const char *const ct_dccp_states[CT_DCCP_STATES] = {
	"NONE", "REQUEST", "RESPOND", "PARTOPEN", "OPEN", "CLOSEREQ",
	"CLOSING", "TIMEWAIT", "IGNORE", "INVALID",
};

/* The two writers (text, JSON) of every field: lib/fieldout.h. */
#include "fieldout.h"

/* ---- the fields --------------------------------------------------------- */

const char *ct_proto_name(unsigned int p)
{
	switch (p) {
	case IPPROTO_TCP: return "tcp";
	case IPPROTO_UDP: return "udp";
	case IPPROTO_UDPLITE: return "udplite";
	case IPPROTO_ICMP: return "icmp";
	case IPPROTO_ICMPV6: return "icmpv6";
	case IPPROTO_SCTP: return "sctp";
	case IPPROTO_GRE: return "gre";
	case IPPROTO_DCCP: return "dccp";
	}
	return NULL;
}

/* "%-8s %u ": the label padded, then the number */
static __always_inline void label_num(struct ct_out *o, const char *jlabel, const char *jnum,
		      const char *label, unsigned int v)
{
	if (o->json) {
		WORD(o, jlabel, label);
		JNUM(o, jnum, v);
		return;
	}
	fb_pad(o->b, label, 8);
	fb_putc(o->b, ' ');
	fb_u64(o->b, v);
	fb_putc(o->b, ' ');
}

static __always_inline void addr(struct ct_out *o, const char *jkey, const char *tkey,
		 const uint8_t *a, uint8_t l3)
{
	if (o->json) {
		j_key(o, jkey);
		fb_putc(o->b, '"');
	} else {
		fb_puts(o->b, tkey);
	}
	if (l3 == AF_INET)
		fb_ipv4(o->b, a);
	else
		fb_ipv6(o->b, a);
	fb_putc(o->b, o->json ? '"' : ' ');
}

/* GRE keys: "srckey=0x12 " in text, "srckey":18 in JSON */
static __always_inline void key_hex(struct ct_out *o, const char *jkey, const char *tkey,
		    uint16_t v)
{
	if (o->json) {
		JNUM(o, jkey, v);
		return;
	}
	fb_puts(o->b, tkey);
	fb_hex(o->b, v);
	fb_putc(o->b, ' ');
}

static __always_inline void l4_part(struct ct_out *o, const struct ct_msg_tuple *t)
{
	switch (ct_l4_kind(t->protonum)) {
	case CT_L4_PORTS:
		NUM(o, "sport", "sport=", ct_msg_sport(t));
		NUM(o, "dport", "dport=", ct_msg_dport(t));
		break;
	case CT_L4_GRE:
		key_hex(o, "srckey", "srckey=0x", ct_msg_sport(t));
		key_hex(o, "dstkey", "dstkey=0x", ct_msg_dport(t));
		break;
	case CT_L4_ICMP:
		NUM(o, "type", "type=", t->l4dst[0]);
		NUM(o, "code", "code=", t->l4dst[1]);
		NUM(o, "id", "id=", ct_msg_sport(t));
		break;
	case CT_L4_NONE:
		break;
	}
}

static __always_inline void direction(struct ct_out *o, const struct ct_msg *m, int dir)
{
	const struct ct_msg_tuple *t = &m->t[dir];
	uint8_t l3 = ct_msg_l3(m, dir);

	if (o->json)
		j_open(o, dir ? "reply" : "orig");
	if (l3 == AF_INET || l3 == AF_INET6) {
		addr(o, "src", "src=", t->src, l3);
		addr(o, "dst", "dst=", t->dst, l3);
	}
	l4_part(o, t);
	if (t->set & CTMT_ZONE) {
		if (dir)
			NUM(o, "zone", "zone-reply=", t->zone);
		else
			NUM(o, "zone", "zone-orig=", t->zone);
	}
	if ((t->set & (CTMT_PACKETS | CTMT_BYTES)) == (CTMT_PACKETS | CTMT_BYTES)) {
		NUM(o, "packets", "packets=", t->packets);
		NUM(o, "bytes", "bytes=", t->bytes);
	}
	if (o->json)
		j_close(o);
}

/* JSON: the status bits and their names (the text's [UNREPLIED] etc.) */
static void status_json(struct ct_out *o, uint32_t status)
{
	static const char *const names[] = {
		"EXPECTED", "SEEN_REPLY", "ASSURED", "CONFIRMED", "SRC_NAT",
		"DST_NAT", "SEQ_ADJUST", "SRC_NAT_DONE", "DST_NAT_DONE",
		"DYING", "FIXED_TIMEOUT", "TEMPLATE", "UNTRACKED", "HELPER",
		"OFFLOAD", "HW_OFFLOAD",
	};
	bool first = true;
	unsigned int i;

	JNUM(o, "status", status);
	j_key(o, "flags");
	fb_putc(o->b, '[');
	for (i = 0; i < ARRAY_SIZE(names); i++) {
		if (!(status & (1u << i)))
			continue;
		if (!first)
			fb_putc(o->b, ',');
		j_str(o->b, names[i], strlen(names[i]));
		first = false;
	}
	fb_putc(o->b, ']');
}

/* "[start=Thu Jan  1 00:00:00 1970] ": ctime() without its newline */
static void ktime(struct fmtbuf *b, const char *what, uint64_t ns)
{
	time_t t = (time_t)(ns / 1000000000ull);
	char tmp[64];

	fb_putc(b, '[');
	fb_puts(b, what);
	fb_putc(b, '=');
	if (ctime_r(&t, tmp))
		fb_mem(b, tmp, strcspn(tmp, "\n"));
	fb_lit(b, "] ");
}

/* The labels: text "labels=NAME,NAME " by their names (a bit without
 * one is left out; with none left, "labels " as libnetfilter_conntrack
 * cuts its last character), JSON "labels":[BIT,...] always. */
static void labels(struct ct_out *o, const struct ct_msg *m)
{
	unsigned int i = 0, n = m->labels_len * 8;
	const char *name;
	bool first = true;

	if (!o->json) {
		fb_lit(o->b, "labels=");
		while ((name = ct_label_next(m->labels, m->labels_len, &i))) {
			fb_puts(o->b, name);
			fb_putc(o->b, ',');
		}
		if (!o->b->over)
			o->b->p[-1] = ' ';	/* the last ',' or the '=' */
		return;
	}
	j_key(o, "labels");
	fb_putc(o->b, '[');
	for (; i < n; i++) {
		if (!ct_label_test(m->labels, m->labels_len, i))
			continue;
		if (!first)
			fb_putc(o->b, ',');
		fb_u64(o->b, i);
		first = false;
	}
	fb_putc(o->b, ']');
}

static __always_inline void walk(struct ct_out *o, const struct ct_msg *m, unsigned int flags)
{
	uint8_t l3 = ct_msg_l3(m, 0);
	const char *proto;

	if (o->json || (flags & CT_FMT_LAYER3))
		label_num(o, "family", "l3num", l3 == AF_INET ? "ipv4" :
			  l3 == AF_INET6 ? "ipv6" : "unknown", l3);
	proto = ct_proto_name(m->t[0].protonum);
	label_num(o, "proto", "protonum", proto ? proto : "unknown",
		  m->t[0].protonum);
	if (m->set & CTM_TIMEOUT)
		NUM(o, "timeout", "", m->timeout);
	if (m->set & CTM_TCP_STATE)
		WORD(o, "state", CT_STATE_NAME(ct_tcp_states, m->tcp_state));
	if (m->set & CTM_SCTP_STATE)
		WORD(o, "state", CT_STATE_NAME(ct_sctp_states, m->sctp_state));
	if (m->set & CTM_DCCP_STATE)
		WORD(o, "state", CT_STATE_NAME(ct_dccp_states, m->dccp_state));
	direction(o, m, 0);
	if (m->set & CTM_STATUS) {
		if (o->json)
			status_json(o, m->status);
		else if (!(m->status & IPS_SEEN_REPLY))
			TEXT(o, "[UNREPLIED] ");
	}
	direction(o, m, 1);
	if ((m->set & CTM_STATUS) && !o->json) {
		if (m->status & IPS_HW_OFFLOAD)
			TEXT(o, "[HW_OFFLOAD] ");
		else if (m->status & IPS_OFFLOAD)
			TEXT(o, "[OFFLOAD] ");
		else if (m->status & IPS_ASSURED)
			TEXT(o, "[ASSURED] ");
	}
	if (m->set & CTM_MARK)
		NUM(o, "mark", "mark=", m->mark);
	if (m->set & CTM_SECMARK)
		NUM(o, "secmark", "secmark=", m->secmark);
	if (m->set & CTM_SECCTX)
		STR(o, "secctx", "secctx=", m->secctx, m->secctx_len);
	/* JSON: zone 0 when the entry has none (what the filters read) */
	if ((m->set & CTM_ZONE) || o->json)
		NUM(o, "zone", "zone=", m->zone);
	if (o->json) {
		if (m->set & CTM_TS_START)
			JNUM(o, "start_ns", m->ts_start);
		if (m->set & CTM_TS_STOP)
			JNUM(o, "stop_ns", m->ts_stop);
	} else if (m->set & CTM_TS_START) {
		/* a running entry's age: the stop time is now */
		time_t stop = m->ts_stop ? (time_t)(m->ts_stop / 1000000000ull) :
				time(NULL);

		NUM(o, NULL, "delta-time=", (unsigned long long)
		    (stop - (time_t)(m->ts_start / 1000000000ull)));
		if (flags & CT_FMT_TIMESTAMP) {
			ktime(o->b, "start", m->ts_start);
			if (m->set & CTM_TS_STOP)
				ktime(o->b, "stop", m->ts_stop);
		}
	} else if ((flags & CT_FMT_TIMESTAMP) && (m->set & CTM_TS_STOP)) {
		ktime(o->b, "stop", m->ts_stop);
	}
	if (m->set & CTM_HELPER)
		STR(o, "helper", "helper=", m->helper, m->helper_len);
	if (m->set & CTM_USE)
		NUM(o, "use", "use=", m->use);
	if ((m->set & CTM_ID) && (o->json || (flags & CT_FMT_ID)))
		NUM(o, "id", "id=", m->id);
	if ((m->set & CTM_LABELS) && (o->json || (flags & CT_FMT_LABELS)))
		labels(o, m);
}

int ct_msg_format(struct fmtbuf *b, const struct ct_msg *m, unsigned int flags)
{
	struct ct_out o = { .b = b };

	if (!(m->set & CTM_ORIG) || !(m->t[0].set & CTMT_PROTO))
		return -1;
	walk(&o, m, flags);
	/* every field ends in a blank; the line does not */
	if (!b->over)
		b->p--;
	return 0;
}

int ct_msg_format_json(struct fmtbuf *b, const struct ct_msg *m)
{
	struct ct_out o = { .b = b, .json = true, .comma = true };

	if (!(m->set & CTM_ORIG) || !(m->t[0].set & CTMT_PROTO))
		return -1;
	walk(&o, m, 0);
	return 0;
}

/* conntrack -L expect (libnetfilter_conntrack's expect/snprintf_default.c):
 * "TIMEOUT proto=P src= dst= L4 mask-src= mask-dst= L4 master-src=
 * master-dst= L4 [zone=Z] [FLAGS ]class=C helper=NAME" */
void ct_exp_format(struct fmtbuf *b, const struct ct_exp *e)
{
	static const char *const tags[3][2] = {
		{ "src=", "dst=" }, { "mask-src=", "mask-dst=" },
		{ "master-src=", "master-dst=" },
	};
	static const struct { uint32_t bit; const char *name; } flags[] = {
		{ NF_CT_EXPECT_PERMANENT, "PERMANENT" },
		{ NF_CT_EXPECT_INACTIVE, "INACTIVE" },
		{ NF_CT_EXPECT_USERSPACE, "USERSPACE" },
	};
	struct ct_out o = { .b = b };
	const char *delim = "";
	char *start = b->p;
	unsigned int i;

	if (e->set & CTX_TIMEOUT)
		NUM(&o, NULL, "", e->timeout);
	NUM(&o, NULL, "proto=", e->t[0].protonum);
	for (i = 0; i < 3; i++) {
		if (e->l3[i] == AF_INET || e->l3[i] == AF_INET6) {
			addr(&o, NULL, tags[i][0], e->t[i].src, e->l3[i]);
			addr(&o, NULL, tags[i][1], e->t[i].dst, e->l3[i]);
		}
		l4_part(&o, &e->t[i]);
	}
	if (e->set & CTX_ZONE)
		NUM(&o, NULL, "zone=", e->zone);
	for (i = 0; i < ARRAY_SIZE(flags); i++) {
		if (!(e->flags & flags[i].bit))
			continue;
		fb_puts(b, delim);
		fb_puts(b, flags[i].name);
		delim = ",";
	}
	if (e->flags)
		fb_putc(b, ' ');
	if (e->set & CTX_CLASS)
		NUM(&o, NULL, "class=", e->class);
	if (e->set & CTX_HELPER) {
		fb_lit(b, "helper=");
		fb_mem(b, e->helper, e->helper_len);
	}
	/* one blank at the end goes */
	if (!b->over && b->p > start && b->p[-1] == ' ')
		b->p--;
}
