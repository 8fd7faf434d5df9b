// SPDX-License-Identifier: GPL-2.0
/*
 * bench_genleaks - synthetic input for the offline `ctdiag leaks`
 * benchmark: a recording with R extension records (one snapshot) and a
 * conntrack listing with C entries, C <= R; the first C records match
 * the listed entries (same id and tuple), the other R - C do not.
 *
 *   bench_genleaks [-r R] [-c C] [-n NETNS] RECORDING LISTING
 *
 * RECORDING is written from the structs of lib/recfile.h (header,
 * format version 1: SNAP_BEGIN, R EXT_REC, C CT_LINE, SNAP_END, END);
 * LISTING is the same
 * C entries as `conntrack -L -o extended,id` text.  Prints
 * "records=R entries=C unmatched=R-C".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include "recfile.h"
#include "../tools/recfix.h"

#define T0 1700000000000000000ull

static FILE *rec;

static void chunk(uint32_t type, const void *a, uint32_t alen,
		  const void *b, uint32_t blen)
{
	static const char zero[8];
	struct recfile_chunk_hdr h = { .type = type, .len = alen + blen };
	uint32_t pad = (8 - (alen + blen) % 8) % 8;

	fwrite(&h, sizeof(h), 1, rec);
	fwrite(a, alen, 1, rec);
	if (blen)
		fwrite(b, blen, 1, rec);
	if (pad)
		fwrite(zero, pad, 1, rec);
}

/* Record i: 10.(i>>16).(i>>8).(i) sport 1024 + i % 60000 -> 10.200.0.1,
 * TCP for odd i, UDP for even i; id a scrambled i (never 0). */
static void make_rec(struct ctdiag_ext_rec *r, unsigned long i, uint32_t netns)
{
	uint32_t src = htonl(0x0b000000u | (uint32_t)i), dst = htonl(0x0ac80001);

	memset(r, 0, sizeof(*r));
	r->ct_id = (uint32_t)(i * 2654435761u) | 1;
	r->netns = netns;
	r->how = CTDIAG_ALLOC_LOCAL_OUT;
	r->size = 64;
	r->status = 0x8;	/* IPS_CONFIRMED */
	r->created_real_ns = T0 + i * 1000;
	r->created_boot_ns = 1000000000ull + i * 1000;
	r->last_seen_boot_ns = r->created_boot_ns;
	r->orig.l3num = r->reply.l3num = AF_INET;
	r->orig.protonum = r->reply.protonum = i % 2 ? IPPROTO_TCP : IPPROTO_UDP;
	memcpy(r->orig.src, &src, 4);
	memcpy(r->orig.dst, &dst, 4);
	memcpy(r->reply.src, &dst, 4);
	memcpy(r->reply.dst, &src, 4);
	r->orig.sport = r->reply.dport = 1024 + i % 60000;
	r->orig.dport = r->reply.sport = i % 2 ? 443 : 123;
}

static int ct_line(char *buf, size_t sz, const struct ctdiag_ext_rec *r)
{
	char s[INET_ADDRSTRLEN], d[INET_ADDRSTRLEN];
	int tcp = r->orig.protonum == IPPROTO_TCP;

	inet_ntop(AF_INET, r->orig.src, s, sizeof(s));
	inet_ntop(AF_INET, r->orig.dst, d, sizeof(d));
	return snprintf(buf, sz,
		"ipv4     2 %-8s %u 3599 %ssrc=%s dst=%s sport=%u dport=%u [UNREPLIED] src=%s dst=%s sport=%u dport=%u mark=0 use=1 id=%u",
		tcp ? "tcp" : "udp", r->orig.protonum,
		tcp ? "ESTABLISHED " : "", s, d, r->orig.sport, r->orig.dport,
		d, s, r->orig.dport, r->orig.sport, r->ct_id);
}

int main(int argc, char **argv)
{
	unsigned long nrec = 1000000, nct = 200000, i;
	uint32_t netns = 4026532100u;
	struct recfile_header hdr;
	struct recfile_snap snap;
	struct recfile_end end;
	struct ctdiag_ext_rec r;
	char line[512];
	FILE *lst;
	int opt;

	while ((opt = getopt(argc, argv, "r:c:n:")) != -1) {
		switch (opt) {
		case 'r': nrec = strtoul(optarg, NULL, 0); break;
		case 'c': nct = strtoul(optarg, NULL, 0); break;
		case 'n': netns = strtoul(optarg, NULL, 0); break;
		default: goto usage;
		}
	}
	if (argc - optind != 2 || nct > nrec) {
usage:
		fprintf(stderr, "usage: bench_genleaks [-r R] [-c C] [-n NETNS] RECORDING LISTING (C <= R)\n");
		return 2;
	}
	rec = fopen(argv[optind], "w");
	lst = fopen(argv[optind + 1], "w");
	if (!rec || !lst) {
		perror("bench_genleaks: open");
		return 1;
	}
	/* CT_LINE chunks: the version 1 layout (the benchmark joins with
	 * LISTING, not them) */
	recfix_header(&hdr, RECFILE_MAGIC, 1, T0, "6.1.0-bench", "bench");
	hdr.flags = RECFILE_F_SNAPSHOT;
	fwrite(&hdr, sizeof(hdr), 1, rec);

	memset(&snap, 0, sizeof(snap));
	snap.now_real_ns = T0 + nrec * 1000 + 1000000000ull;
	snap.now_boot_ns = 2000000000ull + nrec * 1000;
	snap.ext_total = nrec;
	snap.ct_total = nct;
	chunk(RECFILE_SNAP_BEGIN, &snap, sizeof(snap), NULL, 0);
	for (i = 0; i < nrec; i++) {
		make_rec(&r, i, netns);
		chunk(RECFILE_EXT_REC, &r, sizeof(r), NULL, 0);
	}
	for (i = 0; i < nct; i++) {
		struct recfile_ct_line cl = { .netns = netns };
		int n;

		make_rec(&r, i, netns);
		n = ct_line(line, sizeof(line), &r);
		cl.len = n;
		chunk(RECFILE_CT_LINE, &cl, sizeof(cl), line, n);
		fprintf(lst, "%s\n", line);
	}
	snap.phase = 1;
	chunk(RECFILE_SNAP_END, &snap, sizeof(snap), NULL, 0);
	memset(&end, 0, sizeof(end));
	end.end_real_ns = snap.now_real_ns;
	chunk(RECFILE_END, &end, sizeof(end), NULL, 0);
	if (fclose(rec) || fclose(lst)) {
		perror("bench_genleaks: write");
		return 1;
	}
	printf("records=%lu entries=%lu unmatched=%lu\n", nrec, nct, nrec - nct);
	return 0;
}
