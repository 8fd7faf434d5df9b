// SPDX-License-Identifier: GPL-2.0
/*
 * Compressed kernel objects (.ko.xz, .ko.zst, .ko.gz), recognised by
 * their magic and unpacked into memory for the ELF reader: see
 * elfscan_int.h.  The data is untrusted: output is bounded by
 * ELFSCAN_MAX_SIZE and a corrupt stream is an error, never a crash.
 */
#include <errno.h>
#include <lzma.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>
#include "elfscan_int.h"

static const unsigned char xz_magic[] = { 0xfd, '7', 'z', 'X', 'Z', 0 };
static const unsigned char zstd_magic[] = { 0x28, 0xb5, 0x2f, 0xfd };
static const unsigned char gz_magic[] = { 0x1f, 0x8b };

enum elfscan_comp elfscan_detect(const unsigned char *p, size_t len)
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
		return elfscan_err(err, -EFBIG,
			      "decompressed data exceeds %lu MiB",
			      ELFSCAN_MAX_SIZE >> 20);
	ncap = *cap ? *cap * 2 : 1 << 20;
	if (ncap > ELFSCAN_MAX_SIZE)
		ncap = ELFSCAN_MAX_SIZE;
	n = realloc(*out, ncap);
	if (!n)
		return elfscan_err(err, -ENOMEM, "out of memory decompressing");
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
		return elfscan_err(err, -ENOMEM, "cannot start xz decoder");
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
			ret = elfscan_err(err, -EBADMSG, "%s xz data (lzma error %d)",
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
		return elfscan_err(err, -ENOMEM, "cannot start zstd decoder");
	ZSTD_initDStream(ds);
	while (ib.pos < ib.size || r != 0) {
		ZSTD_outBuffer ob;

		ret = grow(&out, &cap, used, err);
		if (ret)
			goto fail;
		ob = (ZSTD_outBuffer){ out + used, cap - used, 0 };
		r = ZSTD_decompressStream(ds, &ob, &ib);
		if (ZSTD_isError(r)) {
			ret = elfscan_err(err, -EBADMSG, "corrupt zstd data: %s",
				     ZSTD_getErrorName(r));
			goto fail;
		}
		used += ob.pos;
		/* All input consumed, frame unfinished, no progress: cut. */
		if (ib.pos == ib.size && r != 0 && ob.pos < ob.size) {
			ret = elfscan_err(err, -EBADMSG, "truncated zstd data");
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
		return elfscan_err(err, -EFBIG, "gzip input too large");
	if (inflateInit2(&s, 15 + 32) != Z_OK)
		return elfscan_err(err, -ENOMEM, "cannot start gzip decoder");
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
			ret = elfscan_err(err, -EBADMSG, "truncated gzip data");
			goto fail;
		}
		if (r != Z_OK && r != Z_BUF_ERROR) {
			ret = elfscan_err(err, -EBADMSG, "corrupt gzip data (%s)",
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


int elfscan_decompress(enum elfscan_comp comp, const unsigned char *in,
		       size_t len, unsigned char **outp, size_t *outlen,
		       char *err)
{
	switch (comp) {
	case ELFSCAN_XZ:
		return unxz(in, len, outp, outlen, err);
	case ELFSCAN_ZSTD:
		return unzstd(in, len, outp, outlen, err);
	case ELFSCAN_GZIP:
		return ungzip(in, len, outp, outlen, err);
	default:
		return elfscan_err(err, -EINVAL, "not compressed");
	}
}
