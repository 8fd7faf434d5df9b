/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ctdiag recording files (`ctdiag record -w FILE`, read by `watch -r` and
 * `leaks --records`).  Self-describing and append-only:
 *
 *   struct recfile_header (256 bytes)
 *   chunk*   each: struct recfile_chunk_hdr {type, len}, len bytes of
 *            payload, zero padding to a multiple of 8
 *
 * Chunk types (payloads are the ABI structs of lib/ctdiag_abi.h, so a
 * record's layout is the module's; record_size/ext_rec_size in the header
 * say which sizes the writer used):
 *   EVENT       struct ctdiag_event
 *   SNAP_BEGIN  struct recfile_snap (phase start/end, times, totals)
 *   EXT_REC     struct ctdiag_ext_rec (live extension record)
 *   CT_MSG      struct recfile_ct_msg + the ctnetlink message of one
 *               conntrack entry as the dump returned it (struct nlmsghdr
 *               first; decoded with lib/ctmsg, as live dumps are)
 *   CT_LINE     (version 1 files only) struct recfile_ct_line + text: one
 *               conntrack entry in `conntrack -L -o extended,id` format
 *   SNAP_END    struct recfile_snap (same values as its SNAP_BEGIN)
 *   COUNTERS    struct ctdiag_counters
 *   END         struct recfile_end: clean close
 *
 * Versions: 1 stored a snapshot's conntrack entries as CT_LINE text; 2
 * stores them as CT_MSG.  Readers take both, so a version 1 recording
 * still loads; writers write version 2.
 *
 * A reader that meets an unknown chunk type skips it (len tells how far).
 * A file cut short (crash, full disk) reads up to its last complete chunk,
 * then reports the truncation with its byte offset.
 */
#ifndef CTDIAG_RECFILE_H
#define CTDIAG_RECFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include "ctdiag_abi.h"

#define RECFILE_MAGIC		"CTDIAGRF"
#define RECFILE_VERSION		2
#define RECFILE_BYTE_ORDER	0x01020304u
#define RECFILE_MAX_CHUNK	(1u << 20)	/* sanity bound on len */

struct recfile_header {
	char	magic[8];		/* RECFILE_MAGIC, no NUL */
	__u32	version;		/* RECFILE_VERSION */
	__u32	header_size;		/* sizeof(struct recfile_header) */
	__u32	byte_order;		/* RECFILE_BYTE_ORDER as written */
	__u32	abi_version;		/* module ABI (0 if no module) */
	__u32	record_size;		/* sizeof(struct ctdiag_event) */
	__u32	ext_rec_size;		/* sizeof(struct ctdiag_ext_rec) */
	__u64	start_real_ns;
	__u64	start_boot_ns;
	char	kernel_release[72];	/* uname -r, NUL-terminated */
	char	hostname[72];
	__u32	intercept;		/* module parameters at start */
	__u32	idle_timeout;
	__u32	ring_kb;
	__u32	confirm_early;
	__u32	flags;			/* RECFILE_F_* */
	__u8	pad[44];
};
CTDIAG_ASSERT_SIZE(struct recfile_header, 256);

enum {
	RECFILE_F_SNAPSHOT = 1 << 0,	/* written with --snapshot */
};

enum recfile_chunk_type {
	RECFILE_EVENT = 1,
	RECFILE_SNAP_BEGIN = 2,
	RECFILE_EXT_REC = 3,
	RECFILE_CT_LINE = 4,
	RECFILE_SNAP_END = 5,
	RECFILE_COUNTERS = 6,
	RECFILE_END = 7,
	RECFILE_CT_MSG = 8,
};

struct recfile_chunk_hdr {
	__u32	type;
	__u32	len;		/* payload bytes, without padding */
};
CTDIAG_ASSERT_SIZE(struct recfile_chunk_hdr, 8);

struct recfile_snap {
	__u32	phase;		/* 0 = at start, 1 = at end */
	__u32	pad;
	__u64	now_real_ns;
	__u64	now_boot_ns;
	__u64	ext_total;	/* EXT_REC chunks that follow */
	__u64	ct_total;	/* CT_MSG (version 1: CT_LINE) chunks that follow */
};
CTDIAG_ASSERT_SIZE(struct recfile_snap, 40);

struct recfile_ct_line {
	__u32	netns;		/* namespace inode the line was dumped in */
	__u32	len;		/* text bytes that follow */
};
CTDIAG_ASSERT_SIZE(struct recfile_ct_line, 8);

struct recfile_ct_msg {
	__u32	netns;		/* namespace inode the entry was dumped in */
	__u32	len;		/* message bytes that follow (its nlmsg_len) */
};
CTDIAG_ASSERT_SIZE(struct recfile_ct_msg, 8);

struct recfile_end {
	__u64	events;		/* EVENT chunks written */
	__u64	lost;		/* records the module reported lost */
	__u64	end_real_ns;
};
CTDIAG_ASSERT_SIZE(struct recfile_end, 24);

/* Reading. */
#define RECFILE_READ_BUF	(1u << 20)

struct recfile {
	FILE	*fp;
	char	*path;
	struct recfile_header hdr;
	uint64_t offset;	/* file offset of the next chunk */
	void	*buf;		/* payload of the current chunk */
	size_t	bufsz;
	void	*iobuf;		/* fp's buffer, RECFILE_READ_BUF bytes */
	bool	saw_end;
	char	err[512];	/* last error, with file and byte offset */
};

struct recfile_chunk {
	uint32_t type;
	uint32_t len;
	uint64_t offset;	/* where its header starts */
	const void *data;	/* valid until the next recfile_next() */
};

/* Open and validate the header.  0, or -errno with rf->err set
 * (-EBADMSG bad magic/garbage, -EPROTONOSUPPORT newer version or ABI,
 * -ENODATA empty/truncated header). */
int recfile_open(struct recfile *rf, const char *path);
/* 1 = a chunk, 0 = clean end of file, <0 = error with rf->err set
 * (-EBADMSG garbage, -ENODATA truncated chunk). */
int recfile_next(struct recfile *rf, struct recfile_chunk *c);
void recfile_close(struct recfile *rf);
/* A reader's error, "PATH: offset OFF: MESSAGE", into buf; returns err. */
int recfile_verrf(char *buf, size_t len, const char *path, uint64_t off,
		  int err, const char *fmt, va_list ap);

/* Writing. */
struct recfile_writer {
	int	fd;
	char	*buf;
	size_t	used;
	size_t	cap;
	uint64_t events;
	uint64_t written;	/* bytes handed to write(2) */
};

/* Create path (O_EXCL unless overwrite) and write the header, filled from
 * info (NULL: no module) and the host.  0 or -errno. */
int recfile_create(struct recfile_writer *w, const char *path, bool overwrite,
		   const struct ctdiag_info *info, uint32_t flags);
/* Append a chunk (buffered).  A chunk is written whole or, on error, the
 * file is cut back to the previous chunk boundary.  0 or -errno. */
int recfile_append(struct recfile_writer *w, uint32_t type, const void *data,
		   uint32_t len);
/* Append with a second payload part (CT_LINE: struct + text). */
int recfile_append2(struct recfile_writer *w, uint32_t type, const void *a,
		    uint32_t alen, const void *b, uint32_t blen);
/* Append a CT_MSG chunk: the ctnetlink message nlh (nlmsg_len bytes) of an
 * entry dumped in namespace netns.  0 or -errno. */
struct nlmsghdr;
int recfile_append_ct_msg(struct recfile_writer *w, uint32_t netns,
			  const struct nlmsghdr *nlh);
/* Write buffered chunks to the file. 0 or -errno. */
int recfile_flush(struct recfile_writer *w);
/* Append END, flush, fsync, close.  0 or -errno. */
int recfile_finish(struct recfile_writer *w, uint64_t lost);
/* Close without END (after an error). */
void recfile_abort(struct recfile_writer *w);

#endif
