// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include "extsnap.h"

int ext_snapshot_take(int fd, struct ext_snapshot *s)
{
	struct ctdiag_snapshot_req req;
	size_t cap = 4096;
	int tries;

	memset(s, 0, sizeof(*s));
	for (tries = 0; tries < 16; tries++) {
		struct ctdiag_ext_rec *nb = realloc(s->recs, cap * sizeof(*nb));

		if (!nb) {
			ext_snapshot_free(s);
			return -ENOMEM;
		}
		s->recs = nb;
		memset(&req, 0, sizeof(req));
		req.buf = (uintptr_t)s->recs;
		req.nr = cap;
		if (ioctl(fd, CTDIAG_IOC_SNAPSHOT, &req) < 0) {
			int err = -errno;

			ext_snapshot_free(s);
			return err;
		}
		if (req.total <= req.count) {
			s->n = req.count;
			s->now_boot_ns = req.now_boot_ns;
			s->now_real_ns = req.now_real_ns;
			return 0;
		}
		if (req.total > UINT32_MAX / 2) {
			ext_snapshot_free(s);
			return -E2BIG;
		}
		/* room for growth while we reallocate */
		cap = req.total + req.total / 4 + 1024;
	}
	ext_snapshot_free(s);
	return -EAGAIN;
}

void ext_snapshot_free(struct ext_snapshot *s)
{
	free(s->recs);
	memset(s, 0, sizeof(*s));
}

const char *ext_how_name(unsigned int how)
{
	switch (how) {
	case CTDIAG_ALLOC_PRE_ROUTING: return "pre_routing";
	case CTDIAG_ALLOC_LOCAL_OUT: return "local_out";
	case CTDIAG_ALLOC_API: return "api";
	default: return "unknown";
	}
}
