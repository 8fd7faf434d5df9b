// SPDX-License-Identifier: GPL-2.0
/* Per-namespace conntrack dumps: see nsdump.h. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include "ctdump.h"
#include "ctmsg.h"
#include "leakjoin.h"
#include "nsdump.h"
#include "util.h"

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

struct ns_table *ns_tables_of(const struct ctdiag_ext_rec *recs, size_t n,
			      bool self, size_t *nns)
{
	uint32_t *v = malloc((n + 1) * sizeof(*v));
	struct ns_table *ns;
	size_t i, nv = 0, k = 0;

	if (!v)
		return NULL;
	if (self && netns_fd_inode(-1, &v[nv]) == 0)
		nv++;
	for (i = 0; i < n; i++)
		v[nv++] = recs[i].netns;
	qsort(v, nv, sizeof(*v), cmp_u32);
	ns = calloc(nv + 1, sizeof(*ns));
	if (!ns) {
		free(v);
		return NULL;
	}
	for (i = 0; i < nv; i++)
		if (i == 0 || v[i] != v[i - 1])
			ns[k++].netns = v[i];
	free(v);
	*nns = k;
	return ns;
}

const struct ns_table *ns_tables_find(const struct ns_table *ns, size_t nns,
				      uint32_t netns)
{
	size_t lo = 0, hi = nns;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (ns[mid].netns == netns)
			return &ns[mid];
		if (ns[mid].netns < netns)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

struct ns_dump_ctx {
	ns_dump_cb cb;
	const struct ns_table *ns;
	void *arg;
};

static int entry_cb(const struct ct_msg *m, void *arg)
{
	struct ns_dump_ctx *c = arg;

	return c->cb(m, c->ns, c->arg);
}

int ns_tables_dump(struct ns_table *ns, size_t nns, ns_dump_cb cb,
		   ns_dump_err_cb on_err, void *arg)
{
	struct ct_dump_opts o;
	size_t i;

	for (i = 0; i < nns; i++) {
		struct ns_dump_ctx c = { .cb = cb, .ns = &ns[i], .arg = arg };
		long ret;
		int fd;

		fd = netns_find_inode(ns[i].netns, ns[i].name, sizeof(ns[i].name));
		if (fd < 0) {
			ns[i].gone = true;
			ns[i].name[0] = 0;
			continue;
		}
		ns[i].gone = false;
		ct_dump_opts_init(&o);
		o.netns_fd = fd;
		ret = ct_dump_msgs(&o, entry_cb, &c);
		close(fd);
		if (ret < 0) {
			int err = on_err(&ns[i], ret, arg);

			if (err)
				return err;
		}
	}
	return 0;
}

struct unmatched {
	struct lj_table *t;
	ns_dump_err_cb on_err;
	void *arg;
};

static int unmatched_cb(const struct ct_msg *m, const struct ns_table *ns,
			void *arg)
{
	struct unmatched *u = arg;
	struct ctdiag_tuple t;
	struct lj_key k;

	ct_msg_tuple(m, 0, &t);
	lj_key_make(&k, m->id, ns->netns, &t);
	return lj_insert(u->t, &k, 0);
}

static int unmatched_err(const struct ns_table *ns, long err, void *arg)
{
	struct unmatched *u = arg;

	return u->on_err(ns, err, u->arg);
}

int ns_tables_unmatched(const struct ctdiag_ext_rec *recs, size_t n,
			struct ns_table *ns, size_t nns, ns_dump_err_cb on_err,
			void *arg, uint32_t **out, size_t *nout)
{
	struct unmatched u = { .on_err = on_err, .arg = arg };
	int ret;

	u.t = lj_create(n < 1024 ? 1024 : n);
	*out = malloc((n + 1) * sizeof(**out));
	if (!u.t || !*out) {
		lj_destroy(u.t);
		free(*out);
		*out = NULL;
		p_err("out of memory");
		return -ENOMEM;
	}
	ret = ns_tables_dump(ns, nns, unmatched_cb, unmatched_err, &u);
	if (!ret)
		*nout = lj_unmatched(recs, n, u.t, *out);
	lj_destroy(u.t);
	return ret;
}
