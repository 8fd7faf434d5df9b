// SPDX-License-Identifier: GPL-2.0
/*
 * ctdiag record -w FILE: the module's event stream into a self-describing
 * recording (lib/recfile.h), read back by `watch -r` and `leaks --records`.
 *
 * Buffered chunks are flushed at least once a second and at exit, so a
 * crash loses at most the last second; a write error (full disk) stops the
 * run with the file cut back to its last complete chunk, still readable.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "commands.h"
#include "dev.h"
#include "evcount.h"
#include "evfilter.h"
#include "live.h"
#include "output.h"
#include "recfile.h"
#include "recsnap.h"
#include "util.h"

#define FLUSH_NS	1000000000ull

struct record {
	struct recfile_writer w;
	const char *path;
	bool failed;		/* a write failed: stop, keep what is on disk */
	/* the live run */
	struct ev_totals tot;
	uint64_t count_max;
	uint64_t last_flush;
	int status;		/* set by the live_loop() callbacks */
	bool done;		/* --count reached */
};

static int write_err(struct record *rec, int err)
{
	if (!rec->failed)
		p_err("writing %s failed: %s; the file is readable up to its last complete record (%llu bytes)",
		      rec->path, strerror(-err),
		      (unsigned long long)rec->w.written);
	rec->failed = true;
	return EXIT_FAIL;
}

static int append(struct record *rec, uint32_t type, const void *p,
		  uint32_t len)
{
	int ret;

	if (rec->failed)
		return EXIT_FAIL;
	ret = recfile_append(&rec->w, type, p, len);
	return ret ? write_err(rec, ret) : 0;
}

static int ct_dump_warn(const struct ns_table *ns, long err, void *arg)
{
	p_warn("cannot dump the conntrack table of namespace %u (%s): %s",
	       ns->netns, ns->name, strerror((int)-err));
	return err == -ENOMEM ? -ENOMEM : 0;
}

/* The live extension records and the conntrack tables they point into. */
static int write_snapshot(struct record *rec, int ctl, uint32_t phase)
{
	enum recsnap_stage stage;
	int ret;

	if (rec->failed)
		return EXIT_FAIL;
	ret = recsnap_write(&rec->w, ctl, phase, ct_dump_warn, NULL, &stage);
	if (!ret)
		return 0;
	if (stage == RECSNAP_WRITE)
		return write_err(rec, ret);
	if (stage == RECSNAP_EXT)
		p_err("cannot snapshot the module's extension records: %s",
		      strerror(-ret));
	else
		p_err("cannot dump the conntrack table: %s", strerror(-ret));
	return EXIT_FAIL;
}

static int write_counters(struct record *rec, int fd)
{
	struct ctdiag_counters c;

	if (ctdiag_dev_counters(fd, &c))
		return 0;	/* not fatal: the events are what matters */
	return append(rec, RECFILE_COUNTERS, &c, sizeof(c));
}

static void usage(void)
{
	printf("Usage: ctdiag record -w FILE [OPTIONS]\n"
	       "\n"
	       "Write the module's event stream to FILE, a self-describing recording\n"
	       "(read it with ctdiag watch -r FILE or ctdiag leaks --records FILE).\n"
	       "\n"
	       "Options:\n"
	       "  -w, --write FILE       the recording to create\n"
	       "  -f, --force            overwrite FILE if it exists\n"
	       "      --snapshot         also store the live extension records and\n"
	       "                         the conntrack tables at start and end\n"
	       "  -c, --count N          stop after N events\n"
	       "      --duration S       stop after S seconds\n"
	       FILTER_HELP_HEAD
	       "      --zone ZONE        conntrack zone\n"
	       FILTER_HELP_TAIL
	       "  -h, --help             show this help\n"
	       "\n"
	       "Runs until SIGINT/SIGTERM (exit 0), --count or --duration.  Exit status:\n"
	       "0 ok, 1 runtime failure (e.g. disk full), 2 usage error.\n"
	       "See ctdiag-record(8).\n");
}

enum { OPT_DURATION = 0x2000, OPT_SNAPSHOT };

static int record_tick(void *arg, uint64_t now, uint64_t *wake)
{
	struct record *rec = arg;
	int ret;

	*wake = rec->last_flush + FLUSH_NS;
	if (now < *wake)
		return LIVE_GO;
	ret = recfile_flush(&rec->w);
	if (ret)
		rec->status = write_err(rec, ret);
	rec->last_flush = now;
	return rec->status ? LIVE_STOP : LIVE_AGAIN;
}

static int record_events(void *arg, const struct ctdiag_event *ev, size_t n)
{
	struct record *rec = arg;
	size_t i;

	for (i = 0; i < n && !rec->done && !rec->status; i++) {
		uint64_t first;

		if (ev_account(&rec->tot, &ev[i], &first) < 0)
			continue;	/* loss already counted */
		rec->status = append(rec, RECFILE_EVENT, &ev[i], sizeof(ev[i]));
		if (ev[i].type != CTDIAG_EV_LOST) {
			ev_count(&rec->tot, &ev[i]);
			rec->done = rec->count_max &&
				    rec->tot.events >= rec->count_max;
		}
	}
	return rec->done || rec->status ? LIVE_STOP : LIVE_GO;
}

static const struct live_ops record_ops = {
	.tick = record_tick,
	.events = record_events,
};

static int record_run(struct record *rec, const struct ctdiag_filter *filt,
		      bool force, bool snapshot, double duration)
{
	struct live_reader r;
	uint64_t deadline = 0;
	int64_t module_lost;
	int ctl = -1, ret, status = EXIT_OK;

	status = live_open(&r, filt);
	if (status)
		return status;
	if (snapshot) {
		ctl = ctdiag_dev_open(O_WRONLY, NULL);
		if (ctl < 0) {
			status = EXIT_FAIL;
			goto out_reader;
		}
	}
	ret = recfile_create(&rec->w, rec->path, force, &r.info,
			     snapshot ? RECFILE_F_SNAPSHOT : 0);
	if (ret) {
		if (ret == -EEXIST)
			p_err("cannot create %s: file exists (use --force to overwrite)",
			      rec->path);
		else
			p_err("cannot create %s: %s", rec->path, strerror(-ret));
		status = EXIT_FAIL;
		goto out_ctl;
	}
	status = write_counters(rec, r.fd);
	if (!status && snapshot)
		status = write_snapshot(rec, ctl, 0);
	if (!status) {
		ret = recfile_flush(&rec->w);
		if (ret)
			status = write_err(rec, ret);
	}
	rec->last_flush = now_mono_ns();
	if (duration > 0)
		deadline = rec->last_flush + (uint64_t)(duration * 1e9);
	if (!status) {
		ret = live_loop(&r, &record_ops, rec, deadline, &module_lost);
		status = rec->status ? rec->status : ret;
	} else {
		module_lost = live_module_lost(&r, NULL);
	}
	if (!status && snapshot)
		status = write_snapshot(rec, ctl, 1);
	if (!status)
		status = write_counters(rec, r.fd);
	if (!status) {
		ret = recfile_finish(&rec->w, rec->tot.lost);
		if (ret)
			status = write_err(rec, ret);
	} else {
		recfile_abort(&rec->w);
	}
	ev_totals_print("record", &rec->tot,
			   rec->done || module_lost < 0 ? -1 : module_lost);
out_ctl:
	if (ctl >= 0)
		close(ctl);
out_reader:
	live_close(&r);
	return status;
}

int do_record(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "write", required_argument, NULL, 'w' },
		{ "force", no_argument, NULL, 'f' },
		{ "snapshot", no_argument, NULL, OPT_SNAPSHOT },
		{ "count", required_argument, NULL, 'c' },
		{ "duration", required_argument, NULL, OPT_DURATION },
		{ "help", no_argument, NULL, 'h' },
		FILTER_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct ctdiag_filter filt;
	struct record rec;
	bool force = false, snapshot = false;
	double duration = 0;
	int opt, ret;

	memset(&filt, 0, sizeof(filt));
	memset(&rec, 0, sizeof(rec));
	rec.w.fd = -1;
	optind = 1;
	opterr = 0;
	/* -w is taken by --write here, so the zone filter is --zone only */
	while ((opt = getopt_long(argc, argv, "w:fc:hp:s:d:e:N:", opts,
				  NULL)) != -1) {
		switch (opt) {
		case 'w':
			rec.path = optarg;
			break;
		case 'f':
			force = true;
			break;
		case OPT_SNAPSHOT:
			snapshot = true;
			break;
		case 'c':
			if (parse_u64(optarg, &rec.count_max, UINT64_MAX) ||
			    !rec.count_max)
				return p_usage("record", "bad count '%s'", optarg);
			break;
		case OPT_DURATION:
			if (parse_double(optarg, &duration) || !(duration > 0) ||
			    !isfinite(duration))
				return p_usage("record", "bad duration '%s'", optarg);
			break;
		case 'h':
			usage();
			return EXIT_OK;
		case '?':
			return getopt_usage_error("record", argv);
		default:
			ret = filter_opt(&filt, opt, optarg, "record");
			if (ret)
				return ret == 1 ? EXIT_USAGE : ret;
		}
	}
	if (check_no_args("record", argc, argv))
		return EXIT_USAGE;
	if (!rec.path)
		return p_usage("record", "no output file (-w FILE)");
	live_stop = 0;
	live_signals();
	ret = record_run(&rec, &filt, force, snapshot, duration);
	ev_totals_free(&rec.tot);
	return ret;
}
