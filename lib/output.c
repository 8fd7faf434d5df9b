// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <string.h>
#include "output.h"

#define MAX_DEPTH 16

static FILE *ofp;
static bool json;
static int depth;
/* per level: has an element been written (comma needed)? */
static bool need_comma[MAX_DEPTH];

void out_init(FILE *fp, bool use_json)
{
	ofp = fp;
	json = use_json;
	depth = 0;
	memset(need_comma, 0, sizeof(need_comma));
}

bool out_is_json(void)
{
	return json;
}

FILE *out_fp(void)
{
	return ofp ? ofp : stdout;
}

void json_write_string(FILE *fp, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', fp);
	for (; *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", fp); break;
		case '\\': fputs("\\\\", fp); break;
		case '\n': fputs("\\n", fp); break;
		case '\r': fputs("\\r", fp); break;
		case '\t': fputs("\\t", fp); break;
		default:
			if (*p < 0x20)
				fprintf(fp, "\\u%04x", *p);
			else
				fputc(*p, fp);
		}
	}
	fputc('"', fp);
}

static void json_key(const char *key)
{
	FILE *fp = out_fp();

	if (depth > 0 && need_comma[depth - 1])
		fputc(',', fp);
	if (depth > 0)
		need_comma[depth - 1] = true;
	if (key) {
		json_write_string(fp, key);
		fputc(':', fp);
	}
}

static void json_open(const char *key, char c)
{
	if (!json)
		return;
	json_key(key);
	fputc(c, out_fp());
	if (depth < MAX_DEPTH)
		need_comma[depth] = false;
	depth++;
}

static void json_close(char c)
{
	if (!json || depth == 0)
		return;
	depth--;
	fputc(c, out_fp());
	if (depth == 0)
		fputc('\n', out_fp());
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
		json_write_string(out_fp(), val ? val : "");
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
		fprintf(out_fp(), "%llu", (unsigned long long)val);
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
		fprintf(out_fp(), "%lld", (long long)val);
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
		json_key(key);
		if (val != val)
			fputs("null", out_fp());
		else
			fprintf(out_fp(), "%.6g", val);
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
		fputs(val ? "true" : "false", out_fp());
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
		fputs("null", out_fp());
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

	fflush(stdout);		/* what came before the error stays before it */
	fputs("{\"error\":", fp);
	json_write_string(fp, msg);
	fputs("}\n", fp);
	fflush(fp);
}
