#!/bin/bash
# blkio-bench --verify with the nvme-io_uring driver on generic NVMe char
# devices, in the guest:
#
#   bench-nvme.sh BLKIO_BENCH NG_POLL NG_NOPOLL
#
# NG_POLL is a namespace of a controller with poll queues, NG_NOPOLL one
# of a controller without.  Short --verify runs (random reads and writes,
# every block read checked): regular queues (interrupts must move), poll
# queues waiting with min_completions=1 and busy-polling, two threads on
# two poll queues (no interrupt on an NVMe I/O queue from the fill to the
# read-back; the admin queue takes connect's Identify commands), and
# poll queues on the controller without poll queues (busy-polled rings:
# data checked, interrupts move).  TCG's IOPS are no performance figure:
# only correctness and interrupt counts matter here.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
usage="usage: bench-nvme.sh BLKIO_BENCH NG_POLL NG_NOPOLL"
bench=${1:?$usage}
ng_poll=${2:?$usage}
ng_nopoll=${3:?$usage}
failures=0

# bench WANT DEVICE OPTIONS...: WANT is "none" or "some" interrupts.
bench() {
	local want=$1 dev=$2 before admin delta rc out
	shift 2
	before=$(nvme_io_irqs)
	admin=$(nvme_irqs)
	out=$("$bench" --readwrite=randrw --runtime=3 --verify --no-progress \
		--output=text "$@" nvme-io_uring path="$dev" 2>&1)
	rc=$?
	delta=$(($(nvme_io_irqs) - before))
	admin=$(($(nvme_irqs) - admin - delta))
	echo "\$ blkio-bench --readwrite=randrw --runtime=3 --verify $* nvme-io_uring path=$dev"
	echo "$out" | sed 's/^/  /'
	local verdict=PASS why=""
	if [ $rc -ne 0 ]; then
		verdict=FAIL why="exit status $rc"
	elif ! echo "$out" | grep -Eq '^verify: .* [1-9][0-9]* reads checked, .* no errors$'; then
		verdict=FAIL why="no verified reads"
	elif [ "$want" = none ] && [ "$delta" -ne 0 ]; then
		verdict=FAIL why="interrupts on poll queues"
	elif [ "$want" = some ] && [ "$delta" -le 0 ]; then
		verdict=FAIL why="no interrupts without device polling"
	fi
	echo "$verdict: $dev $* : nvme I/O queue interrupts +$delta (want $want), admin queue +$admin${why:+: $why}"
	[ $verdict = PASS ] || failures=$((failures + 1))
}

bench some "$ng_poll" --iodepth=8 --wait=block
bench none "$ng_poll" --iodepth=8 --poll-queues
bench none "$ng_poll" --iodepth=8 --poll-queues --poll
bench none "$ng_poll" --iodepth=4 --num-threads=2 --poll-queues
bench some "$ng_nopoll" --iodepth=8 --poll-queues
exit $((failures > 0))
