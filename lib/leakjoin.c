// SPDX-License-Identifier: GPL-2.0
/* Hash join of extension records and conntrack entries: see leakjoin.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "leakjoin.h"

struct lj_slot {
	uint32_t id;
	uint32_t netns;
	uint64_t digest;
	uint32_t val;		/* UINT32_MAX: empty */
	uint32_t pad;
};

struct lj_table {
	struct lj_slot *slots;
	size_t mask;		/* capacity - 1, capacity a power of two */
	size_t count;
};

static inline uint64_t mix64(uint64_t x)
{
	/* splitmix64 finaliser: full avalanche, cheap */
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

void lj_key_make(struct lj_key *k, uint32_t id, uint32_t netns,
		 const struct ctdiag_tuple *t)
{
	uint64_t w[5] = { 0 };
	unsigned int alen = t->l3num == AF_INET ? 4 : 16;
	uint64_t h = 0x9e3779b97f4a7c15ULL;
	unsigned int i;

	memcpy(&w[0], t->src, alen > 8 ? 8 : alen);
	if (alen > 8)
		memcpy(&w[1], t->src + 8, 8);
	memcpy(&w[2], t->dst, alen > 8 ? 8 : alen);
	if (alen > 8)
		memcpy(&w[3], t->dst + 8, 8);
	w[4] = (uint64_t)t->sport | (uint64_t)t->dport << 16 |
	       (uint64_t)t->l3num << 32 | (uint64_t)t->protonum << 40;
	for (i = 0; i < 5; i++)
		h = mix64(h ^ w[i]) + i;
	k->id = id;
	k->netns = netns;
	k->digest = h;
}

static inline size_t slot_of(const struct lj_key *k, size_t mask)
{
	return mix64(k->digest ^ ((uint64_t)k->id << 32 | k->netns)) & mask;
}

static int alloc_slots(struct lj_table *t, size_t n)
{
	size_t cap = 64, i;

	while (cap < n + n / 2 + 1)	/* load factor <= 2/3 */
		cap <<= 1;
	t->slots = malloc(cap * sizeof(*t->slots));
	if (!t->slots)
		return -ENOMEM;
	for (i = 0; i < cap; i++)
		t->slots[i].val = UINT32_MAX;
	t->mask = cap - 1;
	t->count = 0;
	return 0;
}

struct lj_table *lj_create(size_t n)
{
	struct lj_table *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	if (alloc_slots(t, n)) {
		free(t);
		return NULL;
	}
	return t;
}

void lj_destroy(struct lj_table *t)
{
	if (!t)
		return;
	free(t->slots);
	free(t);
}

size_t lj_count(const struct lj_table *t)
{
	return t->count;
}

static void put(struct lj_table *t, const struct lj_slot *s)
{
	struct lj_key k = { s->id, s->netns, s->digest };
	size_t i = slot_of(&k, t->mask);

	for (;; i = (i + 1) & t->mask) {
		struct lj_slot *d = &t->slots[i];

		if (d->val == UINT32_MAX) {
			*d = *s;
			t->count++;
			return;
		}
		if (d->id == s->id && d->netns == s->netns &&
		    d->digest == s->digest)
			return;
	}
}

int lj_insert(struct lj_table *t, const struct lj_key *k, uint32_t val)
{
	struct lj_slot s = { k->id, k->netns, k->digest, val, 0 };

	if (val == UINT32_MAX)
		return -EINVAL;
	if ((t->count + 1) * 3 > (t->mask + 1) * 2) {
		struct lj_table n;
		size_t i;

		if (alloc_slots(&n, (t->mask + 1) * 2))
			return -ENOMEM;
		for (i = 0; i <= t->mask; i++)
			if (t->slots[i].val != UINT32_MAX)
				put(&n, &t->slots[i]);
		free(t->slots);
		*t = n;
	}
	put(t, &s);
	return 0;
}

int64_t lj_lookup(const struct lj_table *t, const struct lj_key *k)
{
	size_t i = slot_of(k, t->mask);

	for (;; i = (i + 1) & t->mask) {
		const struct lj_slot *s = &t->slots[i];

		if (s->val == UINT32_MAX)
			return -1;
		if (s->id == k->id && s->netns == k->netns &&
		    s->digest == k->digest)
			return s->val;
	}
}

void lj_prefetch(const struct lj_table *t, const struct lj_key *k)
{
	__builtin_prefetch(&t->slots[slot_of(k, t->mask)]);
}

size_t lj_unmatched(const struct ctdiag_ext_rec *recs, size_t n,
		    const struct lj_table *live, uint32_t *out)
{
	struct lj_key ring[LJ_AHEAD];
	size_t i, j, m = 0;

	/* make and prefetch each key LJ_AHEAD records before looking it
	 * up; record j's key is in ring[j % LJ_AHEAD] until record
	 * j + LJ_AHEAD's replaces it */
	for (i = 0; i < n + LJ_AHEAD; i++) {
		if (i >= LJ_AHEAD) {
			j = i - LJ_AHEAD;
			if (lj_lookup(live, &ring[j % LJ_AHEAD]) < 0)
				out[m++] = j;
		}
		if (i < n) {
			lj_key_make(&ring[i % LJ_AHEAD], recs[i].ct_id,
				    recs[i].netns, &recs[i].orig);
			lj_prefetch(live, &ring[i % LJ_AHEAD]);
		}
	}
	return m;
}
