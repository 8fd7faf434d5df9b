// SPDX-License-Identifier: GPL-2.0
/* Saved conntrack listings: the conntrack -L text parser, the line and
 * file readers (JSON lines: ctparse_json.c).  See ctparse.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "ctfilter.h"
#include "ctparse.h"
#include "ctparse_int.h"
#include "tuple.h"
#include "util.h"

int ctp_err(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (err && len) {
		va_start(ap, fmt);
		vsnprintf(err, len, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static bool span_eq(struct span s, const char *lit)
{
	size_t n = strlen(lit);

	return s.n == n && !memcmp(s.p, lit, n);
}

/* 0x-prefixed hex or decimal */
static int span_num(struct span s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (s.n > 2 && s.p[0] == '0' && (s.p[1] == 'x' || s.p[1] == 'X')) {
		if (s.n > 18)
			return -ERANGE;
		for (i = 2; i < s.n; i++) {
			char c = s.p[i];
			unsigned int d;

			if (c >= '0' && c <= '9')
				d = c - '0';
			else if (c >= 'a' && c <= 'f')
				d = c - 'a' + 10;
			else if (c >= 'A' && c <= 'F')
				d = c - 'A' + 10;
			else
				return -EINVAL;
			v = v << 4 | d;
		}
		if (v > max)
			return -ERANGE;
		*out = v;
		return 0;
	}
	return span_u64(s, max, out);
}

int ctp_set_addr(struct ct_entry *e, int dir, bool dst, struct span v,
		    char *err, size_t errlen)
{
	struct ctdiag_tuple *t = dir ? &e->reply : &e->orig;
	char buf[INET6_ADDRSTRLEN + 1];
	uint8_t *a = dst ? t->dst : t->src;
	int fam = e->orig.l3num;

	if (!span_cstr(v, buf, sizeof(buf)))
		return ctp_err(err, errlen, "address too long");
	if (fam == 0)
		fam = strchr(buf, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(fam, buf, a) != 1)
		return ctp_err(err, errlen, "bad %s address '%s'",
			    fam == AF_INET ? "IPv4" : "IPv6", buf);
	e->orig.l3num = e->reply.l3num = fam;
	return 0;
}

int ctp_check_complete(const struct ct_entry *e, const unsigned int have[2],
			  char *err, size_t errlen)
{
	int dir;

	if (!e->orig.l3num)
		return ctp_err(err, errlen, "no addresses");
	for (dir = 0; dir < 2; dir++) {
		const char *d = dir ? "reply" : "original";

		if ((have[dir] & (HAVE_SRC | HAVE_DST)) != (HAVE_SRC | HAVE_DST))
			return ctp_err(err, errlen, "%s tuple lacks src= or dst=", d);
		if (ctp_port_proto(e->orig.protonum) &&
		    (have[dir] & (HAVE_SPORT | HAVE_DPORT)) != (HAVE_SPORT | HAVE_DPORT))
			return ctp_err(err, errlen, "%s tuple lacks sport= or dport=", d);
		if (ctp_icmp_proto(e->orig.protonum) &&
		    (have[dir] & (HAVE_TYPE | HAVE_CODE | HAVE_ICMPID)) !=
		    (HAVE_TYPE | HAVE_CODE | HAVE_ICMPID))
			return ctp_err(err, errlen, "%s tuple lacks type=, code= or id=", d);
	}
	return 0;
}

static struct span next_tok(const char **pos, const char *end)
{
	const char *p = *pos;
	struct span s;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	s.p = p;
	while (p < end && *p != ' ' && *p != '\t')
		p++;
	s.n = p - s.p;
	*pos = p;
	return s;
}

static bool is_upper_word(struct span s)
{
	size_t i;

	if (!s.n)
		return false;
	for (i = 0; i < s.n; i++)
		if (!((s.p[i] >= 'A' && s.p[i] <= 'Z') || s.p[i] == '_' ||
		      (s.p[i] >= '0' && s.p[i] <= '9')))
			return false;
	return true;
}

static bool is_lower_word(struct span s)
{
	size_t i;

	if (!s.n)
		return false;
	for (i = 0; i < s.n; i++)
		if (!((s.p[i] >= 'a' && s.p[i] <= 'z') || s.p[i] == '-' ||
		      (s.p[i] >= '0' && s.p[i] <= '9')))
			return false;
	return true;
}

int ctparse_text(const char *line, size_t len, struct ct_entry *e,
		 char *err, size_t errlen)
{
	const char *pos = line, *end = line + len;
	unsigned int have[2] = { 0, 0 };
	struct span t, key, val;
	char word[32];
	const char *prev_key = "";
	uint64_t v;
	int dir = 0, ret;

	memset(e, 0, sizeof(*e));
	if (len > CTPARSE_MAX_LINE)
		return ctp_err(err, errlen, "line longer than %d bytes", CTPARSE_MAX_LINE);

	/* [FAMILY L3NUM] PROTO PROTONUM [TIMEOUT] [STATE] */
	t = next_tok(&pos, end);
	if (span_eq(t, "ipv4") || span_eq(t, "ipv6")) {
		int fam = span_eq(t, "ipv4") ? AF_INET : AF_INET6;

		t = next_tok(&pos, end);
		if (span_u64(t, 255, &v) || v != (uint64_t)fam)
			return ctp_err(err, errlen, "layer-3 number does not match its name");
		e->orig.l3num = e->reply.l3num = fam;
		t = next_tok(&pos, end);
	}
	if (!is_lower_word(t) || !span_cstr(t, word, sizeof(word)))
		return ctp_err(err, errlen, "expected a protocol name at column %zu",
			    (size_t)(t.p - line) + 1);
	t = next_tok(&pos, end);
	if (span_u64(t, 255, &v))
		return ctp_err(err, errlen, "bad protocol number after '%s'", word);
	e->orig.protonum = e->reply.protonum = v;
	t = next_tok(&pos, end);
	if (t.n && !span_u64(t, UINT32_MAX, &v)) {
		e->timeout = v;
		e->flags |= CTE_TIMEOUT;
		t = next_tok(&pos, end);
	}
	if (is_upper_word(t)) {
		if (e->orig.protonum == IPPROTO_TCP) {
			char st[32];

			if (!span_cstr(t, st, sizeof(st)) || ct_tcp_state_parse(st) < 0)
				return ctp_err(err, errlen, "unknown TCP state '%.*s'",
					    (int)(t.n > 20 ? 20 : t.n), t.p);
			e->state = ct_tcp_state_parse(st);
			e->flags |= CTE_STATE;
		}
		t = next_tok(&pos, end);
	}

	for (; t.n; t = next_tok(&pos, end)) {
		const char *eq;

		if (t.p[0] == '[') {
			if (span_eq(t, "[UNREPLIED]")) {
				if (dir != 0 || !(have[0] & HAVE_DST))
					return ctp_err(err, errlen, "[UNREPLIED] out of place");
				e->flags |= CTE_UNREPLIED;
			} else if (span_eq(t, "[ASSURED]")) {
				e->flags |= CTE_ASSURED;
			} else if (span_eq(t, "[OFFLOAD]") || span_eq(t, "[HW_OFFLOAD]") ||
				   span_eq(t, "[SEEN_REPLY]")) {
				/* known, not needed */
			} else if (t.n > 7 && (!memcmp(t.p, "[start=", 7) ||
					      !memcmp(t.p, "[stop=", 6))) {
				/* ktimestamp: "[start=Mon Nov 23 ...]", has spaces */
				while (t.n && t.p[t.n - 1] != ']')
					t = next_tok(&pos, end);
				if (!t.n)
					return ctp_err(err, errlen, "unterminated timestamp");
			} else {
				return ctp_err(err, errlen, "unknown flag '%.*s'",
					    (int)(t.n > 24 ? 24 : t.n), t.p);
			}
			continue;
		}
		eq = memchr(t.p, '=', t.n);
		if (!eq || eq == t.p)
			return ctp_err(err, errlen, "unexpected '%.*s' at column %zu",
				    (int)(t.n > 24 ? 24 : t.n), t.p,
				    (size_t)(t.p - line) + 1);
		key.p = t.p;
		key.n = eq - t.p;
		val.p = eq + 1;
		val.n = t.n - key.n - 1;

		if (span_eq(key, "src") || span_eq(key, "dst")) {
			bool isdst = span_eq(key, "dst");

			if (!isdst && (have[0] & HAVE_SRC)) {
				if (dir == 1)
					return ctp_err(err, errlen, "more than two tuples");
				dir = 1;
			}
			if (have[dir] & (isdst ? HAVE_DST : HAVE_SRC))
				return ctp_err(err, errlen, "duplicate %s=", isdst ? "dst" : "src");
			ret = ctp_set_addr(e, dir, isdst, val, err, errlen);
			if (ret)
				return ret;
			have[dir] |= isdst ? HAVE_DST : HAVE_SRC;
			prev_key = isdst ? "dst" : "src";
			continue;
		}
		if (span_eq(key, "sport") || span_eq(key, "dport") ||
		    span_eq(key, "srckey") || span_eq(key, "dstkey")) {
			struct ctdiag_tuple *tp = dir ? &e->reply : &e->orig;
			bool s = key.p[0] == 's';

			if (span_num(val, 65535, &v))
				return ctp_err(err, errlen, "bad port '%.*s'",
					    (int)(val.n > 16 ? 16 : val.n), val.p);
			if (s)
				tp->sport = v;
			else
				tp->dport = v;
			have[dir] |= s ? HAVE_SPORT : HAVE_DPORT;
			prev_key = "port";
			continue;
		}
		if (span_eq(key, "type") || span_eq(key, "code") ||
		    (span_eq(key, "id") && !strcmp(prev_key, "code"))) {
			struct ctdiag_tuple *tp = dir ? &e->reply : &e->orig;

			if (!ctp_icmp_proto(e->orig.protonum))
				return ctp_err(err, errlen, "%.*s= in a non-ICMP entry",
					    (int)key.n, key.p);
			if (span_u64(val, key.p[0] == 'i' ? 65535 : 255, &v))
				return ctp_err(err, errlen, "bad ICMP %.*s", (int)key.n, key.p);
			if (key.p[0] == 't') {
				tp->dport = (tp->dport & 0xff) | v << 8;
				have[dir] |= HAVE_TYPE;
				prev_key = "type";
			} else if (key.p[0] == 'c') {
				tp->dport = (tp->dport & 0xff00) | v;
				have[dir] |= HAVE_CODE;
				prev_key = "code";
			} else {
				tp->sport = v;
				have[dir] |= HAVE_ICMPID;
				prev_key = "icmpid";
			}
			continue;
		}
		prev_key = "";
		if (span_eq(key, "packets") || span_eq(key, "bytes")) {
			if (span_u64(val, UINT64_MAX, &v))
				return ctp_err(err, errlen, "bad counter");
			if (key.p[0] == 'p')
				e->packets[dir] = v;
			else
				e->bytes[dir] = v;
			e->flags |= CTE_COUNTERS;
		} else if (span_eq(key, "mark")) {
			if (span_num(val, UINT32_MAX, &v))
				return ctp_err(err, errlen, "bad mark");
			e->mark = v;
			e->flags |= CTE_MARK;
		} else if (span_eq(key, "zone")) {
			if (span_u64(val, 65535, &v))
				return ctp_err(err, errlen, "bad zone");
			e->zone = v;
		} else if (span_eq(key, "use")) {
			if (span_u64(val, UINT32_MAX, &v))
				return ctp_err(err, errlen, "bad use");
			e->use = v;
			e->flags |= CTE_USE;
		} else if (span_eq(key, "id")) {
			if (e->flags & CTE_ID)
				return ctp_err(err, errlen, "duplicate id=");
			if (span_u64(val, UINT32_MAX, &v))
				return ctp_err(err, errlen, "bad id '%.*s'",
					    (int)(val.n > 16 ? 16 : val.n), val.p);
			e->id = v;
			e->flags |= CTE_ID;
		} else if (span_eq(key, "secmark") || span_eq(key, "secctx") ||
			   span_eq(key, "helper") || span_eq(key, "labels") ||
			   span_eq(key, "delta-time") || span_eq(key, "zone-orig") ||
			   span_eq(key, "zone-reply") || span_eq(key, "timeout")) {
			/* printed by some conntrack versions/options; not needed */
		} else {
			return ctp_err(err, errlen, "unknown field '%.*s='",
				    (int)(key.n > 24 ? 24 : key.n), key.p);
		}
	}
	if (dir != 1)
		return ctp_err(err, errlen, "no reply tuple");
	return ctp_check_complete(e, have, err, errlen);
}

int ctparse_line(const char *line, size_t len, struct ct_entry *e,
		 char *err, size_t errlen)
{
	size_t i = 0;

	while (i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'))
		i++;
	while (len > i && (line[len - 1] == ' ' || line[len - 1] == '\t' ||
			   line[len - 1] == '\r'))
		len--;
	if (i == len || line[i] == '#')
		return 0;
	/* conntrack's summary, if stderr was saved along */
	if (len - i > 11 && !memcmp(line + i, "conntrack v", 11))
		return 0;
	if (memchr(line + i, 0, len - i))
		return ctp_err(err, errlen, "NUL byte in line");
	if (line[i] == '{')
		return ctparse_json(line + i, len - i, e, err, errlen) ?: 1;
	return ctparse_text(line + i, len - i, e, err, errlen) ?: 1;
}

long ctparse_file(FILE *fp, const char *name,
		  int (*cb)(const struct ct_entry *e, unsigned long lineno,
			    void *arg),
		  void *arg, char *err, size_t errlen)
{
	char *line = NULL, msg[256];
	size_t cap = 0;
	ssize_t n;
	unsigned long lineno = 0;
	long count = 0;
	struct ct_entry e;
	int ret;

	while ((n = getline(&line, &cap, fp)) >= 0) {
		lineno++;
		if (n > 0 && line[n - 1] == '\n')
			n--;
		ret = ctparse_line(line, n, &e, msg, sizeof(msg));
		if (ret < 0) {
			snprintf(err, errlen, "%s:%lu: %s", name, lineno, msg);
			free(line);
			return -EINVAL;
		}
		if (ret == 0)
			continue;
		count++;
		ret = cb(&e, lineno, arg);
		if (ret) {
			free(line);
			return ret;
		}
	}
	free(line);
	if (ferror(fp)) {
		snprintf(err, errlen, "%s: read error: %s", name, strerror(errno));
		return -EIO;
	}
	return count;
}

int ct_entry_snprintf(char *buf, size_t len, const struct ct_entry *e)
{
	char o[160], r[160];

	tuple_snprintf(o, sizeof(o), &e->orig);
	tuple_snprintf(r, sizeof(r), &e->reply);
	return snprintf(buf, len,
			"l3=%u l4=%u timeout=%u state=%d %s pk=%llu by=%llu%s %s pk=%llu by=%llu%s mark=%u zone=%u use=%u id=%u",
			e->orig.l3num, e->orig.protonum, e->timeout,
			(e->flags & CTE_STATE) ? e->state : -1, o,
			(unsigned long long)e->packets[0],
			(unsigned long long)e->bytes[0],
			(e->flags & CTE_UNREPLIED) ? " [UNREPLIED]" : "", r,
			(unsigned long long)e->packets[1],
			(unsigned long long)e->bytes[1],
			(e->flags & CTE_ASSURED) ? " [ASSURED]" : "",
			e->mark, e->zone, e->use, e->id);
}
