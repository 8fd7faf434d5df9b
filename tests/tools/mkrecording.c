// SPDX-License-Identifier: GPL-2.0
/*
 * mkrecording: write ctdiag recording files for the tests (watch -r,
 * leaks --records), so no fixture is a hand-edited binary.
 *
 *   mkrecording [-v VARIANT] [-n N] FILE
 *
 * Variants:
 *   all        one record of every event type (and an unknown type 42),
 *              IPv4/IPv6, tcp/udp/icmp, a LOST record, clean END (default)
 *   gap        a per-CPU sequence gap with no LOST record, then a LOST
 *              record for the same range arriving late
 *   many       N alloc/free pairs 10 ms apart (cpu = i % 2), END
 *   noend      `all` without the END chunk (a crashed writer)
 *   truncated  `all` cut in the middle of its 4th event record; prints
 *              the byte offset where that record starts
 *   garbage    `all`'s first 3 events, then a garbage chunk header
 *   badmagic   a header with the wrong magic
 *   newer      a header with format version RECFILE_VERSION + 1
 *   empty      zero bytes
 *
 * The file is written directly from the structs of lib/recfile.h and
 * lib/ctdiag_abi.h, independently of lib/recfile.c, so the reader is
 * tested against the documented format rather than against itself.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "recfile.h"
#include "recfix.h"

#define T0 1700000000000000000ull	/* 2023-11-14T22:13:20Z */
#define NS_A 4026531840u
#define NS_B 4026532000u

static FILE *fp;
static long cut_at = -1;	/* truncate the file at this offset */
static long cut_chunk;		/* where the cut chunk starts */
static int events_written;

static void put(const void *p, size_t len)
{
	if (fwrite(p, 1, len, fp) != len) {
		perror("mkrecording: write");
		exit(1);
	}
}

static void chunk(uint32_t type, const void *data, uint32_t len)
{
	struct recfile_chunk_hdr h = { .type = type, .len = len };
	static const char zero[8];

	put(&h, sizeof(h));
	put(data, len);
	put(zero, (8 - len % 8) % 8);
}

static void header(const char *magic, uint32_t version)
{
	struct recfile_header h;

	recfix_header(&h, magic, version, T0, "6.1.0-56-cloud-amd64",
		      "fixture-host");
	h.idle_timeout = 600;
	h.ring_kb = 256;
	put(&h, sizeof(h));
}

static void tuple(struct ctdiag_tuple *t, int af, int proto, const char *src,
		  const char *dst, int sport, int dport)
{
	memset(t, 0, sizeof(*t));
	inet_pton(af, src, t->src);
	inet_pton(af, dst, t->dst);
	t->sport = sport;
	t->dport = dport;
	t->l3num = af;
	t->protonum = proto;
}

/* An event about a connection; the reply tuple is the mirror image. */
static void ev_init(struct ctdiag_event *ev, int type, int cpu, uint64_t seq,
		    uint64_t ms, uint32_t id, uint32_t netns, int zone, int af,
		    int proto, const char *src, const char *dst, int sport,
		    int dport)
{
	memset(ev, 0, sizeof(*ev));
	ev->size = sizeof(*ev);
	ev->type = type;
	ev->cpu = cpu;
	ev->seq = seq;
	ev->ts_real_ns = T0 + ms * 1000000ull;
	ev->ts_boot_ns = 1000000000ull + ms * 1000000ull;
	ev->ct_id = id;
	ev->netns = netns;
	ev->zone = zone;
	ev->mark = id == 1001 ? 7 : 0;
	ev->status = 0x18e;
	ev->l3num = af;
	ev->protonum = proto;
	tuple(&ev->orig, af, proto, src, dst, sport, dport);
	tuple(&ev->reply, af, proto, dst, src, dport, sport);
}

static void emit(const struct ctdiag_event *ev)
{
	long before = ftell(fp);

	if (cut_at < 0 && events_written == 3 && getenv("MKREC_TRUNCATE")) {
		cut_at = before + sizeof(struct recfile_chunk_hdr) + 100;
		cut_chunk = before;
	}
	chunk(RECFILE_EVENT, ev, sizeof(*ev));
	events_written++;
}

static void lost(int cpu, uint64_t first, uint64_t count, uint64_t ms)
{
	struct ctdiag_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.size = sizeof(ev);
	ev.type = CTDIAG_EV_LOST;
	ev.cpu = cpu;
	ev.seq = first;
	ev.ts_real_ns = T0 + ms * 1000000ull;
	ev.ts_boot_ns = 1000000000ull + ms * 1000000ull;
	ev.u.lost.count = count;
	ev.u.lost.first_seq = first;
	emit(&ev);
}

static void end(uint64_t events, uint64_t nlost)
{
	struct recfile_end e = { .events = events, .lost = nlost,
				 .end_real_ns = T0 + 60000000000ull };

	chunk(RECFILE_END, &e, sizeof(e));
}

/* Every event type once; 13 records, 12 of them events (one unknown). */
/* The clash fields of ev (made by ev_init), then emit it: the winner's
 * original tuple has ev's protocol and destination, from wsrc:wsport. */
static void clash(struct ctdiag_event *ev, int outcome, int queue,
		  uint32_t winner, uint32_t other, const char *wsrc, int wsport)
{
	char dst[INET6_ADDRSTRLEN];

	inet_ntop(AF_INET, ev->orig.dst, dst, sizeof(dst));
	ev->u.clash.outcome = outcome;
	ev->u.clash.queue = queue;
	ev->u.clash.winner_id = winner;
	ev->u.clash.other_id = other;
	tuple(&ev->u.clash.winner_orig, AF_INET, ev->orig.protonum, wsrc, dst,
	      wsport, ev->orig.dport);
	emit(ev);
}

static void all(int garbage_after)
{
	struct ctdiag_event ev;

	ev_init(&ev, CTDIAG_EV_EXT_ALLOC, 0, 1, 0, 1001, NS_A, 0, AF_INET,
		IPPROTO_TCP, "10.0.0.1", "10.0.0.2", 40000, 80);
	ev.u.alloc.how = CTDIAG_ALLOC_LOCAL_OUT;
	ev.u.alloc.size = 64;
	emit(&ev);

	ev_init(&ev, CTDIAG_EV_EXT_ALLOC, 1, 1, 10, 3003, NS_B, 0, AF_INET6,
		IPPROTO_UDP, "fd00::1", "fd00::2", 1234, 53);
	ev.u.alloc.how = CTDIAG_ALLOC_PRE_ROUTING;
	ev.u.alloc.size = 64;
	emit(&ev);

	ev_init(&ev, CTDIAG_EV_EXT_FREE, 0, 2, 1500, 1001, NS_A, 0, AF_INET,
		IPPROTO_TCP, "10.0.0.1", "10.0.0.2", 40000, 80);
	ev.u.free.path = CTDIAG_FREE_HOOK;
	ev.u.free.how = CTDIAG_ALLOC_LOCAL_OUT;
	ev.u.free.size = 64;
	ev.u.free.age_ns = 1500000000ull;
	ev.u.free.idle_ns = 250000000ull;
	ev.u.free.pkts[0] = 3;
	ev.u.free.pkts[1] = 2;
	ev.u.free.bytes[0] = 180;
	ev.u.free.bytes[1] = 120;
	emit(&ev);
	if (garbage_after) {
		struct recfile_chunk_hdr h = { .type = 0, .len = 0xdeadbeef };

		put(&h, sizeof(h));
		put("garbage!", 8);
		return;
	}

	ev_init(&ev, CTDIAG_EV_CT_DESTROY, 0, 3, 1500, 1001, NS_A, 0, AF_INET,
		IPPROTO_TCP, "10.0.0.1", "10.0.0.2", 40000, 80);
	ev.u.destroy.path = CTDIAG_DESTROY_PROBE;
	ev.u.destroy.had_ext = 1;
	ev.u.destroy.caller = 0xffffffffc0de1234ull;
	emit(&ev);

	ev_init(&ev, CTDIAG_EV_EXT_FREE, 1, 2, 2000, 3003, NS_B, 0, AF_INET6,
		IPPROTO_UDP, "fd00::1", "fd00::2", 1234, 53);
	ev.u.free.path = CTDIAG_FREE_EXPIRY_ORPHAN;
	ev.u.free.how = CTDIAG_ALLOC_PRE_ROUTING;
	ev.u.free.size = 64;
	ev.u.free.age_ns = 1990000000ull;
	ev.u.free.idle_ns = 1990000000ull;
	ev.u.free.pkts[0] = 1;
	ev.u.free.bytes[0] = 72;
	emit(&ev);

	lost(0, 4, 5, 2500);

	ev_init(&ev, CTDIAG_EV_CLASH, 0, 9, 3000, 2002, NS_B, 5, AF_INET,
		IPPROTO_UDP, "10.0.0.1", "10.0.0.53", 5353, 53);
	ev.u.clash.winner_status = 0x8;
	clash(&ev, CTDIAG_CLASH_MERGED, 0xffff, 2001, 0, "10.0.0.1", 5353);

	ev_init(&ev, CTDIAG_EV_CLASH, 1, 3, 3100, 2102, NS_B, 0, AF_INET,
		IPPROTO_UDP, "10.0.0.3", "10.0.0.53", 5000, 53);
	clash(&ev, CTDIAG_CLASH_MERGED_OTHER, 0xffff, 2101, 2100, "10.0.0.3",
	      5000);

	ev_init(&ev, CTDIAG_EV_CLASH, 1, 4, 3200, 2202, NS_A, 0, AF_INET,
		IPPROTO_TCP, "10.0.0.4", "10.0.0.9", 41000, 443);
	clash(&ev, CTDIAG_CLASH_DROPPED, 0xffff, 2201, 0, "10.0.0.5", 41000);

	ev_init(&ev, CTDIAG_EV_CONFIRM_DROP, 1, 5, 3300, 4004, NS_A, 0, AF_INET,
		IPPROTO_TCP, "10.0.0.6", "10.0.0.9", 42000, 443);
	emit(&ev);

	ev_init(&ev, CTDIAG_EV_NFQ_UPDATE, 1, 6, 3400, 5005, NS_A, 0, AF_INET,
		IPPROTO_UDP, "10.0.0.7", "10.0.0.53", 6000, 53);
	clash(&ev, CTDIAG_CLASH_NFQ_SWAP, 3, 5000, 0, "10.0.0.7", 6000);

	ev_init(&ev, CTDIAG_EV_CONFIRM_EARLY, 1, 7, 3500, 6006, NS_A, 0,
		AF_INET, IPPROTO_UDP, "10.0.0.8", "10.0.0.53", 7000, 53);
	emit(&ev);

	ev_init(&ev, CTDIAG_EV_EXT_ALLOC, 0, 10, 3600, 7007, NS_A, 0, AF_INET,
		IPPROTO_ICMP, "10.0.0.1", "10.0.0.2", 77, 8 << 8);
	ev.u.alloc.how = CTDIAG_ALLOC_LOCAL_OUT;
	ev.u.alloc.size = 64;
	tuple(&ev.reply, AF_INET, IPPROTO_ICMP, "10.0.0.2", "10.0.0.1", 77, 0);
	emit(&ev);

	/* a type from a newer module: printed by number, never a crash */
	ev_init(&ev, 42, 0, 11, 3700, 8008, NS_A, 0, AF_INET, IPPROTO_UDP,
		"10.0.0.1", "10.0.0.2", 1, 2);
	emit(&ev);
}

static void gap(void)
{
	struct ctdiag_event ev;
	int i;

	for (i = 1; i <= 2; i++) {
		ev_init(&ev, CTDIAG_EV_EXT_ALLOC, 0, i, i, 100 + i, NS_A, 0,
			AF_INET, IPPROTO_UDP, "10.0.0.1", "10.0.0.2", 1000 + i, 53);
		emit(&ev);
	}
	/* seq 3 and 4 missing, no LOST record before seq 5 */
	ev_init(&ev, CTDIAG_EV_EXT_ALLOC, 0, 5, 5, 105, NS_A, 0, AF_INET,
		IPPROTO_UDP, "10.0.0.1", "10.0.0.2", 1005, 53);
	emit(&ev);
	/* the same loss announced late: must not be counted twice */
	lost(0, 3, 2, 6);
	/* then a real LOST record for 6..8 and seq 9 */
	lost(0, 6, 3, 7);
	ev_init(&ev, CTDIAG_EV_EXT_ALLOC, 0, 9, 9, 109, NS_A, 0, AF_INET,
		IPPROTO_UDP, "10.0.0.1", "10.0.0.2", 1009, 53);
	emit(&ev);
	end(4, 5);
}

static void many(long n)
{
	struct ctdiag_event ev;
	uint64_t seq[2] = { 1, 1 };
	long i;

	for (i = 0; i < n; i++) {
		int cpu = i % 2;
		int type = (i / 2) % 2 ? CTDIAG_EV_EXT_FREE : CTDIAG_EV_EXT_ALLOC;
		uint32_t id = 10000 + (i / 4) * 2 + cpu;

		ev_init(&ev, type, cpu, seq[cpu]++, i * 10, id, NS_A, 0,
			AF_INET, i % 8 < 4 ? IPPROTO_UDP : IPPROTO_TCP,
			"10.1.0.1", "10.1.0.2", 20000 + id % 20000, 53);
		if (type == CTDIAG_EV_EXT_FREE) {
			ev.u.free.path = cpu ? CTDIAG_FREE_DESTROY : CTDIAG_FREE_HOOK;
			ev.u.free.size = 64;
		} else {
			ev.u.alloc.how = CTDIAG_ALLOC_LOCAL_OUT;
			ev.u.alloc.size = 64;
		}
		emit(&ev);
	}
	end(n, 0);
}

int main(int argc, char **argv)
{
	const char *variant = "all", *path;
	long n = 100;
	int opt;

	while ((opt = getopt(argc, argv, "v:n:")) != -1) {
		switch (opt) {
		case 'v':
			variant = optarg;
			break;
		case 'n':
			n = strtol(optarg, NULL, 0);
			break;
		default:
			fprintf(stderr, "usage: mkrecording [-v VARIANT] [-n N] FILE\n");
			return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: mkrecording [-v VARIANT] [-n N] FILE\n");
		return 2;
	}
	path = argv[optind];
	if (!strcmp(variant, "truncated"))
		setenv("MKREC_TRUNCATE", "1", 1);
	fp = fopen(path, "wb");
	if (!fp) {
		perror(path);
		return 1;
	}
	if (!strcmp(variant, "all") || !strcmp(variant, "noend") ||
	    !strcmp(variant, "truncated")) {
		header(RECFILE_MAGIC, RECFILE_VERSION);
		all(0);
		if (!strcmp(variant, "all"))
			end(12, 5);
	} else if (!strcmp(variant, "garbage")) {
		header(RECFILE_MAGIC, RECFILE_VERSION);
		all(1);
	} else if (!strcmp(variant, "gap")) {
		header(RECFILE_MAGIC, RECFILE_VERSION);
		gap();
	} else if (!strcmp(variant, "many")) {
		header(RECFILE_MAGIC, RECFILE_VERSION);
		many(n);
	} else if (!strcmp(variant, "badmagic")) {
		header("NOTCTDRF", RECFILE_VERSION);
	} else if (!strcmp(variant, "newer")) {
		header(RECFILE_MAGIC, RECFILE_VERSION + 1);
		all(0);
	} else if (strcmp(variant, "empty")) {
		fprintf(stderr, "mkrecording: unknown variant '%s'\n", variant);
		fclose(fp);
		unlink(path);
		return 2;
	}
	if (fflush(fp) || (cut_at >= 0 && ftruncate(fileno(fp), cut_at))) {
		perror("mkrecording");
		return 1;
	}
	/* the offset the reader must report: where the cut record starts */
	if (cut_at >= 0)
		printf("%ld\n", cut_chunk);
	fclose(fp);
	return 0;
}
