// SPDX-License-Identifier: GPL-2.0
/*
 * conntrack(8)-compatible list filters: see ctfilter.h.
 *
 * Over 600 lines, one file on purpose: each conntrack option is parsed
 * (ct_filter_set), checked against the others (ct_filter_finish: -p for
 * ports and states, the family of the addresses), pushed into the dump
 * request (ct_filter_dump_opts) and matched (ct_filter_match) through the
 * same fields of struct ct_filter, and adding an option touches all four
 * together.  The value parsers here (ct_proto_parse, ct_addr_parse,
 * ct_port_parse, the state names) are the one parser of each, shared with
 * watch's filters (lib/evfilter.c) and the listing reader (lib/ctparse*);
 * they are the part that could move to a file of their own.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_conntrack_tcp.h>
#include "ctdump.h"
#include "ctfilter.h"
#include "ctlabel.h"
#include "ctmsg.h"
#include "util.h"

/* lib/ctmsg.h's table (conntrack -L's names), but LISTEN for state 9
 * (SYN_SENT2): conntrack's --state takes both names for it. */
const char *ct_tcp_state_name(unsigned int state)
{
	if (state == TCP_CONNTRACK_SYN_SENT2)
		return "LISTEN";
	return state < CT_TCP_STATES ? ct_tcp_states[state] : NULL;
}

static int state_lookup(const char *const *names, unsigned int n,
			const char *name)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (!strcmp(name, names[i]))	/* case matters, as in conntrack */
			return i;
	return -EINVAL;
}

int ct_tcp_state_parse(const char *name)
{
	if (!strcmp(name, "LISTEN"))
		return TCP_CONNTRACK_SYN_SENT2;
	return state_lookup(ct_tcp_states, CT_TCP_STATES, name);
}

/* -u: conntrack's names, case-insensitive.  UNSET adds no bit; SRC_NAT
 * and DST_NAT are ignored with a warning, as conntrack does. */
static const struct {
	const char *name;
	uint32_t bit;
} status_names[] = {
	{ "EXPECTED", IPS_EXPECTED },
	{ "ASSURED", IPS_ASSURED },
	{ "SEEN_REPLY", IPS_SEEN_REPLY },
	{ "FIXED_TIMEOUT", IPS_FIXED_TIMEOUT },
	{ "OFFLOAD", IPS_OFFLOAD },
	{ "HW_OFFLOAD", IPS_HW_OFFLOAD },
	{ "UNSET", 0 },
	{ "SRC_NAT", 0 },
	{ "DST_NAT", 0 },
};

void ct_filter_init(struct ct_filter *f)
{
	memset(f, 0, sizeof(*f));
}

static int errf(char *err, size_t len, const char *fmt, const char *arg)
{
	snprintf(err, len, fmt, arg);
	return -EINVAL;
}

/* Decimal digits only (conntrack reads ports, ICMP fields and netmask
 * lengths in decimal; it takes "20x" as 20, ctdiag refuses it). */
static int parse_dec(const char *s, uint64_t *v, uint64_t max)
{
	const char *p;

	if (!*s)
		return -EINVAL;
	for (p = s; *p; p++)
		if (*p < '0' || *p > '9')
			return -EINVAL;
	if (p - s > 10)
		return -ERANGE;
	*v = strtoull(s, NULL, 10);
	return *v > max ? -ERANGE : 0;
}

int ct_proto_parse(const char *s, uint8_t *p)
{
	/* conntrack's protocol modules, matched case-insensitively */
	static const struct { const char *n; uint8_t v; } names[] = {
		{ "tcp", IPPROTO_TCP }, { "udp", IPPROTO_UDP },
		{ "udplite", IPPROTO_UDPLITE }, { "icmp", IPPROTO_ICMP },
		{ "icmpv6", IPPROTO_ICMPV6 }, { "sctp", IPPROTO_SCTP },
		{ "dccp", IPPROTO_DCCP }, { "gre", IPPROTO_GRE },
	};
	struct protoent *pe;
	uint64_t v;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcasecmp(s, names[i].n)) {
			*p = names[i].v;
			return 0;
		}
	/* a number: decimal, 0x hex or 0 octal, as conntrack's strtoul */
	if (isdigit((unsigned char)*s)) {
		if (parse_u64(s, &v, 255))
			return -EINVAL;
		*p = v;
		return 0;
	}
	/* then /etc/protocols (igmp, ipv6-icmp, ...), names as written there */
	pe = *s ? getprotobyname(s) : NULL;
	if (!pe || pe->p_proto < 0 || pe->p_proto > 255)
		return -EINVAL;
	*p = pe->p_proto;
	return 0;
}

/* An address, without a prefix length. */
static int parse_ip(const char *s, struct ct_filter_addr *a)
{
	unsigned int i, n;

	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a->addr) == 1)
		a->family = AF_INET;
	else if (inet_pton(AF_INET6, s, a->addr) == 1)
		a->family = AF_INET6;
	else
		return -EINVAL;
	n = a->family == AF_INET ? 4 : 16;
	a->plen = n * 8;
	for (i = 0; i < n; i++)
		a->mask[i] = 0xff;
	return 0;
}

int ct_addr_parse(const char *arg, struct ct_filter_addr *a)
{
	char buf[INET6_ADDRSTRLEN + 8];
	char *slash;
	unsigned int i, max;
	uint64_t plen;

	if (strlen(arg) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, arg);
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = 0;
	if (parse_ip(buf, a))
		return -EINVAL;
	max = a->plen;
	if (!slash)
		return 0;
	if (parse_dec(slash, &plen, max))
		return -ERANGE;
	a->plen = plen;
	memset(a->mask, 0, sizeof(a->mask));
	for (i = 0; i < max / 8; i++)
		a->mask[i] = i < plen / 8 ? 0xff :
			     i == plen / 8 ? (uint8_t)(0xff00 >> (plen % 8)) : 0;
	for (i = 0; i < 16; i++)
		a->addr[i] &= a->mask[i];
	return 0;
}

/* -n/-g/-j IP[:PORT]; IPv6 as [IP]:PORT or IP */
static int parse_nat(const char *arg, struct ct_filter_nat *n)
{
	char buf[INET6_ADDRSTRLEN + 16];
	char *ip = buf, *port = NULL, *c;
	uint64_t v;

	memset(n, 0, sizeof(*n));
	if (!arg)
		return 0;
	if (strlen(arg) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, arg);
	if (buf[0] == '[') {
		c = strchr(buf, ']');
		if (!c || (c[1] && c[1] != ':'))
			return -EINVAL;
		*c = 0;
		ip = buf + 1;
		port = c[1] ? c + 2 : NULL;
	} else if ((c = strchr(buf, ':')) && !strchr(c + 1, ':')) {
		*c = 0;
		port = c + 1;
	}
	if (parse_ip(ip, &n->ip))
		return -EINVAL;
	if (port) {
		if (parse_dec(port, &v, 65535))
			return -EINVAL;
		n->has_port = true;
		n->port = v;
	}
	return 0;
}

static int parse_status(struct ct_filter *f, const char *arg, char *err,
			size_t errlen)
{
	const char *p = arg, *comma;
	uint32_t bits = 0;
	unsigned int i;
	size_t len;

	if (f->set & CTF_STATUS)
		return errf(err, errlen,
			    "-u given twice (give the flags as one list: -u ASSURED,SEEN_REPLY)%s", "");
	for (;;) {
		comma = strchr(p, ',');
		len = comma ? (size_t)(comma - p) : strlen(p);
		for (i = 0; i < ARRAY_SIZE(status_names); i++)
			if (len && strlen(status_names[i].name) == len &&
			    !strncasecmp(p, status_names[i].name, len))
				break;
		if (i == ARRAY_SIZE(status_names)) {
			snprintf(err, errlen,
				 "unknown status '%.*s' in '%s' (ASSURED, SEEN_REPLY, FIXED_TIMEOUT, EXPECTED, OFFLOAD, HW_OFFLOAD, UNSET)",
				 (int)len, p, arg);
			return -EINVAL;
		}
		if (!strcmp(status_names[i].name, "SRC_NAT") ||
		    !strcmp(status_names[i].name, "DST_NAT"))
			p_warn("ignoring %s in -u, use --%s instead",
			       status_names[i].name,
			       status_names[i].name[0] == 'S' ? "src-nat" : "dst-nat");
		bits |= status_names[i].bit;
		if (!comma)
			break;
		p = comma + 1;
	}
	if (!bits)
		return errf(err, errlen,
			    "-u '%s' names no status flag to match", arg);
	f->status = bits;
	return 0;
}

int ct_port_parse(const char *s, uint16_t *port)
{
	uint64_t v;

	if (parse_dec(s, &v, 65535))
		return -EINVAL;
	*port = v;
	return 0;
}

static int port_opt(const char *arg, uint16_t *port, const char *what,
		    char *err, size_t errlen)
{
	if (ct_port_parse(arg, port)) {
		snprintf(err, errlen, "invalid %s '%s' (0-65535, decimal)", what, arg);
		return -EINVAL;
	}
	return 0;
}

/* -l: names of the label map, comma-separated (conntrack: an empty
 * name is an unknown label too) */
static int parse_labels(struct ct_filter *f, const char *arg, char *err,
			size_t errlen)
{
	char name[1024];
	const char *p = arg;
	size_t len;
	int bit;

	ct_label_load();
	for (;;) {
		len = strcspn(p, ",");
		if (len >= sizeof(name))
			len = sizeof(name) - 1;
		memcpy(name, p, len);
		name[len] = 0;
		bit = ct_label_bit(name);
		if (bit < 0)
			return errf(err, errlen, "unknown label '%s'", name);
		f->labels[bit / 32] |= 1u << (bit % 32);
		p += strcspn(p, ",");
		if (!*p)
			return 0;
		p++;
	}
}

int ct_filter_set(struct ct_filter *f, unsigned int opt, const char *arg,
		  char *err, size_t errlen)
{
	struct ct_filter_addr a;
	uint64_t v, m;
	char *slash, *copy;
	int ret;

	if (!arg && !(opt & (CTF_SNAT | CTF_DNAT | CTF_ANYNAT)))
		return errf(err, errlen, "missing argument%s", "");
	switch (opt & ~CTF_ICMPV6) {
	case CTF_PROTO:
		if (ct_proto_parse(arg, &f->proto))
			return errf(err, errlen, "unknown protocol '%s'", arg);
		break;
	case CTF_SRC:
	case CTF_DST:
		ret = ct_addr_parse(arg, opt == CTF_SRC ? &f->src : &f->dst);
		if (ret == -ERANGE)
			return errf(err, errlen, "invalid netmask in '%s'", arg);
		if (ret)
			return errf(err, errlen, "invalid address '%s'", arg);
		break;
	case CTF_REPLY_SRC:
	case CTF_REPLY_DST:
	case CTF_MASK_SRC:
	case CTF_MASK_DST:
		if (parse_ip(arg, &a))
			return errf(err, errlen, "invalid address '%s'", arg);
		*(opt == CTF_REPLY_SRC ? &f->rsrc : opt == CTF_REPLY_DST ? &f->rdst :
		  opt == CTF_MASK_SRC ? &f->mask_src : &f->mask_dst) = a;
		break;
	case CTF_SPORT:
	case CTF_DPORT:
	case CTF_REPLY_SPORT:
	case CTF_REPLY_DPORT:
	case CTF_ICMP_ID:
		ret = port_opt(arg, opt == CTF_SPORT ? &f->sport :
			       opt == CTF_DPORT ? &f->dport :
			       opt == CTF_REPLY_SPORT ? &f->rsport :
			       opt == CTF_REPLY_DPORT ? &f->rdport : &f->icmp_id,
			       (opt & ~CTF_ICMPV6) == CTF_ICMP_ID ? "ICMP id" : "port",
			       err, errlen);
		if (ret)
			return ret;
		break;
	case CTF_ICMP_TYPE:
	case CTF_ICMP_CODE:
		if (parse_dec(arg, &v, 255))
			return errf(err, errlen, "invalid ICMP type or code '%s' (0-255, decimal)", arg);
		if ((opt & ~CTF_ICMPV6) == CTF_ICMP_TYPE)
			f->icmp_type = v;
		else
			f->icmp_code = v;
		break;
	case CTF_GRE_SKEY:
	case CTF_GRE_DKEY:
	case CTF_GRE_RSKEY:
	case CTF_GRE_RDKEY:
		if (parse_u64(arg, &v, 65535))
			return errf(err, errlen, "invalid GRE key '%s' (0-0xffff)", arg);
		*(opt == CTF_GRE_SKEY ? &f->sport : opt == CTF_GRE_DKEY ? &f->dport :
		  opt == CTF_GRE_RSKEY ? &f->rsport : &f->rdport) = v;
		break;
	case CTF_STATE:
		if (strlen(arg) >= sizeof(f->state_name))
			return errf(err, errlen, "unknown state '%s'", arg);
		strcpy(f->state_name, arg);
		break;
	case CTF_SNAT:
	case CTF_DNAT:
	case CTF_ANYNAT:
		if (parse_nat(arg, opt == CTF_SNAT ? &f->snat :
				   opt == CTF_DNAT ? &f->dnat : &f->anynat))
			return errf(err, errlen, "invalid NAT address '%s' (IP[:PORT])", arg);
		break;
	case CTF_MARK:
		copy = strdup(arg);
		if (!copy)
			return errf(err, errlen, "out of memory%s", "");
		slash = strchr(copy, '/');
		if (slash)
			*slash++ = 0;
		m = UINT32_MAX;
		ret = parse_u64(copy, &v, UINT32_MAX) ||
		      (slash && parse_u64(slash, &m, UINT32_MAX));
		free(copy);
		if (ret)
			return errf(err, errlen, "invalid mark '%s' (MARK[/MASK])", arg);
		f->mark = v;
		f->mark_mask = m;
		break;
	case CTF_ZONE:
	case CTF_ORIG_ZONE:
	case CTF_REPLY_ZONE:
		if (parse_u64(arg, &v, 65535))
			return errf(err, errlen, "invalid zone '%s'", arg);
		*(opt == CTF_ZONE ? &f->zone : opt == CTF_ORIG_ZONE ?
		  &f->orig_zone : &f->reply_zone) = v;
		break;
	case CTF_FAMILY:
		if (!strcmp(arg, "ipv4"))
			v = AF_INET;
		else if (!strcmp(arg, "ipv6"))
			v = AF_INET6;
		else
			return errf(err, errlen, "unknown family '%s' (ipv4 or ipv6)", arg);
		if ((f->set & CTF_FAMILY) && f->family != v)
			return errf(err, errlen, "mismatched address family%s", "");
		f->family = v;
		break;
	case CTF_STATUS:
		ret = parse_status(f, arg, err, errlen);
		if (ret)
			return ret;
		break;
	case CTF_LABEL:
		ret = parse_labels(f, arg, err, errlen);
		if (ret)
			return ret;
		break;
	case CTF_SECMARK:
		if (parse_u64(arg, &v, UINT32_MAX))
			return errf(err, errlen, "invalid secmark '%s'", arg);
		break;
	default:
		return errf(err, errlen, "unknown filter%s", "");
	}
	if (opt & (CTF_ICMP_TYPE | CTF_ICMP_CODE | CTF_ICMP_ID)) {
		bool v6 = opt & CTF_ICMPV6;

		if ((f->set & (CTF_ICMP_TYPE | CTF_ICMP_CODE | CTF_ICMP_ID)) &&
		    f->icmpv6 != v6)
			return errf(err, errlen, "--icmp-* and --icmpv6-* cannot be combined%s", "");
		f->icmpv6 = v6;
	}
	f->set |= opt & ~CTF_ICMPV6;
	return 0;
}

static bool proto_has_ports(uint8_t p)
{
	return p == IPPROTO_TCP || p == IPPROTO_UDP || p == IPPROTO_UDPLITE ||
	       p == IPPROTO_SCTP || p == IPPROTO_DCCP;
}

static bool need_proto(const struct ct_filter *f, bool ok)
{
	return (f->set & CTF_PROTO) && ok;
}

int ct_filter_finish(struct ct_filter *f, char *err, size_t errlen)
{
	const struct ct_filter_addr *a[] = {
		&f->src, &f->dst, &f->rsrc, &f->rdst,
		&f->snat.ip, &f->dnat.ip, &f->anynat.ip,
	};
	const unsigned int bit[] = {
		CTF_SRC, CTF_DST, CTF_REPLY_SRC, CTF_REPLY_DST,
		CTF_SNAT, CTF_DNAT, CTF_ANYNAT,
	};
	unsigned int i, j;
	int st;

	if ((f->set & (CTF_SPORT | CTF_DPORT | CTF_REPLY_SPORT | CTF_REPLY_DPORT)) &&
	    !need_proto(f, proto_has_ports(f->proto)))
		return errf(err, errlen,
			    "--sport/--dport need -p with ports (tcp, udp, udplite, sctp, dccp)%s", "");
	if ((f->set & (CTF_GRE_SKEY | CTF_GRE_DKEY | CTF_GRE_RSKEY | CTF_GRE_RDKEY)) &&
	    !need_proto(f, f->proto == IPPROTO_GRE))
		return errf(err, errlen, "--srckey/--dstkey need -p gre%s", "");
	if ((f->set & (CTF_ICMP_TYPE | CTF_ICMP_CODE | CTF_ICMP_ID)) &&
	    !need_proto(f, f->proto == (f->icmpv6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP)))
		return errf(err, errlen, "%s", f->icmpv6 ?
			    "--icmpv6-type/-code/-id need -p icmpv6" :
			    "--icmp-type/-code/-id need -p icmp");
	if (f->set & CTF_STATE) {
		if (!need_proto(f, f->proto == IPPROTO_TCP ||
				   f->proto == IPPROTO_SCTP ||
				   f->proto == IPPROTO_DCCP))
			return errf(err, errlen, "--state needs -p tcp, sctp or dccp%s", "");
		if (f->proto == IPPROTO_TCP)
			st = ct_tcp_state_parse(f->state_name);
		else if (f->proto == IPPROTO_SCTP)
			st = state_lookup(ct_sctp_states, CT_SCTP_STATES,
					  f->state_name);
		else
			st = state_lookup(ct_dccp_states, CT_DCCP_STATES,
					  f->state_name);
		if (st < 0) {
			snprintf(err, errlen, "unknown %s state '%s'",
				 f->proto == IPPROTO_TCP ? "TCP" :
				 f->proto == IPPROTO_SCTP ? "SCTP" : "DCCP",
				 f->state_name);
			return -EINVAL;
		}
		f->state = st;
	}
	for (i = 0; i < 2; i++) {
		unsigned int mbit = i ? CTF_MASK_DST : CTF_MASK_SRC;
		struct ct_filter_addr *ad = i ? &f->dst : &f->src;
		const struct ct_filter_addr *mk = i ? &f->mask_dst : &f->mask_src;

		if (!(f->set & mbit))
			continue;
		if (!(f->set & (i ? CTF_DST : CTF_SRC)))
			return errf(err, errlen, "%s", i ? "--mask-dst needs -d" :
				    "--mask-src needs -s");
		if (mk->family != ad->family)
			return errf(err, errlen, "mismatched address family%s", "");
		for (j = 0; j < 16; j++) {
			ad->mask[j] = mk->addr[j];
			ad->addr[j] &= ad->mask[j];
		}
	}
	for (i = 0; i < ARRAY_SIZE(a); i++) {
		if (!(f->set & bit[i]) || !a[i]->family)
			continue;
		if (f->family && f->family != a[i]->family)
			return errf(err, errlen, "mismatched address family%s", "");
		f->family = a[i]->family;
	}
	if (f->family)
		f->set |= CTF_FAMILY;
	return 0;
}

int ct_filter_opt(struct ct_filter *f, const char **netns, int opt,
		  const char *arg, const char *cmd, char **argv)
{
	static const unsigned int icmpv6[] = {
		CTF_ICMP_TYPE, CTF_ICMP_CODE, CTF_ICMP_ID,
	};
	unsigned int fopt;
	char err[256];

	switch (opt) {
	case 'p': fopt = CTF_PROTO; break;
	case 's': fopt = CTF_SRC; break;
	case 'd': fopt = CTF_DST; break;
	case 'r': fopt = CTF_REPLY_SRC; break;
	case 'q': fopt = CTF_REPLY_DST; break;
	case 'm': fopt = CTF_MARK; break;
	case 'w': fopt = CTF_ZONE; break;
	case 'f': fopt = CTF_FAMILY; break;
	case 'u': fopt = CTF_STATUS; break;
	case 'l': fopt = CTF_LABEL; break;
	case 'c': fopt = CTF_SECMARK; break;
	case 'n': case 'g': case 'j':
		fopt = opt == 'n' ? CTF_SNAT : opt == 'g' ? CTF_DNAT : CTF_ANYNAT;
		/* IP[:PORT] attached, or the next word if not an option */
		if (!arg && argv[optind] && argv[optind][0] != '-')
			arg = argv[optind++];
		break;
	case 'N':
		*netns = arg;
		return -1;
	case CTF_OPT_ICMPV6:
	case CTF_OPT_ICMPV6 + 1:
	case CTF_OPT_ICMPV6 + 2:
		fopt = icmpv6[opt - CTF_OPT_ICMPV6] | CTF_ICMPV6;
		break;
	case CTF_OPT_UNSUPPORTED:
		return p_usage(cmd, "%s is a conntrack option that ctdiag %s does not take",
			       argv[optind - 1], cmd);
	default:
		if (opt < CTF_OPT_FILTER || opt >= CTF_OPT_FILTER + 32)
			return getopt_usage_error(cmd, argv);
		fopt = 1u << (opt - CTF_OPT_FILTER);
	}
	if (ct_filter_set(f, fopt, arg, err, sizeof(err)))
		return p_usage(cmd, "%s", err);
	return -1;
}

void ct_filter_dump_opts(const struct ct_filter *f, struct ct_dump_opts *o)
{
	o->family = f->family;
	if (f->set & CTF_MARK) {
		o->has_mark = true;
		o->mark = f->mark;
		o->mark_mask = f->mark_mask;
	}
	if (f->set & CTF_STATUS) {
		o->has_status = true;
		o->status = f->status;
		o->status_mask = f->status;
	}
	if (f->set & CTF_ZONE) {
		o->has_zone = true;
		o->zone = f->zone;
	}
}

static bool addr_match(const struct ct_filter_addr *a, const struct ct_msg *m,
		       int dir, bool dst)
{
	const struct ct_msg_tuple *t = &m->t[dir];
	const uint8_t *p = dst ? t->dst : t->src;
	unsigned int i, n = a->family == AF_INET ? 4 : 16;

	if (ct_msg_l3(m, dir) != a->family ||
	    !(t->set & (dst ? CTMT_DST : CTMT_SRC)))
		return false;
	for (i = 0; i < n; i++)
		if ((p[i] & a->mask[i]) != a->addr[i])
			return false;
	return true;
}

static bool port_match(const struct ct_msg_tuple *t, bool dst, uint16_t port)
{
	if (dst)
		return (t->set & CTMT_DPORT) && ct_msg_dport(t) == port;
	return (t->set & CTMT_SPORT) && ct_msg_sport(t) == port;
}

/* Source NAT to IP[:PORT] shows as the reply's destination, destination
 * NAT as the reply's source (what conntrack -n/-g compare).  A PORT
 * matches only a port that NAT changed (conntrack's meaning: -n IP:1003
 * does not select an entry whose source port stayed 1003). */
static bool nat_match(const struct ct_filter_nat *n, const struct ct_msg *m,
		      bool dnat)
{
	const struct ct_msg_tuple *o = &m->t[0], *r = &m->t[1];

	if (!(m->status & (dnat ? IPS_DST_NAT : IPS_SRC_NAT)))
		return false;
	if (n->ip.family && !addr_match(&n->ip, m, 1, !dnat))
		return false;
	if (!n->has_port)
		return true;
	if (!port_match(r, !dnat, n->port))
		return false;
	return dnat ? !port_match(o, true, n->port) : !port_match(o, false, n->port);
}

static uint16_t tuple_zone(const struct ct_msg_tuple *t)
{
	return t->set & CTMT_ZONE ? t->zone : 0;
}

static bool labels_match(const struct ct_filter *f, const struct ct_msg *m)
{
	unsigned int i;

	if (!(m->set & CTM_LABELS))
		return false;
	for (i = 0; i < CT_LABEL_BITS; i++)
		if ((f->labels[i / 32] & (1u << (i % 32))) &&
		    !ct_label_test(m->labels, m->labels_len, i))
			return false;
	return true;
}

bool ct_filter_match(const struct ct_filter *f, const struct ct_msg *m)
{
	const struct ct_msg_tuple *t = &m->t[0], *r = &m->t[1];
	unsigned int set = f->set;

	if (!set)
		return true;
	if ((set & CTF_FAMILY) && ct_msg_l3(m, 0) != f->family)
		return false;
	if ((set & CTF_PROTO) && t->protonum != f->proto)
		return false;
	if ((set & CTF_SRC) && !addr_match(&f->src, m, 0, false))
		return false;
	if ((set & CTF_DST) && !addr_match(&f->dst, m, 0, true))
		return false;
	if ((set & CTF_REPLY_SRC) && !addr_match(&f->rsrc, m, 1, false))
		return false;
	if ((set & CTF_REPLY_DST) && !addr_match(&f->rdst, m, 1, true))
		return false;
	if ((set & (CTF_SPORT | CTF_GRE_SKEY)) && !port_match(t, false, f->sport))
		return false;
	if ((set & (CTF_DPORT | CTF_GRE_DKEY)) && !port_match(t, true, f->dport))
		return false;
	if ((set & (CTF_REPLY_SPORT | CTF_GRE_RSKEY)) && !port_match(r, false, f->rsport))
		return false;
	if ((set & (CTF_REPLY_DPORT | CTF_GRE_RDKEY)) && !port_match(r, true, f->rdport))
		return false;
	if ((set & CTF_ICMP_TYPE) &&
	    (!(t->set & CTMT_ICMP_TYPE) || t->l4dst[0] != f->icmp_type))
		return false;
	if ((set & CTF_ICMP_CODE) &&
	    (!(t->set & CTMT_ICMP_CODE) || t->l4dst[1] != f->icmp_code))
		return false;
	if ((set & CTF_ICMP_ID) &&
	    (!(t->set & CTMT_ICMP_ID) || ct_msg_sport(t) != f->icmp_id))
		return false;
	if (set & CTF_STATE) {
		if (f->proto == IPPROTO_TCP &&
		    (!(m->set & CTM_TCP_STATE) || m->tcp_state != f->state))
			return false;
		if (f->proto == IPPROTO_SCTP &&
		    (!(m->set & CTM_SCTP_STATE) || m->sctp_state != f->state))
			return false;
		if (f->proto == IPPROTO_DCCP &&
		    (!(m->set & CTM_DCCP_STATE) || m->dccp_state != f->state))
			return false;
	}
	if ((set & CTF_SNAT) && !nat_match(&f->snat, m, false))
		return false;
	if ((set & CTF_DNAT) && !nat_match(&f->dnat, m, true))
		return false;
	if ((set & CTF_ANYNAT) && !nat_match(&f->anynat, m, false) &&
	    !nat_match(&f->anynat, m, true))
		return false;
	/* an absent mark, zone or status is 0 (as conntrack reads them) */
	if ((set & CTF_MARK) && (m->mark & f->mark_mask) != f->mark)
		return false;
	if ((set & CTF_ZONE) && m->zone != f->zone)
		return false;
	if ((set & CTF_ORIG_ZONE) && tuple_zone(t) != f->orig_zone)
		return false;
	if ((set & CTF_REPLY_ZONE) && tuple_zone(r) != f->reply_zone)
		return false;
	if ((set & CTF_STATUS) && (m->status & f->status) != f->status)
		return false;
	if ((set & CTF_LABEL) && !labels_match(f, m))
		return false;
	return true;
}
