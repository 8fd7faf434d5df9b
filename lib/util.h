/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTDIAG_UTIL_H
#define CTDIAG_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Exit statuses, documented in ctdiag(8). */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,		/* runtime failure */
	EXIT_USAGE = 2,		/* usage error */
	EXIT_LEAKS = 3,		/* ctdiag leaks: leaked records found */
	EXIT_DEGRADED = 4,	/* ctdiag doctor: ctdiag cannot work fully here */
	EXIT_STALE = 5,		/* ctdiag stale: stale entries found */
	EXIT_NOACCT = 6,	/* ctdiag stale: no packet counters, cannot tell */
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* "ctdiag: error: ..." on stderr, or {"error": "..."} on stderr in JSON
 * mode (stdout carries only data).  One line; no trailing newline in fmt. */
void p_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void p_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Usage error: message plus a hint to run --help; caller returns EXIT_USAGE. */
int p_usage(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* After getopt_long returned '?' (with opterr = 0): the usage error
 * naming the option; returns EXIT_USAGE. */
int getopt_usage_error(const char *cmd, char **argv);
/* -o plain|json (the last one given wins): 0, or EXIT_USAGE after the
 * usage error. */
int parse_output_opt(const char *cmd, const char *arg, bool *json);
/*
 * The options a subcommand shares with the others, for the default: case
 * of its getopt switch: -o plain|json, -h/--help (help(stdout)) and what
 * getopt rejected.  Returns -1 to go on parsing, else the status to exit
 * with (EXIT_OK after the help, EXIT_USAGE after a usage error).
 */
int parse_common_opt(const char *cmd, int opt, char **argv, bool *json,
		     void (*help)(FILE *fp));
/* After the getopt loop: an argument left over is a usage error.  0, or
 * EXIT_USAGE after the usage error. */
int check_no_args(const char *cmd, int argc, char **argv);

/* Strict number parsing: whole string, range-checked. 0 or -EINVAL/-ERANGE. */
int parse_u64(const char *s, uint64_t *out, uint64_t max);
int parse_u32(const char *s, uint32_t *out);
int parse_double(const char *s, double *out);

/* Clocks, ns. */
uint64_t now_real_ns(void);
uint64_t now_boot_ns(void);
uint64_t now_mono_ns(void);

#endif
