// SPDX-License-Identifier: GPL-2.0
/*
 * mkleakfix: generate fixtures for offline `ctdiag leaks` tests, at test
 * time, with the real recording writer (lib/recfile).
 *
 *   mkleakfix [-n LIVE] [-l LEAKED] [-i INTERCEPT] [-x] [-1] [-b KIND] DIR
 *
 * Writes into DIR:
 *   rec.ctr       recording: header (intercept=INTERCEPT, default 1=hook),
 *                 SNAP_BEGIN, LIVE+LEAKED EXT_REC, LIVE CT_MSG (ctnetlink
 *                 messages tagged with their netns), SNAP_END, COUNTERS, END
 *   listing.txt   the LIVE entries as `conntrack -L -o extended,id` text
 *   listing.json  the same as `ctdiag ls -o json` lines
 *   expected      the leaked records, "NETNS ID" per line, sorted
 * Entries alternate between two namespaces and between tcp, udp, icmp
 * and IPv6 tcp.  Among the leaked records are the hard cases: one with the
 * id of a live entry in the other namespace, one with the id and netns of
 * a live entry but another tuple.
 *   -x        stop inside the snapshot: no SNAP_END, no END (truncation)
 *   -1        a format version 1 recording: the LIVE entries as CT_LINE
 *             text (the lines of listing.txt) instead of CT_MSG
 *   -b KIND   corrupt line 5 of listing.txt (tcp): badaddr, noid, garbage,
 *             bigport, notuple, longline, nul
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <unistd.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include "ctdump.h"
#include "ctmsg.h"
#include "recfile.h"

#define NS_A 4026531840u
#define NS_B 4026532999u
#define BOOT0 1000000000000ull	/* 1000 s after boot */

struct fx {
	uint32_t id, netns;
	struct ctdiag_tuple o, r;
	int kind;		/* 0 tcp, 1 udp, 2 icmp, 3 tcp6 */
};

static uint32_t mix(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x7feb352d;
	x ^= x >> 15;
	x *= 0x846ca68b;
	x ^= x >> 16;
	return x;
}

static void make(struct fx *f, unsigned int i)
{
	memset(f, 0, sizeof(*f));
	f->id = mix(i + 1) | 1;
	f->netns = i % 2 ? NS_B : NS_A;
	f->kind = i % 4;
	if (f->kind == 3) {
		f->o.l3num = AF_INET6;
		inet_pton(AF_INET6, "2001:db8::1", f->o.src);
		inet_pton(AF_INET6, "2001:db8::2", f->o.dst);
		f->o.src[15] = i & 0xff;
		f->o.src[14] = (i >> 8) & 0xff;
	} else {
		uint32_t s = htonl(0x0a000000u | (i + 1)), d = htonl(0x0a640001u);

		f->o.l3num = AF_INET;
		memcpy(f->o.src, &s, 4);
		memcpy(f->o.dst, &d, 4);
	}
	if (f->kind == 2) {
		f->o.protonum = IPPROTO_ICMP;
		f->o.sport = 100 + i;		/* icmp id */
		f->o.dport = 8 << 8;		/* echo request */
	} else {
		f->o.protonum = f->kind == 1 ? IPPROTO_UDP : IPPROTO_TCP;
		f->o.sport = 10000 + i;
		f->o.dport = f->kind == 1 ? 53 : 443;
	}
	f->r = f->o;
	memcpy(f->r.src, f->o.dst, 16);
	memcpy(f->r.dst, f->o.src, 16);
	if (f->kind == 2) {
		f->r.dport = 0;			/* echo reply */
	} else {
		f->r.sport = f->o.dport;
		f->r.dport = f->o.sport;
	}
}

static int tuple_text(char *b, size_t len, const struct ctdiag_tuple *t)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];

	inet_ntop(t->l3num, t->src, s, sizeof(s));
	inet_ntop(t->l3num, t->dst, d, sizeof(d));
	if (t->protonum == IPPROTO_ICMP)
		return snprintf(b, len, "src=%s dst=%s type=%u code=%u id=%u", s, d,
				t->dport >> 8, t->dport & 0xff, t->sport);
	return snprintf(b, len, "src=%s dst=%s sport=%u dport=%u", s, d,
			t->sport, t->dport);
}

static int line_text(char *b, size_t len, const struct fx *f)
{
	char o[160], r[160];
	const char *pn = f->o.protonum == IPPROTO_TCP ? "tcp" :
			 f->o.protonum == IPPROTO_UDP ? "udp" : "icmp";

	tuple_text(o, sizeof(o), &f->o);
	tuple_text(r, sizeof(r), &f->r);
	return snprintf(b, len, "%-8s %u %-8s %u %u %s%s%s %s %smark=0 use=1 id=%u",
			f->o.l3num == AF_INET ? "ipv4" : "ipv6", f->o.l3num, pn,
			f->o.protonum, 431000,
			f->o.protonum == IPPROTO_TCP ? "ESTABLISHED " : "", o,
			f->o.protonum == IPPROTO_TCP ? "" : " [UNREPLIED]", r,
			f->o.protonum == IPPROTO_TCP ? "[ASSURED] " : "", f->id);
}

/* t as a dump's tuple: ports, or (original direction only, as the
 * module keeps them) the ICMP id, type and code. */
static void nl_tuple(struct nlmsghdr *nlh, unsigned int type,
		     const struct ctdiag_tuple *t, bool orig)
{
	struct ct_msg_tuple m;

	memset(&m, 0, sizeof(m));
	memcpy(m.src, t->src, 16);
	memcpy(m.dst, t->dst, 16);
	m.protonum = t->protonum;
	m.l4src = htons(t->sport);
	if (t->protonum == IPPROTO_ICMP) {
		m.l4dst[0] = orig ? t->dport >> 8 : 0;
		m.l4dst[1] = orig ? t->dport & 0xff : 0;
		m.set = CTMT_ICMP_ID | CTMT_ICMP_TYPE | CTMT_ICMP_CODE;
	} else {
		m.l4dst[0] = t->dport >> 8;
		m.l4dst[1] = t->dport & 0xff;
		m.set = CTMT_SPORT | CTMT_DPORT;
	}
	ct_nl_put_tuple(nlh, type, t->l3num, &m);
}

/* The entry as the kernel's dump sends it: the same facts as line_text(). */
static struct nlmsghdr *nl_entry(char *buf, const struct fx *f)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *nfh;
	bool tcp = f->o.protonum == IPPROTO_TCP;

	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_NEW;
	nlh->nlmsg_flags = NLM_F_MULTI;
	nfh = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfh));
	nfh->nfgen_family = f->o.l3num;
	nfh->version = NFNETLINK_V0;
	nl_tuple(nlh, CTA_TUPLE_ORIG, &f->o, true);
	nl_tuple(nlh, CTA_TUPLE_REPLY, &f->r, false);
	mnl_attr_put_u32(nlh, CTA_STATUS, htonl(IPS_CONFIRMED |
			 (tcp ? IPS_SEEN_REPLY | IPS_ASSURED : 0)));
	mnl_attr_put_u32(nlh, CTA_TIMEOUT, htonl(431000));
	mnl_attr_put_u32(nlh, CTA_MARK, 0);
	if (tcp) {
		struct nlattr *p = mnl_attr_nest_start(nlh, CTA_PROTOINFO);
		struct nlattr *t = mnl_attr_nest_start(nlh, CTA_PROTOINFO_TCP);

		mnl_attr_put_u8(nlh, CTA_PROTOINFO_TCP_STATE, 3);	/* ESTABLISHED */
		mnl_attr_nest_end(nlh, t);
		mnl_attr_nest_end(nlh, p);
	}
	mnl_attr_put_u32(nlh, CTA_USE, htonl(1));
	mnl_attr_put_u32(nlh, CTA_ID, htonl(f->id));
	return nlh;
}

static void json_tuple(FILE *fp, const char *key, const struct ctdiag_tuple *t)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];

	inet_ntop(t->l3num, t->src, s, sizeof(s));
	inet_ntop(t->l3num, t->dst, d, sizeof(d));
	fprintf(fp, "\"%s\":{\"src\":\"%s\",\"dst\":\"%s\",", key, s, d);
	if (t->protonum == IPPROTO_ICMP)
		fprintf(fp, "\"type\":%u,\"code\":%u,\"id\":%u}", t->dport >> 8,
			t->dport & 0xff, t->sport);
	else
		fprintf(fp, "\"sport\":%u,\"dport\":%u}", t->sport, t->dport);
}

static void ext_rec(struct ctdiag_ext_rec *e, const struct fx *f, unsigned int i)
{
	memset(e, 0, sizeof(*e));
	e->ct_id = f->id;
	e->netns = f->netns;
	e->how = i % 2 ? CTDIAG_ALLOC_PRE_ROUTING : CTDIAG_ALLOC_LOCAL_OUT;
	e->size = 64;
	e->created_boot_ns = BOOT0 + i * 1000000000ull;
	e->last_seen_boot_ns = e->created_boot_ns + 500000000ull;
	e->pkts[0] = 3;
	e->orig = f->o;
	e->reply = f->r;
}

static int die(const char *what, int err)
{
	fprintf(stderr, "mkleakfix: %s: %s\n", what, strerror(err < 0 ? -err : err));
	return 1;
}

int main(int argc, char **argv)
{
	unsigned int live = 20, leaked = 5, intercept = CTDIAG_INTERCEPT_HOOK, i;
	const char *bad = NULL, *dir;
	bool cut = false, v1 = false;
	struct recfile_writer w;
	struct ctdiag_info info;
	struct recfile_snap snap;
	struct ctdiag_counters cnt;
	struct ctdiag_ext_rec e;
	char path[4096], line[512];
	static char msg[8192] __attribute__((aligned(8)));
	FILE *txt, *js, *exp;
	struct fx f;
	int opt, ret;

	while ((opt = getopt(argc, argv, "n:l:i:xb:1")) != -1) {
		switch (opt) {
		case 'n': live = strtoul(optarg, NULL, 10); break;
		case 'l': leaked = strtoul(optarg, NULL, 10); break;
		case 'i': intercept = strtoul(optarg, NULL, 10); break;
		case 'x': cut = true; break;
		case '1': v1 = true; break;
		case 'b': bad = optarg; break;
		default:
			fprintf(stderr, "usage: mkleakfix [-n LIVE] [-l LEAKED] [-i INTERCEPT] [-x] [-1] [-b KIND] DIR\n");
			return 2;
		}
	}
	if (optind + 1 != argc || live < 4) {
		fprintf(stderr, "usage: mkleakfix [-n LIVE>=4] [-l LEAKED] [-i INTERCEPT] [-x] [-1] [-b KIND] DIR\n");
		return 2;
	}
	dir = argv[optind];
	mkdir(dir, 0755);

	memset(&info, 0, sizeof(info));
	info.abi_version = CTDIAG_ABI_VERSION;
	info.intercept = intercept;
	info.record_size = sizeof(struct ctdiag_event);
	info.ext_rec_size = sizeof(struct ctdiag_ext_rec);
	snprintf(info.version, sizeof(info.version), "fixture");
	snprintf(path, sizeof(path), "%s/rec.ctr", dir);
	ret = recfile_create(&w, path, true, &info, RECFILE_F_SNAPSHOT);
	if (ret)
		return die(path, ret);

	memset(&snap, 0, sizeof(snap));
	snap.now_real_ns = 1700000000000000000ull;
	snap.now_boot_ns = BOOT0 + (live + leaked + 10) * 1000000000ull;
	snap.ext_total = live + leaked;
	snap.ct_total = live;
	ret = recfile_append(&w, RECFILE_SNAP_BEGIN, &snap, sizeof(snap));

	snprintf(path, sizeof(path), "%s/expected", dir);
	exp = fopen(path, "w");
	if (!exp)
		return die(path, errno);
	/* records of live entries, then the leaked ones */
	for (i = 0; i < live + leaked && !ret; i++) {
		if (i < live) {
			make(&f, i);
		} else {
			make(&f, i);	/* an entry that is not in the table */
			if (i == live) {
				struct fx l0;

				make(&l0, 0);	/* id of a live entry, other netns */
				f.id = l0.id;
				f.netns = l0.netns == NS_A ? NS_B : NS_A;
			} else if (i == live + 1) {
				struct fx l1;

				make(&l1, 1);	/* id + netns of a live entry, other tuple */
				f.id = l1.id;
				f.netns = l1.netns;
			}
			fprintf(exp, "%u %u\n", f.netns, f.id);
		}
		ext_rec(&e, &f, i);
		ret = recfile_append(&w, RECFILE_EXT_REC, &e, sizeof(e));
	}
	fclose(exp);
	for (i = 0; i < live && !ret; i++) {
		struct recfile_ct_line l;
		int n;

		make(&f, i);
		if (!v1) {
			ret = recfile_append_ct_msg(&w, f.netns, nl_entry(msg, &f));
			continue;
		}
		n = line_text(line, sizeof(line), &f);
		l.netns = f.netns;
		l.len = n;
		ret = recfile_append2(&w, RECFILE_CT_LINE, &l, sizeof(l), line, n);
	}
	if (cut) {
		ret = ret ?: recfile_flush(&w);
		recfile_abort(&w);
		if (ret)
			return die("write", ret);
	} else {
		memset(&cnt, 0, sizeof(cnt));
		cnt.live = live + leaked;
		cnt.allocated = live + leaked + 100;
		cnt.freed[CTDIAG_FREE_HOOK] = 100;
		cnt.destroy_hook = 100;
		ret = ret ?: recfile_append(&w, RECFILE_SNAP_END, &snap, sizeof(snap));
		ret = ret ?: recfile_append(&w, RECFILE_COUNTERS, &cnt, sizeof(cnt));
		ret = ret ?: recfile_finish(&w, 0);
		if (ret)
			return die("write", ret);
	}
	if (v1) {
		/* the writer writes the current version: say 1 */
		uint32_t one = 1;
		int fd;

		snprintf(path, sizeof(path), "%s/rec.ctr", dir);
		fd = open(path, O_WRONLY);

		if (fd < 0 || pwrite(fd, &one, sizeof(one),
				     offsetof(struct recfile_header, version)) != sizeof(one))
			return die(path, errno);
		close(fd);
	}

	snprintf(path, sizeof(path), "%s/listing.txt", dir);
	txt = fopen(path, "w");
	snprintf(path, sizeof(path), "%s/listing.json", dir);
	js = fopen(path, "w");
	if (!txt || !js)
		return die(path, errno);
	for (i = 0; i < live; i++) {
		make(&f, i);
		line_text(line, sizeof(line), &f);
		if (bad && i == 4) {	/* line 5, a tcp entry */
			char tmp[1024], *p;

			if (!strcmp(bad, "badaddr") && (p = strstr(line, "src="))) {
				*p = 0;
				snprintf(tmp, sizeof(tmp), "%ssrc=10.0.0.999%s", line,
					 strchr(p + 1, ' '));
				snprintf(line, sizeof(line), "%.500s", tmp);
			} else if (!strcmp(bad, "noid") && (p = strstr(line, " id="))) {
				*p = 0;
			} else if (!strcmp(bad, "garbage")) {
				strcpy(line, "this is not a conntrack line");
			} else if (!strcmp(bad, "bigport") && (p = strstr(line, "sport="))) {
				*p = 0;
				snprintf(tmp, sizeof(tmp), "%ssport=99999%s", line,
					 strchr(p + 1, ' '));
				snprintf(line, sizeof(line), "%.500s", tmp);
			} else if (!strcmp(bad, "notuple") && (p = strstr(line, "src="))) {
				strcpy(p, "mark=0 use=1 id=5");
			} else if (!strcmp(bad, "longline")) {
				memset(tmp, 'x', sizeof(tmp) - 1);
				tmp[sizeof(tmp) - 1] = 0;
				for (int k = 0; k < 9; k++)
					fputs(tmp, txt);	/* > 4096 bytes */
			} else if (!strcmp(bad, "nul")) {
				fputs("ipv4     2 tcp      6 10 ", txt);
				fputc(0, txt);
			}
		}
		fprintf(txt, "%s\n", line);
		fprintf(js, "{\"schema\":1,\"family\":\"%s\",\"l3num\":%u,\"protonum\":%u,\"timeout\":431000,",
			f.o.l3num == AF_INET ? "ipv4" : "ipv6", f.o.l3num, f.o.protonum);
		json_tuple(js, "orig", &f.o);
		fputc(',', js);
		json_tuple(js, "reply", &f.r);
		fprintf(js, ",\"status\":14,\"flags\":[\"SEEN_REPLY\",\"ASSURED\"],\"mark\":0,\"zone\":0,\"use\":1,\"id\":%u,\"netns\":%u}\n",
			f.id, f.netns);
	}
	fclose(txt);
	fclose(js);
	return 0;
}
