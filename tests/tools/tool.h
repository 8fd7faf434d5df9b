/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Argument helpers shared by the test tools.  Each tool is a standalone
 * program (one .c file, see the Makefile), so these are static inline.
 */
#ifndef CTDIAG_TOOL_H
#define CTDIAG_TOOL_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A decimal number up to max; else "PROG: bad number 'S'" and exit 2. */
static inline unsigned long tool_num(const char *prog, const char *s,
				     unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || end == s || v > max) {
		fprintf(stderr, "%s: bad number '%s'\n", prog, s);
		exit(2);
	}
	return v;
}

/* addr:port as an IPv4 socket address; else "PROG: bad address 'ADDR'"
 * and exit 2. */
static inline void tool_sin(const char *prog, struct sockaddr_in *a,
			    const char *addr, unsigned long port)
{
	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_port = htons(port);
	if (inet_pton(AF_INET, addr, &a->sin_addr) != 1) {
		fprintf(stderr, "%s: bad address '%s'\n", prog, addr);
		exit(2);
	}
}

#endif
