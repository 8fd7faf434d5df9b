// SPDX-License-Identifier: GPL-2.0
/* printf-free text appends: see fmtbuf.h. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "fmtbuf.h"

static const char digits2[201] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

void fb_u64(struct fmtbuf *b, uint64_t v)
{
	char tmp[20], *q = tmp + sizeof(tmp);

	while (v >= 100) {
		unsigned int r = v % 100;

		v /= 100;
		q -= 2;
		memcpy(q, &digits2[r * 2], 2);
	}
	if (v >= 10) {
		q -= 2;
		memcpy(q, &digits2[v * 2], 2);
	} else {
		*--q = '0' + v;
	}
	fb_mem(b, q, tmp + sizeof(tmp) - q);
}

void fb_hex(struct fmtbuf *b, uint64_t v)
{
	char tmp[16], *q = tmp + sizeof(tmp);

	do {
		*--q = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v);
	fb_mem(b, q, tmp + sizeof(tmp) - q);
}

void fb_pad(struct fmtbuf *b, const char *s, unsigned int width)
{
	size_t n = strlen(s);

	fb_mem(b, s, n);
	while (n++ < width)
		fb_putc(b, ' ');
}

void fb_ipv4(struct fmtbuf *b, const uint8_t a[4])
{
	int i;

	for (i = 0; i < 4; i++) {
		if (i)
			fb_putc(b, '.');
		fb_u64(b, a[i]);
	}
}

void fb_ipv6(struct fmtbuf *b, const uint8_t a[16])
{
	char tmp[INET6_ADDRSTRLEN];

	/* rare enough on the hot paths; inet_ntop's zero-run and embedded
	 * IPv4 rules are what conntrack prints */
	if (inet_ntop(AF_INET6, a, tmp, sizeof(tmp)))
		fb_puts(b, tmp);
}
