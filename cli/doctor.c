// SPDX-License-Identifier: GPL-2.0
/*
 * ctdiag doctor: can ctdiag work on this kernel, and which destroy paths
 * would a hook-only extension (one that frees its data from
 * nf_ct_hook->destroy) miss?
 *
 * Since 6ae7989c9af0 (v5.17, backported to 5.15.36) nf_ct_put() calls the
 * exported nf_ct_destroy() directly; only nf_conntrack_put() still goes
 * through nf_ct_hook->destroy.  Every object with a relocation against
 * nf_ct_destroy in its code therefore frees conntracks behind the hook's
 * back; we find them with libelf (lib/elfscan.c), module by module.
 *
 * Everything is gathered first and printed once at the end, so plain and
 * JSON output come from one print path and errors never split the JSON
 * object.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>
#include "ctdiag.h"
#include "ctdiag_abi.h"
#include "event.h"
#include "dev.h"
#include "modfeatures.h"
#include "elfscan.h"
#include "output.h"
#include "util.h"

#define TARGET "nf_ct_destroy"
#define KVER(a, b, c) (((a) << 16) | ((b) << 8) | ((c) > 255 ? 255 : (c)))

/* Tri-state for facts we may be unable to determine. */
enum tri { T_UNKNOWN = -1, T_NO = 0, T_YES = 1 };

struct probe_sym {
	const char *name;
	bool needed;		/* ctdiag.ko attaches a probe here */
	const char *why;
	enum tri present;
	char type;		/* kallsyms/nm letter, 0 unknown */
	bool in_module;		/* kallsyms: "[nf_conntrack]" */
	enum tri blacklisted;
	enum tri traceable;	/* in available_filter_functions */
	enum tri probeable;
	const char *reason;	/* why probeable is not "yes" */
};

#define SYM(n, need, w) { .name = n, .needed = need, .why = w }
static struct probe_sym syms[] = {
	SYM("nf_ct_destroy", true, "final free of every nf_ct_put() (destroy probe)"),
	SYM("nf_conntrack_destroy", false, "nf_conntrack_put() path into nf_ct_hook->destroy"),
	SYM("__nf_conntrack_confirm", true, "confirm-time drops"),
	SYM("nf_ct_resolve_clash", true, "confirm collisions and their outcome"),
	SYM("__nf_ct_resolve_clash", false, "each merge attempt (often inlined)"),
	SYM("nf_conntrack_update", true, "NFQUEUE pre-confirm swaps (before 6.12)"),
	SYM("nf_conntrack_free", false, "alternative destroy probe"),
};

/* Static helpers of the per-net dying/unconfirmed lists, removed in 5.19.
 * Finding one proves the lists exist; not finding them proves little
 * (they are small and may be inlined), so the version decides then. */
static const char *const list_syms[] = {
	"nf_ct_add_to_dying_list",
	"nf_ct_add_to_unconfirmed_list",
	"nf_ct_del_from_dying_or_unconfirmed_list",
};
static bool list_sym_found[ARRAY_SIZE(list_syms)];

static void note_list_sym(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(list_syms); i++)
		if (!strcmp(name, list_syms[i]))
			list_sym_found[i] = true;
}

static void note_list_syms_elf(struct elfscan_obj *o)
{
	struct elfscan_sym s;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(list_syms); i++)
		if (elfscan_symbol(o, list_syms[i], &s, NULL) == 0 && s.found)
			list_sym_found[i] = true;
}

struct caller {
	char *module;		/* module name, or "vmlinux" */
	char *path;		/* relative to the module directory */
	struct elfscan_refs refs;
};

struct bad_file {
	char *path;
	char *error;
};

struct doctor {
	bool live;
	char release[256];
	unsigned int kver;	/* KVER() of release, 0 if unparsable */
	char moddir[PATH_MAX];
	bool moddir_ok;
	/* nf_conntrack: "builtin", "module", "absent", "unknown" */
	const char *ct_kind;
	enum tri ct_loaded;
	char ct_path[PATH_MAX];	/* nf_conntrack.ko, if found */

	struct caller *callers;
	size_t ncallers;
	struct bad_file *bad;
	size_t nbad;
	unsigned int scanned;

	char vmlinux[PATH_MAX];
	const char *vmlinux_status;	/* why built-in callers are (not) known */
	struct elfscan_refs vm_refs;
	bool vm_scanned;

	enum tri leaks;
	unsigned int ncalling;	/* objects (modules + vmlinux) calling TARGET */

	/* nf_ct_hook's ops table (nf_conntrack_hook) read-only? */
	enum tri hook_const_ver, hook_const_sym;
	char hook_sym_type;
	const char *hook_sym_where;
	enum tri lists_ver;

	bool have_kallsyms, have_blacklist, have_aff;
	enum tri modules_supported, kprobes_supported;

	char sc_events[32], sc_timestamp[32], sc_max[32], sc_count[32],
	     sc_rmem[32];

	bool ctdiag_loaded;
	int ctdiag_open_err;
	struct ctdiag_info info;
	struct ctdiag_features feat;	/* valid if have_feat */
	bool have_feat;
	enum tri covers;
	const char *recommend;
	const char *recommend_why;

	char failed[8][160];
	int nfailed;
};

static void fail_check(struct doctor *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void fail_check(struct doctor *d, const char *fmt, ...)
{
	va_list ap;

	if (d->nfailed >= (int)ARRAY_SIZE(d->failed))
		return;
	va_start(ap, fmt);
	vsnprintf(d->failed[d->nfailed++], sizeof(d->failed[0]), fmt, ap);
	va_end(ap);
}

static unsigned int parse_kver(const char *r)
{
	unsigned int a = 0, b = 0, c = 0;

	if (sscanf(r, "%u.%u.%u", &a, &b, &c) < 2)
		return 0;
	return KVER(a, b, c);
}

static void read_small(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	buf[0] = 0;
	if (!f)
		return;
	if (fgets(buf, len, f))
		buf[strcspn(buf, "\n")] = 0;
	fclose(f);
}

/* ---- the module tree ---- */

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
static char *module_name(const char *path)
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

struct pathlist {
	char **v;
	size_t n;
};

static int collect(const char *dir, struct pathlist *pl, int depth)
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

/* nf_conntrack.ko's own symbols: the probe points exist there even when
 * the module is not loaded (Debian keeps local symbols in modules). */
static void note_ct_module(struct doctor *d, struct elfscan_obj *o)
{
	struct elfscan_sym s;
	char vm[256];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(syms); i++) {
		if (syms[i].present == T_YES)
			continue;
		if (elfscan_symbol(o, syms[i].name, &s, NULL) == 0 &&
		    (!strcmp(syms[i].name, "nf_conntrack_destroy") || !d->live ||
		     d->ct_loaded != T_YES)) {
			/* nf_conntrack_destroy lives in vmlinux (core.c) */
			if (s.found) {
				syms[i].present = T_YES;
				syms[i].type = s.type;
				syms[i].in_module = true;
			} else if (strcmp(syms[i].name,
					  "nf_conntrack_destroy")) {
				syms[i].present = T_NO;
			}
		}
	}
	note_list_syms_elf(o);
	/* Live, kallsyms (CONFIG_KALLSYMS_ALL) describes the loaded copy. */
	if (d->hook_const_sym == T_UNKNOWN &&
	    elfscan_symbol(o, "nf_conntrack_hook", &s, NULL) == 0 && s.found) {
		d->hook_const_sym = s.writable ? T_NO : T_YES;
		d->hook_sym_type = s.type;
		d->hook_sym_where = "nf_conntrack.ko";
	}
	if (!d->live && !d->release[0] &&
	    elfscan_modinfo(o, "vermagic", vm, sizeof(vm)) == 0) {
		vm[strcspn(vm, " ")] = 0;
		snprintf(d->release, sizeof(d->release), "%s", vm);
	}
}

static int scan_tree(struct doctor *d)
{
	static const char *const sub[] = { "kernel/net", "updates", "extra" };
	struct pathlist pl = { 0 };
	size_t i, base = strlen(d->moddir) + 1;
	char dir[PATH_MAX];

	for (i = 0; i < ARRAY_SIZE(sub); i++) {
		if (snprintf(dir, sizeof(dir), "%s/%s", d->moddir, sub[i]) <
		    (int)sizeof(dir))
			collect(dir, &pl, 0);
	}
	qsort(pl.v, pl.n, sizeof(*pl.v), cmp_str);
	for (i = 0; i < pl.n; i++) {
		char err[ELFSCAN_ERRLEN];
		struct elfscan_obj *o;
		struct elfscan_refs r;
		const char *rel = pl.v[i] + base;
		char *mod = module_name(pl.v[i]);
		int ret;

		d->scanned++;
		ret = elfscan_open(pl.v[i], &o, err);
		if (!ret) {
			ret = elfscan_find_refs(o, TARGET, &r, err);
			if (mod && !strcmp(mod, "nf_conntrack")) {
				snprintf(d->ct_path, sizeof(d->ct_path), "%s",
					 pl.v[i]);
				note_ct_module(d, o);
			}
			elfscan_close(o);
		}
		if (ret) {
			struct bad_file *nb = realloc(d->bad, (d->nbad + 1) *
						      sizeof(*nb));

			p_warn("%s: %s", pl.v[i], err);
			if (nb) {
				d->bad = nb;
				d->bad[d->nbad].path = strdup(rel);
				d->bad[d->nbad].error = strdup(err);
				d->nbad++;
			}
		} else if (r.calls) {
			struct caller *nc = realloc(d->callers,
						    (d->ncallers + 1) *
						    sizeof(*nc));

			if (!nc) {
				elfscan_refs_free(&r);
			} else {
				d->callers = nc;
				nc[d->ncallers].module = mod;
				nc[d->ncallers].path = strdup(rel);
				nc[d->ncallers].refs = r;
				d->ncallers++;
				mod = NULL;
			}
		} else {
			elfscan_refs_free(&r);
		}
		free(mod);
		free(pl.v[i]);
	}
	free(pl.v);
	return 0;
}

static bool builtin_listed(const char *moddir, const char *mod)
{
	char p[PATH_MAX], line[PATH_MAX];
	bool found = false;
	FILE *f;

	snprintf(p, sizeof(p), "%s/modules.builtin", moddir);
	f = fopen(p, "r");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		char *n;

		line[strcspn(line, "\n")] = 0;
		n = module_name(line);
		found = n && !strcmp(n, mod);
		free(n);
	}
	fclose(f);
	return found;
}

/* ---- live facts ---- */

static bool module_listed(const char *mod)
{
	char line[512];
	size_t l = strlen(mod);
	bool found = false;
	FILE *f = fopen("/proc/modules", "r");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = !strncmp(line, mod, l) && line[l] == ' ';
	fclose(f);
	return found;
}

static struct probe_sym *find_sym(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(syms); i++)
		if (!strcmp(syms[i].name, name))
			return &syms[i];
	return NULL;
}

static void read_kallsyms(struct doctor *d)
{
	char line[512];
	FILE *f = fopen("/proc/kallsyms", "r");
	size_t i;

	if (!f)
		return;
	d->have_kallsyms = true;
	d->kprobes_supported = T_NO;
	for (i = 0; i < ARRAY_SIZE(syms); i++)
		syms[i].present = T_NO;
	while (fgets(line, sizeof(line), f)) {
		char type, name[256], mod[128] = "";
		struct probe_sym *s;

		if (sscanf(line, "%*s %c %255s [%127[^]]]", &type, name,
			   mod) < 2)
			continue;
		note_list_sym(name);
		if (!strcmp(name, "register_kprobe"))
			d->kprobes_supported = T_YES;
		if (!strcmp(name, "nf_conntrack_hook")) {
			d->hook_const_sym = (type == 'r' || type == 'R') ?
					    T_YES : T_NO;
			d->hook_sym_type = type;
			d->hook_sym_where = "kallsyms";
		}
		s = find_sym(name);
		if (!s || s->present == T_YES)
			continue;
		s->present = T_YES;
		s->type = type;
		s->in_module = mod[0] != 0;
	}
	fclose(f);
}

/* Names listed (first token that is not an address) in a tracing file:
 * kprobes/blacklist ("0xstart-0xend\tname") or available_filter_functions
 * ("name [module]"). */
static bool read_name_list(const char *path, bool blacklist)
{
	char line[512];
	FILE *f = fopen(path, "r");
	size_t i;

	if (!f)
		return false;
	for (i = 0; i < ARRAY_SIZE(syms); i++) {
		if (blacklist)
			syms[i].blacklisted = T_NO;
		else
			syms[i].traceable = T_NO;
	}
	while (fgets(line, sizeof(line), f)) {
		char *tok, *save = NULL;
		struct probe_sym *s = NULL;

		for (tok = strtok_r(line, " \t\n", &save); tok;
		     tok = strtok_r(NULL, " \t\n", &save)) {
			if (strncmp(tok, "0x", 2)) {
				s = find_sym(tok);
				break;
			}
		}
		if (!s)
			continue;
		if (blacklist)
			s->blacklisted = T_YES;
		else
			s->traceable = T_YES;
	}
	fclose(f);
	return true;
}

static void gather_live(struct doctor *d)
{
	struct probe_sym *t, *c;

	d->modules_supported = access("/proc/modules", F_OK) ? T_NO : T_YES;
	read_kallsyms(d);
	d->have_blacklist = read_name_list("/sys/kernel/debug/kprobes/blacklist",
					   true);
	d->have_aff = read_name_list("/sys/kernel/tracing/available_filter_functions",
				     false) ||
		      read_name_list("/sys/kernel/debug/tracing/available_filter_functions",
				     false);
	t = find_sym(TARGET);
	c = find_sym("__nf_conntrack_confirm");
	if (module_listed("nf_conntrack")) {
		d->ct_kind = "module";
		d->ct_loaded = T_YES;
	} else if ((t->present == T_YES && !t->in_module) ||
		   (c->present == T_YES && !c->in_module) ||
		   (d->moddir_ok && builtin_listed(d->moddir, "nf_conntrack"))) {
		d->ct_kind = "builtin";
		d->ct_loaded = T_YES;
	} else if (d->modules_supported == T_NO && d->have_kallsyms) {
		d->ct_kind = "absent";
		d->ct_loaded = T_NO;
	} else {
		/* module or absent: the tree scan decides */
		d->ct_loaded = T_NO;
	}
	read_small("/proc/sys/net/netfilter/nf_conntrack_events",
		   d->sc_events, sizeof(d->sc_events));
	read_small("/proc/sys/net/netfilter/nf_conntrack_timestamp",
		   d->sc_timestamp, sizeof(d->sc_timestamp));
	read_small("/proc/sys/net/netfilter/nf_conntrack_max",
		   d->sc_max, sizeof(d->sc_max));
	read_small("/proc/sys/net/netfilter/nf_conntrack_count",
		   d->sc_count, sizeof(d->sc_count));
	read_small("/proc/sys/net/core/rmem_max", d->sc_rmem,
		   sizeof(d->sc_rmem));

	d->ctdiag_loaded = ctdiag_module_loaded();
	if (d->ctdiag_loaded) {
		int fd = ctdiag_dev_open_quiet(O_WRONLY, &d->info);

		if (fd >= 0) {
			d->have_feat = features_read(fd, &d->feat) == 0;
			close(fd);
		}
		d->ctdiag_open_err = fd < 0 ? fd : 0;
	}
}

static void judge_probes(struct doctor *d)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(syms); i++) {
		struct probe_sym *s = &syms[i];

		s->probeable = T_UNKNOWN;
		s->reason = NULL;
		/* Its functions are only listed once the module is loaded. */
		if (s->in_module && d->ct_loaded != T_YES)
			s->blacklisted = s->traceable = T_UNKNOWN;
		if (!d->live)
			s->reason = "offline";
		else if (s->present == T_NO)
			s->probeable = T_NO, s->reason = "not in /proc/kallsyms";
		else if (d->kprobes_supported == T_NO)
			s->probeable = T_NO, s->reason = "no kprobes";
		else if (s->present != T_YES || !d->have_kallsyms)
			s->reason = "/proc/kallsyms unreadable";
		else if (s->in_module && d->ct_loaded != T_YES)
			s->reason = "nf_conntrack not loaded";
		else if (s->blacklisted == T_YES)
			s->probeable = T_NO, s->reason = "in the kprobe blacklist";
		else if (d->have_aff && s->traceable == T_NO)
			s->probeable = T_NO,
			s->reason = "not in available_filter_functions";
		else if (!d->have_blacklist)
			s->reason = "kprobe blacklist unreadable";
		else
			s->probeable = T_YES;
	}
}

/* An explicitly named vmlinux that cannot be read is fatal (returns
 * -errno after p_err); a guessed one only gets a warning. */
static int scan_vmlinux(struct doctor *d, bool explicit_path)
{
	static const char *const guess[] = {
		"/usr/lib/debug/boot/vmlinux-%s",
		"/usr/lib/debug/lib/modules/%s/vmlinux",
	};
	char err[ELFSCAN_ERRLEN];
	struct elfscan_obj *o;
	size_t i;
	int ret;

	if (!d->vmlinux[0]) {
		for (i = 0; i < ARRAY_SIZE(guess) && d->release[0]; i++) {
			char p[PATH_MAX];

			snprintf(p, sizeof(p), guess[i], d->release);
			if (!access(p, R_OK)) {
				snprintf(d->vmlinux, sizeof(d->vmlinux), "%s", p);
				break;
			}
		}
	}
	if (!d->vmlinux[0]) {
		d->vmlinux_status = "no vmlinux with symbols (install linux-image-RELEASE-dbg or use --vmlinux FILE)";
		return 0;
	}
	ret = elfscan_open(d->vmlinux, &o, err);
	if (ret)
		goto bad;
	for (i = 0; i < ARRAY_SIZE(syms); i++) {
		struct elfscan_sym s;

		if (syms[i].present == T_YES || d->live)
			continue;
		if (elfscan_symbol(o, syms[i].name, &s, NULL) == 0 && s.found) {
			syms[i].present = T_YES;
			syms[i].type = s.type;
		} else if (!strcmp(d->ct_kind, "builtin") ||
			   !strcmp(syms[i].name, "nf_conntrack_destroy")) {
			syms[i].present = T_NO;
		}
	}
	note_list_syms_elf(o);
	if (d->hook_const_sym == T_UNKNOWN) {
		struct elfscan_sym s;

		if (elfscan_symbol(o, "nf_conntrack_hook", &s, NULL) == 0 &&
		    s.found) {
			d->hook_const_sym = s.writable ? T_NO : T_YES;
			d->hook_sym_type = s.type;
			d->hook_sym_where = "vmlinux";
		}
	}
	if (elfscan_nr_relocs(o) == 0) {
		d->vmlinux_status = "vmlinux has no relocations (not linked with --emit-relocs): built-in callers cannot be listed";
		elfscan_close(o);
		return 0;
	}
	ret = elfscan_find_refs(o, TARGET, &d->vm_refs, err);
	elfscan_close(o);
	if (ret)
		goto bad;
	d->vm_scanned = true;
	d->vmlinux_status = "scanned";
	return 0;
bad:
	if (explicit_path) {
		p_err("%s: %s", d->vmlinux, err);
		return ret;
	}
	p_warn("%s: %s", d->vmlinux, err);
	d->vmlinux_status = "vmlinux could not be read";
	return 0;
}

static void conclude(struct doctor *d)
{
	struct probe_sym *t = find_sym(TARGET);
	size_t i;

	d->ncalling = d->ncallers;
	if (d->ncalling || (d->vm_scanned && d->vm_refs.calls))
		d->leaks = T_YES;
	else if (t->present == T_YES)
		d->leaks = T_YES;	/* exported: nf_ct_put() calls it */
	else if (t->present == T_NO || (d->ct_path[0] && !d->nbad) ||
		 d->vm_scanned)
		d->leaks = T_NO;
	else
		d->leaks = T_UNKNOWN;

	if (d->kver) {
		d->hook_const_ver = d->kver >= KVER(5, 17, 0) ? T_YES : T_NO;
		d->lists_ver = d->kver >= KVER(5, 19, 0) ? T_NO : T_YES;
	} else {
		d->hook_const_ver = d->lists_ver = T_UNKNOWN;
	}

	if (t->present != T_NO && t->probeable != T_NO) {
		d->recommend = "both";
		d->recommend_why = d->leaks == T_NO ?
			"nf_ct_destroy probe as a safety net; the hook sees every free here" :
			"the nf_ct_destroy probe sees every free; the hook swap attributes frees that went through nf_ct_hook";
	} else if (d->leaks != T_YES) {
		d->recommend = "hook";
		d->recommend_why = "every final put goes through nf_ct_hook->destroy (no nf_ct_destroy on this kernel)";
	} else {
		d->recommend = "hook";
		d->recommend_why = d->kprobes_supported == T_NO ?
			"the only mode without kprobes, and it misses the direct callers" :
			"the only mode possible here, and it misses the direct callers: nf_ct_destroy cannot be probed";
	}

	if (d->ctdiag_loaded && !d->ctdiag_open_err) {
		if (d->info.intercept & CTDIAG_INTERCEPT_DESTROY)
			d->covers = T_YES;
		else if (d->leaks == T_NO)
			d->covers = T_YES;
		else if (d->leaks == T_YES)
			d->covers = T_NO;
		else
			d->covers = T_UNKNOWN;
	} else {
		d->covers = T_UNKNOWN;
	}

	/* What ctdiag needs; anything missing makes the run "degraded". */
	if (d->live && d->modules_supported == T_NO)
		fail_check(d, "this kernel cannot load modules (no /proc/modules): ctdiag.ko cannot run");
	if (d->live && d->kprobes_supported == T_NO)
		fail_check(d, "no kprobes (register_kprobe not in /proc/kallsyms)");
	if (!strcmp(d->ct_kind, "absent"))
		fail_check(d, "nf_conntrack is neither built in nor available as a module");
	for (i = 0; i < ARRAY_SIZE(syms); i++) {
		struct probe_sym *s = &syms[i];

		if (!s->needed)
			continue;
		/* No nf_ct_destroy: pre-5.15.36, the hook sees everything. */
		if (s == t && s->present == T_NO)
			continue;
		if (s->present == T_NO)
			fail_check(d, "%s not found: %s not recorded",
				   s->name, s->why);
		else if (s->probeable == T_NO &&
			 d->kprobes_supported != T_NO)
			fail_check(d, "%s cannot be probed (%s): %s not recorded",
				   s->name, s->reason, s->why);
	}
	if (d->covers == T_NO)
		fail_check(d, "loaded ctdiag.ko uses intercept=hook, which misses the direct nf_ct_destroy callers: reload with intercept=%s",
			   d->recommend);
}

/* ---- output ---- */

static const char *tri_str(enum tri t)
{
	return t == T_YES ? "yes" : t == T_NO ? "no" : "unknown";
}

static void print_tri(const char *key, const char *fmt, enum tri t)
{
	if (t == T_UNKNOWN)
		print_null(PRINT_JSON, key, NULL);
	else
		print_bool(PRINT_JSON, key, NULL, t == T_YES);
	print_string(PRINT_FP, NULL, fmt, tri_str(t));
}

static void print_funcs(const struct elfscan_refs *r)
{
	size_t i;

	open_json_array("functions");
	for (i = 0; i < r->nfuncs; i++) {
		open_json_object(NULL);
		print_string(PRINT_ANY, "name", i ? ", %s" : "%s",
			     r->funcs[i].name);
		if (r->funcs[i].sites > 1)
			print_uint(PRINT_ANY, "calls", " (%llu)",
				   r->funcs[i].sites);
		else
			print_uint(PRINT_JSON, "calls", NULL, 1);
		close_json_object();
	}
	close_json_array();
}

static void print_sysctl(const char *key, const char *label, const char *v)
{
	uint64_t n;

	if (v[0] && !parse_u64(v, &n, UINT64_MAX))
		print_uint(PRINT_ANY, key, "%llu", n);
	else
		print_null(PRINT_ANY, key, "n/a");
	(void)label;
}

static void print_report(struct doctor *d)
{
	size_t i, n;

	open_json_object(NULL);
	print_string(PRINT_ANY, "release", "kernel: %s", d->release[0] ?
		     d->release : "unknown");
	print_string(PRINT_ANY, "mode", " (%s)", d->live ? "live" : "offline");
	print_nl();
	if (!d->live)
		print_text("live checks: skipped (offline: kallsyms, kprobe blacklist, tracing, sysctls and ctdiag.ko describe the running kernel)\n");
	print_string(PRINT_ANY, "module_dir", "module tree: %s", d->moddir);
	if (!d->moddir_ok)
		print_text(" (not found)");
	print_bool(PRINT_JSON, "module_dir_found", NULL, d->moddir_ok);
	print_nl();
	print_string(PRINT_ANY, "nf_conntrack", "nf_conntrack: %s",
		     d->ct_kind);
	if (d->live) {
		if (!strcmp(d->ct_kind, "module"))
			print_text(d->ct_loaded == T_YES ? " (loaded)" :
				   " (not loaded: modprobe nf_conntrack to check its probe points)");
		print_tri("nf_conntrack_loaded", NULL, d->ct_loaded);
	}
	print_nl();
	if (d->live) {
		print_tri("modules_supported", "module loading: %s\n",
			  d->modules_supported);
		print_tri("kprobes", "kprobes: %s\n", d->kprobes_supported);
	}

	print_text("probe points:\n");
	open_json_array("symbols");
	for (i = 0; i < ARRAY_SIZE(syms); i++) {
		struct probe_sym *s = &syms[i];
		char type[2] = { s->type, 0 };

		open_json_object(NULL);
		print_string(PRINT_ANY, "name", "  %-24s", s->name);
		print_tri("present", "present=%s", s->present);
		if (s->type)
			print_string(PRINT_ANY, "type", " type=%s", type);
		else
			print_null(PRINT_JSON, "type", NULL);
		print_string(PRINT_ANY, "where", " in=%s",
			     s->present != T_YES ? "-" :
			     s->in_module ? "nf_conntrack" : "vmlinux");
		if (d->live) {
			print_tri("blacklisted", " blacklisted=%s",
				  s->blacklisted);
			print_tri("traceable", " ftrace=%s", s->traceable);
		}
		print_tri("probeable", " probeable=%s", s->probeable);
		if (s->reason)
			print_string(PRINT_ANY, "probeable_reason", " (%s)",
				     s->reason);
		else
			print_null(PRINT_JSON, "probeable_reason", NULL);
		print_bool(PRINT_JSON, "needed", NULL, s->needed);
		print_string(PRINT_JSON, "purpose", NULL, s->why);
		if (s->needed)
			print_string(PRINT_FP, NULL, " (needed: %s)", s->why);
		close_json_object();
		print_nl();
	}
	close_json_array();
	if (d->live && (!d->have_blacklist || !d->have_aff))
		print_text("  (%s%s%s)\n",
			   d->have_blacklist ? "" :
			   "kprobe blacklist unreadable: mount debugfs on /sys/kernel/debug",
			   !d->have_blacklist && !d->have_aff ? "; " : "",
			   d->have_aff ? "" :
			   "available_filter_functions unreadable: mount tracefs on /sys/kernel/tracing");

	print_uint(PRINT_ANY, "modules_scanned",
		   "direct callers of nf_ct_destroy (modules scanned: %llu",
		   d->scanned);
	print_uint(PRINT_ANY, "modules_unreadable", ", unreadable: %llu):\n",
		   d->nbad);
	open_json_array("direct_callers");
	for (i = 0; i < d->ncallers; i++) {
		struct caller *c = &d->callers[i];

		open_json_object(NULL);
		print_string(PRINT_ANY, "module", "  %s", c->module);
		print_string(PRINT_ANY, "path", " (%s)", c->path);
		print_uint(PRINT_ANY, "calls", ": %llu call", c->refs.calls);
		print_text("%s in ", c->refs.calls == 1 ? "" : "s");
		print_funcs(&c->refs);
		close_json_object();
		print_nl();
	}
	close_json_array();
	open_json_array("unreadable");
	for (i = 0; i < d->nbad; i++) {
		open_json_object(NULL);
		print_string(PRINT_ANY, "path", "  unreadable: %s", d->bad[i].path);
		print_string(PRINT_ANY, "error", ": %s", d->bad[i].error);
		close_json_object();
		print_nl();
	}
	close_json_array();

	open_json_object("builtin");
	print_string(PRINT_ANY, "status", "built-in code: %s",
		     d->vmlinux_status);
	if (d->vmlinux[0])
		print_string(PRINT_ANY, "vmlinux", " (%s)", d->vmlinux);
	else
		print_null(PRINT_JSON, "vmlinux", NULL);
	print_nl();
	if (d->vm_scanned) {
		print_uint(PRINT_ANY, "calls", "  vmlinux: %llu call",
			   d->vm_refs.calls);
		print_text("%s in ", d->vm_refs.calls == 1 ? "" : "s");
		print_funcs(&d->vm_refs);
		print_nl();
	}
	close_json_object();

	print_uint(PRINT_JSON, "direct_caller_modules", NULL, d->ncalling);
	print_tri("hook_only_leaks", NULL, d->leaks);
	print_bool(PRINT_JSON, "builtin_calls", NULL,
		   d->vm_scanned && d->vm_refs.calls);
	if (d->leaks == T_YES && (d->ncalling || d->vm_refs.calls))
		print_text("hook-only interception leaks on this kernel: %u %s nf_ct_destroy directly%s\n",
			   d->ncalling, d->ncalling == 1 ? "module calls" :
			   "modules call", d->vm_refs.calls ?
			   ", and so does built-in code (vmlinux)" : "");
	else if (d->leaks == T_YES)
		print_text("hook-only interception leaks on this kernel: nf_ct_destroy exists, so every nf_ct_put() calls it directly (callers not listed: %s)\n",
			   !strcmp(d->ct_kind, "builtin") ?
			   "nf_conntrack is built in and no vmlinux was scanned; try --vmlinux FILE" :
			   "no module tree scanned");
	else if (d->leaks == T_NO)
		print_text("hook-only interception does not leak on this kernel: no module calls nf_ct_destroy directly\n");
	else
		print_text("hook-only interception: cannot tell on this kernel (no nf_conntrack found to scan)\n");

	open_json_object("nf_ct_hook");
	print_tri("ops_const_by_version", "nf_ct_hook ops const (5.17+, 285c8a7a5815): by version %s",
		  d->hook_const_ver);
	print_tri("ops_const_by_symbol", ", by symbol %s", d->hook_const_sym);
	if (d->hook_sym_type) {
		char t[2] = { d->hook_sym_type, 0 };

		print_string(PRINT_ANY, "symbol_type", " (nf_conntrack_hook type %s",
			     t);
		print_string(PRINT_ANY, "symbol_from", " in %s)",
			     d->hook_sym_where);
	}
	print_nl();
	close_json_object();
	print_text("  (nf_ct_hook itself is a writable pointer; the ops table it points to is what is const, so a hook swap must copy the ops)\n");
	print_tri("dying_unconfirmed_lists", "dying/unconfirmed lists (removed in 5.19): by version %s",
		  d->lists_ver);
	print_text(", list helpers in the symbols:");
	open_json_array("dying_unconfirmed_list_symbols");
	for (i = 0, n = 0; i < ARRAY_SIZE(list_syms); i++) {
		if (!list_sym_found[i])
			continue;
		print_string(PRINT_ANY, NULL, n++ ? ", %s" : " %s",
			     list_syms[i]);
	}
	close_json_array();
	if (!n)
		print_text(" none");
	print_nl();

	if (d->live) {
		open_json_object("sysctl");
		print_text("sysctl: nf_conntrack_events=");
		print_sysctl("nf_conntrack_events", NULL, d->sc_events);
		print_text(" nf_conntrack_timestamp=");
		print_sysctl("nf_conntrack_timestamp", NULL, d->sc_timestamp);
		print_text(" nf_conntrack_count=");
		print_sysctl("nf_conntrack_count", NULL, d->sc_count);
		print_text("/max=");
		print_sysctl("nf_conntrack_max", NULL, d->sc_max);
		{
			uint64_t c, m;

			if (!parse_u64(d->sc_count, &c, UINT64_MAX) &&
			    !parse_u64(d->sc_max, &m, UINT64_MAX) && m) {
				print_uint(PRINT_ANY, "nf_conntrack_fill_pct",
					   " (%llu%% full)", c * 100 / m);
				if (c * 100 / m >= 90)
					print_text(" (near nf_conntrack_max: new flows will be dropped)");
			}
		}
		print_text(" net.core.rmem_max=");
		print_sysctl("rmem_max", NULL, d->sc_rmem);
		print_nl();
		close_json_object();

		open_json_object("ctdiag");
		print_bool(PRINT_JSON, "loaded", NULL, d->ctdiag_loaded);
		print_text("ctdiag.ko: %s", d->ctdiag_loaded ? "loaded" :
			   "not loaded");
		if (d->ctdiag_loaded && !d->ctdiag_open_err) {
			const char *m =
				d->info.intercept == CTDIAG_INTERCEPT_HOOK ? "hook" :
				d->info.intercept == CTDIAG_INTERCEPT_DESTROY ? "destroy" :
				d->info.intercept == CTDIAG_INTERCEPT_BOTH ? "both" :
				"unknown";

			print_string(PRINT_ANY, "intercept", ", intercept=%s", m);
			print_tri("covers_all_paths",
				  ", covers every destroy path: %s", d->covers);
			if (d->have_feat) {
				print_nl();
				features_print(&d->feat);
			}
		} else if (d->ctdiag_loaded) {
			print_string(PRINT_ANY, "error", " (%s)",
				     strerror(-d->ctdiag_open_err));
		}
		close_json_object();
		print_nl();
	}
	print_string(PRINT_ANY, "recommended_intercept",
		     "recommended: intercept=%s", d->recommend);
	print_string(PRINT_ANY, "recommended_why", " (%s)", d->recommend_why);
	print_nl();

	open_json_array("failed_checks");
	for (i = 0; i < (size_t)d->nfailed; i++)
		print_string(PRINT_ANY, NULL, "check failed: %s\n",
			     d->failed[i]);
	close_json_array();
	print_string(PRINT_ANY, "status", "status: %s\n",
		     d->nbad ? "incomplete (unreadable files)" :
		     d->nfailed ? "degraded" : "ok");
	close_json_object();
}

static void usage(FILE *fp)
{
	fprintf(fp,
		"Usage: ctdiag doctor [-o json] [--release R | --kernel-dir DIR]\n"
		"                     [--vmlinux FILE]\n"
		"\n"
		"Check whether ctdiag can work on this kernel, and list the code that\n"
		"calls nf_ct_destroy directly (bypassing nf_ct_hook->destroy, so a\n"
		"hook-only extension leaks there), by scanning module relocations.\n"
		"\n"
		"  -o, --output FMT      plain (default) or json\n"
		"  -r, --release R       examine /lib/modules/R offline\n"
		"  -k, --kernel-dir DIR  examine the module tree DIR (like /lib/modules/R)\n"
		"                        offline; live-only checks are skipped\n"
		"  -V, --vmlinux FILE    vmlinux with symbols, for built-in callers\n"
		"                        (default: Debian's linux-image-R-dbg paths)\n"
		"  -h, --help            show this help\n"
		"\n"
		"Exit status: 0 everything ctdiag needs is present; 4 ctdiag cannot\n"
		"work fully here (failed checks are listed); 1 runtime error (e.g. an\n"
		"unreadable vmlinux or module file); 2 usage error.\n");
}

static void doctor_free(struct doctor *d)
{
	size_t i;

	for (i = 0; i < d->ncallers; i++) {
		free(d->callers[i].module);
		free(d->callers[i].path);
		elfscan_refs_free(&d->callers[i].refs);
	}
	free(d->callers);
	for (i = 0; i < d->nbad; i++) {
		free(d->bad[i].path);
		free(d->bad[i].error);
	}
	free(d->bad);
	elfscan_refs_free(&d->vm_refs);
}

int do_doctor(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "release", required_argument, NULL, 'r' },
		{ "kernel-dir", required_argument, NULL, 'k' },
		{ "vmlinux", required_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *release = NULL, *kdir = NULL, *vmlinux = NULL;
	struct doctor *d;
	struct stat st;
	bool json = false;
	int opt, ret, rc = EXIT_OK;
	size_t i;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "o:r:k:V:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'r':
			if (!*optarg || strchr(optarg, '/'))
				return p_usage("doctor", "invalid release '%s'", optarg);
			release = optarg;
			break;
		case 'k':
			kdir = optarg;
			break;
		case 'V':
			vmlinux = optarg;
			break;
		default:
			ret = parse_common_opt("doctor", opt, argv, &json,
					       usage);
			if (ret >= 0)
				return ret;
		}
	}
	if (check_no_args("doctor", argc, argv))
		return EXIT_USAGE;

	out_init(stdout, json);
	d = calloc(1, sizeof(*d));
	if (!d) {
		p_err("out of memory");
		return EXIT_FAIL;
	}
	for (i = 0; i < ARRAY_SIZE(syms); i++) {
		syms[i].present = syms[i].blacklisted = T_UNKNOWN;
		syms[i].traceable = syms[i].probeable = T_UNKNOWN;
		syms[i].type = 0;
		syms[i].in_module = false;
	}
	memset(list_sym_found, 0, sizeof(list_sym_found));
	d->ct_kind = "unknown";
	d->ct_loaded = T_UNKNOWN;
	d->hook_const_sym = T_UNKNOWN;
	d->modules_supported = d->kprobes_supported = T_UNKNOWN;
	d->live = !release && !kdir;
	if (release)
		snprintf(d->release, sizeof(d->release), "%s", release);
	if (d->live) {
		struct utsname u;

		if (uname(&u) == 0)
			snprintf(d->release, sizeof(d->release), "%s",
				 u.release);
	}
	if (kdir)
		snprintf(d->moddir, sizeof(d->moddir), "%s", kdir);
	else
		snprintf(d->moddir, sizeof(d->moddir), "/lib/modules/%s",
			 d->release);
	d->moddir_ok = !stat(d->moddir, &st) && S_ISDIR(st.st_mode);
	if (!d->live && !d->moddir_ok) {
		p_err("%s: no such module tree: give --release of an installed kernel or --kernel-dir DIR",
		      d->moddir);
		free(d);
		return EXIT_FAIL;
	}
	if (vmlinux) {
		if (access(vmlinux, R_OK)) {
			p_err("%s: %s", vmlinux, strerror(errno));
			free(d);
			return EXIT_FAIL;
		}
		snprintf(d->vmlinux, sizeof(d->vmlinux), "%s", vmlinux);
	}

	if (d->live)
		gather_live(d);
	if (d->moddir_ok) {
		scan_tree(d);
		if (d->nbad)
			rc = EXIT_FAIL;
	}
	if (!strcmp(d->ct_kind, "unknown")) {
		if (d->moddir_ok && builtin_listed(d->moddir, "nf_conntrack"))
			d->ct_kind = "builtin";
		else if (d->ct_path[0])
			d->ct_kind = "module";
		else if (d->moddir_ok)
			d->ct_kind = "absent";
	}
	if (!d->release[0] && kdir) {
		/* A tree named after its release, like /lib/modules/R. */
		const char *b = strrchr(kdir, '/');

		b = b && b[1] ? b + 1 : kdir;
		if (parse_kver(b))
			snprintf(d->release, sizeof(d->release), "%s", b);
	}
	d->kver = parse_kver(d->release);
	if (scan_vmlinux(d, vmlinux != NULL)) {
		doctor_free(d);
		free(d);
		return EXIT_FAIL;
	}
	if (!d->vmlinux[0] && !strcmp(d->ct_kind, "module")) {
		/* vmlinux cannot link against a module's symbols. */
		d->vmlinux_status = "cannot call nf_ct_destroy directly (it lives in nf_conntrack.ko)";
	}
	judge_probes(d);
	conclude(d);

	print_report(d);
	if (rc == EXIT_OK && d->nfailed)
		rc = EXIT_DEGRADED;
	doctor_free(d);
	free(d);
	return rc;
}
