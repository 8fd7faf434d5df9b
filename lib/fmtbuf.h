/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Appending text to a fixed buffer without printf: the hot output paths
 * (ctdiag ls on 200k entries, ctdiag leaks printing 800k lines) spent
 * more time in vfprintf's format interpretation than in everything else
 * they do.  Every append is bounds-checked: what does not fit is cut off
 * and remembered in `over`, never written past the end.
 */
#ifndef CTDIAG_FMTBUF_H
#define CTDIAG_FMTBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct fmtbuf {
	char	*p;		/* next byte to write */
	char	*end;		/* one past the last usable byte */
	bool	over;		/* something was cut off */
};

static inline void fb_init(struct fmtbuf *b, char *buf, size_t len)
{
	b->p = buf;
	b->end = buf + len;
	b->over = false;
}

void fb_mem_cut(struct fmtbuf *b, const void *s, size_t n);

static inline void fb_mem(struct fmtbuf *b, const void *s, size_t n)
{
	if (__builtin_expect(n > (size_t)(b->end - b->p), 0)) {
		fb_mem_cut(b, s, n);
		return;
	}
	memcpy(b->p, s, n);	/* n is often a constant: inlined */
	b->p += n;
}

static inline void fb_putc(struct fmtbuf *b, char c)
{
	if (b->p < b->end)
		*b->p++ = c;
	else
		b->over = true;
}

static inline void fb_puts(struct fmtbuf *b, const char *s)
{
	fb_mem(b, s, strlen(s));
}

/* A string literal: its length is known at compile time. */
#define fb_lit(b, s)	fb_mem((b), "" s, sizeof(s) - 1)

/* v in decimal (%llu). */
void fb_u64(struct fmtbuf *b, uint64_t v);
/* v in lower-case hex without 0x (%llx). */
void fb_hex(struct fmtbuf *b, uint64_t v);
/* s, then spaces up to width (%-*s). */
void fb_pad(struct fmtbuf *b, const char *s, unsigned int width);
/* Dotted quad of a network-order address (inet_ntoa, inet_ntop). */
void fb_ipv4(struct fmtbuf *b, const uint8_t a[4]);
/* inet_ntop(AF_INET6) text of a 16-byte address. */
void fb_ipv6(struct fmtbuf *b, const uint8_t a[16]);

static inline size_t fb_len(const struct fmtbuf *b, const char *start)
{
	return b->p - start;
}

#endif
