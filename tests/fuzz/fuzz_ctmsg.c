// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the ctnetlink conntrack message decoder and the
 * conntrack -L formatter (lib/ctmsg.c).  The input is one netlink
 * message in an exact-size heap copy (ASan flags any read past it); its
 * nlmsg_len is set to the input's size, as the dump loop only hands on
 * messages that fit their buffer (mnl_nlmsg_ok).  Every accepted message
 * is formatted with each -o flag combination, into a roomy buffer and a
 * tiny one (the bounds of lib/fmtbuf), and converted to tuples.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netlink.h>
#include "ctmsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nlmsghdr *nlh;
	struct ctdiag_tuple t;
	struct ct_msg m;
	char out[4096];
	unsigned int f;

	if (size < sizeof(*nlh) || size > 65536)
		return 0;
	nlh = malloc(size);
	if (!nlh)
		return 0;
	memcpy(nlh, data, size);
	nlh->nlmsg_len = size;
	if (ct_msg_parse(nlh, &m) == 0) {
		for (f = 0; f < 8; f++) {
			struct fmtbuf b;

			fb_init(&b, out, sizeof(out));
			ct_msg_format(&b, &m, f);
			fb_init(&b, out, 1 + f * 5);
			ct_msg_format(&b, &m, f);
		}
		ct_msg_tuple(&m, 0, &t);
		ct_msg_tuple(&m, 1, &t);
	}
	free(nlh);
	return 0;
}
