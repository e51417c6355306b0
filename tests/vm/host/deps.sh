#!/usr/bin/env bash
# Install what the VM test world needs on the host, from apt, skipping
# packages already there.  Exit 77 with the reason when they cannot be had
# (not root and no sudo, no network to the archive): the harness then
# skips instead of failing.
set -euo pipefail

packages=(
	qemu-system-x86 qemu-utils	# the emulator (TCG; KVM hangs here)
	busybox-static			# the initramfs's only program
	kmod				# depmod/modprobe on unpacked modules
	cpio xz-utils			# pack the initramfs, unpack .ko.xz
	util-linux			# blkzone, used in the guest
	python3				# the result log
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=()
if [ "$(id -u)" -ne 0 ]; then
	if ! command -v sudo >/dev/null; then
		echo "SKIP: missing ${missing[*]} and not root (no sudo)"
		exit 77
	fi
	sudo=(sudo)
fi
echo "vm: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
if ! { "${sudo[@]}" apt-get update -qq &&
       "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
		"${missing[@]}" >/dev/null; }; then
	echo "SKIP: apt-get cannot install ${missing[*]}"
	exit 77
fi
