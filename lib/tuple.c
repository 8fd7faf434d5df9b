// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <stdbool.h>
#include "tuple.h"

const char *proto_name(unsigned int p, char *buf, size_t len)
{
	switch (p) {
	case IPPROTO_TCP: return "tcp";
	case IPPROTO_UDP: return "udp";
	case IPPROTO_ICMP: return "icmp";
	case IPPROTO_ICMPV6: return "icmpv6";
	case IPPROTO_UDPLITE: return "udplite";
	case IPPROTO_SCTP: return "sctp";
	case IPPROTO_DCCP: return "dccp";
	case IPPROTO_GRE: return "gre";
	default:
		snprintf(buf, len, "%u", p);
		return buf;
	}
}

const char *family_name(unsigned int l3num)
{
	return l3num == AF_INET ? "ipv4" : l3num == AF_INET6 ? "ipv6" : "unknown";
}

const char *tuple_addr(const struct ctdiag_tuple *t, int dst, char *buf,
		       size_t len)
{
	const void *a = dst ? t->dst : t->src;

	if (t->l3num != AF_INET && t->l3num != AF_INET6) {
		snprintf(buf, len, "?");
		return buf;
	}
	/* IPv4 by hand: glibc's inet_ntop sprintf()s each octet, a third
	 * of `watch -o json`'s time per event (callgrind). */
	if (t->l3num == AF_INET && len >= INET_ADDRSTRLEN) {
		const unsigned char *o = a;
		char *p = buf;
		int i;

		for (i = 0; i < 4; i++) {
			if (o[i] >= 100)
				*p++ = (char)('0' + o[i] / 100);
			if (o[i] >= 10)
				*p++ = (char)('0' + o[i] / 10 % 10);
			*p++ = (char)('0' + o[i] % 10);
			*p++ = i < 3 ? '.' : '\0';
		}
		return buf;
	}
	if (!inet_ntop(t->l3num, a, buf, len))
		snprintf(buf, len, "?");
	return buf;
}

static int is_icmp(const struct ctdiag_tuple *t)
{
	return t->protonum == IPPROTO_ICMP || t->protonum == IPPROTO_ICMPV6;
}

static int has_ports(const struct ctdiag_tuple *t)
{
	switch (t->protonum) {
	case IPPROTO_TCP: case IPPROTO_UDP: case IPPROTO_UDPLITE:
	case IPPROTO_SCTP: case IPPROTO_DCCP:
		return 1;
	default:
		return 0;
	}
}

static void fb_addr(struct fmtbuf *b, const struct ctdiag_tuple *t, int dst)
{
	const uint8_t *a = dst ? t->dst : t->src;

	if (t->l3num == AF_INET)
		fb_ipv4(b, a);
	else if (t->l3num == AF_INET6)
		fb_ipv6(b, a);
	else
		fb_putc(b, '?');
}

/* " key=v" in text, ",\"key\":v" in JSON */
static inline void tuple_num(struct fmtbuf *b, bool json, const char *key,
			     uint64_t v)
{
	if (json) {
		fb_lit(b, ",\"");
		fb_puts(b, key);
		fb_lit(b, "\":");
	} else {
		fb_putc(b, ' ');
		fb_puts(b, key);
		fb_putc(b, '=');
	}
	fb_u64(b, v);
}

/* The one walk of a tuple's fields, for both outputs. */
static inline __attribute__((always_inline))
void tuple_walk(struct fmtbuf *b, const struct ctdiag_tuple *t, bool json)
{
	if (json)
		fb_lit(b, "{\"src\":\"");
	else
		fb_lit(b, "src=");
	fb_addr(b, t, 0);
	if (json)
		fb_lit(b, "\",\"dst\":\"");
	else
		fb_lit(b, " dst=");
	fb_addr(b, t, 1);
	if (json)
		fb_putc(b, '"');
	if (is_icmp(t)) {
		tuple_num(b, json, "type", t->dport >> 8);
		tuple_num(b, json, "code", t->dport & 0xff);
		tuple_num(b, json, "id", t->sport);
	} else if (has_ports(t)) {
		tuple_num(b, json, "sport", t->sport);
		tuple_num(b, json, "dport", t->dport);
	}
	if (json)
		fb_putc(b, '}');
}

void fb_tuple(struct fmtbuf *b, const struct ctdiag_tuple *t)
{
	tuple_walk(b, t, false);
}

void fb_tuple_json(struct fmtbuf *b, const struct ctdiag_tuple *t)
{
	tuple_walk(b, t, true);
}

int tuple_snprintf(char *buf, size_t len, const struct ctdiag_tuple *t)
{
	struct fmtbuf b;

	if (!len)
		return 0;
	fb_init(&b, buf, len - 1);
	fb_tuple(&b, t);
	*b.p = 0;
	return fb_len(&b, buf);
}

void print_tuple(const char *key, const struct ctdiag_tuple *t)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN], buf[160];

	if (!out_is_json()) {
		tuple_snprintf(buf, sizeof(buf), t);
		print_string(PRINT_FP, NULL, "%s", buf);
		return;
	}
	open_json_object(key);
	print_string(PRINT_JSON, "src", NULL, tuple_addr(t, 0, s, sizeof(s)));
	print_string(PRINT_JSON, "dst", NULL, tuple_addr(t, 1, d, sizeof(d)));
	if (is_icmp(t)) {
		print_uint(PRINT_JSON, "type", NULL, t->dport >> 8);
		print_uint(PRINT_JSON, "code", NULL, t->dport & 0xff);
		print_uint(PRINT_JSON, "id", NULL, t->sport);
	} else if (has_ports(t)) {
		print_uint(PRINT_JSON, "sport", NULL, t->sport);
		print_uint(PRINT_JSON, "dport", NULL, t->dport);
	}
	close_json_object();
}
