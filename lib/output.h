/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One output path for plain text and JSON, after iproute2's json_print.h:
 * every field is printed once with print_*(PRINT_ANY, "key", "fmt", v), so
 * the two formats cannot drift apart.  PRINT_FP prints only in plain mode,
 * PRINT_JSON only in JSON mode.
 *
 * JSON mode writes one object per line (JSON Lines): a top-level
 * open_json_object(NULL) ... close_json_object() emits one line.
 */
#ifndef CTDIAG_OUTPUT_H
#define CTDIAG_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum output_type {
	PRINT_FP = 1,
	PRINT_JSON = 2,
	PRINT_ANY = 3,
};

void out_init(FILE *fp, bool json);
bool out_is_json(void);
FILE *out_fp(void);

void open_json_object(const char *key);
/* The caller wrote '{' and members of a top-level object itself: go on
 * with print_*() inside it (close_json_object() ends the line). */
void json_resume_object(void);
void close_json_object(void);
void open_json_array(const char *key);
void close_json_array(void);

void print_string(enum output_type t, const char *key, const char *fmt,
		  const char *val);
void print_uint(enum output_type t, const char *key, const char *fmt,
		uint64_t val);
void print_int(enum output_type t, const char *key, const char *fmt,
	       int64_t val);
void print_float(enum output_type t, const char *key, const char *fmt,
		 double val);
void print_bool(enum output_type t, const char *key, const char *fmt,
		bool val);
void print_null(enum output_type t, const char *key, const char *fmt);
/* Plain-only literal text (no key). */
void print_text(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* End of a plain line; no-op in JSON mode. */
void print_nl(void);

/* {"error":"..."} line on stderr, used by p_err() in JSON mode. */
void out_json_error(const char *msg);
/* Write s as a JSON string literal (with quotes) to fp. */
void json_write_string(FILE *fp, const char *s);

#endif
