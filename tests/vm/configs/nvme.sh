# shellcheck shell=bash disable=SC2034,SC2016,SC2054 # sourced by host/boot.sh
# The NVMe world (issue 9): what QEMU emulates, how the guest prepares it
# and which guest tests run in it.  Sourced by host/boot.sh; see
# tests/vm/README.md for every variable.
#
#   controller blkio-poll    poll queues; nsid 1 conventional, nsid 2 zoned
#   controller blkio-nopoll  no poll queues (the negative control); nsid 1
#
# The negative control is a second NVMe controller rather than a
# virtio-blk disk: the same driver and the same kind of namespace, with
# only the poll queues missing (nvme-setup.sh re-probes it with the
# module's poll_queues at 0), which is what issue 9 asks to compare.

images=(poll.img:64M zns.img:128M nopoll.img:32M)

qemu=(
	-device nvme,id=poll,serial=blkio-poll
	-drive if=none,id=poll-ns1,format=raw,file=poll.img
	-device nvme-ns,bus=poll,drive=poll-ns1,nsid=1
	-drive if=none,id=poll-zns,format=raw,file=zns.img
	-device nvme-ns,bus=poll,drive=poll-zns,nsid=2,zoned=true,zoned.zone_size=8M,zoned.zone_capacity=6M,zoned.max_open=4,zoned.max_active=6
	-device nvme,id=nopoll,serial=blkio-nopoll
	-drive if=none,id=nopoll-ns1,format=raw,file=nopoll.img
	-device nvme-ns,bus=nopoll,drive=nopoll-ns1,nsid=1
)

# Two poll queues: one per vCPU (at most the guest's CPU count).  loop:
# for the loop-device cases of the host suite's programs.
setup='modprobe -d /run/initrd loop &&
	nvme-setup.sh 2 blkio-nopoll POLL=blkio-poll:1 ZONED=blkio-poll:2 NOPOLL=blkio-nopoll:1'

# What the tests run from the build directory.
programs=(tests/vm/poll-proof tools/blkio-bench tests/io/io-pollqueues
	tests/vm/nvme-io tests/vm/nvme-zones tests/vm/zones-blk)

# NAME TIMEOUT COMMAND (bash, run in tests/vm/guest with the devices in
# the environment)
tests=(
	'poll-proof 120 "$VM_BUILD"/tests/vm/poll-proof "$VM_NVME_POLL" "$VM_NVME_NOPOLL"'
	'bench-poll 180 bench-poll.sh "$VM_BUILD"/tools/blkio-bench "$VM_NVME_POLL"'
	'zoned-smoke 60 zoned-smoke.sh "$VM_NVME_ZONED"'
	# the host suite's poll-queue program: its real-device case runs here
	'io-pollqueues 120 BLKIO_TEST_DRIVER=io_uring "$VM_BUILD"/tests/io/io-pollqueues'
	# nvme-io_uring on the generic char devices (ngXnY)
	'nvme-io 300 "$VM_BUILD"/tests/vm/nvme-io "$VM_NG_POLL" "$VM_NVME_POLL" 1 "$VM_NG_NOPOLL" "$VM_NVME_NOPOLL" 0'
	'nvme-zones 120 "$VM_BUILD"/tests/vm/nvme-zones "$VM_NG_ZONED" "$VM_NVME_ZONED"'
	# io_uring and linux-aio on the zoned namespace's block device
	'zones-blk 120 "$VM_BUILD"/tests/vm/zones-blk "$VM_NVME_ZONED" "$VM_NVME_POLL"'
	'bench-nvme 240 bench-nvme.sh "$VM_BUILD"/tools/blkio-bench "$VM_NG_POLL" "$VM_NG_NOPOLL"'
)
