#!/bin/sh
# SPDX-License-Identifier: (MIT OR Apache-2.0)
#
# io-uring-disabled.sh WRAPPER PROGRAM...
#
# Sets kernel.io_uring_disabled to 2 (io_uring off for every process of
# the machine), runs the PROGRAMs (at the same time) through WRAPPER (without-io-uring
# --sysctl: checks that io_uring really fails with EPERM and that an
# io_uring instance's start says so and names linux-aio) with the
# environment's BLKIO_TEST_DRIVER, and puts the old value back however
# the script ends: on exit and on INT, TERM (a meson timeout) and HUP.
# Exits 77 with the reason when not root or the sysctl does not exist.
# Machine-wide: meson runs it with is_parallel: false.
set -u

# Under a memcheck wrapper (scripts/test.sh's valgrind stage) valgrind
# would check the shell, whose few bytes of leaks fail the test: the
# script runs again without it (valgrind does not follow the exec).
case "${LD_PRELOAD:-}" in
*vgpreload*)
	if [ -z "${IO_URING_DISABLED_REEXEC:-}" ]; then
		IO_URING_DISABLED_REEXEC=1 exec /bin/sh "$0" "$@"
	fi
	;;
esac

sysctl=/proc/sys/kernel/io_uring_disabled

if [ "$(id -u)" != 0 ]; then
	echo "SKIP: setting kernel.io_uring_disabled needs root"
	exit 77
fi
if [ ! -e "$sysctl" ]; then
	echo "SKIP: $sysctl does not exist (kernel before 6.6)"
	exit 77
fi
if [ $# -lt 2 ]; then
	echo "usage: $0 WRAPPER PROGRAM..." >&2
	exit 2
fi
wrapper=$1
shift

old=$(cat "$sysctl") || exit 1
restore() {
	echo "$old" > "$sysctl" &&
		echo "io-uring-disabled: kernel.io_uring_disabled back to $old"
}
on_exit() {
	status=$?
	trap - EXIT INT TERM HUP
	restore || status=1
	exit "$status"
}
children=
logs=
on_signal() {
	echo "io-uring-disabled: killed by SIG$1"
	trap - EXIT INT TERM HUP
	restore
	[ -n "$children" ] && kill $children 2>/dev/null
	rm -rf "$logs"
	exit 1
}
trap on_exit EXIT
trap 'on_signal INT' INT
trap 'on_signal TERM' TERM
trap 'on_signal HUP' HUP

if ! echo 2 > "$sysctl"; then
	echo "SKIP: cannot write $sysctl"
	trap - EXIT
	exit 77
fi
echo "io-uring-disabled: kernel.io_uring_disabled 2 (was $old)," \
	"driver ${BLKIO_TEST_DRIVER:-io_uring}"

# All at once, in the background: the machine is without io_uring for as
# short a time as possible, and a signal interrupts wait, so the trap
# restores the sysctl at once rather than after the programs.
logs=$(mktemp -d) || exit 1
i=0
for prog in "$@"; do
	i=$((i + 1))
	"$wrapper" --sysctl "$prog" > "$logs/$i" 2>&1 &
	children="$children $!"
done
failed=0
i=0
for pid in $children; do
	i=$((i + 1))
	wait "$pid"
	rc=$?
	eval "prog=\${$i}"
	cat "$logs/$i"
	echo "io-uring-disabled: $(basename "$prog") exit $rc"
	# Every program must really run here: a skip is a failure too.
	[ "$rc" = 0 ] || failed=$((failed + 1))
done
children=
logs=
rm -rf "$logs"
if [ "$(cat "$sysctl")" != 2 ]; then
	echo "io-uring-disabled: FAIL: kernel.io_uring_disabled changed" \
		"while the programs ran (another process?)"
	failed=$((failed + 1))
fi
echo "io-uring-disabled: $(($# - failed)) of $# programs passed"
[ "$failed" = 0 ]
