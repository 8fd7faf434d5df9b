// SPDX-License-Identifier: GPL-2.0
/*
 * lib/ctmsg against libnetfilter_conntrack, differentially: generated
 * ctnetlink messages (every attribute conntrack -L prints, present or
 * not, all protocols, states in and out of range, IPv6 address shapes,
 * helper names past the library's 15 characters, timestamps) go through
 * both nfct_nlmsg_parse() + nfct_snprintf() and ct_msg_parse() +
 * ct_msg_format(), with every -o flag combination; the texts must be
 * equal byte for byte.  ct_msg_tuple() is checked against the
 * nf_conntrack getters the same way.
 */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include "ctmsg.h"
#include "fmtbuf.h"
#include "unit.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 11);
}

/* true with probability pct % */
static bool chance(unsigned int pct)
{
	return rnd() % 100 < pct;
}

static void put_addr(struct nlmsghdr *nlh, int v6, unsigned int type4,
		     unsigned int type6)
{
	uint8_t a[16] = { 0 };
	unsigned int i, shape = rnd() % 8;

	if (!v6) {
		uint32_t v = rnd();

		if (shape == 0)
			v = 0;
		mnl_attr_put(nlh, type4, 4, &v);
		return;
	}
	switch (shape) {
	case 0:				/* :: */
		break;
	case 1:				/* ::1 */
		a[15] = 1;
		break;
	case 2:				/* ::ffff:a.b.c.d */
		a[10] = a[11] = 0xff;
		for (i = 12; i < 16; i++)
			a[i] = rnd();
		break;
	case 3:				/* ::a.b.c.d */
		for (i = 12; i < 16; i++)
			a[i] = rnd() | 1;
		break;
	case 4:				/* runs of zero words */
		for (i = 0; i < 16; i += 2)
			if (chance(40))
				a[i] = rnd(), a[i + 1] = rnd();
		break;
	default:
		for (i = 0; i < 16; i++)
			a[i] = rnd();
		a[0] = 0x20, a[1] = 0x01;
	}
	mnl_attr_put(nlh, type6, 16, a);
}

static const uint8_t protos[] = {
	IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_SCTP,
	IPPROTO_DCCP, IPPROTO_UDPLITE, IPPROTO_GRE, IPPROTO_IGMP, 0, 255,
};

static void put_tuple(struct nlmsghdr *nlh, unsigned int type, int v6,
		      uint8_t proto)
{
	struct nlattr *t = mnl_attr_nest_start(nlh, type), *n;

	if (chance(97)) {
		n = mnl_attr_nest_start(nlh, CTA_TUPLE_IP);
		if (chance(95))
			put_addr(nlh, v6, CTA_IP_V4_SRC, CTA_IP_V6_SRC);
		if (chance(95))
			put_addr(nlh, v6, CTA_IP_V4_DST, CTA_IP_V6_DST);
		mnl_attr_nest_end(nlh, n);
	}
	if (chance(97)) {
		n = mnl_attr_nest_start(nlh, CTA_TUPLE_PROTO);
		if (chance(97))
			mnl_attr_put_u8(nlh, CTA_PROTO_NUM, proto);
		if (proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6 || chance(5)) {
			int six = proto == IPPROTO_ICMPV6;

			if (chance(95))
				mnl_attr_put_u16(nlh, six ? CTA_PROTO_ICMPV6_ID :
						 CTA_PROTO_ICMP_ID, rnd());
			if (chance(95))
				mnl_attr_put_u8(nlh, six ? CTA_PROTO_ICMPV6_TYPE :
						CTA_PROTO_ICMP_TYPE, rnd() % 3 ? 8u + 120 * six : rnd());
			if (chance(95))
				mnl_attr_put_u8(nlh, six ? CTA_PROTO_ICMPV6_CODE :
						CTA_PROTO_ICMP_CODE, rnd() % 3 ? 0 : rnd());
		} else {
			if (chance(95))
				mnl_attr_put_u16(nlh, CTA_PROTO_SRC_PORT, rnd());
			if (chance(95))
				mnl_attr_put_u16(nlh, CTA_PROTO_DST_PORT, rnd());
		}
		mnl_attr_nest_end(nlh, n);
	}
	if (chance(10))
		mnl_attr_put_u16(nlh, CTA_TUPLE_ZONE, htons(rnd()));
	if (chance(3))		/* unknown to both: skipped */
		mnl_attr_put_u32(nlh, CTA_TUPLE_MAX + 3, rnd());
	mnl_attr_nest_end(nlh, t);
}

static void put_counters(struct nlmsghdr *nlh, unsigned int type)
{
	struct nlattr *n = mnl_attr_nest_start(nlh, type);

	if (chance(70)) {
		mnl_attr_put_u64(nlh, CTA_COUNTERS_PACKETS, htobe64(rnd() % 5 ? rnd() % 1000 :
				 (uint64_t)rnd() << 32 | rnd()));
		if (chance(90))
			mnl_attr_put_u64(nlh, CTA_COUNTERS_BYTES,
					 htobe64((uint64_t)rnd() * 1000));
	} else {
		mnl_attr_put_u32(nlh, CTA_COUNTERS32_PACKETS, htonl(rnd()));
		if (chance(90))
			mnl_attr_put_u32(nlh, CTA_COUNTERS32_BYTES, htonl(rnd()));
	}
	mnl_attr_nest_end(nlh, n);
}

static void put_state(struct nlmsghdr *nlh, unsigned int pi, unsigned int st)
{
	struct nlattr *n = mnl_attr_nest_start(nlh, CTA_PROTOINFO), *m;

	m = mnl_attr_nest_start(nlh, pi);
	mnl_attr_put_u8(nlh, st, rnd() % 4 ? rnd() % 10 : rnd());
	mnl_attr_nest_end(nlh, m);
	mnl_attr_nest_end(nlh, n);
}

static void put_string_nest(struct nlmsghdr *nlh, unsigned int nest,
			    unsigned int type, const char *pfx)
{
	struct nlattr *n = mnl_attr_nest_start(nlh, nest);
	char s[64];
	unsigned int i, len = rnd() % 24;

	snprintf(s, sizeof(s), "%s", pfx);
	for (i = strlen(s); i < len && i < sizeof(s) - 1; i++)
		s[i] = 'a' + rnd() % 26;
	s[i > strlen(pfx) ? i : strlen(pfx)] = 0;
	mnl_attr_put_strz(nlh, type, s);
	mnl_attr_nest_end(nlh, n);
}

/* One random conntrack message in buf. */
static struct nlmsghdr *gen(char *buf, bool *now_dependent)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *nfh;
	uint8_t proto = protos[rnd() % sizeof(protos)];
	unsigned int f = rnd() % 100;
	int v6;

	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_NEW;
	nfh = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfh));
	nfh->nfgen_family = f < 60 ? AF_INET : f < 95 ? AF_INET6 : rnd() % 12;
	v6 = nfh->nfgen_family == AF_INET6 ||
	     (nfh->nfgen_family != AF_INET && chance(50));
	*now_dependent = false;
	if (chance(97))
		put_tuple(nlh, CTA_TUPLE_ORIG, v6, proto);
	if (chance(95))
		put_tuple(nlh, CTA_TUPLE_REPLY, v6, chance(97) ? proto : protos[rnd() % sizeof(protos)]);
	if (chance(90))
		mnl_attr_put_u32(nlh, CTA_STATUS, htonl(rnd() & 0x7fff));
	if (proto == IPPROTO_TCP ? chance(90) : chance(3))
		put_state(nlh, CTA_PROTOINFO_TCP, CTA_PROTOINFO_TCP_STATE);
	if (proto == IPPROTO_SCTP ? chance(90) : chance(3))
		put_state(nlh, CTA_PROTOINFO_SCTP, CTA_PROTOINFO_SCTP_STATE);
	if (proto == IPPROTO_DCCP ? chance(90) : chance(3))
		put_state(nlh, CTA_PROTOINFO_DCCP, CTA_PROTOINFO_DCCP_STATE);
	if (chance(90))
		mnl_attr_put_u32(nlh, CTA_TIMEOUT, htonl(rnd() % 4 ? rnd() % 432000 : rnd()));
	if (chance(80))
		mnl_attr_put_u32(nlh, CTA_MARK, htonl(rnd() % 2 ? 0 : rnd()));
	if (chance(10))
		mnl_attr_put_u32(nlh, CTA_SECMARK, htonl(rnd()));
	if (chance(30))
		put_counters(nlh, CTA_COUNTERS_ORIG);
	if (chance(30))
		put_counters(nlh, CTA_COUNTERS_REPLY);
	if (chance(80))
		mnl_attr_put_u32(nlh, CTA_USE, htonl(rnd() % 4));
	if (chance(85))
		mnl_attr_put_u32(nlh, CTA_ID, htonl(rnd()));
	if (chance(20))
		mnl_attr_put_u16(nlh, CTA_ZONE, htons(rnd()));
	if (chance(10))
		put_string_nest(nlh, CTA_HELP, CTA_HELP_NAME, "ftp");
	if (chance(10))
		put_string_nest(nlh, CTA_SECCTX, CTA_SECCTX_NAME, "system_u:object_r:");
	if (chance(15)) {
		struct nlattr *n = mnl_attr_nest_start(nlh, CTA_TIMESTAMP);
		uint64_t start = (uint64_t)(1600000000 + rnd() % 200000000) * 1000000000ull +
				 rnd() % 1000000000;

		mnl_attr_put_u64(nlh, CTA_TIMESTAMP_START, htobe64(start));
		if (chance(60))
			mnl_attr_put_u64(nlh, CTA_TIMESTAMP_STOP,
					 htobe64(start + (uint64_t)rnd() * 1000));
		else
			*now_dependent = true;	/* delta-time counts to now */
		mnl_attr_nest_end(nlh, n);
	}
	if (chance(3))
		mnl_attr_put_u32(nlh, CTA_MAX + 7, rnd());
	return nlh;
}

static const unsigned int nfct_flags[8] = {
	0, NFCT_OF_SHOW_LAYER3, NFCT_OF_ID, NFCT_OF_SHOW_LAYER3 | NFCT_OF_ID,
	NFCT_OF_TIMESTAMP, NFCT_OF_TIMESTAMP | NFCT_OF_SHOW_LAYER3,
	NFCT_OF_TIMESTAMP | NFCT_OF_ID,
	NFCT_OF_TIMESTAMP | NFCT_OF_ID | NFCT_OF_SHOW_LAYER3,
};

/* Both texts for one message and flag set; ours NUL-terminated. */
static void both(const struct nlmsghdr *nlh, const struct ct_msg *m,
		 const struct nf_conntrack *ct, unsigned int i, int *n1, int *n2,
		 char *lib, char *ours, size_t len)
{
	struct fmtbuf b;

	*n1 = nfct_snprintf(lib, len, ct, NFCT_T_UNKNOWN, NFCT_O_DEFAULT,
			    nfct_flags[i]);
	fb_init(&b, ours, len - 1);
	*n2 = ct_msg_format(&b, m, i);
	*b.p = 0;
	(void)nlh;
}

TEST(format_equals_nfct_snprintf_on_generated_messages)
{
	static char buf[8192], lib[4096], ours[4096];
	unsigned int iter, i, bad = 0, lines = 0, unprinted = 0;

	setenv("TZ", "UTC", 1);
	tzset();
	/* CT_FMT_* and the nfct_flags[] index agree */
	CHECK(CT_FMT_LAYER3 == 1 && CT_FMT_ID == 2 && CT_FMT_TIMESTAMP == 4);
	for (iter = 0; iter < 20000; iter++) {
		struct nf_conntrack *ct = nfct_new();
		struct nlmsghdr *nlh;
		struct ct_msg m;
		bool now_dep;
		int r1, r2, n1, n2;

		nlh = gen(buf, &now_dep);
		r1 = nfct_nlmsg_parse(nlh, ct);
		r2 = ct_msg_parse(nlh, &m);
		CHECK(r1 == 0 && r2 == 0);
		for (i = 0; i < 8 && r1 == 0 && r2 == 0; i++) {
			both(nlh, &m, ct, i, &n1, &n2, lib, ours, sizeof(lib));
			/* delta-time counts to now(): a second may tick between */
			if (now_dep && n1 >= 0 && strcmp(lib, ours))
				both(nlh, &m, ct, i, &n1, &n2, lib, ours, sizeof(lib));
			if (n1 < 0) {
				unprinted++;
				if (n2 != -1 && bad++ < 5)
					printf("# iter %u flags %u: library prints nothing, we: '%s'\n",
					       iter, i, ours);
				continue;
			}
			lines++;
			if ((n2 != 0 || strcmp(lib, ours)) && bad++ < 5)
				printf("# iter %u flags %u:\n#  nfct: '%s'\n#  ours: '%s'\n",
				       iter, i, lib, ours);
		}
		nfct_destroy(ct);
	}
	printf("# %u lines compared, %u entries the library does not print\n",
	       lines, unprinted);
	CHECK(bad == 0);
	CHECK(lines > 100000 && unprinted > 0);
}

/* The conversion the live join used before lib/ctmsg, on nf_conntrack. */
static void tuple_from_nfct(const struct nf_conntrack *ct, int dir,
			    struct ctdiag_tuple *t)
{
	static const int a[2][8] = {
		{ ATTR_ORIG_L3PROTO, ATTR_ORIG_L4PROTO, ATTR_ORIG_IPV4_SRC,
		  ATTR_ORIG_IPV4_DST, ATTR_ORIG_IPV6_SRC, ATTR_ORIG_IPV6_DST,
		  ATTR_ORIG_PORT_SRC, ATTR_ORIG_PORT_DST },
		{ ATTR_REPL_L3PROTO, ATTR_REPL_L4PROTO, ATTR_REPL_IPV4_SRC,
		  ATTR_REPL_IPV4_DST, ATTR_REPL_IPV6_SRC, ATTR_REPL_IPV6_DST,
		  ATTR_REPL_PORT_SRC, ATTR_REPL_PORT_DST },
	};
	const int *at = a[dir];
	const void *p;

	memset(t, 0, sizeof(*t));
	t->l3num = nfct_get_attr_u8(ct, at[0]);
	t->protonum = nfct_get_attr_u8(ct, at[1]);
	if (t->l3num == AF_INET) {
		if ((p = nfct_get_attr(ct, at[2])))
			memcpy(t->src, p, 4);
		if ((p = nfct_get_attr(ct, at[3])))
			memcpy(t->dst, p, 4);
	} else if (t->l3num == AF_INET6) {
		if ((p = nfct_get_attr(ct, at[4])))
			memcpy(t->src, p, 16);
		if ((p = nfct_get_attr(ct, at[5])))
			memcpy(t->dst, p, 16);
	}
	if (t->protonum == IPPROTO_ICMP || t->protonum == IPPROTO_ICMPV6) {
		if (!dir) {
			t->sport = ntohs(nfct_get_attr_u16(ct, ATTR_ICMP_ID));
			t->dport = nfct_get_attr_u8(ct, ATTR_ICMP_TYPE) << 8 |
				   nfct_get_attr_u8(ct, ATTR_ICMP_CODE);
		}
		return;
	}
	if (nfct_attr_is_set(ct, at[6]))
		t->sport = ntohs(nfct_get_attr_u16(ct, at[6]));
	if (nfct_attr_is_set(ct, at[7]))
		t->dport = ntohs(nfct_get_attr_u16(ct, at[7]));
}

TEST(tuple_equals_nf_conntrack_getters)
{
	static char buf[8192];
	unsigned int iter, bad = 0;
	int dir;

	for (iter = 0; iter < 5000; iter++) {
		struct nf_conntrack *ct = nfct_new();
		struct ctdiag_tuple a, b;
		struct ct_msg m;
		bool now_dep;
		struct nlmsghdr *nlh = gen(buf, &now_dep);

		CHECK(nfct_nlmsg_parse(nlh, ct) == 0 && ct_msg_parse(nlh, &m) == 0);
		for (dir = 0; dir < 2; dir++) {
			tuple_from_nfct(ct, dir, &a);
			ct_msg_tuple(&m, dir, &b);
			if (memcmp(&a, &b, sizeof(a)) && bad++ < 5)
				printf("# iter %u dir %d: tuples differ\n", iter, dir);
		}
		CHECK(m.id == nfct_get_attr_u32(ct, ATTR_ID));
		nfct_destroy(ct);
	}
	CHECK(bad == 0);
}

TEST(malformed_messages_are_rejected_not_read_past)
{
	static char buf[8192];
	struct nlmsghdr *nlh;
	struct nfgenmsg *nfh;
	struct nlattr *n;
	struct ct_msg m;

	/* a u32 attribute of the wrong size */
	nlh = mnl_nlmsg_put_header(buf);
	nfh = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfh));
	nfh->nfgen_family = AF_INET;
	mnl_attr_put_u16(nlh, CTA_MARK, 1);
	CHECK(ct_msg_parse(nlh, &m) == -EINVAL);
	/* too short for its nfgenmsg */
	nlh->nlmsg_len = NLMSG_HDRLEN + 2;
	CHECK(ct_msg_parse(nlh, &m) == -EINVAL);
	/* an attribute claiming more than the message holds: ignored */
	nlh = mnl_nlmsg_put_header(buf);
	nfh = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfh));
	nfh->nfgen_family = AF_INET;
	n = mnl_attr_nest_start(nlh, CTA_TUPLE_ORIG);
	mnl_attr_put_u32(nlh, CTA_TUPLE_IP, 0);
	mnl_attr_nest_end(nlh, n);
	n->nla_len += 64;
	CHECK(ct_msg_parse(nlh, &m) == 0 && !(m.set & CTM_ORIG));
}

TEST(fmtbuf_numbers_and_bounds)
{
	char buf[64];
	struct fmtbuf b;
	uint8_t a4[4] = { 10, 0, 200, 1 };

	fb_init(&b, buf, sizeof(buf));
	fb_u64(&b, 0);
	fb_putc(&b, ' ');
	fb_u64(&b, 18446744073709551615ull);
	fb_putc(&b, ' ');
	fb_hex(&b, 0xbeef);
	fb_putc(&b, ' ');
	fb_ipv4(&b, a4);
	fb_putc(&b, ' ');
	fb_pad(&b, "tcp", 8);
	fb_putc(&b, 0);
	CHECK_STR(buf, "0 18446744073709551615 beef 10.0.200.1 tcp     ");
	CHECK(!b.over);
	fb_init(&b, buf, 4);
	fb_lit(&b, "abcdef");
	CHECK(b.over && fb_len(&b, buf) == 4 && !memcmp(buf, "abcd", 4));
	fb_init(&b, buf, 3);		/* a number cut off at the end */
	fb_u64(&b, 123456);
	CHECK(b.over && fb_len(&b, buf) == 3 && !memcmp(buf, "123", 3));
}

TEST(fmtbuf_equals_printf_and_inet_ntop)
{
	char ours[64], lib[64], a6s[INET6_ADDRSTRLEN];
	unsigned int i, bad = 0;
	struct fmtbuf b;

	for (i = 0; i < 200000; i++) {
		uint64_t v = i < 1100 ? i : (uint64_t)rnd() << (rnd() % 33) | rnd();
		uint8_t a4[4] = { rnd(), rnd() % 3 ? rnd() % 10 : 100, rnd() % 2 * 255, rnd() };
		uint8_t a6[16] = { 0 };

		fb_init(&b, ours, sizeof(ours) - 1);
		fb_u64(&b, v);
		fb_putc(&b, ' ');
		fb_hex(&b, v);
		fb_putc(&b, ' ');
		fb_ipv4(&b, a4);
		fb_putc(&b, ' ');
		a6[rnd() % 16] = rnd();
		a6[rnd() % 16] = rnd();
		fb_ipv6(&b, a6);
		*b.p = 0;
		snprintf(lib, sizeof(lib), "%llu %llx %u.%u.%u.%u %s",
			 (unsigned long long)v, (unsigned long long)v,
			 a4[0], a4[1], a4[2], a4[3],
			 inet_ntop(AF_INET6, a6, a6s, sizeof(a6s)));
		if (strcmp(ours, lib) && bad++ < 5)
			printf("# '%s' != '%s'\n", ours, lib);
	}
	CHECK(bad == 0);
}

/* CTMSG_SEED_DIR=DIR: also write 64 generated messages there, one per
 * file, to seed the ct_msg fuzzer (tests/fuzz/seed-ctmsg.sh). */
__attribute__((constructor)) static void write_seeds(void)
{
	const char *dir = getenv("CTMSG_SEED_DIR");
	static char buf[8192];
	char path[4096];
	unsigned int i;

	for (i = 0; dir && i < 64; i++) {
		bool now_dep;
		struct nlmsghdr *nlh = gen(buf, &now_dep);
		FILE *fp;

		snprintf(path, sizeof(path), "%s/seed-%02u", dir, i);
		fp = fopen(path, "w");
		if (!fp)
			break;
		fwrite(nlh, 1, nlh->nlmsg_len, fp);
		fclose(fp);
	}
}

UNIT_MAIN()
