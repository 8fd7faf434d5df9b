/* SPDX-License-Identifier: GPL-2.0 */
/* The live event stream from /dev/ctdiag, shared by `watch` and `record`. */
#ifndef CTDIAG_LIVE_H
#define CTDIAG_LIVE_H

#include <signal.h>
#include <stdint.h>
#include <sys/types.h>
#include "ctdiag_abi.h"

extern volatile sig_atomic_t live_stop;
/* SIGINT/SIGTERM set live_stop (no SA_RESTART: poll() returns EINTR). */
void live_signals(void);

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

/* What the callbacks of a live_loop() return. */
enum { LIVE_GO, LIVE_AGAIN, LIVE_STOP };

struct live_ops {
	/*
	 * Periodic work (watch's summary line, record's flush); may be NULL.
	 * Called every round, after the deadline check, with the time: work
	 * due by then is done and LIVE_AGAIN (start a new round) or LIVE_STOP
	 * returned; else *wake is set to when work is due next (0: nothing
	 * scheduled) and LIVE_GO returned.
	 */
	int (*tick)(void *arg, uint64_t now, uint64_t *wake);
	/* n records in stream order.  LIVE_GO, or LIVE_STOP to end the run
	 * (count reached, write failed). */
	int (*events)(void *arg, const struct ctdiag_event *ev, size_t n);
};

/*
 * The live run: poll and read until a signal (live_stop), the deadline
 * (now_mono_ns() time, 0: none), a callback's LIVE_STOP or an error.  Then
 * the module's loss count into *module_lost (live_module_lost()), and
 * unless a callback stopped the run or it failed, a drain of what is
 * queued (at most half a second, even under a steady stream): taking the
 * count first means every loss it counted has had its LOST record
 * delivered to us.  Returns EXIT_OK, or EXIT_FAIL after printing the error
 * (poll or read failed, the module went away).
 */
int live_loop(struct live_reader *r, const struct live_ops *ops, void *arg,
	      uint64_t deadline, int64_t *module_lost);

#endif
