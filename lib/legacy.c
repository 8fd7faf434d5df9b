// SPDX-License-Identifier: GPL-2.0
/* Legacy modules: read CTDIAG_IOC_LEGACY and print it for each command. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <fcntl.h>
#include <stddef.h>
#include <unistd.h>
#include "dev.h"
#include "legacy.h"
#include "output.h"

int legacy_read(int fd, struct ctdiag_legacy *l)
{
	memset(l, 0, sizeof(*l));
	if (ioctl(fd, CTDIAG_IOC_LEGACY, l) < 0)
		return -errno;
	if (l->nr > CTDIAG_LEGACY_MAX)
		l->nr = CTDIAG_LEGACY_MAX;
	for (unsigned int i = 0; i < CTDIAG_LEGACY_MAX; i++) {
		l->mods[i].module[sizeof(l->mods[i].module) - 1] = '\0';
		l->mods[i].symbol[sizeof(l->mods[i].symbol) - 1] = '\0';
	}
	return 0;
}

int legacy_set_repair(int fd, int on)
{
	__u32 v = on ? CTDIAG_REPAIR_ON : CTDIAG_REPAIR_OFF;

	return ioctl(fd, CTDIAG_IOC_LEGACY_REPAIR, &v) < 0 ? -errno : 0;
}

uint64_t legacy_missing(const struct ctdiag_legacy_mod *m)
{
	return m->bypassed > m->repaired ? m->bypassed - m->repaired : 0;
}

static void fmt_utc(char *buf, size_t len, uint64_t ns)
{
	time_t t = ns / 1000000000ull;
	struct tm tm;

	if (!ns || !gmtime_r(&t, &tm) ||
	    !strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, len, "-");
}

/* A quiet control handle of its own: each caller needs one call only. */
static bool legacy_get(struct ctdiag_legacy *l)
{
	int fd = ctdiag_dev_open_quiet(O_WRONLY, NULL);
	bool ok;

	if (fd < 0)
		return false;
	ok = legacy_read(fd, l) == 0;
	close(fd);
	return ok;
}

/* One slot: its names, times and counts (plain: one line, no newline). */
static void print_mod(const struct ctdiag_legacy *l, unsigned int i)
{
	const struct ctdiag_legacy_mod *m = &l->mods[i];
	char since[32], until[32];

	fmt_utc(since, sizeof(since), m->since_real_ns);
	fmt_utc(until, sizeof(until), m->until_real_ns);
	print_string(PRINT_ANY, "module", "module %s", m->module);
	print_string(PRINT_ANY, "function", " (%s)", m->symbol);
	print_bool(PRINT_JSON, "active", NULL, !m->until_real_ns);
	print_string(PRINT_ANY, "since", " in nf_ct_hook since %s", since);
	if (m->until_real_ns)
		print_string(PRINT_ANY, "until", " until %s", until);
	else
		print_null(PRINT_JSON, "until", NULL);
	print_uint(PRINT_ANY, "bypassed", ": bypassed=%llu", m->bypassed);
	print_uint(PRINT_ANY, "via_hook", " via_hook=%llu", m->via_hook);
	print_uint(PRINT_ANY, "repaired", " repaired=%llu", m->repaired);
	print_uint(PRINT_ANY, "repair_busy", " repair_busy=%llu", m->repair_busy);
	print_uint(PRINT_ANY, "missing", " missing=%llu", legacy_missing(m));
}

/* "legacy: ..." per module seen, as a "modules" array in JSON. */
static void print_mods(const struct ctdiag_legacy *l)
{
	unsigned int i;

	open_json_array("modules");
	for (i = 0; i < l->nr; i++) {
		if (!l->mods[i].module[0])
			continue;
		open_json_object(NULL);
		print_text("legacy: ");
		print_mod(l, i);
		print_nl();
		close_json_object();
	}
	close_json_array();
}

static const char *repair_state(const struct ctdiag_legacy *l)
{
	return l->repair == CTDIAG_REPAIR_ON ? "on" : "off";
}

void legacy_print_status(void)
{
	struct ctdiag_legacy l;

	if (!legacy_get(&l))
		return;
	open_json_object("legacy");
	print_bool(PRINT_JSON, "detection", NULL, !l.detect_err);
	print_text("legacy: detection %s", l.detect_err ? "unavailable" : "on");
	print_string(PRINT_ANY, "repair", ", repair %s", repair_state(&l));
	if (l.repair_err)
		print_int(PRINT_ANY, "repair_err", " (last repair on failed: %lld)", l.repair_err);
	if (!l.active)
		print_text(", nf_ct_hook->destroy is nf_conntrack's own");
	print_nl();
	if (l.detect_calls) {	/* the test build times its callbacks */
		open_json_object("cost");
		print_uint(PRINT_ANY, "detect_calls", "legacy: cost detect %llu calls", l.detect_calls);
		print_uint(PRINT_ANY, "detect_ns", " %llu ns", l.detect_ns);
		print_uint(PRINT_ANY, "repair_calls", ", repair %llu calls", l.repair_calls);
		print_uint(PRINT_ANY, "repair_ns", " %llu ns\n", l.repair_ns);
		close_json_object();
	}
	print_mods(&l);
	close_json_object();
}

unsigned int legacy_print_leaks(unsigned int schema)
{
	struct ctdiag_legacy l;
	unsigned int i, n = 0;

	if (!legacy_get(&l))
		return 0;
	for (i = 0; i < l.nr; i++) {
		const struct ctdiag_legacy_mod *m = &l.mods[i];

		if (!m->module[0] || !legacy_missing(m))
			continue;
		open_json_object(NULL);
		print_uint(PRINT_JSON, "schema", NULL, schema);
		print_string(PRINT_JSON, "type", NULL, "legacy");
		print_text("legacy: ");
		print_mod(&l, i);
		print_text(" - it probably leaks one object per missing destroy%s\n",
			   l.repair == CTDIAG_REPAIR_ON ? "" :
			   " (ctdiag repair on routes them through it)");
		close_json_object();
		n++;
	}
	return n;
}

int legacy_print_doctor(void)
{
	struct ctdiag_legacy l;
	const struct ctdiag_legacy_mod *m;

	if (!legacy_get(&l))
		return 0;
	open_json_object("legacy");
	print_string(PRINT_ANY, "repair", "runtime: legacy modules (repair %s): ",
		     repair_state(&l));
	if (l.detect_err) {
		print_string(PRINT_ANY, "verdict", "%s\n", "detection unavailable");
		close_json_object();
		return 0;
	}
	if (!l.active) {
		print_string(PRINT_ANY, "verdict", "%s\n",
			     "none: nf_ct_hook->destroy is nf_conntrack's own");
		close_json_object();
		return 0;
	}
	m = &l.mods[l.active - 1];
	print_string(PRINT_ANY, "verdict", "%s ",
		     legacy_missing(m) ? "leaking" : "ok");
	print_mod(&l, l.active - 1);
	print_nl();
	close_json_object();
	return legacy_missing(m) ? 1 : 0;
}

void legacy_print_stats(int prometheus)
{
	static const struct { const char *name, *help; size_t off; } ctr[] = {
		{ "legacy_bypassed_total", "Conntrack destroys that bypassed a foreign nf_ct_hook->destroy.",
		  offsetof(struct ctdiag_legacy_mod, bypassed) },
		{ "legacy_via_hook_total", "Conntrack destroys that passed through a foreign nf_ct_hook->destroy.",
		  offsetof(struct ctdiag_legacy_mod, via_hook) },
		{ "legacy_repaired_total", "Bypassed destroys that repair routed through the foreign function.",
		  offsetof(struct ctdiag_legacy_mod, repaired) },
	};
	struct ctdiag_legacy l;
	unsigned int i, k;

	if (!legacy_get(&l))
		return;
	if (prometheus) {
		printf("# HELP ctdiag_legacy_repair Whether repair is on (1) or off (0).\n"
		       "# TYPE ctdiag_legacy_repair gauge\nctdiag_legacy_repair %u\n",
		       l.repair == CTDIAG_REPAIR_ON);
		for (k = 0; k < sizeof(ctr) / sizeof(ctr[0]); k++) {
			printf("# HELP ctdiag_%s %s\n# TYPE ctdiag_%s counter\n",
			       ctr[k].name, ctr[k].help, ctr[k].name);
			for (i = 0; i < l.nr; i++) {
				const struct ctdiag_legacy_mod *m = &l.mods[i];

				if (!m->module[0])
					continue;
				printf("ctdiag_%s{module=\"%s\",function=\"%s\",slot=\"%u\"} %" PRIu64 "\n",
				       ctr[k].name, m->module, m->symbol, i,
				       (uint64_t)*(const __u64 *)((const char *)m + ctr[k].off));
			}
		}
		return;
	}
	open_json_object("legacy");
	print_string(PRINT_ANY, "repair", "legacy: repair %s\n", repair_state(&l));
	print_mods(&l);
	close_json_object();
}
