#!/bin/bash
# blkio-bench on an NVMe namespace with poll queues, in the guest:
#
#   bench-poll.sh BLKIO_BENCH DEVICE
#
# Short --verify runs (random reads and writes, data checked) on poll
# queues, waiting with min_completions=1 and busy-polling, must take no
# NVMe interrupt from the fill to the read-back; the same run on regular
# queues must take some (the measurement can fail).  linux-aio, which
# has no poll queues, runs once on regular queues.  TCG's IOPS are no
# performance figure: only correctness and interrupt counts matter here.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
bench=${1:?usage: bench-poll.sh BLKIO_BENCH DEVICE}
dev=${2:?usage: bench-poll.sh BLKIO_BENCH DEVICE}
failures=0

# bench WANT [--driver=NAME] OPTIONS...: WANT is "none" or "some"
# interrupts; the driver is io_uring unless given.
bench() {
	local want=$1 driver=io_uring before delta rc out
	shift
	case $1 in --driver=*) driver=${1#--driver=}; shift ;; esac
	before=$(nvme_irqs)
	out=$("$bench" --readwrite=randrw --runtime=3 --verify --no-progress \
		--output=text "$@" "$driver" path="$dev" direct=true 2>&1)
	rc=$?
	delta=$(($(nvme_irqs) - before))
	echo "\$ blkio-bench $* ... $driver path=$dev direct=true"
	echo "$out" | sed 's/^/  /'
	local verdict=PASS why=""
	if [ $rc -ne 0 ]; then
		verdict=FAIL why="exit status $rc"
	elif ! echo "$out" | grep -Eq '^verify: .* [1-9][0-9]* reads checked, .* no errors$'; then
		verdict=FAIL why="no verified reads"
	elif [ "$want" = none ] && [ "$delta" -ne 0 ]; then
		verdict=FAIL why="interrupts on poll queues"
	elif [ "$want" = some ] && [ "$delta" -le 0 ]; then
		verdict=FAIL why="no interrupts on regular queues"
	fi
	echo "$verdict: $driver $* : nvme interrupts +$delta (want $want)${why:+: $why}"
	[ $verdict = PASS ] || failures=$((failures + 1))
}

bench some --iodepth=8 --wait=block
bench none --iodepth=8 --poll-queues
bench none --iodepth=8 --poll-queues --poll
bench none --iodepth=4 --num-threads=2 --poll-queues
# linux-aio has no poll queues: the same verified run on regular queues.
bench some --driver=linux-aio --iodepth=8 --wait=block
exit $((failures > 0))
