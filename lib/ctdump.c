// SPDX-License-Identifier: GPL-2.0
/* ctnetlink dump and netns helpers: see ctdump.h. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include "ctdiag_abi.h"
#include "ctdump.h"
#include "ctmsg.h"
#include "util.h"

/*
 * A netlink dump skb is at most max(NLMSG_GOODSIZE, the largest recvmsg
 * buffer seen, capped at 32 KiB) (af_netlink.c, netlink_dump()), so a
 * 64 KiB buffer always takes a whole skb and needs ~4x fewer recvmsg calls
 * than libmnl's 8 KiB MNL_SOCKET_BUFFER_SIZE.
 */
#define CT_DUMP_BUFSZ	(64 * 1024)
#define CT_DUMP_RCVBUF	(8 * 1024 * 1024)

void ct_dump_opts_init(struct ct_dump_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->netns_fd = -1;
}

struct dump_ctx {
	ct_dump_msg_cb	msg_cb;
	ct_dump_exp_cb	exp_cb;		/* instead: the expectation table */
	void		*arg;
	long		count;
	int		err;
};

static int data_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_ctx *d = data;
	struct ct_msg m;
	struct ct_exp e;
	int ret;

	if (d->exp_cb) {
		if (ct_exp_parse(nlh, &e) < 0)
			return MNL_CB_OK;
		ret = d->exp_cb(&e, d->arg);
	} else {
		if (ct_msg_parse(nlh, &m) < 0)
			return MNL_CB_OK;	/* not a conntrack message: skip */
		ret = d->msg_cb(&m, d->arg);
	}
	if (ret < 0) {
		d->err = ret;
		return MNL_CB_ERROR;
	}
	d->count++;
	return MNL_CB_OK;
}

static struct mnl_socket *open_in_netns(int netns_fd, int *err)
{
	struct mnl_socket *nl;
	int self = -1;

	if (netns_fd >= 0) {
		self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		if (self < 0) {
			*err = -errno;
			return NULL;
		}
		if (setns(netns_fd, CLONE_NEWNET) < 0) {
			*err = -errno;
			close(self);
			return NULL;
		}
	}
	/* a netlink socket stays in the namespace it was created in */
	nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	*err = nl ? 0 : -errno;
	if (self >= 0) {
		if (setns(self, CLONE_NEWNET) < 0 && nl) {
			*err = -errno;
			mnl_socket_close(nl);
			nl = NULL;
		}
		close(self);
	}
	return nl;
}

/* The last buffer of a dump: it holds NLMSG_DONE or an error, or is not
 * part of a multipart answer at all. */
static bool is_final(const char *buf, ssize_t n)
{
	const struct nlmsghdr *h = (const struct nlmsghdr *)buf;
	int len = n;

	if (n <= 0)
		return true;
	for (; mnl_nlmsg_ok(h, len); h = mnl_nlmsg_next(h, &len))
		if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR ||
		    !(h->nlmsg_flags & NLM_F_MULTI))
			return true;
	return false;
}

static int run_cb(char *buf, ssize_t n, unsigned int seq, unsigned int portid,
		  struct dump_ctx *d)
{
	int ret = mnl_cb_run(buf, n, seq, portid, data_cb, d);

	if (ret == MNL_CB_ERROR)
		return d->err ? d->err : -errno;
	return ret == MNL_CB_STOP ? 0 : 1;	/* 1: more to come */
}

static int run_simple(struct mnl_socket *nl, char *buf, unsigned int seq,
		      unsigned int portid, struct dump_ctx *d)
{
	ssize_t n;
	int ret;

	for (;;) {
		n = mnl_socket_recvfrom(nl, buf, CT_DUMP_BUFSZ);
		if (n < 0)
			return -errno;
		ret = run_cb(buf, n, seq, portid, d);
		if (ret <= 0)
			return ret;
	}
}

/*
 * Pipelined receive: the kernel's half of a dump (filling skbs, ~half the
 * time of `conntrack -L` for 200k entries) runs in a receiver thread's
 * recvmsg() while this thread parses and prints the previous buffers, so
 * on two CPUs the wall time approaches the larger half instead of the sum.
 * Callbacks still run in the calling thread only.
 */
#define RX_RING	32

struct rx_ring {
	pthread_mutex_t	lock;
	pthread_cond_t	cond;
	struct mnl_socket *nl;
	char		*buf[RX_RING];
	ssize_t		len[RX_RING];
	int		err[RX_RING];
	bool		final[RX_RING];
	unsigned int	head;		/* next slot the receiver fills */
	unsigned int	tail;		/* next slot the consumer reads */
};

static void *rx_thread(void *arg)
{
	struct rx_ring *r = arg;
	bool final = false;

	while (!final) {
		unsigned int slot;
		ssize_t n;
		int err;

		pthread_mutex_lock(&r->lock);
		while (r->head - r->tail == RX_RING)
			pthread_cond_wait(&r->cond, &r->lock);
		slot = r->head % RX_RING;
		pthread_mutex_unlock(&r->lock);

		n = mnl_socket_recvfrom(r->nl, r->buf[slot], CT_DUMP_BUFSZ);
		err = n < 0 ? errno : 0;
		final = is_final(r->buf[slot], n);

		pthread_mutex_lock(&r->lock);
		r->len[slot] = n;
		r->err[slot] = err;
		r->final[slot] = final;
		r->head++;
		pthread_cond_signal(&r->cond);
		pthread_mutex_unlock(&r->lock);
	}
	return NULL;
}

static int run_pipelined(struct mnl_socket *nl, char *buf0, unsigned int seq,
			 unsigned int portid, struct dump_ctx *d)
{
	struct rx_ring *r = calloc(1, sizeof(*r));
	pthread_t th;
	int ret = 1, i;
	bool final = false;

	if (!r)
		return run_simple(nl, buf0, seq, portid, d);
	r->nl = nl;
	for (i = 0; i < RX_RING; i++) {
		r->buf[i] = malloc(CT_DUMP_BUFSZ);
		if (!r->buf[i])
			goto fallback;
	}
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->cond, NULL);
	if (pthread_create(&th, NULL, rx_thread, r)) {
		pthread_mutex_destroy(&r->lock);
		pthread_cond_destroy(&r->cond);
		goto fallback;
	}
	while (!final) {
		unsigned int slot;

		pthread_mutex_lock(&r->lock);
		while (r->tail == r->head)
			pthread_cond_wait(&r->cond, &r->lock);
		slot = r->tail % RX_RING;
		pthread_mutex_unlock(&r->lock);

		final = r->final[slot];
		/* after an error keep draining until the receiver is done */
		if (ret > 0) {
			if (r->len[slot] < 0)
				ret = -r->err[slot];
			else
				ret = run_cb(r->buf[slot], r->len[slot], seq, portid, d);
		}

		pthread_mutex_lock(&r->lock);
		r->tail++;
		pthread_cond_signal(&r->cond);
		pthread_mutex_unlock(&r->lock);
	}
	pthread_join(th, NULL);
	pthread_mutex_destroy(&r->lock);
	pthread_cond_destroy(&r->cond);
	for (i = 0; i < RX_RING; i++)
		free(r->buf[i]);
	free(r);
	return ret > 0 ? -EPROTO : ret;	/* > 0: ended without NLMSG_DONE */

fallback:
	for (i = 0; i < RX_RING; i++)
		free(r->buf[i]);
	free(r);
	return run_simple(nl, buf0, seq, portid, d);
}

static bool use_rx_thread(void)
{
	const char *e = getenv("CTDIAG_DUMP_THREADS");

	return !(e && !strcmp(e, "0"));
}

struct nlmsghdr *ct_nl_request(char *buf, bool exp, uint16_t msg,
			       uint16_t flags, uint8_t family, unsigned int *seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *nfh;

	nlh->nlmsg_type = (exp ? NFNL_SUBSYS_CTNETLINK_EXP :
			   NFNL_SUBSYS_CTNETLINK) << 8 | msg;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = *seq = time(NULL);
	nfh = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfh));
	nfh->nfgen_family = family;
	nfh->version = NFNETLINK_V0;
	nfh->res_id = 0;
	return nlh;
}

static long dump(const struct ct_dump_opts *o, struct dump_ctx *dc)
{
	struct dump_ctx d = *dc;
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	unsigned int seq, portid;
	int rcvbuf, ret, one = 1;
	char *buf;

	buf = malloc(CT_DUMP_BUFSZ);
	if (!buf)
		return -ENOMEM;
	nl = open_in_netns(o->netns_fd, &ret);
	if (!nl)
		goto out_free;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		goto out_close;
	}
	portid = mnl_socket_get_portid(nl);
	/* SO_RCVBUFFORCE (CAP_NET_ADMIN) beats rmem_max; fall back quietly */
	rcvbuf = o->rcvbuf ? (int)o->rcvbuf : CT_DUMP_RCVBUF;
	if (setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUFFORCE,
		       &rcvbuf, sizeof(rcvbuf)) < 0)
		setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUF,
			   &rcvbuf, sizeof(rcvbuf));
	/* extended ACK: a rejected filter says why */
	setsockopt(mnl_socket_get_fd(nl), SOL_NETLINK, NETLINK_EXT_ACK, &one,
		   sizeof(one));

	if (d.exp_cb)
		nlh = ct_nl_request(buf, true, IPCTNL_MSG_EXP_GET, NLM_F_DUMP,
				    o->family, &seq);
	else
		nlh = ct_nl_request(buf, false, o->zero ? IPCTNL_MSG_CT_GET_CTRZERO :
				    IPCTNL_MSG_CT_GET, NLM_F_DUMP, o->family, &seq);
	if (!d.exp_cb && o->has_mark) {
		mnl_attr_put_u32(nlh, CTA_MARK, htonl(o->mark));
		mnl_attr_put_u32(nlh, CTA_MARK_MASK, htonl(o->mark_mask));
	}
	/* the kernel rejects a zero status mask (EINVAL): it would match
	 * everything or nothing; such a filter stays in user space */
	if (!d.exp_cb && o->has_status && o->status_mask) {
		mnl_attr_put_u32(nlh, CTA_STATUS, htonl(o->status));
		mnl_attr_put_u32(nlh, CTA_STATUS_MASK, htonl(o->status_mask));
	}
	if (!d.exp_cb && o->has_zone && o->zone)
		mnl_attr_put_u16(nlh, CTA_ZONE, htons(o->zone));

	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		ret = -errno;
		goto out_close;
	}
	if (use_rx_thread())
		ret = run_pipelined(nl, buf, seq, portid, &d);
	else
		ret = run_simple(nl, buf, seq, portid, &d);
out_close:
	mnl_socket_close(nl);
out_free:
	free(buf);
	return ret < 0 ? ret : d.count;
}

long ct_dump_msgs(const struct ct_dump_opts *o, ct_dump_msg_cb cb, void *arg)
{
	struct dump_ctx d = { .msg_cb = cb, .arg = arg };

	return dump(o, &d);
}

long ct_dump_exps(const struct ct_dump_opts *o, ct_dump_exp_cb cb, void *arg)
{
	struct dump_ctx d = { .exp_cb = cb, .arg = arg };

	return dump(o, &d);
}

void ct_nl_put_tuple(struct nlmsghdr *nlh, int type, uint8_t family,
		     const struct ct_msg_tuple *t)
{
	bool v4 = family == AF_INET;
	bool icmp6 = t->protonum == IPPROTO_ICMPV6;
	struct nlattr *tup, *nest;

	tup = mnl_attr_nest_start(nlh, type);
	nest = mnl_attr_nest_start(nlh, CTA_TUPLE_IP);
	mnl_attr_put(nlh, v4 ? CTA_IP_V4_SRC : CTA_IP_V6_SRC, v4 ? 4 : 16, t->src);
	mnl_attr_put(nlh, v4 ? CTA_IP_V4_DST : CTA_IP_V6_DST, v4 ? 4 : 16, t->dst);
	mnl_attr_nest_end(nlh, nest);
	nest = mnl_attr_nest_start(nlh, CTA_TUPLE_PROTO);
	mnl_attr_put_u8(nlh, CTA_PROTO_NUM, t->protonum);
	/* ports and GRE keys as dumped (network order), ICMP id, type, code */
	if (t->set & CTMT_SPORT)
		mnl_attr_put(nlh, CTA_PROTO_SRC_PORT, 2, &t->l4src);
	if (t->set & CTMT_DPORT)
		mnl_attr_put(nlh, CTA_PROTO_DST_PORT, 2, t->l4dst);
	if (t->set & CTMT_ICMP_ID)
		mnl_attr_put(nlh, icmp6 ? CTA_PROTO_ICMPV6_ID : CTA_PROTO_ICMP_ID,
			     2, &t->l4src);
	if (t->set & CTMT_ICMP_TYPE)
		mnl_attr_put_u8(nlh, icmp6 ? CTA_PROTO_ICMPV6_TYPE : CTA_PROTO_ICMP_TYPE,
				t->l4dst[0]);
	if (t->set & CTMT_ICMP_CODE)
		mnl_attr_put_u8(nlh, icmp6 ? CTA_PROTO_ICMPV6_CODE : CTA_PROTO_ICMP_CODE,
				t->l4dst[1]);
	mnl_attr_nest_end(nlh, nest);
	if (t->set & CTMT_ZONE)
		mnl_attr_put_u16(nlh, CTA_TUPLE_ZONE, htons(t->zone));
	mnl_attr_nest_end(nlh, tup);
}

int ct_delete(const struct ct_msg *m)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	unsigned int seq, portid;
	ssize_t n;
	int ret;

	if (!(m->set & CTM_ORIG) || !(m->set & CTM_ID) ||
	    (m->family != AF_INET && m->family != AF_INET6))
		return -EINVAL;
	nl = open_in_netns(-1, &ret);
	if (!nl)
		return ret;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		goto out;
	}
	portid = mnl_socket_get_portid(nl);
	nlh = ct_nl_request(buf, false, IPCTNL_MSG_CT_DELETE, NLM_F_ACK,
			    m->family, &seq);
	ct_nl_put_tuple(nlh, CTA_TUPLE_ORIG, m->family, &m->t[0]);
	if (m->set & CTM_ZONE)
		mnl_attr_put_u16(nlh, CTA_ZONE, htons(m->zone));
	mnl_attr_put_u32(nlh, CTA_ID, htonl(m->id));
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		ret = -errno;
		goto out;
	}
	n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
	if (n < 0)
		ret = -errno;
	else
		ret = mnl_cb_run(buf, n, seq, portid, NULL, NULL) < 0 ? -errno : 0;
out:
	mnl_socket_close(nl);
	return ret;
}

int netns_open(const char *name, char *path, size_t pathlen)
{
	char tmp[4096];
	int fd;

	if (!path) {
		path = tmp;
		pathlen = sizeof(tmp);
	}
	if (strchr(name, '/'))
		snprintf(path, pathlen, "%s", name);
	else
		snprintf(path, pathlen, "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int netns_enter_fd(int fd)
{
	return setns(fd, CLONE_NEWNET) < 0 ? -errno : 0;
}

int netns_enter(const char *name)
{
	char path[4096];
	int fd, ret;

	fd = netns_open(name, path, sizeof(path));
	if (fd < 0) {
		if (fd == -ENOENT)
			p_err("cannot open network namespace %s: no such namespace (see ip netns list)",
			      path);
		else
			p_err("cannot open network namespace %s: %s", path,
			      strerror(-fd));
		return fd;
	}
	ret = netns_enter_fd(fd);
	close(fd);
	if (ret == -EINVAL)
		p_err("cannot enter %s: not a network namespace", path);
	else if (ret == -EPERM)
		p_err("cannot enter network namespace %s: permission denied (needs CAP_SYS_ADMIN)",
		      path);
	else if (ret)
		p_err("cannot enter network namespace %s: %s", path,
		      strerror(-ret));
	return ret;
}

int netns_fd_inode(int fd, uint32_t *ino)
{
	struct stat st;

	if (fd < 0 ? stat("/proc/self/ns/net", &st) : fstat(fd, &st))
		return -errno;
	*ino = (uint32_t)st.st_ino;
	return 0;
}

int netns_find_inode(uint32_t ino, char *name, size_t namelen)
{
	char path[512];
	struct dirent *de;
	uint32_t self = 0;
	DIR *dir;
	int fd;

	if (netns_fd_inode(-1, &self) == 0 && self == ino) {
		snprintf(name, namelen, "self");
		return open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	}
	dir = opendir("/run/netns");
	if (dir) {
		while ((de = readdir(dir))) {
			struct stat st;

			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "/run/netns/%s", de->d_name);
			if (stat(path, &st) < 0 || (uint32_t)st.st_ino != ino)
				continue;
			fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				continue;
			snprintf(name, namelen, "%s", de->d_name);
			closedir(dir);
			return fd;
		}
		closedir(dir);
	}
	dir = opendir("/proc");
	if (!dir)
		return -ENOENT;
	while ((de = readdir(dir))) {
		struct stat st;
		char *end;
		unsigned long pid = strtoul(de->d_name, &end, 10);

		if (*end || pid == 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%lu/ns/net", pid);
		if (stat(path, &st) < 0 || (uint32_t)st.st_ino != ino)
			continue;
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		snprintf(name, namelen, "pid:%lu", pid);
		closedir(dir);
		return fd;
	}
	closedir(dir);
	return -ENOENT;
}
