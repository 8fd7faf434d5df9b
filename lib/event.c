// SPDX-License-Identifier: GPL-2.0
/* Printing ring records: see event.h. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "event.h"
#include "evnames.h"
#include "output.h"
#include "tuple.h"
#include "util.h"

#define NAME_OF(tab, v) ((v) < ARRAY_SIZE(tab) ? (tab)[v] : NULL)

static const char *const ce_result_names[CTDIAG_CE_RES_MAX] = {
	[CTDIAG_CE_RES_CONFIRMED] = "confirmed",
	[CTDIAG_CE_RES_MERGED] = "merged",
	[CTDIAG_CE_RES_FAILED] = "failed",
	[CTDIAG_CE_RES_DROPPED] = "dropped",
};

/* Print a name, or the number when the value is unknown to this ctdiag
 * (a newer module): a string either way so JSON consumers see one type. */
static void print_name(const char *key, const char *fmt, const char *name,
		       unsigned int v)
{
	char buf[16];

	if (!name) {
		snprintf(buf, sizeof(buf), "%u", v);
		name = buf;
	}
	print_string(PRINT_ANY, key, fmt, name);
}

/*
 * "2023-11-14T22:13:20.010000Z".  Events come many to a second: the date
 * and time of day are formatted (gmtime_r + strftime) once per second and
 * kept, the microseconds written by hand; a reader of the ring at full
 * rate spent a fifth of its time here.
 */
static void print_time(uint64_t ns)
{
	static time_t cached_sec = -1;
	static char cached[32];
	static size_t cached_len;
	time_t sec = ns / 1000000000ull;
	unsigned int us = (unsigned int)(ns % 1000000000ull / 1000);
	char buf[64];
	struct tm tm;
	int i;

	if (sec != cached_sec && gmtime_r(&sec, &tm)) {
		cached_len = strftime(cached, sizeof(cached),
				      "%Y-%m-%dT%H:%M:%S", &tm);
		cached_sec = sec;
	}
	if (sec != cached_sec) {	/* gmtime_r failed: the number */
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)ns);
	} else {
		memcpy(buf, cached, cached_len);
		buf[cached_len] = '.';
		for (i = 6; i >= 1; i--, us /= 10)
			buf[cached_len + i] = (char)('0' + us % 10);
		memcpy(buf + cached_len + 7, "Z", 2);
	}
	print_string(PRINT_ANY, "time", "%s", buf);
	print_uint(PRINT_JSON, "ts_real_ns", NULL, ns);
}

/* Durations: seconds with ms in plain text, exact ns in JSON. */
static void print_dur(const char *key_ns, const char *plain, uint64_t ns)
{
	if (out_is_json()) {
		print_uint(PRINT_JSON, key_ns, NULL, ns);
	} else {
		char fmt[32];

		snprintf(fmt, sizeof(fmt), " %s=%%.3fs", plain);
		print_float(PRINT_FP, NULL, fmt, ns / 1e9);
	}
}

static void print_pair(const char *key, const __u64 v[2])
{
	if (out_is_json()) {
		open_json_array(key);
		print_uint(PRINT_JSON, NULL, NULL, v[0]);
		print_uint(PRINT_JSON, NULL, NULL, v[1]);
		close_json_array();
	} else {
		print_text(" %s=%llu/%llu", key, (unsigned long long)v[0],
			   (unsigned long long)v[1]);
	}
}

static void print_common(const struct ctdiag_event *ev)
{
	char pbuf[8];

	print_uint(PRINT_ANY, "id", " id=%llu", ev->ct_id);
	print_uint(PRINT_ANY, "netns", " netns=%llu", ev->netns);
	print_uint(PRINT_ANY, "zone", " zone=%llu", ev->zone);
	print_uint(PRINT_ANY, "mark", " mark=%llu", ev->mark);
	print_string(PRINT_JSON, "family", NULL, family_name(ev->l3num));
	print_string(PRINT_ANY, "proto", " %s",
		     proto_name(ev->protonum, pbuf, sizeof(pbuf)));
	print_text(" ");
	print_tuple("orig", &ev->orig);
	print_text(" ");
	print_tuple("reply", &ev->reply);
	print_uint(PRINT_JSON, "status", NULL, ev->status);
}

static void print_lost(const struct ctdiag_event *ev, uint64_t count,
		       uint64_t first, bool gap)
{
	print_uint(PRINT_ANY, "count", " count=%llu", count);
	print_uint(PRINT_ANY, "first_seq", " seq=%llu", first);
	print_uint(PRINT_ANY, "last_seq", "-%llu", first + count - 1);
	if (gap)
		print_text(" (sequence gap)");
	print_bool(PRINT_JSON, "gap", NULL, gap);
}

static void print_event_fields(const struct ctdiag_event *ev)
{
	const struct ctdiag_ev_free *f = &ev->u.free;
	const struct ctdiag_ev_clash *c = &ev->u.clash;
	const struct ctdiag_ev_destroy *d = &ev->u.destroy;
	const struct ctdiag_ev_confirm_early *ce = &ev->u.confirm_early;

	switch (ev->type) {
	case CTDIAG_EV_EXT_ALLOC:
		print_name("how", " how=%s", alloc_how_name(ev->u.alloc.how),
			   ev->u.alloc.how);
		print_uint(PRINT_ANY, "size", " size=%llu", ev->u.alloc.size);
		break;
	case CTDIAG_EV_EXT_FREE:
		print_name("path", " path=%s", free_path_name(f->path), f->path);
		print_name("how", " how=%s", alloc_how_name(f->how), f->how);
		print_uint(PRINT_ANY, "size", " size=%llu", f->size);
		print_dur("age_ns", "age", f->age_ns);
		print_dur("idle_ns", "idle", f->idle_ns);
		print_pair("packets", f->pkts);
		print_pair("bytes", f->bytes);
		break;
	case CTDIAG_EV_CT_DESTROY:
		print_name("path", " path=%s", destroy_path_name(d->path), d->path);
		print_bool(PRINT_JSON, "had_ext", NULL, d->had_ext);
		print_text(" ext=%s", d->had_ext ? "yes" : "no");
		if (d->caller) {
			char buf[32];

			snprintf(buf, sizeof(buf), "0x%llx",
				 (unsigned long long)d->caller);
			print_string(PRINT_ANY, "caller", " caller=%s", buf);
		}
		break;
	case CTDIAG_EV_CLASH:
	case CTDIAG_EV_NFQ_UPDATE:
		print_name("outcome", " outcome=%s",
			   clash_outcome_name(c->outcome), c->outcome);
		print_uint(PRINT_ANY, "loser_id", " loser=%llu", ev->ct_id);
		print_uint(PRINT_ANY, "winner_id", " winner=%llu", c->winner_id);
		if (c->outcome == CTDIAG_CLASH_MERGED_OTHER)
			print_uint(PRINT_ANY, "other_id", " other=%llu",
				   c->other_id);
		if (c->queue != 0xffff)
			print_uint(PRINT_ANY, "queue", " queue=%llu", c->queue);
		print_uint(PRINT_JSON, "winner_status", NULL, c->winner_status);
		print_text(" winner: ");
		print_tuple("winner_orig", &c->winner_orig);
		break;
	case CTDIAG_EV_CONFIRM_EARLY:
		print_name("result", " result=%s",
			   NAME_OF(ce_result_names, ce->result), ce->result);
		/* NF_INET_LOCAL_IN = 1, NF_INET_POST_ROUTING = 4 */
		print_name("hook", " hook=%s",
			   ce->hook == 1 ? "input" :
			   ce->hook == 4 ? "postrouting" : NULL, ce->hook);
		print_int(PRINT_ANY, "priority", " prio=%lld", ce->priority);
		if (ce->result == CTDIAG_CE_RES_MERGED)
			print_uint(PRINT_ANY, "prev_id", " prev=%llu",
				   ce->prev_id);
		break;
	case CTDIAG_EV_LEGACY_BYPASS: {
		char mod[sizeof(ev->u.legacy.module) + 1];	/* files may lack the NUL */

		memcpy(mod, ev->u.legacy.module, sizeof(ev->u.legacy.module));
		mod[sizeof(mod) - 1] = '\0';
		print_string(PRINT_ANY, "module", " module=%s", mod[0] ? mod : "?");
		print_bool(PRINT_JSON, "repaired", NULL, ev->u.legacy.repaired);
		print_text(" repaired=%s", ev->u.legacy.repaired ? "yes" : "no");
		break;
	}
	default:
		break;
	}
}

/* Opens the event's object: when, where in the ring, what. */
static void print_head(const struct ctdiag_event *ev, const char *name)
{
	open_json_object(NULL);
	print_uint(PRINT_JSON, "schema", NULL, EVENT_JSON_SCHEMA);
	print_time(ev->ts_real_ns);
	print_uint(PRINT_JSON, "ts_boot_ns", NULL, ev->ts_boot_ns);
	print_uint(PRINT_ANY, "cpu", " cpu=%llu", ev->cpu);
	print_uint(PRINT_ANY, "seq", " seq=%llu", ev->seq);
	print_string(PRINT_ANY, "event", " %s", name);
}

void event_print(const struct ctdiag_event *ev)
{
	const char *name = event_type_name(ev->type);
	char buf[16];

	if (!name || ev->type == CTDIAG_EV_NONE) {
		snprintf(buf, sizeof(buf), "type-%u", ev->type);
		name = buf;
	}
	print_head(ev, name);
	if (ev->type == CTDIAG_EV_LOST) {
		print_lost(ev, ev->u.lost.count, ev->u.lost.first_seq, false);
	} else {
		print_common(ev);
		print_event_fields(ev);
	}
	close_json_object();
	print_nl();
}

void event_print_gap(const struct ctdiag_event *next, uint64_t count,
		     uint64_t first_seq)
{
	print_head(next, "lost");
	print_lost(next, count, first_seq, true);
	close_json_object();
	print_nl();
}
