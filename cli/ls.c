// SPDX-License-Identifier: GPL-2.0
/*
 * ctdiag ls: the conntrack table, printed exactly as `conntrack -L` prints
 * it (lib/ctmsg: libnetfilter_conntrack's default format, flags as
 * conntrack-tools' dump callback sets them, without its cost), or as JSON
 * lines, optionally annotated with the module's extension record for each
 * entry.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include "ctdiag.h"
#include "ctdump.h"
#include "ctfilter.h"
#include "ctmsg.h"
#include "event.h"
#include "dev.h"
#include "extsnap.h"
#include "leakjoin.h"
#include "output.h"
#include "tuple.h"
#include "util.h"

#define LS_JSON_SCHEMA_STR	"1"

/* getopt values of the long-only options: the ct_filter bit they set
 * (enum ct_filter_opt), OPT_FILTER added so they never clash with a
 * letter; the conntrack options ls does not take map to OPT_UNSUPPORTED
 * (they are in the table so that abbreviations are ambiguous exactly
 * where they are for conntrack: --ma is --mark or --mask-src). */
enum {
	OPT_UNSUPPORTED = 256,
	OPT_ICMPV6,
	OPT_FILTER = 512,
};
#define FOPT(bit)	(OPT_FILTER + __builtin_ctz(bit))

struct ls_ctx {
	struct ct_filter f;
	unsigned int fmt_flags;		/* CT_FMT_*, as conntrack -o sets them */
	bool json;
	bool save;			/* conntrack -o save */
	unsigned int nfmt;		/* -o items given */
	bool ext;			/* annotate with extension records */
	struct ext_snapshot snap;
	struct lj_table *ext_tab;
	uint32_t netns;
	FILE *out;
	long shown;
	char buf[65536 + 4096];		/* a secctx may be 64 KiB */
};

static void usage(FILE *fp)
{
	fprintf(fp,
		"Usage: ctdiag ls [-o FMT[,FMT...]] [--netns NAME|PATH] [-z] [FILTER...]\n"
		"\n"
		"List the conntrack table (IPv4 and IPv6).  The default output is\n"
		"line for line that of `conntrack -L`; the count goes to stderr.\n"
		"\n"
		"  -o, --output FMT[,FMT...]  extended, id, ktimestamp, save, ext or json\n"
		"  -N, --netns NAME|PATH      list another network namespace\n"
		"                             (/run/netns/NAME or a path), as ip -n\n"
		"  -z, --zero                 zero the counters while listing\n"
		"  -h, --help                 show this help\n"
		"\n"
		"Output formats (comma-separated):\n"
		"  extended    the layer-3 protocol, as conntrack -o extended\n"
		"  id          the conntrack id, as conntrack -o id\n"
		"  ktimestamp  start/stop timestamps, as conntrack -o ktimestamp\n"
		"  save        conntrack arguments that add each entry again, as\n"
		"              conntrack -o save (alone)\n"
		"  timestamp, userspace, labels\n"
		"              accepted as conntrack takes them; a listing is the\n"
		"              same (ctdiag prints no label names)\n"
		"  ext         append the module's extension record (ext_age= ext_idle=\n"
		"              ext_pkts= ext_bytes= ext_size= ext_how=, or ext=none);\n"
		"              needs ctdiag.ko\n"
		"  json        one JSON object per line (schema 1), with the extension\n"
		"              record when ctdiag.ko is loaded\n"
		"\n"
		"Filters (conntrack's names and meaning; mark, status, family and zone\n"
		"are also applied by the kernel where it can):\n"
		"  -p, --proto PROTO          layer-4 protocol, name or number\n"
		"      --protonum PROTO       the same\n"
		"  -s, --src ADDR[/LEN]       original source address or network\n"
		"      --orig-src ADDR[/LEN]  the same\n"
		"  -d, --dst ADDR[/LEN]       original destination address or network\n"
		"      --orig-dst ADDR[/LEN]  the same\n"
		"      --mask-src MASK        netmask of -s, as an address\n"
		"      --mask-dst MASK        netmask of -d, as an address\n"
		"  -r, --reply-src ADDR       reply source address\n"
		"  -q, --reply-dst ADDR       reply destination address\n"
		"      --sport PORT           original source port (needs -p)\n"
		"      --orig-port-src PORT   the same\n"
		"      --dport PORT           original destination port (needs -p)\n"
		"      --orig-port-dst PORT   the same\n"
		"      --reply-port-src PORT  reply source port (needs -p)\n"
		"      --reply-port-dst PORT  reply destination port (needs -p)\n"
		"      --state STATE          TCP, SCTP or DCCP state, e.g. ESTABLISHED\n"
		"      --icmp-type TYPE       ICMP type (needs -p icmp)\n"
		"      --icmp-code CODE       ICMP code\n"
		"      --icmp-id ID           ICMP id\n"
		"      --icmpv6-type TYPE     ICMPv6 type (needs -p icmpv6)\n"
		"      --icmpv6-code CODE     ICMPv6 code\n"
		"      --icmpv6-id ID         ICMPv6 id\n"
		"      --srckey KEY           GRE key, original source (needs -p gre)\n"
		"      --orig-key-src KEY     the same\n"
		"      --dstkey KEY           GRE key, original destination\n"
		"      --orig-key-dst KEY     the same\n"
		"      --reply-key-src KEY    GRE key, reply source\n"
		"      --reply-key-dst KEY    GRE key, reply destination\n"
		"  -n, --src-nat [IP[:PORT]]  source-NATed (to IP[:PORT])\n"
		"  -g, --dst-nat [IP[:PORT]]  destination-NATed (to IP[:PORT])\n"
		"  -j, --any-nat [IP[:PORT]]  either\n"
		"  -m, --mark MARK[/MASK]     entries with (mark & MASK) == MARK\n"
		"  -w, --zone ZONE            conntrack zone\n"
		"      --orig-zone ZONE       zone of the original tuple\n"
		"      --reply-zone ZONE      zone of the reply tuple\n"
		"  -f, --family FAMILY        ipv4 or ipv6\n"
		"  -u, --status FLAG[,FLAG]   all of ASSURED, SEEN_REPLY, FIXED_TIMEOUT,\n"
		"                             EXPECTED, OFFLOAD, HW_OFFLOAD\n"
		"\n"
		"Exit status: 0 ok, 1 runtime error, 2 usage error.\n");
}

/* conntrack -o: comma-separated, case-insensitive, no empty item */
static int parse_output(struct ls_ctx *c, const char *arg)
{
	static const struct { const char *name; unsigned int flag; } fmts[] = {
		{ "extended", CT_FMT_LAYER3 }, { "id", CT_FMT_ID },
		{ "ktimestamp", CT_FMT_TIMESTAMP }, { "save", 0 },
		/* conntrack's event-only formats: a listing is the same */
		{ "timestamp", 0 }, { "userspace", 0 },
		/* labels: names need connlabel.conf; ctdiag prints none */
		{ "labels", 0 },
		{ "json", 0 }, { "ext", 0 }, { "plain", 0 },
	};

	const char *p = arg, *comma;
	unsigned int i;
	size_t len;

	for (;;) {
		comma = strchr(p, ',');
		len = comma ? (size_t)(comma - p) : strlen(p);
		for (i = 0; i < ARRAY_SIZE(fmts); i++)
			if (len && strlen(fmts[i].name) == len &&
			    !strncasecmp(p, fmts[i].name, len))
				break;
		if (i == ARRAY_SIZE(fmts))
			return p_usage("ls", "unknown output format '%.*s'",
				       (int)len, p);
		c->fmt_flags |= fmts[i].flag;
		if (!strcmp(fmts[i].name, "json"))
			c->json = true;
		else if (!strcmp(fmts[i].name, "ext"))
			c->ext = true;
		else if (!strcmp(fmts[i].name, "save"))
			c->save = true;
		c->nfmt++;
		if (!comma)
			return 0;
		p = comma + 1;
	}
}

static const struct ctdiag_ext_rec *ext_of(struct ls_ctx *c,
					   const struct ct_msg *m)
{
	struct ctdiag_tuple t;
	struct lj_key k;
	int64_t i;

	if (!c->ext_tab)
		return NULL;
	ct_msg_tuple(m, 0, &t);
	lj_key_make(&k, m->id, c->netns, &t);
	i = lj_lookup(c->ext_tab, &k);
	return i < 0 ? NULL : &c->snap.recs[i];
}

static uint64_t ns_since(uint64_t now, uint64_t then)
{
	return now > then ? now - then : 0;
}

static void print_ext(struct ls_ctx *c, const struct ctdiag_ext_rec *r)
{
	uint64_t now = c->snap.now_boot_ns;

	if (!r) {
		print_null(PRINT_JSON, "ext", NULL);
		print_text(" ext=none");
		return;
	}
	open_json_object("ext");
	print_uint(PRINT_ANY, "age_s", " ext_age=%llu",
		   ns_since(now, r->created_boot_ns) / 1000000000ull);
	print_uint(PRINT_ANY, "idle_s", " ext_idle=%llu",
		   ns_since(now, r->last_seen_boot_ns) / 1000000000ull);
	print_uint(PRINT_FP, NULL, " ext_pkts=%llu", r->pkts[0] + r->pkts[1]);
	print_uint(PRINT_FP, NULL, " ext_bytes=%llu", r->bytes[0] + r->bytes[1]);
	print_uint(PRINT_JSON, "pkts_orig", NULL, r->pkts[0]);
	print_uint(PRINT_JSON, "pkts_reply", NULL, r->pkts[1]);
	print_uint(PRINT_JSON, "bytes_orig", NULL, r->bytes[0]);
	print_uint(PRINT_JSON, "bytes_reply", NULL, r->bytes[1]);
	print_uint(PRINT_ANY, "size", " ext_size=%llu", r->size);
	print_string(PRINT_ANY, "how", " ext_how=%s", ext_how_name(r->how));
	close_json_object();
}

/* One JSON line: the fields of lib/ctfmt.c's walk (the same the text
 * shows), then what only ls knows: the namespace and the extension
 * record. */
static void print_json(struct ls_ctx *c, const struct ct_msg *m)
{
	struct fmtbuf b;

	fb_init(&b, c->buf, sizeof(c->buf) - 2);
	fb_lit(&b, "{\"schema\":" LS_JSON_SCHEMA_STR);
	if (ct_msg_format_json(&b, m) < 0)
		return;
	fb_lit(&b, ",\"netns\":");
	fb_u64(&b, c->netns);
	if (b.over) {			/* never cut a JSON line */
		p_warn("entry id %u too large for a JSON line: skipped", m->id);
		return;
	}
	if (c->ext_tab) {
		fwrite_unlocked(c->buf, 1, fb_len(&b, c->buf), c->out);
		json_resume_object();
		print_ext(c, ext_of(c, m));
		close_json_object();
		return;
	}
	*b.p++ = '}';			/* room kept by the - 2 above */
	*b.p++ = '\n';
	fwrite_unlocked(c->buf, 1, fb_len(&b, c->buf), c->out);
}

static int ls_cb(const struct ct_msg *m, void *arg)
{
	struct ls_ctx *c = arg;
	struct fmtbuf b;

	if (!ct_filter_match(&c->f, m))
		return 0;
	c->shown++;
	if (c->json) {
		print_json(c, m);
		return 0;
	}
	fb_init(&b, c->buf, sizeof(c->buf) - 1);
	if ((c->save ? ct_msg_format_save(&b, m) :
		       ct_msg_format(&b, m, c->fmt_flags)) < 0)
		return 0;
	if (c->ext) {
		fwrite_unlocked(c->buf, 1, fb_len(&b, c->buf), c->out);
		fflush_unlocked(c->out);	/* rare path; keeps order with print_* */
		print_ext(c, ext_of(c, m));
		putc_unlocked('\n', c->out);
		return 0;
	}
	*b.p++ = '\n';			/* room kept by the - 1 above */
	fwrite_unlocked(c->buf, 1, fb_len(&b, c->buf), c->out);
	return 0;
}

static int load_ext(struct ls_ctx *c, bool required)
{
	struct ctdiag_info info;
	size_t i;
	int fd, ret;

	fd = required ? ctdiag_dev_open(O_WRONLY, &info)
		      : ctdiag_dev_open_quiet(O_WRONLY, &info);
	if (fd < 0)
		return required ? fd : 0;
	ret = ext_snapshot_take(fd, &c->snap);
	close(fd);
	if (ret) {
		p_err("cannot take a snapshot of extension records: %s", strerror(-ret));
		return ret;
	}
	c->ext_tab = lj_create(c->snap.n);
	if (!c->ext_tab) {
		p_err("out of memory for %zu extension records", c->snap.n);
		return -ENOMEM;
	}
	for (i = 0; i < c->snap.n; i++) {
		struct lj_key k;

		lj_key_make(&k, c->snap.recs[i].ct_id, c->snap.recs[i].netns,
			    &c->snap.recs[i].orig);
		if (lj_insert(c->ext_tab, &k, i)) {
			p_err("out of memory for %zu extension records", c->snap.n);
			return -ENOMEM;
		}
	}
	return 0;
}

/* -n/-g/-j take an optional IP[:PORT]: attached (-n1.2.3.4,
 * --src-nat=1.2.3.4) or, as conntrack reads it, the next word when that
 * is not an option. */
static const char *nat_arg(int argc, char **argv)
{
	if (optarg)
		return optarg;
	if (optind < argc && argv[optind][0] != '-')
		return argv[optind++];
	return NULL;
}

int do_ls(int argc, char **argv)
{
#define F(name, bit)	{ name, required_argument, NULL, FOPT(bit) }
#define U(name, arg)	{ name, arg, NULL, OPT_UNSUPPORTED }
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "proto", required_argument, NULL, 'p' },
		{ "protonum", required_argument, NULL, 'p' },
		{ "src", required_argument, NULL, 's' },
		{ "orig-src", required_argument, NULL, 's' },
		{ "dst", required_argument, NULL, 'd' },
		{ "orig-dst", required_argument, NULL, 'd' },
		{ "reply-src", required_argument, NULL, 'r' },
		{ "reply-dst", required_argument, NULL, 'q' },
		F("mask-src", CTF_MASK_SRC),
		F("mask-dst", CTF_MASK_DST),
		F("sport", CTF_SPORT),
		F("orig-port-src", CTF_SPORT),
		F("dport", CTF_DPORT),
		F("orig-port-dst", CTF_DPORT),
		F("reply-port-src", CTF_REPLY_SPORT),
		F("reply-port-dst", CTF_REPLY_DPORT),
		F("state", CTF_STATE),
		F("icmp-type", CTF_ICMP_TYPE),
		F("icmp-code", CTF_ICMP_CODE),
		F("icmp-id", CTF_ICMP_ID),
		{ "icmpv6-type", required_argument, NULL, OPT_ICMPV6 + 0 },
		{ "icmpv6-code", required_argument, NULL, OPT_ICMPV6 + 1 },
		{ "icmpv6-id", required_argument, NULL, OPT_ICMPV6 + 2 },
		F("srckey", CTF_GRE_SKEY),
		F("orig-key-src", CTF_GRE_SKEY),
		F("dstkey", CTF_GRE_DKEY),
		F("orig-key-dst", CTF_GRE_DKEY),
		F("reply-key-src", CTF_GRE_RSKEY),
		F("reply-key-dst", CTF_GRE_RDKEY),
		{ "src-nat", optional_argument, NULL, 'n' },
		{ "dst-nat", optional_argument, NULL, 'g' },
		{ "any-nat", optional_argument, NULL, 'j' },
		{ "mark", required_argument, NULL, 'm' },
		{ "zone", required_argument, NULL, 'w' },
		F("orig-zone", CTF_ORIG_ZONE),
		F("reply-zone", CTF_REPLY_ZONE),
		{ "family", required_argument, NULL, 'f' },
		{ "status", required_argument, NULL, 'u' },
		{ "zero", no_argument, NULL, 'z' },
		{ "netns", required_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		/* conntrack's, not taken by ls (see the comment at OPT_FILTER) */
		U("label", required_argument), U("label-add", required_argument),
		U("label-del", optional_argument), U("secmark", required_argument),
		U("timeout", required_argument), U("event-mask", required_argument),
		U("buffer-size", required_argument), U("tuple-src", required_argument),
		U("tuple-dst", required_argument), U("nat-range", required_argument),
		U("id", optional_argument), U("load-file", required_argument),
		U("stats", no_argument), U("version", no_argument),
		U("mask-port-src", required_argument),
		U("mask-port-dst", required_argument),
		U("tuple-port-src", required_argument),
		U("tuple-port-dst", required_argument),
		U("orig-vtag", required_argument), U("reply-vtag", required_argument),
		U("role", required_argument),
		{ NULL, 0, NULL, 0 },
	};
#undef F
#undef U
	static const unsigned int letters[128] = {
		['p'] = CTF_PROTO, ['s'] = CTF_SRC, ['d'] = CTF_DST,
		['r'] = CTF_REPLY_SRC, ['q'] = CTF_REPLY_DST,
		['m'] = CTF_MARK, ['w'] = CTF_ZONE, ['f'] = CTF_FAMILY,
		['u'] = CTF_STATUS, ['n'] = CTF_SNAT, ['g'] = CTF_DNAT,
		['j'] = CTF_ANYNAT,
	};
	static const unsigned int icmpv6[] = {
		CTF_ICMP_TYPE, CTF_ICMP_CODE, CTF_ICMP_ID,
	};
	static struct ls_ctx c;		/* big: not on the stack */
	struct ct_dump_opts dopts;
	const char *netns = NULL, *arg;
	static char obuf[1 << 20];
	unsigned int fopt;
	bool zero = false;
	char err[256];
	long ret;
	int opt, rc = EXIT_OK;

	memset(&c, 0, sizeof(c));
	ct_filter_init(&c.f);
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "o:p:s:d:r:q:m:w:f:u:n::g::j::zN:h",
				  opts, NULL)) != -1) {
		fopt = 0;
		arg = optarg;
		switch (opt) {
		case 'o':
			if (parse_output(&c, optarg))
				return EXIT_USAGE;
			break;
		case 'n': case 'g': case 'j':
			arg = nat_arg(argc, argv);
			fopt = letters[opt];
			break;
		case 'z':
			zero = true;
			break;
		case 'N':
			netns = optarg;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case OPT_UNSUPPORTED:
			return p_usage("ls", "%s is a conntrack option that ctdiag ls does not take",
				       argv[optind - 1]);
		case OPT_ICMPV6:
		case OPT_ICMPV6 + 1:
		case OPT_ICMPV6 + 2:
			fopt = icmpv6[opt - OPT_ICMPV6] | CTF_ICMPV6;
			break;
		default:
			if (opt >= OPT_FILTER && opt < OPT_FILTER + 32)
				fopt = 1u << (opt - OPT_FILTER);
			else if (opt > 0 && opt < 128 && letters[opt])
				fopt = letters[opt];
			else
				return getopt_usage_error("ls", argv);
		}
		if (fopt && ct_filter_set(&c.f, fopt, arg, err, sizeof(err)))
			return p_usage("ls", "%s", err);
	}
	if (optind < argc)
		return p_usage("ls", "unexpected argument '%s'", argv[optind]);
	if (ct_filter_finish(&c.f, err, sizeof(err)))
		return p_usage("ls", "%s", err);
	if (c.save && c.nfmt > 1)
		return p_usage("ls", "cannot combine save output with any other output type, use -o save only");
	if (c.json && c.fmt_flags)
		return p_usage("ls", "-o json cannot be combined with extended, id or ktimestamp (JSON has every field)");

	out_init(stdout, c.json);
	c.out = stdout;
	setvbuf(stdout, obuf, _IOFBF, sizeof(obuf));

	/* the snapshot first: a record whose conntrack is created during the
	 * dump then just shows ext=none, never a stale record */
	if (c.ext || c.json) {
		/* -o ext (also with json) needs the module; json alone
		 * annotates when it is there */
		if (load_ext(&c, c.ext) < 0) {
			rc = EXIT_FAIL;
			goto out;
		}
	}
	if (netns && netns_enter(netns) < 0) {
		rc = EXIT_FAIL;
		goto out;
	}
	netns_fd_inode(-1, &c.netns);

	ct_dump_opts_init(&dopts);
	ct_filter_dump_opts(&c.f, &dopts);
	dopts.zero = zero;
	ret = ct_dump_msgs(&dopts, ls_cb, &c);
	if (ret < 0) {
		fflush(stdout);
		if (ret == -EPERM || ret == -EACCES)
			p_err("cannot dump the conntrack table: permission denied (needs root or CAP_NET_ADMIN)");
		else if (ret == -EPROTONOSUPPORT || ret == -ENOENT)
			p_err("cannot dump the conntrack table: ctnetlink not available (modprobe nf_conntrack_netlink)");
		else if (ret == -ENOBUFS)
			p_err("cannot dump the conntrack table: receive buffer overrun (retry; the table changes fast)");
		else
			p_err("cannot dump the conntrack table: %s", strerror(-ret));
		rc = EXIT_FAIL;
	}
out:
	if (fflush(stdout) != 0 && rc == EXIT_OK) {
		p_err("cannot write output: %s", strerror(errno));
		rc = EXIT_FAIL;
	}
	/* conntrack's summary, on stderr as conntrack prints it */
	if (rc == EXIT_OK)
		fprintf(stderr, "ctdiag v%s (ls): %ld flow entries have been shown.\n",
			CTDIAG_VERSION, c.shown);
	lj_destroy(c.ext_tab);
	ext_snapshot_free(&c.snap);
	return rc;
}
