/* SPDX-License-Identifier: GPL-2.0 */
/*
 * For the test programs that write recordings by hand from the structs of
 * lib/recfile.h (tests/tools/mkrecording, tests/bench/bench_genleaks),
 * independently of lib/recfile.c's writer: the reader is tested against
 * the documented format, not against itself.
 */
#ifndef CTDIAG_RECFIX_H
#define CTDIAG_RECFIX_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "recfile.h"

/* A header with MAGIC (8 bytes, no NUL) and format VERSION, this build's
 * struct sizes, byte order and ABI version, started at START_REAL_NS (1 s
 * after boot) on host HOST running kernel RELEASE, intercept=both; every
 * other field zero. */
static inline void recfix_header(struct recfile_header *h, const char *magic,
				 uint32_t version, uint64_t start_real_ns,
				 const char *release, const char *host)
{
	memset(h, 0, sizeof(*h));
	memcpy(h->magic, magic, sizeof(h->magic));
	h->version = version;
	h->header_size = sizeof(*h);
	h->byte_order = RECFILE_BYTE_ORDER;
	h->abi_version = CTDIAG_ABI_VERSION;
	h->record_size = sizeof(struct ctdiag_event);
	h->ext_rec_size = sizeof(struct ctdiag_ext_rec);
	h->start_real_ns = start_real_ns;
	h->start_boot_ns = 1000000000ull;
	snprintf(h->kernel_release, sizeof(h->kernel_release), "%s", release);
	snprintf(h->hostname, sizeof(h->hostname), "%s", host);
	h->intercept = CTDIAG_INTERCEPT_BOTH;
}

#endif
