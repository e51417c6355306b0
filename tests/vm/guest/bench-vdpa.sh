#!/bin/bash
# blkio-bench --verify with the virtio-blk-vhost-vdpa driver, in the
# guest of configs/vdpa.sh:
#
#   bench-vdpa.sh BLKIO_BENCH
#
# One VDUSE device of 2 queues, made here the way an administrator
# would (qemu-storage-daemon's vduse-blk export, `vdpa dev add`), used
# by short --verify runs (random reads and writes, every block read
# checked): blocking waits, the completion fd with epoll, poll queues
# busy-polled, two threads on two poll queues, and the device passed as
# an open fd (fd=3, as QEMU passes it) instead of path.  TCG's IOPS mean
# nothing; the data check does.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
bench=${1:?usage: bench-vdpa.sh BLKIO_BENCH}
name=blkio-bench$$ img=${TMPDIR:-/tmp}/bench-vdpa.img pid="" failures=0

cleanup() {
	vdpa dev del "$name" 2>/dev/null
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -f "$img"
}
trap cleanup EXIT

# Small: --verify fills and reads back the whole device, slowly under TCG.
truncate -s 8M "$img"
qemu-storage-daemon \
	--blockdev driver=file,node-name=file0,filename="$img" \
	--blockdev driver=raw,node-name=disk0,file=file0 \
	--export type=vduse-blk,id=exp0,node-name=disk0,name="$name",num-queues=2,writable=on &
pid=$!
wait_for 30 test -e "/dev/vduse/$name" || { echo "FAIL: no /dev/vduse/$name"; exit 1; }
wait_for 10 vdpa dev add name "$name" mgmtdev vduse || { echo "FAIL: vdpa dev add"; exit 1; }
node=$(basename /sys/bus/vdpa/devices/"$name"/vhost-vdpa-*)
dev=/dev/$node
wait_for 10 test -c "$dev" || { echo "FAIL: no $dev"; exit 1; }
echo "device $dev ($(readlink /sys/bus/vdpa/devices/"$name"/driver | xargs basename))"

# run DESCRIPTION OPTIONS... -- PROPERTIES...
run() {
	local what=$1 opts=() rc out
	shift
	while [ "$1" != -- ]; do opts+=("$1"); shift; done
	shift
	out=$("$bench" --readwrite=randrw --runtime=3 --verify --no-progress \
		--completion-timeout-ms=10000 --output=text \
		"${opts[@]}" virtio-blk-vhost-vdpa "$@" 2>&1)
	rc=$?
	echo "\$ blkio-bench ... ${opts[*]} virtio-blk-vhost-vdpa $*"
	echo "$out" | sed 's/^/  /'
	if [ $rc -ne 0 ]; then
		echo "FAIL: $what: exit status $rc"
	elif ! echo "$out" | grep -Eq '^verify: .* [1-9][0-9]* reads checked, .* no errors$'; then
		echo "FAIL: $what: no verified reads"
		rc=1
	else
		echo "PASS: $what"
	fi
	[ $rc -eq 0 ] || failures=$((failures + 1))
}

run "blocking waits" --iodepth=8 --wait=block -- path="$dev"
run "completion fd" --iodepth=8 --wait=event -- path="$dev"
run "poll queue" --iodepth=8 --poll-queues --poll -- path="$dev"
run "two threads, poll queues" --iodepth=4 --num-threads=2 --poll-queues -- path="$dev"
# The fd property: the device opened by the shell, handed over as fd 3.
run "fd=3" --iodepth=8 -- fd=3 3<>"$dev"
exit $((failures > 0))
