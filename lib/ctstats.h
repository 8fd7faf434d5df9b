/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel's conntrack statistics over ctnetlink, as `conntrack -S`
 * reads them: per-CPU counters (IPCTNL_MSG_CT_GET_STATS_CPU, a dump) and
 * the table size (IPCTNL_MSG_CT_GET_STATS).  Both are per network
 * namespace: the caller's.
 */
#ifndef CTDIAG_CTSTATS_H
#define CTDIAG_CTSTATS_H

#include <stdint.h>

/* The counters conntrack -S prints, in its order. */
enum ct_stat {
	CT_STAT_FOUND,
	CT_STAT_INVALID,
	CT_STAT_INSERT,
	CT_STAT_INSERT_FAILED,
	CT_STAT_DROP,
	CT_STAT_EARLY_DROP,
	CT_STAT_ERROR,
	CT_STAT_SEARCH_RESTART,
	CT_STAT_CLASH_RESOLVE,
	CT_STAT_CHAINTOOLONG,
	CT_STAT_MAX
};

struct ct_cpu_stats {
	unsigned int cpu;
	uint64_t v[CT_STAT_MAX];
};

/* "found", "insert_failed", ... as conntrack -S names them. */
const char *ct_stat_name(enum ct_stat s);

/* Per-CPU statistics: *out (malloc'ed, sorted by cpu), *nr entries.
 * 0 or -errno. */
int ct_stats_cpu(struct ct_cpu_stats **out, unsigned int *nr);
/* Entries in the table and its maximum.  0 or -errno. */
int ct_stats_global(uint64_t *entries, uint64_t *max);

#endif
