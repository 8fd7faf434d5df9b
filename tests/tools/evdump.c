// SPDX-License-Identifier: GPL-2.0
/*
 * evdump - raw reader of /dev/ctdiag for the VM tests: prints each record
 * as one line of key=value, independent of the ctdiag CLI.
 *
 *   evdump [-n COUNT] [-t IDLE_MS] [-b BUFSIZE] [-N] [-r READYFILE]
 *          [-w GOFILE] [-x STOPFILE] [-f KEY=VALUE]...
 *                                 read records (the single reader)
 *   evdump -s                     counters + per-CPU ring stats (control handle)
 *   evdump -F                     try SET_FILTER on a control handle
 *
 * Filters (-f): netns=INO zone=N proto=N family=4|6 src=ADDR[/PLEN]
 * dst=ADDR[/PLEN] sport=N dport=N events=TYPE[,TYPE...] (type names as
 * printed, e.g. CLASH,NFQ_UPDATE).  -N opens O_NONBLOCK and does one read.
 * -r creates READYFILE once the device is open and the filter set; -w then
 * holds the reader open without reading until GOFILE exists (to let the
 * ring fill up).  -x: exit once STOPFILE exists and nothing is pending.
 * Errors print "evdump: WHAT: MESSAGE (errno=NAME)" and exit 1.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "ctdiag_abi.h"

static const char *const ev_names[CTDIAG_EV_MAX] = {
	"NONE", "EXT_ALLOC", "EXT_FREE", "CT_DESTROY", "CLASH",
	"CONFIRM_DROP", "NFQ_UPDATE", "CONFIRM_EARLY", "LOST",
};
static const char *const outcome_names[CTDIAG_CLASH_MAX] = {
	"NONE", "MERGED", "MERGED_OTHER", "NAT_CLASH", "DROPPED",
	"NFQ_SWAP", "NFQ_DROP",
};

static int fail(const char *what)
{
	int e = errno;

	fprintf(stderr, "evdump: %s: %s (errno=%s)\n", what, strerror(e),
		strerrorname_np(e) ? strerrorname_np(e) : "?");
	return 1;
}

static void print_addr(const char *key, const __u8 *a, int l3)
{
	char buf[INET6_ADDRSTRLEN];

	inet_ntop(l3 == 10 ? AF_INET6 : AF_INET, a, buf, sizeof(buf));
	printf(" %s=%s", key, buf);
}

static void print_tuple(const char *p, const struct ctdiag_tuple *t)
{
	char k[16];

	snprintf(k, sizeof(k), "%ssrc", p);
	print_addr(k, t->src, t->l3num);
	snprintf(k, sizeof(k), "%sdst", p);
	print_addr(k, t->dst, t->l3num);
	printf(" %ssport=%u %sdport=%u", p, t->sport, p, t->dport);
}

static void print_event(const struct ctdiag_event *e)
{
	const char *name = e->type < CTDIAG_EV_MAX ? ev_names[e->type] : "?";

	printf("type=%s cpu=%u seq=%llu ts_boot=%llu", name, e->cpu,
	       (unsigned long long)e->seq, (unsigned long long)e->ts_boot_ns);
	if (e->type == CTDIAG_EV_LOST) {
		printf(" count=%llu first_seq=%llu\n",
		       (unsigned long long)e->u.lost.count,
		       (unsigned long long)e->u.lost.first_seq);
		return;
	}
	printf(" ct_id=%u netns=%u zone=%u mark=%u status=0x%x proto=%u family=%u",
	       e->ct_id, e->netns, e->zone, e->mark, e->status, e->protonum,
	       e->l3num);
	print_tuple("", &e->orig);
	print_tuple("r", &e->reply);
	switch (e->type) {
	case CTDIAG_EV_EXT_ALLOC:
		printf(" how=%u size=%u", e->u.alloc.how, e->u.alloc.size);
		break;
	case CTDIAG_EV_EXT_FREE:
		printf(" path=%u how=%u size=%u age_ns=%llu idle_ns=%llu",
		       e->u.free.path, e->u.free.how, e->u.free.size,
		       (unsigned long long)e->u.free.age_ns,
		       (unsigned long long)e->u.free.idle_ns);
		break;
	case CTDIAG_EV_CT_DESTROY:
		printf(" path=%u had_ext=%u caller=0x%llx", e->u.destroy.path,
		       e->u.destroy.had_ext,
		       (unsigned long long)e->u.destroy.caller);
		break;
	case CTDIAG_EV_CLASH:
	case CTDIAG_EV_NFQ_UPDATE:
		printf(" outcome=%s queue=%u winner_id=%u other_id=%u winner_status=0x%x",
		       e->u.clash.outcome < CTDIAG_CLASH_MAX ?
		       outcome_names[e->u.clash.outcome] : "?",
		       e->u.clash.queue, e->u.clash.winner_id,
		       e->u.clash.other_id, e->u.clash.winner_status);
		print_tuple("w", &e->u.clash.winner_orig);
		break;
	}
	printf("\n");
}

static int parse_prefix(const char *v, __u8 *addr, __u8 *plen, int *fam)
{
	char buf[64], *slash;

	snprintf(buf, sizeof(buf), "%s", v);
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = 0;
	if (inet_pton(AF_INET, buf, addr) == 1) {
		*fam = AF_INET;
		*plen = slash ? atoi(slash) : 32;
	} else if (inet_pton(AF_INET6, buf, addr) == 1) {
		*fam = AF_INET6;
		*plen = slash ? atoi(slash) : 128;
	} else {
		return -1;
	}
	return 0;
}

static int parse_filter(struct ctdiag_filter *f, const char *kv)
{
	const char *v = strchr(kv, '=');
	size_t klen;
	int fam;

	if (!v)
		return -1;
	klen = v++ - kv;
#define KEY(s) (klen == strlen(s) && !strncmp(kv, s, klen))
	if (KEY("netns")) {
		f->set |= CTDIAG_F_NETNS;
		f->netns = strtoul(v, NULL, 0);
	} else if (KEY("zone")) {
		f->set |= CTDIAG_F_ZONE;
		f->zone = strtoul(v, NULL, 0);
	} else if (KEY("proto")) {
		f->set |= CTDIAG_F_PROTO;
		f->protonum = strtoul(v, NULL, 0);
	} else if (KEY("family")) {
		f->set |= CTDIAG_F_FAMILY;
		f->l3num = atoi(v) == 6 ? AF_INET6 : AF_INET;
	} else if (KEY("src")) {
		f->set |= CTDIAG_F_SRC;
		if (parse_prefix(v, f->src, &f->src_plen, &fam))
			return -1;
	} else if (KEY("dst")) {
		f->set |= CTDIAG_F_DST;
		if (parse_prefix(v, f->dst, &f->dst_plen, &fam))
			return -1;
	} else if (KEY("sport")) {
		f->set |= CTDIAG_F_SPORT;
		f->sport = strtoul(v, NULL, 0);
	} else if (KEY("dport")) {
		f->set |= CTDIAG_F_DPORT;
		f->dport = strtoul(v, NULL, 0);
	} else if (KEY("events")) {
		char buf[256], *tok, *p = buf;
		int i;

		f->set |= CTDIAG_F_EVENTS;
		snprintf(buf, sizeof(buf), "%s", v);
		while ((tok = strsep(&p, ","))) {
			for (i = 1; i < CTDIAG_EV_MAX; i++)
				if (!strcmp(tok, ev_names[i]))
					break;
			if (i == CTDIAG_EV_MAX)
				return -1;
			f->event_mask |= 1u << i;
		}
	} else {
		return -1;
	}
#undef KEY
	return 0;
}

static int do_stats(void)
{
	struct ctdiag_counters c;
	struct ctdiag_cpu_stat st[256];
	struct ctdiag_cpu_stats_req req = {
		.buf = (unsigned long)st, .nr = 256,
	};
	int fd, i;

	fd = open(CTDIAG_DEVICE, O_WRONLY);
	if (fd < 0)
		return fail("open " CTDIAG_DEVICE);
	if (ioctl(fd, CTDIAG_IOC_COUNTERS, &c) < 0)
		return fail("CTDIAG_IOC_COUNTERS");
	if (ioctl(fd, CTDIAG_IOC_CPU_STATS, &req) < 0)
		return fail("CTDIAG_IOC_CPU_STATS");
	printf("ring_written=%llu\nring_lost=%llu\nring_filtered=%llu\n",
	       (unsigned long long)c.ring_written,
	       (unsigned long long)c.ring_lost,
	       (unsigned long long)c.ring_filtered);
	for (i = 1; i < CTDIAG_CLASH_MAX; i++)
		printf("clash_%s=%llu\n", outcome_names[i],
		       (unsigned long long)c.clash[i]);
	printf("confirm_drop=%llu\n", (unsigned long long)c.confirm_drop);
	printf("hits_resolve=%llu\nhits_confirm=%llu\nhits_update=%llu\n",
	       (unsigned long long)c.probe_hits[CTDIAG_PROBE_RESOLVE_CLASH],
	       (unsigned long long)c.probe_hits[CTDIAG_PROBE_CONFIRM],
	       (unsigned long long)c.probe_hits[CTDIAG_PROBE_UPDATE]);
	printf("nmissed_resolve=%llu\nnmissed_confirm=%llu\nnmissed_update=%llu\n",
	       (unsigned long long)c.probe_nmissed[CTDIAG_PROBE_RESOLVE_CLASH],
	       (unsigned long long)c.probe_nmissed[CTDIAG_PROBE_CONFIRM],
	       (unsigned long long)c.probe_nmissed[CTDIAG_PROBE_UPDATE]);
	printf("ns_resolve=%llu\nns_confirm=%llu\nns_update=%llu\n",
	       (unsigned long long)c.probe_ns[CTDIAG_PROBE_RESOLVE_CLASH],
	       (unsigned long long)c.probe_ns[CTDIAG_PROBE_CONFIRM],
	       (unsigned long long)c.probe_ns[CTDIAG_PROBE_UPDATE]);
	for (i = 0; i < (int)req.nr; i++)
		printf("cpu%d_written=%llu\ncpu%d_lost=%llu\ncpu%d_next_seq=%llu\n",
		       i, (unsigned long long)st[i].written,
		       i, (unsigned long long)st[i].lost,
		       i, (unsigned long long)st[i].next_seq);
	return 0;
}

int main(int argc, char **argv)
{
	struct ctdiag_filter f;
	const char *ready = NULL, *go = NULL, *stop = NULL;
	size_t bufsize = 64 * sizeof(struct ctdiag_event);
	long count = -1, idle_ms = -1, got = 0;
	int opt, fd, nonblock = 0;
	char *buf;

	memset(&f, 0, sizeof(f));
	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((opt = getopt(argc, argv, "n:t:b:Nr:w:x:f:sF")) != -1) {
		switch (opt) {
		case 'n':
			count = atol(optarg);
			break;
		case 't':
			idle_ms = atol(optarg);
			break;
		case 'b':
			bufsize = strtoul(optarg, NULL, 0);
			break;
		case 'N':
			nonblock = 1;
			break;
		case 'r':
			ready = optarg;
			break;
		case 'w':
			go = optarg;
			break;
		case 'x':
			stop = optarg;
			break;
		case 'f':
			if (parse_filter(&f, optarg)) {
				fprintf(stderr, "evdump: bad filter '%s'\n", optarg);
				return 2;
			}
			break;
		case 's':
			return do_stats();
		case 'F':
			fd = open(CTDIAG_DEVICE, O_WRONLY);
			if (fd < 0)
				return fail("open " CTDIAG_DEVICE);
			if (ioctl(fd, CTDIAG_IOC_SET_FILTER, &f) < 0)
				return fail("CTDIAG_IOC_SET_FILTER");
			printf("filter set\n");
			return 0;
		default:
			fprintf(stderr, "usage: see the comment in evdump.c\n");
			return 2;
		}
	}
	fd = open(CTDIAG_DEVICE, O_RDONLY | (nonblock ? O_NONBLOCK : 0));
	if (fd < 0)
		return fail("open " CTDIAG_DEVICE);
	if (f.set && ioctl(fd, CTDIAG_IOC_SET_FILTER, &f) < 0)
		return fail("CTDIAG_IOC_SET_FILTER");
	if (ready) {
		FILE *r = fopen(ready, "w");

		if (!r)
			return fail(ready);
		fclose(r);
	}
	while (go && access(go, F_OK))
		usleep(10000);
	buf = malloc(bufsize ? bufsize : 1);
	if (!buf)
		return fail("malloc");
	while (count < 0 || got < count) {
		ssize_t n, off;

		if (stop && !nonblock) {
			struct pollfd p = { .fd = fd, .events = POLLIN };
			int r = poll(&p, 1, 100);

			if (r < 0)
				return fail("poll");
			if (r == 0) {
				if (!access(stop, F_OK))
					break;
				continue;
			}
		} else if (idle_ms >= 0 && !nonblock) {
			struct pollfd p = { .fd = fd, .events = POLLIN };
			int r = poll(&p, 1, idle_ms);

			if (r < 0)
				return fail("poll");
			if (r == 0)
				break;
		}
		n = read(fd, buf, bufsize);
		if (n < 0)
			return fail("read");
		if (n % sizeof(struct ctdiag_event)) {
			fprintf(stderr, "evdump: read returned %zd, not whole records\n", n);
			return 1;
		}
		for (off = 0; off < n; off += sizeof(struct ctdiag_event)) {
			print_event((struct ctdiag_event *)(buf + off));
			got++;
		}
		if (nonblock)
			break;
	}
	return 0;
}
