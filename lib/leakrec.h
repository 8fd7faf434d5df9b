/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Offline leak candidates: the extension records of a recording's last
 * complete snapshot (read through lib/recsnap) that have no conntrack
 * entry in the table stored with that snapshot or, when given, a saved
 * listing (lib/ctparse), joined as the live check joins (lib/leakjoin).
 * Also what the recording says about the free paths (struct
 * leak_evidence).  Which records are leaks and how they are reported
 * stays with cli/leaks.c.
 */
#ifndef CTDIAG_LEAKREC_H
#define CTDIAG_LEAKREC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "ctdiag_abi.h"
#include "leakjoin.h"

/* Where a verdict's evidence comes from: the module's parameters and
 * counters (live or recorded) and, in recordings, the ring's destroys. */
struct leak_evidence {
	__u32 intercept;		/* module parameter, 0 unknown */
	bool have_counters;
	struct ctdiag_counters c;
	struct lj_table *destroyed;	/* ring: CT_DESTROY events -> path */
};

/* A record of the snapshot being scanned: its join key and where it is in
 * the file (24 bytes; the record itself is fetched again only if leaked). */
struct reckey {
	struct lj_key k;
	uint64_t offset;
};

struct leakrec {
	const char *records, *conntrack;
	struct reckey *cur_keys, *last_keys;
	size_t ncur, nlast, capcur, nlast_cap;
	struct lj_table *table;		/* live entries of the chosen snapshot */
	struct lj_table *cur;		/* entries of the snapshot being read */
	bool wildcard_netns;		/* listing without namespaces */
	struct leak_evidence ev;
	uint64_t last_now_boot_ns;	/* of the chosen (last complete) snapshot */
};

/* Read the recording records (and the listing conntrack, NULL: the
 * recording's own entries) into o: the keys of its last complete
 * snapshot, its table, the evidence.  0, or -errno with the reason
 * printed (p_err). */
int leakrec_scan(struct leakrec *o, const char *records, const char *conntrack);

/* The records of the chosen snapshot without an entry, in file order,
 * each read back from the file and passed to cb.  *checked: how many
 * records were joined.  0, or -errno (printed). */
typedef void (*leakrec_cb)(const struct ctdiag_ext_rec *r, void *arg);
int leakrec_join(struct leakrec *o, leakrec_cb cb, void *arg,
		 size_t *checked);

void leakrec_free(struct leakrec *o);

#endif
