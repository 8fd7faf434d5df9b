// SPDX-License-Identifier: GPL-2.0
/*
 * ftpctl ADDR PORT LINE...: an FTP control connection with itself, for
 * the ftp conntrack helper to make expectations from (tests/23-ls-
 * conformance.bats).  A server and a client on ADDR:PORT (IPv4 or IPv6);
 * the LINEs go alternately from the server and from the client, starting
 * with the server ("220 hi" "USER a" "331 ok" "PORT 127,0,0,1,4,1" ...),
 * each ended by CRLF and read by the other side before the next.  The
 * helper reads a command only after a line end it has seen in that
 * direction, hence a first line each way.  Exit 0, or 1 on an error.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "tool.h"

/* Read up to and with the next '\n'. */
static int read_line(int fd)
{
	char c;

	do {
		if (read(fd, &c, 1) != 1)
			return -1;
	} while (c != '\n');
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
	struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
	int lfd, cfd, sfd, one = 1, i;
	unsigned long port;
	socklen_t len;
	char line[512];

	if (argc < 4) {
		fprintf(stderr, "usage: ftpctl ADDR PORT LINE...\n");
		return 2;
	}
	port = tool_num("ftpctl", argv[2], 65535);
	if (inet_pton(AF_INET6, argv[1], &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(port);
		len = sizeof(*a6);
	} else {
		tool_sin("ftpctl", a4, argv[1], port);
		len = sizeof(*a4);
	}
	lfd = socket(ss.ss_family, SOCK_STREAM, 0);
	cfd = socket(ss.ss_family, SOCK_STREAM, 0);
	if (lfd < 0 || cfd < 0 ||
	    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(lfd, (struct sockaddr *)&ss, len) || listen(lfd, 1) ||
	    connect(cfd, (struct sockaddr *)&ss, len)) {
		perror("ftpctl");
		return 1;
	}
	sfd = accept(lfd, NULL, NULL);
	if (sfd < 0) {
		perror("ftpctl: accept");
		return 1;
	}
	for (i = 3; i < argc; i++) {
		int from = (i - 3) % 2 ? cfd : sfd, to = from == cfd ? sfd : cfd;
		int n = snprintf(line, sizeof(line), "%s\r\n", argv[i]);

		if (n < 0 || n >= (int)sizeof(line) || write(from, line, n) != n ||
		    read_line(to)) {
			fprintf(stderr, "ftpctl: cannot exchange '%s'\n", argv[i]);
			return 1;
		}
	}
	close(cfd);
	close(sfd);
	close(lfd);
	return 0;
}
