// SPDX-License-Identifier: GPL-2.0
/* lib/leakjoin.c: keys, table, the join, and its speed at 1M x 200k. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include "leakjoin.h"
#include "util.h"
#include "unit.h"

static void tuple(struct ctdiag_tuple *t, uint32_t i)
{
	uint32_t s = htonl(0x0a000000u + i), d = htonl(0x0a640001u);

	memset(t, 0, sizeof(*t));
	t->l3num = AF_INET;
	t->protonum = IPPROTO_TCP;
	memcpy(t->src, &s, 4);
	memcpy(t->dst, &d, 4);
	t->sport = 1024 + i % 50000;
	t->dport = 443;
}

TEST(key_ignores_padding_and_unused_address_bytes)
{
	struct ctdiag_tuple a, b;
	struct lj_key ka, kb;

	tuple(&a, 1);
	b = a;
	b.pad[0] = 0x55;
	b.src[9] = 0x77;	/* beyond an IPv4 address */
	lj_key_make(&ka, 7, 9, &a);
	lj_key_make(&kb, 7, 9, &b);
	CHECK(ka.digest == kb.digest);
	b = a;
	b.sport++;
	lj_key_make(&kb, 7, 9, &b);
	CHECK(ka.digest != kb.digest);
	b = a;
	b.l3num = AF_INET6;
	lj_key_make(&kb, 7, 9, &b);
	CHECK(ka.digest != kb.digest);
}

TEST(lookup_needs_id_netns_and_tuple)
{
	struct lj_table *t = lj_create(4);
	struct ctdiag_tuple a, b;
	struct lj_key k;

	tuple(&a, 1);
	tuple(&b, 2);
	lj_key_make(&k, 100, 1, &a);
	CHECK(lj_insert(t, &k, 42) == 0);
	CHECK(lj_insert(t, &k, 43) == 0);	/* duplicate keeps the first */
	CHECK(lj_count(t) == 1);
	CHECK(lj_lookup(t, &k) == 42);
	lj_key_make(&k, 100, 2, &a);		/* other netns */
	CHECK(lj_lookup(t, &k) == -1);
	lj_key_make(&k, 101, 1, &a);		/* other id */
	CHECK(lj_lookup(t, &k) == -1);
	lj_key_make(&k, 100, 1, &b);		/* other tuple */
	CHECK(lj_lookup(t, &k) == -1);
	lj_destroy(t);
}

TEST(table_grows_past_its_size_hint)
{
	struct lj_table *t = lj_create(1);
	struct ctdiag_tuple a;
	struct lj_key k;
	uint32_t i;
	int bad = 0;

	for (i = 0; i < 100000; i++) {
		tuple(&a, i);
		lj_key_make(&k, i * 2654435761u, 5, &a);
		if (lj_insert(t, &k, i))
			bad++;
	}
	CHECK(bad == 0);
	CHECK(lj_count(t) == 100000);
	for (i = 0; i < 100000; i++) {
		tuple(&a, i);
		lj_key_make(&k, i * 2654435761u, 5, &a);
		if (lj_lookup(t, &k) != i)
			bad++;
	}
	CHECK(bad == 0);
	lj_destroy(t);
}

/* CPU time of this thread: the machine running the tests may be busy, and
 * waiting for a CPU is not the join's cost. */
static uint64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* The scale: 1M extension records against 200k live entries
 * (every 5th record has its conntrack), well under a second. */
TEST(join_1M_records_200k_entries_under_a_second)
{
	const size_t nrec = 1000000, nlive = 200000;
	struct ctdiag_ext_rec *recs = calloc(nrec, sizeof(*recs));
	uint32_t *out = malloc(nrec * sizeof(*out));
	struct lj_table *t;
	uint64_t t0, t1;
	size_t i, n, bad = 0;

	CHECK(recs && out);
	if (!recs || !out)
		return;
	for (i = 0; i < nrec; i++) {
		recs[i].ct_id = (uint32_t)(i * 2654435761u) | 1;
		recs[i].netns = 4026531840u + i % 3;
		tuple(&recs[i].orig, i);
	}
	t0 = cpu_ns();
	t = lj_create(nlive);
	for (i = 0; i < nrec; i += 5) {
		struct lj_key k;

		lj_key_make(&k, recs[i].ct_id, recs[i].netns, &recs[i].orig);
		lj_insert(t, &k, 0);
	}
	n = lj_unmatched(recs, nrec, t, out);
	t1 = cpu_ns();
	printf("# join: %zu records x %zu entries: %.3f s CPU, %zu unmatched\n",
	       nrec, lj_count(t), (t1 - t0) / 1e9, n);
	CHECK(lj_count(t) == nlive);
	CHECK(n == nrec - nlive);
	for (i = 0; i < n; i++)
		if (out[i] % 5 == 0)
			bad++;
	CHECK(bad == 0);
	CHECK(t1 - t0 < 1000000000ull);
	lj_destroy(t);
	free(recs);
	free(out);
}

UNIT_MAIN()
