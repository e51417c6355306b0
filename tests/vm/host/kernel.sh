#!/usr/bin/env bash
# Fetch the guest kernel into a cache directory:
#
#   kernel.sh CACHE MODULES_LIST
#
# leaves CACHE/vmlinuz, CACHE/release (the kernel version) and
# CACHE/modules/lib/modules/VERSION holding the listed modules and their
# dependencies, decompressed (busybox modprobe cannot read .ko.xz) and
# indexed with depmod.  The kernel is Debian's newest
# linux-image-6.12.N+deb12-amd64-unsigned, downloaded with apt-get download
# and unpacked with dpkg -x, never installed: 6.1 (linux-image-amd64) has
# no vDPA.  A cache made for the same module list is used as it is, with no
# apt at all; remove the directory to pick up a newer kernel.
# Exit 77 with the reason when the package cannot be had.
set -euo pipefail

cache=${1:?usage: kernel.sh CACHE MODULES_LIST}
list=${2:?usage: kernel.sh CACHE MODULES_LIST}
wanted=$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$list")
stamp=$(echo "$wanted" | sha256sum | cut -d' ' -f1)

if [ -f "$cache/modules.stamp" ] && [ -f "$cache/vmlinuz" ] &&
   [ "$(cat "$cache/modules.stamp")" = "$stamp" ]; then
	echo "vm: kernel $(cat "$cache/release") (cached)"
	exit 0
fi

# Only the generic flavour: a looser pattern also matches -cloud and -rt.
newest() {
	apt-cache search --names-only \
		'^linux-image-6\.12\.[0-9]+\+deb12-amd64-unsigned$' |
		awk '{print $1}' | sort -V | tail -1
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/blkio-vm-kernel.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# Package lists may be missing or stale (an old point release is no longer
# in the archive): refresh them once if the first attempt fails.
fetch() {
	pkg=$(newest)
	err="no such package in the apt lists"
	[ -n "$pkg" ] &&
		err=$(cd "$tmp" && apt-get download -q "$pkg" 2>&1 >/dev/null)
}
if ! fetch; then
	sudo=()
	[ "$(id -u)" -eq 0 ] || sudo=(sudo)
	"${sudo[@]}" apt-get update -qq >/dev/null 2>&1 || true
	if ! fetch; then
		echo "SKIP: cannot download ${pkg:-linux-image-6.12.N+deb12-amd64-unsigned}:" \
		     "$(echo "$err" | tail -1)"
		exit 77
	fi
fi
echo "vm: kernel package $pkg"

dpkg -x "$tmp"/linux-image-*.deb "$tmp/pkg"
release=$(ls "$tmp/pkg/lib/modules")
# The package ships no modules.dep: index the unpacked tree so modprobe -D
# can list each wanted module's dependency chain.
depmod -b "$tmp/pkg" "$release"

rm -rf "$cache"
mkdir -p "$cache"
src=$tmp/pkg/lib/modules/$release
dst=$cache/modules/lib/modules/$release
mkdir -p "$dst"
for m in $wanted; do
	modprobe -d "$tmp/pkg" -S "$release" --show-depends "$m" |
		awk '$1 == "insmod" {print $2}'
done | sort -u | while read -r ko; do
	rel=${ko#"$src/"}
	mkdir -p "$dst/$(dirname "$rel")"
	case $ko in
	*.xz) xz -dc "$ko" >"$dst/${rel%.xz}" ;;
	*) cp "$ko" "$dst/$rel" ;;
	esac
done
cp "$src"/modules.{builtin,builtin.modinfo,order} "$dst/"
depmod -b "$cache/modules" "$release"

cp "$tmp"/pkg/boot/vmlinuz-* "$cache/vmlinuz"
echo "$release" >"$cache/release"
echo "$pkg" >"$cache/package"
# Last: the stamp marks a complete cache.
echo "$stamp" >"$cache/modules.stamp"
echo "vm: kernel $release, $(find "$dst" -name '*.ko' | wc -l) modules"
