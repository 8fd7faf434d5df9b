// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the recording-file reader (lib/recfile.c) and what the
 * readers do with each chunk: every EVENT is decoded and printed through
 * lib/event + lib/output (plain and JSON alternately, to /dev/null) with
 * the per-CPU sequence tracking of `watch -r`, every EVENT is matched
 * against a filter, every CT_MSG goes through lib/ctmsg's decoder and
 * every CT_LINE (version 1) through the conntrack text parser, as
 * `leaks --records` does.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "ctmsg.h"
#include "ctparse.h"
#include "evcount.h"
#include "event.h"
#include "evfilter.h"
#include "output.h"
#include "recfile.h"

static FILE *devnull;

static void on_event(const struct recfile_chunk *c, struct seq_tracker *t,
		     bool json)
{
	struct ctdiag_event ev;
	struct ctdiag_filter f;
	uint64_t first = 0;
	int64_t gap;

	memcpy(&ev, c->data, sizeof(ev));	/* len checked by recfile */
	gap = seq_track(t, &ev, &first);
	out_init(devnull, json);
	if (gap > 0)
		event_print_gap(&ev, gap, first);
	event_print(&ev);
	memset(&f, 0, sizeof(f));
	filter_set_proto(&f, "tcp");
	filter_set_addr(&f, false, "10.0.0.0/8");
	filter_set_port(&f, true, "80");
	event_filter_match(&f, &ev);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/ctdiag-fuzz-recfile.XXXXXX";
	struct seq_tracker t = { 0 };
	struct recfile rf;
	struct recfile_chunk c;
	int fd, n = 0;

	if (!devnull)
		devnull = fopen("/dev/null", "w");
	fd = mkstemp(path);
	if (fd < 0 || !devnull)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		unlink(path);
		return 0;
	}
	close(fd);
	if (recfile_open(&rf, path) == 0) {
		while (recfile_next(&rf, &c) == 1 && n++ < 100000) {
			if (c.type == RECFILE_EVENT) {
				on_event(&c, &t, n & 1);
			} else if (c.type == RECFILE_CT_MSG) {
				const struct recfile_ct_msg *l = c.data;
				struct ctdiag_tuple t;
				struct ct_msg m;

				if (ct_msg_parse((const void *)(l + 1), &m) == 0)
					ct_msg_tuple(&m, 0, &t);
			} else if (c.type == RECFILE_CT_LINE) {
				const struct recfile_ct_line *l = c.data;
				struct ct_entry e;
				char err[256];

				ctparse_text((const char *)(l + 1), l->len,
					     &e, err, sizeof(err));
			}
		}
	}
	recfile_close(&rf);
	seq_tracker_free(&t);
	unlink(path);
	return 0;
}
