/* SPDX-License-Identifier: GPL-2.0 */
/* The live reader shared by `watch` and `record` (cli/watch.c). */
#ifndef CTDIAG_CLI_WATCH_H
#define CTDIAG_CLI_WATCH_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include "ctdiag_abi.h"
#include "event.h"

extern volatile sig_atomic_t watch_stop;
/* SIGINT/SIGTERM set watch_stop (no SA_RESTART: poll() returns EINTR). */
void watch_signals(void);

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

/* The device reader: open, filters, per-CPU loss at start for the final
 * cross-check with the module's count. */
struct live_reader {
	int fd;
	struct ctdiag_info info;
	struct ctdiag_cpu_stat *start;
	unsigned int nr;
};
/* 0 or an exit status after printing the error. */
int live_open(struct live_reader *r, const struct ctdiag_filter *f);
/* Read what is there: up to max records into buf; count or -errno
 * (-EAGAIN: nothing now; -ENODEV: device gone). */
ssize_t live_read(struct live_reader *r, struct ctdiag_event *buf,
		  size_t max);
/* Module-counted loss since live_open, per CPU into lost[nr] (may be
 * NULL); total, or -errno. */
int64_t live_module_lost(struct live_reader *r, uint64_t *lost);
void live_close(struct live_reader *r);

/* The exit summary on stderr: events by type, lost (and the module's own
 * count when module_lost >= 0).  Returns true if the two loss counts
 * disagree. */
bool watch_print_totals(const char *cmd, const struct watch_totals *t,
			int64_t module_lost);

#endif
