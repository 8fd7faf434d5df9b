// SPDX-License-Identifier: GPL-2.0
/*
 * udpflow - one long-lived UDP flow and a UDP echo server, for the
 * ctdiag stale tests (a client retrying from one source port at a service
 * VIP whose backend goes away).
 *
 *   udpflow echo ADDR:PORT
 *	Bind, print "ready", then send every datagram back to its sender,
 *	until killed.
 *   udpflow send SRC:SPORT DST:DPORT [-i MS] [-n COUNT]
 *	One socket bound to SRC:SPORT sends a datagram to DST:DPORT every
 *	MS milliseconds (default 200), COUNT times (default: until killed),
 *	and prints "reply N" (N counting from 1) for each datagram that
 *	comes back.  Send errors (an ICMP error reported on the socket) are
 *	ignored: the flow keeps going, as a retrying resolver does.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include "tool.h"

static void addr(struct sockaddr_in *a, const char *s)
{
	char buf[64], *colon;

	if (strlen(s) >= sizeof(buf) || !(colon = strchr(strcpy(buf, s), ':'))) {
		fprintf(stderr, "udpflow: bad address '%s' (ADDR:PORT)\n", s);
		exit(2);
	}
	*colon = 0;
	tool_sin("udpflow", a, buf, tool_num("udpflow", colon + 1, 65535));
}

static int bound(const char *s)
{
	struct sockaddr_in a;
	int fd, one = 1;

	addr(&a, s);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("udpflow: socket");
		exit(1);
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		perror("udpflow: bind");
		exit(1);
	}
	return fd;
}

static int do_echo(const char *where)
{
	char buf[2048];
	struct sockaddr_in from;
	socklen_t len;
	ssize_t n;
	int fd = bound(where);

	printf("ready\n");
	fflush(stdout);
	for (;;) {
		len = sizeof(from);
		n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("udpflow: recvfrom");
			return 1;
		}
		sendto(fd, buf, n, 0, (struct sockaddr *)&from, len);
	}
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ull + ts.tv_nsec / 1000000;
}

static int do_send(const char *src, const char *dst, unsigned long ms,
		   unsigned long count)
{
	struct sockaddr_in to;
	struct pollfd p;
	unsigned long sent = 0, replies = 0;
	uint64_t next = now_ms();
	char buf[64];
	int fd = bound(src);

	addr(&to, dst);
	p.fd = fd;
	p.events = POLLIN;
	while (!count || sent < count) {
		uint64_t now = now_ms();

		if (now >= next) {
			snprintf(buf, sizeof(buf), "ping %lu", sent);
			sendto(fd, buf, strlen(buf), 0, (struct sockaddr *)&to,
			       sizeof(to));
			sent++;
			next += ms;
			continue;
		}
		if (poll(&p, 1, next - now) > 0) {
			/* errors (ICMP unreachable) come back here too */
			if (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) >= 0) {
				printf("reply %lu\n", ++replies);
				fflush(stdout);
			}
		}
	}
	/* a last chance for the last reply */
	if (poll(&p, 1, 200) > 0 && recv(fd, buf, sizeof(buf), MSG_DONTWAIT) >= 0)
		printf("reply %lu\n", ++replies);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long ms = 200, count = 0;
	int opt;

	if (argc >= 3 && !strcmp(argv[1], "echo"))
		return do_echo(argv[2]);
	if (argc >= 4 && !strcmp(argv[1], "send")) {
		optind = 4;
		while ((opt = getopt(argc, argv, "i:n:")) != -1) {
			switch (opt) {
			case 'i': ms = tool_num("udpflow", optarg, 3600000); break;
			case 'n': count = tool_num("udpflow", optarg, ULONG_MAX); break;
			default: goto usage;
			}
		}
		if (optind != argc || !ms)
			goto usage;
		return do_send(argv[2], argv[3], ms, count);
	}
usage:
	fprintf(stderr, "usage: udpflow echo ADDR:PORT | udpflow send SRC:SPORT DST:DPORT [-i MS] [-n COUNT]\n");
	return 2;
}
