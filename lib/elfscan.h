/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Who references a symbol, read from ELF relocations (lib/elfscan.c opens,
 * lib/elfdecomp.c unpacks, lib/elfsyms.c reads): kernel modules
 * (.ko, .ko.xz, .ko.zst, .ko.gz — recognised by magic, not by name) and a
 * vmlinux linked with --emit-relocs (x86 CONFIG_RELOCATABLE kernels are).
 *
 * Input is untrusted (support engineers scan customers' trees;
 * tests/fuzz/fuzz_elfscan.c fuzzes it): every offset, size, index and
 * string is bounds-checked and a bad file yields an error string naming
 * what is wrong, never a crash.  Functions return 0 or -errno and fill err (when non-NULL) with
 * one line without the file name, which the caller prepends:
 *   -ENOEXEC  not an ELF file (and not a compressed one)
 *   -EBADMSG  truncated or corrupt ELF or compressed data
 *   -EFBIG    decompressed data larger than ELFSCAN_MAX_SIZE
 *   -ENOMEM, and open()/read() errors.
 */
#ifndef CTDIAG_ELFSCAN_H
#define CTDIAG_ELFSCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ELFSCAN_ERRLEN 256
/* Upper bound for a decompressed object (modules are a few MiB; a debug
 * vmlinux is read uncompressed, mapped, without this limit). */
#define ELFSCAN_MAX_SIZE (512UL << 20)

struct elfscan_obj;

enum elfscan_comp {
	ELFSCAN_PLAIN = 0,
	ELFSCAN_XZ,
	ELFSCAN_ZSTD,
	ELFSCAN_GZIP,
};

/* A function with references to the symbol from executable code. */
struct elfscan_func {
	char *name;		/* symbol, or "<section>+0x<offset>" if none */
	unsigned int sites;
};

struct elfscan_refs {
	/* Relocations against the symbol from executable sections: direct
	 * calls (or address loads) made by code in this object. */
	unsigned int calls;
	/* From other allocated sections: ops tables, export tables. */
	unsigned int data_refs;
	struct elfscan_func *funcs;	/* sorted by name */
	size_t nfuncs;
};

struct elfscan_sym {
	bool found;		/* defined (not undefined) in this object */
	char type;		/* nm-style: T t D d R r B b ... */
	bool writable;		/* its section is SHF_WRITE */
	bool exec;		/* its section is SHF_EXECINSTR */
	char section[64];
};

int elfscan_open(const char *path, struct elfscan_obj **objp, char *err);
/* buf is copied; len bytes, compressed or not. */
int elfscan_open_mem(const void *buf, size_t len, struct elfscan_obj **objp,
		     char *err);
void elfscan_close(struct elfscan_obj *obj);

enum elfscan_comp elfscan_compression(const struct elfscan_obj *obj);
/* ET_REL (module, .o) or ET_EXEC/ET_DYN (vmlinux). */
bool elfscan_is_relocatable(const struct elfscan_obj *obj);
/* Number of relocation sections (0: a linked file without --emit-relocs,
 * in which references cannot be found this way). */
unsigned int elfscan_nr_relocs(const struct elfscan_obj *obj);

int elfscan_find_refs(struct elfscan_obj *obj, const char *sym,
		      struct elfscan_refs *out, char *err);
void elfscan_refs_free(struct elfscan_refs *r);

int elfscan_symbol(struct elfscan_obj *obj, const char *sym,
		   struct elfscan_sym *out, char *err);

/* Value of key in .modinfo ("vermagic", "name"), copied to buf; -ENOENT
 * if absent. */
int elfscan_modinfo(struct elfscan_obj *obj, const char *key, char *buf,
		    size_t len);

#endif
