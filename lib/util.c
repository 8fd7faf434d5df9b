// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "output.h"
#include "util.h"

static void vmsg(const char *kind, const char *fmt, va_list ap)
{
	char buf[1024];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (out_is_json() && !strcmp(kind, "error")) {
		out_json_error(buf);
		return;
	}
	fflush(stdout);
	fprintf(stderr, "ctdiag: %s: %s\n", kind, buf);
}

void p_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("error", fmt, ap);
	va_end(ap);
}

void p_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("warning", fmt, ap);
	va_end(ap);
}

int p_usage(const char *cmd, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fflush(stdout);
	fprintf(stderr, "ctdiag: error: %s\n", buf);
	fprintf(stderr, "Try 'ctdiag %s%s--help' for more information.\n",
		cmd ? cmd : "", cmd ? " " : "");
	return EXIT_USAGE;
}

int getopt_usage_error(const char *cmd, char **argv)
{
	const char *arg = argv[optind - 1];

	if (optopt > 0 && optopt < 128 && arg && arg[0] == '-' && arg[1] != '-')
		return p_usage(cmd, "option '-%c' is unknown or needs an argument",
			       optopt);
	return p_usage(cmd, "option '%s' is unknown or needs an argument",
		       arg ? arg : "?");
}

int parse_output_opt(const char *cmd, const char *arg, bool *json)
{
	if (!strcmp(arg, "json"))
		*json = true;
	else if (!strcmp(arg, "plain"))
		*json = false;
	else
		return p_usage(cmd, "unknown output format '%s'", arg);
	return 0;
}

int parse_common_opt(const char *cmd, int opt, char **argv, bool *json,
		     void (*help)(FILE *fp))
{
	switch (opt) {
	case 'o':
		return parse_output_opt(cmd, optarg, json) ? EXIT_USAGE : -1;
	case 'h':
		help(stdout);
		return EXIT_OK;
	default:
		return getopt_usage_error(cmd, argv);
	}
}

int check_no_args(const char *cmd, int argc, char **argv)
{
	if (optind < argc)
		return p_usage(cmd, "unexpected argument '%s'", argv[optind]);
	return 0;
}

int parse_u64(const char *s, uint64_t *out, uint64_t max)
{
	unsigned long long v;
	char *end;

	if (!s || !*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (*end)
		return -EINVAL;
	if (errno == ERANGE || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int parse_u32(const char *s, uint32_t *out)
{
	uint64_t v;
	int ret = parse_u64(s, &v, UINT32_MAX);

	if (!ret)
		*out = (uint32_t)v;
	return ret;
}

int parse_double(const char *s, double *out)
{
	char *end;
	double v;

	if (!s || !*s)
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (*end || errno || v != v)
		return -EINVAL;
	*out = v;
	return 0;
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

uint64_t now_real_ns(void) { return clock_ns(CLOCK_REALTIME); }
uint64_t now_boot_ns(void) { return clock_ns(CLOCK_BOOTTIME); }
uint64_t now_mono_ns(void) { return clock_ns(CLOCK_MONOTONIC); }
