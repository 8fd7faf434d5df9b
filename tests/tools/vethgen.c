// SPDX-License-Identifier: GPL-2.0
/*
 * vethgen - real traffic between two network namespaces, from one process.
 *
 *   ip netns exec CLIENT vethgen -S /run/netns/SERVER -a SERVER_ADDR
 *                                [-u UDP_FLOWS] [-t TCP_CONNS] [-p PORT]
 *
 * The server sockets are created inside SERVER (setns there and back: a
 * socket stays in the namespace it was made in), the client sockets in
 * CLIENT, so every packet crosses the veth pair and both namespaces'
 * conntrack see each connection.  UDP: one datagram and one reply per
 * flow, each flow a new source port.  TCP: connect, 1 byte each way,
 * close.  Prints "udp=N tcp=M" and exits 0 only if all of them completed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void die(const char *what)
{
	fprintf(stderr, "vethgen: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int wait_in(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 2000) == 1 ? 0 : -1;
}

int main(int argc, char **argv)
{
	const char *server_ns = NULL, *addr = NULL;
	int udp = 0, tcp = 0, port = 7000, opt, self, other, us, ts;
	int udp_ok = 0, tcp_ok = 0, i;
	struct sockaddr_in sa = { .sin_family = AF_INET };
	char b = 'x';

	while ((opt = getopt(argc, argv, "S:a:u:t:p:")) != -1) {
		switch (opt) {
		case 'S': server_ns = optarg; break;
		case 'a': addr = optarg; break;
		case 'u': udp = atoi(optarg); break;
		case 't': tcp = atoi(optarg); break;
		case 'p': port = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: vethgen -S NETNS_PATH -a ADDR [-u N] [-t N] [-p PORT]\n");
			return 2;
		}
	}
	if (!server_ns || !addr || inet_pton(AF_INET, addr, &sa.sin_addr) != 1) {
		fprintf(stderr, "vethgen: -S NETNS_PATH and an IPv4 -a ADDR are required\n");
		return 2;
	}
	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	other = open(server_ns, O_RDONLY | O_CLOEXEC);
	if (self < 0 || other < 0)
		die("open netns");
	if (setns(other, CLONE_NEWNET) < 0)
		die("setns server");
	us = socket(AF_INET, SOCK_DGRAM, 0);
	ts = socket(AF_INET, SOCK_STREAM, 0);
	if (us < 0 || ts < 0)
		die("socket");
	setsockopt(ts, SOL_SOCKET, SO_REUSEADDR, &(int){ 1 }, sizeof(int));
	sa.sin_port = htons(port);
	if (bind(us, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("bind udp");
	sa.sin_port = htons(port + 1);
	if (bind(ts, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(ts, 128) < 0)
		die("bind/listen tcp");
	if (setns(self, CLONE_NEWNET) < 0)
		die("setns back");

	for (i = 0; i < udp; i++) {
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		int c = socket(AF_INET, SOCK_DGRAM, 0);

		sa.sin_port = htons(port);
		if (c < 0 || sendto(c, &b, 1, 0, (struct sockaddr *)&sa, sizeof(sa)) != 1)
			die("udp send");
		if (wait_in(us) == 0 &&
		    recvfrom(us, &b, 1, 0, (struct sockaddr *)&from, &fl) == 1 &&
		    sendto(us, &b, 1, 0, (struct sockaddr *)&from, fl) == 1 &&
		    wait_in(c) == 0 && recv(c, &b, 1, 0) == 1)
			udp_ok++;
		close(c);
	}
	for (i = 0; i < tcp; i++) {
		int c = socket(AF_INET, SOCK_STREAM, 0), a;

		sa.sin_port = htons(port + 1);
		if (c < 0 || connect(c, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			die("tcp connect");
		a = accept(ts, NULL, NULL);
		if (a >= 0 && write(c, &b, 1) == 1 && wait_in(a) == 0 &&
		    read(a, &b, 1) == 1 && write(a, &b, 1) == 1 &&
		    wait_in(c) == 0 && read(c, &b, 1) == 1)
			tcp_ok++;
		if (a >= 0)
			close(a);
		close(c);
	}
	printf("udp=%d tcp=%d\n", udp_ok, tcp_ok);
	return udp_ok == udp && tcp_ok == tcp ? 0 : 1;
}
