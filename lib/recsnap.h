/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The snapshots of a recording (lib/recfile.h), the one owner of their
 * rules: writing one (the module's extension records through lib/extsnap,
 * the conntrack tables through lib/nsdump, each entry stored as the
 * ctnetlink message the dump returned) and reading a recording back
 * through callbacks (entries decoded by lib/ctmsg as live dumps are, or,
 * in a version 1 file, parsed from their text by lib/ctparse), with every
 * snapshot checked (SNAP_BEGIN ... SNAP_END, nothing outside, no nesting,
 * the announced counts).
 */
#ifndef CTDIAG_RECSNAP_H
#define CTDIAG_RECSNAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "ctdiag_abi.h"
#include "nsdump.h"
#include "recfile.h"

struct ct_msg;

/* One conntrack entry of a snapshot. */
struct recsnap_ct {
	uint32_t id;
	uint32_t netns;			/* where it was dumped */
	struct ctdiag_tuple orig;	/* converted as the module converts it */
	const struct ct_msg *msg;	/* the whole entry, valid during the
					 * callback; NULL in a version 1 file */
};

/* Where recsnap_write() failed. */
enum recsnap_stage {
	RECSNAP_EXT = 1,	/* the module's snapshot (CTDIAG_IOC_SNAPSHOT) */
	RECSNAP_CT,		/* dumping the conntrack tables */
	RECSNAP_WRITE,		/* writing the file */
};

/* Write one snapshot (phase 0 at start, 1 at end) to w and flush: the
 * live extension records of control handle ctl, then the conntrack entries
 * of our namespace and of every namespace a record names.  A namespace
 * whose dump fails is passed to on_err (lib/nsdump.h: 0 goes on without
 * its entries).  0, or -errno with *stage saying what failed. */
int recsnap_write(struct recfile_writer *w, int ctl, uint32_t phase,
		  ns_dump_err_cb on_err, void *arg, enum recsnap_stage *stage);

/* Reading.  Each callback may be NULL; a negative return stops the read
 * with that value (the callback has reported why).  offset: where the
 * chunk's header starts. */
struct recsnap_ops {
	void (*header)(void *arg, const struct recfile_header *h);
	int (*snap_begin)(void *arg, const struct recfile_snap *s,
			  uint64_t offset);
	int (*ext_rec)(void *arg, const struct ctdiag_ext_rec *r,
		       uint64_t offset);
	/* one conntrack entry of the open snapshot.  Without this callback
	 * the entries are not decoded. */
	int (*ct_entry)(void *arg, const struct recsnap_ct *ct,
			uint64_t offset);
	/* the snapshot is complete, its counts checked */
	int (*snap_end)(void *arg, const struct recfile_snap *s,
			uint64_t offset);
	int (*counters)(void *arg, const struct ctdiag_counters *c);
	int (*event)(void *arg, const struct ctdiag_event *ev);
};

struct recsnap_read {
	uint64_t snapshots;	/* complete snapshots read */
	bool saw_end;		/* the END marker: a clean close */
	char err[512];		/* why it failed; "" if a callback did */
};

/* Read the recording at path to its end.  0, or -errno with r->err set
 * (unless a callback failed): a damaged or cut-short file, a snapshot
 * without its end. */
int recsnap_read(const char *path, const struct recsnap_ops *ops, void *arg,
		 struct recsnap_read *r);

/* Reading extension records back by the offset ops->ext_rec got, in
 * ascending order, through one 1 MiB window: a sequential pass over the
 * file with a small footprint (leaks keeps 24 bytes per record, not 216). */
struct recsnap_refetch {
	int fd;
	char *buf;
	const char *path;
	uint64_t start;		/* file offset of buf[0] */
	size_t len;		/* valid bytes in buf */
	char err[512];
};

/* 0 or -errno. */
int recsnap_refetch_open(struct recsnap_refetch *w, const char *path);
/* The record of the EXT_REC chunk at offset (recsnap_read() validated
 * it).  0, or -errno with w->err set (the file changed since). */
int recsnap_refetch_ext(struct recsnap_refetch *w, uint64_t offset,
			struct ctdiag_ext_rec *r);
void recsnap_refetch_close(struct recsnap_refetch *w);

#endif
