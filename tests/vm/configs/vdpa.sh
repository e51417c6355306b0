# shellcheck shell=bash disable=SC2034,SC2016,SC2054 # sourced by host/boot.sh
# The vhost-vdpa world (issue 11): no emulated device at all.  In the
# guest qemu-storage-daemon serves VDUSE block devices, `vdpa dev add`
# turns each into a vDPA device bound to vhost_vdpa, and the
# virtio-blk-vhost-vdpa driver talks to /dev/vhost-vdpa-N.
#
# The data-path matrix (tests/io) runs with BLKIO_TEST_DRIVER set to the
# driver: every test case exports its own scratch file through VDUSE
# (tests/common/vduse.c; test_driver_export() returns the device node),
# which keeps the cases independent (a read-only case gets a read-only
# device, a loop-device case an export of the loop device) at the price
# of a daemon start per case.  BLKIO_TEST_QSD_QUEUES sets the export's
# queues: 1 and 4.  See tests/vm/README.md.
#
# Under TCG each program takes 5-40 s (a daemon start per case), so the
# matrix is a selection that fits well within 6 minutes: requests (every
# request type and flag) with 1 queue and with 4, integrity (data
# verified, several queues from threads: needs 4), readonly, loopdev (a
# loop device's export and the limits), completion-fd (needs 2 queues),
# backlog, timeout, interruptible and destroy (a read held back by
# slowfs, FUSE, under the export; destroy needs 2 queues), the
# device-death test, and blkio-bench --verify on a device made by hand
# (guest/bench-vdpa.sh, also passing it as an fd).  Not here: eof and the poll-queue programs test
# files and kernel polling, not a device (as for vhost-user); the robust
# and fault programs take minutes under TCG.

mem=2048

setup='vdpa-setup.sh'

programs=(tests/io/io-requests tests/io/io-integrity tests/io/io-readonly
	tests/io/io-loopdev tests/io/io-completion-fd tests/io/io-backlog
	tests/io/io-timeout tests/io/io-interruptible tests/io/io-destroy
	tests/vm/vdpa-death tools/blkio-bench)

drv='BLKIO_TEST_DRIVER=virtio-blk-vhost-vdpa'
io() {	# NAME QUEUES PROGRAM
	tests+=("$1 300 $drv BLKIO_TEST_QSD_QUEUES=$2 \"\$VM_BUILD\"/tests/io/io-$3")
}
tests=()
io requests-q1 1 requests
io requests-q4 4 requests
io integrity-q4 4 integrity
io readonly-q1 1 readonly
io loopdev-q4 4 loopdev
io completion-fd-q4 4 completion-fd
io backlog-q4 4 backlog
# a read held back by slowfs (FUSE, built into the kernel) under the export
io timeout-q1 1 timeout
io interruptible-q1 1 interruptible
io destroy-q4 4 destroy
tests+=('vdpa-death 180 "$VM_BUILD"/tests/vm/vdpa-death')
# blkio-bench --verify: waits of every kind, poll queues, the fd property
tests+=('bench-vdpa 180 bench-vdpa.sh "$VM_BUILD"/tools/blkio-bench')
# every export above was torn down
tests+=('leftovers 60 vdpa-leftovers.sh')
unset -f io
unset drv
