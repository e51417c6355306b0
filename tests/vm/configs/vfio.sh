# shellcheck shell=bash disable=SC2034,SC2016,SC2054 # sourced by host/boot.sh
# The VFIO world (issue 11): virtio-blk PCI functions behind an emulated
# Intel IOMMU, moved to vfio-pci in the guest and driven by the
# virtio-blk-vfio-pci driver.  Sourced by host/boot.sh; see
# tests/vm/README.md for every variable.
#
#   00:05.0  vfio1   1 virtqueue       bound to vfio-pci
#   01:00.0  vfio4   4 virtqueues      bound to vfio-pci, behind a PCIe
#                                      root port (00:06.0): a PCIe
#                                      function, with FLR (vfio-reset)
#   00:07.0  other   1 virtqueue       left on virtio-pci (negative case)
#
# iommu_platform=on: without it QEMU's device bypasses the vIOMMU and
# takes IOVAs for guest-physical addresses (the driver refuses a device
# that does not offer ACCESS_PLATFORM).  disable-legacy=on: the driver
# speaks virtio 1.x only.  The images sit in the work share (work/), the
# guest's /run/vm, uncached: the data-path tests read what the device
# wrote through it (tests/common/fixed-device.c).  discard=unmap: QEMU
# ignores discards by default, and the tests expect a discarded range of
# a file to read as zeros (QEMU then punches a hole).

images=(work/vfio1.img:32M work/vfio4.img:32M other.img:8M)

machine=q35
# The IOMMU must come before the other devices.
early=(-device intel-iommu)
append=intel_iommu=on

vblk=disable-legacy=on,iommu_platform=on
qemu=(
	-drive if=none,id=vfio1,format=raw,discard=unmap,file=work/vfio1.img
	-device virtio-blk-pci,drive=vfio1,bus=pcie.0,addr=5,$vblk,num-queues=1
	-drive if=none,id=vfio4,format=raw,discard=unmap,file=work/vfio4.img
	-device pcie-root-port,id=rp1,bus=pcie.0,addr=6,chassis=1
	-device virtio-blk-pci,drive=vfio4,bus=rp1,addr=0,$vblk,num-queues=4
	-drive if=none,id=other,format=raw,file=other.img
	-device virtio-blk-pci,drive=other,bus=pcie.0,addr=7,$vblk
)

setup='vfio-setup.sh VFIO1=0000:00:05.0,vfio1.img VFIO4=0000:01:00.0,vfio4.img OTHER=0000:00:07.0'

programs=(tests/vm/vfio-test tests/io/io-requests tests/io/io-integrity
	tests/io/io-readonly tests/io/io-backlog tests/io/io-completion-fd
	tests/robust/exactly-once)

# The data-path programs of the host suite with the driver under test
# (tests/common/test-driver.c) on a fixed device: BLKIO_TEST_DEVICE is its
# path, BLKIO_TEST_DEVICE_IMAGE its backing image.  Check's own default
# timeout (4 s a case) is meson's 60 s here too: TCG is slow.
on1='CK_DEFAULT_TIMEOUT=60 BLKIO_TEST_DRIVER=virtio-blk-vfio-pci BLKIO_TEST_DEVICE=$VM_VFIO1 BLKIO_TEST_DEVICE_IMAGE=$VM_VFIO1_IMG'
on4='CK_DEFAULT_TIMEOUT=60 BLKIO_TEST_DRIVER=virtio-blk-vfio-pci BLKIO_TEST_DEVICE=$VM_VFIO4 BLKIO_TEST_DEVICE_IMAGE=$VM_VFIO4_IMG'

# NAME TIMEOUT COMMAND (bash, run in tests/vm/guest)
tests=(
	'vfio-1q 120 "$VM_BUILD"/tests/vm/vfio-test "$VM_VFIO1" "$VM_VFIO1_IMG" "$VM_OTHER"'
	'vfio-4q 120 "$VM_BUILD"/tests/vm/vfio-test "$VM_VFIO4" "$VM_VFIO4_IMG"'
	# unbinding a device an instance holds: the request eventfd
	'vfio-unplug 90 "$VM_BUILD"/tests/vm/vfio-test --unplug "$VM_VFIO1"'
	# a device reset behind the driver: check() of device_status
	'vfio-reset 60 echo "reset methods: $(cat $VM_VFIO4/reset_method)"; "$VM_BUILD"/tests/vm/vfio-test --reset "$VM_VFIO4"'
	"io-requests-1q 120 $on1 \"\$VM_BUILD\"/tests/io/io-requests"
	"io-readonly-1q 120 $on1 \"\$VM_BUILD\"/tests/io/io-readonly"
	# completion-fd and integrity use two and four queues (requests,
	# readonly and backlog one: the 4-queue function is in vfio-4q and
	# these)
	"io-completion-fd-4q 480 $on4 \"\$VM_BUILD\"/tests/io/io-completion-fd"
	"io-integrity-4q 480 $on4 \"\$VM_BUILD\"/tests/io/io-integrity"
	"io-backlog-4q 480 $on4 \"\$VM_BUILD\"/tests/io/io-backlog"
	# every request completes exactly once, data checked (200000 requests,
	# 10 s under TCG; the host runs a million)
	"exactly-once-1q 240 BLKIO_EXACTLY_ONCE_REQUESTS=200000 $on1 \"\$VM_BUILD\"/tests/robust/exactly-once"
)
