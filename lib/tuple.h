/* SPDX-License-Identifier: GPL-2.0 */
/* Printing struct ctdiag_tuple the way conntrack(8) prints tuples. */
#ifndef CTDIAG_TUPLE_H
#define CTDIAG_TUPLE_H

#include <stddef.h>
#include "ctdiag_abi.h"
#include "fmtbuf.h"
#include "output.h"

/* "tcp", "udp", "icmp", ... or the number. buf >= 8 bytes. */
const char *proto_name(unsigned int protonum, char *buf, size_t len);
/* "ipv4" / "ipv6" / "unknown" */
const char *family_name(unsigned int l3num);
/* Address as text (inet_ntop). buf >= 46 bytes. */
const char *tuple_addr(const struct ctdiag_tuple *t, int dst, char *buf,
		       size_t len);
/* "src=A dst=B sport=S dport=D" (tcp/udp/...), "src=A dst=B type=T code=C
 * id=I" (icmp/icmpv6), "src=A dst=B" otherwise: conntrack's order.  An
 * address of an unknown family is "?". */
void fb_tuple(struct fmtbuf *b, const struct ctdiag_tuple *t);
/* The same facts as a JSON object, {"src":"A","dst":"B","sport":S,...}
 * (print_tuple()'s members, for fmtbuf writers). */
void fb_tuple_json(struct fmtbuf *b, const struct ctdiag_tuple *t);
/* The same into buf, always NUL-terminated (cut off if len is too small);
 * returns the length written. */
int tuple_snprintf(char *buf, size_t len, const struct ctdiag_tuple *t);
/* Print a tuple through lib/output: plain uses tuple_snprintf, JSON an
 * object {"src","dst","sport","dport"} (or type/code/id) under key. */
void print_tuple(const char *key, const struct ctdiag_tuple *t);

#endif
