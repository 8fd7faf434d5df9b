/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Facts about a kernel that `ctdiag doctor` judges: the probe points ctdiag
 * needs (kallsyms, the kprobe blacklist, ftrace's list, nf_conntrack.ko's
 * or vmlinux's symbols), the direct callers of nf_ct_destroy in the module
 * tree and in vmlinux (relocations, lib/elfscan), nf_conntrack's kind,
 * the conntrack sysctls and the loaded ctdiag.ko.  Gathered once into a
 * struct kfacts, which owns them; no verdicts here.
 */
#ifndef CTDIAG_KFACTS_H
#define CTDIAG_KFACTS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include "ctdiag_abi.h"
#include "elfscan.h"

/* The function whose direct callers bypass nf_ct_hook->destroy. */
#define KF_TARGET "nf_ct_destroy"
#define KVER(a, b, c) (((a) << 16) | ((b) << 8) | ((c) > 255 ? 255 : (c)))

/* Tri-state for facts we may be unable to determine. */
enum tri { T_UNKNOWN = -1, T_NO = 0, T_YES = 1 };

/* The probe points, in report order (kf_syms[] describes them). */
enum {
	KF_SYM_NF_CT_DESTROY,
	KF_SYM_NF_CONNTRACK_DESTROY,
	KF_SYM_CONFIRM,
	KF_SYM_RESOLVE_CLASH,
	KF_SYM_RESOLVE_CLASH_INNER,
	KF_SYM_CONNTRACK_UPDATE,
	KF_SYM_CONNTRACK_FREE,
	KF_NSYMS
};

struct kf_sym_desc {
	const char *name;
	bool needed;		/* ctdiag.ko attaches a probe here */
	const char *why;
};
extern const struct kf_sym_desc kf_syms[KF_NSYMS];

struct kf_sym {
	enum tri present;
	char type;		/* kallsyms/nm letter, 0 unknown */
	bool in_module;		/* kallsyms: "[nf_conntrack]" */
	enum tri blacklisted;
	enum tri traceable;	/* in available_filter_functions */
};

/* Static helpers of the per-net dying/unconfirmed lists, removed in 5.19
 * (kf_list_syms[] names them). */
#define KF_NLIST_SYMS 3
extern const char *const kf_list_syms[KF_NLIST_SYMS];

struct kf_caller {
	char *module;		/* module name, or "vmlinux" */
	char *path;		/* relative to the module directory */
	struct elfscan_refs refs;
};

struct kf_bad_file {
	char *path;
	char *error;
};

struct kfacts {
	bool live;
	char release[256];
	unsigned int kver;	/* KVER() of release, 0 if unparsable */
	char moddir[PATH_MAX];
	bool moddir_ok;
	/* nf_conntrack: "builtin", "module", "absent", "unknown" */
	const char *ct_kind;
	enum tri ct_loaded;
	char ct_path[PATH_MAX];	/* nf_conntrack.ko, if found */

	struct kf_sym sym[KF_NSYMS];
	bool list_sym_found[KF_NLIST_SYMS];

	struct kf_caller *callers;
	size_t ncallers;
	struct kf_bad_file *bad;
	size_t nbad;
	unsigned int scanned;

	char vmlinux[PATH_MAX];
	const char *vmlinux_status;	/* why built-in callers are (not) known */
	struct elfscan_refs vm_refs;
	bool vm_scanned;

	/* nf_ct_hook's ops table (nf_conntrack_hook) read-only, by symbol? */
	enum tri hook_const_sym;
	char hook_sym_type;
	const char *hook_sym_where;

	bool have_kallsyms, have_blacklist, have_aff;
	enum tri modules_supported, kprobes_supported;

	char sc_events[32], sc_timestamp[32], sc_max[32], sc_count[32],
	     sc_rmem[32];

	bool ctdiag_loaded;
	int ctdiag_open_err;
	struct ctdiag_info info;
	struct ctdiag_features feat;	/* valid if have_feat */
	bool have_feat;
};

/* Where to look: release (offline, /lib/modules/R), kdir (offline, that
 * tree) or neither (live: the running kernel); vmlinux: a file with
 * symbols, NULL to try Debian's -dbg paths. */
struct kfacts_opts {
	const char *release, *kdir, *vmlinux;
};

/* Gather everything.  0, or -errno after the error is printed: an
 * offline tree that does not exist, a named vmlinux that cannot be read.
 * Unreadable module files are warned about and listed in f->bad. */
int kfacts_gather(struct kfacts *f, const struct kfacts_opts *o);
void kfacts_free(struct kfacts *f);

#endif
