// SPDX-License-Identifier: GPL-2.0
/*
 * udpecho - UDP request/reply traffic for the confirm_early IPVS test.
 *
 *   udpecho server -p PORT [-t IDLE_MS]
 *	Sends every datagram back to where it came from, until none came
 *	for IDLE_MS (default 10000).  Prints "ready" once bound, "echoed=E"
 *	at the end.
 *   udpecho client -d ADDR -p PORT -s SPORT -n N [-t WAIT_MS]
 *	For i < N a socket bound to SPORT+i sends one datagram to ADDR:PORT
 *	and waits up to WAIT_MS (default 1000) for a reply from ADDR:PORT.
 *	Prints "sent=S replies=R".
 *
 * Exit 0 unless the arguments or socket setup are bad.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "tool.h"

static unsigned long num(const char *s)
{
	return tool_num("udpecho", s, 65535);
}

static int server(unsigned long port, unsigned long idle)
{
	struct sockaddr_in a, from;
	socklen_t fl;
	struct pollfd p;
	unsigned long echoed = 0;
	char buf[2048];
	ssize_t n;
	int fd;

	tool_sin("udpecho", &a, "0.0.0.0", port);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		perror("udpecho: bind");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	p.fd = fd;
	p.events = POLLIN;
	while (poll(&p, 1, (int)idle) > 0) {
		fl = sizeof(from);
		n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
		if (n < 0)
			continue;
		if (sendto(fd, buf, n, 0, (struct sockaddr *)&from, fl) == n)
			echoed++;
	}
	printf("echoed=%lu\n", echoed);
	return 0;
}

static int client(const char *addr, unsigned long port, unsigned long sport,
		  unsigned long n, unsigned long wait)
{
	struct sockaddr_in dst, src, from;
	unsigned long i, sent = 0, replies = 0;
	socklen_t fl;
	struct pollfd p;
	char buf[64];
	int fd;

	tool_sin("udpecho", &dst, addr, port);
	for (i = 0; i < n; i++) {
		tool_sin("udpecho", &src, "0.0.0.0", sport + i);
		fd = socket(AF_INET, SOCK_DGRAM, 0);
		if (fd < 0 || bind(fd, (struct sockaddr *)&src, sizeof(src)) < 0) {
			perror("udpecho: bind");
			return 1;
		}
		snprintf(buf, sizeof(buf), "probe %lu", i);
		if (sendto(fd, buf, strlen(buf), 0, (struct sockaddr *)&dst,
			   sizeof(dst)) > 0)
			sent++;
		p.fd = fd;
		p.events = POLLIN;
		while (poll(&p, 1, (int)wait) > 0) {
			fl = sizeof(from);
			if (recvfrom(fd, buf, sizeof(buf), 0,
				     (struct sockaddr *)&from, &fl) < 0)
				break;
			if (from.sin_addr.s_addr == dst.sin_addr.s_addr &&
			    from.sin_port == dst.sin_port) {
				replies++;
				break;
			}
		}
		close(fd);
	}
	printf("sent=%lu replies=%lu\n", sent, replies);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long port = 0, sport = 0, n = 1, t = 0;
	const char *addr = NULL;
	int opt;

	if (argc < 2 || (strcmp(argv[1], "server") && strcmp(argv[1], "client"))) {
		fprintf(stderr, "usage: udpecho server -p PORT [-t IDLE_MS] | client -d ADDR -p PORT -s SPORT -n N [-t WAIT_MS]\n");
		return 2;
	}
	optind = 2;
	while ((opt = getopt(argc, argv, "d:p:s:n:t:")) != -1) {
		switch (opt) {
		case 'd': addr = optarg; break;
		case 'p': port = num(optarg); break;
		case 's': sport = num(optarg); break;
		case 'n': n = num(optarg); break;
		case 't': t = num(optarg); break;
		default: return 2;
		}
	}
	if (!port || (argv[1][0] == 'c' && (!addr || !sport))) {
		fprintf(stderr, "udpecho: -p, and for client -d and -s, are required\n");
		return 2;
	}
	if (argv[1][0] == 's')
		return server(port, t ? t : 10000);
	return client(addr, port, sport, n, t ? t : 1000);
}
