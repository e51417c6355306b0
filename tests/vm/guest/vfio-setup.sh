#!/bin/bash
# Guest setup of the VFIO configuration: load vfio-pci, move the named
# virtio-blk PCI functions from virtio-pci to vfio-pci, and name them in
# $VM_WORK/env for the tests.
#
#   vfio-setup.sh VAR=BDF[,IMAGE]...
#
# A function with an IMAGE (its backing file in the work share) is bound
# to vfio-pci: VM_VAR=/sys/bus/pci/devices/BDF and VM_VAR_IMG=$VM_WORK/IMAGE.
# One without stays on virtio-pci (the "not bound to vfio-pci" case):
# VM_VAR only.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

# (Not dmesg | grep -q: under pipefail grep's early exit fails dmesg.)
[ -n "$(ls /sys/class/iommu 2>/dev/null)" ] || {
	echo "no IOMMU: boot with -device intel-iommu and intel_iommu=on"
	exit 1
}
modprobe -d /run/initrd vfio-pci
modprobe -d /run/initrd vfio_iommu_type1

for spec in "$@"; do
	var=${spec%%=*} rest=${spec#*=}
	bdf=${rest%%,*} img=""
	[ "$rest" = "$bdf" ] || img=${rest#*,}
	d=/sys/bus/pci/devices/$bdf
	[ -d "$d" ] || { echo "$var: no PCI function $bdf"; exit 1; }
	echo "VM_$var=$d" >>"$VM_WORK/env"
	printf '%-6s %s %s:%s driver %s\n' "$var" "$bdf" "$(cat "$d/vendor")" \
		"$(cat "$d/device")" "$(basename "$(readlink "$d/driver")")"
	[ -n "$img" ] || continue
	echo vfio-pci >"$d/driver_override"
	[ -e "$d/driver" ] && echo "$bdf" >"$d/driver/unbind"
	echo "$bdf" >/sys/bus/pci/drivers_probe
	g=$(basename "$(readlink "$d/iommu_group")")
	wait_for 10 test -c "/dev/vfio/$g" || {
		echo "$var: /dev/vfio/$g did not appear"
		exit 1
	}
	echo "       now $(basename "$(readlink "$d/driver")"), IOMMU group $g: $(ls "/sys/kernel/iommu_groups/$g/devices" | tr '\n' ' ')"
	echo "VM_${var}_IMG=$VM_WORK/$img" >>"$VM_WORK/env"
done
