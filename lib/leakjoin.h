/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Joining extension records with conntrack entries.  A connection is
 * named by (conntrack id, netns inode, original tuple): the id alone can
 * repeat across namespaces and, after slab reuse, across time
 * (kprobe/README.md, "Conntrack ids"), the tuple pins it down.
 *
 * The table is open addressing over 24-byte slots holding the id, the
 * netns and a 64-bit digest of the tuple, so joining 1M records against
 * 200k entries needs ~12 MB besides the records themselves and no
 * allocation per record.  Two different tuples with the same id and netns
 * would have to collide in 64 bits to be confused.
 */
#ifndef CTDIAG_LEAKJOIN_H
#define CTDIAG_LEAKJOIN_H

#include <stddef.h>
#include <stdint.h>
#include "ctdiag_abi.h"

struct lj_key {
	uint32_t id;
	uint32_t netns;
	uint64_t digest;
};

/* Build a key; only the meaningful tuple fields count (addresses beyond
 * the family's length, padding are ignored). */
void lj_key_make(struct lj_key *k, uint32_t id, uint32_t netns,
		 const struct ctdiag_tuple *orig);

struct lj_table;

/* A table for up to n keys (it grows if more are inserted). */
struct lj_table *lj_create(size_t n);
void lj_destroy(struct lj_table *t);
/* Insert key -> val (val < UINT32_MAX).  A duplicate key keeps the first
 * value.  0 or -ENOMEM. */
int lj_insert(struct lj_table *t, const struct lj_key *k, uint32_t val);
/* The value, or -1 if absent. */
int64_t lj_lookup(const struct lj_table *t, const struct lj_key *k);
size_t lj_count(const struct lj_table *t);

/*
 * Start loading k's slot into the cache.  A table of 200k entries is
 * far bigger than the cache, so every lookup is a memory round trip; a
 * join that looks up many keys prefetches each LJ_AHEAD keys before it
 * looks it up, and the round trips overlap (1M lookups: ~3x faster).
 */
#define LJ_AHEAD	8
void lj_prefetch(const struct lj_table *t, const struct lj_key *k);

/* The join leaks needs: indexes (ascending) of the records in recs[0..n)
 * whose (ct_id, netns, orig) is not in live, written to out (room for n).
 * Returns how many. */
size_t lj_unmatched(const struct ctdiag_ext_rec *recs, size_t n,
		    const struct lj_table *live, uint32_t *out);

#endif
