/* SPDX-License-Identifier: GPL-2.0 */
/*
 * conntrack(8)'s list filters, with conntrack's option names and meaning
 * (conntrack-tools 1.4.7; man/ctdiag-ls.8 lists where ctdiag is stricter):
 *   -p PROTO             layer-4 protocol: a name (case-insensitive for
 *                        conntrack's own, else /etc/protocols) or a number
 *   -s/-d ADDR[/LEN]     original source/destination, CIDR allowed
 *   --mask-src/--mask-dst ADDR   the netmask of -s/-d, as an address
 *   -r/-q ADDR           reply source/destination
 *   --sport/--dport, --reply-port-src/--reply-port-dst  ports, decimal
 *                        (need -p with ports)
 *   --state STATE        TCP, SCTP or DCCP state (needs -p of that one)
 *   --icmp-type/-code/-id, --icmpv6-*   (need -p icmp / -p icmpv6)
 *   --srckey/--dstkey    GRE keys (need -p gre)
 *   -n/-g/-j [IP[:PORT]] source/destination/any NAT, to IP[:PORT]
 *   -m MARK[/MASK]       (mark & MASK) == MARK
 *   -w ZONE, --orig-zone ZONE, --reply-zone ZONE   (none = zone 0)
 *   -f ipv4|ipv6         family; also implied by the addresses
 *   -u FLAG[,FLAG..]     all of these status bits set
 * Filters that ctnetlink can apply are also pushed into the dump request
 * (ct_filter_dump_opts); ct_filter_match() is always exact.
 */
#ifndef CTDIAG_CTFILTER_H
#define CTDIAG_CTFILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ct_msg;
struct ct_dump_opts;

enum ct_filter_opt {
	CTF_PROTO	= 1 << 0,
	CTF_SRC		= 1 << 1,
	CTF_DST		= 1 << 2,
	CTF_SPORT	= 1 << 3,
	CTF_DPORT	= 1 << 4,
	CTF_STATE	= 1 << 5,
	CTF_MARK	= 1 << 6,
	CTF_ZONE	= 1 << 7,
	CTF_FAMILY	= 1 << 8,
	CTF_STATUS	= 1 << 9,
	CTF_REPLY_SRC	= 1 << 10,	/* -r */
	CTF_REPLY_DST	= 1 << 11,	/* -q */
	CTF_REPLY_SPORT	= 1 << 12,
	CTF_REPLY_DPORT	= 1 << 13,
	CTF_MASK_SRC	= 1 << 14,
	CTF_MASK_DST	= 1 << 15,
	CTF_SNAT	= 1 << 16,	/* -n [IP[:PORT]]; arg may be NULL */
	CTF_DNAT	= 1 << 17,	/* -g */
	CTF_ANYNAT	= 1 << 18,	/* -j */
	CTF_ORIG_ZONE	= 1 << 19,
	CTF_REPLY_ZONE	= 1 << 20,
	CTF_ICMP_TYPE	= 1 << 21,
	CTF_ICMP_CODE	= 1 << 22,
	CTF_ICMP_ID	= 1 << 23,
	CTF_GRE_SKEY	= 1 << 24,	/* --srckey, --orig-key-src */
	CTF_GRE_DKEY	= 1 << 25,
	CTF_GRE_RSKEY	= 1 << 26,	/* --reply-key-src */
	CTF_GRE_RDKEY	= 1 << 27,
	/* ct_filter_set() only: OR'ed into CTF_ICMP_* for --icmpv6-* */
	CTF_ICMPV6	= 1u << 31,
};

struct ct_filter_addr {
	uint8_t		addr[16];	/* network order, masked */
	uint8_t		mask[16];
	uint8_t		family;
	uint8_t		plen;
};

/* -n/-g/-j IP[:PORT] */
struct ct_filter_nat {
	struct ct_filter_addr ip;	/* family 0: any address */
	bool		has_port;
	uint16_t	port;
};

struct ct_filter {
	unsigned int	set;		/* enum ct_filter_opt */
	uint8_t		family;		/* AF_INET, AF_INET6 or 0 */
	uint8_t		proto;
	uint8_t		state;		/* TCP/SCTP/DCCP state, after finish */
	bool		icmpv6;		/* the ICMP options were --icmpv6-* */
	char		state_name[24];	/* resolved by ct_filter_finish */
	uint16_t	sport, dport;	/* host order; GRE keys too */
	uint16_t	rsport, rdport;
	uint16_t	zone, orig_zone, reply_zone;
	uint8_t		icmp_type, icmp_code;
	uint16_t	icmp_id;
	uint32_t	mark, mark_mask;
	uint32_t	status;		/* IPS_* bits that must all be set */
	struct ct_filter_addr src, dst, rsrc, rdst, mask_src, mask_dst;
	struct ct_filter_nat snat, dnat, anynat;
};

void ct_filter_init(struct ct_filter *f);

/* Set one option from its argument (opt: one enum ct_filter_opt bit; arg
 * may be NULL only for the NAT options).  0, or -EINVAL with a one-line
 * reason in err (conntrack's wording where it has one). */
int ct_filter_set(struct ct_filter *f, unsigned int opt, const char *arg,
		  char *err, size_t errlen);

/* After all options: the cross-option rules (--sport needs -p with ports,
 * --state needs -p tcp/sctp/dccp and is resolved there, -f and the
 * addresses must agree).  0 or -EINVAL + err. */
int ct_filter_finish(struct ct_filter *f, char *err, size_t errlen);

/* Fill the kernel-side part of a dump request. */
void ct_filter_dump_opts(const struct ct_filter *f, struct ct_dump_opts *o);

/* Does ct pass every filter that is set? */
bool ct_filter_match(const struct ct_filter *f, const struct ct_msg *m);

/* conntrack's names: TCP state (NULL if unknown; 9 is LISTEN, which
 * conntrack also takes as SYN_SENT2 and prints as SYN_SENT2). */
const char *ct_tcp_state_name(unsigned int state);
int ct_tcp_state_parse(const char *name);

/* Layer-4 protocol by name or number, as conntrack -p takes it: 0 or
 * -EINVAL. */
int ct_proto_parse(const char *s, uint8_t *proto);

#endif
