// SPDX-License-Identifier: GPL-2.0
/*
 * bench_connload - load generator for the datapath benchmark (make bench).
 * Run the client in one network namespace and point it at an address in
 * another (a veth pair), so conntrack works on both sides.
 *
 *   bench_connload udp   -a ADDR -t SECS [-r RATE] [-n COUNT]
 *	new connections: unique UDP tuples (one unconnected socket sends one
 *	datagram to ADDR:1024.. cycling the destination port over 60000
 *	values, a new socket -- new source port -- every cycle); RATE
 *	datagrams/s, 0 = as fast as possible
 *   bench_connload tcp   -a ADDR -p PORT -t SECS [-n COUNT]
 *	short TCP connections: connect, close with RST (SO_LINGER 0, no
 *	TIME_WAIT), as fast as possible
 *   bench_connload flood -a ADDR -p PORT -t SECS [-n COUNT]
 *	established flow: one connected UDP socket sending 16-byte datagrams
 *	as fast as possible
 *   bench_connload server -p PORT
 *	TCP server for `tcp`: accept and close, forever
 *
 * -n COUNT: stop after COUNT datagrams / connection attempts instead of
 * after SECS (the instruction-counted bench: a fixed amount of work, timed).
 * Clients print "sent=N secs=S rate=N/s" (for tcp: completed connects;
 * S in microseconds' precision).
 * The bench counts what arrived with nft counters on the receiving side.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Go on: COUNT attempts if COUNT is set, else until SECS have passed. */
static int more(unsigned long tries, unsigned long count, double t, double t0,
		double secs)
{
	return count ? tries < count : t - t0 < secs;
}

static void die(const char *what)
{
	fprintf(stderr, "bench_connload: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void __attribute__((noreturn)) server(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(port) };
	int one = 1, s = socket(AF_INET, SOCK_STREAM, 0);

	if (s < 0)
		die("socket");
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) || listen(s, 4096))
		die("bind/listen");
	for (;;) {
		int c = accept(s, NULL, NULL);

		if (c >= 0)
			close(c);
	}
}

int main(int argc, char **argv)
{
	const char *mode, *addr = NULL;
	double secs = 3, rate = 0, t0, t, next;
	unsigned long sent = 0, tries = 0, count = 0;
	int port = 5001, opt, s = -1;
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct linger lg = { 1, 0 };
	char payload[16] = "ctdiag-bench";

	if (argc < 2)
		goto usage;
	mode = argv[1];
	optind = 2;
	while ((opt = getopt(argc, argv, "a:p:t:r:n:")) != -1) {
		switch (opt) {
		case 'a': addr = optarg; break;
		case 'p': port = atoi(optarg); break;
		case 't': secs = atof(optarg); break;
		case 'r': rate = atof(optarg); break;
		case 'n': count = strtoul(optarg, NULL, 10); break;
		default: goto usage;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	if (!strcmp(mode, "server"))
		server(port);
	if (!addr || inet_pton(AF_INET, addr, &sa.sin_addr) != 1)
		goto usage;
	t0 = now();
	next = t0;
	if (!strcmp(mode, "udp")) {
		for (t = t0; more(sent, count, t, t0, secs); ) {
			if (sent % 60000 == 0) {
				if (s >= 0)
					close(s);
				s = socket(AF_INET, SOCK_DGRAM, 0);
				if (s < 0)
					die("socket");
			}
			sa.sin_port = htons(1024 + sent % 60000);
			if (sendto(s, payload, sizeof(payload), 0,
				   (struct sockaddr *)&sa, sizeof(sa)) >= 0)
				sent++;
			else if (errno != ENOBUFS && errno != EPERM &&
				 errno != ECONNREFUSED)
				die("sendto");
			else
				sent++;	/* dropped on our side: still a tuple */
			if (rate > 0) {
				/* sleep, not spin: the reader needs the CPU */
				next += 1 / rate;
				t = now();
				if (next - t > 0.0005) {
					struct timespec ts = {
						.tv_sec = (time_t)(next - t),
						.tv_nsec = (long)((next - t -
							(time_t)(next - t)) * 1e9),
					};

					nanosleep(&ts, NULL);
					t = now();
				}
			} else if (!(sent & 63)) {
				t = now();
			}
		}
	} else if (!strcmp(mode, "tcp")) {
		sa.sin_port = htons(port);
		for (t = t0; more(tries, count, t, t0, secs); t = now()) {
			tries++;
			s = socket(AF_INET, SOCK_STREAM, 0);
			if (s < 0)
				die("socket");
			setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
			if (!connect(s, (struct sockaddr *)&sa, sizeof(sa)))
				sent++;
			close(s);
		}
	} else if (!strcmp(mode, "flood")) {
		sa.sin_port = htons(port);
		s = socket(AF_INET, SOCK_DGRAM, 0);
		if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa)))
			die("socket/connect");
		for (t = t0; more(tries, count, t, t0, secs); tries++) {
			if (send(s, payload, sizeof(payload), 0) >= 0)
				sent++;
			if (!(sent & 255))
				t = now();
		}
	} else {
		goto usage;
	}
	t = now() - t0;
	printf("sent=%lu secs=%.6f rate=%.0f/s\n", sent, t, sent / t);
	return 0;
usage:
	fprintf(stderr, "usage: bench_connload udp|tcp|flood -a ADDR [-p PORT] [-t SECS] [-r RATE] [-n COUNT]\n"
		"       bench_connload server [-p PORT]\n");
	return 2;
}
