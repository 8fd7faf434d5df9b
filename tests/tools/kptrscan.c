// SPDX-License-Identifier: GPL-2.0
/*
 * kptrscan: look for kernel addresses in a ctdiag recording (records, the
 * header's module info, and the ioctl replies it stores: snapshot records
 * and counters).  Every 8-byte aligned, 8-byte little-endian window of
 * each chunk payload and of the header is tested against the x86-64
 * kernel half [0xffff800000000000, 0xfffffffffffff000) (small negative
 * numbers excluded).  Hits at u.destroy.caller of a DESTROY event, the
 * one field documented to carry a code address for CAP_SYSLOG readers,
 * are counted apart.
 *
 * Why aligned only: every 64-bit field of the ABI sits at an 8-byte
 * aligned offset (lib/ctdiag_abi.h and lib/recfile.h assert the struct
 * sizes; chunks hold arrays of them), so a pointer cannot hide at +4.
 * A window at +4 joins two unrelated 32-bit fields instead, and a
 * timestamp's low half (or a conntrack id) at or above 0xffff8000 next
 * to a zero is a false hit, once in about 131000 such windows: CI saw
 * one, the low half of ts_real_ns after seq's zero high half.
 *
 *   kptrscan FILE
 * prints "hits=N caller_hits=N events=N destroys=N chunks=N" and one line
 * per hit; exit 0 unless the file cannot be read.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "recfile.h"

static int looks_kernel(uint64_t v)
{
	return v >= 0xffff800000000000ull && v < 0xfffffffffffff000ull;
}

static unsigned long hits, caller_hits;

static void scan(const char *what, uint64_t base, const unsigned char *p,
		 size_t len, long caller_off)
{
	size_t i;
	uint64_t v;

	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&v, p + i, 8);
		if (!looks_kernel(v))
			continue;
		if ((long)i == caller_off) {
			caller_hits++;
			continue;
		}
		hits++;
		printf("hit: %s at file offset %llu (+%zu): 0x%016llx\n", what,
		       (unsigned long long)base, i, (unsigned long long)v);
	}
}

int main(int argc, char **argv)
{
	unsigned long events = 0, destroys = 0, chunks = 0;
	struct recfile rf;
	struct recfile_chunk c;
	int ret;

	if (argc != 2) {
		fprintf(stderr, "usage: kptrscan FILE\n");
		return 2;
	}
	if (recfile_open(&rf, argv[1])) {
		fprintf(stderr, "kptrscan: %s\n", rf.err);
		return 1;
	}
	scan("header", 0, (const void *)&rf.hdr, sizeof(rf.hdr), -1);
	while ((ret = recfile_next(&rf, &c)) == 1) {
		long coff = -1;
		char what[32];

		chunks++;
		if (c.type == RECFILE_EVENT) {
			const struct ctdiag_event *ev = c.data;

			events++;
			if (ev->type == CTDIAG_EV_CT_DESTROY) {
				destroys++;
				coff = offsetof(struct ctdiag_event,
						u.destroy.caller);
			}
		}
		snprintf(what, sizeof(what), "chunk type %u", c.type);
		scan(what, c.offset + 8, c.data, c.len, coff);
	}
	if (ret < 0)
		fprintf(stderr, "kptrscan: %s\n", rf.err);
	printf("hits=%lu caller_hits=%lu events=%lu destroys=%lu chunks=%lu\n",
	       hits, caller_hits, events, destroys, chunks);
	recfile_close(&rf);
	return ret < 0;
}
