#!/usr/bin/env bash
# Build the initramfs from a kernel cache (see kernel.sh):
#
#   initramfs.sh CACHE
#
# writes CACHE/initramfs.cpio.gz: busybox-static, the cached modules and
# host/init as /init, about 2 MB.  It is rebuilt only when one of those
# changes (a stamp of their hashes).
set -euo pipefail

cache=${1:?usage: initramfs.sh CACHE}
here=$(cd "$(dirname "$0")" && pwd)
busybox=/bin/busybox
out=$cache/initramfs.cpio.gz

# The dynamic busybox package also installs /bin/busybox; only the static
# one can run alone in an initramfs.
dpkg-query -W -f='${Status}' busybox-static 2>/dev/null |
	grep -q 'install ok installed' || {
	echo "vm: busybox-static is not installed" >&2
	exit 1
}

stamp=$(cat "$here/init" "$busybox" "$cache/modules.stamp" "$0" |
	sha256sum | cut -d' ' -f1)
if [ -f "$out" ] && [ "$(cat "$cache/initramfs.stamp" 2>/dev/null)" = "$stamp" ]; then
	exit 0
fi

root=$(mktemp -d "${TMPDIR:-/tmp}/blkio-vm-initramfs.XXXXXX")
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,dev,proc,sys,host}
cp "$busybox" "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
# The kernel's request_module() helper path.
ln -s ../bin/busybox "$root/sbin/modprobe"
cp -a "$cache/modules/lib" "$root/"
install -m 755 "$here/init" "$root/init"
(cd "$root" && find . | cpio -o -H newc -R 0:0 --quiet | gzip -1) >"$out.tmp"
mv "$out.tmp" "$out"
echo "$stamp" >"$cache/initramfs.stamp"
echo "vm: initramfs $(du -h "$out" | cut -f1)"
