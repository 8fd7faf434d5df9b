# SPDX-License-Identifier: GPL-2.0
# Control experiment for the probe-patching crash (README, known issues):
# arm and disarm a kprobe on nf_ct_destroy while conntracks are created and
# flushed, either through ctdiag.ko (intercept=destroy) or WITHOUT ctdiag,
# through the kernel's own tracefs kprobe events.  Run in the guest:
#   tests/vm/run --cmd 'bash probe-control.sh tracefs 300'
#   tests/vm/run --cmd 'bash probe-control.sh ctdiag 300'
# Prints one line per 25 cycles and "done N cycles"; a crash shows in the
# harness's kernel-log check (and the run never prints "done").
set -u
how=${1:-tracefs}
cycles=${2:-300}
T=/sys/kernel/tracing

. "$(dirname "$0")/store_helper.bash"
modprobe nf_conntrack || exit 1
store_ns_add s1
traffic_start s1 2000
sleep 1

case $how in
tracefs)
	echo 'p:ctl_destroy nf_conntrack:nf_ct_destroy ct=%di' >>$T/kprobe_events || exit 1
	arm() { echo 1 >$T/events/kprobes/ctl_destroy/enable; }
	disarm() { echo 0 >$T/events/kprobes/ctl_destroy/enable; }
	;;
ctdiag)
	arm() { insmod "$CTDIAG_KO" intercept=destroy idle_timeout=0; }
	disarm() { rmmod ctdiag; }
	;;
*)
	echo "usage: probe-control.sh tracefs|ctdiag [CYCLES]" >&2
	exit 2
	;;
esac

for ((i = 1; i <= cycles; i++)); do
	arm || exit 1
	sleep 0.2
	disarm || exit 1
	((i % 25)) || echo "$how: $i cycles"
done
traffic_stop
echo "done $cycles cycles"
