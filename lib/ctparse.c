// SPDX-License-Identifier: GPL-2.0
/* Saved conntrack listings (text and ctdiag JSON): see ctparse.h. */
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
#include "tuple.h"
#include "util.h"

static int perr(char *err, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int perr(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (err && len) {
		va_start(ap, fmt);
		vsnprintf(err, len, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* A (pointer, length) string: nothing here relies on NUL termination. */
struct span {
	const char *p;
	size_t n;
};

static bool span_eq(struct span s, const char *lit)
{
	size_t n = strlen(lit);

	return s.n == n && !memcmp(s.p, lit, n);
}

/* Copy s to a NUL-terminated buffer; false if it does not fit. */
static bool span_cstr(struct span s, char *buf, size_t len)
{
	if (s.n >= len)
		return false;
	memcpy(buf, s.p, s.n);
	buf[s.n] = 0;
	return true;
}

static int span_u64(struct span s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (s.n == 0 || s.n > 20)
		return -EINVAL;
	for (i = 0; i < s.n; i++) {
		unsigned int d;

		if (s.p[i] < '0' || s.p[i] > '9')
			return -EINVAL;
		d = s.p[i] - '0';
		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	if (v > max)
		return -ERANGE;
	*out = v;
	return 0;
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

static bool port_proto(uint8_t p)
{
	return p == IPPROTO_TCP || p == IPPROTO_UDP || p == IPPROTO_UDPLITE ||
	       p == IPPROTO_SCTP || p == IPPROTO_DCCP;
}

static bool icmp_proto(uint8_t p)
{
	return p == IPPROTO_ICMP || p == IPPROTO_ICMPV6;
}

/* What each direction's tuple has seen, for the completeness check. */
enum {
	HAVE_SRC = 1, HAVE_DST = 2, HAVE_SPORT = 4, HAVE_DPORT = 8,
	HAVE_TYPE = 16, HAVE_CODE = 32, HAVE_ICMPID = 64,
};

static int set_addr(struct ct_entry *e, int dir, bool dst, struct span v,
		    char *err, size_t errlen)
{
	struct ctdiag_tuple *t = dir ? &e->reply : &e->orig;
	char buf[INET6_ADDRSTRLEN + 1];
	uint8_t *a = dst ? t->dst : t->src;
	int fam = e->orig.l3num;

	if (!span_cstr(v, buf, sizeof(buf)))
		return perr(err, errlen, "address too long");
	if (fam == 0)
		fam = strchr(buf, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(fam, buf, a) != 1)
		return perr(err, errlen, "bad %s address '%s'",
			    fam == AF_INET ? "IPv4" : "IPv6", buf);
	e->orig.l3num = e->reply.l3num = fam;
	return 0;
}

static int check_complete(const struct ct_entry *e, const unsigned int have[2],
			  char *err, size_t errlen)
{
	int dir;

	if (!e->orig.l3num)
		return perr(err, errlen, "no addresses");
	for (dir = 0; dir < 2; dir++) {
		const char *d = dir ? "reply" : "original";

		if ((have[dir] & (HAVE_SRC | HAVE_DST)) != (HAVE_SRC | HAVE_DST))
			return perr(err, errlen, "%s tuple lacks src= or dst=", d);
		if (port_proto(e->orig.protonum) &&
		    (have[dir] & (HAVE_SPORT | HAVE_DPORT)) != (HAVE_SPORT | HAVE_DPORT))
			return perr(err, errlen, "%s tuple lacks sport= or dport=", d);
		if (icmp_proto(e->orig.protonum) &&
		    (have[dir] & (HAVE_TYPE | HAVE_CODE | HAVE_ICMPID)) !=
		    (HAVE_TYPE | HAVE_CODE | HAVE_ICMPID))
			return perr(err, errlen, "%s tuple lacks type=, code= or id=", d);
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
		return perr(err, errlen, "line longer than %d bytes", CTPARSE_MAX_LINE);

	/* [FAMILY L3NUM] PROTO PROTONUM [TIMEOUT] [STATE] */
	t = next_tok(&pos, end);
	if (span_eq(t, "ipv4") || span_eq(t, "ipv6")) {
		int fam = span_eq(t, "ipv4") ? AF_INET : AF_INET6;

		t = next_tok(&pos, end);
		if (span_u64(t, 255, &v) || v != (uint64_t)fam)
			return perr(err, errlen, "layer-3 number does not match its name");
		e->orig.l3num = e->reply.l3num = fam;
		t = next_tok(&pos, end);
	}
	if (!is_lower_word(t) || !span_cstr(t, word, sizeof(word)))
		return perr(err, errlen, "expected a protocol name at column %zu",
			    (size_t)(t.p - line) + 1);
	t = next_tok(&pos, end);
	if (span_u64(t, 255, &v))
		return perr(err, errlen, "bad protocol number after '%s'", word);
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
				return perr(err, errlen, "unknown TCP state '%.*s'",
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
					return perr(err, errlen, "[UNREPLIED] out of place");
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
					return perr(err, errlen, "unterminated timestamp");
			} else {
				return perr(err, errlen, "unknown flag '%.*s'",
					    (int)(t.n > 24 ? 24 : t.n), t.p);
			}
			continue;
		}
		eq = memchr(t.p, '=', t.n);
		if (!eq || eq == t.p)
			return perr(err, errlen, "unexpected '%.*s' at column %zu",
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
					return perr(err, errlen, "more than two tuples");
				dir = 1;
			}
			if (have[dir] & (isdst ? HAVE_DST : HAVE_SRC))
				return perr(err, errlen, "duplicate %s=", isdst ? "dst" : "src");
			ret = set_addr(e, dir, isdst, val, err, errlen);
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
				return perr(err, errlen, "bad port '%.*s'",
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

			if (!icmp_proto(e->orig.protonum))
				return perr(err, errlen, "%.*s= in a non-ICMP entry",
					    (int)key.n, key.p);
			if (span_u64(val, key.p[0] == 'i' ? 65535 : 255, &v))
				return perr(err, errlen, "bad ICMP %.*s", (int)key.n, key.p);
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
				return perr(err, errlen, "bad counter");
			if (key.p[0] == 'p')
				e->packets[dir] = v;
			else
				e->bytes[dir] = v;
			e->flags |= CTE_COUNTERS;
		} else if (span_eq(key, "mark")) {
			if (span_num(val, UINT32_MAX, &v))
				return perr(err, errlen, "bad mark");
			e->mark = v;
			e->flags |= CTE_MARK;
		} else if (span_eq(key, "zone")) {
			if (span_u64(val, 65535, &v))
				return perr(err, errlen, "bad zone");
			e->zone = v;
		} else if (span_eq(key, "use")) {
			if (span_u64(val, UINT32_MAX, &v))
				return perr(err, errlen, "bad use");
			e->use = v;
			e->flags |= CTE_USE;
		} else if (span_eq(key, "id")) {
			if (e->flags & CTE_ID)
				return perr(err, errlen, "duplicate id=");
			if (span_u64(val, UINT32_MAX, &v))
				return perr(err, errlen, "bad id '%.*s'",
					    (int)(val.n > 16 ? 16 : val.n), val.p);
			e->id = v;
			e->flags |= CTE_ID;
		} else if (span_eq(key, "secmark") || span_eq(key, "secctx") ||
			   span_eq(key, "helper") || span_eq(key, "labels") ||
			   span_eq(key, "delta-time") || span_eq(key, "zone-orig") ||
			   span_eq(key, "zone-reply") || span_eq(key, "timeout")) {
			/* printed by some conntrack versions/options; not needed */
		} else {
			return perr(err, errlen, "unknown field '%.*s='",
				    (int)(key.n > 24 ? 24 : key.n), key.p);
		}
	}
	if (dir != 1)
		return perr(err, errlen, "no reply tuple");
	return check_complete(e, have, err, errlen);
}

/* ---- JSON (ctdiag ls -o json) ------------------------------------- */

struct jp {
	const char *p, *end;
	char *err;
	size_t errlen;
	int depth;
};

static void jws(struct jp *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' ||
				 *j->p == '\r' || *j->p == '\n'))
		j->p++;
}

/* A string; out (if non-NULL) gets it NUL-terminated, truncated strings
 * are an error. */
static int jstring(struct jp *j, char *out, size_t outlen)
{
	size_t n = 0;

	if (j->p >= j->end || *j->p != '"')
		return -EINVAL;
	j->p++;
	while (j->p < j->end && *j->p != '"') {
		char c = *j->p++;

		if ((unsigned char)c < 0x20)
			return -EINVAL;
		if (c == '\\') {
			if (j->p >= j->end)
				return -EINVAL;
			c = *j->p++;
			switch (c) {
			case '"': case '\\': case '/': break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			case 't': c = '\t'; break;
			case 'u': {
				int i;

				if (j->end - j->p < 4)
					return -EINVAL;
				for (i = 0; i < 4; i++)
					if (!strchr("0123456789abcdefABCDEF", j->p[i]) || !j->p[i])
						return -EINVAL;
				j->p += 4;
				c = '?';
				break;
			}
			default:
				return -EINVAL;
			}
		}
		if (out) {
			if (n + 1 >= outlen)
				return -ENAMETOOLONG;
			out[n++] = c;
		}
	}
	if (j->p >= j->end)
		return -EINVAL;
	j->p++;
	if (out)
		out[n] = 0;
	return 0;
}

/* An unsigned integer (our fields never have fractions or signs). */
static int juint(struct jp *j, uint64_t max, uint64_t *out)
{
	struct span s = { j->p, 0 };

	while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
		j->p++;
	s.n = j->p - s.p;
	if (j->p < j->end && (*j->p == '.' || *j->p == 'e' || *j->p == 'E'))
		return -EINVAL;
	return span_u64(s, max, out);
}

static int jskip(struct jp *j);

static int jskip_container(struct jp *j, char close)
{
	bool first = true;

	if (++j->depth > 16)
		return -ELOOP;
	j->p++;
	for (;;) {
		jws(j);
		if (j->p < j->end && *j->p == close) {
			j->p++;
			j->depth--;
			return 0;
		}
		if (!first) {
			if (j->p >= j->end || *j->p != ',')
				return -EINVAL;
			j->p++;
			jws(j);
		}
		first = false;
		if (close == '}') {
			if (jstring(j, NULL, 0))
				return -EINVAL;
			jws(j);
			if (j->p >= j->end || *j->p != ':')
				return -EINVAL;
			j->p++;
			jws(j);
		}
		if (jskip(j))
			return -EINVAL;
	}
}

static int jlit(struct jp *j, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(j->end - j->p) < n || memcmp(j->p, lit, n))
		return -EINVAL;
	j->p += n;
	return 0;
}

static int jskip(struct jp *j)
{
	uint64_t v;

	jws(j);
	if (j->p >= j->end)
		return -EINVAL;
	switch (*j->p) {
	case '{': return jskip_container(j, '}');
	case '[': return jskip_container(j, ']');
	case '"': return jstring(j, NULL, 0);
	case 't': return jlit(j, "true");
	case 'f': return jlit(j, "false");
	case 'n': return jlit(j, "null");
	case '-':
		j->p++;
		/* fall through */
	default:
		if (juint(j, UINT64_MAX, &v))
			return -EINVAL;
		if (j->p < j->end && *j->p == '.') {
			j->p++;
			if (juint(j, UINT64_MAX, &v))
				return -EINVAL;
		}
		if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
			j->p++;
			if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
				j->p++;
			if (juint(j, UINT64_MAX, &v))
				return -EINVAL;
		}
		return 0;
	}
}

/* Iterate an object's members: calls fn(key) with j->p at the value. */
static int jobject(struct jp *j, int (*fn)(struct jp *j, const char *key,
					     void *arg), void *arg)
{
	char key[32];
	bool first = true;
	int ret;

	jws(j);
	if (j->p >= j->end || *j->p != '{')
		return perr(j->err, j->errlen, "JSON: expected an object");
	if (++j->depth > 16)
		return perr(j->err, j->errlen, "JSON: nested too deeply");
	j->p++;
	for (;;) {
		jws(j);
		if (j->p < j->end && *j->p == '}') {
			j->p++;
			j->depth--;
			return 0;
		}
		if (!first) {
			if (j->p >= j->end || *j->p != ',')
				return perr(j->err, j->errlen, "JSON: expected ',' or '}'");
			j->p++;
			jws(j);
		}
		first = false;
		ret = jstring(j, key, sizeof(key));
		if (ret == -ENAMETOOLONG) {
			key[0] = 0;	/* a long key is none of ours: skip */
		} else if (ret) {
			return perr(j->err, j->errlen, "JSON: expected a member name");
		}
		jws(j);
		if (j->p >= j->end || *j->p != ':')
			return perr(j->err, j->errlen, "JSON: expected ':'");
		j->p++;
		jws(j);
		ret = fn(j, key, arg);
		if (ret)
			return ret;
	}
}

struct jentry {
	struct ct_entry *e;
	unsigned int have[2];
	int dir;
	bool schema;
};

static int jfield_uint(struct jp *j, const char *key, uint64_t max, uint64_t *v)
{
	if (juint(j, max, v))
		return perr(j->err, j->errlen, "JSON: \"%s\" is not an unsigned integer in range", key);
	return 0;
}

static int jtuple_member(struct jp *j, const char *key, void *arg)
{
	struct jentry *je = arg;
	struct ct_entry *e = je->e;
	struct ctdiag_tuple *t = je->dir ? &e->reply : &e->orig;
	unsigned int *have = &je->have[je->dir];
	char s[INET6_ADDRSTRLEN + 1];
	uint64_t v;
	int ret;

	if (!strcmp(key, "src") || !strcmp(key, "dst")) {
		struct span sp;

		if (jstring(j, s, sizeof(s)))
			return perr(j->err, j->errlen, "JSON: \"%s\" is not an address string", key);
		sp.p = s;
		sp.n = strlen(s);
		ret = set_addr(e, je->dir, key[0] == 'd', sp, j->err, j->errlen);
		if (ret)
			return ret;
		*have |= key[0] == 'd' ? HAVE_DST : HAVE_SRC;
	} else if (!strcmp(key, "sport") || !strcmp(key, "dport") ||
		   !strcmp(key, "srckey") || !strcmp(key, "dstkey")) {
		/* GRE keys sit where the ports do, as in the text */
		if (jfield_uint(j, key, 65535, &v))
			return -EINVAL;
		if (key[0] == 's')
			t->sport = v;
		else
			t->dport = v;
		*have |= key[0] == 's' ? HAVE_SPORT : HAVE_DPORT;
	} else if (!strcmp(key, "type") || !strcmp(key, "code")) {
		if (jfield_uint(j, key, 255, &v))
			return -EINVAL;
		if (key[0] == 't')
			t->dport = (t->dport & 0xff) | v << 8;
		else
			t->dport = (t->dport & 0xff00) | v;
		*have |= key[0] == 't' ? HAVE_TYPE : HAVE_CODE;
	} else if (!strcmp(key, "id")) {
		if (jfield_uint(j, key, 65535, &v))
			return -EINVAL;
		t->sport = v;
		*have |= HAVE_ICMPID;
	} else if (!strcmp(key, "packets") || !strcmp(key, "bytes")) {
		if (jfield_uint(j, key, UINT64_MAX, &v))
			return -EINVAL;
		if (key[0] == 'p')
			e->packets[je->dir] = v;
		else
			e->bytes[je->dir] = v;
		e->flags |= CTE_COUNTERS;
	} else if (jskip(j)) {
		return perr(j->err, j->errlen, "JSON: bad value of \"%s\"", key);
	}
	return 0;
}

static int jentry_member(struct jp *j, const char *key, void *arg)
{
	struct jentry *je = arg;
	struct ct_entry *e = je->e;
	char s[32];
	uint64_t v;

	if (!strcmp(key, "schema")) {
		if (jfield_uint(j, key, UINT32_MAX, &v))
			return -EINVAL;
		if (v != 1)
			return perr(j->err, j->errlen, "JSON: schema %llu, this ctdiag reads schema 1",
				    (unsigned long long)v);
		je->schema = true;
	} else if (!strcmp(key, "l3num")) {
		if (jfield_uint(j, key, 255, &v))
			return -EINVAL;
		if (v != AF_INET && v != AF_INET6)
			return perr(j->err, j->errlen, "JSON: l3num %llu is not ipv4 or ipv6",
				    (unsigned long long)v);
		if (e->orig.l3num && e->orig.l3num != v)
			return perr(j->err, j->errlen, "JSON: l3num does not match the addresses");
		e->orig.l3num = e->reply.l3num = v;
	} else if (!strcmp(key, "protonum")) {
		if (jfield_uint(j, key, 255, &v))
			return -EINVAL;
		e->orig.protonum = e->reply.protonum = v;
	} else if (!strcmp(key, "timeout")) {
		if (jfield_uint(j, key, UINT32_MAX, &v))
			return -EINVAL;
		e->timeout = v;
		e->flags |= CTE_TIMEOUT;
	} else if (!strcmp(key, "state")) {
		int st;

		if (jstring(j, s, sizeof(s)))
			return perr(j->err, j->errlen, "JSON: bad \"state\"");
		st = ct_tcp_state_parse(s);
		/* SCTP and DCCP states are not kept (protonum comes first) */
		if (st < 0 && e->orig.protonum == IPPROTO_TCP)
			return perr(j->err, j->errlen, "JSON: bad \"state\"");
		if (st >= 0 && e->orig.protonum == IPPROTO_TCP) {
			e->state = st;
			e->flags |= CTE_STATE;
		}
	} else if (!strcmp(key, "orig") || !strcmp(key, "reply")) {
		je->dir = key[0] == 'r';
		return jobject(j, jtuple_member, je);
	} else if (!strcmp(key, "status")) {
		if (jfield_uint(j, key, UINT32_MAX, &v))
			return -EINVAL;
		if (!(v & (1u << 1)))		/* IPS_SEEN_REPLY */
			e->flags |= CTE_UNREPLIED;
		if (v & (1u << 2))		/* IPS_ASSURED */
			e->flags |= CTE_ASSURED;
	} else if (!strcmp(key, "mark")) {
		if (jfield_uint(j, key, UINT32_MAX, &v))
			return -EINVAL;
		e->mark = v;
		e->flags |= CTE_MARK;
	} else if (!strcmp(key, "zone")) {
		if (jfield_uint(j, key, 65535, &v))
			return -EINVAL;
		e->zone = v;
	} else if (!strcmp(key, "use")) {
		if (jfield_uint(j, key, UINT32_MAX, &v))
			return -EINVAL;
		e->use = v;
		e->flags |= CTE_USE;
	} else if (!strcmp(key, "id")) {
		if (jfield_uint(j, key, UINT32_MAX, &v))
			return -EINVAL;
		e->id = v;
		e->flags |= CTE_ID;
	} else if (!strcmp(key, "netns")) {
		if (jfield_uint(j, key, UINT32_MAX, &v))
			return -EINVAL;
		e->netns = v;
		e->flags |= CTE_NETNS;
	} else if (jskip(j)) {
		return perr(j->err, j->errlen, "JSON: bad value of \"%s\"", key);
	}
	return 0;
}

int ctparse_json(const char *line, size_t len, struct ct_entry *e,
		 char *err, size_t errlen)
{
	struct jentry je = { .e = e };
	struct jp j = { .p = line, .end = line + len, .err = err, .errlen = errlen };
	int ret;

	memset(e, 0, sizeof(*e));
	if (len > CTPARSE_MAX_LINE)
		return perr(err, errlen, "line longer than %d bytes", CTPARSE_MAX_LINE);
	ret = jobject(&j, jentry_member, &je);
	if (ret)
		return ret;
	jws(&j);
	if (j.p != j.end)
		return perr(err, errlen, "JSON: trailing data after the object");
	if (!je.schema)
		return perr(err, errlen, "JSON: no \"schema\" (not a ctdiag ls -o json line)");
	return check_complete(e, je.have, err, errlen);
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
		return perr(err, errlen, "NUL byte in line");
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
