#!/bin/bash
# Seed the ct_msg fuzzer with ctnetlink messages from the unit test's
# generator (tests/unit/test_ctmsg, when built).
dst=$1
top=$(cd "$(dirname "$0")/../.." && pwd)
if [ -x "$top/tests/unit/test_ctmsg" ]; then
	CTMSG_SEED_DIR=$dst "$top/tests/unit/test_ctmsg" >/dev/null 2>&1 || true
fi
exit 0
