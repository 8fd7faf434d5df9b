/* SPDX-License-Identifier: GPL-2.0 */
/* The files of a kernel's module tree (/lib/modules/R): its modules
 * (.ko, .ko.xz, .ko.zst, .ko.gz), their names, modules.builtin. */
#ifndef CTDIAG_MODTREE_H
#define CTDIAG_MODTREE_H

#include <stdbool.h>
#include <stddef.h>

struct modtree_files {
	char **v;		/* malloc'ed paths, sorted; the caller frees */
	size_t n;
};

/* Every module file under moddir/sub[i] (symlinks not followed),
 * appended to out and sorted. */
void modtree_list(const char *moddir, const char *const *sub, size_t nsub,
		  struct modtree_files *out);
/* The name the kernel uses for a module file: without .ko*, '-' -> '_'.
 * malloc'ed; NULL when out of memory. */
char *modtree_module_name(const char *path);
/* Is mod listed in moddir/modules.builtin? */
bool modtree_builtin(const char *moddir, const char *mod);

#endif
