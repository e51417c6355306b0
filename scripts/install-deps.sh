#!/usr/bin/env bash
# Install what building and testing blkio needs on Debian 12, skipping
# packages that are already there.  Run as root (or with sudo available).
set -euo pipefail

packages=(
	gcc clang libclang-rt-14-dev meson ninja-build pkg-config
	liburing-dev libudev-dev
	check valgrind fio
	linux-perf strace
	libfuse3-dev fuse3
	python3 util-linux e2fsprogs
	qemu-system-common
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
