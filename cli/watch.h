/* SPDX-License-Identifier: GPL-2.0 */
/* The event accounting shared by `watch` and `record` (cli/watch.c). */
#ifndef CTDIAG_CLI_WATCH_H
#define CTDIAG_CLI_WATCH_H

#include <stdbool.h>
#include <stdint.h>
#include "ctdiag_abi.h"
#include "event.h"
#include "live.h"

/* Totals a run keeps, printed on stderr at exit. */
struct watch_totals {
	uint64_t by_type[CTDIAG_EV_MAX + 1];	/* [CTDIAG_EV_MAX]: unknown */
	uint64_t events;		/* non-loss records passed on */
	uint64_t lost;			/* records reported lost (LOST + gaps) */
	uint64_t *lost_cpu;
	unsigned int nr_cpu;
	struct seq_tracker seq;
};

/* Account one record (in stream order, before user-space filtering).
 * Returns the gap (missing records before ev not announced by a LOST
 * record; *gap_first its first seq), or -1 if ev is a LOST record already
 * reported as a gap. */
int64_t watch_account(struct watch_totals *t, const struct ctdiag_event *ev,
		      uint64_t *gap_first);
void watch_count_event(struct watch_totals *t, const struct ctdiag_event *ev);
void watch_totals_free(struct watch_totals *t);

/* The exit summary on stderr: events by type, lost (and the module's own
 * count when module_lost >= 0).  Returns true if the two loss counts
 * disagree. */
bool watch_print_totals(const char *cmd, const struct watch_totals *t,
			int64_t module_lost);

#endif
