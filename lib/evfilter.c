// SPDX-License-Identifier: GPL-2.0
/* The event filters of watch and record: see evfilter.h. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "ctfilter.h"
#include "evfilter.h"
#include "evnames.h"
#include "util.h"

static bool prefix_match(const __u8 *a, const __u8 *b, unsigned int plen)
{
	unsigned int bytes = plen / 8, bits = plen % 8;

	if (memcmp(a, b, bytes))
		return false;
	if (bits) {
		__u8 mask = (__u8)(0xff << (8 - bits));

		return (a[bytes] & mask) == (b[bytes] & mask);
	}
	return true;
}

bool event_filter_match(const struct ctdiag_filter *f,
			const struct ctdiag_event *ev)
{
	const struct ctdiag_tuple *t = &ev->orig;

	if (ev->type == CTDIAG_EV_LOST)
		return true;
	if ((f->set & CTDIAG_F_EVENTS) &&
	    (ev->type >= 32 || !(f->event_mask & (1u << ev->type))))
		return false;
	if ((f->set & CTDIAG_F_NETNS) && ev->netns != f->netns)
		return false;
	if ((f->set & CTDIAG_F_ZONE) && ev->zone != f->zone)
		return false;
	if ((f->set & CTDIAG_F_PROTO) && ev->protonum != f->protonum)
		return false;
	if ((f->set & CTDIAG_F_FAMILY) && ev->l3num != f->l3num)
		return false;
	if ((f->set & CTDIAG_F_SRC) && !prefix_match(t->src, f->src, f->src_plen))
		return false;
	if ((f->set & CTDIAG_F_DST) && !prefix_match(t->dst, f->dst, f->dst_plen))
		return false;
	if ((f->set & CTDIAG_F_SPORT) && t->sport != f->sport)
		return false;
	if ((f->set & CTDIAG_F_DPORT) && t->dport != f->dport)
		return false;
	return true;
}

int filter_set_proto(struct ctdiag_filter *f, const char *s)
{
	uint8_t p;

	if (ct_proto_parse(s, &p))
		return -EINVAL;
	f->protonum = p;
	f->set |= CTDIAG_F_PROTO;
	return 0;
}

int filter_set_addr(struct ctdiag_filter *f, bool dst, const char *s)
{
	struct ct_filter_addr a;

	if (ct_addr_parse(s, &a))
		return -EINVAL;
	if ((f->set & CTDIAG_F_FAMILY) && f->l3num != a.family)
		return -EINVAL;
	f->set |= CTDIAG_F_FAMILY | (dst ? CTDIAG_F_DST : CTDIAG_F_SRC);
	f->l3num = a.family;
	if (dst) {
		memcpy(f->dst, a.addr, 16);
		f->dst_plen = a.plen;
	} else {
		memcpy(f->src, a.addr, 16);
		f->src_plen = a.plen;
	}
	return 0;
}

int filter_set_port(struct ctdiag_filter *f, bool dst, const char *s)
{
	uint16_t v;

	if (ct_port_parse(s, &v))
		return -EINVAL;
	if (dst) {
		f->dport = v;
		f->set |= CTDIAG_F_DPORT;
	} else {
		f->sport = v;
		f->set |= CTDIAG_F_SPORT;
	}
	return 0;
}

int filter_set_zone(struct ctdiag_filter *f, const char *s)
{
	uint64_t v;

	if (parse_u64(s, &v, 65535))
		return -EINVAL;
	f->zone = v;
	f->set |= CTDIAG_F_ZONE;
	return 0;
}

int netns_inode(const char *s, uint32_t *ino)
{
	char path[4096];
	struct stat st;
	uint64_t v;

	if (!*s)
		return -EINVAL;
	if (!parse_u64(s, &v, UINT32_MAX)) {
		*ino = v;
		return 0;
	}
	if (strchr(s, '/'))
		snprintf(path, sizeof(path), "%s", s);
	else
		snprintf(path, sizeof(path), "/run/netns/%s", s);
	if (stat(path, &st) < 0)
		return -errno;
	*ino = st.st_ino;
	return 0;
}

int filter_set_netns(struct ctdiag_filter *f, const char *s)
{
	uint32_t ino;
	int ret = netns_inode(s, &ino);

	if (ret)
		return ret;
	f->netns = ino;
	f->set |= CTDIAG_F_NETNS;
	return 0;
}

int filter_set_events(struct ctdiag_filter *f, const char *s,
		      const char **bad)
{
	uint32_t m;
	int ret = event_mask_parse(s, &m, bad);

	if (ret)
		return ret;
	f->event_mask = m;
	f->set |= CTDIAG_F_EVENTS;
	return 0;
}

int filter_opt(struct ctdiag_filter *f, int opt, const char *arg,
	       const char *cmd)
{
	const char *bad = NULL;
	int ret;

	switch (opt) {
	case 'p':
		if (filter_set_proto(f, arg))
			return p_usage(cmd, "unknown protocol '%s'", arg);
		return 0;
	case 's':
	case 'd':
		if (filter_set_addr(f, opt == 'd', arg))
			return p_usage(cmd, "bad address '%s' (ADDR or ADDR/LEN, IPv4 or IPv6, one family)",
				       arg);
		return 0;
	case FILTER_OPT_SPORT:
	case FILTER_OPT_DPORT:
		if (filter_set_port(f, opt == FILTER_OPT_DPORT, arg))
			return p_usage(cmd, "bad port '%s'", arg);
		return 0;
	case 'w':
	case FILTER_OPT_ZONE:
		if (filter_set_zone(f, arg))
			return p_usage(cmd, "bad zone '%s' (0-65535)", arg);
		return 0;
	case 'N':
	case FILTER_OPT_NETNS:
		ret = filter_set_netns(f, arg);
		if (ret)
			return p_usage(cmd, "cannot find network namespace '%s': %s",
				       arg, strerror(-ret));
		return 0;
	case 'e':
		if (filter_set_events(f, arg, &bad))
			return p_usage(cmd, "unknown event type '%s' (one of: all,%s)",
				       bad ? bad : arg, event_type_names());
		return 0;
	default:
		return 1;
	}
}
