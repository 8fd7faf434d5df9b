// SPDX-License-Identifier: GPL-2.0
/*
 * `ctdiag ls -o json` lines (schema 1) into struct ct_entry, for offline
 * `ctdiag leaks --conntrack`: a small strict JSON reader of our own (one
 * object per line, bounded depth, no NUL termination needed), enough for
 * what ls prints and nothing else.  See ctparse.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "ctfilter.h"
#include "ctparse.h"
#include "ctparse_int.h"
#include "util.h"

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
		return ctp_err(j->err, j->errlen, "JSON: expected an object");
	if (++j->depth > 16)
		return ctp_err(j->err, j->errlen, "JSON: nested too deeply");
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
				return ctp_err(j->err, j->errlen, "JSON: expected ',' or '}'");
			j->p++;
			jws(j);
		}
		first = false;
		ret = jstring(j, key, sizeof(key));
		if (ret == -ENAMETOOLONG) {
			key[0] = 0;	/* a long key is none of ours: skip */
		} else if (ret) {
			return ctp_err(j->err, j->errlen, "JSON: expected a member name");
		}
		jws(j);
		if (j->p >= j->end || *j->p != ':')
			return ctp_err(j->err, j->errlen, "JSON: expected ':'");
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
		return ctp_err(j->err, j->errlen, "JSON: \"%s\" is not an unsigned integer in range", key);
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
			return ctp_err(j->err, j->errlen, "JSON: \"%s\" is not an address string", key);
		sp.p = s;
		sp.n = strlen(s);
		ret = ctp_set_addr(e, je->dir, key[0] == 'd', sp, j->err, j->errlen);
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
		return ctp_err(j->err, j->errlen, "JSON: bad value of \"%s\"", key);
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
			return ctp_err(j->err, j->errlen, "JSON: schema %llu, this ctdiag reads schema 1",
				    (unsigned long long)v);
		je->schema = true;
	} else if (!strcmp(key, "l3num")) {
		if (jfield_uint(j, key, 255, &v))
			return -EINVAL;
		if (v != AF_INET && v != AF_INET6)
			return ctp_err(j->err, j->errlen, "JSON: l3num %llu is not ipv4 or ipv6",
				    (unsigned long long)v);
		if (e->orig.l3num && e->orig.l3num != v)
			return ctp_err(j->err, j->errlen, "JSON: l3num does not match the addresses");
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
			return ctp_err(j->err, j->errlen, "JSON: bad \"state\"");
		st = ct_tcp_state_parse(s);
		/* SCTP and DCCP states are not kept (protonum comes first) */
		if (st < 0 && e->orig.protonum == IPPROTO_TCP)
			return ctp_err(j->err, j->errlen, "JSON: bad \"state\"");
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
		return ctp_err(j->err, j->errlen, "JSON: bad value of \"%s\"", key);
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
		return ctp_err(err, errlen, "line longer than %d bytes", CTPARSE_MAX_LINE);
	ret = jobject(&j, jentry_member, &je);
	if (ret)
		return ret;
	jws(&j);
	if (j.p != j.end)
		return ctp_err(err, errlen, "JSON: trailing data after the object");
	if (!je.schema)
		return ctp_err(err, errlen, "JSON: no \"schema\" (not a ctdiag ls -o json line)");
	return ctp_check_complete(e, je.have, err, errlen);
}
