// SPDX-License-Identifier: GPL-2.0
/* Names of the module's enums, and the -e list: see evnames.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "evnames.h"
#include "util.h"

static const char *const type_names[CTDIAG_EV_MAX] = {
	[CTDIAG_EV_EXT_ALLOC] = "alloc",
	[CTDIAG_EV_EXT_FREE] = "free",
	[CTDIAG_EV_CT_DESTROY] = "destroy",
	[CTDIAG_EV_CLASH] = "clash",
	[CTDIAG_EV_CONFIRM_DROP] = "confirm-drop",
	[CTDIAG_EV_NFQ_UPDATE] = "nfq-update",
	[CTDIAG_EV_CONFIRM_EARLY] = "confirm-early",
	[CTDIAG_EV_LOST] = "lost",
};

static const char *const free_names[CTDIAG_FREE_MAX] = {
	[CTDIAG_FREE_HOOK] = "hook",
	[CTDIAG_FREE_DESTROY] = "destroy",
	[CTDIAG_FREE_EXPIRY_ORPHAN] = "expiry-orphan",
	[CTDIAG_FREE_EXPIRY_IDLE] = "expiry-idle",
	[CTDIAG_FREE_STALE_REUSE] = "stale-reuse",
	[CTDIAG_FREE_NETNS_EXIT] = "netns-exit",
	[CTDIAG_FREE_UNLOAD] = "unload",
};

static const char *const how_names[CTDIAG_ALLOC_MAX] = {
	[CTDIAG_ALLOC_PRE_ROUTING] = "pre-routing",
	[CTDIAG_ALLOC_LOCAL_OUT] = "local-out",
	[CTDIAG_ALLOC_API] = "api",
};

static const char *const clash_names[CTDIAG_CLASH_MAX] = {
	[CTDIAG_CLASH_MERGED] = "merged",
	[CTDIAG_CLASH_MERGED_OTHER] = "merged-other",
	[CTDIAG_CLASH_NAT_CLASH] = "nat-clash",
	[CTDIAG_CLASH_DROPPED] = "dropped",
	[CTDIAG_CLASH_NFQ_SWAP] = "nfq-swap",
	[CTDIAG_CLASH_NFQ_DROP] = "nfq-drop",
};

#define NAME_OF(tab, v) ((v) < ARRAY_SIZE(tab) ? (tab)[v] : NULL)

const char *event_type_name(unsigned int type)
{
	return NAME_OF(type_names, type);
}

const char *free_path_name(unsigned int path)
{
	return NAME_OF(free_names, path);
}

const char *alloc_how_name(unsigned int how)
{
	return NAME_OF(how_names, how);
}

const char *clash_outcome_name(unsigned int outcome)
{
	return NAME_OF(clash_names, outcome);
}

const char *destroy_path_name(unsigned int path)
{
	switch (path) {
	case CTDIAG_DESTROY_HOOK: return "hook";
	case CTDIAG_DESTROY_PROBE: return "probe";
	default: return NULL;
	}
}

/* The module's intercept= parameter (ctdiag_info.intercept). */
const char *intercept_name(unsigned int v)
{
	switch (v) {
	case CTDIAG_INTERCEPT_HOOK: return "hook";
	case CTDIAG_INTERCEPT_DESTROY: return "destroy";
	case CTDIAG_INTERCEPT_BOTH: return "both";
	default: return "unknown";
	}
}

const char *event_type_names(void)
{
	return "alloc,free,destroy,clash,confirm-drop,nfq-update,confirm-early";
}

int event_mask_parse(const char *list, uint32_t *mask, const char **bad)
{
	static char badbuf[64];
	char *copy, *tok, *save = NULL;
	uint32_t m = 0;
	unsigned int i;
	int ret = 0;

	copy = strdup(list);
	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		bool found = false;

		if (!strcmp(tok, "all")) {
			for (i = 1; i < CTDIAG_EV_MAX; i++)
				if (i != CTDIAG_EV_LOST)
					m |= 1u << i;
			continue;
		}
		for (i = 1; i < CTDIAG_EV_MAX; i++) {
			if (i != CTDIAG_EV_LOST && !strcmp(tok, type_names[i])) {
				m |= 1u << i;
				found = true;
			}
		}
		if (!found) {
			snprintf(badbuf, sizeof(badbuf), "%s", tok);
			if (bad)
				*bad = badbuf;
			ret = -EINVAL;
			break;
		}
	}
	free(copy);
	if (!ret && !m) {
		if (bad)
			*bad = "";
		ret = -EINVAL;
	}
	if (!ret)
		*mask = m;
	return ret;
}
