// SPDX-License-Identifier: GPL-2.0
/* The files of a kernel's module tree: see modtree.h. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "modtree.h"
#include "util.h"

static bool is_module_name(const char *n)
{
	static const char *const ext[] = { ".ko", ".ko.xz", ".ko.zst",
					   ".ko.gz" };
	size_t l = strlen(n), i;

	for (i = 0; i < ARRAY_SIZE(ext); i++) {
		size_t e = strlen(ext[i]);

		if (l > e && !strcmp(n + l - e, ext[i]))
			return true;
	}
	return false;
}

/* Module name the kernel uses: file name without .ko*, '-' -> '_'. */
char *modtree_module_name(const char *path)
{
	const char *b = strrchr(path, '/');
	char *n = strdup(b ? b + 1 : path), *p;

	if (!n)
		return NULL;
	p = strstr(n, ".ko");
	if (p)
		*p = 0;
	for (p = n; *p; p++)
		if (*p == '-')
			*p = '_';
	return n;
}

static int collect(const char *dir, struct modtree_files *pl, int depth)
{
	struct dirent *de;
	DIR *dp;

	if (depth > 16)
		return 0;
	dp = opendir(dir);
	if (!dp)
		return -errno;
	while ((de = readdir(dp))) {
		char p[PATH_MAX];
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		if (snprintf(p, sizeof(p), "%s/%s", dir, de->d_name) >=
		    (int)sizeof(p))
			continue;
		if (lstat(p, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			collect(p, pl, depth + 1);
		} else if (S_ISREG(st.st_mode) && is_module_name(de->d_name)) {
			char **nv = realloc(pl->v, (pl->n + 1) * sizeof(*nv));

			if (!nv)
				break;
			pl->v = nv;
			pl->v[pl->n] = strdup(p);
			if (pl->v[pl->n])
				pl->n++;
		}
	}
	closedir(dp);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void modtree_list(const char *moddir, const char *const *sub, size_t nsub,
		  struct modtree_files *out)
{
	char dir[PATH_MAX];
	size_t i;

	for (i = 0; i < nsub; i++) {
		if (snprintf(dir, sizeof(dir), "%s/%s", moddir, sub[i]) <
		    (int)sizeof(dir))
			collect(dir, out, 0);
	}
	qsort(out->v, out->n, sizeof(*out->v), cmp_str);
}

bool modtree_builtin(const char *moddir, const char *mod)
{
	char p[PATH_MAX], line[PATH_MAX];
	bool found = false;
	FILE *fp;

	snprintf(p, sizeof(p), "%s/modules.builtin", moddir);
	fp = fopen(p, "r");
	if (!fp)
		return false;
	while (!found && fgets(line, sizeof(line), fp)) {
		char *n;

		line[strcspn(line, "\n")] = 0;
		n = modtree_module_name(line);
		found = n && !strcmp(n, mod);
		free(n);
	}
	fclose(fp);
	return found;
}
