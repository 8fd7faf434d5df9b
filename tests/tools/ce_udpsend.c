// SPDX-License-Identifier: GPL-2.0
/*
 * ce_udpsend - UDP traffic for the confirm_early tests.
 *
 *   ce_udpsend send -d ADDR -p DPORT -s SPORT -n N [-S SRC] [-l SHORT]
 *		[-L LONG]
 *	N same-tuple pairs: for pair i a socket bound to SRC:SPORT+i (SRC
 *	defaults to ADDR) sends
 *	a SHORT-byte datagram then a LONG-byte one (a length match can queue
 *	them to two different NFQUEUEs).  Prints "sent=S failed=F"; F counts
 *	sendto() errors (EPERM = dropped by netfilter).
 *   ce_udpsend recv -d ADDR -p PORT [-t IDLE_MS]
 *	Counts datagrams until none came for IDLE_MS after the first (or
 *	60 s before it); prints "ready" once bound and "received=R" at the
 *	end.  With -w FILE it sleeps until FILE exists (at most 120 s) and
 *	then drains the socket: no per-datagram wake-ups competing with the
 *	traffic.
 */
#include <errno.h>
#include <poll.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <limits.h>
#include "tool.h"

static unsigned long num(const char *s)
{
	return tool_num("ce_udpsend", s, ULONG_MAX);
}

static void sa(struct sockaddr_in *a, const char *addr, unsigned long port)
{
	tool_sin("ce_udpsend", a, addr, port);
}

static int do_send(const char *addr, const char *saddr, unsigned long dport,
		   unsigned long sport, unsigned long n, size_t lshort,
		   size_t llong)
{
	static char buf[2048];
	unsigned long i, sent = 0, failed = 0;
	struct sockaddr_in dst;
	int fd;

	if (lshort > sizeof(buf) || llong > sizeof(buf) || sport + n > 65536) {
		fprintf(stderr, "ce_udpsend: sizes or ports out of range\n");
		return 2;
	}
	sa(&dst, addr, dport);
	for (i = 0; i < n; i++) {
		fd = tool_socket_from("ce_udpsend", SOCK_DGRAM, saddr, sport + i);
		if (fd < 0)
			return 1;
		if (sendto(fd, buf, lshort, 0, (struct sockaddr *)&dst,
			   sizeof(dst)) < 0)
			failed++;
		else
			sent++;
		if (sendto(fd, buf, llong, 0, (struct sockaddr *)&dst,
			   sizeof(dst)) < 0)
			failed++;
		else
			sent++;
		close(fd);
	}
	printf("sent=%lu failed=%lu\n", sent, failed);
	return 0;
}

static int do_recv(const char *addr, unsigned long port, int idle_ms,
		   const char *wait_file)
{
	const struct timespec tick = { .tv_nsec = 50 * 1000 * 1000 };
	int i;

	static char buf[65536];
	struct sockaddr_in a;
	unsigned long got = 0;
	int fd, size = 4 << 20;

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("ce_udpsend: socket");
		return 1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	sa(&a, addr, port);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		perror("ce_udpsend: bind");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	if (wait_file) {
		for (i = 0; i < 2400 && access(wait_file, F_OK) != 0; i++)
			nanosleep(&tick, NULL);
		while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) >= 0)
			got++;
		printf("received=%lu\n", got);
		return 0;
	}
	/* The idle time counts from the first arrival. */
	while (tool_wait_in(fd, got ? idle_ms : 60000) > 0)
		if (recv(fd, buf, sizeof(buf), 0) >= 0)
			got++;
	printf("received=%lu\n", got);
	return 0;
}

int main(int argc, char **argv)
{
	const char *addr = "127.0.0.1";
	unsigned long dport = 9999, sport = 20000, n = 1, idle = 2000;
	unsigned long lshort = 16, llong = 200;
	const char *wait_file = NULL, *saddr = NULL;
	const char *cmd;
	int opt;

	if (argc < 2)
		goto usage;
	cmd = argv[1];
	optind = 2;
	while ((opt = getopt(argc, argv, "d:p:s:n:l:L:t:w:S:")) != -1) {
		switch (opt) {
		case 'd': addr = optarg; break;
		case 'p': dport = num(optarg); break;
		case 's': sport = num(optarg); break;
		case 'n': n = num(optarg); break;
		case 'l': lshort = num(optarg); break;
		case 'L': llong = num(optarg); break;
		case 't': idle = num(optarg); break;
		case 'w': wait_file = optarg; break;
		case 'S': saddr = optarg; break;
		default: goto usage;
		}
	}
	if (!strcmp(cmd, "send"))
		return do_send(addr, saddr ? saddr : addr, dport, sport, n, lshort,
			       llong);
	if (!strcmp(cmd, "recv"))
		return do_recv(addr, dport, idle, wait_file);
usage:
	fprintf(stderr, "usage: ce_udpsend send|recv [-d ADDR] [-p PORT] [-s SPORT] [-n PAIRS] [-S SRC] [-l SHORT] [-L LONG] [-t IDLE_MS] [-w FILE]\n");
	return 2;
}
