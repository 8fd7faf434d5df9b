/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Parsing saved conntrack listings, for offline `ctdiag leaks`:
 *  - `conntrack -L` text, any of its -o extended / -o id forms (for
 *    joining, id= is needed: save with `conntrack -L -o extended,id`);
 *  - `ctdiag ls -o json` lines (schema 1).
 * The parser is strict and bounds-safe: every line is parsed completely
 * or rejected with a reason; it never reads past the given length and
 * needs no NUL terminator.
 */
#ifndef CTDIAG_CTPARSE_H
#define CTDIAG_CTPARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "ctdiag_abi.h"

#define CTPARSE_MAX_LINE	4096

enum ct_entry_flags {
	CTE_ID		= 1 << 0,	/* id known */
	CTE_NETNS	= 1 << 1,	/* netns known (JSON, recordings) */
	CTE_UNREPLIED	= 1 << 2,
	CTE_ASSURED	= 1 << 3,
	CTE_COUNTERS	= 1 << 4,	/* packets/bytes present */
	CTE_TIMEOUT	= 1 << 5,
	CTE_STATE	= 1 << 6,	/* TCP state known */
	CTE_MARK	= 1 << 7,
	CTE_USE		= 1 << 8,
};

struct ct_entry {
	struct ctdiag_tuple orig, reply;	/* ICMP: as the module stores it */
	uint32_t flags;			/* enum ct_entry_flags */
	uint32_t id;
	uint32_t netns;
	uint32_t timeout;
	uint32_t mark;
	uint32_t use;
	uint16_t zone;
	uint8_t state;			/* TCP_CONNTRACK_* */
	uint64_t packets[2], bytes[2];
};

/* One line (without its newline), text or JSON by its first character.
 * Returns 1 for an entry, 0 for a line to skip (empty, '#' comment,
 * conntrack's "N flow entries have been shown." trailer), -EINVAL with a
 * reason in err. */
int ctparse_line(const char *line, size_t len, struct ct_entry *e,
		 char *err, size_t errlen);
int ctparse_text(const char *line, size_t len, struct ct_entry *e,
		 char *err, size_t errlen);
int ctparse_json(const char *line, size_t len, struct ct_entry *e,
		 char *err, size_t errlen);

/* Every line of fp.  cb's nonzero return stops with that value.  Errors
 * read "NAME:LINE: reason" in err; returns -EINVAL (bad data), -EIO, or
 * the number of entries. */
long ctparse_file(FILE *fp, const char *name,
		  int (*cb)(const struct ct_entry *e, unsigned long lineno,
			    void *arg),
		  void *arg, char *err, size_t errlen);

/* Canonical one-line form of an entry (tests, debugging): every field the
 * two formats share, in a fixed order. */
int ct_entry_snprintf(char *buf, size_t len, const struct ct_entry *e);

#endif
