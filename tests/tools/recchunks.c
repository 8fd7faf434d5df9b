// SPDX-License-Identifier: GPL-2.0
/*
 * recchunks: list the chunks of a ctdiag recording, one line each, for
 * tests that check what `ctdiag record` wrote (snapshots, counters, end
 * marker).  Reads the documented format of lib/recfile.h on its own; a
 * CT_MSG's entry is printed with lib/ctmsg's conntrack -L formatter.
 *
 *   header release=R host=H flags=F
 *   event type=T id=I cpu=C seq=S
 *   snap-begin phase=P ext=N ct=N      (snap-end likewise)
 *   ext id=I netns=N
 *   ct netns=N TEXT                    (conntrack -L -o extended,id's line,
 *                                      from CT_LINE text or, through
 *                                      lib/ctmsg, a CT_MSG message)
 *   counters live=N allocated=N
 *   end events=N lost=N
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netlink.h>
#include "ctmsg.h"
#include "recfile.h"

int main(int argc, char **argv)
{
	struct recfile_header h;
	struct recfile_chunk_hdr ch;
	static char buf[RECFILE_MAX_CHUNK + 8] __attribute__((aligned(8)));
	FILE *fp;

	if (argc != 2 || !(fp = fopen(argv[1], "rb"))) {
		fprintf(stderr, "usage: recchunks FILE\n");
		return 2;
	}
	if (fread(&h, sizeof(h), 1, fp) != 1 ||
	    memcmp(h.magic, RECFILE_MAGIC, 8)) {
		fprintf(stderr, "recchunks: not a recording\n");
		return 1;
	}
	printf("header release=%.72s host=%.72s flags=%u\n", h.kernel_release,
	       h.hostname, h.flags);
	while (fread(&ch, sizeof(ch), 1, fp) == 1) {
		size_t padded = (ch.len + 7) & ~7u;

		if (ch.len > RECFILE_MAX_CHUNK || fread(buf, 1, padded, fp) < ch.len) {
			printf("truncated\n");
			return 1;
		}
		buf[ch.len] = 0;
		switch (ch.type) {
		case RECFILE_EVENT: {
			struct ctdiag_event *e = (void *)buf;

			printf("event type=%u id=%u cpu=%u seq=%llu\n", e->type,
			       e->ct_id, e->cpu, (unsigned long long)e->seq);
			break;
		}
		case RECFILE_SNAP_BEGIN:
		case RECFILE_SNAP_END: {
			struct recfile_snap *s = (void *)buf;

			printf("%s phase=%u ext=%llu ct=%llu\n",
			       ch.type == RECFILE_SNAP_BEGIN ? "snap-begin" : "snap-end",
			       s->phase, (unsigned long long)s->ext_total,
			       (unsigned long long)s->ct_total);
			break;
		}
		case RECFILE_EXT_REC: {
			struct ctdiag_ext_rec *r = (void *)buf;

			printf("ext id=%u netns=%u\n", r->ct_id, r->netns);
			break;
		}
		case RECFILE_CT_LINE: {
			struct recfile_ct_line *l = (void *)buf;

			printf("ct netns=%u %s\n", l->netns, buf + sizeof(*l));
			break;
		}
		case RECFILE_CT_MSG: {
			struct recfile_ct_msg *l = (void *)buf;
			char line[1024];
			struct ct_msg m;
			struct fmtbuf b;

			fb_init(&b, line, sizeof(line) - 1);
			if (ch.len < sizeof(*l) + 16 || l->len != ch.len - sizeof(*l) ||
			    ((struct nlmsghdr *)(l + 1))->nlmsg_len != l->len ||
			    ct_msg_parse((void *)(l + 1), &m) < 0 ||
			    ct_msg_format(&b, &m, CT_FMT_LAYER3 | CT_FMT_ID) < 0) {
				printf("ct netns=%u malformed\n", l->netns);
				break;
			}
			*b.p = 0;
			printf("ct netns=%u %s\n", l->netns, line);
			break;
		}
		case RECFILE_COUNTERS: {
			struct ctdiag_counters *c = (void *)buf;

			printf("counters live=%llu allocated=%llu\n",
			       (unsigned long long)c->live,
			       (unsigned long long)c->allocated);
			break;
		}
		case RECFILE_END: {
			struct recfile_end *e = (void *)buf;

			printf("end events=%llu lost=%llu\n",
			       (unsigned long long)e->events,
			       (unsigned long long)e->lost);
			break;
		}
		default:
			printf("chunk type=%u len=%u\n", ch.type, ch.len);
		}
	}
	return 0;
}
