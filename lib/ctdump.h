/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place that talks ctnetlink: dump the conntrack table over a
 * NETLINK_NETFILTER socket (libmnl), with the filters ctnetlink can apply
 * in the kernel, decoding each entry with lib/ctmsg.  Plus the
 * network-namespace helpers the dumpers need.
 */
#ifndef CTDIAG_CTDUMP_H
#define CTDIAG_CTDUMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Kernel-side dump filters.  They only make the dump smaller: callers
 * that must be exact re-check in user space (ctfilter does), because what
 * ctnetlink honours depends on the kernel:
 *   family          nfgen_family                 all kernels
 *   mark/mark_mask  CTA_MARK + CTA_MARK_MASK     since 4.1 (CONFIG_NF_CONNTRACK_MARK)
 *   status/mask     CTA_STATUS + CTA_STATUS_MASK since 5.19 (6.1: yes)
 *   zone            CTA_ZONE without CTA_FILTER  since 6.7 (6.1: ignored);
 *                   zone 0 means "no filter" to the kernel, so it is not sent
 */
struct ct_dump_opts {
	uint8_t		family;		/* AF_UNSPEC (0): both */
	bool		has_mark;
	uint32_t	mark, mark_mask;
	bool		has_status;
	uint32_t	status, status_mask;
	bool		has_zone;
	uint16_t	zone;
	bool		zero;		/* zero the counters as they are dumped
					 * (IPCTNL_MSG_CT_GET_CTRZERO, conntrack -z) */
	int		netns_fd;	/* dump in this netns; -1: current */
	size_t		rcvbuf;		/* SO_RCVBUF; 0: a large default */
};

void ct_dump_opts_init(struct ct_dump_opts *o);

/* Dump, each entry decoded by ct_msg_parse() (lib/ctmsg.h; several times
 * cheaper per entry than libnetfilter_conntrack's nfct_nlmsg_parse()).
 * m is valid only during the call; return 0 to go on, <0 to stop the
 * dump with that error.  Returns the number of entries passed to cb, or
 * -errno (-EPERM: no CAP_NET_ADMIN; -ENOBUFS: receive buffer overrun; the
 * callback's error).  Prints nothing. */
struct ct_msg;
typedef int (*ct_dump_msg_cb)(const struct ct_msg *m, void *arg);
long ct_dump_msgs(const struct ct_dump_opts *o, ct_dump_msg_cb cb, void *arg);

/* The same for the expectation table (conntrack -L expect): of the
 * options, family and netns_fd count. */
struct ct_exp;
typedef int (*ct_dump_exp_cb)(const struct ct_exp *e, void *arg);
long ct_dump_exps(const struct ct_dump_opts *o, ct_dump_exp_cb cb, void *arg);

/* Delete the entry m names, in the current network namespace: its
 * original tuple (with the tuple's zone), its zone and its id.  ctnetlink
 * looks the entry up by tuple and refuses with -ENOENT when the one found
 * has another id, so an entry that died and was replaced by a new one for
 * the same tuple since m was dumped is left alone.  0 or -errno (-ENOENT:
 * gone or replaced; -EPERM: no CAP_NET_ADMIN). */
int ct_delete(const struct ct_msg *m);

/* Building ctnetlink messages (libmnl).  A request header of type msg
 * (IPCTNL_MSG_CT_*, or with exp IPCTNL_MSG_EXP_* of the expectation
 * table) with NLM_F_REQUEST | flags in buf, its sequence number in *seq;
 * and a tuple nest (CTA_TUPLE_ORIG/REPLY) from t, with the attributes
 * t->set names. */
struct nlmsghdr;
struct ct_msg_tuple;
struct nlmsghdr *ct_nl_request(char *buf, bool exp, uint16_t msg,
			       uint16_t flags, uint8_t family, unsigned int *seq);
void ct_nl_put_tuple(struct nlmsghdr *nlh, int type, uint8_t family,
		     const struct ct_msg_tuple *t);

/* Namespaces.  A NAME without '/' means /run/netns/NAME (as ip -n does);
 * anything with a '/' is a path (/proc/PID/ns/net, a bind mount). */
int netns_open(const char *name_or_path, char *path, size_t pathlen);
/* setns() into fd; 0 or -errno. */
int netns_enter_fd(int fd);
/* Enter by NAME|PATH, printing one clear error line on failure. */
int netns_enter(const char *name_or_path);
/* Inode number of the namespace behind fd, or of ours when fd < 0. */
int netns_fd_inode(int fd, uint32_t *ino);
/* Find a namespace by inode: the files in /run/netns first (so the name can be
 * shown), then /proc/[pid]/ns/net.  Returns an O_RDONLY fd and fills
 * name (the /run/netns name, or "pid:N"), or -ENOENT. */
int netns_find_inode(uint32_t ino, char *name, size_t namelen);

#endif
