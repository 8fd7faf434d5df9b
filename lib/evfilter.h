/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The event filters of `watch` and `record`: the kernel's own
 * (CTDIAG_IOC_SET_FILTER, struct ctdiag_filter), set from options named
 * as in `ctdiag ls` (and parsed by lib/ctfilter's parsers), and matched in
 * user space with the kernel's semantics, so that a replay filters
 * exactly as a live reader would.
 */
#ifndef CTDIAG_EVFILTER_H
#define CTDIAG_EVFILTER_H

#include <stdbool.h>
#include <stdint.h>
#include "ctdiag_abi.h"

/* Does ev pass f (the kernel's semantics: every field set in f->set must
 * match, against the original-direction tuple)?  LOST records always
 * pass. */
bool event_filter_match(const struct ctdiag_filter *f,
			const struct ctdiag_event *ev);

/* Filter option parsing, same names and meaning as `ctdiag ls`.  Each
 * returns 0 or -EINVAL; the caller prints the usage error. */
int filter_set_proto(struct ctdiag_filter *f, const char *s);
/* ADDR or ADDR/PLEN, IPv4 or IPv6; also sets the family filter, which
 * must agree with an address already given. */
int filter_set_addr(struct ctdiag_filter *f, bool dst, const char *s);
int filter_set_port(struct ctdiag_filter *f, bool dst, const char *s);
int filter_set_zone(struct ctdiag_filter *f, const char *s);
/* NAME (ip netns), PATH (/proc/PID/ns/net) or an inode number: the
 * namespace's inode.  -ENOENT etc. from stat. */
int filter_set_netns(struct ctdiag_filter *f, const char *s);
int filter_set_events(struct ctdiag_filter *f, const char *s,
		      const char **bad);

/* getopt_long options for the filters, shared by watch and record (and
 * named as in `ctdiag ls`): short "p:s:d:w:e:N:" plus these long ones. */
enum {
	FILTER_OPT_SPORT = 0x1000,
	FILTER_OPT_DPORT,
	FILTER_OPT_NETNS,
	FILTER_OPT_ZONE,	/* --zone; -w is the short form where free */
};
#define FILTER_SHORTOPTS "p:s:d:w:e:N:"
#define FILTER_LONGOPTS							\
	{ "proto", required_argument, NULL, 'p' },			\
	{ "src", required_argument, NULL, 's' },			\
	{ "dst", required_argument, NULL, 'd' },			\
	{ "sport", required_argument, NULL, FILTER_OPT_SPORT },	\
	{ "dport", required_argument, NULL, FILTER_OPT_DPORT },	\
	{ "zone", required_argument, NULL, FILTER_OPT_ZONE },	\
	{ "netns", required_argument, NULL, 'N' },			\
	{ "event", required_argument, NULL, 'e' }
/* The help text lines for those options, around the zone line (record
 * has -w for its file, so it spells the zone filter --zone only). */
#define FILTER_HELP_HEAD						\
	"  -p, --proto PROTO      L4 protocol (tcp, udp, icmp, ... or number)\n" \
	"  -s, --src ADDR[/LEN]   original source address or prefix\n"	\
	"  -d, --dst ADDR[/LEN]   original destination address or prefix\n" \
	"      --sport PORT       original source port\n"		\
	"      --dport PORT       original destination port\n"
#define FILTER_HELP_TAIL						\
	"  -N, --netns NS         namespace: name (ip netns), path or inode\n" \
	"  -e, --event LIST       event types: all or a comma list of\n"	\
	"                         alloc,free,destroy,clash,confirm-drop,\n"	\
	"                         nfq-update,confirm-early,legacy-bypass\n"	\
	"                         (loss is always shown)\n"
/* Handle one getopt result: 0 handled, 1 not a filter option, or
 * EXIT_USAGE after printing the usage error for cmd. */
int filter_opt(struct ctdiag_filter *f, int opt, const char *arg,
	       const char *cmd);

/* netns NAME|PATH|INODE -> inode.  0 or -errno. */
int netns_inode(const char *s, uint32_t *ino);

#endif
