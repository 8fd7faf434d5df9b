// SPDX-License-Identifier: GPL-2.0
/* A recording's snapshots, written and read back: see recsnap.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/netlink.h>
#include "ctmsg.h"
#include "ctparse.h"
#include "extsnap.h"
#include "recsnap.h"

/* ---- writing ---------------------------------------------------------- */

/* The conntrack entries, each its ctnetlink message as the dump returned
 * it, behind the namespace it was dumped in.  Collected before anything
 * is written, because SNAP_BEGIN carries their count. */
struct ct_msgs {
	char *buf;
	size_t used, cap;
	uint64_t n;
};

struct ct_msgs_hdr {
	uint32_t netns;
	uint32_t len;
};

static int ct_msg_cb(const struct ct_msg *m, const struct ns_table *ns,
		     void *arg)
{
	struct ct_msgs *M = arg;
	struct ct_msgs_hdr hdr = { .netns = ns->netns };
	size_t need;

	/* as conntrack -L, which prints nothing for these */
	if (!(m->set & CTM_ORIG) || !(m->t[0].set & CTMT_PROTO))
		return 0;
	hdr.len = m->nlh->nlmsg_len;
	need = sizeof(hdr) + NLMSG_ALIGN(hdr.len);
	if (M->used + need > M->cap) {
		size_t cap = (M->cap ? M->cap * 2 : 1 << 16) + need;
		char *nb = realloc(M->buf, cap);

		if (!nb)
			return -ENOMEM;
		M->buf = nb;
		M->cap = cap;
	}
	memcpy(M->buf + M->used, &hdr, sizeof(hdr));
	memcpy(M->buf + M->used + sizeof(hdr), m->nlh, hdr.len);
	M->used += need;
	M->n++;
	return 0;
}

static int write_chunks(struct recfile_writer *w, const struct recfile_snap *snap,
			const struct ext_snapshot *es, const struct ct_msgs *M)
{
	size_t i, off;
	int ret;

	ret = recfile_append(w, RECFILE_SNAP_BEGIN, snap, sizeof(*snap));
	for (i = 0; i < es->n && !ret; i++)
		ret = recfile_append(w, RECFILE_EXT_REC, &es->recs[i],
				     sizeof(es->recs[i]));
	for (off = 0; off < M->used && !ret;) {
		struct ct_msgs_hdr hdr;

		memcpy(&hdr, M->buf + off, sizeof(hdr));
		ret = recfile_append_ct_msg(w, hdr.netns,
					    (const void *)(M->buf + off + sizeof(hdr)));
		off += sizeof(hdr) + NLMSG_ALIGN(hdr.len);
	}
	if (!ret)
		ret = recfile_append(w, RECFILE_SNAP_END, snap, sizeof(*snap));
	if (!ret)
		ret = recfile_flush(w);
	return ret;
}

int recsnap_write(struct recfile_writer *w, int ctl, uint32_t phase,
		  ns_dump_err_cb on_err, void *arg, enum recsnap_stage *stage)
{
	struct ext_snapshot es;
	struct ct_msgs M = { 0 };
	struct recfile_snap snap;
	struct ns_table *ns;
	size_t nns = 0;
	int ret;

	ret = ext_snapshot_take(ctl, &es);
	if (ret) {
		*stage = RECSNAP_EXT;
		return ret;
	}
	ns = ns_tables_of(es.recs, es.n, true, &nns);
	ret = ns ? ns_tables_dump(ns, nns, ct_msg_cb, on_err, &M) : -ENOMEM;
	free(ns);
	if (ret) {
		*stage = RECSNAP_CT;
		goto out;
	}
	memset(&snap, 0, sizeof(snap));
	snap.phase = phase;
	snap.now_real_ns = es.now_real_ns;
	snap.now_boot_ns = es.now_boot_ns;
	snap.ext_total = es.n;
	snap.ct_total = M.n;
	ret = write_chunks(w, &snap, &es, &M);
	if (ret)
		*stage = RECSNAP_WRITE;
out:
	ext_snapshot_free(&es);
	free(M.buf);
	return ret;
}

/* ---- reading ---------------------------------------------------------- */

struct reader {
	const char *path;
	const struct recsnap_ops *ops;
	void *arg;
	struct recsnap_read *r;
	bool in_snap;
	uint64_t begin;			/* offset of the open SNAP_BEGIN */
	struct recfile_snap open;	/* its payload */
	uint64_t n_ext, n_ct;		/* chunks of it so far */
};

static int bad(struct reader *rd, int err, uint64_t off, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int bad(struct reader *rd, int err, uint64_t off, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err = recfile_verrf(rd->r->err, sizeof(rd->r->err), rd->path, off, err,
			    fmt, ap);
	va_end(ap);
	return err;
}

/* Version 1: the entry as conntrack -L text. */
static int ct_line(struct reader *rd, const struct recfile_chunk *c)
{
	const struct recfile_ct_line *l = c->data;
	struct recsnap_ct ct = { .netns = l->netns };
	struct ct_entry e;
	char err[320];
	int ret;

	ret = ctparse_text((const char *)(l + 1), l->len, &e, err, sizeof(err));
	if (ret < 0)
		return bad(rd, ret, c->offset, "conntrack line: %s", err);
	if (!(e.flags & CTE_ID))
		return bad(rd, -EBADMSG, c->offset, "conntrack line has no id=");
	ct.id = e.id;
	ct.orig = e.orig;
	return rd->ops->ct_entry(rd->arg, &ct, c->offset);
}

/* The entry's ctnetlink message, decoded as a live dump's. */
static int ct_nlmsg(struct reader *rd, const struct recfile_chunk *c)
{
	const struct recfile_ct_msg *l = c->data;
	struct recsnap_ct ct = { .netns = l->netns };
	struct ct_msg m;

	if (ct_msg_parse((const struct nlmsghdr *)(l + 1), &m) < 0)
		return bad(rd, -EBADMSG, c->offset, "malformed conntrack message");
	if (!(m.set & CTM_ORIG) || !(m.t[0].set & CTMT_PROTO))
		return bad(rd, -EBADMSG, c->offset,
			   "conntrack message has no original tuple");
	ct.id = m.id;
	ct_msg_tuple(&m, 0, &ct.orig);
	ct.msg = &m;
	return rd->ops->ct_entry(rd->arg, &ct, c->offset);
}

static int chunk(struct reader *rd, const struct recfile_chunk *c)
{
	const struct recsnap_ops *ops = rd->ops;

	switch (c->type) {
	case RECFILE_SNAP_BEGIN:
		if (rd->in_snap)
			return bad(rd, -EBADMSG, c->offset,
				   "snapshot begins inside another (file damaged)");
		rd->in_snap = true;
		rd->begin = c->offset;
		memcpy(&rd->open, c->data, sizeof(rd->open));
		rd->n_ext = rd->n_ct = 0;
		return ops->snap_begin ?
		       ops->snap_begin(rd->arg, &rd->open, c->offset) : 0;
	case RECFILE_EXT_REC:
		if (!rd->in_snap)
			return bad(rd, -EBADMSG, c->offset,
				   "extension record outside a snapshot");
		rd->n_ext++;
		return ops->ext_rec ? ops->ext_rec(rd->arg, c->data, c->offset) : 0;
	case RECFILE_CT_LINE:
	case RECFILE_CT_MSG:
		if (!rd->in_snap)
			return bad(rd, -EBADMSG, c->offset,
				   "conntrack entry outside a snapshot");
		rd->n_ct++;
		if (!ops->ct_entry)
			return 0;
		return c->type == RECFILE_CT_MSG ? ct_nlmsg(rd, c) : ct_line(rd, c);
	case RECFILE_SNAP_END:
		if (!rd->in_snap)
			return bad(rd, -EBADMSG, c->offset,
				   "snapshot end without a beginning");
		if (rd->n_ext != rd->open.ext_total || rd->n_ct != rd->open.ct_total)
			return bad(rd, -EBADMSG, c->offset,
				   "snapshot announced %llu records and %llu conntrack entries, has %llu and %llu",
				   (unsigned long long)rd->open.ext_total,
				   (unsigned long long)rd->open.ct_total,
				   (unsigned long long)rd->n_ext,
				   (unsigned long long)rd->n_ct);
		rd->in_snap = false;
		rd->r->snapshots++;
		return ops->snap_end ?
		       ops->snap_end(rd->arg, &rd->open, c->offset) : 0;
	case RECFILE_COUNTERS:
		return ops->counters ? ops->counters(rd->arg, c->data) : 0;
	case RECFILE_EVENT:
		return ops->event ? ops->event(rd->arg, c->data) : 0;
	default:
		return 0;
	}
}

int recsnap_read(const char *path, const struct recsnap_ops *ops, void *arg,
		 struct recsnap_read *r)
{
	struct reader rd = { .path = path, .ops = ops, .arg = arg, .r = r };
	struct recfile rf;
	struct recfile_chunk c;
	int ret;

	memset(r, 0, sizeof(*r));
	ret = recfile_open(&rf, path);
	if (ret) {
		snprintf(r->err, sizeof(r->err), "%s", rf.err);
		goto out;
	}
	if (ops->header)
		ops->header(arg, &rf.hdr);
	while ((ret = recfile_next(&rf, &c)) > 0) {
		ret = chunk(&rd, &c);
		if (ret < 0)
			goto out;
	}
	if (ret < 0) {
		snprintf(r->err, sizeof(r->err), "%s", rf.err);
		goto out;
	}
	if (rd.in_snap) {
		ret = bad(&rd, -ENODATA, rd.begin,
			  "truncated: the snapshot that starts here has no end (file cut short?)");
		goto out;
	}
	r->saw_end = rf.saw_end;
out:
	recfile_close(&rf);
	return ret;
}

/* ---- reading records again -------------------------------------------- */

#define REFETCH_WINDOW	(1u << 20)

int recsnap_refetch_open(struct recsnap_refetch *w, const char *path)
{
	memset(w, 0, sizeof(*w));
	w->path = path;
	w->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (w->fd < 0)
		return -errno;
	w->buf = malloc(REFETCH_WINDOW);
	if (!w->buf) {
		close(w->fd);
		w->fd = -1;
		return -ENOMEM;
	}
	return 0;
}

int recsnap_refetch_ext(struct recsnap_refetch *w, uint64_t offset,
			struct ctdiag_ext_rec *r)
{
	uint64_t off = offset + sizeof(struct recfile_chunk_hdr);
	int err = 0;

	if (off < w->start || off + sizeof(*r) > w->start + w->len) {
		ssize_t n = pread(w->fd, w->buf, REFETCH_WINDOW, off);

		if (n < 0) {
			err = -errno;
		} else {
			w->start = off;
			w->len = n;
			if ((size_t)n < sizeof(*r))
				err = -ENODATA;
		}
	}
	if (err) {
		snprintf(w->err, sizeof(w->err),
			 "%s: offset %llu: cannot read the record again (file changed?): %s",
			 w->path, (unsigned long long)off, strerror(-err));
		return err;
	}
	memcpy(r, w->buf + (off - w->start), sizeof(*r));
	return 0;
}

void recsnap_refetch_close(struct recsnap_refetch *w)
{
	if (w->fd >= 0)
		close(w->fd);
	free(w->buf);
	w->fd = -1;
	w->buf = NULL;
}
