/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Counting a run's events in stream order, shared by `watch` and `record`:
 * per-CPU sequence tracking (loss shows even when a LOST record about it
 * is missing), totals by type, and the exit summary on stderr.
 */
#ifndef CTDIAG_EVCOUNT_H
#define CTDIAG_EVCOUNT_H

#include <stdbool.h>
#include <stdint.h>
#include "ctdiag_abi.h"

/* Per-CPU sequence tracking, so loss shows even if a record about it were
 * missing: feed every record in stream order (before any user-space
 * filter).  Returns the number of records that went missing just before
 * ev without a LOST record saying so (a sequence gap), and *first_seq the
 * first missing seq; 0 if none.  A LOST record whose range was already
 * reported as a gap returns -1 (don't count it twice). */
struct seq_tracker {
	unsigned int nr;
	uint64_t *next;		/* expected next seq per CPU, 0 = unseen */
};
int64_t seq_track(struct seq_tracker *t, const struct ctdiag_event *ev,
		  uint64_t *first_seq);
void seq_tracker_free(struct seq_tracker *t);

/* Totals a run keeps, printed on stderr at exit. */
struct ev_totals {
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
int64_t ev_account(struct ev_totals *t, const struct ctdiag_event *ev,
		   uint64_t *gap_first);
/* Count one non-loss record that was passed on (shown or written). */
void ev_count(struct ev_totals *t, const struct ctdiag_event *ev);
void ev_totals_free(struct ev_totals *t);

/* The exit summary on stderr ("ctdiag CMD: N events (...), N lost"):
 * events by type, lost (and the module's own count when
 * module_lost >= 0).  Returns true if the two loss counts disagree. */
bool ev_totals_print(const char *cmd, const struct ev_totals *t,
		     int64_t module_lost);

#endif
