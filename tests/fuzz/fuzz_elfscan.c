// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the ELF reader of `ctdiag doctor` (lib/elfscan.c) on
 * untrusted module/vmlinux files, plain or xz/zstd/gzip compressed: open,
 * then every query doctor makes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "elfscan.h"

static const char *const syms[] = {
	"nf_ct_destroy", "nf_conntrack_hook", "__nf_conntrack_confirm",
	"nf_ct_resolve_clash", "nf_conntrack_destroy",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[ELFSCAN_ERRLEN], buf[128];
	struct elfscan_obj *obj;
	struct elfscan_refs refs;
	struct elfscan_sym sym;
	size_t i;

	if (elfscan_open_mem(data, size, &obj, err))
		return 0;
	elfscan_compression(obj);
	elfscan_is_relocatable(obj);
	elfscan_nr_relocs(obj);
	for (i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
		if (elfscan_find_refs(obj, syms[i], &refs, err) == 0)
			elfscan_refs_free(&refs);
		elfscan_symbol(obj, syms[i], &sym, err);
	}
	elfscan_modinfo(obj, "vermagic", buf, sizeof(buf));
	elfscan_modinfo(obj, "name", buf, sizeof(buf));
	elfscan_close(obj);
	return 0;
}
