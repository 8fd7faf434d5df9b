// SPDX-License-Identifier: GPL-2.0
/*
 * A kernel's facts for ctdiag doctor: see kfacts.h.
 *
 * Since 6ae7989c9af0 (v5.17, backported to 5.15.36) nf_ct_put() calls the
 * exported nf_ct_destroy() directly; only nf_conntrack_put() still goes
 * through nf_ct_hook->destroy.  Every object with a relocation against
 * nf_ct_destroy in its code therefore frees conntracks behind the hook's
 * back; we find them with libelf (lib/elfscan.c), module by module.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>
#include "dev.h"
#include "kfacts.h"
#include "modfeatures.h"
#include "modtree.h"
#include "util.h"

#define SYM(n, need, w) { .name = n, .needed = need, .why = w }
const struct kf_sym_desc kf_syms[KF_NSYMS] = {
	[KF_SYM_NF_CT_DESTROY] = SYM("nf_ct_destroy", true, "final free of every nf_ct_put() (destroy probe)"),
	[KF_SYM_NF_CONNTRACK_DESTROY] = SYM("nf_conntrack_destroy", false, "nf_conntrack_put() path into nf_ct_hook->destroy"),
	[KF_SYM_CONFIRM] = SYM("__nf_conntrack_confirm", true, "confirm-time drops"),
	[KF_SYM_RESOLVE_CLASH] = SYM("nf_ct_resolve_clash", true, "confirm collisions and their outcome"),
	[KF_SYM_RESOLVE_CLASH_INNER] = SYM("__nf_ct_resolve_clash", false, "each merge attempt (often inlined)"),
	[KF_SYM_CONNTRACK_UPDATE] = SYM("nf_conntrack_update", true, "NFQUEUE pre-confirm swaps (before 6.12)"),
	[KF_SYM_CONNTRACK_FREE] = SYM("nf_conntrack_free", false, "alternative destroy probe"),
};

/* Finding one proves the lists exist; not finding them proves little
 * (they are small and may be inlined), so the version decides then. */
const char *const kf_list_syms[KF_NLIST_SYMS] = {
	"nf_ct_add_to_dying_list",
	"nf_ct_add_to_unconfirmed_list",
	"nf_ct_del_from_dying_or_unconfirmed_list",
};

static void note_list_sym(struct kfacts *f, const char *name)
{
	size_t i;

	for (i = 0; i < KF_NLIST_SYMS; i++)
		if (!strcmp(name, kf_list_syms[i]))
			f->list_sym_found[i] = true;
}

static void note_list_syms_elf(struct kfacts *f, struct elfscan_obj *o)
{
	struct elfscan_sym s;
	size_t i;

	for (i = 0; i < KF_NLIST_SYMS; i++)
		if (elfscan_symbol(o, kf_list_syms[i], &s, NULL) == 0 && s.found)
			f->list_sym_found[i] = true;
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
	FILE *fp = fopen(path, "r");

	buf[0] = 0;
	if (!fp)
		return;
	if (fgets(buf, len, fp))
		buf[strcspn(buf, "\n")] = 0;
	fclose(fp);
}

/* ---- the module tree ---- */

/* nf_conntrack.ko's own symbols: the probe points exist there even when
 * the module is not loaded (Debian keeps local symbols in modules). */
static void note_ct_module(struct kfacts *f, struct elfscan_obj *o)
{
	struct elfscan_sym s;
	char vm[256];
	size_t i;

	for (i = 0; i < KF_NSYMS; i++) {
		if (f->sym[i].present == T_YES)
			continue;
		if (elfscan_symbol(o, kf_syms[i].name, &s, NULL) == 0 &&
		    (!strcmp(kf_syms[i].name, "nf_conntrack_destroy") || !f->live ||
		     f->ct_loaded != T_YES)) {
			/* nf_conntrack_destroy lives in vmlinux (core.c) */
			if (s.found) {
				f->sym[i].present = T_YES;
				f->sym[i].type = s.type;
				f->sym[i].in_module = true;
			} else if (strcmp(kf_syms[i].name,
					  "nf_conntrack_destroy")) {
				f->sym[i].present = T_NO;
			}
		}
	}
	note_list_syms_elf(f, o);
	/* Live, kallsyms (CONFIG_KALLSYMS_ALL) describes the loaded copy. */
	if (f->hook_const_sym == T_UNKNOWN &&
	    elfscan_symbol(o, "nf_conntrack_hook", &s, NULL) == 0 && s.found) {
		f->hook_const_sym = s.writable ? T_NO : T_YES;
		f->hook_sym_type = s.type;
		f->hook_sym_where = "nf_conntrack.ko";
	}
	if (!f->live && !f->release[0] &&
	    elfscan_modinfo(o, "vermagic", vm, sizeof(vm)) == 0) {
		vm[strcspn(vm, " ")] = 0;
		snprintf(f->release, sizeof(f->release), "%s", vm);
	}
}

static int scan_tree(struct kfacts *f)
{
	static const char *const sub[] = { "kernel/net", "updates", "extra" };
	struct modtree_files pl = { 0 };
	size_t i, base = strlen(f->moddir) + 1;

	modtree_list(f->moddir, sub, ARRAY_SIZE(sub), &pl);
	for (i = 0; i < pl.n; i++) {
		char err[ELFSCAN_ERRLEN];
		struct elfscan_obj *o;
		struct elfscan_refs r;
		const char *rel = pl.v[i] + base;
		char *mod = modtree_module_name(pl.v[i]);
		int ret;

		f->scanned++;
		ret = elfscan_open(pl.v[i], &o, err);
		if (!ret) {
			ret = elfscan_find_refs(o, KF_TARGET, &r, err);
			if (mod && !strcmp(mod, "nf_conntrack")) {
				snprintf(f->ct_path, sizeof(f->ct_path), "%s",
					 pl.v[i]);
				note_ct_module(f, o);
			}
			elfscan_close(o);
		}
		if (ret) {
			struct kf_bad_file *nb = realloc(f->bad, (f->nbad + 1) *
						      sizeof(*nb));

			p_warn("%s: %s", pl.v[i], err);
			if (nb) {
				f->bad = nb;
				f->bad[f->nbad].path = strdup(rel);
				f->bad[f->nbad].error = strdup(err);
				f->nbad++;
			}
		} else if (r.calls) {
			struct kf_caller *nc = realloc(f->callers,
						    (f->ncallers + 1) *
						    sizeof(*nc));

			if (!nc) {
				elfscan_refs_free(&r);
			} else {
				f->callers = nc;
				nc[f->ncallers].module = mod;
				nc[f->ncallers].path = strdup(rel);
				nc[f->ncallers].refs = r;
				f->ncallers++;
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

/* ---- live facts ---- */

static bool module_listed(const char *mod)
{
	char line[512];
	size_t l = strlen(mod);
	bool found = false;
	FILE *fp = fopen("/proc/modules", "r");

	if (!fp)
		return false;
	while (!found && fgets(line, sizeof(line), fp))
		found = !strncmp(line, mod, l) && line[l] == ' ';
	fclose(fp);
	return found;
}

static struct kf_sym *find_sym(struct kfacts *f, const char *name)
{
	size_t i;

	for (i = 0; i < KF_NSYMS; i++)
		if (!strcmp(kf_syms[i].name, name))
			return &f->sym[i];
	return NULL;
}

static void read_kallsyms(struct kfacts *f)
{
	char line[512];
	FILE *fp = fopen("/proc/kallsyms", "r");
	size_t i;

	if (!fp)
		return;
	f->have_kallsyms = true;
	f->kprobes_supported = T_NO;
	for (i = 0; i < KF_NSYMS; i++)
		f->sym[i].present = T_NO;
	while (fgets(line, sizeof(line), fp)) {
		char type, name[256], mod[128] = "";
		struct kf_sym *s;

		if (sscanf(line, "%*s %c %255s [%127[^]]]", &type, name,
			   mod) < 2)
			continue;
		note_list_sym(f, name);
		if (!strcmp(name, "register_kprobe"))
			f->kprobes_supported = T_YES;
		if (!strcmp(name, "nf_conntrack_hook")) {
			f->hook_const_sym = (type == 'r' || type == 'R') ?
					    T_YES : T_NO;
			f->hook_sym_type = type;
			f->hook_sym_where = "kallsyms";
		}
		s = find_sym(f, name);
		if (!s || s->present == T_YES)
			continue;
		s->present = T_YES;
		s->type = type;
		s->in_module = mod[0] != 0;
	}
	fclose(fp);
}

/* Names listed (first token that is not an address) in a tracing file:
 * kprobes/blacklist ("0xstart-0xend\tname") or available_filter_functions
 * ("name [module]"). */
static bool read_name_list(struct kfacts *f, const char *path, bool blacklist)
{
	char line[512];
	FILE *fp = fopen(path, "r");
	size_t i;

	if (!fp)
		return false;
	for (i = 0; i < KF_NSYMS; i++) {
		if (blacklist)
			f->sym[i].blacklisted = T_NO;
		else
			f->sym[i].traceable = T_NO;
	}
	while (fgets(line, sizeof(line), fp)) {
		char *tok, *save = NULL;
		struct kf_sym *s = NULL;

		for (tok = strtok_r(line, " \t\n", &save); tok;
		     tok = strtok_r(NULL, " \t\n", &save)) {
			if (strncmp(tok, "0x", 2)) {
				s = find_sym(f, tok);
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
	fclose(fp);
	return true;
}

static void gather_live(struct kfacts *f)
{
	struct kf_sym *t, *c;

	f->modules_supported = access("/proc/modules", F_OK) ? T_NO : T_YES;
	read_kallsyms(f);
	f->have_blacklist = read_name_list(f, "/sys/kernel/debug/kprobes/blacklist",
					   true);
	f->have_aff = read_name_list(f, "/sys/kernel/tracing/available_filter_functions",
				     false) ||
		      read_name_list(f, "/sys/kernel/debug/tracing/available_filter_functions",
				     false);
	t = find_sym(f, KF_TARGET);
	c = find_sym(f, "__nf_conntrack_confirm");
	if (module_listed("nf_conntrack")) {
		f->ct_kind = "module";
		f->ct_loaded = T_YES;
	} else if ((t->present == T_YES && !t->in_module) ||
		   (c->present == T_YES && !c->in_module) ||
		   (f->moddir_ok && modtree_builtin(f->moddir, "nf_conntrack"))) {
		f->ct_kind = "builtin";
		f->ct_loaded = T_YES;
	} else if (f->modules_supported == T_NO && f->have_kallsyms) {
		f->ct_kind = "absent";
		f->ct_loaded = T_NO;
	} else {
		/* module or absent: the tree scan decides */
		f->ct_loaded = T_NO;
	}
	read_small("/proc/sys/net/netfilter/nf_conntrack_events",
		   f->sc_events, sizeof(f->sc_events));
	read_small("/proc/sys/net/netfilter/nf_conntrack_timestamp",
		   f->sc_timestamp, sizeof(f->sc_timestamp));
	read_small("/proc/sys/net/netfilter/nf_conntrack_max",
		   f->sc_max, sizeof(f->sc_max));
	read_small("/proc/sys/net/netfilter/nf_conntrack_count",
		   f->sc_count, sizeof(f->sc_count));
	read_small("/proc/sys/net/core/rmem_max", f->sc_rmem,
		   sizeof(f->sc_rmem));

	f->ctdiag_loaded = ctdiag_module_loaded();
	if (f->ctdiag_loaded) {
		int fd = ctdiag_dev_open_quiet(O_WRONLY, &f->info);

		if (fd >= 0) {
			f->have_feat = features_read(fd, &f->feat) == 0;
			close(fd);
		}
		f->ctdiag_open_err = fd < 0 ? fd : 0;
	}
}

/* An explicitly named vmlinux that cannot be read is fatal (returns
 * -errno after p_err); a guessed one only gets a warning. */
static int scan_vmlinux(struct kfacts *f, bool explicit_path)
{
	static const char *const guess[] = {
		"/usr/lib/debug/boot/vmlinux-%s",
		"/usr/lib/debug/lib/modules/%s/vmlinux",
	};
	char err[ELFSCAN_ERRLEN];
	struct elfscan_obj *o;
	size_t i;
	int ret;

	if (!f->vmlinux[0]) {
		for (i = 0; i < ARRAY_SIZE(guess) && f->release[0]; i++) {
			char p[PATH_MAX];

			snprintf(p, sizeof(p), guess[i], f->release);
			if (!access(p, R_OK)) {
				snprintf(f->vmlinux, sizeof(f->vmlinux), "%s", p);
				break;
			}
		}
	}
	if (!f->vmlinux[0]) {
		f->vmlinux_status = "no vmlinux with symbols (install linux-image-RELEASE-dbg or use --vmlinux FILE)";
		return 0;
	}
	ret = elfscan_open(f->vmlinux, &o, err);
	if (ret)
		goto bad;
	for (i = 0; i < KF_NSYMS; i++) {
		struct elfscan_sym s;

		if (f->sym[i].present == T_YES || f->live)
			continue;
		if (elfscan_symbol(o, kf_syms[i].name, &s, NULL) == 0 && s.found) {
			f->sym[i].present = T_YES;
			f->sym[i].type = s.type;
		} else if (!strcmp(f->ct_kind, "builtin") ||
			   !strcmp(kf_syms[i].name, "nf_conntrack_destroy")) {
			f->sym[i].present = T_NO;
		}
	}
	note_list_syms_elf(f, o);
	if (f->hook_const_sym == T_UNKNOWN) {
		struct elfscan_sym s;

		if (elfscan_symbol(o, "nf_conntrack_hook", &s, NULL) == 0 &&
		    s.found) {
			f->hook_const_sym = s.writable ? T_NO : T_YES;
			f->hook_sym_type = s.type;
			f->hook_sym_where = "vmlinux";
		}
	}
	if (elfscan_nr_relocs(o) == 0) {
		f->vmlinux_status = "vmlinux has no relocations (not linked with --emit-relocs): built-in callers cannot be listed";
		elfscan_close(o);
		return 0;
	}
	ret = elfscan_find_refs(o, KF_TARGET, &f->vm_refs, err);
	elfscan_close(o);
	if (ret)
		goto bad;
	f->vm_scanned = true;
	f->vmlinux_status = "scanned";
	return 0;
bad:
	if (explicit_path) {
		p_err("%s: %s", f->vmlinux, err);
		return ret;
	}
	p_warn("%s: %s", f->vmlinux, err);
	f->vmlinux_status = "vmlinux could not be read";
	return 0;
}

static void init(struct kfacts *f, const struct kfacts_opts *o)
{
	struct stat st;
	size_t i;

	memset(f, 0, sizeof(*f));
	for (i = 0; i < KF_NSYMS; i++) {
		f->sym[i].present = f->sym[i].blacklisted = T_UNKNOWN;
		f->sym[i].traceable = T_UNKNOWN;
	}
	f->ct_kind = "unknown";
	f->ct_loaded = T_UNKNOWN;
	f->hook_const_sym = T_UNKNOWN;
	f->modules_supported = f->kprobes_supported = T_UNKNOWN;
	f->live = !o->release && !o->kdir;
	if (o->release)
		snprintf(f->release, sizeof(f->release), "%s", o->release);
	if (f->live) {
		struct utsname u;

		if (uname(&u) == 0)
			snprintf(f->release, sizeof(f->release), "%s",
				 u.release);
	}
	if (o->kdir)
		snprintf(f->moddir, sizeof(f->moddir), "%s", o->kdir);
	else
		snprintf(f->moddir, sizeof(f->moddir), "/lib/modules/%s",
			 f->release);
	f->moddir_ok = !stat(f->moddir, &st) && S_ISDIR(st.st_mode);
}

int kfacts_gather(struct kfacts *f, const struct kfacts_opts *o)
{
	size_t i;
	int ret;

	init(f, o);
	if (!f->live && !f->moddir_ok) {
		p_err("%s: no such module tree: give --release of an installed kernel or --kernel-dir DIR",
		      f->moddir);
		return -ENOENT;
	}
	if (o->vmlinux) {
		if (access(o->vmlinux, R_OK)) {
			ret = -errno;
			p_err("%s: %s", o->vmlinux, strerror(-ret));
			return ret;
		}
		snprintf(f->vmlinux, sizeof(f->vmlinux), "%s", o->vmlinux);
	}

	if (f->live)
		gather_live(f);
	if (f->moddir_ok)
		scan_tree(f);
	if (!strcmp(f->ct_kind, "unknown")) {
		if (f->moddir_ok && modtree_builtin(f->moddir, "nf_conntrack"))
			f->ct_kind = "builtin";
		else if (f->ct_path[0])
			f->ct_kind = "module";
		else if (f->moddir_ok)
			f->ct_kind = "absent";
	}
	if (!f->release[0] && o->kdir) {
		/* A tree named after its release, like /lib/modules/R. */
		const char *b = strrchr(o->kdir, '/');

		b = b && b[1] ? b + 1 : o->kdir;
		if (parse_kver(b))
			snprintf(f->release, sizeof(f->release), "%s", b);
	}
	f->kver = parse_kver(f->release);
	ret = scan_vmlinux(f, o->vmlinux != NULL);
	if (ret)
		return ret;
	if (!f->vmlinux[0] && !strcmp(f->ct_kind, "module")) {
		/* vmlinux cannot link against a module's symbols. */
		f->vmlinux_status = "cannot call nf_ct_destroy directly (it lives in nf_conntrack.ko)";
	}
	/* A module's functions are only listed once it is loaded. */
	for (i = 0; i < KF_NSYMS; i++)
		if (f->sym[i].in_module && f->ct_loaded != T_YES)
			f->sym[i].blacklisted = f->sym[i].traceable = T_UNKNOWN;
	return 0;
}

void kfacts_free(struct kfacts *f)
{
	size_t i;

	for (i = 0; i < f->ncallers; i++) {
		free(f->callers[i].module);
		free(f->callers[i].path);
		elfscan_refs_free(&f->callers[i].refs);
	}
	free(f->callers);
	for (i = 0; i < f->nbad; i++) {
		free(f->bad[i].path);
		free(f->bad[i].error);
	}
	free(f->bad);
	elfscan_refs_free(&f->vm_refs);
}
