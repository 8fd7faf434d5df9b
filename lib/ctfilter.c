// SPDX-License-Identifier: GPL-2.0
/* conntrack(8)-compatible list filters: see ctfilter.h. */
#include <arpa/inet.h>
#include <errno.h>
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
#include "ctmsg.h"
#include "util.h"

/* The names are conntrack -L's (lib/ctmsg's table), but for state 9
 * (SYN_SENT2), which conntrack's --state and ls -o json call LISTEN. */
const char *ct_tcp_state_name(unsigned int state)
{
	if (state == TCP_CONNTRACK_SYN_SENT2)
		return "LISTEN";
	return state < CT_TCP_STATES ? ct_tcp_states[state] : NULL;
}

int ct_tcp_state_parse(const char *name)
{
	unsigned int i;

	for (i = 0; i < CT_TCP_STATES; i++)
		if (!strcmp(name, ct_tcp_state_name(i)))	/* case matters, as in conntrack */
			return i;
	return -EINVAL;
}

static const struct {
	const char *name;
	uint32_t bit;
} status_names[] = {
	{ "EXPECTED", IPS_EXPECTED },
	{ "ASSURED", IPS_ASSURED },
	{ "SEEN_REPLY", IPS_SEEN_REPLY },
	{ "FIXED_TIMEOUT", IPS_FIXED_TIMEOUT },
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

int ct_proto_parse(const char *s, uint8_t *p)
{
	static const struct { const char *n; uint8_t v; } names[] = {
		{ "tcp", IPPROTO_TCP }, { "udp", IPPROTO_UDP },
		{ "udplite", IPPROTO_UDPLITE }, { "icmp", IPPROTO_ICMP },
		{ "icmpv6", IPPROTO_ICMPV6 }, { "sctp", IPPROTO_SCTP },
		{ "dccp", IPPROTO_DCCP }, { "gre", IPPROTO_GRE },
	};
	uint64_t v;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcasecmp(s, names[i].n)) {
			*p = names[i].v;
			return 0;
		}
	if (parse_u64(s, &v, 255))
		return -EINVAL;
	*p = v;
	return 0;
}

int ct_addr_parse(const char *arg, struct ct_filter_addr *a)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *slash;
	unsigned int i, max;
	uint64_t plen;

	if (strlen(arg) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, arg);
	slash = strchr(buf, '/');
	if (slash)
		buf[slash - buf] = 0;
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, buf, a->addr) == 1) {
		a->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, a->addr) == 1) {
		a->family = AF_INET6;
		max = 128;
	} else {
		return -EINVAL;
	}
	plen = max;
	if (slash && parse_u64(arg + (slash - buf) + 1, &plen, max))
		return -ERANGE;
	a->plen = plen;
	for (i = 0; i < max / 8; i++)
		a->mask[i] = i < plen / 8 ? 0xff :
			     i == plen / 8 ? (uint8_t)(0xff00 >> (plen % 8)) : 0;
	for (i = 0; i < 16; i++)
		a->addr[i] &= a->mask[i];
	return 0;
}

int ct_filter_set(struct ct_filter *f, unsigned int opt, const char *arg,
		  char *err, size_t errlen)
{
	uint64_t v, m;
	char *slash, *tok, *save, *copy;
	int ret;

	switch (opt) {
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
	case CTF_SPORT:
	case CTF_DPORT:
		if (parse_u64(arg, &v, 65535))
			return errf(err, errlen, "invalid port '%s'", arg);
		if (opt == CTF_SPORT)
			f->sport = v;
		else
			f->dport = v;
		break;
	case CTF_STATE:
		ret = ct_tcp_state_parse(arg);
		if (ret < 0)
			return errf(err, errlen, "unknown TCP state '%s'", arg);
		f->state = ret;
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
		if (parse_u64(arg, &v, 65535))
			return errf(err, errlen, "invalid zone '%s'", arg);
		f->zone = v;
		break;
	case CTF_FAMILY:
		if (!strcmp(arg, "ipv4"))
			f->family = AF_INET;
		else if (!strcmp(arg, "ipv6"))
			f->family = AF_INET6;
		else
			return errf(err, errlen, "unknown family '%s' (ipv4 or ipv6)", arg);
		break;
	case CTF_STATUS:
		copy = strdup(arg);
		if (!copy)
			return errf(err, errlen, "out of memory%s", "");
		f->status = 0;
		for (tok = strtok_r(copy, ",", &save); tok;
		     tok = strtok_r(NULL, ",", &save)) {
			unsigned int i;

			for (i = 0; i < ARRAY_SIZE(status_names); i++)
				if (!strcmp(tok, status_names[i].name))
					break;
			if (i == ARRAY_SIZE(status_names)) {
				snprintf(err, errlen,
					 "unknown status '%s' (ASSURED, SEEN_REPLY, FIXED_TIMEOUT, EXPECTED)",
					 tok);
				free(copy);
				return -EINVAL;
			}
			f->status |= status_names[i].bit;
		}
		free(copy);
		if (!f->status)
			return errf(err, errlen, "empty status '%s'", arg);
		break;
	default:
		return errf(err, errlen, "unknown filter%s", "");
	}
	f->set |= opt;
	return 0;
}

static bool proto_has_ports(uint8_t p)
{
	return p == IPPROTO_TCP || p == IPPROTO_UDP || p == IPPROTO_UDPLITE ||
	       p == IPPROTO_SCTP || p == IPPROTO_DCCP;
}

int ct_filter_finish(struct ct_filter *f, char *err, size_t errlen)
{
	const struct ct_filter_addr *a[2] = { &f->src, &f->dst };
	unsigned int i;

	if ((f->set & (CTF_SPORT | CTF_DPORT)) &&
	    !((f->set & CTF_PROTO) && proto_has_ports(f->proto)))
		return errf(err, errlen,
			    "--sport/--dport need -p with ports (tcp, udp, udplite, sctp, dccp)%s", "");
	if ((f->set & CTF_STATE) &&
	    !((f->set & CTF_PROTO) && f->proto == IPPROTO_TCP))
		return errf(err, errlen, "--state needs -p tcp%s", "");
	for (i = 0; i < 2; i++) {
		if (!(f->set & (i ? CTF_DST : CTF_SRC)))
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
	unsigned int fopt;
	char err[256];

	switch (opt) {
	case 'p': fopt = CTF_PROTO; break;
	case 's': fopt = CTF_SRC; break;
	case 'd': fopt = CTF_DST; break;
	case CTF_OPT_SPORT: fopt = CTF_SPORT; break;
	case CTF_OPT_DPORT: fopt = CTF_DPORT; break;
	case CTF_OPT_STATE: fopt = CTF_STATE; break;
	case 'm': fopt = CTF_MARK; break;
	case 'w': fopt = CTF_ZONE; break;
	case 'f': fopt = CTF_FAMILY; break;
	case 'u': fopt = CTF_STATUS; break;
	case 'n':
		*netns = arg;
		return -1;
	default:
		return getopt_usage_error(cmd, argv);
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
		       bool dst)
{
	const struct ct_msg_tuple *t = &m->t[0];
	const uint8_t *p = dst ? t->dst : t->src;
	unsigned int i, n = a->family == AF_INET ? 4 : 16;

	if (ct_msg_l3(m, 0) != a->family ||
	    !(t->set & (dst ? CTMT_DST : CTMT_SRC)))
		return false;
	for (i = 0; i < n; i++)
		if ((p[i] & a->mask[i]) != a->addr[i])
			return false;
	return true;
}

bool ct_filter_match(const struct ct_filter *f, const struct ct_msg *m)
{
	const struct ct_msg_tuple *t = &m->t[0];
	unsigned int set = f->set;

	if (!set)
		return true;
	if ((set & CTF_FAMILY) && ct_msg_l3(m, 0) != f->family)
		return false;
	if ((set & CTF_PROTO) && t->protonum != f->proto)
		return false;
	if ((set & CTF_SRC) && !addr_match(&f->src, m, false))
		return false;
	if ((set & CTF_DST) && !addr_match(&f->dst, m, true))
		return false;
	if ((set & CTF_SPORT) &&
	    (!(t->set & CTMT_SPORT) || ct_msg_sport(t) != f->sport))
		return false;
	if ((set & CTF_DPORT) &&
	    (!(t->set & CTMT_DPORT) || ct_msg_dport(t) != f->dport))
		return false;
	if ((set & CTF_STATE) &&
	    (!(m->set & CTM_TCP_STATE) || m->tcp_state != f->state))
		return false;
	/* an absent mark, zone or status is 0 (as conntrack reads them) */
	if ((set & CTF_MARK) && (m->mark & f->mark_mask) != f->mark)
		return false;
	if ((set & CTF_ZONE) && m->zone != f->zone)
		return false;
	if ((set & CTF_STATUS) && (m->status & f->status) != f->status)
		return false;
	return true;
}
