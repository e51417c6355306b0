#!/bin/bash
# Guest setup of the vdpa configuration: VDUSE and vhost-vdpa, nothing
# else.  virtio_vdpa is deliberately not loaded: a new vDPA device binds
# to the vdpa bus driver registered first, and it would make every
# export a kernel /dev/vdX (tests/common/vduse.c moves a device to
# vhost_vdpa anyway, but then it is not created twice).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
modprobe -d /run/initrd vduse
modprobe -d /run/initrd vhost_vdpa
# loopdev exports a loop device
modprobe -d /run/initrd loop
wait_for 10 test -c /dev/vduse/control || {
	echo "/dev/vduse/control did not appear"
	exit 1
}
vdpa mgmtdev show
echo "vdpa bus drivers: $(ls /sys/bus/vdpa/drivers | tr '\n' ' ')"
command -v qemu-storage-daemon
# The test programs' cases take seconds each under TCG.
echo "CK_DEFAULT_TIMEOUT=300" >>"$VM_WORK/env"
