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

void fb_mem_cut(struct fmtbuf *b, const void *s, size_t n)
{
	size_t room = b->end - b->p;

	memcpy(b->p, s, n < room ? n : room);
	b->p += n < room ? n : room;
	b->over = b->over || n > room;
}

static inline unsigned int ndigits(uint64_t v)
{
	unsigned int n = 1;

	for (; v >= 10000; v /= 10000)
		n += 4;
	return n + (v >= 10) + (v >= 100) + (v >= 1000);
}

/* The n decimal digits of v, written backwards from q + n. */
static inline void put_digits(char *q, uint64_t v, unsigned int n)
{
	q += n;
	while (v >= 100) {
		unsigned int r = v % 100;

		v /= 100;
		q -= 2;
		memcpy(q, &digits2[r * 2], 2);
	}
	if (v >= 10)
		memcpy(q - 2, &digits2[v * 2], 2);
	else
		q[-1] = '0' + v;
}

void fb_u64(struct fmtbuf *b, uint64_t v)
{
	unsigned int n = ndigits(v);
	char tmp[20];

	if (__builtin_expect(b->end - b->p >= n, 1)) {
		put_digits(b->p, v, n);	/* straight into place */
		b->p += n;
		return;
	}
	put_digits(tmp, v, n);
	fb_mem_cut(b, tmp, n);
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
	char tmp[16], *q = tmp;
	int i;

	for (i = 0; i < 4; i++) {
		unsigned int v = a[i];

		if (v >= 100) {
			*q++ = '0' + v / 100;
			v %= 100;
			memcpy(q, &digits2[v * 2], 2);
			q += 2;
		} else if (v >= 10) {
			memcpy(q, &digits2[v * 2], 2);
			q += 2;
		} else {
			*q++ = '0' + v;
		}
		*q++ = '.';
	}
	fb_mem(b, tmp, q - tmp - 1);	/* without the last dot */
}

void fb_ipv6(struct fmtbuf *b, const uint8_t a[16])
{
	char tmp[INET6_ADDRSTRLEN];

	/* rare enough on the hot paths; inet_ntop's zero-run and embedded
	 * IPv4 rules are what conntrack prints */
	if (inet_ntop(AF_INET6, a, tmp, sizeof(tmp)))
		fb_puts(b, tmp);
}
