// SPDX-License-Identifier: GPL-2.0
/* ctdiag-snap - print CTDIAG_IOC_SNAPSHOT records, one per line:
 *   id= netns= zone= how= proto= src= sport= dst= dport= rsrc= rsport=
 *   rdst= rdport= pkts_orig= pkts_reply= bytes_orig= bytes_reply=
 *   age_ms= idle_ms= size= status=0x mark=
 * and "total=N count=N" on stderr (test tool).  With an argument NR, one
 * ioctl with room for NR records (no retry). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "ctdiag_abi.h"

static const char *addr(const struct ctdiag_tuple *t, const __u8 *a,
			char *buf, size_t len)
{
	return inet_ntop(t->l3num == AF_INET6 ? AF_INET6 : AF_INET, a, buf,
			 len) ?: "?";
}

static unsigned long long ms_since(uint64_t now, uint64_t then)
{
	return now > then ? (now - then) / 1000000 : 0;
}

int main(int argc, char **argv)
{
	struct ctdiag_snapshot_req req;
	struct ctdiag_ext_rec *recs = NULL;
	uint32_t nr = 1024, i;
	int fd, fixed = argc > 1;

	if (fixed)
		nr = strtoul(argv[1], NULL, 10);

	fd = open(CTDIAG_DEVICE, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "ctdiag-snap: open %s: %s\n", CTDIAG_DEVICE,
			strerror(errno));
		return 1;
	}
	for (;;) {
		free(recs);
		recs = calloc(nr ? nr : 1, sizeof(*recs));
		if (!recs)
			return 1;
		memset(&req, 0, sizeof(req));
		req.buf = (uintptr_t)recs;
		req.nr = nr;
		if (ioctl(fd, CTDIAG_IOC_SNAPSHOT, &req) < 0) {
			fprintf(stderr, "ctdiag-snap: CTDIAG_IOC_SNAPSHOT: %s\n",
				strerror(errno));
			return 1;
		}
		if (fixed || req.total <= req.nr)
			break;
		nr = req.total + req.total / 4 + 64;
	}
	for (i = 0; i < req.count; i++) {
		const struct ctdiag_ext_rec *r = &recs[i];
		char s[64], d[64], rs[64], rd[64];

		printf("id=%u netns=%u zone=%u how=%u proto=%u src=%s sport=%u dst=%s dport=%u rsrc=%s rsport=%u rdst=%s rdport=%u pkts_orig=%llu pkts_reply=%llu bytes_orig=%llu bytes_reply=%llu age_ms=%llu idle_ms=%llu size=%u status=0x%x mark=%u\n",
		       r->ct_id, r->netns, r->zone, r->how, r->orig.protonum,
		       addr(&r->orig, r->orig.src, s, sizeof(s)), r->orig.sport,
		       addr(&r->orig, r->orig.dst, d, sizeof(d)), r->orig.dport,
		       addr(&r->reply, r->reply.src, rs, sizeof(rs)),
		       r->reply.sport,
		       addr(&r->reply, r->reply.dst, rd, sizeof(rd)),
		       r->reply.dport,
		       (unsigned long long)r->pkts[0],
		       (unsigned long long)r->pkts[1],
		       (unsigned long long)r->bytes[0],
		       (unsigned long long)r->bytes[1],
		       ms_since(req.now_boot_ns, r->created_boot_ns),
		       ms_since(req.now_boot_ns, r->last_seen_boot_ns),
		       r->size, r->status, r->mark);
	}
	fprintf(stderr, "total=%llu count=%u\n", (unsigned long long)req.total,
		req.count);
	free(recs);
	close(fd);
	return 0;
}
