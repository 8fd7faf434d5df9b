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
#include <sys/time.h>
#include <unistd.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include "commands.h"
#include "ctdump.h"
#include "ctfilter.h"
#include "ctlabel.h"
#include "ctmsg.h"
#include "dev.h"
#include "extsnap.h"
#include "leakjoin.h"
#include "output.h"
#include "tuple.h"
#include "util.h"

#define LS_JSON_SCHEMA_STR	"1"
/* conntrack -o xml's document around the <flow> lines */
#define XML_HEAD	"<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<conntrack>\n"
#define XML_TAIL	"</conntrack>\n"
#define XML_HEAD_EXP	"<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<expect>\n"
#define XML_TAIL_EXP	"</expect>\n"

struct ls_ctx {
	struct ct_filter f;
	unsigned int fmt_flags;		/* CT_FMT_*, as conntrack -o sets them */
	bool json;
	bool save;			/* conntrack -o save */
	bool labels;			/* conntrack -o labels */
	bool xml;			/* conntrack -o xml */
	bool xml_head;			/* its head is out (at the first entry) */
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
		"       ctdiag ls expect [-o FMT[,FMT...]] [--netns NAME|PATH] [-f FAMILY]\n"
		"\n"
		"List the conntrack table (IPv4 and IPv6), or the expectation table\n"
		"(IPv4 unless -f says otherwise).  The default output is line for line\n"
		"that of `conntrack -L` (`conntrack -L expect`); the count goes to stderr.\n"
		"\n"
		"  -o, --output FMT[,FMT...]  extended, id, ktimestamp, labels, save, xml,\n"
		"                             ext or json\n"
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
		"  labels      each entry's labels by name (/etc/xtables/connlabel.conf),\n"
		"              as conntrack -o labels\n"
		"  xml         conntrack -o xml's document (with labels, ktimestamp)\n"
		"  timestamp   expect: the time of printing first, as conntrack\n"
		"  userspace   accepted as conntrack takes it; a listing is the same\n"
		"  ext         append the module's extension record (ext_age= ext_idle=\n"
		"              ext_pkts= ext_bytes= ext_size= ext_how=, or ext=none);\n"
		"              needs ctdiag.ko\n"
		"  json        one JSON object per line (schema 1), with the extension\n"
		"              record when ctdiag.ko is loaded\n"
		"\n"
		CT_FILTER_HELP
		"\n"
		"Exit status: 0 ok, 1 runtime error, 2 usage error.\n");
}

/* conntrack -o: comma-separated, case-insensitive, no empty item */
static int parse_output(struct ls_ctx *c, const char *arg)
{
	static const struct { const char *name; unsigned int flag; } fmts[] = {
		{ "extended", CT_FMT_LAYER3 }, { "id", CT_FMT_ID },
		{ "ktimestamp", CT_FMT_TIMESTAMP }, { "save", 0 },
		/* conntrack's event formats: a conntrack listing is the
		 * same; timestamp shows in the expect listing */
		{ "timestamp", CT_FMT_TIME }, { "userspace", 0 },
		/* label names, once read from connlabel.conf (do_ls) */
		{ "labels", CT_FMT_LABELS },
		{ "xml", 0 }, { "json", 0 }, { "ext", 0 }, { "plain", 0 },
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
		else if (!strcmp(fmts[i].name, "labels"))
			c->labels = true;
		else if (!strcmp(fmts[i].name, "xml"))
			c->xml = true;
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
	if (c->xml) {
		/* conntrack's head comes with the first entry, if any */
		if (!c->xml_head)
			fputs(XML_HEAD, c->out);
		c->xml_head = true;
		if (ct_msg_format_xml(&b, m, c->fmt_flags) < 0)
			return 0;
	} else if ((c->save ? ct_msg_format_save(&b, m) :
			      ct_msg_format(&b, m, c->fmt_flags)) < 0) {
		return 0;
	}
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

/* conntrack -L expect: its line, or its XML element; -o timestamp puts
 * the time of printing first (in XML: <when>), as conntrack does */
static int ls_exp_cb(const struct ct_exp *e, void *arg)
{
	struct ls_ctx *c = arg;
	struct timeval tv;
	struct fmtbuf b;

	c->shown++;
	fb_init(&b, c->buf, sizeof(c->buf) - 1);
	if (c->xml) {
		if (!c->xml_head)
			fputs(XML_HEAD_EXP, c->out);
		c->xml_head = true;
		ct_exp_format_xml(&b, e, c->fmt_flags);
	} else {
		if (c->fmt_flags & CT_FMT_TIME) {
			gettimeofday(&tv, NULL);
			fprintf(c->out, "[%-8ld.%-6ld]\t", (long)tv.tv_sec,
				(long)tv.tv_usec);
		}
		ct_exp_format(&b, e);
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

int do_ls(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		CT_FILTER_LONGOPTS,
		{ "zero", no_argument, NULL, 'z' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct ls_ctx c;		/* big: not on the stack */
	struct ct_dump_opts dopts;
	const char *netns = NULL;
	static char obuf[1 << 20];
	bool zero = false, expect = false;
	char err[256];
	long ret;
	int opt, frc, rc = EXIT_OK;

	memset(&c, 0, sizeof(c));
	ct_filter_init(&c.f);
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "o:zh" CT_FILTER_SHORTOPTS, opts, NULL)) != -1) {
		switch (opt) {
		case 'o':
			if (parse_output(&c, optarg))
				return EXIT_USAGE;
			break;
		case 'z':
			zero = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			frc = ct_filter_opt(&c.f, &netns, opt, optarg, "ls", argv);
			if (frc >= 0)
				return frc;
		}
	}
	/* the table, as conntrack -L [TABLE] names it */
	if (optind < argc && (!strcmp(argv[optind], "expect") ||
			      !strcmp(argv[optind], "conntrack")))
		expect = !strcmp(argv[optind++], "expect");
	if (optind < argc)
		return p_usage("ls", "unexpected argument '%s'", argv[optind]);
	/* conntrack -L expect takes -f and -o only (any -o, most of which
	 * change nothing there) */
	if (expect && ((c.f.set & ~CTF_FAMILY) || zero))
		return p_usage("ls", "the expect table takes no filter but -f (nor -z)");
	if (expect && (c.json || c.ext))
		return p_usage("ls", "the expect table has no JSON or ext output");
	if (ct_filter_finish(&c.f, err, sizeof(err)))
		return p_usage("ls", "%s", err);
	if (c.save && c.nfmt > 1)
		return p_usage("ls", "cannot combine save output with any other output type, use -o save only");
	if (c.json && (c.fmt_flags & ~(CT_FMT_LABELS | CT_FMT_TIME)))
		return p_usage("ls", "-o json cannot be combined with extended, id or ktimestamp (JSON has every field)");
	if (c.xml && (c.json || c.ext))
		return p_usage("ls", "-o xml cannot be combined with json or ext");
	/* conntrack prints the labels by name once it has read the names
	 * (for -o labels or -l), none without them */
	c.fmt_flags &= ~CT_FMT_LABELS;
	if (((c.f.set & CTF_LABEL) || c.labels) && !ct_label_load())
		c.fmt_flags |= CT_FMT_LABELS;

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
	/* conntrack lists IPv4 expectations unless -f says otherwise */
	if (expect && !(c.f.set & CTF_FAMILY))
		dopts.family = AF_INET;
	ret = expect ? ct_dump_exps(&dopts, ls_exp_cb, &c) :
		       ct_dump_msgs(&dopts, ls_cb, &c);
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
	if (c.xml_head)
		fputs(expect ? XML_TAIL_EXP : XML_TAIL, stdout);
	if (fflush(stdout) != 0 && rc == EXIT_OK) {
		p_err("cannot write output: %s", strerror(errno));
		rc = EXIT_FAIL;
	}
	/* conntrack's summary, on stderr as conntrack prints it */
	if (rc == EXIT_OK)
		fprintf(stderr, "ctdiag v%s (ls): %ld %s have been shown.\n",
			CTDIAG_VERSION, c.shown,
			expect ? "expectations" : "flow entries");
	lj_destroy(c.ext_tab);
	ext_snapshot_free(&c.snap);
	return rc;
}
