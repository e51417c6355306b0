#!/bin/bash
# Guest setup of the NVMe configurations: load the nvme driver with poll
# queues, take them away from the controllers named as negative controls,
# and name the namespaces in $VM_WORK/env for the tests.
#
#   nvme-setup.sh POLL_QUEUES NOPOLL_SERIAL[,...] VAR=SERIAL:NSID...
#
# e.g. nvme-setup.sh 2 blkio-nopoll POLL=blkio-poll:1 writes
# VM_NVME_POLL=/dev/nvme0n1 and VM_NG_POLL=/dev/ng0n1 (the generic char
# device of the same namespace).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
pq=$1 nopoll=$2
shift 2

# nvme is a module, so nvme.poll_queues= on the kernel command line is
# ignored; the value must not exceed the guest's CPUs (EINVAL).
modprobe -d /run/initrd nvme poll_queues="$pq"

# poll_queues is one module parameter for every controller, but each
# controller samples it when it is probed: re-probe the negative controls
# with it set to 0.  They then have no poll queue (dmesg: 2/0/0
# default/read/poll) and queue/io_poll is 0, in the same run.
for serial in ${nopoll//,/ }; do
	ctrl=$(wait_for 20 nvme_ctrl "$serial") || {
		echo "no live controller with serial $serial"
		exit 1
	}
	bdf=$(basename "$(readlink -f "/sys/class/nvme/$ctrl/device")")
	echo 0 >/sys/module/nvme/parameters/poll_queues
	echo "$bdf" >/sys/bus/pci/drivers/nvme/unbind
	echo "$bdf" >/sys/bus/pci/drivers/nvme/bind
done
echo "$pq" >/sys/module/nvme/parameters/poll_queues

for spec in "$@"; do
	var=${spec%%=*} serial=${spec#*=}
	nsid=${serial#*:} serial=${serial%:*}
	if ! ctrl=$(wait_for 20 nvme_ctrl "$serial") ||
	   ! dev=$(wait_for 20 nvme_ns "$ctrl" "$nsid"); then
		echo "$var: no namespace $nsid on a controller with serial $serial"
		exit 1
	fi
	wait_for 10 test -b "/dev/$dev" || {
		echo "$var: /dev/$dev did not appear"
		exit 1
	}
	q=/sys/block/$dev/queue
	printf '%-8s /dev/%-8s serial %-13s nsid %s io_poll %s zoned %s size %s MiB\n' \
		"$var" "$dev" "$serial" "$nsid" "$(cat "$q/io_poll")" \
		"$(cat "$q/zoned")" $(($(cat "/sys/block/$dev/size") / 2048))
	echo "VM_NVME_$var=/dev/$dev" >>"$VM_WORK/env"
	echo "VM_NG_$var=/dev/ng${dev#nvme}" >>"$VM_WORK/env"
done

for serial in ${nopoll//,/ }; do
	ctrl=$(nvme_ctrl "$serial")
	for q in /sys/class/nvme/"$ctrl"/nvme*/queue/io_poll; do
		[ "$(cat "$q")" = 0 ] || {
			echo "$q is still 1 after re-probing without poll queues"
			exit 1
		}
	done
done
dmesg | grep -E 'nvme nvme[0-9]+: [0-9]+/[0-9]+/[0-9]+ default/read/poll'
