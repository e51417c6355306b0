#!/bin/bash
# SPDX-License-Identifier: (MIT OR Apache-2.0)
#
# Runs every data-path test program twice: against the reference libblkio
# 1.5 (BLKIO_REFERENCE=1, library from $BLKIO_REF_LIBDIR) and against ours,
# and lines up the Check cases of both runs.
#
#   differential.sh [BUILD_DIR_OF_tests/io]    (default: ../../build-io/tests/io)
#
# Environment: BLKIO_REF_LIBDIR (default /opt/ref/root/usr/lib/x86_64-linux-gnu),
# BLKIO_TEST_DIR (scratch space; default a fresh mktemp -d).
#
# With BLKIO_REFERENCE=1 the programs leave out the cases where we differ
# from libblkio on purpose (design §4) and say so on a "SKIP case" line.
# Exit status: 0 when every case passes against the reference, 1 when one
# does not (a bug in the test), 77 when the reference or the programs are
# missing.  Failures against our library are listed; the io suite itself
# is what fails for them.

set -u
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
bindir=${1:-$here/../../build-io/tests/io}
refdir=${BLKIO_REF_LIBDIR:-/opt/ref/root/usr/lib/x86_64-linux-gnu}
programs="requests integrity readonly eof backlog completion-fd loopdev
	  pollqueues poll-fallback timeout interruptible"

if [ ! -e "$refdir/libblkio.so.1" ]; then
	echo "SKIP: reference library not found in $refdir"
	exit 77
fi
present=""
for p in $programs; do
	if [ -x "$bindir/io-$p" ]; then
		present="$present $p"
	else
		echo "$p: not built, left out"
	fi
done
if [ -z "$present" ]; then
	echo "SKIP: no io test programs in $bindir"
	exit 77
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export BLKIO_TEST_DIR=${BLKIO_TEST_DIR:-$work}
export CK_VERBOSITY=verbose

# The programs may carry a run path to our library that beats
# LD_LIBRARY_PATH; preload the reference when that is the case.
ref_env() {
	local lib
	lib=$(LD_LIBRARY_PATH=$refdir ldd "$1" | awk '/libblkio\.so\.1/ { print $3 }')
	if [ "$(readlink -f "$lib")" = "$(readlink -f "$refdir/libblkio.so.1")" ]; then
		echo "LD_LIBRARY_PATH=$refdir"
	else
		echo "LD_LIBRARY_PATH=$refdir LD_PRELOAD=$refdir/libblkio.so.1"
	fi
}

# run LABEL PROGRAM [VAR=value...]: leaves LABEL.PROGRAM.{out,rc,cases}
run() {
	local label=$1 p=$2
	shift 2
	local out=$work/$label.$p

	env "$@" "$bindir/io-$p" >"$out.out" 2>&1
	echo $? >"$out.rc"
	# "file:line:R:tcase:test:iter: msg" -> "tcase:test:iter R msg"
	sed -n -E 's/^[^:]*:[0-9]+:([PFE]):([^:]+):([^:]+):([0-9]+): ?(.*)$/\2:\3:\4 \1 \5/p' \
		"$out.out" | sort -k1,1 >"$out.cases"
}

count() {
	grep -c -- "$1" "$2"
}

compared=0 ref_total=0 ref_pass=0 ours_total=0 ours_pass=0 skips=0
status=0
printf '%-17s %-22s %-22s %s\n' program reference ours "skipped in reference"
for p in $present; do
	# shellcheck disable=SC2046
	run ref "$p" BLKIO_REFERENCE=1 $(ref_env "$bindir/io-$p")
	run ours "$p"
	declare -A res=()
	for label in ref ours; do
		f=$work/$label.$p
		if [ "$(cat "$f.rc")" = 77 ]; then
			res[$label]="SKIP"
			continue
		fi
		n=$(wc -l <"$f.cases")
		ok=$(count ' P ' "$f.cases")
		res[$label]="$ok/$n passed"
	done
	s=$(count '^SKIP case' "$work/ref.$p.out")
	printf '%-17s %-22s %-22s %d\n' "$p" "${res[ref]}" "${res[ours]}" "$s"

	if [ "${res[ref]}" = SKIP ]; then
		grep -m1 '^SKIP' "$work/ref.$p.out" | sed 's/^/    /'
		unset res
		continue
	fi
	n=$(wc -l <"$work/ref.$p.cases")
	ok=$(count ' P ' "$work/ref.$p.cases")
	if [ "$n" = 0 ] || [ "$ok" != "$n" ]; then
		status=1
		grep -v ' P ' "$work/ref.$p.cases" | sed 's/^/    reference FAIL: /'
		[ "$n" = 0 ] && tail -5 "$work/ref.$p.out" | sed 's/^/    reference: /'
	fi
	grep '^SKIP case' "$work/ref.$p.out" | sed 's/^/    reference /'
	grep -v ' P ' "$work/ours.$p.cases" | sed 's/^/    ours FAIL: /'
	if [ "${res[ours]}" != SKIP ] && [ ! -s "$work/ours.$p.cases" ]; then
		tail -5 "$work/ours.$p.out" | sed 's/^/    ours: /'
	fi
	both=$(join <(cut -d' ' -f1 "$work/ref.$p.cases") \
		    <(cut -d' ' -f1 "$work/ours.$p.cases") | wc -l)
	compared=$((compared + both))
	ref_total=$((ref_total + n)); ref_pass=$((ref_pass + ok))
	ours_total=$((ours_total + $(wc -l <"$work/ours.$p.cases")))
	ours_pass=$((ours_pass + $(count ' P ' "$work/ours.$p.cases")))
	skips=$((skips + s))
	unset res
done

echo "summary: $compared cases compared; reference $ref_pass/$ref_total" \
	"passed ($skips SKIP-case notes in the reference run);" \
	"ours $ours_pass/$ours_total passed"
exit $status
