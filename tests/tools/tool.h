/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the test tools (arguments, sockets, the two-thread
 * barrier of the race tools).  Each tool is a standalone program (one .c
 * file, see the Makefile), so these are static inline.
 */
#ifndef CTDIAG_TOOL_H
#define CTDIAG_TOOL_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
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

/* A socket of type bound to addr:port with SO_REUSEADDR (a client's fixed
 * source port); -1 after "PROG: socket" or "PROG: bind" (perror). */
static inline int tool_socket_from(const char *prog, int type,
				   const char *addr, unsigned long port)
{
	struct sockaddr_in a;
	char what[64];
	int fd, one = 1;

	fd = socket(AF_INET, type, 0);
	if (fd < 0) {
		snprintf(what, sizeof(what), "%s: socket", prog);
		perror(what);
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	tool_sin(prog, &a, addr, port);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		snprintf(what, sizeof(what), "%s: bind", prog);
		perror(what);
		close(fd);
		return -1;
	}
	return fd;
}

/* Wait for fd to be readable: > 0 readable, 0 timed out (a server that
 * stops when idle: timeout_ms counts from the first arrival, so callers
 * pass idle_ms once something came and 60000 before), < 0 error. */
static inline int tool_wait_in(int fd, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int n;

	do
		n = poll(&pfd, 1, timeout_ms);
	while (n < 0 && errno == EINTR);
	return n;
}

/* Pin the calling thread to cpu; 0 or an error number. */
static inline int tool_pin_cpu(long cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

/*
 * Busy-wait barrier of two threads, for the race tools: a futex wake-up
 * of the other thread takes far longer (an IPI, and on a TCG guest a vCPU
 * thread to schedule) than the windows they aim at.  yield: sched_yield()
 * while waiting instead of spinning.
 */
struct tool_spin {
	int count, gen;
};

static inline void tool_spin_barrier(struct tool_spin *s, bool yield)
{
	int gen = __atomic_load_n(&s->gen, __ATOMIC_ACQUIRE);

	if (__atomic_add_fetch(&s->count, 1, __ATOMIC_ACQ_REL) == 2) {
		__atomic_store_n(&s->count, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&s->gen, gen + 1, __ATOMIC_RELEASE);
		return;
	}
	while (__atomic_load_n(&s->gen, __ATOMIC_ACQUIRE) == gen)
		if (yield)
			sched_yield();
}

#endif
