/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The conntrack tables of the namespaces extension records live in: the
 * one per-namespace dump loop, for `leaks` (the records without an entry:
 * ns_tables_unmatched) and `record --snapshot` (stores the entries beside
 * the records).
 */
#ifndef CTDIAG_NSDUMP_H
#define CTDIAG_NSDUMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "ctdiag_abi.h"

struct ct_msg;

struct ns_table {
	uint32_t netns;		/* namespace inode */
	bool gone;		/* not found: no table to dump */
	char name[64];		/* /run/netns name or "pid:N", "" if gone */
};

/* The distinct namespaces of recs[0..n), and ours too if self, sorted by
 * inode.  NULL when out of memory. */
struct ns_table *ns_tables_of(const struct ctdiag_ext_rec *recs, size_t n,
			      bool self, size_t *nns);
/* ns[] sorted as ns_tables_of() returns it; NULL if netns is not there. */
const struct ns_table *ns_tables_find(const struct ns_table *ns, size_t nns,
				      uint32_t netns);

/* Entry callback: 0 to go on, <0 stops the dump with that error. */
typedef int (*ns_dump_cb)(const struct ct_msg *m, const struct ns_table *ns,
			  void *arg);
/* A namespace's dump failed with err: 0 to go on with the next one, <0
 * to stop and return that. */
typedef int (*ns_dump_err_cb)(const struct ns_table *ns, long err, void *arg);

/* Dump the table of each namespace of ns[] in turn (lib/ctdump, entries
 * decoded by lib/ctmsg).  One that cannot be found is marked gone and
 * skipped; found ones get their name.  0 or the error on_err returned. */
int ns_tables_dump(struct ns_table *ns, size_t nns, ns_dump_cb cb,
		   ns_dump_err_cb on_err, void *arg);

/* The records of recs[0..n) whose conntrack (id, netns, original tuple,
 * lib/leakjoin) is not in the dumped table of its namespace in ns[]:
 * their indexes, ascending, in *out (malloc'ed, room for n), how many in
 * *nout.  on_err and arg as for ns_tables_dump().  0 or the error
 * (-ENOMEM printed). */
int ns_tables_unmatched(const struct ctdiag_ext_rec *recs, size_t n,
			struct ns_table *ns, size_t nns, ns_dump_err_cb on_err,
			void *arg, uint32_t **out, size_t *nout);

#endif
