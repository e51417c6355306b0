#!/bin/bash
# SPDX-License-Identifier: (MIT OR Apache-2.0)
#
# no-io-uring-sysctl.sh <no-io-uring program>: runs the sysctl-disabled
# scenario with kernel.io_uring_disabled = 2 and puts the old value back
# however the run ends.  Exit status: the program's (0 pass, 1 fail), 77
# when the switch is missing or cannot be written, 1 when it could not be
# restored.
#
# Why a shell wrapper and not the C program: the value must come back
# even when the test is killed (meson's timeout sends SIGTERM to the whole
# process group), crashes, or hangs until its alarm.  Here the process
# that owns the switch does nothing but wait, so a crash or abort of the
# program under test cannot take the restore with it, and the EXIT trap
# covers every way bash itself ends: normal exit, `exit` from the HUP, INT
# and TERM traps, and errors.  meson sends SIGKILL only if the test's top
# process is still alive 0.5 s after SIGTERM; this script is out by then.
#
# SIGKILL cannot be trapped (an OOM kill, or someone's kill -9 of this
# script): the switch then stays at 2 until someone writes the old value
# back.  The next run notices a 2 it did not set and says so.  The
# seccomp scenarios of no-io-uring do not touch machine state and need no
# wrapper.
set -u

prog=${1:?usage: $0 <no-io-uring program>}
knob=/proc/sys/kernel/io_uring_disabled
changed=0
child=

skip() {
	echo "SKIP: $*"
	exit 77
}

# Runs once, from the EXIT trap.  Restore first (the machine matters
# more than the test), then stop the program if it is still running.
# shellcheck disable=SC2317  # reached through the trap
restore() {
	local rc=$?

	if [ "$changed" = 1 ]; then
		if echo "$old" >"$knob" 2>/dev/null &&
		   [ "$(cat "$knob" 2>/dev/null)" = "$old" ]; then
			echo "restored $knob to $old"
		else
			echo "FAIL: could not restore $knob to $old"
			rc=1
		fi
	fi
	if [ -n "$child" ]; then
		kill -TERM "$child" 2>/dev/null
	fi
	exit "$rc"
}

[ -e "$knob" ] || skip "$knob does not exist (Linux before 6.6)"
old=$(cat "$knob" 2>/dev/null) || skip "cannot read $knob"
case $old in
0 | 1) ;;
2) echo "note: $knob is already 2 before this test set it (left by" \
	"a run killed with SIGKILL?); it stays 2 afterwards" ;;
*) echo "FAIL: unexpected value '$old' in $knob"; exit 1 ;;
esac

trap restore EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

# Marked before the write: a signal between the two must still restore.
changed=1
if ! echo 2 >"$knob" 2>/dev/null; then
	changed=0
	skip "cannot write $knob (not root, or /proc/sys is read-only)"
fi
echo "set $knob to 2 (was $old)"

# In the background, so that a signal interrupts the wait at once and
# the trap runs now rather than when the program is done.
"$prog" sysctl-disabled &
child=$!
wait "$child"
rc=$?
child=
exit "$rc"
