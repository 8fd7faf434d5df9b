/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Decoding and printing ring records (struct ctdiag_event), shared by
 * `watch` (live and -r replay) and anything else that shows events; and
 * the event filters, which are the kernel's (CTDIAG_IOC_SET_FILTER) so that
 * a replay filters exactly as a live reader would.
 */
#ifndef CTDIAG_EVENT_H
#define CTDIAG_EVENT_H

#include <stdbool.h>
#include <stdint.h>
#include "ctdiag_abi.h"

/* "schema" of the JSON objects `watch -o json` prints. */
#define EVENT_JSON_SCHEMA	1

/* Names as printed and as accepted by -e (e.g. "free", "confirm-drop").
 * NULL for an unknown value. */
const char *event_type_name(unsigned int type);
const char *free_path_name(unsigned int path);
const char *alloc_how_name(unsigned int how);
const char *clash_outcome_name(unsigned int outcome);
const char *destroy_path_name(unsigned int path);
const char *intercept_name(unsigned int v);

/* The comma-separated list of every -e name, for help texts. */
const char *event_type_names(void);

/* Parse "-e alloc,free,clash" into a mask of 1 << type.  "all" is every
 * type.  "lost" is not accepted: loss records are never filtered.
 * 0 or -EINVAL (*bad set to the offending name, static storage). */
int event_mask_parse(const char *list, uint32_t *mask, const char **bad);

/* Print one event: a plain line, or one JSON object per line.  Unknown
 * types print as "type-N" with the common fields, never crash. */
void event_print(const struct ctdiag_event *ev);

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
	"                         nfq-update,confirm-early (loss is always shown)\n"
/* Handle one getopt result: 0 handled, 1 not a filter option, or
 * EXIT_USAGE after printing the usage error for cmd. */
int filter_opt(struct ctdiag_filter *f, int opt, const char *arg,
	       const char *cmd);

/* netns NAME|PATH|INODE -> inode.  0 or -errno. */
int netns_inode(const char *s, uint32_t *ino);

/* Per-CPU sequence tracking, so loss shows even if a record about it were
 * missing: feed every record in stream order (before any user-space
 * filter).  Returns the number of records that went missing just before
 * ev without a LOST record saying so (a sequence gap), and *first_seq the
 * first missing seq; 0 if none.  A LOST record whose range was already
 * reported as a gap returns -1 (don't count it twice). */
struct seq_tracker {
	unsigned int nr;
	uint64_t *next;		/* expected next seq per CPU, 0 = unseen */
};
int64_t seq_track(struct seq_tracker *t, const struct ctdiag_event *ev,
		  uint64_t *first_seq);
void seq_tracker_free(struct seq_tracker *t);

/* Print a loss line for a gap found by seq_track (same shape as a LOST
 * record's line). */
void event_print_gap(const struct ctdiag_event *next, uint64_t count,
		     uint64_t first_seq);

#endif
