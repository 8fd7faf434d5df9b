/* SPDX-License-Identifier: GPL-2.0 */
/* What the two listing parsers (ctparse.c: text, ctparse_json.c: JSON)
 * share: error text, addresses, the completeness check.  Private to them. */
#ifndef CTDIAG_CTPARSE_INT_H
#define CTDIAG_CTPARSE_INT_H

#include <stdbool.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <netinet/in.h>
#include "ctparse.h"

/* Format the reason into err; returns -EINVAL. */
int ctp_err(char *err, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A (pointer, length) string: nothing here relies on NUL termination. */
struct span {
	const char *p;
	size_t n;
};

/* Copy s to a NUL-terminated buffer; false if it does not fit. */
static inline bool span_cstr(struct span s, char *buf, size_t len)
{
	if (s.n >= len)
		return false;
	memcpy(buf, s.p, s.n);
	buf[s.n] = 0;
	return true;
}

/* Decimal digits only, at most max.  0, -EINVAL or -ERANGE. */
static inline int span_u64(struct span s, uint64_t max, uint64_t *out)
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

static inline bool ctp_port_proto(uint8_t p)
{
	return p == IPPROTO_TCP || p == IPPROTO_UDP || p == IPPROTO_UDPLITE ||
	       p == IPPROTO_SCTP || p == IPPROTO_DCCP;
}
static inline bool ctp_icmp_proto(uint8_t p)
{
	return p == IPPROTO_ICMP || p == IPPROTO_ICMPV6;
}

/* What each direction's tuple has seen, for the completeness check. */
enum {
	HAVE_SRC = 1, HAVE_DST = 2, HAVE_SPORT = 4, HAVE_DPORT = 8,
	HAVE_TYPE = 16, HAVE_CODE = 32, HAVE_ICMPID = 64,
};

/* Address v of direction dir (dst or src); sets the family. */
int ctp_set_addr(struct ct_entry *e, int dir, bool dst, struct span v,
		 char *err, size_t errlen);
/* Both tuples have what their protocol needs. */
int ctp_check_complete(const struct ct_entry *e, const unsigned int have[2],
		       char *err, size_t errlen);

#endif
