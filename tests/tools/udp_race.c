// SPDX-License-Identifier: GPL-2.0
/*
 * udp_race - the glibc A/AAAA pattern: two threads pinned to CPU0 and CPU1
 * send() on the same connected UDP socket at the same moment; a new socket
 * (so a new conntrack tuple) every round.  Both packets create an
 * unconfirmed conntrack for one tuple and race to confirm: the loser is
 * merged (clash_resolve) on kernels with UDP allow_clash.
 *
 *   udp_race [-n ROUNDS] [-d DST_IP] [-p DST_PORT]
 *
 * Prints "rounds=N send_errors=N".  The two threads meet at busy-wait
 * barriers: a futex wake-up of the other thread (an IPI, and on a TCG
 * guest a vCPU thread to schedule) would let the first send() confirm long
 * before the second one starts.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "tool.h"

static struct sockaddr_in dst = { .sin_family = AF_INET };
static long rounds = 1000;
static int sock_fd = -1;
static long errors[2];
static struct tool_spin spin;

static void *sender(void *arg)
{
	long cpu = (long)arg, i;
	char msg[32] = "race";

	if (tool_pin_cpu(cpu))
		fprintf(stderr, "udp_race: cannot pin to CPU%ld\n", cpu);
	for (i = 0; i < rounds; i++) {
		if (cpu == 0) {
			int fd = socket(AF_INET, SOCK_DGRAM, 0);

			if (fd < 0 || connect(fd, (struct sockaddr *)&dst,
					      sizeof(dst))) {
				perror("udp_race: socket/connect");
				exit(1);
			}
			__atomic_store_n(&sock_fd, fd, __ATOMIC_RELEASE);
		}
		tool_spin_barrier(&spin, true);
		if (send(__atomic_load_n(&sock_fd, __ATOMIC_ACQUIRE), msg,
			 sizeof(msg), 0) < 0)
			errors[cpu]++;
		tool_spin_barrier(&spin, true);
		if (cpu == 0)
			close(sock_fd);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	const char *ip = "127.0.0.1";
	int port = 9999, opt;
	pthread_t t[2];
	long i;

	while ((opt = getopt(argc, argv, "n:d:p:")) != -1) {
		switch (opt) {
		case 'n':
			rounds = atol(optarg);
			break;
		case 'd':
			ip = optarg;
			break;
		case 'p':
			port = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: udp_race [-n ROUNDS] [-d DST_IP] [-p DST_PORT]\n");
			return 2;
		}
	}
	dst.sin_port = htons(port);
	if (inet_pton(AF_INET, ip, &dst.sin_addr) != 1) {
		fprintf(stderr, "udp_race: bad address %s\n", ip);
		return 2;
	}
	for (i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, sender, (void *)i);
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	printf("rounds=%ld send_errors=%ld\n", rounds, errors[0] + errors[1]);
	return 0;
}
