#!/bin/bash
# SPDX-License-Identifier: (MIT OR Apache-2.0)
#
# Programs move between this library and Debian's libblkio 1.5.0 unchanged,
# both ways.  With this project's packages installed and Debian trixie's
# libblkio1 and libblkio-dev .debs in DEBDIR (bench/fetch-reference --debs):
#
#   debian-libblkio.sh SRCROOT DEBDIR header    the examples, compiled
#       against Debian's blkio.h, link and run with the installed library
#   debian-libblkio.sh SRCROOT DEBDIR library   the examples, compiled
#       against the installed blkio.h, run with Debian's libblkio.so.1
#
# Exit 77 where io_uring is switched off (the examples use that driver).
set -euo pipefail

src=$(cd "${1:?usage: $0 SRCROOT DEBDIR header|library}" && pwd)
debdir=$(cd "${2:?usage: $0 SRCROOT DEBDIR header|library}" && pwd)
mode=${3:?usage: $0 SRCROOT DEBDIR header|library}

work=$(mktemp -d "${TMPDIR:-/tmp}/blkio-debian.XXXXXX")
trap 'rm -rf "$work"' EXIT

fail() {
	echo "FAIL: $*"
	exit 1
}

[ "$(pkg-config --variable=implementation blkio)" = blkio ] ||
	fail "the installed blkio.pc is not this project's"

# Debian's files, unpacked here and nowhere else.
for pkg in libblkio1 libblkio-dev; do
	deb=$(find "$debdir" -maxdepth 1 -name "${pkg}_*.deb" | head -1)
	[ -n "$deb" ] || fail "no ${pkg}_*.deb in $debdir"
	dpkg-deb -x "$deb" "$work/debian"
	echo "Debian: $(basename "$deb")"
done
deb_include=$work/debian/usr/include
deb_libdir=$(dirname "$(find "$work/debian/usr/lib" -name libblkio.so.1 | head -1)")
[ -f "$deb_include/blkio.h" ] || fail "no blkio.h in Debian's libblkio-dev"
[ -f "$deb_libdir/libblkio.so.1" ] || fail "no libblkio.so.1 in Debian's libblkio1"

read -ra blkio_libs <<<"$(pkg-config --libs blkio)"
read -ra uring_flags <<<"$(pkg-config --cflags --libs liburing)"
case $mode in
header)
	# -I puts Debian's header before the installed one.
	header_flags=(-I"$deb_include")
	want_header=$deb_include/blkio.h
	run_env=()
	;;
library)
	read -ra header_flags <<<"$(pkg-config --cflags blkio)"
	want_header=/usr/include/blkio.h
	run_env=(LD_LIBRARY_PATH="$deb_libdir")
	;;
*)
	fail "unknown mode '$mode'"
	;;
esac
if cmp -s "$deb_include/blkio.h" /usr/include/blkio.h; then
	echo "blkio.h: Debian's and the installed one are the same file"
else
	echo "blkio.h: Debian's and the installed one differ (as text)"
fi

examples=(blocking-io event-loop-epoll event-loop-uring-poll polling mem-regions)
for ex in "${examples[@]}"; do
	extra=()
	[ "$ex" = event-loop-uring-poll ] && extra=("${uring_flags[@]}")
	cc -std=gnu11 -O2 -Wall -Wextra -Werror -MD -MF "$work/$ex.d" \
		"${header_flags[@]}" -o "$work/$ex" "$src/examples/$ex.c" \
		"${blkio_libs[@]}" "${extra[@]}" ||
		fail "examples/$ex.c does not build ($mode)"
	# The dependency file names the blkio.h the compiler really read
	# (-MD: system headers too).
	got_header=$(tr -s ' ' '\n' <"$work/$ex.d" | grep '/blkio\.h$' |
		xargs -r readlink -f) || true
	[ "$got_header" = "$(readlink -f "$want_header")" ] ||
		fail "$ex was compiled with '$got_header', not $want_header"
done
echo "built against $want_header: ${examples[*]}"

lib=$(env "${run_env[@]}" ldd "$work/blocking-io" |
	awk '$1 == "libblkio.so.1" { print $3 }')
lib=$(readlink -f "$lib")
case $mode in
header)
	owner=$(dpkg -S "$lib" 2>/dev/null | cut -d: -f1) || true
	[ "$owner" = libblkio1 ] ||
		fail "the examples load $lib, not the installed libblkio1's"
	;;
library)
	[ "$lib" = "$(readlink -f "$deb_libdir/libblkio.so.1")" ] ||
		fail "the examples load $lib, not Debian's libblkio.so.1"
	;;
esac
echo "libblkio.so.1 => $lib"

for ex in "${examples[@]}"; do
	rc=0
	out=$(env "${run_env[@]}" BLKIO_TEST_DIR="$work" "$work/$ex" 2>&1) ||
		rc=$?
	if [ "$rc" != 0 ]; then
		echo "$out"
		# Both libraries name io_uring in their message when it is off.
		grep -qi 'io_uring' <<<"$out" &&
			[ "$(cat /proc/sys/kernel/io_uring_disabled 2>/dev/null || echo 0)" != 0 ] &&
			exit 77
		fail "$ex exited with $rc ($mode)"
	fi
	echo "$ex: ok"
done
echo "PASS ($mode)"
