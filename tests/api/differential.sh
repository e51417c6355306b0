#!/bin/bash
# SPDX-License-Identifier: (MIT OR Apache-2.0)
#
# Runs every public-API test program against the reference libblkio 1.5
# (BLKIO_REFERENCE=1, LD_LIBRARY_PATH=$BLKIO_REF_LIBDIR) and against ours,
# then compares the Check cases one by one.
#
#   differential.sh [BUILD_DIR_OF_tests/api]     (default: ../../build-api/tests/api)
#
# Environment: BLKIO_REF_LIBDIR (default /opt/ref/root/usr/lib/x86_64-linux-gnu),
# BLKIO_TEST_DIR (scratch space; default a fresh mktemp -d).
#
# Cases that test a deliberate difference from libblkio are skipped in the
# reference run (they print API-DELIBERATE-SKIP) or assert less
# (API-DELIBERATE-RELAXED).  Exit status: 0 when every case passes against
# the reference, 1 otherwise (a test bug), 77 when the reference or the
# programs are missing.  Failures against our library are listed, but the
# api suite itself is what fails for them.

set -u
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
bindir=${1:-$here/../../build-api/tests/api}
refdir=${BLKIO_REF_LIBDIR:-/opt/ref/root/usr/lib/x86_64-linux-gnu}
programs="lifecycle properties connect errors queues memregions doio-args
	  poll-queues nvme abi"

if [ ! -e "$refdir/libblkio.so.1" ]; then
	echo "SKIP: reference library not found in $refdir"
	exit 77
fi
for p in $programs; do
	if [ ! -x "$bindir/api-$p" ]; then
		echo "SKIP: $bindir/api-$p not built"
		exit 77
	fi
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export BLKIO_TEST_DIR=${BLKIO_TEST_DIR:-$work}
export CK_VERBOSITY=verbose

# The programs carry a run path to our library; make sure the reference is
# what gets loaded, preloading it if the run path would win.
ref_env() {
	local prog=$1
	local lib
	lib=$(LD_LIBRARY_PATH=$refdir ldd "$prog" | awk '/libblkio\.so\.1/ { print $3 }')
	if [ "$(readlink -f "$lib")" = "$(readlink -f "$refdir/libblkio.so.1")" ]; then
		echo "LD_LIBRARY_PATH=$refdir"
	else
		echo "LD_LIBRARY_PATH=$refdir LD_PRELOAD=$refdir/libblkio.so.1"
	fi
}

# run <label> <program> [env assignments...]: writes <label>.<program>.{out,cases}
run() {
	local label=$1 p=$2
	shift 2
	local out=$work/$label.$p
	local args=()
	# abi checks it loaded the library it was given (skipped for the reference).
	if [ "$p" = abi ] && [ -e "$bindir/../../src/libblkio.so.1" ]; then
		args=("$bindir/../../src/libblkio.so.1")
	fi
	env "$@" "$bindir/api-$p" "${args[@]}" >"$out.out" 2>&1
	echo $? >"$out.rc"
	# file:line:R:tcase:test:iter: message  ->  "p:tcase:test:iter R message"
	sed -n -E 's/^[^:]*:[0-9]+:([PFE]):([^:]+):([^:]+):([0-9]+): ?(.*)$/'"$p"':\2:\3:\4 \1 \5/p' \
		"$out.out" | sort -k1,1 >"$out.cases"
}

total_ref=0 pass_ref=0 total_ours=0 pass_ours=0 compared=0
skipped=0 relaxed=0 status=0
for p in $programs; do
	run ref "$p" BLKIO_REFERENCE=1 $(ref_env "$bindir/api-$p")
	run ours "$p"
	for label in ref ours; do
		rc=$(cat "$work/$label.$p.rc")
		if [ "$rc" = 77 ]; then
			echo "$p ($label): $(grep -m1 SKIP "$work/$label.$p.out")"
		fi
	done
	n_ref=$(wc -l <"$work/ref.$p.cases")
	p_ref=$(grep -c ' P ' "$work/ref.$p.cases")
	n_ours=$(wc -l <"$work/ours.$p.cases")
	p_ours=$(grep -c ' P ' "$work/ours.$p.cases")
	s=$(grep -c '^API-DELIBERATE-SKIP' "$work/ref.$p.out")
	r=$(grep -c '^API-DELIBERATE-RELAXED' "$work/ref.$p.out")
	both=$(join <(cut -d' ' -f1 "$work/ref.$p.cases") \
		    <(cut -d' ' -f1 "$work/ours.$p.cases") | wc -l)
	printf '%-11s reference %3d/%-3d passed (%d deliberate skipped, %d relaxed)   ours %3d/%-3d passed\n' \
		"$p" "$p_ref" "$n_ref" "$s" "$r" "$p_ours" "$n_ours"
	# A program that cannot run against the reference (exit 77, reason
	# printed above) has nothing to compare; it is not a test bug.
	if [ "$(cat "$work/ref.$p.rc")" = 77 ]; then
		:
	elif [ "$p_ref" != "$n_ref" ] || [ "$n_ref" = 0 ]; then
		status=1
		grep -v ' P ' "$work/ref.$p.cases" | sed 's/^/    reference FAIL: /'
		[ "$n_ref" = 0 ] && tail -5 "$work/ref.$p.out" | sed 's/^/    reference: /'
	fi
	grep -v ' P ' "$work/ours.$p.cases" | sed 's/^/    ours FAIL: /'
	if [ "$n_ours" = 0 ]; then
		tail -5 "$work/ours.$p.out" | sed 's/^/    ours: /'
	fi
	total_ref=$((total_ref + n_ref)); pass_ref=$((pass_ref + p_ref))
	total_ours=$((total_ours + n_ours)); pass_ours=$((pass_ours + p_ours))
	compared=$((compared + both)); skipped=$((skipped + s))
	relaxed=$((relaxed + r))
done

echo "summary: $compared cases compared; reference $pass_ref/$total_ref passed" \
	"($skipped deliberate differences skipped, $relaxed relaxed);" \
	"ours $pass_ours/$total_ours passed"
exit $status
