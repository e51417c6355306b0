#!/usr/bin/env bash
# Quick start: install what is missing, build, and run blkio-bench on a
# scratch file it creates (5 seconds of random 4 KiB reads, queue depth 32).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
[ -f build/build.ninja ] || meson setup build --buildtype=release >/dev/null
ninja -C build >/dev/null
exec build/tools/blkio-bench --output=text --readwrite=randread \
	--iodepth=32 --runtime=5 "$@" io_uring
