// SPDX-License-Identifier: GPL-2.0
/* libFuzzer target: the recording-file reader (lib/recfile.c). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "recfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/ctdiag-fuzz-recfile.XXXXXX";
	struct recfile rf;
	struct recfile_chunk c;
	int fd = mkstemp(path), n = 0;

	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		unlink(path);
		return 0;
	}
	close(fd);
	if (recfile_open(&rf, path) == 0) {
		while (recfile_next(&rf, &c) == 1 && n++ < 100000)
			;
	}
	recfile_close(&rf);
	unlink(path);
	return 0;
}
