// SPDX-License-Identifier: GPL-2.0
/*
 * ctsend - create conntrack entries from a chosen source, for the VM tests.
 *
 *   ctsend udp SRC_IP:SPORT DST_IP:DPORT [SIZE...]
 *       one socket bound to SRC, one sendto() per SIZE (default one of 8
 *       bytes); prints "send=I ok" or "send=I errno=NAME" for each.
 *   ctsend tcp SRC_IP:SPORT DST_IP:DPORT
 *       non-blocking connect() (one SYN); prints "connect ok" or
 *       "connect errno=NAME".
 *   ctsend udp-range SRC_IP:FIRST-LAST DST_IP:DPORT [SIZE...]
 *       from each source port (a socket each) one datagram per SIZE
 *       (default one of 8 bytes); prints "sent=N ok=N failed=N" counting
 *       datagrams.
 *
 * Exit 0 unless the arguments or socket setup are bad.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int parse(const char *s, struct sockaddr_in *a)
{
	char buf[64], *colon;

	snprintf(buf, sizeof(buf), "%s", s);
	colon = strrchr(buf, ':');
	if (!colon)
		return -1;
	*colon++ = 0;
	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_port = htons(atoi(colon));
	return inet_pton(AF_INET, buf, &a->sin_addr) == 1 ? 0 : -1;
}

static const char *ename(int e)
{
	const char *n = strerrorname_np(e);

	return n ? n : "?";
}

static int udp_range(const char *srcspec, const char *dstspec, int nsizes,
		     char **sizes)
{
	static const char data[2048];
	struct sockaddr_in src, dst;
	char buf[64], *dash;
	int first, last, p, i, ok = 0, bad = 0;

	snprintf(buf, sizeof(buf), "%s", srcspec);
	dash = strrchr(buf, '-');
	if (!dash || parse(dstspec, &dst))
		return 2;
	*dash++ = 0;
	last = atoi(dash);
	if (parse(buf, &src))
		return 2;
	first = ntohs(src.sin_port);
	for (p = first; p <= last; p++) {
		int fd = socket(AF_INET, SOCK_DGRAM, 0), one = 1;

		if (fd < 0)
			return 1;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		src.sin_port = htons(p);
		if (bind(fd, (struct sockaddr *)&src, sizeof(src))) {
			close(fd);
			return 1;
		}
		for (i = 0; i < (nsizes ? nsizes : 1); i++) {
			size_t len = nsizes ? (size_t)atoi(sizes[i]) : 8;

			if (len > sizeof(data))
				len = sizeof(data);
			if (sendto(fd, data, len, 0, (struct sockaddr *)&dst,
				   sizeof(dst)) < 0)
				bad++;
			else
				ok++;
		}
		close(fd);
	}
	printf("sent=%d ok=%d failed=%d\n", ok + bad, ok, bad);
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_in src, dst;
	int tcp, fd, one = 1, i;

	if (argc >= 4 && !strcmp(argv[1], "udp-range")) {
		i = udp_range(argv[2], argv[3], argc - 4, argv + 4);
		if (i == 2)
			fprintf(stderr, "usage: ctsend udp-range SRC_IP:FIRST-LAST DST_IP:DPORT [SIZE...]\n");
		return i;
	}

	if (argc < 4 || parse(argv[2], &src) || parse(argv[3], &dst) ||
	    (strcmp(argv[1], "udp") && strcmp(argv[1], "tcp"))) {
		fprintf(stderr, "usage: ctsend udp|tcp SRC_IP:SPORT DST_IP:DPORT [SIZE...]\n");
		return 2;
	}
	tcp = !strcmp(argv[1], "tcp");
	fd = socket(AF_INET, tcp ? SOCK_STREAM : SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("ctsend: socket");
		return 1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&src, sizeof(src))) {
		perror("ctsend: bind");
		return 1;
	}
	if (tcp) {
		fcntl(fd, F_SETFL, O_NONBLOCK);
		if (connect(fd, (struct sockaddr *)&dst, sizeof(dst)) == 0 ||
		    errno == EINPROGRESS)
			printf("connect ok\n");
		else
			printf("connect errno=%s\n", ename(errno));
		/* let the SYN go out before the close sends anything */
		usleep(20000);
		close(fd);
		return 0;
	}
	for (i = 4; i < argc || i == 4; i++) {
		char buf[2048];
		size_t len = i < argc ? (size_t)atoi(argv[i]) : 8;

		if (len > sizeof(buf))
			len = sizeof(buf);
		memset(buf, 'x', len);
		if (sendto(fd, buf, len, 0, (struct sockaddr *)&dst,
			   sizeof(dst)) < 0)
			printf("send=%d errno=%s\n", i - 3, ename(errno));
		else
			printf("send=%d ok\n", i - 3);
		if (i >= argc)
			break;
	}
	close(fd);
	return 0;
}
