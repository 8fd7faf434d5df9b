// SPDX-License-Identifier: GPL-2.0
/* Feature states of the loaded module; see modfeatures.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include "modfeatures.h"
#include "output.h"

#define NAME_(id, name, target, lost) [CTDIAG_FEAT_##id] = name,
static const char *const names[CTDIAG_FEAT_COUNT] = {
	CTDIAG_FEATURE_LIST(NAME_)
};
#define TARGET_(id, name, target, lost) [CTDIAG_FEAT_##id] = target,
static const char *const targets[CTDIAG_FEAT_COUNT] = {
	CTDIAG_FEATURE_LIST(TARGET_)
};
#define LOST_(id, name, target, lost) [CTDIAG_FEAT_##id] = lost,
static const char *const losts[CTDIAG_FEAT_COUNT] = {
	CTDIAG_FEATURE_LIST(LOST_)
};

int features_read(int fd, struct ctdiag_features *f)
{
	memset(f, 0, sizeof(*f));
	return ioctl(fd, CTDIAG_IOC_FEATURES, f) < 0 ? -errno : 0;
}

const char *feature_name(unsigned int feature)
{
	return feature < CTDIAG_FEAT_COUNT ? names[feature] : "unknown";
}

const char *feature_target(unsigned int feature)
{
	return feature < CTDIAG_FEAT_COUNT ? targets[feature] : "unknown";
}

const char *feature_lost(unsigned int feature)
{
	return feature < CTDIAG_FEAT_COUNT ? losts[feature] : "unknown";
}

const char *feature_state_word(int state)
{
	if (state < 0)
		return "unavailable";
	switch (state) {
	case CTDIAG_FS_OFF:
		return "off";
	case CTDIAG_FS_ON:
		return "on";
	case CTDIAG_FS_WAITING:
		return "waiting";
	}
	return "unknown";
}

bool feature_unavailable(const struct ctdiag_features *f, unsigned int feature)
{
	return feature < CTDIAG_FEAT_COUNT && f->state[feature] < 0;
}

const char *feature_track(const struct ctdiag_features *f)
{
	return f->state[CTDIAG_FEAT_PKT_HOOKS] == CTDIAG_FS_OFF ? "api" : "all";
}

void features_print(const struct ctdiag_features *f)
{
	unsigned int i;
	char fmt[64];

	open_json_object("features");
	print_text("features:");
	for (i = 0; i < CTDIAG_FEAT_COUNT; i++) {
		snprintf(fmt, sizeof(fmt), " %s=%%s", names[i]);
		print_string(PRINT_FP, NULL, fmt, feature_state_word(f->state[i]));
	}
	print_nl();
	for (i = 0; i < CTDIAG_FEAT_COUNT; i++) {
		int st = f->state[i];

		open_json_object(names[i]);
		print_string(PRINT_JSON, "state", NULL, feature_state_word(st));
		print_string(PRINT_JSON, "attaches_to", NULL, targets[i]);
		if (st == CTDIAG_FS_WAITING)
			print_string(PRINT_JSON, "waiting_for", NULL,
				     "nfnetlink_queue");
		if (st < 0) {
			snprintf(fmt, sizeof(fmt), "feature %s unavailable: %%s: ",
				 names[i]);
			print_string(PRINT_FP, NULL, fmt, targets[i]);
			print_string(PRINT_ANY, "error", "%s", strerror(-st));
			print_int(PRINT_ANY, "errno", " (errno %lld)", -st);
			print_string(PRINT_ANY, "lost", ": %s\n", losts[i]);
		}
		close_json_object();
	}
	close_json_object();
}

int features_warn(const char *cmd, int fd, const unsigned int *features)
{
	struct ctdiag_features f;
	int n = 0;

	if (features_read(fd, &f))
		return 0;
	for (; *features < CTDIAG_FEAT_COUNT; features++) {
		/* off by choice, not broken: say what the choice costs */
		if (*features == CTDIAG_FEAT_PKT_HOOKS &&
		    f.state[*features] == CTDIAG_FS_OFF) {
			fprintf(stderr, "ctdiag%s%s: note: the module was loaded with track=api: %s\n",
				cmd ? " " : "", cmd ? cmd : "", losts[*features]);
			n++;
			continue;
		}
		if (!feature_unavailable(&f, *features))
			continue;
		fprintf(stderr, "ctdiag%s%s: note: feature %s is unavailable (%s: %s): %s\n",
			cmd ? " " : "", cmd ? cmd : "", names[*features],
			targets[*features],
			strerror(-f.state[*features]), losts[*features]);
		n++;
	}
	return n;
}
