// SPDX-License-Identifier: GPL-2.0
/*
 * ce_tcpconn - TCP connections for the confirm_early tests (the protocol
 * confirm_early=udp must leave alone).
 *
 *   ce_tcpconn serve -d ADDR -p PORT [-t IDLE_MS]
 *	Accepts connections until none came for IDLE_MS after the first
 *	(or 60 s before it); prints "ready" once listening and "accepted=A"
 *	at the end.
 *   ce_tcpconn connect -d ADDR -p PORT -n N [-s SPORT]
 *	N connections, one byte each, from ports SPORT.. (ephemeral if not
 *	given); prints "connected=C failed=F".
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
#include <limits.h>
#include "tool.h"

static unsigned long num(const char *s)
{
	return tool_num("ce_tcpconn", s, ULONG_MAX);
}

static void sa(struct sockaddr_in *a, const char *addr, unsigned long port)
{
	tool_sin("ce_tcpconn", a, addr, port);
}

static int do_serve(const char *addr, unsigned long port, int idle_ms)
{
	struct sockaddr_in a;
	unsigned long got = 0;
	int fd, c, one = 1;
	char b;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0) {
		perror("ce_tcpconn: socket");
		return 1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sa(&a, addr, port);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(fd, 1024) < 0) {
		perror("ce_tcpconn: bind/listen");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	/* The idle time counts from the first arrival. */
	while (tool_wait_in(fd, got ? idle_ms : 60000) > 0) {
		c = accept(fd, NULL, NULL);
		if (c < 0)
			continue;
		if (read(c, &b, 1) == 1)
			got++;
		close(c);
	}
	printf("accepted=%lu\n", got);
	return 0;
}

static int do_connect(const char *addr, unsigned long port, unsigned long n,
		      unsigned long sport)
{
	unsigned long i, ok = 0, failed = 0;
	struct sockaddr_in a;
	int fd;

	sa(&a, addr, port);
	for (i = 0; i < n; i++) {
		if (sport) {
			fd = tool_socket_from("ce_tcpconn", SOCK_STREAM, addr,
					      sport + i);
		} else {
			fd = socket(AF_INET, SOCK_STREAM, 0);
			if (fd < 0)
				perror("ce_tcpconn: socket");
		}
		if (fd < 0)
			return 1;
		if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
		    write(fd, "x", 1) == 1)
			ok++;
		else
			failed++;
		close(fd);
	}
	printf("connected=%lu failed=%lu\n", ok, failed);
	return 0;
}

int main(int argc, char **argv)
{
	const char *addr = "127.0.0.1";
	unsigned long port = 9998, n = 1, idle = 2000, sport = 0;
	const char *cmd;
	int opt;

	if (argc < 2)
		goto usage;
	cmd = argv[1];
	optind = 2;
	while ((opt = getopt(argc, argv, "d:p:n:t:s:")) != -1) {
		switch (opt) {
		case 'd': addr = optarg; break;
		case 'p': port = num(optarg); break;
		case 'n': n = num(optarg); break;
		case 't': idle = num(optarg); break;
		case 's': sport = num(optarg); break;
		default: goto usage;
		}
	}
	if (!strcmp(cmd, "serve"))
		return do_serve(addr, port, idle);
	if (!strcmp(cmd, "connect"))
		return do_connect(addr, port, n, sport);
usage:
	fprintf(stderr, "usage: ce_tcpconn serve|connect [-d ADDR] [-p PORT] [-n N] [-s SPORT] [-t IDLE_MS]\n");
	return 2;
}
