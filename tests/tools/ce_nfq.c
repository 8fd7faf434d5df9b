// SPDX-License-Identifier: GPL-2.0
/*
 * ce_nfq - NFQUEUE verdict program for the confirm_early tests: one thread
 * per queue (QA and QB), each holds one packet, then both release their
 * ACCEPT verdicts at the same moment (a barrier), so the two reinjects of
 * a same-tuple pair run their confirms concurrently: serial verdicts on
 * 6.1 are absorbed silently by nf_conntrack_update(), simultaneous ones
 * clash (kprobe/README.md, "Confirm collisions", NFQUEUE).
 *
 * Usage: ce_nfq [-a QA] [-b QB] [-n ROUNDS] [-t IDLE_MS]
 * Prints "ready" once both queues are bound, and at the end
 * "rounds=R pairs=P single=S" (pairs: rounds where both held a packet).
 * Exits after ROUNDS rounds or when no packet came for IDLE_MS (60 s
 * before the first).
 */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <limits.h>
#include "tool.h"

static unsigned long num(const char *s)
{
	return tool_num("ce_nfq", s, ULONG_MAX);
}

struct qthread {
	pthread_t tid;
	unsigned int qnum;
	struct nfq_handle *h;
	struct nfq_q_handle *qh;
	uint32_t id;
	bool have;	/* a packet is held */
	bool idle;	/* nothing came within the idle time */
};

/* A spinning barrier: a futex wake-up of the second thread would come
 * late, and the two reinjects would no longer overlap. */
static unsigned int bar_count, bar_gen;

static void spin_barrier(void)
{
	unsigned int gen = __atomic_load_n(&bar_gen, __ATOMIC_ACQUIRE);

	if (__atomic_add_fetch(&bar_count, 1, __ATOMIC_ACQ_REL) == 2) {
		__atomic_store_n(&bar_count, 0, __ATOMIC_RELAXED);
		__atomic_add_fetch(&bar_gen, 1, __ATOMIC_RELEASE);
		return;
	}
	while (__atomic_load_n(&bar_gen, __ATOMIC_ACQUIRE) == gen)
		;
}

static struct qthread qt[2];
static unsigned long rounds_max = 1000000;
static int idle_ms = 3000;
static unsigned long rounds, pairs, singles;

static int on_packet(struct nfq_q_handle *qh, struct nfgenmsg *msg,
		     struct nfq_data *nfa, void *data)
{
	struct qthread *t = data;
	struct nfqnl_msg_packet_hdr *ph = nfq_get_msg_packet_hdr(nfa);

	if (!ph)
		return 0;
	if (t->have) {
		/* Only one packet per round is held; more than one in one
		 * recv cannot happen, but never leave a packet queued. */
		nfq_set_verdict(qh, ntohl(ph->packet_id), NF_ACCEPT, 0, NULL);
		return 0;
	}
	t->id = ntohl(ph->packet_id);
	t->have = true;
	return 0;
}

/* Wait for one packet on this thread's queue. */
static void wait_packet(struct qthread *t)
{
	char buf[4096] __attribute__((aligned));
	struct pollfd pfd = { .fd = nfq_fd(t->h), .events = POLLIN };
	int n;

	t->have = false;
	t->idle = false;
	while (!t->have) {
		/* Idle time counts once traffic started. */
		n = poll(&pfd, 1, rounds || t->have ? idle_ms : 60000);
		if (n == 0) {
			t->idle = true;
			return;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			t->idle = true;
			return;
		}
		n = recv(pfd.fd, buf, sizeof(buf), 0);
		if (n < 0) {
			if (errno == ENOBUFS || errno == EINTR)
				continue;
			fprintf(stderr, "ce_nfq: recv: %s\n", strerror(errno));
			t->idle = true;
			return;
		}
		nfq_handle_packet(t->h, buf, n);
	}
}

static void *run(void *arg)
{
	struct qthread *t = arg;
	unsigned long r;
	cpu_set_t cpus;
	bool stop;

	/* One CPU each, so the two reinjects really run at once. */
	CPU_ZERO(&cpus);
	CPU_SET((t - qt) % sysconf(_SC_NPROCESSORS_ONLN), &cpus);
	pthread_setaffinity_np(pthread_self(), sizeof(cpus), &cpus);

	for (r = 0; r < rounds_max; r++) {
		wait_packet(t);
		spin_barrier();
		/* Both held (or timed out): release together. */
		if (t->have)
			nfq_set_verdict(t->qh, t->id, NF_ACCEPT, 0, NULL);
		stop = qt[0].idle || qt[1].idle;
		if (t == &qt[0] && (qt[0].have || qt[1].have)) {
			rounds++;
			if (qt[0].have && qt[1].have)
				pairs++;
			else
				singles++;
		}
		/* Everyone has read the flags before they change. */
		spin_barrier();
		if (stop)
			break;
	}
	return NULL;
}

static int setup(struct qthread *t)
{
	t->h = nfq_open();
	if (!t->h) {
		fprintf(stderr, "ce_nfq: nfq_open: %s\n", strerror(errno));
		return -1;
	}
	t->qh = nfq_create_queue(t->h, t->qnum, on_packet, t);
	if (!t->qh) {
		fprintf(stderr, "ce_nfq: bind queue %u: %s\n", t->qnum,
			strerror(errno));
		return -1;
	}
	if (nfq_set_mode(t->qh, NFQNL_COPY_META, 0) < 0) {
		fprintf(stderr, "ce_nfq: set mode: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int opt, i;

	qt[0].qnum = 0;
	qt[1].qnum = 1;
	while ((opt = getopt(argc, argv, "a:b:n:t:")) != -1) {
		switch (opt) {
		case 'a': qt[0].qnum = num(optarg); break;
		case 'b': qt[1].qnum = num(optarg); break;
		case 'n': rounds_max = num(optarg); break;
		case 't': idle_ms = num(optarg); break;
		default:
			fprintf(stderr, "usage: ce_nfq [-a QA] [-b QB] [-n ROUNDS] [-t IDLE_MS]\n");
			return 2;
		}
	}
	for (i = 0; i < 2; i++)
		if (setup(&qt[i]))
			return 1;
	printf("ready\n");
	fflush(stdout);
	for (i = 0; i < 2; i++)
		pthread_create(&qt[i].tid, NULL, run, &qt[i]);
	for (i = 0; i < 2; i++)
		pthread_join(qt[i].tid, NULL);
	printf("rounds=%lu pairs=%lu single=%lu\n", rounds, pairs, singles);
	for (i = 0; i < 2; i++) {
		nfq_destroy_queue(qt[i].qh);
		nfq_close(qt[i].h);
	}
	return 0;
}
