#!/bin/bash
# SPDX-License-Identifier: MIT OR Apache-2.0
#
# Mount faultfs for a manual experiment, run a command against it, unmount.
#
#   run-faultfs.sh [-b FAULTFS_BINARY] [faultfs options] -- COMMAND [ARGS]
#
# COMMAND runs with FAULTFS_MNT (mount point), FAULTFS_DISK, FAULTFS_RAW
# and FAULTFS_CTL in its environment, e.g.
#
#   run-faultfs.sh --size=8m --direct-io -- \
#       sh -c 'echo "rule op=read start=4096 len=4096 err=EIO" > $FAULTFS_CTL;
#              dd if=$FAULTFS_DISK of=/dev/null bs=4096 count=4'
#
# Without a command it runs an interactive shell.  Needs root (or a user
# allowed to mount FUSE).
set -eu

bin=
if [ "${1:-}" = -b ]; then
	bin=$2
	shift 2
fi
if [ -z "$bin" ]; then
	for b in "${FAULTFS:-}" "$(dirname "$0")/faultfs" \
		 build/tests/fault/faultfs; do
		if [ -n "$b" ] && [ -x "$b" ]; then
			bin=$b
			break
		fi
	done
fi
if [ -z "$bin" ]; then
	echo "run-faultfs.sh: faultfs binary not found (use -b or \$FAULTFS)" >&2
	exit 2
fi

opts=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do
	opts+=("$1")
	shift
done
[ "${1:-}" = -- ] && shift

dir=$(mktemp -d "${BLKIO_TEST_DIR:-/tmp}/faultfs-XXXXXX")
mnt=$dir/mnt
mkdir "$mnt"
pid=

cleanup() {
	if [ -n "$pid" ]; then
		kill -TERM "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	fusermount3 -u "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null || true
	rmdir "$mnt" "$dir" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

"$bin" -f "${opts[@]}" "$mnt" &
pid=$!
for _ in $(seq 100); do
	[ -e "$mnt/ctl" ] && break
	kill -0 "$pid" 2>/dev/null || { echo "faultfs failed" >&2; exit 1; }
	sleep 0.05
done
[ -e "$mnt/ctl" ] || { echo "faultfs did not mount" >&2; exit 1; }

export FAULTFS_MNT=$mnt FAULTFS_DISK=$mnt/disk FAULTFS_RAW=$mnt/raw \
	FAULTFS_CTL=$mnt/ctl
if [ $# -eq 0 ]; then
	echo "faultfs mounted on $mnt; exit the shell to unmount" >&2
	"${SHELL:-/bin/sh}" -i
else
	"$@"
fi
