/* SPDX-License-Identifier: GPL-2.0 */
/*
 * conntrack(8)'s list filters, with conntrack's option names and meaning:
 *   -p PROTO          layer-4 protocol (name or number)
 *   -s/-d ADDR[/LEN]  original-direction source/destination, CIDR allowed
 *   --sport/--dport   original-direction ports (needs -p with ports)
 *   --state STATE     TCP state (needs -p tcp), conntrack's names
 *   -m MARK[/MASK]    (mark & MASK) == MARK
 *   -w ZONE           zone id equal (no zone = zone 0)
 *   -f ipv4|ipv6      family; also implied by -s/-d
 *   -u FLAG[,FLAG..]  all of these status bits set
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
};

struct ct_filter_addr {
	uint8_t		addr[16];	/* network order, masked */
	uint8_t		mask[16];
	uint8_t		family;
	uint8_t		plen;
};

struct ct_filter {
	unsigned int	set;		/* enum ct_filter_opt */
	uint8_t		family;		/* AF_INET, AF_INET6 or 0 */
	uint8_t		proto;
	uint8_t		state;		/* TCP_CONNTRACK_* */
	uint16_t	sport, dport;	/* host order */
	uint16_t	zone;
	uint32_t	mark, mark_mask;
	uint32_t	status;		/* IPS_* bits that must all be set */
	struct ct_filter_addr src, dst;
};

void ct_filter_init(struct ct_filter *f);

/* Set one option from its argument (opt: one enum ct_filter_opt bit).
 * 0, or -EINVAL with a one-line reason in err (conntrack's wording where
 * it has one). */
int ct_filter_set(struct ct_filter *f, unsigned int opt, const char *arg,
		  char *err, size_t errlen);

/* After all options: the cross-option rules (--sport needs -p with ports,
 * --state needs -p tcp, -f/-s/-d must agree).  0 or -EINVAL + err. */
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
 * help text, and ct_filter_opt() handles what getopt returned.  -n/--netns
 * is among them: it picks the namespace whose table is read.  A command
 * numbers its own long-only options from CTF_OPT_END.
 */
enum {
	CTF_OPT_SPORT = 256,
	CTF_OPT_DPORT,
	CTF_OPT_STATE,
	CTF_OPT_END,
};
#define CT_FILTER_SHORTOPTS "p:s:d:m:w:f:u:n:"
#define CT_FILTER_LONGOPTS						\
	{ "proto", required_argument, NULL, 'p' },			\
	{ "protonum", required_argument, NULL, 'p' },			\
	{ "src", required_argument, NULL, 's' },			\
	{ "orig-src", required_argument, NULL, 's' },			\
	{ "dst", required_argument, NULL, 'd' },			\
	{ "orig-dst", required_argument, NULL, 'd' },			\
	{ "sport", required_argument, NULL, CTF_OPT_SPORT },		\
	{ "orig-port-src", required_argument, NULL, CTF_OPT_SPORT },	\
	{ "dport", required_argument, NULL, CTF_OPT_DPORT },		\
	{ "orig-port-dst", required_argument, NULL, CTF_OPT_DPORT },	\
	{ "state", required_argument, NULL, CTF_OPT_STATE },		\
	{ "mark", required_argument, NULL, 'm' },			\
	{ "zone", required_argument, NULL, 'w' },			\
	{ "family", required_argument, NULL, 'f' },			\
	{ "status", required_argument, NULL, 'u' },			\
	{ "netns", required_argument, NULL, 'n' }
#define CT_FILTER_HELP							\
	"Filters (conntrack's names and meaning; mark, status, family and zone\n" \
	"are also applied by the kernel where it can):\n"			\
	"  -p, --proto PROTO          layer-4 protocol, name or number\n"	\
	"      --protonum PROTO       the same\n"				\
	"  -s, --src ADDR[/LEN]       original source address or network\n" \
	"      --orig-src ADDR[/LEN]  the same\n"				\
	"  -d, --dst ADDR[/LEN]       original destination address or network\n" \
	"      --orig-dst ADDR[/LEN]  the same\n"				\
	"      --sport PORT           original source port (needs -p)\n"	\
	"      --orig-port-src PORT   the same\n"				\
	"      --dport PORT           original destination port (needs -p)\n" \
	"      --orig-port-dst PORT   the same\n"				\
	"      --state STATE          TCP state, e.g. ESTABLISHED (needs -p tcp)\n" \
	"  -m, --mark MARK[/MASK]     entries with (mark & MASK) == MARK\n" \
	"  -w, --zone ZONE            conntrack zone\n"			\
	"  -f, --family FAMILY        ipv4 or ipv6\n"			\
	"  -u, --status FLAG[,FLAG]   all of ASSURED, SEEN_REPLY, FIXED_TIMEOUT,\n" \
	"                             EXPECTED\n"

/* For the default: case of cmd's getopt switch: -1 when opt was a filter
 * (now set, or *netns pointed at the argument of -n) and parsing goes on;
 * else EXIT_USAGE after printing the usage error (a bad argument, or an
 * option getopt rejected or the command does not know). */
int ct_filter_opt(struct ct_filter *f, const char **netns, int opt,
		  const char *arg, const char *cmd, char **argv);

/* conntrack's names: TCP state, status flag (NULL if unknown). */
const char *ct_tcp_state_name(unsigned int state);
int ct_tcp_state_parse(const char *name);

/* The parsers behind -p and -s/-d, shared with the event filters of watch
 * and record (lib/evfilter.c), so the two cannot disagree.
 * PROTO: a name (any case: conntrack takes -p TCP too) or a number
 * 0-255.  0 or -EINVAL. */
int ct_proto_parse(const char *s, uint8_t *p);
/* ADDR or ADDR/PLEN, IPv4 or IPv6; the address is masked to PLEN.
 * 0, -EINVAL (bad address) or -ERANGE (bad prefix length). */
int ct_addr_parse(const char *s, struct ct_filter_addr *a);

#endif
