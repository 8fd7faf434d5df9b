// SPDX-License-Identifier: GPL-2.0
/* The module's store state (CTDIAG_IOC_STORE_STATE), for `ctdiag status`. */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include "ctdiag_abi.h"
#include "output.h"
#include "storestate.h"

int store_state_print(int fd)
{
	struct ctdiag_store_state st;
	bool refused;

	memset(&st, 0, sizeof(st));
	if (ioctl(fd, CTDIAG_IOC_STORE_STATE, &st) < 0)
		return errno == ENOTTY ? 0 : -errno;
	refused = st.flags & CTDIAG_SS_UNLOAD_REFUSED;
	open_json_object("store");
	print_uint(PRINT_ANY, "netns_exit_batches", "store: netns_exit_batches=%llu",
		   st.netns_exit_batches);
	print_uint(PRINT_ANY, "netns_exit_nets", " netns_exit_nets=%llu",
		   st.netns_exit_nets);
	print_uint(PRINT_ANY, "expiry_kept", " expiry_kept=%llu\n", st.expiry_kept);
	print_bool(PRINT_JSON, "unload_refused", NULL, refused);
	if (refused)
		print_text("unload: refused: another module replaced nf_ct_hook after ctdiag and may call into it; unload that module first\n");
	close_json_object();
	return 0;
}
