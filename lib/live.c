// SPDX-License-Identifier: GPL-2.0
/*
 * The live event stream: the exclusive reader of /dev/ctdiag and the
 * poll/read loop that `watch` and `record` run on it.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include "dev.h"
#include "modfeatures.h"
#include "live.h"
#include "util.h"

#define LIVE_BATCH	64
/*
 * After a read that emptied the ring, wait this long before polling again:
 * the module wakes a waiting reader on the next record (an irq_work and a
 * context switch per wake-up), so a reader that polls at once wakes for
 * nearly every record of a busy stream.  Letting records gather for 2 ms
 * costs at most that much latency and turns thousands of wake-ups a second
 * into at most 500.  A full ring (ring_kb=256 per CPU, ~1100 records)
 * would need over 500 000 records a second per CPU to fill meanwhile.
 */
#define LIVE_COALESCE_NS	2000000ull
/* Draining at exit stops after this long even under a steady stream. */
#define LIVE_DRAIN_NS	500000000ull

volatile sig_atomic_t live_stop;

static void on_signal(int sig)
{
	live_stop = sig;
}

void live_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* A closed pipe (watch | head) ends the run like a signal would. */
	sigaction(SIGPIPE, &sa, NULL);
}

static const unsigned int ring_only[] = { CTDIAG_FEAT_RING, CTDIAG_FEAT_COUNT };
static const unsigned int event_features[] = {
	CTDIAG_FEAT_PKT_HOOKS, CTDIAG_FEAT_CLASH, CTDIAG_FEAT_UPDATE,
	CTDIAG_FEAT_VERDICT, CTDIAG_FEAT_COUNT
};

int live_open(struct live_reader *r, const struct ctdiag_filter *f)
{
	struct ctdiag_cpu_stats_req req;

	memset(r, 0, sizeof(*r));
	r->fd = ctdiag_dev_open(O_RDONLY | O_NONBLOCK, &r->info);
	if (r->fd < 0)
		return EXIT_FAIL;
	if (!r->info.ring_kb) {
		p_err("the module's event ring is off (loaded with ring_kb=0): reload it with ring_kb=256");
		goto fail;
	}
	if (features_warn(NULL, r->fd, ring_only)) {
		p_err("the module's event ring is unavailable (see ctdiag status)");
		goto fail;
	}
	/* Events that a missing probe cannot produce: say so, go on. */
	features_warn(NULL, r->fd, event_features);
	if (f->set && ioctl(r->fd, CTDIAG_IOC_SET_FILTER, f) < 0) {
		p_err("cannot set the event filter: %s", strerror(errno));
		goto fail;
	}
	r->nr = r->info.nr_cpus ? r->info.nr_cpus : 1;
	r->start = calloc(r->nr, sizeof(*r->start));
	if (!r->start) {
		p_err("out of memory");
		goto fail;
	}
	req = (struct ctdiag_cpu_stats_req){
		.buf = (uintptr_t)r->start, .nr = r->nr };
	if (ioctl(r->fd, CTDIAG_IOC_CPU_STATS, &req) < 0) {
		p_err("cannot read the ring's per-CPU statistics: %s",
		      strerror(errno));
		goto fail;
	}
	return 0;
fail:
	live_close(r);
	return EXIT_FAIL;
}

ssize_t live_read(struct live_reader *r, struct ctdiag_event *buf, size_t max)
{
	ssize_t n;

	do
		n = read(r->fd, buf, max * sizeof(*buf));
	while (n < 0 && errno == EINTR && !live_stop);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -ENODEV;		/* end of file: the module is going away */
	if (n % sizeof(*buf))
		return -EPROTO;
	return n / sizeof(*buf);
}

int64_t live_module_lost(struct live_reader *r, uint64_t *lost)
{
	struct ctdiag_cpu_stat *now = calloc(r->nr, sizeof(*now));
	struct ctdiag_cpu_stats_req req = { .buf = (uintptr_t)now, .nr = r->nr };
	int64_t total = 0;
	unsigned int i;

	if (!now)
		return -ENOMEM;
	if (ioctl(r->fd, CTDIAG_IOC_CPU_STATS, &req) < 0) {
		total = -errno;
		goto out;
	}
	for (i = 0; i < r->nr && i < req.nr; i++) {
		uint64_t d = now[i].lost - r->start[i].lost;

		if (lost)
			lost[i] = d;
		total += d;
	}
out:
	free(now);
	return total;
}

void live_close(struct live_reader *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
	free(r->start);
	r->start = NULL;
}

/* Sleep LIVE_COALESCE_NS, or less to not pass the deadline; a signal
 * ends it early (live_stop is checked next). */
static void coalesce(uint64_t deadline)
{
	uint64_t ns = LIVE_COALESCE_NS, now = now_mono_ns();
	struct timespec ts;

	if (deadline) {
		if (now >= deadline)
			return;
		if (deadline - now < ns)
			ns = deadline - now;
	}
	ts.tv_sec = ns / 1000000000ull;
	ts.tv_nsec = ns % 1000000000ull;
	nanosleep(&ts, NULL);
}

int live_loop(struct live_reader *r, const struct live_ops *ops, void *arg,
	      uint64_t deadline, int64_t *module_lost)
{
	struct ctdiag_event buf[LIVE_BATCH];
	int status = EXIT_OK, act = LIVE_GO;
	uint64_t drain_end;
	ssize_t n;

	while (!live_stop && act != LIVE_STOP) {
		struct pollfd pfd = { .fd = r->fd, .events = POLLIN };
		uint64_t now = now_mono_ns(), wake = 0;
		int timeout = -1;

		if (deadline && now >= deadline)
			break;
		if (ops->tick) {
			act = ops->tick(arg, now, &wake);
			if (act != LIVE_GO)
				continue;
		}
		if (deadline && (!wake || deadline < wake))
			wake = deadline;
		if (wake)
			timeout = (wake - now + 999999) / 1000000;
		if (poll(&pfd, 1, timeout) < 0) {
			if (errno == EINTR)
				continue;
			p_err("poll on %s: %s", ctdiag_dev_path(), strerror(errno));
			status = EXIT_FAIL;
			break;
		}
		if (!(pfd.revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		n = live_read(r, buf, LIVE_BATCH);
		if (n == -EAGAIN || n == -EINTR)
			continue;
		if (n < 0) {
			p_err("reading %s: %s", ctdiag_dev_path(),
			      n == -ENODEV ? "the module went away (unloaded?)" :
			      strerror(-n));
			status = EXIT_FAIL;
			break;
		}
		act = ops->events(arg, buf, n);
		if (act == LIVE_GO && n < LIVE_BATCH)
			coalesce(deadline);
	}
	*module_lost = live_module_lost(r, NULL);
	drain_end = now_mono_ns() + LIVE_DRAIN_NS;
	while (act != LIVE_STOP && status == EXIT_OK &&
	       now_mono_ns() < drain_end) {
		n = live_read(r, buf, LIVE_BATCH);
		if (n <= 0)
			break;
		act = ops->events(arg, buf, n);
	}
	return status;
}
