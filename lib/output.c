// SPDX-License-Identifier: GPL-2.0
/*
 * JSON mode builds each top-level value in jbuf and writes it with one
 * fwrite when it is complete (or when jbuf fills up, or when a caller asks
 * for the stream with out_fp(), so direct writes stay in order); strings
 * are escaped and numbers formatted here, not by printf.  `watch -o json`
 * prints some twenty keys, strings and numbers per event: with a stdio
 * call per character and vfprintf per number it spent about 37 000
 * instructions per event (callgrind), more than the kernel spends making
 * the connection the event is about (README "Benchmarks").
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "output.h"

#define MAX_DEPTH 16

static FILE *ofp;
static bool json;
static int depth;
/* per level: has an element been written (comma needed)? */
static bool need_comma[MAX_DEPTH];
static char jbuf[16384];
static size_t jlen;

static FILE *raw_fp(void)
{
	return ofp ? ofp : stdout;
}

static void out_flush(void)
{
	if (jlen)
		fwrite(jbuf, 1, jlen, raw_fp());
	jlen = 0;
}

void out_init(FILE *fp, bool use_json)
{
	static bool registered;

	out_flush();
	ofp = fp;
	json = use_json;
	depth = 0;
	memset(need_comma, 0, sizeof(need_comma));
	if (!registered && atexit(out_flush) == 0)
		registered = true;
}

bool out_is_json(void)
{
	return json;
}

FILE *out_fp(void)
{
	out_flush();
	return raw_fp();
}

static void jput(const char *s, size_t n)
{
	if (jlen + n > sizeof(jbuf)) {
		out_flush();
		if (n > sizeof(jbuf)) {
			fwrite(s, 1, n, raw_fp());
			return;
		}
	}
	memcpy(jbuf + jlen, s, n);
	jlen += n;
}

static void jputc(char c)
{
	if (jlen == sizeof(jbuf))
		out_flush();
	jbuf[jlen++] = c;
}

/* Bytes that end a run of plain string characters: the terminating NUL,
 * control characters, '"' and '\\'. */
static const bool run_end[256] = {
	[0 ... 0x1f] = true, ['"'] = true, ['\\'] = true,
};

/* s as a JSON string literal: runs between the (rare) characters that
 * need escaping are copied whole. */
static void jstr(const char *s)
{
	const unsigned char *p = (const unsigned char *)s, *run = p;

	jputc('"');
	for (;; p++) {
		char u[8];
		const char *esc = u;

		while (!run_end[*p])
			p++;
		jput((const char *)run, (size_t)(p - run));
		if (!*p)
			break;
		switch (*p) {
		case '"': esc = "\\\""; break;
		case '\\': esc = "\\\\"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		case '\t': esc = "\\t"; break;
		default: snprintf(u, sizeof(u), "\\u%04x", *p); break;
		}
		jput(esc, strlen(esc));
		run = p + 1;
	}
	jputc('"');
}

static void ju64(uint64_t v)
{
	char buf[20], *p = buf + sizeof(buf);

	do
		*--p = (char)('0' + v % 10);
	while (v /= 10);
	jput(p, (size_t)(buf + sizeof(buf) - p));
}

void json_write_string(FILE *fp, const char *s)
{
	out_flush();
	jstr(s);
	if (fp == raw_fp()) {
		out_flush();
	} else {
		fwrite(jbuf, 1, jlen, fp);
		jlen = 0;
	}
}

static void json_key(const char *key)
{
	if (depth > 0 && need_comma[depth - 1])
		jputc(',');
	if (depth > 0)
		need_comma[depth - 1] = true;
	if (key) {
		jstr(key);
		jputc(':');
	}
}

static void json_open(const char *key, char c)
{
	if (!json)
		return;
	json_key(key);
	jputc(c);
	if (depth < MAX_DEPTH)
		need_comma[depth] = false;
	depth++;
}

static void json_close(char c)
{
	if (!json || depth == 0)
		return;
	depth--;
	jputc(c);
	if (depth == 0) {
		jputc('\n');
		out_flush();
	}
}

void open_json_object(const char *key) { json_open(key, '{'); }

void json_resume_object(void)
{
	if (!json)
		return;
	depth = 1;
	need_comma[0] = true;
}
void close_json_object(void) { json_close('}'); }
void open_json_array(const char *key) { json_open(key, '['); }
void close_json_array(void) { json_close(']'); }

static bool want(enum output_type t)
{
	return json ? (t & PRINT_JSON) : (t & PRINT_FP);
}

void print_string(enum output_type t, const char *key, const char *fmt,
		  const char *val)
{
	if (!want(t))
		return;
	if (json) {
		json_key(key);
		jstr(val ? val : "");
	} else if (fmt) {
		fprintf(out_fp(), fmt, val ? val : "");
	}
}

void print_uint(enum output_type t, const char *key, const char *fmt,
		uint64_t val)
{
	if (!want(t))
		return;
	if (json) {
		json_key(key);
		ju64(val);
	} else if (fmt) {
		fprintf(out_fp(), fmt, (unsigned long long)val);
	}
}

void print_int(enum output_type t, const char *key, const char *fmt,
	       int64_t val)
{
	if (!want(t))
		return;
	if (json) {
		json_key(key);
		if (val < 0)
			jputc('-');
		ju64(val < 0 ? 0 - (uint64_t)val : (uint64_t)val);
	} else if (fmt) {
		fprintf(out_fp(), fmt, (long long)val);
	}
}

void print_float(enum output_type t, const char *key, const char *fmt,
		 double val)
{
	if (!want(t))
		return;
	if (json) {
		char buf[32];

		json_key(key);
		if (val != val)
			snprintf(buf, sizeof(buf), "null");
		else
			snprintf(buf, sizeof(buf), "%.6g", val);
		jput(buf, strlen(buf));
	} else if (fmt) {
		fprintf(out_fp(), fmt, val);
	}
}

void print_bool(enum output_type t, const char *key, const char *fmt,
		bool val)
{
	if (!want(t))
		return;
	if (json) {
		json_key(key);
		jput(val ? "true" : "false", val ? 4 : 5);
	} else if (fmt) {
		fprintf(out_fp(), fmt, val ? "true" : "false");
	}
}

void print_null(enum output_type t, const char *key, const char *fmt)
{
	if (!want(t))
		return;
	if (json) {
		json_key(key);
		jput("null", 4);
	} else if (fmt) {
		fputs(fmt, out_fp());
	}
}

void print_text(const char *fmt, ...)
{
	va_list ap;

	if (json)
		return;
	va_start(ap, fmt);
	vfprintf(out_fp(), fmt, ap);
	va_end(ap);
}

void print_nl(void)
{
	if (!json)
		fputc('\n', out_fp());
}

/* On stderr, never stdout: a script reading stdout as JSON data must not
 * take an error for an entry. */
void out_json_error(const char *msg)
{
	FILE *fp = stderr;

	out_flush();
	fflush(stdout);		/* what came before the error stays before it */
	fputs("{\"error\":", fp);
	json_write_string(fp, msg);
	fputs("}\n", fp);
	fflush(fp);
}
