#!/bin/sh
# SPDX-License-Identifier: (MIT OR Apache-2.0)
# Run the vhost-user example against qemu-storage-daemon exporting a
# scratch file (skipped, exit 77, when the daemon is not installed).
#   run-vhost-user.sh EXAMPLE
set -eu
example=$1
qsd=$(command -v qemu-storage-daemon || true)
if [ -z "$qsd" ]; then
	echo "SKIP: qemu-storage-daemon not installed (package qemu-system-common)"
	exit 77
fi
dir=$(mktemp -d "${BLKIO_TEST_DIR:-/tmp}/vhost-user-example.XXXXXX")
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
truncate -s 64M "$dir/disk.img"
"$qsd" --blockdev "driver=file,node-name=file0,filename=$dir/disk.img" \
	--blockdev driver=raw,node-name=disk0,file=file0 \
	--export "type=vhost-user-blk,id=exp0,node-name=disk0,addr.type=unix,addr.path=$dir/vhost.sock,writable=on" &
pid=$!
i=0
while [ ! -S "$dir/vhost.sock" ]; do
	i=$((i + 1))
	[ "$i" -lt 500 ] || { echo "qemu-storage-daemon did not start"; exit 1; }
	sleep 0.01
done
"$example" "$dir/vhost.sock"
