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
 *   -l LABEL[,LABEL..]   all of these labels set (names: lib/ctlabel.h)
 *   -c SECMARK           taken and checked as a number, filters nothing:
 *                        conntrack 1.4.7 lists every entry with it
 *                        (libnetfilter_conntrack's nfct_cmp() compares no
 *                        secmark)
 * Filters that ctnetlink can apply are also pushed into the dump request
 * (ct_filter_dump_opts); ct_filter_match() is always exact.
 */
#ifndef CTDIAG_CTFILTER_H
#define CTDIAG_CTFILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "ctlabel.h"

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
	CTF_LABEL	= 1 << 28,	/* -l; several add up */
	CTF_SECMARK	= 1 << 29,	/* -c: taken, filters nothing (below) */
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
	uint32_t	labels[CT_LABEL_BITS / 32];	/* label bits, all must be set */
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

/*
 * The filter options as getopt_long takes them, shared by the commands
 * that filter the live table (ls, stale) so their names and meaning cannot
 * drift apart: CT_FILTER_SHORTOPTS goes into the short-option string,
 * CT_FILTER_LONGOPTS into the struct option array, CT_FILTER_HELP into the
 * help text, and ct_filter_opt() handles what getopt returned.  -N/--netns
 * is among them: it picks the namespace whose table is read (-n is
 * conntrack's --src-nat).  conntrack's long options that are not filters
 * here are in the table too, as errors, so that an abbreviation is
 * ambiguous exactly where it is for conntrack (--ma: --mark, --mask-src).
 * A command numbers its own long-only options from CTF_OPT_END (below
 * CTF_OPT_FILTER).
 */
enum {
	CTF_OPT_UNSUPPORTED = 256,
	CTF_OPT_ICMPV6,			/* + 0, 1, 2: --icmpv6-type, -code, -id */
	CTF_OPT_END = CTF_OPT_ICMPV6 + 3,
	CTF_OPT_FILTER = 512,		/* + the bit number of a CTF_* option */
};
#define CTF_OPT(bit)	(CTF_OPT_FILTER + __builtin_ctz(bit))
#define CT_FILTER_SHORTOPTS "p:s:d:r:q:m:w:f:u:l:c:n::g::j::N:"
#define CTF_LONG_(name, bit)	{ name, required_argument, NULL, CTF_OPT(bit) }
#define CTF_UNSUP_(name, arg)	{ name, arg, NULL, CTF_OPT_UNSUPPORTED }
#define CT_FILTER_LONGOPTS						\
	{ "proto", required_argument, NULL, 'p' },			\
	{ "protonum", required_argument, NULL, 'p' },			\
	{ "src", required_argument, NULL, 's' },			\
	{ "orig-src", required_argument, NULL, 's' },			\
	{ "dst", required_argument, NULL, 'd' },			\
	{ "orig-dst", required_argument, NULL, 'd' },			\
	{ "reply-src", required_argument, NULL, 'r' },			\
	{ "reply-dst", required_argument, NULL, 'q' },			\
	CTF_LONG_("mask-src", CTF_MASK_SRC),				\
	CTF_LONG_("mask-dst", CTF_MASK_DST),				\
	CTF_LONG_("sport", CTF_SPORT),					\
	CTF_LONG_("orig-port-src", CTF_SPORT),				\
	CTF_LONG_("dport", CTF_DPORT),					\
	CTF_LONG_("orig-port-dst", CTF_DPORT),				\
	CTF_LONG_("reply-port-src", CTF_REPLY_SPORT),			\
	CTF_LONG_("reply-port-dst", CTF_REPLY_DPORT),			\
	CTF_LONG_("state", CTF_STATE),					\
	CTF_LONG_("icmp-type", CTF_ICMP_TYPE),				\
	CTF_LONG_("icmp-code", CTF_ICMP_CODE),				\
	CTF_LONG_("icmp-id", CTF_ICMP_ID),				\
	{ "icmpv6-type", required_argument, NULL, CTF_OPT_ICMPV6 + 0 },	\
	{ "icmpv6-code", required_argument, NULL, CTF_OPT_ICMPV6 + 1 },	\
	{ "icmpv6-id", required_argument, NULL, CTF_OPT_ICMPV6 + 2 },	\
	CTF_LONG_("srckey", CTF_GRE_SKEY),				\
	CTF_LONG_("orig-key-src", CTF_GRE_SKEY),			\
	CTF_LONG_("dstkey", CTF_GRE_DKEY),				\
	CTF_LONG_("orig-key-dst", CTF_GRE_DKEY),			\
	CTF_LONG_("reply-key-src", CTF_GRE_RSKEY),			\
	CTF_LONG_("reply-key-dst", CTF_GRE_RDKEY),			\
	{ "src-nat", optional_argument, NULL, 'n' },			\
	{ "dst-nat", optional_argument, NULL, 'g' },			\
	{ "any-nat", optional_argument, NULL, 'j' },			\
	{ "mark", required_argument, NULL, 'm' },			\
	{ "zone", required_argument, NULL, 'w' },			\
	CTF_LONG_("orig-zone", CTF_ORIG_ZONE),				\
	CTF_LONG_("reply-zone", CTF_REPLY_ZONE),			\
	{ "family", required_argument, NULL, 'f' },			\
	{ "status", required_argument, NULL, 'u' },			\
	{ "label", required_argument, NULL, 'l' },			\
	{ "netns", required_argument, NULL, 'N' },			\
	CTF_UNSUP_("label-add", required_argument),			\
	CTF_UNSUP_("label-del", optional_argument),			\
	{ "secmark", required_argument, NULL, 'c' },			\
	CTF_UNSUP_("timeout", required_argument),			\
	CTF_UNSUP_("event-mask", required_argument),			\
	CTF_UNSUP_("buffer-size", required_argument),			\
	CTF_UNSUP_("tuple-src", required_argument),			\
	CTF_UNSUP_("tuple-dst", required_argument),			\
	CTF_UNSUP_("nat-range", required_argument),			\
	CTF_UNSUP_("id", optional_argument),				\
	CTF_UNSUP_("load-file", required_argument),			\
	CTF_UNSUP_("stats", no_argument),				\
	CTF_UNSUP_("version", no_argument),				\
	CTF_UNSUP_("mask-port-src", required_argument),			\
	CTF_UNSUP_("mask-port-dst", required_argument),			\
	CTF_UNSUP_("tuple-port-src", required_argument),		\
	CTF_UNSUP_("tuple-port-dst", required_argument),		\
	CTF_UNSUP_("orig-vtag", required_argument),			\
	CTF_UNSUP_("reply-vtag", required_argument),			\
	CTF_UNSUP_("role", required_argument)
#define CT_FILTER_HELP							\
	"Filters (conntrack's names and meaning; mark, status, family and zone\n" \
	"are also applied by the kernel where it can):\n"			\
	"  -p, --proto PROTO          layer-4 protocol, name or number\n"	\
	"      --protonum PROTO       the same\n"				\
	"  -s, --src ADDR[/LEN]       original source address or network\n" \
	"      --orig-src ADDR[/LEN]  the same\n"				\
	"  -d, --dst ADDR[/LEN]       original destination address or network\n" \
	"      --orig-dst ADDR[/LEN]  the same\n"				\
	"      --mask-src MASK        netmask of -s, as an address\n"	\
	"      --mask-dst MASK        netmask of -d, as an address\n"	\
	"  -r, --reply-src ADDR       reply source address\n"		\
	"  -q, --reply-dst ADDR       reply destination address\n"		\
	"      --sport PORT           original source port (needs -p)\n"	\
	"      --orig-port-src PORT   the same\n"				\
	"      --dport PORT           original destination port (needs -p)\n" \
	"      --orig-port-dst PORT   the same\n"				\
	"      --reply-port-src PORT  reply source port (needs -p)\n"	\
	"      --reply-port-dst PORT  reply destination port (needs -p)\n"	\
	"      --state STATE          TCP, SCTP or DCCP state, e.g. ESTABLISHED\n" \
	"      --icmp-type TYPE       ICMP type (needs -p icmp)\n"		\
	"      --icmp-code CODE       ICMP code\n"				\
	"      --icmp-id ID           ICMP id\n"				\
	"      --icmpv6-type TYPE     ICMPv6 type (needs -p icmpv6)\n"	\
	"      --icmpv6-code CODE     ICMPv6 code\n"			\
	"      --icmpv6-id ID         ICMPv6 id\n"				\
	"      --srckey KEY           GRE key, original source (needs -p gre)\n" \
	"      --orig-key-src KEY     the same\n"				\
	"      --dstkey KEY           GRE key, original destination\n"	\
	"      --orig-key-dst KEY     the same\n"				\
	"      --reply-key-src KEY    GRE key, reply source\n"		\
	"      --reply-key-dst KEY    GRE key, reply destination\n"		\
	"  -n, --src-nat [IP[:PORT]]  source-NATed (to IP[:PORT])\n"		\
	"  -g, --dst-nat [IP[:PORT]]  destination-NATed (to IP[:PORT])\n"	\
	"  -j, --any-nat [IP[:PORT]]  either\n"				\
	"  -m, --mark MARK[/MASK]     entries with (mark & MASK) == MARK\n" \
	"  -w, --zone ZONE            conntrack zone\n"			\
	"      --orig-zone ZONE       zone of the original tuple\n"		\
	"      --reply-zone ZONE      zone of the reply tuple\n"		\
	"  -f, --family FAMILY        ipv4 or ipv6\n"			\
	"  -u, --status FLAG[,FLAG]   all of ASSURED, SEEN_REPLY, FIXED_TIMEOUT,\n" \
	"                             EXPECTED, OFFLOAD, HW_OFFLOAD\n"	\
	"  -l, --label LABEL[,LABEL]  all of these labels (the names of\n"	\
	"                             /etc/xtables/connlabel.conf)\n"	\
	"  -c, --secmark SECMARK      taken as conntrack takes it: filters nothing\n"

/* For the default: case of cmd's getopt switch: -1 when opt was a filter
 * (now set, or *netns pointed at the argument of -N) and parsing goes on;
 * else EXIT_USAGE after printing the usage error (a bad argument, or an
 * option getopt rejected or the command does not know).  -n/-g/-j take
 * their optional IP[:PORT] also from the next word, as conntrack does
 * (optind moves past it). */
int ct_filter_opt(struct ct_filter *f, const char **netns, int opt,
		  const char *arg, const char *cmd, char **argv);

/* conntrack's names: TCP state (NULL if unknown; 9 is LISTEN, which
 * conntrack also takes as SYN_SENT2 and prints as SYN_SENT2). */
const char *ct_tcp_state_name(unsigned int state);
int ct_tcp_state_parse(const char *name);

/* The parsers behind -p, -s/-d and the ports, shared with the event
 * filters of watch and record (lib/evfilter.c), so the two cannot
 * disagree.
 * PROTO, as conntrack -p takes it: conntrack's names in any case (-p TCP),
 * a number 0-255 (strtoul's bases), then /etc/protocols.  0 or -EINVAL. */
int ct_proto_parse(const char *s, uint8_t *p);
/* ADDR or ADDR/PLEN (PLEN decimal), IPv4 or IPv6; the address is masked
 * to PLEN.  0, -EINVAL (bad address) or -ERANGE (bad prefix length). */
int ct_addr_parse(const char *s, struct ct_filter_addr *a);
/* PORT: decimal 0-65535, as conntrack reads ports (--sport 010 is 10,
 * 0x14 an error).  0 or -EINVAL. */
int ct_port_parse(const char *s, uint16_t *port);

#endif
