// SPDX-License-Identifier: GPL-2.0
/* ctdiag recording files: see recfile.h for the format. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <linux/netlink.h>
#include "recfile.h"
#include "util.h"

#define ALIGN8(x) (((x) + 7u) & ~7u)

int recfile_verrf(char *buf, size_t len, const char *path, uint64_t off,
		  int err, const char *fmt, va_list ap)
{
	char msg[384];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	snprintf(buf, len, "%s: offset %llu: %s", path ? path : "?",
		 (unsigned long long)off, msg);
	return err;
}

static int fail(struct recfile *rf, int err, uint64_t off, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(struct recfile *rf, int err, uint64_t off, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err = recfile_verrf(rf->err, sizeof(rf->err), rf->path, off, err, fmt, ap);
	va_end(ap);
	return err;
}

int recfile_open(struct recfile *rf, const char *path)
{
	struct recfile_header *h = &rf->hdr;
	size_t n;

	memset(rf, 0, sizeof(*rf));
	rf->path = strdup(path);
	rf->fp = fopen(path, "rb");
	if (!rf->fp) {
		int err = -errno;

		snprintf(rf->err, sizeof(rf->err), "%s: %s", path, strerror(-err));
		return err;
	}
	/* recordings run to hundreds of MB: read them in big gulps, not
	 * stdio's st_blksize (4 KiB) */
	rf->iobuf = malloc(RECFILE_READ_BUF);
	if (rf->iobuf)
		setvbuf(rf->fp, rf->iobuf, _IOFBF, RECFILE_READ_BUF);
	n = fread(h, 1, sizeof(*h), rf->fp);
	if (n < sizeof(h->magic) ||
	    memcmp(h->magic, RECFILE_MAGIC, sizeof(h->magic)))
		return n == 0 ? fail(rf, -ENODATA, 0, "empty file, not a ctdiag recording")
			      : fail(rf, -EBADMSG, 0, "bad magic, not a ctdiag recording");
	if (n < sizeof(*h))
		return fail(rf, -ENODATA, n, "truncated header (%zu of %zu bytes)",
			    n, sizeof(*h));
	if (h->byte_order != RECFILE_BYTE_ORDER)
		return fail(rf, -EPROTONOSUPPORT, 16,
			    "written on a host of the other byte order");
	if (h->version > RECFILE_VERSION)
		return fail(rf, -EPROTONOSUPPORT, 8,
			    "format version %u is newer than this ctdiag reads (%u): upgrade ctdiag",
			    h->version, RECFILE_VERSION);
	if (h->version == 0 || h->header_size != sizeof(*h))
		return fail(rf, -EBADMSG, 12, "bad header (version %u, size %u)",
			    h->version, h->header_size);
	if (h->abi_version > CTDIAG_ABI_VERSION)
		return fail(rf, -EPROTONOSUPPORT, 20,
			    "records use module ABI %u, newer than this ctdiag reads (%d): upgrade ctdiag",
			    h->abi_version, CTDIAG_ABI_VERSION);
	if (h->record_size != sizeof(struct ctdiag_event) ||
	    h->ext_rec_size != sizeof(struct ctdiag_ext_rec))
		return fail(rf, -EPROTONOSUPPORT, 24,
			    "record sizes %u/%u differ from this ctdiag's %zu/%zu",
			    h->record_size, h->ext_rec_size,
			    sizeof(struct ctdiag_event), sizeof(struct ctdiag_ext_rec));
	h->kernel_release[sizeof(h->kernel_release) - 1] = 0;
	h->hostname[sizeof(h->hostname) - 1] = 0;
	rf->offset = sizeof(*h);
	return 0;
}

static uint32_t expected_len(uint32_t type)
{
	switch (type) {
	case RECFILE_EVENT: return sizeof(struct ctdiag_event);
	case RECFILE_SNAP_BEGIN:
	case RECFILE_SNAP_END: return sizeof(struct recfile_snap);
	case RECFILE_EXT_REC: return sizeof(struct ctdiag_ext_rec);
	case RECFILE_COUNTERS: return sizeof(struct ctdiag_counters);
	case RECFILE_END: return sizeof(struct recfile_end);
	default: return 0;	/* variable or unknown */
	}
}

int recfile_next(struct recfile *rf, struct recfile_chunk *c)
{
	struct recfile_chunk_hdr ch;
	uint64_t off = rf->offset;
	uint32_t want, padded;
	size_t n;

	n = fread(&ch, 1, sizeof(ch), rf->fp);
	if (n == 0) {
		if (ferror(rf->fp))
			return fail(rf, -EIO, off, "read error: %s", strerror(errno));
		return 0;
	}
	if (rf->saw_end)
		return fail(rf, -EBADMSG, off, "data after the end marker");
	if (n < sizeof(ch))
		return fail(rf, -ENODATA, off,
			    "truncated chunk header (%zu of %zu bytes)", n, sizeof(ch));
	if (ch.type == 0 || ch.len > RECFILE_MAX_CHUNK)
		return fail(rf, -EBADMSG, off,
			    "garbage chunk header (type %u, length %u)", ch.type, ch.len);
	want = expected_len(ch.type);
	if (want && ch.len != want)
		return fail(rf, -EBADMSG, off,
			    "chunk type %u has length %u, expected %u", ch.type,
			    ch.len, want);
	if (ch.type == RECFILE_CT_LINE &&
	    ch.len < sizeof(struct recfile_ct_line))
		return fail(rf, -EBADMSG, off, "conntrack line chunk too short");
	if (ch.type == RECFILE_CT_MSG &&
	    ch.len < sizeof(struct recfile_ct_msg) + NLMSG_HDRLEN)
		return fail(rf, -EBADMSG, off, "conntrack message chunk too short");
	padded = ALIGN8(ch.len);
	if (padded + 1 > rf->bufsz) {
		void *nb = realloc(rf->buf, padded + 1);

		if (!nb)
			return fail(rf, -ENOMEM, off, "out of memory");
		rf->buf = nb;
		rf->bufsz = padded + 1;
	}
	n = fread(rf->buf, 1, padded, rf->fp);
	if (n < ch.len)
		return fail(rf, -ENODATA, off,
			    "truncated record (type %u: %zu of %u bytes)", ch.type,
			    n, ch.len);
	((char *)rf->buf)[ch.len] = 0;	/* CT_LINE text is NUL-terminated for readers */
	if (ch.type == RECFILE_CT_LINE) {
		const struct recfile_ct_line *l = rf->buf;

		if (l->len != ch.len - sizeof(*l))
			return fail(rf, -EBADMSG, off, "conntrack line length mismatch");
	}
	if (ch.type == RECFILE_CT_MSG) {
		const struct recfile_ct_msg *m = rf->buf;
		const struct nlmsghdr *nlh = (const void *)(m + 1);

		if (m->len != ch.len - sizeof(*m) || nlh->nlmsg_len != m->len)
			return fail(rf, -EBADMSG, off, "conntrack message length mismatch");
	}
	if (ch.type == RECFILE_EVENT) {
		const struct ctdiag_event *ev = rf->buf;

		if (ev->size != sizeof(*ev))
			return fail(rf, -EBADMSG, off, "event record size field %u",
				    ev->size);
	}
	if (ch.type == RECFILE_END)
		rf->saw_end = true;
	rf->offset = off + sizeof(ch) + (n < padded ? n : padded);
	c->type = ch.type;
	c->len = ch.len;
	c->offset = off;
	c->data = rf->buf;
	return 1;
}

void recfile_close(struct recfile *rf)
{
	if (rf->fp)
		fclose(rf->fp);
	free(rf->iobuf);
	free(rf->buf);
	free(rf->path);
	memset(rf, 0, sizeof(*rf));
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= n;
	}
	return 0;
}

int recfile_flush(struct recfile_writer *w)
{
	int ret;

	if (!w->used)
		return 0;
	ret = write_all(w->fd, w->buf, w->used);
	if (ret) {
		/* Cut back to the last whole chunk, so readers stop cleanly. */
		if (ftruncate(w->fd, w->written) == 0)
			lseek(w->fd, w->written, SEEK_SET);
		w->used = 0;
		return ret;
	}
	w->written += w->used;
	w->used = 0;
	return 0;
}

int recfile_create(struct recfile_writer *w, const char *path, bool overwrite,
		   const struct ctdiag_info *info, uint32_t flags)
{
	struct recfile_header h;
	struct utsname u;
	int ret;

	memset(w, 0, sizeof(*w));
	w->cap = 256 * 1024;
	w->buf = malloc(w->cap);
	if (!w->buf)
		return -ENOMEM;
	w->fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC |
		     (overwrite ? O_TRUNC : O_EXCL), 0600);
	if (w->fd < 0) {
		ret = -errno;
		free(w->buf);
		w->buf = NULL;
		return ret;
	}
	memset(&h, 0, sizeof(h));
	memcpy(h.magic, RECFILE_MAGIC, sizeof(h.magic));
	h.version = RECFILE_VERSION;
	h.header_size = sizeof(h);
	h.byte_order = RECFILE_BYTE_ORDER;
	h.abi_version = info ? info->abi_version : 0;
	h.record_size = sizeof(struct ctdiag_event);
	h.ext_rec_size = sizeof(struct ctdiag_ext_rec);
	h.start_real_ns = now_real_ns();
	h.start_boot_ns = now_boot_ns();
	if (uname(&u) == 0) {
		snprintf(h.kernel_release, sizeof(h.kernel_release), "%s", u.release);
		snprintf(h.hostname, sizeof(h.hostname), "%s", u.nodename);
	}
	if (info) {
		h.intercept = info->intercept;
		h.idle_timeout = info->idle_timeout;
		h.ring_kb = info->ring_kb;
		h.confirm_early = info->confirm_early;
	}
	h.flags = flags;
	ret = write_all(w->fd, (const char *)&h, sizeof(h));
	if (ret) {
		recfile_abort(w);
		unlink(path);
		return ret;
	}
	w->written = sizeof(h);
	return 0;
}

int recfile_append2(struct recfile_writer *w, uint32_t type, const void *a,
		    uint32_t alen, const void *b, uint32_t blen)
{
	struct recfile_chunk_hdr ch = { .type = type, .len = alen + blen };
	size_t need = sizeof(ch) + ALIGN8(ch.len);
	int ret;

	if (ch.len > RECFILE_MAX_CHUNK)
		return -E2BIG;
	if (w->used + need > w->cap) {
		ret = recfile_flush(w);
		if (ret)
			return ret;
	}
	memcpy(w->buf + w->used, &ch, sizeof(ch));
	memcpy(w->buf + w->used + sizeof(ch), a, alen);
	if (blen)
		memcpy(w->buf + w->used + sizeof(ch) + alen, b, blen);
	memset(w->buf + w->used + sizeof(ch) + ch.len, 0, ALIGN8(ch.len) - ch.len);
	w->used += need;
	if (type == RECFILE_EVENT)
		w->events++;
	return 0;
}

int recfile_append(struct recfile_writer *w, uint32_t type, const void *data,
		   uint32_t len)
{
	return recfile_append2(w, type, data, len, NULL, 0);
}

int recfile_append_ct_msg(struct recfile_writer *w, uint32_t netns,
			  const struct nlmsghdr *nlh)
{
	struct recfile_ct_msg m = { .netns = netns, .len = nlh->nlmsg_len };

	return recfile_append2(w, RECFILE_CT_MSG, &m, sizeof(m), nlh, m.len);
}

int recfile_finish(struct recfile_writer *w, uint64_t lost)
{
	struct recfile_end e = {
		.events = w->events,
		.lost = lost,
		.end_real_ns = now_real_ns(),
	};
	int ret;

	ret = recfile_append(w, RECFILE_END, &e, sizeof(e));
	if (!ret)
		ret = recfile_flush(w);
	if (!ret && fsync(w->fd) < 0)
		ret = -errno;
	if (close(w->fd) < 0 && !ret)
		ret = -errno;
	w->fd = -1;
	free(w->buf);
	w->buf = NULL;
	return ret;
}

void recfile_abort(struct recfile_writer *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	free(w->buf);
	w->buf = NULL;
}
