// SPDX-License-Identifier: GPL-2.0
/* Offline leak candidates from a recording: see leakrec.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "ctparse.h"
#include "leakrec.h"
#include "recsnap.h"
#include "util.h"

static int listing_cb(const struct ct_entry *e, unsigned long lineno, void *arg)
{
	struct leakrec *o = arg;
	struct lj_key k;

	if (!(e->flags & CTE_ID)) {
		p_err("%s:%lu: no id= (save the listing with conntrack -L -o extended,id)",
		      o->conntrack, lineno);
		return -EINVAL;
	}
	if (!(e->flags & CTE_NETNS))
		o->wildcard_netns = true;
	lj_key_make(&k, e->id, e->netns, &e->orig);
	if (lj_insert(o->table, &k, 0)) {
		p_err("out of memory");
		return -ENOMEM;
	}
	return 0;
}

static int load_listing(struct leakrec *o)
{
	char err[512] = "";	/* stays "" when listing_cb failed (it said why) */
	FILE *fp = fopen(o->conntrack, "r");
	char *iobuf;
	long ret;

	if (!fp) {
		p_err("cannot open %s: %s", o->conntrack, strerror(errno));
		return -errno;
	}
	/* big reads: a listing of 200k entries is ~35 MB */
	iobuf = malloc(1 << 20);
	if (iobuf)
		setvbuf(fp, iobuf, _IOFBF, 1 << 20);
	ret = ctparse_file(fp, o->conntrack, listing_cb, o, err, sizeof(err));
	fclose(fp);
	free(iobuf);
	if (ret == -EINVAL && err[0] && strchr(err, ':'))
		p_err("%s", err);
	else if (ret == -EIO)
		p_err("%s", err);
	return ret < 0 ? (int)ret : 0;
}

/* Pass 1 (lib/recsnap validates the whole file): the keys of the last
 * complete snapshot, its table (its entries unless --conntrack), the ring's
 * destroy events and the last counters. */
static void off_header(void *arg, const struct recfile_header *h)
{
	struct leakrec *o = arg;

	if (h->intercept)
		o->ev.intercept = h->intercept;
}

static int off_snap_begin(void *arg, const struct recfile_snap *s,
			  uint64_t offset)
{
	struct leakrec *o = arg;

	o->ncur = 0;
	lj_destroy(o->cur);
	o->cur = NULL;
	if (o->conntrack)
		return 0;	/* the table comes from the listing */
	o->cur = lj_create(s->ct_total < (1u << 26) ? s->ct_total : 1024);
	if (!o->cur) {
		p_err("out of memory");
		return -ENOMEM;
	}
	return 0;
}

static int off_ext_rec(void *arg, const struct ctdiag_ext_rec *r,
		       uint64_t offset)
{
	struct leakrec *o = arg;
	struct reckey *rk;

	if (o->ncur == o->capcur) {
		size_t nc = o->capcur ? o->capcur * 2 : 4096;
		struct reckey *n = realloc(o->cur_keys, nc * sizeof(*n));

		if (!n) {
			p_err("out of memory");
			return -ENOMEM;
		}
		o->cur_keys = n;
		o->capcur = nc;
	}
	rk = &o->cur_keys[o->ncur++];
	lj_key_make(&rk->k, r->ct_id, r->netns, &r->orig);
	rk->offset = offset;
	return 0;
}

static int off_ct_entry(void *arg, const struct recsnap_ct *ct,
			uint64_t offset)
{
	struct leakrec *o = arg;
	struct lj_key k;

	lj_key_make(&k, ct->id, ct->netns, &ct->orig);
	if (lj_insert(o->cur, &k, 0)) {
		p_err("out of memory");
		return -ENOMEM;
	}
	return 0;
}

static int off_snap_end(void *arg, const struct recfile_snap *s,
			uint64_t offset)
{
	struct leakrec *o = arg;
	struct reckey *t = o->last_keys;
	size_t cap = o->nlast_cap;

	o->last_now_boot_ns = s->now_boot_ns;
	o->last_keys = o->cur_keys;
	o->nlast = o->ncur;
	o->nlast_cap = o->capcur;
	o->cur_keys = t;
	o->capcur = cap;
	o->ncur = 0;
	if (!o->conntrack) {
		lj_destroy(o->table);
		o->table = o->cur;
		o->cur = NULL;
	}
	return 0;
}

static int off_counters(void *arg, const struct ctdiag_counters *c)
{
	struct leakrec *o = arg;

	memcpy(&o->ev.c, c, sizeof(o->ev.c));
	o->ev.have_counters = true;
	return 0;
}

static int off_event(void *arg, const struct ctdiag_event *e)
{
	struct leakrec *o = arg;
	struct lj_key k;

	if (e->type != CTDIAG_EV_CT_DESTROY)
		return 0;
	if (!o->ev.destroyed)
		o->ev.destroyed = lj_create(1024);
	if (!o->ev.destroyed) {
		p_err("out of memory");
		return -ENOMEM;
	}
	lj_key_make(&k, e->ct_id, e->netns, &e->orig);
	lj_insert(o->ev.destroyed, &k, e->u.destroy.path);
	return 0;
}

static int read_recording(struct leakrec *o)
{
	struct recsnap_ops ops = {
		.header = off_header,
		.snap_begin = off_snap_begin,
		.ext_rec = off_ext_rec,
		.ct_entry = o->conntrack ? NULL : off_ct_entry,
		.snap_end = off_snap_end,
		.counters = off_counters,
		.event = off_event,
	};
	struct recsnap_read r;
	int ret;

	ret = recsnap_read(o->records, &ops, o, &r);
	if (ret) {
		if (r.err[0])
			p_err("%s", r.err);
		return ret;
	}
	if (!r.snapshots) {
		p_err("%s: no snapshot in this recording (record it with ctdiag record --snapshot)",
		      o->records);
		return -ENOENT;
	}
	if (!r.saw_end)
		p_warn("%s: no end marker (the recording was cut short); its last snapshot is complete and used",
		       o->records);
	return 0;
}

int leakrec_scan(struct leakrec *o, const char *records, const char *conntrack)
{
	memset(o, 0, sizeof(*o));
	o->records = records;
	o->conntrack = conntrack;
	if (conntrack) {
		struct stat st;
		size_t guess = 1 << 16;
		int ret;

		/* sized for the listing (a conntrack -L -o extended,id line
		 * is typically 160-200 bytes) so it is not rehashed while it
		 * fills; it still grows past the guess (capped at 1M) */
		if (stat(conntrack, &st) == 0 && st.st_size / 160 > (off_t)guess)
			guess = st.st_size / 160 < (1 << 20) ? st.st_size / 160 : 1 << 20;
		o->table = lj_create(guess);
		if (!o->table) {
			p_err("out of memory");
			return -ENOMEM;
		}
		ret = load_listing(o);
		if (ret)
			return ret;
	}
	return read_recording(o);
}

/* The join: keys of the chosen snapshot against the table; the leaked
 * records are read back from the file by offset and passed on at once. */
int leakrec_join(struct leakrec *o, leakrec_cb cb, void *arg,
		 size_t *checked)
{
	struct recsnap_refetch w;
	struct ctdiag_ext_rec r;
	size_t i;
	int ret;

	ret = recsnap_refetch_open(&w, o->records);
	if (ret) {
		p_err("cannot open %s: %s", o->records, strerror(-ret));
		return -EIO;
	}
	*checked = o->nlast;
	for (i = 0; i < o->nlast; i++) {
		struct lj_key k = o->last_keys[i].k;

		if (i + LJ_AHEAD < o->nlast) {
			struct lj_key next = o->last_keys[i + LJ_AHEAD].k;

			if (o->wildcard_netns)
				next.netns = 0;
			lj_prefetch(o->table, &next);
		}
		if (o->wildcard_netns)
			k.netns = 0;
		if (lj_lookup(o->table, &k) >= 0)
			continue;
		ret = recsnap_refetch_ext(&w, o->last_keys[i].offset, &r);
		if (ret) {
			p_err("%s", w.err);
			break;
		}
		cb(&r, arg);
	}
	recsnap_refetch_close(&w);
	return ret;
}

void leakrec_free(struct leakrec *o)
{
	lj_destroy(o->table);
	lj_destroy(o->cur);
	lj_destroy(o->ev.destroyed);
	free(o->cur_keys);
	free(o->last_keys);
	memset(o, 0, sizeof(*o));
}
