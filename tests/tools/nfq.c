// SPDX-License-Identifier: GPL-2.0
/*
 * nfq - a small NFQUEUE verdict program for the clash tests.
 *
 *   nfq serial -q QNUM -c COUNT [-r READYFILE] [-t TIMEOUT_MS]
 *       hold COUNT packets from queue QNUM, then ACCEPT them one after
 *       the other (10 ms apart): serialized re-injection.
 *   nfq parallel -q QNUM -Q QNUM2 -c TRIES [-r READYFILE] [-t TIMEOUT_MS]
 *       two threads, one per queue; per try each takes one packet, then
 *       both ACCEPT at the same moment (barrier).
 *
 * READYFILE is created once the queues are bound.  Prints "accepted=N"
 * (serial) or "tries=N" (parallel); exit 1 on timeout or error.
 */
#include <arpa/inet.h>
#include <sched.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include "tool.h"

#define MAXHELD 256

struct queue {
	struct nfq_handle *h;
	struct nfq_q_handle *qh;
	int fd;
	int num;
	int cpu;
	uint32_t ids[MAXHELD];
	int head, tail;
};

static long timeout_ms = 10000;
static pthread_barrier_t barrier;
static long tries;
static volatile int failed;

static int cb(struct nfq_q_handle *qh, struct nfgenmsg *nfmsg,
	      struct nfq_data *nfa, void *data)
{
	struct queue *q = data;
	struct nfqnl_msg_packet_hdr *ph = nfq_get_msg_packet_hdr(nfa);

	if (ph && q->tail < MAXHELD)
		q->ids[q->tail++] = ntohl(ph->packet_id);
	return 0;
}

static int queue_open(struct queue *q, int num)
{
	memset(q, 0, sizeof(*q));
	q->num = num;
	q->h = nfq_open();
	if (!q->h) {
		perror("nfq: nfq_open");
		return -1;
	}
	q->qh = nfq_create_queue(q->h, num, cb, q);
	if (!q->qh) {
		perror("nfq: nfq_create_queue");
		return -1;
	}
	if (nfq_set_mode(q->qh, NFQNL_COPY_PACKET, 64) < 0) {
		perror("nfq: nfq_set_mode");
		return -1;
	}
	q->fd = nfq_fd(q->h);
	return 0;
}

/* Receive until at least want packets are held; -1 on timeout. */
static int queue_fill(struct queue *q, int want)
{
	char buf[4096] __attribute__((aligned));

	while (q->tail - q->head < want) {
		struct pollfd p = { .fd = q->fd, .events = POLLIN };
		int r = poll(&p, 1, timeout_ms);
		ssize_t n;

		if (r <= 0) {
			fprintf(stderr, "nfq: queue %d: timeout with %d held\n",
				q->num, q->tail - q->head);
			return -1;
		}
		n = recv(q->fd, buf, sizeof(buf), 0);
		if (n < 0) {
			perror("nfq: recv");
			return -1;
		}
		nfq_handle_packet(q->h, buf, n);
	}
	return 0;
}

static int accept_one(struct queue *q)
{
	uint32_t id = q->ids[q->head++];

	if (q->head == q->tail)
		q->head = q->tail = 0;
	if (nfq_set_verdict(q->qh, id, NF_ACCEPT, 0, NULL) < 0) {
		perror("nfq: nfq_set_verdict");
		return -1;
	}
	return 0;
}

static void touch(const char *f)
{
	FILE *fp;

	if (f && (fp = fopen(f, "w")))
		fclose(fp);
}

/* the release: both verdicts at once (tool.h) */
static struct tool_spin spin;

static void *par_thread(void *arg)
{
	struct queue *q = arg;
	long i;

	/* one verdict per CPU, so the two re-injections really overlap */
	tool_pin_cpu(q->cpu);

	for (i = 0; i < tries; i++) {
		int bad = queue_fill(q, 1) < 0;

		if (bad)
			failed = 1;
		pthread_barrier_wait(&barrier);
		if (failed)
			break;
		tool_spin_barrier(&spin, false);
		if (accept_one(q) < 0)
			failed = 1;
		pthread_barrier_wait(&barrier);
		if (failed)
			break;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int qnum = 0, qnum2 = 1, opt, serial;
	const char *ready = NULL;
	long count = 2, i;
	struct queue q1, q2;

	if (argc < 2 || (strcmp(argv[1], "serial") && strcmp(argv[1], "parallel"))) {
		fprintf(stderr, "usage: nfq serial|parallel -q QNUM [-Q QNUM2] -c N [-r READY] [-t MS]\n");
		return 2;
	}
	serial = !strcmp(argv[1], "serial");
	optind = 2;
	while ((opt = getopt(argc, argv, "q:Q:c:r:t:")) != -1) {
		switch (opt) {
		case 'q':
			qnum = atoi(optarg);
			break;
		case 'Q':
			qnum2 = atoi(optarg);
			break;
		case 'c':
			count = atol(optarg);
			break;
		case 'r':
			ready = optarg;
			break;
		case 't':
			timeout_ms = atol(optarg);
			break;
		default:
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (queue_open(&q1, qnum) < 0)
		return 1;
	if (serial) {
		touch(ready);
		if (count > MAXHELD || queue_fill(&q1, count) < 0)
			return 1;
		for (i = 0; i < count; i++) {
			if (accept_one(&q1) < 0)
				return 1;
			usleep(10000);
		}
		printf("accepted=%ld\n", count);
		return 0;
	}
	if (queue_open(&q2, qnum2) < 0)
		return 1;
	q2.cpu = 1;
	touch(ready);
	tries = count;
	pthread_barrier_init(&barrier, NULL, 2);
	{
		pthread_t t1, t2;

		pthread_create(&t1, NULL, par_thread, &q1);
		pthread_create(&t2, NULL, par_thread, &q2);
		pthread_join(t1, NULL);
		pthread_join(t2, NULL);
	}
	if (failed)
		return 1;
	printf("tries=%ld\n", tries);
	return 0;
}
