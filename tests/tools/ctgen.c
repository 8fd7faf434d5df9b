// SPDX-License-Identifier: GPL-2.0
/*
 * ctgen - conntrack traffic generator for the VM tests (run it inside a
 * network namespace; loopback only unless -a says otherwise).
 *
 *   ctgen udp [-n FLOWS] [-p PKTS] [-r REPLIES] [-s SPORT_BASE] [-d DPORT]
 *             [-a ADDR] [-6] [-i INTERVAL_MS] [-l LEN]
 *	FLOWS distinct UDP flows ADDR:sport -> ADDR:DPORT, one after the
 *	other; each sends PKTS datagrams of LEN payload bytes (INTERVAL_MS
 *	apart) and gets REPLIES datagrams back from the server socket.
 *	SPORT_BASE 0 = ephemeral source ports; otherwise SPORT_BASE+i.
 *	-e: sends are expected to fail (a drop rule): count them, no server.
 *   ctgen tcp [-n CONNS] [-s SPORT_BASE] [-d DPORT] [-a ADDR] [-6]
 *	CONNS short TCP connections: connect, 1 byte each way, close.
 *
 * Prints "udp flows=N pkts=N replies=N" / "tcp conns=N" on success.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "tool.h"

static unsigned long num(const char *s)
{
	return tool_num("ctgen", s, 100000000);
}

static int family = AF_INET;
static int expect_fail;
static const char *addr_str;

static void die(const char *what)
{
	fprintf(stderr, "ctgen: %s: %s\n", what, strerror(errno));
	exit(1);
}

static socklen_t mkaddr(struct sockaddr_storage *ss, unsigned int port)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		if (inet_pton(AF_INET6, addr_str, &s6->sin6_addr) != 1) {
			fprintf(stderr, "ctgen: bad IPv6 address %s\n", addr_str);
			exit(2);
		}
		return sizeof(*s6);
	}
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

	s4->sin_family = AF_INET;
	s4->sin_port = htons(port);
	if (inet_pton(AF_INET, addr_str, &s4->sin_addr) != 1) {
		fprintf(stderr, "ctgen: bad IPv4 address %s\n", addr_str);
		exit(2);
	}
	return sizeof(*s4);
}

static int sock_bound(int type, unsigned int port)
{
	struct sockaddr_storage ss;
	socklen_t len = mkaddr(&ss, port);
	int one = 1, fd;

	fd = socket(family, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0)
		die("bind");
	return fd;
}

/* Wait up to 1 s for a datagram; returns bytes or -1. */
static ssize_t recv_wait(int fd, void *buf, size_t len,
			 struct sockaddr_storage *from, socklen_t *flen)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (poll(&p, 1, 1000) <= 0)
		return -1;
	return recvfrom(fd, buf, len, 0, (struct sockaddr *)from, flen);
}

static void msleep(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static int do_udp(unsigned int n, unsigned int pkts, unsigned int replies,
		  unsigned int sport, unsigned int dport, unsigned int interval,
		  size_t plen)
{
	struct sockaddr_storage dst, from;
	socklen_t dlen = mkaddr(&dst, dport), flen;
	char buf[2048];
	unsigned long got = 0, rgot = 0;
	unsigned int i, k;
	int srv, c;

	if (plen > sizeof(buf))
		plen = sizeof(buf);
	memset(buf, 'x', sizeof(buf));
	if (expect_fail) {
		unsigned long failed = 0;

		for (i = 0; i < n; i++) {
			c = sock_bound(SOCK_DGRAM, sport ? sport + i : 0);
			if (connect(c, (struct sockaddr *)&dst, dlen) < 0)
				die("connect");
			for (k = 0; k < pkts; k++)
				if (send(c, buf, plen, 0) < 0)
					failed++;
			close(c);
		}
		printf("udp flows=%u failed=%lu\n", n, failed);
		return failed == (unsigned long)n * pkts ? 0 : 1;
	}
	srv = sock_bound(SOCK_DGRAM, dport);
	for (i = 0; i < n; i++) {
		c = sock_bound(SOCK_DGRAM, sport ? sport + i : 0);
		if (connect(c, (struct sockaddr *)&dst, dlen) < 0)
			die("connect");
		for (k = 0; k < pkts; k++) {
			if (k && interval)
				msleep(interval);
			if (send(c, buf, plen, 0) < 0)
				die("send");
			flen = sizeof(from);
			if (recv_wait(srv, buf, sizeof(buf), &from, &flen) >= 0)
				got++;
		}
		for (k = 0; k < replies && pkts; k++) {
			if (sendto(srv, buf, plen, 0, (struct sockaddr *)&from,
				   flen) < 0)
				die("sendto reply");
			if (recv_wait(c, buf, sizeof(buf), NULL, NULL) >= 0)
				rgot++;
		}
		close(c);
	}
	close(srv);
	printf("udp flows=%u pkts=%lu replies=%lu\n", n, got, rgot);
	if (got != (unsigned long)n * pkts ||
	    rgot != (unsigned long)n * (pkts ? replies : 0)) {
		fprintf(stderr, "ctgen: expected %lu datagrams and %lu replies\n",
			(unsigned long)n * pkts,
			(unsigned long)n * (pkts ? replies : 0));
		return 1;
	}
	return 0;
}

static int do_tcp(unsigned int n, unsigned int sport, unsigned int dport)
{
	struct sockaddr_storage dst;
	socklen_t dlen = mkaddr(&dst, dport);
	unsigned int i;
	char b = 'x';
	int lfd, c, a;

	lfd = sock_bound(SOCK_STREAM, dport);
	if (listen(lfd, 128) < 0)
		die("listen");
	for (i = 0; i < n; i++) {
		c = sock_bound(SOCK_STREAM, sport ? sport + i : 0);
		if (connect(c, (struct sockaddr *)&dst, dlen) < 0)
			die("connect");
		a = accept(lfd, NULL, NULL);
		if (a < 0)
			die("accept");
		if (write(c, &b, 1) != 1 || read(a, &b, 1) != 1 ||
		    write(a, &b, 1) != 1 || read(c, &b, 1) != 1)
			die("tcp exchange");
		close(c);
		close(a);
	}
	close(lfd);
	printf("tcp conns=%u\n", n);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned int n = 1, pkts = 1, replies = 0, sport = 0, dport = 9999;
	unsigned int interval = 0, plen = 32;
	const char *mode;
	int opt;

	if (argc < 2) {
		fprintf(stderr, "usage: ctgen udp|tcp [options] (see source)\n");
		return 2;
	}
	mode = argv[1];
	optind = 2;
	while ((opt = getopt(argc, argv, "n:p:r:s:d:a:6i:l:e")) != -1) {
		switch (opt) {
		case 'n': n = num(optarg); break;
		case 'p': pkts = num(optarg); break;
		case 'r': replies = num(optarg); break;
		case 's': sport = num(optarg); break;
		case 'd': dport = num(optarg); break;
		case 'a': addr_str = optarg; break;
		case '6': family = AF_INET6; break;
		case 'i': interval = num(optarg); break;
		case 'l': plen = num(optarg); break;
		case 'e': expect_fail = 1; break;
		default: return 2;
		}
	}
	if (!addr_str)
		addr_str = family == AF_INET6 ? "::1" : "127.0.0.1";
	if (sport && sport + n > 65536) {
		fprintf(stderr, "ctgen: source ports overflow 65535\n");
		return 2;
	}
	if (!strcmp(mode, "udp"))
		return do_udp(n, pkts, replies, sport, dport, interval, plen);
	if (!strcmp(mode, "tcp"))
		return do_tcp(n, sport, dport);
	fprintf(stderr, "ctgen: unknown mode %s\n", mode);
	return 2;
}
