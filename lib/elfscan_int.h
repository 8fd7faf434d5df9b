/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the parts of the ELF reader share (lib/elfscan.c opens and checks
 * an object, lib/elfdecomp.c unpacks compressed ones, lib/elfsyms.c reads
 * its symbols, relocations and .modinfo); not for other callers, who use
 * elfscan.h.
 */
#ifndef CTDIAG_ELFSCAN_INT_H
#define CTDIAG_ELFSCAN_INT_H

#include <gelf.h>
#include <libelf.h>
#include "elfscan.h"

struct elfscan_obj {
	Elf *elf;
	void *buf;		/* image for elf_memory(); NULL if mmapped */
	int fd;
	size_t size;
	size_t shnum;
	size_t shstrndx;
	GElf_Ehdr ehdr;
	enum elfscan_comp comp;
	unsigned int nr_relocs;
};

/* Format an error into err (ELFSCAN_ERRLEN bytes; NULL: none); returns ret. */
int elfscan_err(char *err, int ret, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The compression of an image by its magic bytes. */
enum elfscan_comp elfscan_detect(const unsigned char *p, size_t len);
/* Unpack in[0..len) of compression comp (not ELFSCAN_PLAIN) into a
 * malloc'ed *outp of *outlen bytes, at most ELFSCAN_MAX_SIZE.  0 or
 * -errno with err set. */
int elfscan_decompress(enum elfscan_comp comp, const unsigned char *in,
		       size_t len, unsigned char **outp, size_t *outlen,
		       char *err);

#endif
