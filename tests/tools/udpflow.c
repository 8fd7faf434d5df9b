// SPDX-License-Identifier: GPL-2.0
/*
 * udpflow - one long-lived UDP flow and a UDP echo server, for the
 * ctdiag stale tests (a client retrying from one source port at a service
 * VIP whose backend goes away).
 *
 * Addresses are IPv4 ADDR:PORT or IPv6 [ADDR]:PORT.
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

static socklen_t addr(struct sockaddr_storage *ss, const char *s)
{
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
	char buf[80], *colon, *host = buf;

	if (strlen(s) >= sizeof(buf) || !(colon = strrchr(strcpy(buf, s), ':')))
		goto bad;
	*colon = 0;
	if (buf[0] != '[') {
		tool_sin("udpflow", (struct sockaddr_in *)ss, buf,
			 tool_num("udpflow", colon + 1, 65535));
		return sizeof(struct sockaddr_in);
	}
	if (colon[-1] != ']')
		goto bad;
	colon[-1] = 0;
	host++;
	memset(a6, 0, sizeof(*a6));
	a6->sin6_family = AF_INET6;
	a6->sin6_port = htons(tool_num("udpflow", colon + 1, 65535));
	if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1)
		return sizeof(*a6);
bad:
	fprintf(stderr, "udpflow: bad address '%s' (ADDR:PORT or [ADDR6]:PORT)\n", s);
	exit(2);
}

static int bound(const char *s)
{
	struct sockaddr_storage a;
	socklen_t len = addr(&a, s);
	int fd, one = 1;

	fd = socket(a.ss_family, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("udpflow: socket");
		exit(1);
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, len) < 0) {
		perror("udpflow: bind");
		exit(1);
	}
	return fd;
}

static int do_echo(const char *where)
{
	char buf[2048];
	struct sockaddr_storage from;
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
	struct sockaddr_storage to;
	socklen_t tolen;
	struct pollfd p;
	unsigned long sent = 0, replies = 0;
	uint64_t next = now_ms();
	char buf[64];
	int fd = bound(src);

	tolen = addr(&to, dst);
	p.fd = fd;
	p.events = POLLIN;
	while (!count || sent < count) {
		uint64_t now = now_ms();

		if (now >= next) {
			snprintf(buf, sizeof(buf), "ping %lu", sent);
			sendto(fd, buf, strlen(buf), 0, (struct sockaddr *)&to,
			       tolen);
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
