// SPDX-License-Identifier: GPL-2.0
/*
 * linestamp: copy stdin to stdout, each line prefixed with the
 * CLOCK_REALTIME nanoseconds at which its last byte arrived.  Reads in
 * blocks (a shell `read` loop takes a syscall per byte, too slow on a TCG
 * guest to time anything), for the latency test of `ctdiag watch | ...`.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(void)
{
	static char line[65536];
	size_t used = 0;
	char buf[4096];
	ssize_t n;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((n = read(0, buf, sizeof(buf))) > 0) {
		struct timespec ts;
		ssize_t i;

		clock_gettime(CLOCK_REALTIME, &ts);
		for (i = 0; i < n; i++) {
			if (buf[i] != '\n') {
				if (used < sizeof(line) - 1)
					line[used++] = buf[i];
				continue;
			}
			line[used] = 0;
			printf("%lld %s\n", (long long)ts.tv_sec * 1000000000LL +
			       ts.tv_nsec, line);
			used = 0;
		}
	}
	return 0;
}
