// SPDX-License-Identifier: GPL-2.0
/* Event counting and sequence tracking for watch and record: see evcount.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "evcount.h"
#include "evnames.h"
#include "util.h"

/* Sequence tracking.  next[cpu] holds the expected next seq plus one, so
 * that zero means "no record from this CPU yet". */
int64_t seq_track(struct seq_tracker *t, const struct ctdiag_event *ev,
		  uint64_t *first_seq)
{
	uint64_t exp, start, end;

	if (ev->cpu >= t->nr) {
		unsigned int nr = ev->cpu + 1;
		uint64_t *n = realloc(t->next, nr * sizeof(*n));

		if (!n)
			return 0;
		memset(n + t->nr, 0, (nr - t->nr) * sizeof(*n));
		t->next = n;
		t->nr = nr;
	}
	exp = t->next[ev->cpu];
	if (ev->type == CTDIAG_EV_LOST) {
		start = ev->u.lost.first_seq;
		end = start + ev->u.lost.count;
		if (exp && end <= exp - 1)
			return -1;	/* already reported as a gap */
		t->next[ev->cpu] = end + 1;
		if (exp && start > exp - 1) {
			*first_seq = exp - 1;
			return start - (exp - 1);
		}
		return 0;
	}
	t->next[ev->cpu] = ev->seq + 2;
	if (exp && ev->seq > exp - 1) {
		*first_seq = exp - 1;
		return ev->seq - (exp - 1);
	}
	return 0;
}

void seq_tracker_free(struct seq_tracker *t)
{
	free(t->next);
	t->next = NULL;
	t->nr = 0;
}

static void add_lost(struct ev_totals *t, unsigned int cpu, uint64_t n)
{
	if (cpu >= t->nr_cpu) {
		uint64_t *p = realloc(t->lost_cpu, (cpu + 1) * sizeof(*p));

		if (p) {
			memset(p + t->nr_cpu, 0,
			       (cpu + 1 - t->nr_cpu) * sizeof(*p));
			t->lost_cpu = p;
			t->nr_cpu = cpu + 1;
		}
	}
	if (cpu < t->nr_cpu)
		t->lost_cpu[cpu] += n;
	t->lost += n;
}

int64_t ev_account(struct ev_totals *t, const struct ctdiag_event *ev,
		   uint64_t *gap_first)
{
	int64_t gap = seq_track(&t->seq, ev, gap_first);

	if (gap > 0)
		add_lost(t, ev->cpu, gap);
	if (gap >= 0 && ev->type == CTDIAG_EV_LOST)
		add_lost(t, ev->cpu, ev->u.lost.count);
	return gap;
}

void ev_count(struct ev_totals *t, const struct ctdiag_event *ev)
{
	t->by_type[ev->type < CTDIAG_EV_MAX ? ev->type : CTDIAG_EV_MAX]++;
	t->events++;
}

void ev_totals_free(struct ev_totals *t)
{
	free(t->lost_cpu);
	seq_tracker_free(&t->seq);
}

bool ev_totals_print(const char *cmd, const struct ev_totals *t,
		     int64_t module_lost)
{
	char buf[512];
	size_t n = 0;
	unsigned int i;
	bool first = true;

	fflush(stdout);
	n += snprintf(buf + n, sizeof(buf) - n, "ctdiag %s: %llu events", cmd,
		      (unsigned long long)t->events);
	for (i = 1; i <= CTDIAG_EV_MAX && n < sizeof(buf); i++) {
		const char *name = event_type_name(i);

		if (!t->by_type[i] || i == CTDIAG_EV_LOST)
			continue;
		n += snprintf(buf + n, sizeof(buf) - n, "%s%s %llu",
			      first ? " (" : ", ", name ? name : "unknown",
			      (unsigned long long)t->by_type[i]);
		first = false;
	}
	if (!first && n < sizeof(buf))
		n += snprintf(buf + n, sizeof(buf) - n, ")");
	if (n < sizeof(buf))
		n += snprintf(buf + n, sizeof(buf) - n, ", %llu lost",
			      (unsigned long long)t->lost);
	if (module_lost >= 0 && n < sizeof(buf))
		snprintf(buf + n, sizeof(buf) - n, " (module counted %lld)",
			 (long long)module_lost);
	fprintf(stderr, "%s\n", buf);
	for (i = 0; i < t->nr_cpu; i++)
		if (t->lost_cpu[i])
			fprintf(stderr, "ctdiag %s: lost on cpu %u: %llu\n", cmd,
				i, (unsigned long long)t->lost_cpu[i]);
	if (module_lost >= 0 && (uint64_t)module_lost != t->lost) {
		p_warn("the module counted %lld lost records but the stream reported %llu",
		       (long long)module_lost, (unsigned long long)t->lost);
		return true;
	}
	return false;
}
