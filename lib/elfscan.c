// SPDX-License-Identifier: GPL-2.0
/*
 * Relocation scanning of kernel objects with libelf; see elfscan.h.
 *
 * libelf checks the ELF header and that section data lies inside the
 * image, but not the relations between sections (sh_link, sh_info, symbol
 * indices, entry sizes), so those are checked here before use.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <lzma.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>
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

static int seterr(char *err, int ret, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int seterr(char *err, int ret, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		vsnprintf(err, ELFSCAN_ERRLEN, fmt, ap);
		va_end(ap);
	}
	return ret;
}

static const unsigned char xz_magic[] = { 0xfd, '7', 'z', 'X', 'Z', 0 };
static const unsigned char zstd_magic[] = { 0x28, 0xb5, 0x2f, 0xfd };
static const unsigned char gz_magic[] = { 0x1f, 0x8b };

static enum elfscan_comp detect(const unsigned char *p, size_t len)
{
	if (len >= sizeof(xz_magic) && !memcmp(p, xz_magic, sizeof(xz_magic)))
		return ELFSCAN_XZ;
	if (len >= sizeof(zstd_magic) &&
	    !memcmp(p, zstd_magic, sizeof(zstd_magic)))
		return ELFSCAN_ZSTD;
	if (len >= sizeof(gz_magic) && !memcmp(p, gz_magic, sizeof(gz_magic)))
		return ELFSCAN_GZIP;
	return ELFSCAN_PLAIN;
}

/* Grow *out (capacity *cap) so that at least `need` more bytes fit. */
static int grow(unsigned char **out, size_t *cap, size_t used, char *err)
{
	size_t ncap;
	unsigned char *n;

	if (used < *cap)
		return 0;
	if (*cap >= ELFSCAN_MAX_SIZE)
		return seterr(err, -EFBIG,
			      "decompressed data exceeds %lu MiB",
			      ELFSCAN_MAX_SIZE >> 20);
	ncap = *cap ? *cap * 2 : 1 << 20;
	if (ncap > ELFSCAN_MAX_SIZE)
		ncap = ELFSCAN_MAX_SIZE;
	n = realloc(*out, ncap);
	if (!n)
		return seterr(err, -ENOMEM, "out of memory decompressing");
	*out = n;
	*cap = ncap;
	return 0;
}

static int unxz(const unsigned char *in, size_t len, unsigned char **outp,
		size_t *outlen, char *err)
{
	lzma_stream s = LZMA_STREAM_INIT;
	unsigned char *out = NULL;
	size_t cap = 0;
	lzma_ret r;
	int ret;

	if (lzma_stream_decoder(&s, 256UL << 20, LZMA_CONCATENATED) != LZMA_OK)
		return seterr(err, -ENOMEM, "cannot start xz decoder");
	s.next_in = in;
	s.avail_in = len;
	for (;;) {
		ret = grow(&out, &cap, s.total_out, err);
		if (ret)
			goto fail;
		s.next_out = out + s.total_out;
		s.avail_out = cap - s.total_out;
		r = lzma_code(&s, LZMA_FINISH);
		if (r == LZMA_STREAM_END)
			break;
		if (r != LZMA_OK) {
			ret = seterr(err, -EBADMSG, "%s xz data (lzma error %d)",
				     r == LZMA_BUF_ERROR ? "truncated" :
				     "corrupt", (int)r);
			goto fail;
		}
	}
	*outp = out;
	*outlen = s.total_out;
	lzma_end(&s);
	return 0;
fail:
	lzma_end(&s);
	free(out);
	return ret;
}

static int unzstd(const unsigned char *in, size_t len, unsigned char **outp,
		  size_t *outlen, char *err)
{
	ZSTD_DStream *ds = ZSTD_createDStream();
	ZSTD_inBuffer ib = { in, len, 0 };
	unsigned char *out = NULL;
	size_t cap = 0, used = 0, r = 1;
	int ret;

	if (!ds)
		return seterr(err, -ENOMEM, "cannot start zstd decoder");
	ZSTD_initDStream(ds);
	while (ib.pos < ib.size || r != 0) {
		ZSTD_outBuffer ob;

		ret = grow(&out, &cap, used, err);
		if (ret)
			goto fail;
		ob = (ZSTD_outBuffer){ out + used, cap - used, 0 };
		r = ZSTD_decompressStream(ds, &ob, &ib);
		if (ZSTD_isError(r)) {
			ret = seterr(err, -EBADMSG, "corrupt zstd data: %s",
				     ZSTD_getErrorName(r));
			goto fail;
		}
		used += ob.pos;
		/* All input consumed, frame unfinished, no progress: cut. */
		if (ib.pos == ib.size && r != 0 && ob.pos < ob.size) {
			ret = seterr(err, -EBADMSG, "truncated zstd data");
			goto fail;
		}
	}
	ZSTD_freeDStream(ds);
	*outp = out;
	*outlen = used;
	return 0;
fail:
	ZSTD_freeDStream(ds);
	free(out);
	return ret;
}

static int ungzip(const unsigned char *in, size_t len, unsigned char **outp,
		  size_t *outlen, char *err)
{
	z_stream s;
	unsigned char *out = NULL;
	size_t cap = 0;
	int r, ret;

	memset(&s, 0, sizeof(s));
	if (len > UINT32_MAX)
		return seterr(err, -EFBIG, "gzip input too large");
	if (inflateInit2(&s, 15 + 32) != Z_OK)
		return seterr(err, -ENOMEM, "cannot start gzip decoder");
	s.next_in = (unsigned char *)in;
	s.avail_in = len;
	for (;;) {
		size_t room;

		ret = grow(&out, &cap, s.total_out, err);
		if (ret)
			goto fail;
		room = cap - s.total_out;
		s.next_out = out + s.total_out;
		s.avail_out = room > UINT32_MAX ? UINT32_MAX : room;
		r = inflate(&s, Z_NO_FLUSH);
		if (r == Z_STREAM_END)
			break;
		if (r == Z_BUF_ERROR && s.avail_in == 0) {
			ret = seterr(err, -EBADMSG, "truncated gzip data");
			goto fail;
		}
		if (r != Z_OK && r != Z_BUF_ERROR) {
			ret = seterr(err, -EBADMSG, "corrupt gzip data (%s)",
				     s.msg ? s.msg : "zlib error");
			goto fail;
		}
	}
	*outp = out;
	*outlen = s.total_out;
	inflateEnd(&s);
	return 0;
fail:
	inflateEnd(&s);
	free(out);
	return ret;
}

/* Header checks libelf leaves to us, and the counters. */
static int setup(struct elfscan_obj *o, char *err)
{
	size_t i;

	if (elf_kind(o->elf) != ELF_K_ELF)
		return seterr(err, -ENOEXEC, "not an ELF file");
	if (!gelf_getehdr(o->elf, &o->ehdr))
		return seterr(err, -EBADMSG, "truncated or corrupt ELF header: %s",
			      elf_errmsg(-1));
	/* Say "truncated" rather than libelf's "no sections" for a cut file. */
	if (o->ehdr.e_shoff > o->size ||
	    (uint64_t)o->ehdr.e_shnum * o->ehdr.e_shentsize >
	    o->size - o->ehdr.e_shoff ||
	    (o->ehdr.e_shoff && o->ehdr.e_shentsize > o->size - o->ehdr.e_shoff))
		return seterr(err, -EBADMSG,
			      "truncated ELF: section header table (offset %llu, %u entries) lies beyond the end of the file (%zu bytes)",
			      (unsigned long long)o->ehdr.e_shoff,
			      (unsigned)o->ehdr.e_shnum, o->size);
	if (elf_getshdrnum(o->elf, &o->shnum) ||
	    elf_getshdrstrndx(o->elf, &o->shstrndx))
		return seterr(err, -EBADMSG,
			      "truncated or corrupt ELF section table: %s",
			      elf_errmsg(-1));
	if (o->shnum == 0)
		return seterr(err, -EBADMSG,
			      "ELF file has no section headers");
	if (o->shstrndx >= o->shnum)
		return seterr(err, -EBADMSG,
			      "corrupt ELF: section name table index %zu out of range",
			      o->shstrndx);
	for (i = 1; i < o->shnum; i++) {
		Elf_Scn *scn = elf_getscn(o->elf, i);
		GElf_Shdr sh;

		if (!scn || !gelf_getshdr(scn, &sh))
			return seterr(err, -EBADMSG,
				      "truncated or corrupt ELF section header %zu: %s",
				      i, elf_errmsg(-1));
		if (sh.sh_type != SHT_NOBITS &&
		    (sh.sh_offset > o->size ||
		     sh.sh_size > o->size - sh.sh_offset))
			return seterr(err, -EBADMSG,
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
		return seterr(err, -EINVAL, "libelf: %s", elf_errmsg(-1));
	o = calloc(1, sizeof(*o));
	if (!o)
		return seterr(err, -ENOMEM, "out of memory");
	o->fd = -1;
	o->comp = detect(buf, len);
	switch (o->comp) {
	case ELFSCAN_XZ:
		ret = unxz(buf, len, &img, &imglen, err);
		break;
	case ELFSCAN_ZSTD:
		ret = unzstd(buf, len, &img, &imglen, err);
		break;
	case ELFSCAN_GZIP:
		ret = ungzip(buf, len, &img, &imglen, err);
		break;
	default:
		img = malloc(len ? len : 1);
		ret = img ? 0 : seterr(err, -ENOMEM, "out of memory");
		if (img)
			memcpy(img, buf, len);
		imglen = len;
		break;
	}
	if (ret)
		goto fail;
	o->buf = img;
	o->size = imglen;
	if (imglen < 4 || memcmp(img, ELFMAG, SELFMAG)) {
		ret = seterr(err, -ENOEXEC, o->comp ?
			     "compressed data is not an ELF file" :
			     "not an ELF file");
		goto fail;
	}
	if (imglen < sizeof(Elf32_Ehdr)) {
		ret = seterr(err, -EBADMSG,
			     "truncated ELF header (%zu bytes)", imglen);
		goto fail;
	}
	o->elf = elf_memory((char *)img, imglen);
	if (!o->elf) {
		ret = seterr(err, -EBADMSG, "corrupt ELF: %s", elf_errmsg(-1));
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
		return seterr(err, -EINVAL, "libelf: %s", elf_errmsg(-1));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return seterr(err, -errno, "%s", strerror(errno));
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		close(fd);
		return seterr(err, ret, "%s", strerror(-ret));
	}
	if (!S_ISREG(st.st_mode)) {
		ret = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
		close(fd);
		return seterr(err, ret, "not a regular file");
	}
	n = pread(fd, magic, sizeof(magic), 0);
	if (n < 0) {
		ret = -errno;
		close(fd);
		return seterr(err, ret, "%s", strerror(-ret));
	}
	if (detect(magic, n) == ELFSCAN_PLAIN) {
		/* Uncompressed: let libelf map it (a debug vmlinux is big). */
		if (n < 4 || memcmp(magic, ELFMAG, SELFMAG)) {
			close(fd);
			return seterr(err, -ENOEXEC, "not an ELF file");
		}
		o = calloc(1, sizeof(*o));
		if (!o) {
			close(fd);
			return seterr(err, -ENOMEM, "out of memory");
		}
		o->fd = fd;
		o->size = st.st_size;
		o->elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
		if (!o->elf) {
			ret = seterr(err, -EBADMSG, "corrupt ELF: %s",
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
		return seterr(err, -EFBIG, "compressed file too large");
	}
	buf = malloc(st.st_size ? st.st_size : 1);
	if (!buf) {
		close(fd);
		return seterr(err, -ENOMEM, "out of memory");
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

static const char *secname(struct elfscan_obj *o, const GElf_Shdr *sh)
{
	const char *s = elf_strptr(o->elf, o->shstrndx, sh->sh_name);

	return s ? s : "?";
}

/* A symbol table and its entry count, validated. */
struct symtab {
	size_t idx;		/* section index, 0 = none loaded */
	Elf_Data *data;
	Elf_Data *xndx;		/* SHT_SYMTAB_SHNDX, if any */
	size_t strndx;
	size_t nsyms;
};

static int load_symtab(struct elfscan_obj *o, size_t idx, struct symtab *st,
		       char *err)
{
	Elf_Scn *scn;
	GElf_Shdr sh;
	size_t i, ent;

	if (st->idx == idx && idx)
		return 0;
	memset(st, 0, sizeof(*st));
	if (idx == 0 || idx >= o->shnum)
		return seterr(err, -EBADMSG,
			      "corrupt ELF: symbol table index %zu out of range",
			      idx);
	scn = elf_getscn(o->elf, idx);
	if (!scn || !gelf_getshdr(scn, &sh))
		return seterr(err, -EBADMSG, "corrupt ELF: section %zu", idx);
	if (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM)
		return seterr(err, -EBADMSG,
			      "corrupt ELF: section %zu is not a symbol table",
			      idx);
	if (sh.sh_link == 0 || sh.sh_link >= o->shnum)
		return seterr(err, -EBADMSG,
			      "corrupt ELF: symbol table %zu has no string table",
			      idx);
	ent = gelf_fsize(o->elf, ELF_T_SYM, 1, EV_CURRENT);
	if (!ent || (sh.sh_entsize && sh.sh_entsize != ent))
		return seterr(err, -EBADMSG,
			      "corrupt ELF: symbol table %zu entry size %llu",
			      idx, (unsigned long long)sh.sh_entsize);
	st->data = elf_getdata(scn, NULL);
	if (!st->data)
		return seterr(err, -EBADMSG,
			      "truncated or corrupt ELF symbol table: %s",
			      elf_errmsg(-1));
	st->nsyms = st->data->d_size / ent;
	st->strndx = sh.sh_link;
	for (i = 1; i < o->shnum; i++) {
		Elf_Scn *x = elf_getscn(o->elf, i);
		GElf_Shdr xs;

		if (x && gelf_getshdr(x, &xs) &&
		    xs.sh_type == SHT_SYMTAB_SHNDX && xs.sh_link == idx) {
			st->xndx = elf_getdata(x, NULL);
			break;
		}
	}
	st->idx = idx;
	return 0;
}

/* Symbol i with its real section index; false if unreadable. */
static bool get_sym(const struct symtab *st, size_t i, GElf_Sym *sym,
		    size_t *shndx)
{
	Elf32_Word x = 0;

	if (i >= st->nsyms)
		return false;
	if (st->xndx) {
		if ((i + 1) * sizeof(Elf32_Word) > st->xndx->d_size)
			return false;
		if (!gelf_getsymshndx(st->data, st->xndx, i, sym, &x))
			return false;
	} else if (!gelf_getsym(st->data, i, sym)) {
		return false;
	}
	*shndx = sym->st_shndx == SHN_XINDEX ? x : sym->st_shndx;
	return true;
}

static const char *sym_name(struct elfscan_obj *o, const struct symtab *st,
			    const GElf_Sym *sym)
{
	return elf_strptr(o->elf, st->strndx, sym->st_name);
}

/* The function containing offset `off` of section `shndx`. */
static char *caller_name(struct elfscan_obj *o, const struct symtab *st,
			 size_t shndx, uint64_t off, const char *sname)
{
	const char *best = NULL;
	uint64_t bestval = 0;
	bool exact = false;
	char *s;
	size_t i, sx;
	GElf_Sym sym;

	for (i = 1; i < st->nsyms; i++) {
		int type;
		const char *n;

		if (!get_sym(st, i, &sym, &sx) || sx != shndx)
			continue;
		type = GELF_ST_TYPE(sym.st_info);
		if (type != STT_FUNC && type != STT_NOTYPE)
			continue;
		n = sym_name(o, st, &sym);
		if (!n || !*n || sym.st_value > off)
			continue;
		if (type == STT_FUNC && sym.st_size &&
		    off - sym.st_value < sym.st_size) {
			if (!exact || sym.st_value > bestval) {
				best = n;
				bestval = sym.st_value;
			}
			exact = true;
		} else if (!exact && (!best || sym.st_value >= bestval) &&
			   type == STT_FUNC) {
			best = n;
			bestval = sym.st_value;
		}
	}
	if (best)
		return strdup(best);
	if (asprintf(&s, "%s+0x%llx", sname, (unsigned long long)off) < 0)
		return NULL;
	return s;
}

static int add_func(struct elfscan_refs *r, char *name)
{
	struct elfscan_func *n;
	size_t i;

	if (!name)
		return -ENOMEM;
	for (i = 0; i < r->nfuncs; i++) {
		if (!strcmp(r->funcs[i].name, name)) {
			r->funcs[i].sites++;
			free(name);
			return 0;
		}
	}
	n = realloc(r->funcs, (r->nfuncs + 1) * sizeof(*n));
	if (!n) {
		free(name);
		return -ENOMEM;
	}
	r->funcs = n;
	r->funcs[r->nfuncs].name = name;
	r->funcs[r->nfuncs].sites = 1;
	r->nfuncs++;
	return 0;
}

static int cmp_func(const void *a, const void *b)
{
	return strcmp(((const struct elfscan_func *)a)->name,
		      ((const struct elfscan_func *)b)->name);
}

void elfscan_refs_free(struct elfscan_refs *r)
{
	size_t i;

	for (i = 0; i < r->nfuncs; i++)
		free(r->funcs[i].name);
	free(r->funcs);
	memset(r, 0, sizeof(*r));
}

/* Mark which entries of a symbol table are named `name`. */
static int match_set(struct elfscan_obj *o, const struct symtab *st,
		     const char *name, unsigned char **setp, size_t *nmatch)
{
	unsigned char *set = calloc(st->nsyms ? st->nsyms : 1, 1);
	GElf_Sym sym;
	size_t i, sx;

	if (!set)
		return -ENOMEM;
	*nmatch = 0;
	for (i = 1; i < st->nsyms; i++) {
		const char *n;

		if (!get_sym(st, i, &sym, &sx))
			continue;
		n = sym_name(o, st, &sym);
		if (n && !strcmp(n, name)) {
			set[i] = 1;
			(*nmatch)++;
		}
	}
	*setp = set;
	return 0;
}

int elfscan_find_refs(struct elfscan_obj *o, const char *name,
		      struct elfscan_refs *out, char *err)
{
	struct symtab st = { 0 };
	unsigned char *set = NULL;
	size_t set_for = 0, nmatch = 0, i;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	for (i = 1; i < o->shnum; i++) {
		Elf_Scn *scn = elf_getscn(o->elf, i), *tscn;
		GElf_Shdr sh, tsh;
		Elf_Data *d;
		size_t ent, n, j;
		bool rela, exec;

		if (!scn || !gelf_getshdr(scn, &sh))
			continue;
		if (sh.sh_type != SHT_RELA && sh.sh_type != SHT_REL)
			continue;
		rela = sh.sh_type == SHT_RELA;
		if (sh.sh_info == 0 || sh.sh_info >= o->shnum) {
			ret = seterr(err, -EBADMSG,
				     "corrupt ELF: relocation section %s applies to section %u, out of range",
				     secname(o, &sh), (unsigned)sh.sh_info);
			goto out;
		}
		tscn = elf_getscn(o->elf, sh.sh_info);
		if (!tscn || !gelf_getshdr(tscn, &tsh)) {
			ret = seterr(err, -EBADMSG, "corrupt ELF: section %u",
				     (unsigned)sh.sh_info);
			goto out;
		}
		/* Debug info references everything; only loaded code and
		 * data can call or hold a pointer. */
		if (!(tsh.sh_flags & SHF_ALLOC))
			continue;
		exec = tsh.sh_flags & SHF_EXECINSTR;
		ret = load_symtab(o, sh.sh_link, &st, err);
		if (ret)
			goto out;
		if (set_for != st.idx) {
			free(set);
			set = NULL;
			ret = match_set(o, &st, name, &set, &nmatch);
			if (ret) {
				seterr(err, ret, "out of memory");
				goto out;
			}
			set_for = st.idx;
		}
		if (!nmatch)
			continue;
		ent = gelf_fsize(o->elf, rela ? ELF_T_RELA : ELF_T_REL, 1,
				 EV_CURRENT);
		if (!ent || (sh.sh_entsize && sh.sh_entsize != ent)) {
			ret = seterr(err, -EBADMSG,
				     "corrupt ELF: relocation section %s entry size %llu",
				     secname(o, &sh),
				     (unsigned long long)sh.sh_entsize);
			goto out;
		}
		d = elf_getdata(scn, NULL);
		if (!d) {
			ret = seterr(err, -EBADMSG,
				     "truncated or corrupt ELF relocation section %s: %s",
				     secname(o, &sh), elf_errmsg(-1));
			goto out;
		}
		n = d->d_size / ent;
		for (j = 0; j < n; j++) {
			GElf_Rela ra;
			GElf_Rel rl;
			uint64_t off, symi;

			if (rela) {
				if (!gelf_getrela(d, j, &ra))
					break;
				off = ra.r_offset;
				symi = GELF_R_SYM(ra.r_info);
			} else {
				if (!gelf_getrel(d, j, &rl))
					break;
				off = rl.r_offset;
				symi = GELF_R_SYM(rl.r_info);
			}
			if (symi == 0)
				continue;
			if (symi >= st.nsyms) {
				ret = seterr(err, -EBADMSG,
					     "corrupt ELF: relocation %zu of %s names symbol %llu of %zu",
					     j, secname(o, &sh),
					     (unsigned long long)symi, st.nsyms);
				goto out;
			}
			if (!set[symi])
				continue;
			if (!exec) {
				out->data_refs++;
				continue;
			}
			out->calls++;
			ret = add_func(out, caller_name(o, &st, sh.sh_info, off,
							secname(o, &tsh)));
			if (ret) {
				seterr(err, ret, "out of memory");
				goto out;
			}
		}
	}
	if (out->nfuncs > 1)
		qsort(out->funcs, out->nfuncs, sizeof(*out->funcs), cmp_func);
out:
	free(set);
	if (ret)
		elfscan_refs_free(out);
	return ret;
}

/* nm's letter for a defined symbol. */
static char nm_type(const GElf_Sym *sym, const GElf_Shdr *sh)
{
	char c;

	if (sym->st_shndx == SHN_ABS)
		c = 'a';
	else if (sh->sh_flags & SHF_EXECINSTR)
		c = 't';
	else if (sh->sh_type == SHT_NOBITS)
		c = 'b';
	else if (sh->sh_flags & SHF_WRITE)
		c = 'd';
	else if (sh->sh_flags & SHF_ALLOC)
		c = 'r';
	else
		c = 'n';
	if (GELF_ST_BIND(sym->st_info) != STB_LOCAL && c != 'n')
		c -= 'a' - 'A';
	return c;
}

int elfscan_symbol(struct elfscan_obj *o, const char *name,
		   struct elfscan_sym *out, char *err)
{
	struct symtab st = { 0 };
	size_t i, j, sx;
	GElf_Sym sym;
	int ret;

	memset(out, 0, sizeof(*out));
	for (i = 1; i < o->shnum; i++) {
		Elf_Scn *scn = elf_getscn(o->elf, i);
		GElf_Shdr sh;

		if (!scn || !gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB)
			continue;
		ret = load_symtab(o, i, &st, err);
		if (ret)
			return ret;
		for (j = 1; j < st.nsyms; j++) {
			const char *n;
			GElf_Shdr ts = { 0 };
			Elf_Scn *tscn;

			if (!get_sym(&st, j, &sym, &sx) || sx == SHN_UNDEF)
				continue;
			n = sym_name(o, &st, &sym);
			if (!n || strcmp(n, name))
				continue;
			if (sx < SHN_LORESERVE) {
				if (sx >= o->shnum)
					continue;
				tscn = elf_getscn(o->elf, sx);
				if (!tscn || !gelf_getshdr(tscn, &ts))
					continue;
				snprintf(out->section, sizeof(out->section),
					 "%s", secname(o, &ts));
			}
			out->found = true;
			out->type = nm_type(&sym, &ts);
			out->writable = ts.sh_flags & SHF_WRITE;
			out->exec = ts.sh_flags & SHF_EXECINSTR;
			return 0;
		}
	}
	return 0;
}

int elfscan_modinfo(struct elfscan_obj *o, const char *key, char *buf,
		    size_t len)
{
	size_t klen = strlen(key), i;

	for (i = 1; i < o->shnum; i++) {
		Elf_Scn *scn = elf_getscn(o->elf, i);
		const char *p, *end;
		Elf_Data *d;
		GElf_Shdr sh;

		if (!scn || !gelf_getshdr(scn, &sh) ||
		    sh.sh_type != SHT_PROGBITS ||
		    strcmp(secname(o, &sh), ".modinfo"))
			continue;
		d = elf_getdata(scn, NULL);
		if (!d || !d->d_buf)
			return -EBADMSG;
		p = d->d_buf;
		end = p + d->d_size;
		while (p < end) {
			const char *z = memchr(p, 0, end - p);
			size_t l = z ? (size_t)(z - p) : (size_t)(end - p);

			if (l > klen && !memcmp(p, key, klen) && p[klen] == '=') {
				size_t vl = l - klen - 1;

				if (vl >= len)
					vl = len - 1;
				memcpy(buf, p + klen + 1, vl);
				buf[vl] = 0;
				return 0;
			}
			p += l + 1;
		}
	}
	return -ENOENT;
}
