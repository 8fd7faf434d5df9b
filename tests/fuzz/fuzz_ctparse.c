// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the saved conntrack listing parser (lib/ctparse.c),
 * both `conntrack -L` text and `ctdiag ls -o json` lines.  The input is a
 * whole file: it goes through ctparse_file() (line splitting, limits,
 * "NAME:LINE: reason") and each line once more through ctparse_line() with
 * the exact length and no NUL terminator (the parser promises it never
 * reads past len), and every accepted entry is printed canonically.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ctparse.h"

static int entry_cb(const struct ct_entry *e, unsigned long lineno,
		    void *arg)
{
	char buf[1024];

	(void)lineno;
	(void)arg;
	ct_entry_snprintf(buf, sizeof(buf), e);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	struct ct_entry e;
	const uint8_t *p = data, *end = data + size;
	FILE *fp;

	if (size > 0) {
		fp = fmemopen((void *)data, size, "r");
		if (fp) {
			ctparse_file(fp, "fuzz", entry_cb, NULL, err,
				     sizeof(err));
			fclose(fp);
		}
	}
	while (p < end) {
		const uint8_t *nl = memchr(p, '\n', end - p);
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		/* An exact-size heap copy: ASan flags any read past len. */
		char *line = malloc(len ? len : 1);

		if (!line)
			break;
		memcpy(line, p, len);
		memset(&e, 0, sizeof(e));
		if (ctparse_line(line, len, &e, err, sizeof(err)) == 1) {
			char buf[1024];

			ct_entry_snprintf(buf, sizeof(buf), &e);
		}
		ctparse_text(line, len, &e, err, sizeof(err));
		ctparse_json(line, len, &e, err, sizeof(err));
		free(line);
		p += len + 1;
	}
	return 0;
}
