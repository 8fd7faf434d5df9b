// SPDX-License-Identifier: GPL-2.0
/*
 * ctdiag leaks: extension records whose conntrack is gone.
 *
 * Live: the module's snapshot of its records, joined (id + netns + orig
 * tuple, lib/leakjoin) with the conntrack table of every namespace that
 * has records; candidates are checked again after a grace period, so an
 * entry that died while we looked (and whose record the module then
 * freed) is not reported.  Offline: the records of a recording's last
 * complete snapshot without an entry (lib/leakrec, through lib/recsnap,
 * which owns the recording's rules), against the entries stored with it
 * or a saved listing.  Here: the verdicts, the report, the live check.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "commands.h"
#include "ctdump.h"
#include "ctmsg.h"
#include "fieldout.h"
#include "fmtbuf.h"
#include "evnames.h"
#include "dev.h"
#include "extsnap.h"
#include "leakjoin.h"
#include "leakrec.h"
#include "nsdump.h"
#include "legacy.h"
#include "missed.h"
#include "output.h"
#include "tuple.h"
#include "util.h"
#include "modfeatures.h"

/* Without packet hooks the store has no records of packet-made conntracks. */
static const unsigned int leaks_features[] = { CTDIAG_FEAT_PKT_HOOKS, CTDIAG_FEAT_COUNT };

#define LEAKS_JSON_SCHEMA	1

enum { OPT_RECORDS = 256, OPT_CONNTRACK, OPT_GRACE };

struct netns_sum {
	__u32 netns;
	size_t leaked;
	__u64 bytes;
	bool gone;
};

struct report {
	size_t checked;
	size_t leaked;
	__u64 bytes;
	struct netns_sum *ns;
	size_t nns;
	double grace;			/* < 0: offline */
	__u64 now_boot_ns;
};

static void usage(FILE *fp)
{
	fprintf(fp,
		"Usage: ctdiag leaks [--grace SECONDS] [-o json]\n"
		"       ctdiag leaks --records FILE [--conntrack FILE] [-o json]\n"
		"\n"
		"Find extension records whose conntrack is gone: the module's live\n"
		"records against the conntrack table of each namespace that has some,\n"
		"candidates checked again after a grace period; or offline, the last\n"
		"snapshot of a recording (ctdiag record --snapshot) against its\n"
		"conntrack entries or a saved listing.\n"
		"\n"
		"  -g, --grace SECONDS     re-check candidates after this long (default 1;\n"
		"                          0 = no re-check)\n"
		"  -r, --records FILE      offline: a recording made with --snapshot\n"
		"  -c, --conntrack FILE    offline: the table from `conntrack -L -o\n"
		"                          extended,id` text or `ctdiag ls -o json`\n"
		"  -o, --output FMT        plain (default) or json\n"
		"  -h, --help              show this help\n"
		"\n"
		"Exit status: 0 no leaks, 3 leaks found, 1 runtime error or bad input\n"
		"data, 2 usage error.\n");
}

static struct netns_sum *ns_sum(struct report *r, __u32 netns)
{
	static size_t last;
	size_t i;
	struct netns_sum *n;

	/* leaks of one namespace tend to come together */
	if (last < r->nns && r->ns[last].netns == netns)
		return &r->ns[last];
	for (i = 0; i < r->nns; i++)
		if (r->ns[i].netns == netns) {
			last = i;
			return &r->ns[i];
		}
	n = realloc(r->ns, (r->nns + 1) * sizeof(*n));
	if (!n)
		return NULL;
	r->ns = n;
	memset(&r->ns[r->nns], 0, sizeof(*n));
	r->ns[r->nns].netns = netns;
	return &r->ns[r->nns++];
}

/* Which free path was evidently skipped, from the parameters, counters
 * and (recordings) the ring's destroy events. */
static void skipped_path(const struct leak_evidence *ev, const struct ctdiag_ext_rec *r,
			 bool netns_gone, char *buf, size_t len)
{
	int64_t path = -1;

	if (ev->destroyed) {
		struct lj_key k;

		lj_key_make(&k, r->ct_id, r->netns, &r->orig);
		path = lj_lookup(ev->destroyed, &k);
	}
	if (netns_gone) {
		snprintf(buf, len,
			 "its network namespace is gone and the netns-exit cleanup did not free the record");
	} else if (path == CTDIAG_DESTROY_PROBE && !(ev->intercept & CTDIAG_INTERCEPT_DESTROY)) {
		snprintf(buf, len,
			 "conntrack freed via nf_ct_destroy (ring: destroy seen by the probe, not the hook) while intercept=%s: nf_ct_hook->destroy was bypassed",
			 intercept_name(ev->intercept));
	} else if (ev->intercept == CTDIAG_INTERCEPT_HOOK) {
		if (ev->have_counters)
			snprintf(buf, len,
				 "conntrack freed via nf_ct_destroy while intercept=hook: nf_ct_put() bypasses nf_ct_hook->destroy since 5.15.36/5.17 (6ae7989c9af0); the hook saw %llu destroys",
				 (unsigned long long)ev->c.destroy_hook);
		else
			snprintf(buf, len,
				 "conntrack freed via nf_ct_destroy while intercept=hook: nf_ct_put() bypasses nf_ct_hook->destroy since 5.15.36/5.17 (6ae7989c9af0)");
	} else if (ev->intercept & CTDIAG_INTERCEPT_DESTROY) {
		__u64 missed = ev->have_counters ?
			ev->c.probe_nmissed[CTDIAG_PROBE_DESTROY] : 0;

		if (missed)
			snprintf(buf, len,
				 "conntrack freed while the nf_ct_destroy interception missed %llu destroys (intercept=%s)",
				 (unsigned long long)missed, intercept_name(ev->intercept));
		else
			snprintf(buf, len,
				 "conntrack gone but neither nf_ct_hook->destroy nor the nf_ct_destroy probe freed the record (intercept=%s)",
				 intercept_name(ev->intercept));
	} else {
		snprintf(buf, len, "conntrack gone, record not freed (module parameters unknown)");
	}
}

static __u64 ms_since(__u64 now, __u64 then)
{
	return now > then ? (now - then) / 1000000 : 0;
}

/* The verdict text depends on few things: compute it once per kind. */
static const char *reason(const struct leak_evidence *ev, const struct ctdiag_ext_rec *r,
			  bool netns_gone)
{
	static char cache[4][320];
	static bool valid[4];
	int64_t path = -1;
	unsigned int slot;

	if (ev->destroyed) {
		struct lj_key k;

		lj_key_make(&k, r->ct_id, r->netns, &r->orig);
		path = lj_lookup(ev->destroyed, &k);
	}
	slot = netns_gone ? 0 : path == CTDIAG_DESTROY_PROBE ? 1 :
	       path == CTDIAG_DESTROY_HOOK ? 2 : 3;
	if (!valid[slot]) {
		skipped_path(ev, r, netns_gone, cache[slot], sizeof(cache[slot]));
		valid[slot] = true;
	}
	return cache[slot];
}

/* An age, text "TKEYS.Ds " (seconds with one decimal, cut, not
 * rounded), JSON "jkey":MS. */
static __always_inline void age_field(struct ct_out *o, const char *jkey,
				      const char *tkey, __u64 ms)
{
	if (o->json) {
		JNUM(o, jkey, ms);
		return;
	}
	fb_puts(o->b, tkey);
	fb_u64(o->b, ms / 1000);
	fb_putc(o->b, '.');
	fb_u64(o->b, (ms % 1000) / 100);
	fb_lit(o->b, "s ");
}

/*
 * A leak's fields, each named once for both outputs (lib/fieldout.h):
 * "leak id=N netns=N[(NAME)|(gone)] zone=N mark=N PROTO TUPLE age=S
 * idle=S size=N pkts=N how=HOW: REASON", or its JSON object's members
 * (pkts: both directions).
 */
static __always_inline void leak_fields(struct ct_out *o,
					const struct ctdiag_ext_rec *r,
					const char *nsname, bool netns_gone,
					__u64 age, __u64 idle, const char *why)
{
	char pb[8];

	JNUM(o, "schema", LEAKS_JSON_SCHEMA);
	WORD(o, "type", "leak");
	NUM(o, "id", "id=", r->ct_id);
	if (o->json) {
		JNUM(o, "netns", r->netns);
		if (nsname && *nsname)
			WORD(o, "netns_name", nsname);
		j_key(o, "netns_gone");
		if (netns_gone)
			fb_lit(o->b, "true");
		else
			fb_lit(o->b, "false");
	} else {
		fb_lit(o->b, "netns=");
		fb_u64(o->b, r->netns);
		if (nsname && *nsname) {
			fb_putc(o->b, '(');
			fb_puts(o->b, nsname);
			fb_putc(o->b, ')');
		} else if (netns_gone) {
			fb_lit(o->b, "(gone)");
		}
		fb_putc(o->b, ' ');
	}
	NUM(o, "zone", "zone=", r->zone);
	NUM(o, "mark", "mark=", r->mark);
	WORD(o, "proto", proto_name(r->orig.protonum, pb, sizeof(pb)));
	if (o->json) {
		j_key(o, "orig");
		fb_tuple_json(o->b, &r->orig);
	} else {
		fb_tuple(o->b, &r->orig);
		fb_putc(o->b, ' ');
	}
	age_field(o, "age_ms", "age=", age);
	age_field(o, "idle_ms", "idle=", idle);
	NUM(o, "size", "size=", r->size);
	NUM(o, "pkts", "pkts=", r->pkts[0] + r->pkts[1]);
	STR(o, "how", "how=", ext_how_name(r->how), strlen(ext_how_name(r->how)));
	if (o->json) {
		WORD(o, "skipped", why);
		return;
	}
	o->b->p[-1] = ':';	/* the last field's space */
	fb_putc(o->b, ' ');
	fb_puts(o->b, why);
}

/* A leak's line, text or JSON, built without printf and written in one
 * go: an offline check can print close to a million of them. */
static void print_leak(const struct report *rep, const struct leak_evidence *ev,
		       const struct ctdiag_ext_rec *r, const char *nsname,
		       bool netns_gone)
{
	__u64 age = ms_since(rep->now_boot_ns, r->created_boot_ns);
	__u64 idle = ms_since(rep->now_boot_ns, r->last_seen_boot_ns);
	const char *why = reason(ev, r, netns_gone);
	char line[2048];
	struct fmtbuf b;
	struct ct_out o = { .b = &b };

	fb_init(&b, line, sizeof(line) - 2);
	if (out_is_json()) {
		o.json = true;
		fb_putc(&b, '{');
		leak_fields(&o, r, nsname, netns_gone, age, idle, why);
		*b.p++ = '}';	/* room kept by the - 2 above */
	} else {
		leak_fields(&o, r, nsname, netns_gone, age, idle, why);
	}
	*b.p++ = '\n';
	fwrite_unlocked(line, 1, fb_len(&b, line), out_fp());
}

static void print_summary(const struct report *r)
{
	size_t i;

	open_json_object(NULL);
	print_uint(PRINT_JSON, "schema", NULL, LEAKS_JSON_SCHEMA);
	print_string(PRINT_JSON, "type", NULL, "summary");
	print_uint(PRINT_ANY, "checked", "summary: %llu records checked,", r->checked);
	print_uint(PRINT_ANY, "leaked", " %llu leaked,", r->leaked);
	print_uint(PRINT_ANY, "bytes", " %llu bytes held", r->bytes);
	if (r->grace >= 0)
		print_float(PRINT_ANY, "grace_s", " (grace %.1f s)\n", r->grace);
	else {
		print_null(PRINT_JSON, "grace_s", NULL);
		print_text(" (offline: no grace re-check)\n");
	}
	open_json_array("netns");
	for (i = 0; i < r->nns; i++) {
		const struct netns_sum *n = &r->ns[i];

		if (!n->leaked)
			continue;
		open_json_object(NULL);
		print_uint(PRINT_ANY, "netns", "  netns %llu:", n->netns);
		print_uint(PRINT_ANY, "leaked", " %llu leaked,", n->leaked);
		print_uint(PRINT_ANY, "bytes", " %llu bytes", n->bytes);
		print_bool(PRINT_JSON, "gone", NULL, n->gone);
		if (n->gone)
			print_text(" (namespace gone)");
		print_text("\n");
		close_json_object();
	}
	close_json_array();
	close_json_object();
}

/* ---- live ------------------------------------------------------------ */

static int table_err(const struct ns_table *ns, long ret, void *arg)
{
	if (ret == -EPERM || ret == -EACCES)
		p_err("cannot dump the conntrack table of netns %u: permission denied (needs root: CAP_NET_ADMIN and CAP_SYS_ADMIN)",
		      ns->netns);
	else
		p_err("cannot dump the conntrack table of netns %u: %s",
		      ns->netns, strerror(-ret));
	return (int)ret;
}

/* Records of s not in the tables of their namespaces: indexes into s. */
static int find_candidates(const struct ext_snapshot *s, struct ns_table *ns,
			   size_t nns, uint32_t **out, size_t *nout)
{
	return ns_tables_unmatched(s->recs, s->n, ns, nns, table_err, NULL,
				   out, nout);
}

static bool same_record(const struct ctdiag_ext_rec *a, const struct ctdiag_ext_rec *b)
{
	return a->ct_id == b->ct_id && a->netns == b->netns &&
	       a->created_boot_ns == b->created_boot_ns &&
	       !memcmp(&a->orig, &b->orig, sizeof(a->orig));
}

static int cmp_rec(const void *a, const void *b)
{
	const struct ctdiag_ext_rec *x = a, *y = b;

	if (x->netns != y->netns)
		return x->netns < y->netns ? -1 : 1;
	if (x->ct_id != y->ct_id)
		return x->ct_id < y->ct_id ? -1 : 1;
	return 0;
}

static int leaks_live(double grace, struct report *rep)
{
	struct ctdiag_info info;
	struct leak_evidence ev = { 0 };
	struct ext_snapshot s1 = { 0 }, s2 = { 0 };
	struct ns_table *ns = NULL;
	uint32_t *cand = NULL, *cand2 = NULL;
	size_t nns = 0, ncand = 0, ncand2 = 0, i;
	struct ctdiag_ext_rec *leaked = NULL;
	size_t nleaked = 0;
	int fd, ret, rc = EXIT_FAIL;

	fd = ctdiag_dev_open(O_WRONLY, &info);
	if (fd < 0)
		return EXIT_FAIL;
	features_warn("leaks", fd, leaks_features);
	ev.intercept = info.intercept;
	ret = ext_snapshot_take(fd, &s1);
	if (ret) {
		p_err("cannot take a snapshot of extension records: %s", strerror(-ret));
		goto out;
	}
	rep->checked = s1.n;
	rep->grace = grace;
	ns = ns_tables_of(s1.recs, s1.n, false, &nns);
	if (!ns && s1.n) {
		p_err("out of memory");
		goto out;
	}
	if (find_candidates(&s1, ns, nns, &cand, &ncand))
		goto out;

	leaked = malloc((ncand + 1) * sizeof(*leaked));
	if (!leaked) {
		p_err("out of memory");
		goto out;
	}
	if (ncand && grace > 0) {
		struct timespec ts = { (time_t)grace,
				       (long)((grace - floor(grace)) * 1e9) };
		struct ctdiag_ext_rec *c2;

		nanosleep(&ts, NULL);
		ret = ext_snapshot_take(fd, &s2);
		if (ret) {
			p_err("cannot take a snapshot of extension records: %s", strerror(-ret));
			goto out;
		}
		/* a candidate stays one only if its record is still there
		 * (the same record: created at the same time) and its
		 * conntrack is still not in a fresh dump */
		if (find_candidates(&s2, ns, nns, &cand2, &ncand2))
			goto out;
		c2 = malloc((ncand2 + 1) * sizeof(*c2));
		if (!c2) {
			p_err("out of memory");
			goto out;
		}
		for (i = 0; i < ncand2; i++)
			c2[i] = s2.recs[cand2[i]];
		qsort(c2, ncand2, sizeof(*c2), cmp_rec);
		for (i = 0; i < ncand; i++) {
			const struct ctdiag_ext_rec *r = &s1.recs[cand[i]];
			const struct ctdiag_ext_rec *m = bsearch(r, c2, ncand2, sizeof(*c2), cmp_rec);

			/* bsearch finds one of equal (netns, id); scan neighbours */
			if (m) {
				const struct ctdiag_ext_rec *p = m;

				while (p > c2 && !cmp_rec(p - 1, r))
					p--;
				for (; p < c2 + ncand2 && !cmp_rec(p, r); p++)
					if (same_record(p, r)) {
						leaked[nleaked++] = *p;
						break;
					}
			}
		}
		free(c2);
		rep->now_boot_ns = s2.now_boot_ns;
	} else {
		for (i = 0; i < ncand; i++)
			leaked[nleaked++] = s1.recs[cand[i]];
		rep->now_boot_ns = s1.now_boot_ns;
	}
	ev.have_counters = ctdiag_dev_counters(fd, &ev.c) == 0;

	qsort(leaked, nleaked, sizeof(*leaked), cmp_rec);
	for (i = 0; i < nleaked; i++) {
		const struct ns_table *n = ns_tables_find(ns, nns, leaked[i].netns);
		struct netns_sum *sum = ns_sum(rep, leaked[i].netns);
		bool gone = n ? n->gone : true;

		print_leak(rep, &ev, &leaked[i], n ? n->name : NULL, gone);
		rep->leaked++;
		rep->bytes += leaked[i].size;
		if (sum) {
			sum->leaked++;
			sum->bytes += leaked[i].size;
			sum->gone = gone;
		}
	}
	print_summary(rep);
	if (ev.have_counters)
		missed_leaks_note(&ev.c, LEAKS_JSON_SCHEMA);
	/* a module that missed destroys leaks too: legacy_print_leaks */
	rc = legacy_print_leaks(LEAKS_JSON_SCHEMA) || rep->leaked ? EXIT_LEAKS : EXIT_OK;
out:
	close(fd);
	free(ns);
	free(cand);
	free(cand2);
	free(leaked);
	ext_snapshot_free(&s1);
	ext_snapshot_free(&s2);
	return rc;
}

/* ---- offline --------------------------------------------------------- */

struct offline_report {
	struct report *rep;
	const struct leak_evidence *ev;
};

static void offline_leak(const struct ctdiag_ext_rec *r, void *arg)
{
	struct offline_report *or = arg;
	struct report *rep = or->rep;
	struct netns_sum *sum;

	print_leak(rep, or->ev, r, NULL, false);
	rep->leaked++;
	rep->bytes += r->size;
	sum = ns_sum(rep, r->netns);
	if (sum) {
		sum->leaked++;
		sum->bytes += r->size;
	}
}

/* The last complete snapshot of a recording (lib/leakrec). */
static int leaks_offline(const char *records, const char *conntrack,
			 struct report *rep)
{
	struct leakrec o;
	struct offline_report or = { .rep = rep, .ev = &o.ev };
	int rc = EXIT_FAIL;

	if (leakrec_scan(&o, records, conntrack))
		goto out;
	rep->grace = -1;
	rep->now_boot_ns = o.last_now_boot_ns;
	if (leakrec_join(&o, offline_leak, &or, &rep->checked))
		goto out;
	print_summary(rep);
	rc = rep->leaked ? EXIT_LEAKS : EXIT_OK;
out:
	leakrec_free(&o);
	return rc;
}

int do_leaks(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "grace", required_argument, NULL, 'g' },
		{ "records", required_argument, NULL, 'r' },
		{ "conntrack", required_argument, NULL, 'c' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static char obuf[1 << 20];
	const char *records = NULL, *conntrack = NULL;
	struct report rep = { 0 };
	double grace = 1.0;
	bool json = false, grace_set = false;
	int opt, rc;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "g:r:c:o:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'g':
			if (parse_double(optarg, &grace) || grace < 0 || grace > 3600 ||
			    grace != grace)
				return p_usage("leaks", "invalid grace period '%s' (seconds, 0 to 3600)", optarg);
			grace_set = true;
			break;
		case 'r':
			records = optarg;
			break;
		case 'c':
			conntrack = optarg;
			break;
		default:
			rc = parse_common_opt("leaks", opt, argv, &json, usage);
			if (rc >= 0)
				return rc;
		}
	}
	if (check_no_args("leaks", argc, argv))
		return EXIT_USAGE;
	if (conntrack && !records)
		return p_usage("leaks", "--conntrack needs --records (offline mode)");
	if (records && grace_set)
		return p_usage("leaks", "--grace applies to live checks only, not --records");
	out_init(stdout, json);
	/* glibc ignores the size without a buffer: give it one */
	setvbuf(stdout, obuf, _IOFBF, sizeof(obuf));
	if (records)
		rc = leaks_offline(records, conntrack, &rep);
	else
		rc = leaks_live(grace, &rep);
	free(rep.ns);
	return rc;
}
