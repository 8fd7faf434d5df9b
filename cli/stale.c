// SPDX-License-Identifier: GPL-2.0
/*
 * ctdiag stale: conntrack entries whose original direction still carries
 * packets while nothing comes back: the client that keeps retrying from
 * one source port into an entry whose NAT binding points at a backend
 * that is gone (a restarted DNS pod behind a service VIP).  Every retry
 * matches the old entry and refreshes its timeout, so it never expires.
 *
 * Host side only: the kernel's own per-direction packet counters
 * (nf_conntrack_acct) are dumped twice, --interval apart; an entry (same
 * id and original tuple in both dumps) whose original packets grew while
 * its reply packets did not is stale.  An entry that never saw a reply is
 * reported only when it is destination-NATed: one-way flows (syslog,
 * metrics) never get replies and are not broken.  --delete deletes what
 * the second dump confirmed, by tuple and id (lib/ctdump ct_delete), so
 * an entry replaced in between is left alone.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include "commands.h"
#include "ctdump.h"
#include "ctfilter.h"
#include "ctmsg.h"
#include "leakjoin.h"
#include "output.h"
#include "tuple.h"
#include "util.h"

#define STALE_JSON_SCHEMA	1
#define DEFAULT_INTERVAL	5.0	/* s: one retry of glibc's 5 s resolver timeout */
#define ACCT_SYSCTL		"/proc/sys/net/netfilter/nf_conntrack_acct"

enum {
	OPT_DELETE = CTF_OPT_END,
};

/* An entry of the first dump. */
struct sample {
	uint64_t pkts[2];		/* original, reply */
	bool counters;
};

struct finding {
	struct ct_msg m;		/* helper/secctx pointers cleared */
	char *line;			/* conntrack -L text */
	uint64_t sent;			/* original packets during the interval */
};

struct stale_ctx {
	struct ct_filter f;
	bool json, delete;
	double interval;
	uint32_t netns;
	bool second;			/* in the second dump */
	struct sample *s;
	size_t ns, cap;
	struct lj_table *tab;
	struct finding *fd;
	size_t nfd, capfd;
	long checked, uncounted;
	int err;
};

static void usage(FILE *fp)
{
	fprintf(fp,
		"Usage: ctdiag stale [-i SECONDS] [--delete] [-o plain|json] [--netns NAME|PATH]\n"
		"                    [FILTER...]\n"
		"\n"
		"Find conntrack entries that still carry packets in the original\n"
		"direction while the reply direction has stopped (or, for a\n"
		"destination-NATed entry, never started): a peer or NAT backend that\n"
		"is gone.  The kernel's packet counters (net.netfilter.nf_conntrack_acct)\n"
		"are read twice, the interval apart.\n"
		"\n"
		"  -i, --interval SECONDS     time between the two samples (default 5)\n"
		"      --delete               delete the entries found (by tuple and id)\n"
		"  -o, --output FMT           plain (default) or json (one object per line)\n"
		"  -N, --netns NAME|PATH      look in another network namespace\n"
		"                             (/run/netns/NAME or a path), as ip -n\n"
		"  -h, --help                 show this help\n"
		"\n"
		CT_FILTER_HELP
		"\n"
		"Exit status: 0 none found, 1 runtime error, 2 usage error,\n"
		"5 stale entries found, 6 accounting off (cannot tell).\n");
}

static struct ctdiag_tuple *orig_tuple(const struct ct_msg *m,
				       struct ctdiag_tuple *t)
{
	ct_msg_tuple(m, 0, t);
	return t;
}

static void key_of(const struct stale_ctx *c, const struct ct_msg *m,
		   struct lj_key *k)
{
	struct ctdiag_tuple t;

	lj_key_make(k, m->id, c->netns, orig_tuple(m, &t));
}

static bool has_counters(const struct ct_msg *m)
{
	return (m->t[0].set & CTMT_PACKETS) && (m->t[1].set & CTMT_PACKETS);
}

static int first_cb(struct stale_ctx *c, const struct ct_msg *m)
{
	struct lj_key k;

	if (c->ns == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 1024;
		struct sample *s = realloc(c->s, cap * sizeof(*s));

		if (!s)
			return -ENOMEM;
		c->s = s;
		c->cap = cap;
	}
	c->s[c->ns].pkts[0] = m->t[0].packets;
	c->s[c->ns].pkts[1] = m->t[1].packets;
	c->s[c->ns].counters = has_counters(m);
	key_of(c, m, &k);
	if (lj_insert(c->tab, &k, c->ns))
		return -ENOMEM;
	c->ns++;
	return 0;
}

static int add_finding(struct stale_ctx *c, const struct ct_msg *m,
		       uint64_t sent)
{
	char buf[4096 + 256];
	struct finding *f;
	struct fmtbuf b;

	if (c->nfd == c->capfd) {
		size_t cap = c->capfd ? c->capfd * 2 : 16;

		f = realloc(c->fd, cap * sizeof(*f));
		if (!f)
			return -ENOMEM;
		c->fd = f;
		c->capfd = cap;
	}
	fb_init(&b, buf, sizeof(buf) - 1);
	if (ct_msg_format(&b, m, 0) < 0)
		return 0;		/* no layer-4 protocol: not a flow */
	*b.p = 0;
	f = &c->fd[c->nfd];
	f->line = strdup(buf);
	if (!f->line)
		return -ENOMEM;
	f->m = *m;
	/* they point into the netlink message, gone after this callback */
	f->m.helper = f->m.secctx = NULL;
	f->m.set &= ~(CTM_HELPER | CTM_SECCTX);
	f->sent = sent;
	c->nfd++;
	return 0;
}

static int second_cb(struct stale_ctx *c, const struct ct_msg *m)
{
	const struct sample *s;
	struct lj_key k;
	uint64_t sent, answered;
	int64_t i;

	key_of(c, m, &k);
	i = lj_lookup(c->tab, &k);
	if (i < 0)
		return 0;		/* new since the first sample */
	c->checked++;
	s = &c->s[i];
	if (!s->counters || !has_counters(m)) {
		c->uncounted++;
		return 0;
	}
	/* a counter that went down: zeroed (conntrack -L -z); no judgement */
	if (m->t[0].packets < s->pkts[0] || m->t[1].packets < s->pkts[1])
		return 0;
	sent = m->t[0].packets - s->pkts[0];
	answered = m->t[1].packets - s->pkts[1];
	if (!sent || answered)
		return 0;
	if (!m->t[1].packets && !(m->status & IPS_DST_NAT))
		return 0;		/* one-way from the start, not NATed */
	return add_finding(c, m, sent);
}

static int stale_cb(const struct ct_msg *m, void *arg)
{
	struct stale_ctx *c = arg;

	if (!ct_filter_match(&c->f, m) || !(m->set & CTM_ID))
		return 0;
	return c->second ? second_cb(c, m) : first_cb(c, m);
}

static long dump(struct stale_ctx *c)
{
	struct ct_dump_opts o;
	long ret;

	ct_dump_opts_init(&o);
	ct_filter_dump_opts(&c->f, &o);
	ret = ct_dump_msgs(&o, stale_cb, c);
	if (ret >= 0)
		return ret;
	if (ret == -EPERM || ret == -EACCES)
		p_err("cannot dump the conntrack table: permission denied (needs root or CAP_NET_ADMIN)");
	else if (ret == -EPROTONOSUPPORT || ret == -ENOENT)
		p_err("cannot dump the conntrack table: ctnetlink not available (modprobe nf_conntrack_netlink)");
	else if (ret == -ENOMEM)
		p_err("out of memory");
	else
		p_err("cannot dump the conntrack table: %s", strerror(-ret));
	return ret;
}

/* net.netfilter.nf_conntrack_acct of the current namespace: 0, 1, or -1
 * when it cannot be read (conntrack not loaded: the dump says more). */
static int acct_sysctl(void)
{
	char buf[16] = "";
	int fd = open(ACCT_SYSCTL, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	return atoi(buf) ? 1 : 0;
}

/* How to run sysctl in the namespace that was looked at. */
static void acct_hint(const char *netns, char *buf, size_t len)
{
	const char *cmd = "sysctl -w net.netfilter.nf_conntrack_acct=1";

	if (!netns)
		snprintf(buf, len, "%s", cmd);
	else if (strchr(netns, '/'))
		snprintf(buf, len, "nsenter --net=%s %s", netns, cmd);
	else
		snprintf(buf, len, "ip netns exec %s %s", netns, cmd);
}

static void print_peer(const char *what, const struct ct_msg *m, int dir,
		       int end)
{
	struct ctdiag_tuple t;
	char key[32], a[INET6_ADDRSTRLEN], fmt[40];

	ct_msg_tuple(m, dir, &t);
	snprintf(fmt, sizeof(fmt), " %s=%%s", what);
	print_string(PRINT_ANY, what, fmt, tuple_addr(&t, end, a, sizeof(a)));
	if (m->t[dir].set & (end ? CTMT_DPORT : CTMT_SPORT) &&
	    t.protonum != IPPROTO_ICMP && t.protonum != IPPROTO_ICMPV6) {
		snprintf(key, sizeof(key), "%s_port", what);
		snprintf(fmt, sizeof(fmt), " %s=%%llu", key);
		print_uint(PRINT_ANY, key, fmt, end ? t.dport : t.sport);
	}
}

static void print_finding(struct stale_ctx *c, const struct finding *f,
			  double interval, int del)
{
	const struct ct_msg *m = &f->m;
	bool dnat = m->status & IPS_DST_NAT, snat = m->status & IPS_SRC_NAT;
	bool never = !m->t[1].packets;
	double missing = interval;
	struct ctdiag_tuple t;

	/* an entry that never had a reply misses them since it was made */
	if (never && (m->set & CTM_TS_START)) {
		uint64_t now = now_real_ns();

		if (now > m->ts_start && (now - m->ts_start) / 1e9 > missing)
			missing = (now - m->ts_start) / 1e9;
	}
	open_json_object(NULL);
	print_uint(PRINT_JSON, "schema", NULL, STALE_JSON_SCHEMA);
	print_string(PRINT_JSON, "type", NULL, "stale");
	print_string(PRINT_ANY, "conntrack", "%s\n", f->line);
	if (out_is_json()) {
		print_tuple("orig", orig_tuple(m, &t));
		ct_msg_tuple(m, 1, &t);
		print_tuple("reply", &t);
	}
	print_uint(PRINT_ANY, "id", "  stale: id=%llu", m->id);
	print_uint(PRINT_JSON, "netns", NULL, c->netns);
	print_uint(PRINT_JSON, "zone", NULL, m->zone);
	print_string(PRINT_ANY, "nat", " nat=%s",
		     dnat && snat ? "dnat+snat" : dnat ? "dnat" : snat ? "snat" : "none");
	if (dnat) {
		/* the reply comes from where the VIP was translated to */
		print_peer("vip", m, 0, 1);
		print_peer("backend", m, 1, 0);
	} else {
		print_peer("peer", m, 1, 0);
	}
	print_string(PRINT_ANY, "replies", " replies=%s", never ? "never" : "stopped");
	print_float(PRINT_ANY, "missing_for_min_s", " missing_for>=%.1fs", missing);
	print_uint(PRINT_ANY, "sent", " sent=%llu", f->sent);
	print_float(PRINT_ANY, "interval_s", " in %.1fs", interval);
	if (c->delete) {
		print_bool(PRINT_ANY, "deleted", " deleted=%s", del == 0);
		if (del)
			print_string(PRINT_ANY, "delete_error", " (%s)",
				     del == -ENOENT ? "gone or replaced already" : strerror(-del));
	}
	print_nl();
	close_json_object();
}

static void print_summary(struct stale_ctx *c, int acct, double interval,
			  long deleted, const char *hint)
{
	open_json_object(NULL);
	print_uint(PRINT_JSON, "schema", NULL, STALE_JSON_SCHEMA);
	print_string(PRINT_JSON, "type", NULL, "summary");
	print_uint(PRINT_JSON, "netns", NULL, c->netns);
	print_bool(PRINT_JSON, "accounting", NULL, acct != 0);
	if (!acct) {
		print_string(PRINT_ANY, "hint",
			     "accounting: off in this network namespace (net.netfilter.nf_conntrack_acct=0):\n"
			     "  entries carry no packet counters, so stale ones cannot be told.\n"
			     "  Turn it on with: %s\n"
			     "  (entries made before keep no counters; new ones get them)\n",
			     hint);
		close_json_object();
		return;
	}
	print_uint(PRINT_ANY, "stale", "summary: %llu stale", c->nfd);
	print_uint(PRINT_ANY, "checked", " of %llu entries", c->checked);
	print_float(PRINT_ANY, "interval_s", " seen in both samples %.1fs apart", interval);
	if (c->delete)
		print_uint(PRINT_ANY, "deleted", ", %llu deleted", deleted);
	print_uint(PRINT_JSON, "uncounted", NULL, c->uncounted);
	if (c->uncounted)
		print_uint(PRINT_FP, NULL,
			   "; %llu without counters (made before accounting was on): cannot tell for those",
			   c->uncounted);
	print_nl();
	close_json_object();
}

static int parse_interval(const char *arg, double *out)
{
	if (parse_double(arg, out) || !(*out >= 0.1 && *out <= 86400))
		return p_usage("stale", "invalid interval '%s' (seconds, 0.1 to 86400)", arg);
	return 0;
}

static int run(struct stale_ctx *c, const char *netns)
{
	struct timespec ts;
	char hint[512];
	uint64_t t0;
	double interval;
	long deleted = 0, failed = 0;
	size_t i;
	int acct, rc;

	if (netns && netns_enter(netns) < 0)
		return EXIT_FAIL;
	netns_fd_inode(-1, &c->netns);
	acct_hint(netns, hint, sizeof(hint));
	acct = acct_sysctl();
	if (acct == 0) {
		print_summary(c, 0, c->interval, 0, hint);
		return EXIT_NOACCT;
	}
	c->tab = lj_create(4096);
	if (!c->tab) {
		p_err("out of memory");
		return EXIT_FAIL;
	}
	t0 = now_mono_ns();
	if (dump(c) < 0)
		return EXIT_FAIL;
	ts.tv_sec = (time_t)c->interval;
	ts.tv_nsec = (long)((c->interval - ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	c->second = true;
	if (dump(c) < 0)
		return EXIT_FAIL;
	interval = (now_mono_ns() - t0) / 1e9;

	for (i = 0; i < c->nfd; i++) {
		int del = 0;

		if (c->delete) {
			del = ct_delete(&c->fd[i].m);
			if (!del)
				deleted++;
			else if (del != -ENOENT)
				failed++;
		}
		print_finding(c, &c->fd[i], interval, del);
	}
	print_summary(c, 1, interval, deleted, hint);
	rc = c->nfd ? EXIT_STALE : c->uncounted ? EXIT_NOACCT : EXIT_OK;
	/* one that went away by itself meanwhile is no failure */
	if (failed) {
		p_err("%ld of %zu stale entries could not be deleted", failed, c->nfd);
		rc = EXIT_FAIL;
	}
	return rc;
}

int do_stale(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "interval", required_argument, NULL, 'i' },
		{ "delete", no_argument, NULL, OPT_DELETE },
		{ "output", required_argument, NULL, 'o' },
		CT_FILTER_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct stale_ctx c;
	const char *netns = NULL;
	char err[256];
	size_t i;
	int opt, frc, rc;

	memset(&c, 0, sizeof(c));
	ct_filter_init(&c.f);
	c.interval = DEFAULT_INTERVAL;
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "i:o:h" CT_FILTER_SHORTOPTS, opts, NULL)) != -1) {
		switch (opt) {
		case 'i':
			if (parse_interval(optarg, &c.interval))
				return EXIT_USAGE;
			break;
		case OPT_DELETE:
			c.delete = true;
			break;
		case 'o':
			if (parse_output_opt("stale", optarg, &c.json))
				return EXIT_USAGE;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			frc = ct_filter_opt(&c.f, &netns, opt, optarg, "stale", argv);
			if (frc >= 0)
				return frc;
		}
	}
	if (check_no_args("stale", argc, argv))
		return EXIT_USAGE;
	if (ct_filter_finish(&c.f, err, sizeof(err)))
		return p_usage("stale", "%s", err);

	out_init(stdout, c.json);
	rc = run(&c, netns);
	for (i = 0; i < c.nfd; i++)
		free(c.fd[i].line);
	free(c.fd);
	free(c.s);
	lj_destroy(c.tab);
	return rc;
}
