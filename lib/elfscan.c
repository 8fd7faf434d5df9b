// SPDX-License-Identifier: GPL-2.0
/*
 * Opening kernel objects with libelf, plain or compressed (lib/elfdecomp),
 * and the header and section table checks; see elfscan.h.  Reading the
 * symbols and relocations is lib/elfsyms.c.
 *
 * libelf checks the ELF header and that section data lies inside the
 * image, but not the relations between sections (sh_link, sh_info, symbol
 * indices, entry sizes), so those are checked here and in lib/elfsyms.c
 * before use.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "elfscan_int.h"

int elfscan_err(char *err, int ret, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		vsnprintf(err, ELFSCAN_ERRLEN, fmt, ap);
		va_end(ap);
	}
	return ret;
}

/* Header checks libelf leaves to us, and the counters. */
static int setup(struct elfscan_obj *o, char *err)
{
	size_t i;

	if (elf_kind(o->elf) != ELF_K_ELF)
		return elfscan_err(err, -ENOEXEC, "not an ELF file");
	if (!gelf_getehdr(o->elf, &o->ehdr))
		return elfscan_err(err, -EBADMSG, "truncated or corrupt ELF header: %s",
			      elf_errmsg(-1));
	/* Say "truncated" rather than libelf's "no sections" for a cut file. */
	if (o->ehdr.e_shoff > o->size ||
	    (uint64_t)o->ehdr.e_shnum * o->ehdr.e_shentsize >
	    o->size - o->ehdr.e_shoff ||
	    (o->ehdr.e_shoff && o->ehdr.e_shentsize > o->size - o->ehdr.e_shoff))
		return elfscan_err(err, -EBADMSG,
			      "truncated ELF: section header table (offset %llu, %u entries) lies beyond the end of the file (%zu bytes)",
			      (unsigned long long)o->ehdr.e_shoff,
			      (unsigned)o->ehdr.e_shnum, o->size);
	if (elf_getshdrnum(o->elf, &o->shnum) ||
	    elf_getshdrstrndx(o->elf, &o->shstrndx))
		return elfscan_err(err, -EBADMSG,
			      "truncated or corrupt ELF section table: %s",
			      elf_errmsg(-1));
	if (o->shnum == 0)
		return elfscan_err(err, -EBADMSG,
			      "ELF file has no section headers");
	if (o->shstrndx >= o->shnum)
		return elfscan_err(err, -EBADMSG,
			      "corrupt ELF: section name table index %zu out of range",
			      o->shstrndx);
	for (i = 1; i < o->shnum; i++) {
		Elf_Scn *scn = elf_getscn(o->elf, i);
		GElf_Shdr sh;

		if (!scn || !gelf_getshdr(scn, &sh))
			return elfscan_err(err, -EBADMSG,
				      "truncated or corrupt ELF section header %zu: %s",
				      i, elf_errmsg(-1));
		if (sh.sh_type != SHT_NOBITS &&
		    (sh.sh_offset > o->size ||
		     sh.sh_size > o->size - sh.sh_offset))
			return elfscan_err(err, -EBADMSG,
				      "truncated ELF: section %zu (offset %llu, size %llu) lies beyond the end of the file (%zu bytes)",
				      i, (unsigned long long)sh.sh_offset,
				      (unsigned long long)sh.sh_size, o->size);
		if (sh.sh_type == SHT_RELA || sh.sh_type == SHT_REL)
			o->nr_relocs++;
	}
	return 0;
}

int elfscan_open_mem(const void *buf, size_t len, struct elfscan_obj **objp,
		     char *err)
{
	struct elfscan_obj *o;
	unsigned char *img = NULL;
	size_t imglen = 0;
	int ret;

	*objp = NULL;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return elfscan_err(err, -EINVAL, "libelf: %s", elf_errmsg(-1));
	o = calloc(1, sizeof(*o));
	if (!o)
		return elfscan_err(err, -ENOMEM, "out of memory");
	o->fd = -1;
	o->comp = elfscan_detect(buf, len);
	if (o->comp != ELFSCAN_PLAIN) {
		ret = elfscan_decompress(o->comp, buf, len, &img, &imglen, err);
	} else {
		img = malloc(len ? len : 1);
		ret = img ? 0 : elfscan_err(err, -ENOMEM, "out of memory");
		if (img)
			memcpy(img, buf, len);
		imglen = len;
	}
	if (ret)
		goto fail;
	o->buf = img;
	o->size = imglen;
	if (imglen < 4 || memcmp(img, ELFMAG, SELFMAG)) {
		ret = elfscan_err(err, -ENOEXEC, o->comp ?
			     "compressed data is not an ELF file" :
			     "not an ELF file");
		goto fail;
	}
	if (imglen < sizeof(Elf32_Ehdr)) {
		ret = elfscan_err(err, -EBADMSG,
			     "truncated ELF header (%zu bytes)", imglen);
		goto fail;
	}
	o->elf = elf_memory((char *)img, imglen);
	if (!o->elf) {
		ret = elfscan_err(err, -EBADMSG, "corrupt ELF: %s", elf_errmsg(-1));
		goto fail;
	}
	ret = setup(o, err);
	if (ret)
		goto fail;
	*objp = o;
	return 0;
fail:
	elfscan_close(o);
	return ret;
}

int elfscan_open(const char *path, struct elfscan_obj **objp, char *err)
{
	unsigned char magic[6];
	struct elfscan_obj *o;
	unsigned char *buf;
	struct stat st;
	ssize_t n;
	size_t got = 0;
	int fd, ret;

	*objp = NULL;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return elfscan_err(err, -EINVAL, "libelf: %s", elf_errmsg(-1));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return elfscan_err(err, -errno, "%s", strerror(errno));
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		close(fd);
		return elfscan_err(err, ret, "%s", strerror(-ret));
	}
	if (!S_ISREG(st.st_mode)) {
		ret = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
		close(fd);
		return elfscan_err(err, ret, "not a regular file");
	}
	n = pread(fd, magic, sizeof(magic), 0);
	if (n < 0) {
		ret = -errno;
		close(fd);
		return elfscan_err(err, ret, "%s", strerror(-ret));
	}
	if (elfscan_detect(magic, n) == ELFSCAN_PLAIN) {
		/* Uncompressed: let libelf map it (a debug vmlinux is big). */
		if (n < 4 || memcmp(magic, ELFMAG, SELFMAG)) {
			close(fd);
			return elfscan_err(err, -ENOEXEC, "not an ELF file");
		}
		o = calloc(1, sizeof(*o));
		if (!o) {
			close(fd);
			return elfscan_err(err, -ENOMEM, "out of memory");
		}
		o->fd = fd;
		o->size = st.st_size;
		o->elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
		if (!o->elf) {
			ret = elfscan_err(err, -EBADMSG, "corrupt ELF: %s",
				     elf_errmsg(-1));
			elfscan_close(o);
			return ret;
		}
		ret = setup(o, err);
		if (ret) {
			elfscan_close(o);
			return ret;
		}
		*objp = o;
		return 0;
	}
	if ((unsigned long long)st.st_size > ELFSCAN_MAX_SIZE) {
		close(fd);
		return elfscan_err(err, -EFBIG, "compressed file too large");
	}
	buf = malloc(st.st_size ? st.st_size : 1);
	if (!buf) {
		close(fd);
		return elfscan_err(err, -ENOMEM, "out of memory");
	}
	while (got < (size_t)st.st_size) {
		n = pread(fd, buf + got, st.st_size - got, got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += n;
	}
	close(fd);
	ret = elfscan_open_mem(buf, got, objp, err);
	free(buf);
	return ret;
}

void elfscan_close(struct elfscan_obj *o)
{
	if (!o)
		return;
	if (o->elf)
		elf_end(o->elf);
	if (o->fd >= 0)
		close(o->fd);
	free(o->buf);
	free(o);
}

enum elfscan_comp elfscan_compression(const struct elfscan_obj *o)
{
	return o->comp;
}

bool elfscan_is_relocatable(const struct elfscan_obj *o)
{
	return o->ehdr.e_type == ET_REL;
}

unsigned int elfscan_nr_relocs(const struct elfscan_obj *o)
{
	return o->nr_relocs;
}
