// SPDX-License-Identifier: GPL-2.0
/* Ring record decoding, printing and filtering: see event.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include "event.h"
#include "output.h"
#include "tuple.h"
#include "util.h"

static const char *const type_names[CTDIAG_EV_MAX] = {
	[CTDIAG_EV_EXT_ALLOC] = "alloc",
	[CTDIAG_EV_EXT_FREE] = "free",
	[CTDIAG_EV_CT_DESTROY] = "destroy",
	[CTDIAG_EV_CLASH] = "clash",
	[CTDIAG_EV_CONFIRM_DROP] = "confirm-drop",
	[CTDIAG_EV_NFQ_UPDATE] = "nfq-update",
	[CTDIAG_EV_CONFIRM_EARLY] = "confirm-early",
	[CTDIAG_EV_LOST] = "lost",
};

static const char *const free_names[CTDIAG_FREE_MAX] = {
	[CTDIAG_FREE_HOOK] = "hook",
	[CTDIAG_FREE_DESTROY] = "destroy",
	[CTDIAG_FREE_EXPIRY_ORPHAN] = "expiry-orphan",
	[CTDIAG_FREE_EXPIRY_IDLE] = "expiry-idle",
	[CTDIAG_FREE_STALE_REUSE] = "stale-reuse",
	[CTDIAG_FREE_NETNS_EXIT] = "netns-exit",
	[CTDIAG_FREE_UNLOAD] = "unload",
};

static const char *const how_names[CTDIAG_ALLOC_MAX] = {
	[CTDIAG_ALLOC_PRE_ROUTING] = "pre-routing",
	[CTDIAG_ALLOC_LOCAL_OUT] = "local-out",
	[CTDIAG_ALLOC_API] = "api",
};

static const char *const clash_names[CTDIAG_CLASH_MAX] = {
	[CTDIAG_CLASH_MERGED] = "merged",
	[CTDIAG_CLASH_MERGED_OTHER] = "merged-other",
	[CTDIAG_CLASH_NAT_CLASH] = "nat-clash",
	[CTDIAG_CLASH_DROPPED] = "dropped",
	[CTDIAG_CLASH_NFQ_SWAP] = "nfq-swap",
	[CTDIAG_CLASH_NFQ_DROP] = "nfq-drop",
};

static const char *const ce_result_names[CTDIAG_CE_RES_MAX] = {
	[CTDIAG_CE_RES_CONFIRMED] = "confirmed",
	[CTDIAG_CE_RES_MERGED] = "merged",
	[CTDIAG_CE_RES_FAILED] = "failed",
	[CTDIAG_CE_RES_DROPPED] = "dropped",
};

#define NAME_OF(tab, v) ((v) < ARRAY_SIZE(tab) ? (tab)[v] : NULL)

const char *event_type_name(unsigned int type)
{
	return NAME_OF(type_names, type);
}

const char *free_path_name(unsigned int path)
{
	return NAME_OF(free_names, path);
}

const char *alloc_how_name(unsigned int how)
{
	return NAME_OF(how_names, how);
}

const char *clash_outcome_name(unsigned int outcome)
{
	return NAME_OF(clash_names, outcome);
}

const char *destroy_path_name(unsigned int path)
{
	switch (path) {
	case CTDIAG_DESTROY_HOOK: return "hook";
	case CTDIAG_DESTROY_PROBE: return "probe";
	default: return NULL;
	}
}

/* The module's intercept= parameter (ctdiag_info.intercept). */
const char *intercept_name(unsigned int v)
{
	switch (v) {
	case CTDIAG_INTERCEPT_HOOK: return "hook";
	case CTDIAG_INTERCEPT_DESTROY: return "destroy";
	case CTDIAG_INTERCEPT_BOTH: return "both";
	default: return "unknown";
	}
}

const char *event_type_names(void)
{
	return "alloc,free,destroy,clash,confirm-drop,nfq-update,confirm-early";
}

int event_mask_parse(const char *list, uint32_t *mask, const char **bad)
{
	static char badbuf[64];
	char *copy, *tok, *save = NULL;
	uint32_t m = 0;
	unsigned int i;
	int ret = 0;

	copy = strdup(list);
	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		bool found = false;

		if (!strcmp(tok, "all")) {
			for (i = 1; i < CTDIAG_EV_MAX; i++)
				if (i != CTDIAG_EV_LOST)
					m |= 1u << i;
			continue;
		}
		for (i = 1; i < CTDIAG_EV_MAX; i++) {
			if (i != CTDIAG_EV_LOST && !strcmp(tok, type_names[i])) {
				m |= 1u << i;
				found = true;
			}
		}
		if (!found) {
			snprintf(badbuf, sizeof(badbuf), "%s", tok);
			if (bad)
				*bad = badbuf;
			ret = -EINVAL;
			break;
		}
	}
	free(copy);
	if (!ret && !m) {
		if (bad)
			*bad = "";
		ret = -EINVAL;
	}
	if (!ret)
		*mask = m;
	return ret;
}

/* Print a name, or the number when the value is unknown to this ctdiag
 * (a newer module): a string either way so JSON consumers see one type. */
static void print_name(const char *key, const char *fmt, const char *name,
		       unsigned int v)
{
	char buf[16];

	if (!name) {
		snprintf(buf, sizeof(buf), "%u", v);
		name = buf;
	}
	print_string(PRINT_ANY, key, fmt, name);
}

static void print_time(uint64_t ns)
{
	char buf[64];
	time_t sec = ns / 1000000000ull;
	struct tm tm;
	size_t n;

	if (!gmtime_r(&sec, &tm)) {
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)ns);
	} else {
		n = strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(buf + n, sizeof(buf) - n, ".%06lluZ",
			 (unsigned long long)(ns % 1000000000ull) / 1000);
	}
	print_string(PRINT_ANY, "time", "%s", buf);
	print_uint(PRINT_JSON, "ts_real_ns", NULL, ns);
}

/* Durations: seconds with ms in plain text, exact ns in JSON. */
static void print_dur(const char *key_ns, const char *plain, uint64_t ns)
{
	char fmt[32];

	snprintf(fmt, sizeof(fmt), " %s=%%.3fs", plain);
	print_float(PRINT_FP, NULL, fmt, ns / 1e9);
	print_uint(PRINT_JSON, key_ns, NULL, ns);
}

static void print_pair(const char *key, const __u64 v[2])
{
	char buf[64];

	snprintf(buf, sizeof(buf), " %s=%llu/%llu", key,
		 (unsigned long long)v[0], (unsigned long long)v[1]);
	print_text("%s", buf);
	if (out_is_json()) {
		open_json_array(key);
		print_uint(PRINT_JSON, NULL, NULL, v[0]);
		print_uint(PRINT_JSON, NULL, NULL, v[1]);
		close_json_array();
	}
}

static void print_common(const struct ctdiag_event *ev)
{
	char pbuf[8];

	print_uint(PRINT_ANY, "id", " id=%llu", ev->ct_id);
	print_uint(PRINT_ANY, "netns", " netns=%llu", ev->netns);
	print_uint(PRINT_ANY, "zone", " zone=%llu", ev->zone);
	print_uint(PRINT_ANY, "mark", " mark=%llu", ev->mark);
	print_string(PRINT_JSON, "family", NULL, family_name(ev->l3num));
	print_string(PRINT_ANY, "proto", " %s",
		     proto_name(ev->protonum, pbuf, sizeof(pbuf)));
	print_text(" ");
	print_tuple("orig", &ev->orig);
	print_text(" ");
	print_tuple("reply", &ev->reply);
	print_uint(PRINT_JSON, "status", NULL, ev->status);
}

static void print_lost(const struct ctdiag_event *ev, uint64_t count,
		       uint64_t first, bool gap)
{
	print_uint(PRINT_ANY, "count", " count=%llu", count);
	print_uint(PRINT_ANY, "first_seq", " seq=%llu", first);
	print_uint(PRINT_ANY, "last_seq", "-%llu", first + count - 1);
	if (gap)
		print_text(" (sequence gap)");
	print_bool(PRINT_JSON, "gap", NULL, gap);
}

static void print_event_fields(const struct ctdiag_event *ev)
{
	const struct ctdiag_ev_free *f = &ev->u.free;
	const struct ctdiag_ev_clash *c = &ev->u.clash;
	const struct ctdiag_ev_destroy *d = &ev->u.destroy;
	const struct ctdiag_ev_confirm_early *ce = &ev->u.confirm_early;

	switch (ev->type) {
	case CTDIAG_EV_EXT_ALLOC:
		print_name("how", " how=%s", alloc_how_name(ev->u.alloc.how),
			   ev->u.alloc.how);
		print_uint(PRINT_ANY, "size", " size=%llu", ev->u.alloc.size);
		break;
	case CTDIAG_EV_EXT_FREE:
		print_name("path", " path=%s", free_path_name(f->path), f->path);
		print_name("how", " how=%s", alloc_how_name(f->how), f->how);
		print_uint(PRINT_ANY, "size", " size=%llu", f->size);
		print_dur("age_ns", "age", f->age_ns);
		print_dur("idle_ns", "idle", f->idle_ns);
		print_pair("packets", f->pkts);
		print_pair("bytes", f->bytes);
		break;
	case CTDIAG_EV_CT_DESTROY:
		print_name("path", " path=%s", destroy_path_name(d->path), d->path);
		print_bool(PRINT_JSON, "had_ext", NULL, d->had_ext);
		print_text(" ext=%s", d->had_ext ? "yes" : "no");
		if (d->caller) {
			char buf[32];

			snprintf(buf, sizeof(buf), "0x%llx",
				 (unsigned long long)d->caller);
			print_string(PRINT_ANY, "caller", " caller=%s", buf);
		}
		break;
	case CTDIAG_EV_CLASH:
	case CTDIAG_EV_NFQ_UPDATE:
		print_name("outcome", " outcome=%s",
			   clash_outcome_name(c->outcome), c->outcome);
		print_uint(PRINT_ANY, "loser_id", " loser=%llu", ev->ct_id);
		print_uint(PRINT_ANY, "winner_id", " winner=%llu", c->winner_id);
		if (c->outcome == CTDIAG_CLASH_MERGED_OTHER)
			print_uint(PRINT_ANY, "other_id", " other=%llu",
				   c->other_id);
		if (c->queue != 0xffff)
			print_uint(PRINT_ANY, "queue", " queue=%llu", c->queue);
		print_uint(PRINT_JSON, "winner_status", NULL, c->winner_status);
		print_text(" winner: ");
		print_tuple("winner_orig", &c->winner_orig);
		break;
	case CTDIAG_EV_CONFIRM_EARLY:
		print_name("result", " result=%s",
			   NAME_OF(ce_result_names, ce->result), ce->result);
		/* NF_INET_LOCAL_IN = 1, NF_INET_POST_ROUTING = 4 */
		print_name("hook", " hook=%s",
			   ce->hook == 1 ? "input" :
			   ce->hook == 4 ? "postrouting" : NULL, ce->hook);
		print_int(PRINT_ANY, "priority", " prio=%lld", ce->priority);
		if (ce->result == CTDIAG_CE_RES_MERGED)
			print_uint(PRINT_ANY, "prev_id", " prev=%llu",
				   ce->prev_id);
		break;
	default:
		break;
	}
}

void event_print(const struct ctdiag_event *ev)
{
	const char *name = event_type_name(ev->type);
	char buf[16];

	if (!name || ev->type == CTDIAG_EV_NONE) {
		snprintf(buf, sizeof(buf), "type-%u", ev->type);
		name = buf;
	}
	open_json_object(NULL);
	print_uint(PRINT_JSON, "schema", NULL, EVENT_JSON_SCHEMA);
	print_time(ev->ts_real_ns);
	print_uint(PRINT_JSON, "ts_boot_ns", NULL, ev->ts_boot_ns);
	print_uint(PRINT_ANY, "cpu", " cpu=%llu", ev->cpu);
	print_uint(PRINT_ANY, "seq", " seq=%llu", ev->seq);
	print_string(PRINT_ANY, "event", " %s", name);
	if (ev->type == CTDIAG_EV_LOST) {
		print_lost(ev, ev->u.lost.count, ev->u.lost.first_seq, false);
	} else {
		print_common(ev);
		print_event_fields(ev);
	}
	close_json_object();
	print_nl();
}

void event_print_gap(const struct ctdiag_event *next, uint64_t count,
		     uint64_t first_seq)
{
	open_json_object(NULL);
	print_uint(PRINT_JSON, "schema", NULL, EVENT_JSON_SCHEMA);
	print_time(next->ts_real_ns);
	print_uint(PRINT_JSON, "ts_boot_ns", NULL, next->ts_boot_ns);
	print_uint(PRINT_ANY, "cpu", " cpu=%llu", next->cpu);
	print_uint(PRINT_ANY, "seq", " seq=%llu", next->seq);
	print_string(PRINT_ANY, "event", " %s", "lost");
	print_lost(next, count, first_seq, true);
	close_json_object();
	print_nl();
}

/* Filters. */

static bool prefix_match(const __u8 *a, const __u8 *b, unsigned int plen)
{
	unsigned int bytes = plen / 8, bits = plen % 8;

	if (memcmp(a, b, bytes))
		return false;
	if (bits) {
		__u8 mask = (__u8)(0xff << (8 - bits));

		return (a[bytes] & mask) == (b[bytes] & mask);
	}
	return true;
}

bool event_filter_match(const struct ctdiag_filter *f,
			const struct ctdiag_event *ev)
{
	const struct ctdiag_tuple *t = &ev->orig;

	if (ev->type == CTDIAG_EV_LOST)
		return true;
	if ((f->set & CTDIAG_F_EVENTS) &&
	    (ev->type >= 32 || !(f->event_mask & (1u << ev->type))))
		return false;
	if ((f->set & CTDIAG_F_NETNS) && ev->netns != f->netns)
		return false;
	if ((f->set & CTDIAG_F_ZONE) && ev->zone != f->zone)
		return false;
	if ((f->set & CTDIAG_F_PROTO) && ev->protonum != f->protonum)
		return false;
	if ((f->set & CTDIAG_F_FAMILY) && ev->l3num != f->l3num)
		return false;
	if ((f->set & CTDIAG_F_SRC) && !prefix_match(t->src, f->src, f->src_plen))
		return false;
	if ((f->set & CTDIAG_F_DST) && !prefix_match(t->dst, f->dst, f->dst_plen))
		return false;
	if ((f->set & CTDIAG_F_SPORT) && t->sport != f->sport)
		return false;
	if ((f->set & CTDIAG_F_DPORT) && t->dport != f->dport)
		return false;
	return true;
}

int filter_set_proto(struct ctdiag_filter *f, const char *s)
{
	static const struct { const char *name; int num; } tab[] = {
		{ "tcp", IPPROTO_TCP }, { "udp", IPPROTO_UDP },
		{ "icmp", IPPROTO_ICMP }, { "icmpv6", IPPROTO_ICMPV6 },
		{ "udplite", IPPROTO_UDPLITE }, { "sctp", IPPROTO_SCTP },
		{ "dccp", IPPROTO_DCCP }, { "gre", IPPROTO_GRE },
	};
	uint64_t v;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(tab); i++) {
		if (!strcasecmp(s, tab[i].name)) {
			v = tab[i].num;
			goto found;
		}
	}
	if (parse_u64(s, &v, 255))
		return -EINVAL;
found:
	f->protonum = v;
	f->set |= CTDIAG_F_PROTO;
	return 0;
}

int filter_set_addr(struct ctdiag_filter *f, bool dst, const char *s)
{
	char buf[INET6_ADDRSTRLEN + 8];
	__u8 addr[16] = { 0 };
	const char *slash;
	uint64_t plen;
	int af, max;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	slash = strchr(s, '/');
	if (slash)
		buf[slash - s] = 0;
	if (inet_pton(AF_INET, buf, addr) == 1) {
		af = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, addr) == 1) {
		af = AF_INET6;
		max = 128;
	} else {
		return -EINVAL;
	}
	plen = max;
	if (slash && parse_u64(slash + 1, &plen, max))
		return -EINVAL;
	if ((f->set & CTDIAG_F_FAMILY) && f->l3num != af)
		return -EINVAL;
	f->set |= CTDIAG_F_FAMILY | (dst ? CTDIAG_F_DST : CTDIAG_F_SRC);
	f->l3num = af;
	if (dst) {
		memcpy(f->dst, addr, 16);
		f->dst_plen = plen;
	} else {
		memcpy(f->src, addr, 16);
		f->src_plen = plen;
	}
	return 0;
}

int filter_set_port(struct ctdiag_filter *f, bool dst, const char *s)
{
	uint64_t v;

	if (parse_u64(s, &v, 65535))
		return -EINVAL;
	if (dst) {
		f->dport = v;
		f->set |= CTDIAG_F_DPORT;
	} else {
		f->sport = v;
		f->set |= CTDIAG_F_SPORT;
	}
	return 0;
}

int filter_set_zone(struct ctdiag_filter *f, const char *s)
{
	uint64_t v;

	if (parse_u64(s, &v, 65535))
		return -EINVAL;
	f->zone = v;
	f->set |= CTDIAG_F_ZONE;
	return 0;
}

int netns_inode(const char *s, uint32_t *ino)
{
	char path[4096];
	struct stat st;
	uint64_t v;

	if (!*s)
		return -EINVAL;
	if (!parse_u64(s, &v, UINT32_MAX)) {
		*ino = v;
		return 0;
	}
	if (strchr(s, '/'))
		snprintf(path, sizeof(path), "%s", s);
	else
		snprintf(path, sizeof(path), "/run/netns/%s", s);
	if (stat(path, &st) < 0)
		return -errno;
	*ino = st.st_ino;
	return 0;
}

int filter_set_netns(struct ctdiag_filter *f, const char *s)
{
	uint32_t ino;
	int ret = netns_inode(s, &ino);

	if (ret)
		return ret;
	f->netns = ino;
	f->set |= CTDIAG_F_NETNS;
	return 0;
}

int filter_set_events(struct ctdiag_filter *f, const char *s,
		      const char **bad)
{
	uint32_t m;
	int ret = event_mask_parse(s, &m, bad);

	if (ret)
		return ret;
	f->event_mask = m;
	f->set |= CTDIAG_F_EVENTS;
	return 0;
}

/* Sequence tracking.  next[cpu] holds the expected next seq plus one, so
 * that zero means "no record from this CPU yet". */
int64_t seq_track(struct seq_tracker *t, const struct ctdiag_event *ev,
		  uint64_t *first_seq)
{
	uint64_t exp, start, end;

	if (ev->cpu >= t->nr) {
		unsigned int nr = ev->cpu + 1;
		uint64_t *n = realloc(t->next, nr * sizeof(*n));

		if (!n)
			return 0;
		memset(n + t->nr, 0, (nr - t->nr) * sizeof(*n));
		t->next = n;
		t->nr = nr;
	}
	exp = t->next[ev->cpu];
	if (ev->type == CTDIAG_EV_LOST) {
		start = ev->u.lost.first_seq;
		end = start + ev->u.lost.count;
		if (exp && end <= exp - 1)
			return -1;	/* already reported as a gap */
		t->next[ev->cpu] = end + 1;
		if (exp && start > exp - 1) {
			*first_seq = exp - 1;
			return start - (exp - 1);
		}
		return 0;
	}
	t->next[ev->cpu] = ev->seq + 2;
	if (exp && ev->seq > exp - 1) {
		*first_seq = exp - 1;
		return ev->seq - (exp - 1);
	}
	return 0;
}

void seq_tracker_free(struct seq_tracker *t)
{
	free(t->next);
	t->next = NULL;
	t->nr = 0;
}

int filter_opt(struct ctdiag_filter *f, int opt, const char *arg,
	       const char *cmd)
{
	const char *bad = NULL;
	int ret;

	switch (opt) {
	case 'p':
		if (filter_set_proto(f, arg))
			return p_usage(cmd, "unknown protocol '%s'", arg);
		return 0;
	case 's':
	case 'd':
		if (filter_set_addr(f, opt == 'd', arg))
			return p_usage(cmd, "bad address '%s' (ADDR or ADDR/LEN, IPv4 or IPv6, one family)",
				       arg);
		return 0;
	case FILTER_OPT_SPORT:
	case FILTER_OPT_DPORT:
		if (filter_set_port(f, opt == FILTER_OPT_DPORT, arg))
			return p_usage(cmd, "bad port '%s'", arg);
		return 0;
	case 'w':
	case FILTER_OPT_ZONE:
		if (filter_set_zone(f, arg))
			return p_usage(cmd, "bad zone '%s' (0-65535)", arg);
		return 0;
	case 'N':
	case FILTER_OPT_NETNS:
		ret = filter_set_netns(f, arg);
		if (ret)
			return p_usage(cmd, "cannot find network namespace '%s': %s",
				       arg, strerror(-ret));
		return 0;
	case 'e':
		if (filter_set_events(f, arg, &bad))
			return p_usage(cmd, "unknown event type '%s' (one of: all,%s)",
				       bad ? bad : arg, event_type_names());
		return 0;
	default:
		return 1;
	}
}
