#!/bin/bash
# The guest side of the harness: runs chrooted into the host's root, with
# the work share on $1 (/run/vm).  Reads the plan the host wrote there,
# runs the configuration's setup command, then each guest test under a
# timeout, and leaves for each one (setup included) NAME.log (its output),
# NAME.rc (its exit status: 0 pass, 77 skip, else fail) and NAME.secs in
# results/.  The host reads those files; the console only shows progress.
set -uo pipefail
work=${1:?usage: runner.sh WORKDIR}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=/dev/null
source "$work/plan"	# VM_NAME VM_SRC VM_BUILD VM_SETUP VM_TESTS VM_SHELL
results=$work/results
mkdir -p "$results"
export PATH=$here:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LC_ALL=C VM_WORK=$work VM_SRC VM_BUILD VM_NAME
export TMPDIR=/tmp BLKIO_TEST_DIR=/tmp
up() { cut -d' ' -f1 /proc/uptime; }

# run NAME TIMEOUT COMMAND: one step, its outcome in results/.
run() {
	local name=$1 limit=$2 cmd=$3 t0 rc
	echo "VMTEST start $name at $(up)s"
	t0=$(up)
	(cd "$here" && exec timeout -k 5 "$limit" bash -c "$cmd") \
		>"$results/$name.log" 2>&1 </dev/null
	rc=$?
	[ $rc -eq 124 ] && echo "TIMEOUT after ${limit}s" >>"$results/$name.log"
	awk -v a="$t0" -v b="$(up)" 'BEGIN { printf "%.1f\n", b - a }' \
		>"$results/$name.secs"
	echo $rc >"$results/$name.rc"
	echo "VMTEST end $name rc=$rc in $(cat "$results/$name.secs")s"
	return $rc
}

echo "VMTEST guest $VM_NAME up at $(up)s"
if ! run setup 120 "$VM_SETUP"; then
	sed 's/^/VMTEST setup: /' "$results/setup.log"
	exit 1
fi
# Setup names the devices it prepared (VM_NVME_POLL=/dev/... lines).
if [ -f "$work/env" ]; then
	set -a
	# shellcheck source=/dev/null
	source "$work/env"
	set +a
fi
if [ "${VM_SHELL:-0}" = 1 ]; then
	echo "VMTEST shell: exit it to power off; the tests are in $work/plan"
	cd "$here" && bash --norc -i
	exit 0
fi
for entry in "${VM_TESTS[@]}"; do
	read -r name limit cmd <<<"$entry"
	run "$name" "$limit" "$cmd"
done
echo "VMTEST done at $(up)s"
exit 0
