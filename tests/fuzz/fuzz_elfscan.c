// SPDX-License-Identifier: GPL-2.0
/* libFuzzer target: the ELF relocation scanner (lib/elfscan.c) that
 * ctdiag doctor runs over module trees and vmlinux files it is given. */
#include <stdint.h>
#include <stdio.h>
#include "elfscan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[ELFSCAN_ERRLEN], mi[64];
	struct elfscan_obj *o;
	struct elfscan_refs r;
	struct elfscan_sym s;

	if (elfscan_open_mem(data, size, &o, err))
		return 0;
	if (elfscan_find_refs(o, "nf_ct_destroy", &r, err) == 0)
		elfscan_refs_free(&r);
	elfscan_symbol(o, "nf_conntrack_hook", &s, err);
	elfscan_symbol(o, "nf_ct_destroy", &s, err);
	elfscan_modinfo(o, "vermagic", mi, sizeof(mi));
	elfscan_close(o);
	return 0;
}
