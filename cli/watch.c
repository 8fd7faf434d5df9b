// SPDX-License-Identifier: GPL-2.0
/*
 * ctdiag watch: the module's event stream, live from /dev/ctdiag or
 * replayed from a recording (-r), one line (or JSON object) per event.
 *
 * Loss is never silent: the device synthesizes a LOST record where a CPU's
 * sequence jumped (ring full), and we also check the per-CPU sequence
 * ourselves, then cross-check the total with the module's per-CPU loss
 * counters at exit.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "commands.h"
#include "dev.h"
#include "evcount.h"
#include "event.h"
#include "evfilter.h"
#include "evnames.h"
#include "live.h"
#include "output.h"
#include "recfile.h"
#include "util.h"

/* watch proper */

struct rates {
	uint64_t alloc;
	uint64_t free[CTDIAG_FREE_MAX];
	uint64_t clash;
	uint64_t lost;
};

struct watch {
	struct ctdiag_filter filt;
	struct ev_totals tot;
	bool quiet;
	uint64_t count_max;
	double summary_s;
	/* replay summaries: buckets of recording time */
	uint64_t bucket_end;
	struct rates iv;
	uint64_t live, leaked;
	bool iv_any;
	/* live summaries: the module's counters */
	struct live_reader *r;
	struct ctdiag_counters prev;
	uint64_t next_sum, prev_ns, lost_at_sum;
	bool done;		/* --count reached */
};

static void print_summary(double secs, const struct rates *r, uint64_t live,
			  uint64_t leaked)
{
	uint64_t free_total = 0;
	unsigned int i;

	for (i = 1; i < CTDIAG_FREE_MAX; i++)
		free_total += r->free[i];
	if (secs <= 0)
		secs = 1;
	open_json_object(NULL);
	print_uint(PRINT_JSON, "schema", NULL, EVENT_JSON_SCHEMA);
	print_string(PRINT_ANY, "event", "%s ", "summary");
	print_float(PRINT_ANY, "interval_s", "interval=%.1fs ", secs);
	print_float(PRINT_ANY, "alloc_per_s", "alloc/s=%.1f ", r->alloc / secs);
	print_float(PRINT_ANY, "free_per_s", "free/s=%.1f", free_total / secs);
	open_json_object("free_per_s_by_path");
	print_text(" (");
	for (i = 1; i < CTDIAG_FREE_MAX; i++) {
		char fmt[48];

		snprintf(fmt, sizeof(fmt), "%s%s=%%.1f", i > 1 ? " " : "",
			 free_path_name(i));
		print_float(PRINT_ANY, free_path_name(i), fmt, r->free[i] / secs);
	}
	print_text(") ");
	close_json_object();
	print_float(PRINT_ANY, "clash_per_s", "clash/s=%.1f ", r->clash / secs);
	print_uint(PRINT_ANY, "live", "live=%llu ", live);
	print_uint(PRINT_ANY, "leaked", "leaked=%llu ", leaked);
	print_uint(PRINT_ANY, "lost", "lost=%llu", r->lost);
	close_json_object();
	print_nl();
}

/* Replay summaries come from the events themselves, in recording time:
 * live = allocs - frees seen, leaked = expiry-orphan frees (records whose
 * conntrack was destroyed without the record being freed). */
static void replay_summary_advance(struct watch *w, uint64_t ts, bool final)
{
	uint64_t step = (uint64_t)(w->summary_s * 1e9);

	if (!w->summary_s || !step)
		return;
	if (!w->bucket_end)
		w->bucket_end = ts + step;
	if (final) {
		if (w->iv_any)
			print_summary(w->summary_s, &w->iv, w->live, w->leaked);
		return;
	}
	while (ts >= w->bucket_end) {
		print_summary(w->summary_s, &w->iv, w->live, w->leaked);
		memset(&w->iv, 0, sizeof(w->iv));
		w->iv_any = false;
		w->bucket_end += step;
		/* a long quiet stretch: one line for it, not thousands */
		if (ts >= w->bucket_end + 100 * step)
			w->bucket_end = ts - (ts - w->bucket_end) % step;
	}
}

static void rates_add(struct watch *w, const struct ctdiag_event *ev)
{
	w->iv_any = true;
	switch (ev->type) {
	case CTDIAG_EV_EXT_ALLOC:
		w->iv.alloc++;
		w->live++;
		break;
	case CTDIAG_EV_EXT_FREE:
		if (ev->u.free.path < CTDIAG_FREE_MAX)
			w->iv.free[ev->u.free.path]++;
		if (w->live)
			w->live--;
		if (ev->u.free.path == CTDIAG_FREE_EXPIRY_ORPHAN)
			w->leaked++;
		break;
	case CTDIAG_EV_CLASH:
		w->iv.clash++;
		break;
	default:
		break;
	}
}

/* One record in stream order.  Returns 1 when --count is reached. */
static int watch_handle(struct watch *w, const struct ctdiag_event *ev,
			bool replay)
{
	uint64_t first = 0;
	int64_t gap = ev_account(&w->tot, ev, &first);

	if (replay)
		replay_summary_advance(w, ev->ts_boot_ns, false);
	if (gap > 0) {
		event_print_gap(ev, gap, first);
		w->iv.lost += gap;
	}
	if (ev->type == CTDIAG_EV_LOST) {
		if (gap >= 0) {
			event_print(ev);
			w->iv.lost += ev->u.lost.count;
		}
		return 0;
	}
	/* Also applied live: cheap, and it keeps a module that ignores a
	 * filter bit from showing what the user asked not to see. */
	if (!event_filter_match(&w->filt, ev))
		return 0;
	ev_count(&w->tot, ev);
	if (replay)
		rates_add(w, ev);
	if (!w->quiet)
		event_print(ev);
	return w->count_max && w->tot.events >= w->count_max;
}

static int watch_replay(struct watch *w, const char *path)
{
	struct recfile rf;
	struct recfile_chunk c;
	int ret, status = EXIT_OK;

	ret = recfile_open(&rf, path);
	if (ret) {
		p_err("cannot read recording %s", rf.err);
		recfile_close(&rf);
		return EXIT_FAIL;
	}
	while (!live_stop && (ret = recfile_next(&rf, &c)) > 0) {
		if (c.type != RECFILE_EVENT)
			continue;
		if (watch_handle(w, c.data, true))
			break;
	}
	replay_summary_advance(w, 0, true);
	fflush(stdout);
	if (ret < 0) {
		p_err("bad recording %s", rf.err);
		status = EXIT_FAIL;
	} else if (ret == 0 && !rf.saw_end) {
		p_warn("%s: no end marker: the recording was cut short (writer killed or crashed?)",
		       path);
	}
	recfile_close(&rf);
	ev_totals_print("watch", &w->tot, -1);
	return status;
}

static void live_summary(struct live_reader *r, struct ctdiag_counters *prev,
			 uint64_t *prev_ns, uint64_t lost_iv)
{
	struct ctdiag_counters cur;
	struct rates rt = { 0 };
	uint64_t now = now_mono_ns();
	unsigned int i;

	if (ctdiag_dev_counters(r->fd, &cur))
		return;
	rt.alloc = cur.allocated - prev->allocated;
	for (i = 1; i < CTDIAG_FREE_MAX; i++)
		rt.free[i] = cur.freed[i] - prev->freed[i];
	for (i = CTDIAG_CLASH_MERGED; i <= CTDIAG_CLASH_DROPPED; i++)
		rt.clash += cur.clash[i] - prev->clash[i];
	rt.lost = lost_iv;
	print_summary((now - *prev_ns) / 1e9, &rt, cur.live,
		      cur.freed[CTDIAG_FREE_EXPIRY_ORPHAN]);
	*prev = cur;
	*prev_ns = now;
}

static int watch_tick(void *arg, uint64_t now, uint64_t *wake)
{
	struct watch *w = arg;
	uint64_t step = (uint64_t)(w->summary_s * 1e9);

	if (!w->next_sum || now < w->next_sum) {
		*wake = w->next_sum;
		return LIVE_GO;
	}
	live_summary(w->r, &w->prev, &w->prev_ns,
		     w->tot.lost - w->lost_at_sum);
	w->lost_at_sum = w->tot.lost;
	w->next_sum += step;
	if (w->next_sum <= now)
		w->next_sum = now + step;
	fflush(stdout);
	return LIVE_AGAIN;
}

static int watch_events(void *arg, const struct ctdiag_event *ev, size_t n)
{
	struct watch *w = arg;
	size_t i;

	for (i = 0; i < n && !w->done; i++)
		w->done = watch_handle(w, &ev[i], false);
	fflush(stdout);
	return w->done ? LIVE_STOP : LIVE_GO;
}

static const struct live_ops watch_ops = {
	.tick = watch_tick,
	.events = watch_events,
};

static int watch_live(struct watch *w, double duration)
{
	struct live_reader r;
	uint64_t start = now_mono_ns(), deadline = 0;
	int64_t module_lost;
	int status;

	status = live_open(&r, &w->filt);
	if (status)
		return status;
	if (duration > 0)
		deadline = start + (uint64_t)(duration * 1e9);
	w->r = &r;
	w->prev_ns = start;
	if (w->summary_s > 0) {
		w->next_sum = start + (uint64_t)(w->summary_s * 1e9);
		if (ctdiag_dev_counters(r.fd, &w->prev))
			memset(&w->prev, 0, sizeof(w->prev));
	}
	status = live_loop(&r, &watch_ops, w, deadline, &module_lost);
	fflush(stdout);
	/* With --count we stop reading early, so the stream cannot have
	 * reported everything the module counted: no cross-check then. */
	ev_totals_print("watch", &w->tot,
			   w->done || module_lost < 0 ? -1 : module_lost);
	live_close(&r);
	return status;
}

static void usage(void)
{
	printf("Usage: ctdiag watch [OPTIONS]\n"
	       "\n"
	       "Print the module's events (extension alloc/free, conntrack destroy,\n"
	       "confirm collisions) as they happen, or replay a recording.\n"
	       "\n"
	       "Options:\n"
	       "  -o, --output FMT       plain (default) or json (one object per line)\n"
	       "  -r, --read FILE        replay a recording (ctdiag record -w)\n"
	       "  -c, --count N          exit after N events\n"
	       "      --duration S       exit after S seconds (live only)\n"
	       "      --summary S        every S seconds a line of rates\n"
	       "  -q, --quiet            no individual events (loss lines stay)\n"
	       FILTER_HELP_HEAD
	       "  -w, --zone ZONE        conntrack zone\n"
	       FILTER_HELP_TAIL
	       "  -h, --help             show this help\n"
	       "\n"
	       "Exit status: 0 ok (also on SIGINT/SIGTERM), 1 runtime failure or bad\n"
	       "recording, 2 usage error.  See ctdiag-watch(8).\n");
}

enum { OPT_DURATION = 0x2000, OPT_SUMMARY };

int do_watch(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "read", required_argument, NULL, 'r' },
		{ "count", required_argument, NULL, 'c' },
		{ "duration", required_argument, NULL, OPT_DURATION },
		{ "summary", required_argument, NULL, OPT_SUMMARY },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		FILTER_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct watch w;
	const char *file = NULL;
	double duration = 0;
	bool json = false;
	int opt, ret;

	memset(&w, 0, sizeof(w));
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "o:r:c:qh" FILTER_SHORTOPTS,
				  opts, NULL)) != -1) {
		switch (opt) {
		case 'o':
			if (parse_output_opt("watch", optarg, &json))
				return EXIT_USAGE;
			break;
		case 'r':
			file = optarg;
			break;
		case 'c':
			if (parse_u64(optarg, &w.count_max, UINT64_MAX) ||
			    !w.count_max)
				return p_usage("watch", "bad count '%s'", optarg);
			break;
		case OPT_DURATION:
			if (parse_double(optarg, &duration) || !(duration > 0) ||
			    !isfinite(duration))
				return p_usage("watch", "bad duration '%s'", optarg);
			break;
		case OPT_SUMMARY:
			if (parse_double(optarg, &w.summary_s) ||
			    !(w.summary_s >= 0.1) || !isfinite(w.summary_s))
				return p_usage("watch", "bad summary interval '%s' (seconds, at least 0.1)",
					       optarg);
			break;
		case 'q':
			w.quiet = true;
			break;
		case 'h':
			usage();
			return EXIT_OK;
		case '?':
			return getopt_usage_error("watch", argv);
		default:
			ret = filter_opt(&w.filt, opt, optarg, "watch");
			if (ret)
				return ret == 1 ? EXIT_USAGE : ret;
		}
	}
	if (check_no_args("watch", argc, argv))
		return EXIT_USAGE;
	if (file && duration > 0)
		return p_usage("watch", "--duration applies to live watching, not to -r");
	out_init(stdout, json);
	/* Events must reach a pipe (watch | grep) as they happen: live, each
	 * batch read from the device is flushed (watch_events), one write
	 * for up to 64 records instead of one per line. */
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	live_stop = 0;
	live_signals();
	ret = file ? watch_replay(&w, file) : watch_live(&w, duration);
	ev_totals_free(&w.tot);
	return ret;
}
