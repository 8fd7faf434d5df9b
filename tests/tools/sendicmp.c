// SPDX-License-Identifier: GPL-2.0
/*
 * sendicmp: send N ICMP packets of a given type to an IPv4 address over a
 * raw socket.  An echo reply (type 0) that answers no request cannot start
 * a conntrack entry, so each one bumps the kernel's per-CPU `invalid`
 * statistic: a deterministic way to move a `conntrack -S` counter.
 *
 *   sendicmp [-t TYPE] [-n N] ADDR
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static unsigned short csum(const void *p, size_t len)
{
	const unsigned short *w = p;
	unsigned long sum = 0;

	for (; len > 1; len -= 2)
		sum += *w++;
	if (len)
		sum += *(const unsigned char *)w;
	sum = (sum >> 16) + (sum & 0xffff);
	sum += sum >> 16;
	return ~sum;
}

int main(int argc, char **argv)
{
	struct sockaddr_in dst = { .sin_family = AF_INET };
	int type = ICMP_ECHOREPLY, n = 1, opt, fd, i;

	while ((opt = getopt(argc, argv, "t:n:")) != -1) {
		if (opt == 't')
			type = atoi(optarg);
		else if (opt == 'n')
			n = atoi(optarg);
		else
			return 2;
	}
	if (optind != argc - 1 || inet_pton(AF_INET, argv[optind], &dst.sin_addr) != 1) {
		fprintf(stderr, "usage: sendicmp [-t TYPE] [-n N] ADDR\n");
		return 2;
	}
	fd = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	if (fd < 0) {
		perror("sendicmp: socket");
		return 1;
	}
	for (i = 0; i < n; i++) {
		struct icmphdr h;

		memset(&h, 0, sizeof(h));
		h.type = type;
		h.un.echo.id = htons(4242);
		h.un.echo.sequence = htons(i);
		h.checksum = csum(&h, sizeof(h));
		if (sendto(fd, &h, sizeof(h), 0, (struct sockaddr *)&dst,
			   sizeof(dst)) < 0) {
			perror("sendicmp: sendto");
			return 1;
		}
	}
	close(fd);
	return 0;
}
