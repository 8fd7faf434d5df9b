/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A field written once for both outputs, after iproute2's
 * print_*(PRINT_ANY, ...) but into a fmtbuf and without printf (the hot
 * paths: ls's entries, leaks' lines): each call names the field's text
 * key and its JSON key, so a listing's text and its JSON cannot carry
 * different facts.  Used by lib/ctfmt.c (conntrack entries) and
 * cli/leaks.c (leaked records).
 *
 * Text: "TKEYvalue " per field (each followed by a space); JSON:
 * "jkey":value members, commas between them.
 */
#ifndef CTDIAG_FIELDOUT_H
#define CTDIAG_FIELDOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "fmtbuf.h"

/* Every writer is inlined into its callers, each of which passes a
 * constant json (one caller per output): the text path keeps no branch
 * on it. */
#ifndef __always_inline
#define __always_inline	inline __attribute__((always_inline))
#endif

struct ct_out {
	struct fmtbuf	*b;
	bool		json;
	bool		comma;		/* JSON: a member before at this level */
};

/* ---- the two writers --------------------------------------------------- */

static __always_inline void j_key(struct ct_out *o, const char *key)
{
	if (o->comma)
		fb_putc(o->b, ',');
	o->comma = true;
	fb_putc(o->b, '"');
	fb_puts(o->b, key);
	fb_lit(o->b, "\":");
}

/* s (n bytes) as a JSON string literal */
static inline void j_str(struct fmtbuf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	fb_putc(b, '"');
	for (i = 0; i < n; i++) {
		unsigned char c = s[i];

		if (c == '"' || c == '\\') {
			fb_putc(b, '\\');
			fb_putc(b, c);
		} else if (c < 0x20) {
			fb_lit(b, "\\u00");
			fb_putc(b, hex[c >> 4]);
			fb_putc(b, hex[c & 15]);
		} else {
			fb_putc(b, c);
		}
	}
	fb_putc(b, '"');
}

static __always_inline void j_open(struct ct_out *o, const char *key)
{
	j_key(o, key);
	fb_putc(o->b, '{');
	o->comma = false;
}

static __always_inline void j_close(struct ct_out *o)
{
	fb_putc(o->b, '}');
	o->comma = true;
}

/* A number: text "TKEYv " (TKEY a literal such as "mark="), JSON
 * "jkey":v.  jkey NULL: text only; TKEY NULL: JSON only. */
static __always_inline void num(struct ct_out *o, const char *jkey, const char *tkey,
		size_t tlen, uint64_t v)
{
	if (o->json) {
		if (!jkey)
			return;
		j_key(o, jkey);
		fb_u64(o->b, v);
		return;
	}
	if (!tkey)
		return;
	fb_mem(o->b, tkey, tlen);
	fb_u64(o->b, v);
	fb_putc(o->b, ' ');
}
#define NUM(o, jkey, tkey, v)	num((o), (jkey), "" tkey, sizeof(tkey) - 1, (v))
#define JNUM(o, jkey, v)	num((o), (jkey), NULL, 0, (v))

/* A string of n bytes: text "TKEYs ", JSON "jkey":"s". */
static __always_inline void str(struct ct_out *o, const char *jkey, const char *tkey,
		size_t tlen, const char *s, size_t n)
{
	if (o->json) {
		j_key(o, jkey);
		j_str(o->b, s, n);
		return;
	}
	fb_mem(o->b, tkey, tlen);
	fb_mem(o->b, s, n);
	fb_putc(o->b, ' ');
}
#define STR(o, jkey, tkey, s, n) str((o), (jkey), "" tkey, sizeof(tkey) - 1, (s), (n))
#define WORD(o, jkey, s)	str((o), (jkey), "", 0, (s), strlen(s))

/* Text-only literal (a derived fact JSON has as a number). */
#define TEXT(o, lit)	do { if (!(o)->json) fb_lit((o)->b, lit); } while (0)

#endif
