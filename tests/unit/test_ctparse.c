// SPDX-License-Identifier: GPL-2.0
/* lib/ctparse.c: conntrack text and ctdiag JSON lines, good and bad. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include "ctparse.h"
#include "unit.h"

static const char *TCP =
	"ipv4     2 tcp      6 431999 ESTABLISHED src=10.0.0.1 dst=10.0.0.2 sport=1000 dport=80 "
	"packets=3 bytes=180 src=10.0.0.2 dst=10.0.0.1 sport=80 dport=1000 packets=2 bytes=120 "
	"[ASSURED] mark=5 zone=7 use=1 id=3679355440";

static int parse(const char *s, struct ct_entry *e, char *err)
{
	return ctparse_line(s, strlen(s), e, err, 256);
}

/* Lines that must be rejected, each with its reason. */
struct bad_line {
	const char *line, *err;
};

/* CHECK needs the test's unit_failed */
static void check_bad(const struct bad_line *bad, unsigned int n,
		      int *unit_failed)
{
	struct ct_entry e;
	char err[256];
	unsigned int i;

	for (i = 0; i < n; i++) {
		err[0] = 0;
		CHECK(parse(bad[i].line, &e, err) == -EINVAL);
		CHECK_STR(err, bad[i].err);
	}
}

TEST(text_extended_id_tcp)
{
	struct ct_entry e;
	char err[256] = "";
	uint8_t a[4];

	CHECK(parse(TCP, &e, err) == 1);
	CHECK_STR(err, "");
	CHECK(e.orig.l3num == AF_INET && e.orig.protonum == IPPROTO_TCP);
	inet_pton(AF_INET, "10.0.0.1", a);
	CHECK(!memcmp(e.orig.src, a, 4) && !memcmp(e.reply.dst, a, 4));
	CHECK(e.orig.sport == 1000 && e.orig.dport == 80);
	CHECK(e.reply.sport == 80 && e.reply.dport == 1000);
	CHECK(e.timeout == 431999 && (e.flags & CTE_STATE) && e.state == 3);
	CHECK(e.packets[0] == 3 && e.bytes[1] == 120);
	CHECK((e.flags & CTE_ASSURED) && !(e.flags & CTE_UNREPLIED));
	CHECK(e.mark == 5 && e.zone == 7 && e.use == 1);
	CHECK((e.flags & CTE_ID) && e.id == 3679355440u);
}

TEST(text_default_icmp_and_ipv6)
{
	struct ct_entry e;
	char err[256];

	CHECK(parse("icmp     1 29 src=10.0.0.3 dst=10.0.0.2 type=8 code=0 id=77 [UNREPLIED] "
		    "src=10.0.0.2 dst=10.0.0.3 type=0 code=0 id=77 mark=0 use=1 id=12", &e, err) == 1);
	CHECK(e.orig.l3num == AF_INET && e.orig.protonum == IPPROTO_ICMP);
	/* icmp as the module stores it: sport = id, dport = type << 8 | code */
	CHECK(e.orig.sport == 77 && e.orig.dport == 8 << 8);
	CHECK(e.reply.sport == 77 && e.reply.dport == 0);
	CHECK((e.flags & CTE_UNREPLIED) && e.id == 12);
	CHECK(parse("udp      17 3 src=2001:db8::1 dst=2001:db8::2 sport=1 dport=53 [UNREPLIED] "
		    "src=2001:db8::2 dst=2001:db8::1 sport=53 dport=1 mark=0 use=1", &e, err) == 1);
	CHECK(e.orig.l3num == AF_INET6 && !(e.flags & CTE_ID));
	CHECK(e.orig.src[15] == 1 && e.orig.dst[15] == 2);
}

TEST(text_skips_blank_comment_and_trailer)
{
	struct ct_entry e;
	char err[256];

	CHECK(parse("", &e, err) == 0);
	CHECK(parse("   ", &e, err) == 0);
	CHECK(parse("# saved by ops", &e, err) == 0);
	CHECK(parse("conntrack v1.4.7 (conntrack-tools): 7 flow entries have been shown.", &e, err) == 0);
}

TEST(text_rejects_with_reasons)
{
	static const struct bad_line bad[] = {
		{ "garbage", "bad protocol number after 'garbage'" },
		{ "ipv4 10 tcp 6 1 src=1.1.1.1", "layer-3 number does not match its name" },
		{ "tcp 6 1 NOSUCH src=1.1.1.1 dst=1.1.1.2 sport=1 dport=2 src=1.1.1.2 dst=1.1.1.1 sport=2 dport=1",
		  "unknown TCP state 'NOSUCH'" },
		{ "tcp 6 1 src=1.1.1.1 dst=1.1.1.2 sport=1 dport=2", "no reply tuple" },
		{ "tcp 6 1 src=1.1.1.1 dst=1.1.1.2 sport=1 src=1.1.1.2 dst=1.1.1.1 sport=2 dport=1",
		  "original tuple lacks sport= or dport=" },
		{ "tcp 6 1 src=1.1.1.1 dst=1.1.1.2 sport=1 dport=65536 src=1.1.1.2 dst=1.1.1.1 sport=2 dport=1",
		  "bad port '65536'" },
		{ "tcp 6 1 src=1.1.1.1 dst=::1 sport=1 dport=2 src=1.1.1.2 dst=1.1.1.1 sport=2 dport=1",
		  "bad IPv4 address '::1'" },
		{ "udp 17 1 src=1.1.1.1 dst=1.1.1.2 sport=1 dport=2 src=1.1.1.2 dst=1.1.1.1 sport=2 dport=1 id=99999999999",
		  "bad id '99999999999'" },
		{ "udp 17 1 src=1.1.1.1 dst=1.1.1.2 sport=1 dport=2 src=1.1.1.2 dst=1.1.1.1 sport=2 dport=1 frob=1",
		  "unknown field 'frob='" },
		{ "udp 17 1 src=1.1.1.1 dst=1.1.1.2 sport=1 dport=2 src=1.1.1.2 dst=1.1.1.1 sport=2 dport=1 src=1.1.1.1",
		  "more than two tuples" },
		{ "udp 17 1 src=1.1.1.1 dst=1.1.1.2 sport=1 dport=2 [WHAT] src=1.1.1.2 dst=1.1.1.1 sport=2 dport=1",
		  "unknown flag '[WHAT]'" },
		{ "udp 17 1 src=1.1.1.1 dst=1.1.1.2 sport=1 dport=2 src=1.1.1.2 dst=1.1.1.1 sport=2 dport=1 id=1 id=2",
		  "duplicate id=" },
		{ "icmp 1 1 src=1.1.1.1 dst=1.1.1.2 type=8 code=0 src=1.1.1.2 dst=1.1.1.1 type=0 code=0 id=1",
		  "original tuple lacks type=, code= or id=" },
	};
	check_bad(bad, sizeof(bad) / sizeof(bad[0]), unit_failed);
}

TEST(text_never_reads_past_len)
{
	/* a valid line cut at every length: no crash, and only the full
	 * length parses (checked with a buffer that has no NUL) */
	size_t n = strlen(TCP), i;
	struct ct_entry e;
	char err[256];
	char *buf = malloc(n);
	int ok = 0;

	memcpy(buf, TCP, n);
	for (i = 0; i <= n; i++) {
		char *copy = malloc(i ? i : 1);

		memcpy(copy, buf, i);
		if (ctparse_line(copy, i, &e, err, sizeof(err)) == 1) {
			ok++;
			/* only cuts after the reply tuple's dport value
			 * has begun can still be whole lines */
			CHECK(i >= (size_t)(strstr(TCP, "dport=1000 packets=2") - TCP) + 7);
		}
		free(copy);
	}
	free(buf);
	CHECK(ok >= 2);
}

static const char *JSON =
	"{\"schema\":1,\"family\":\"ipv6\",\"l3num\":10,\"proto\":\"icmpv6\",\"protonum\":58,"
	"\"timeout\":999,\"orig\":{\"src\":\"2001:db8::1\",\"dst\":\"2001:db8::2\",\"type\":128,"
	"\"code\":0,\"id\":5},\"reply\":{\"src\":\"2001:db8::2\",\"dst\":\"2001:db8::1\",\"type\":129,"
	"\"code\":0,\"id\":5},\"status\":8,\"flags\":[\"CONFIRMED\"],\"mark\":0,\"zone\":0,"
	"\"use\":1,\"id\":2891107819,\"netns\":4026532177,\"ext\":null}";

TEST(json_line)
{
	struct ct_entry e;
	char err[256] = "";

	CHECK(parse(JSON, &e, err) == 1);
	CHECK_STR(err, "");
	CHECK(e.orig.l3num == AF_INET6 && e.orig.protonum == 58);
	CHECK(e.orig.sport == 5 && e.orig.dport == 128 << 8 && e.reply.dport == 129 << 8);
	CHECK(e.id == 2891107819u && (e.flags & CTE_NETNS) && e.netns == 4026532177u);
	CHECK(e.flags & CTE_UNREPLIED);
}

TEST(json_text_same_entry)
{
	const char *t = "ipv4     2 udp      17 20 src=10.0.0.1 dst=10.0.0.9 sport=1003 dport=80 "
			"src=10.0.0.9 dst=192.168.1.5 sport=80 dport=1003 mark=0 use=1 id=2348313949";
	const char *j = "{\"schema\":1,\"family\":\"ipv4\",\"l3num\":2,\"proto\":\"udp\",\"protonum\":17,"
			"\"timeout\":20,\"orig\":{\"src\":\"10.0.0.1\",\"dst\":\"10.0.0.9\",\"sport\":1003,"
			"\"dport\":80},\"reply\":{\"src\":\"10.0.0.9\",\"dst\":\"192.168.1.5\",\"sport\":80,"
			"\"dport\":1003},\"status\":410,\"flags\":[\"SEEN_REPLY\"],\"mark\":0,\"zone\":0,"
			"\"use\":1,\"id\":2348313949,\"netns\":1}";
	struct ct_entry a, b;
	char err[256], x[512], y[512];

	CHECK(parse(t, &a, err) == 1);
	CHECK(parse(j, &b, err) == 1);
	ct_entry_snprintf(x, sizeof(x), &a);
	ct_entry_snprintf(y, sizeof(y), &b);
	CHECK_STR(x, y);
}

/* ls -o json's GRE keys and SCTP state read as the text's */
TEST(json_text_same_gre_sctp)
{
	static const char *const pairs[][2] = {
		{ "ipv4     2 gre      47 2999 src=10.0.0.1 dst=10.0.0.2 srckey=0x12 dstkey=0x34 "
		  "[UNREPLIED] src=10.0.0.2 dst=10.0.0.1 srckey=0x34 dstkey=0x12 mark=0 use=1 id=7",
		  "{\"schema\":1,\"family\":\"ipv4\",\"l3num\":2,\"proto\":\"gre\",\"protonum\":47,"
		  "\"timeout\":2999,\"orig\":{\"src\":\"10.0.0.1\",\"dst\":\"10.0.0.2\",\"srckey\":18,"
		  "\"dstkey\":52},\"status\":8,\"flags\":[\"CONFIRMED\"],\"reply\":{\"src\":\"10.0.0.2\","
		  "\"dst\":\"10.0.0.1\",\"srckey\":52,\"dstkey\":18},\"mark\":0,\"zone\":0,\"use\":1,"
		  "\"id\":7,\"netns\":1}" },
		{ "ipv4     2 sctp     132 2999 COOKIE_WAIT src=10.0.0.1 dst=10.0.0.2 sport=5002 dport=5001 "
		  "[UNREPLIED] src=10.0.0.2 dst=10.0.0.1 sport=5001 dport=5002 mark=0 use=1 id=8",
		  "{\"schema\":1,\"family\":\"ipv4\",\"l3num\":2,\"proto\":\"sctp\",\"protonum\":132,"
		  "\"timeout\":2999,\"state\":\"COOKIE_WAIT\",\"orig\":{\"src\":\"10.0.0.1\",\"dst\":\"10.0.0.2\","
		  "\"sport\":5002,\"dport\":5001},\"status\":8,\"flags\":[\"CONFIRMED\"],\"reply\":{\"src\":"
		  "\"10.0.0.2\",\"dst\":\"10.0.0.1\",\"sport\":5001,\"dport\":5002},\"mark\":0,\"zone\":0,"
		  "\"use\":1,\"id\":8,\"netns\":1}" },
	};
	struct ct_entry a, b;
	char err[256], x[512], y[512];
	unsigned int i;

	for (i = 0; i < 2; i++) {
		CHECK(parse(pairs[i][0], &a, err) == 1);
		CHECK(parse(pairs[i][1], &b, err) == 1);
		ct_entry_snprintf(x, sizeof(x), &a);
		ct_entry_snprintf(y, sizeof(y), &b);
		CHECK_STR(x, y);
	}
}

TEST(json_rejects_with_reasons)
{
	static const struct bad_line bad[] = {
		{ "{", "JSON: expected a member name" },
		{ "{\"schema\":2}", "JSON: schema 2, this ctdiag reads schema 1" },
		{ "{\"l3num\":2}", "JSON: no \"schema\" (not a ctdiag ls -o json line)" },
		{ "{\"schema\":1,\"id\":-1}", "JSON: \"id\" is not an unsigned integer in range" },
		{ "{\"schema\":1,\"id\":1.5}", "JSON: \"id\" is not an unsigned integer in range" },
		{ "{\"schema\":1,\"id\":4294967296}", "JSON: \"id\" is not an unsigned integer in range" },
		{ "{\"schema\":1} x", "JSON: trailing data after the object" },
		{ "{\"schema\":1,\"orig\":{\"src\":\"1.2.3\"}}", "bad IPv4 address '1.2.3'" },
		{ "{\"schema\":1,\"x\":[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]}", "JSON: bad value of \"x\"" },
		{ "{\"schema\":1,\"x\":\"a\\q\"}", "JSON: bad value of \"x\"" },
		{ "{\"schema\":1,\"l3num\":2}", "original tuple lacks src= or dst=" },
	};
	check_bad(bad, sizeof(bad) / sizeof(bad[0]), unit_failed);
}

TEST(json_every_prefix_is_safe)
{
	size_t n = strlen(JSON), i;
	struct ct_entry e;
	char err[256];
	int ok = 0;

	for (i = 0; i <= n; i++) {
		char *copy = malloc(i ? i : 1);

		memcpy(copy, JSON, i);	/* no NUL: the parser must respect len */
		if (ctparse_line(copy, i, &e, err, sizeof(err)) == 1)
			ok++;
		free(copy);
	}
	CHECK(ok == 1);
}

static int count_cb(const struct ct_entry *e, unsigned long lineno, void *arg)
{
	(*(int *)arg)++;
	return 0;
}

TEST(file_line_numbers)
{
	char buf[2048], err[256];
	FILE *fp;
	int n = 0;

	snprintf(buf, sizeof(buf), "%s\n\n# c\n%s\nbroken line\n", TCP, JSON);
	fp = fmemopen(buf, strlen(buf), "r");
	CHECK(ctparse_file(fp, "x.txt", count_cb, &n, err, sizeof(err)) == -EINVAL);
	fclose(fp);
	CHECK(n == 2);
	CHECK_STR(err, "x.txt:5: bad protocol number after 'broken'");
}

UNIT_MAIN()
