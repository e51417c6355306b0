#!/bin/bash
# The last test of configs/vdpa.sh: every VDUSE export the tests made is
# gone (tests/common/vduse.c's helpers remove the vDPA device and stop
# the daemon once a test lets go), so no test leaks devices or daemons.
# The helpers of the last test may still be at it: up to 20 s.
source "$(dirname "$0")/lib.sh"
gone() {
	[ -z "$(ls /sys/bus/vdpa/devices)" ] &&
		! pgrep -f qemu-storage-daemon >/dev/null
}
if wait_for 20 gone; then
	echo "no vDPA device and no qemu-storage-daemon left"
	exit 0
fi
echo "FAIL: left behind:"
ls /sys/bus/vdpa/devices
pgrep -af qemu-storage-daemon
exit 1
