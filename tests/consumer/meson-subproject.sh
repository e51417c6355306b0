#!/bin/bash
# SPDX-License-Identifier: (MIT OR Apache-2.0)
#
# A meson project that uses blkio (meson-subproject/) is configured, built
# and run, getting blkio one of two ways:
#
#   meson-subproject.sh SRCROOT subproject   this repository as the
#       subproject libblkio (a symlink made here, in a copy of the
#       project), even where blkio is installed: --force-fallback-for
#   meson-subproject.sh SRCROOT installed    the installed blkio through
#       pkg-config, never the subproject: --wrap-mode=nofallback
#
# The program must load the library it was built against: the subproject's
# from its build directory, or the one package libblkio1 installed.
# Exit 77 where io_uring is switched off (the program uses that driver).
set -euo pipefail

src=$(cd "${1:?usage: $0 SRCROOT subproject|installed}" && pwd)
mode=${2:?usage: $0 SRCROOT subproject|installed}

work=$(mktemp -d "${TMPDIR:-/tmp}/blkio-consumer.XXXXXX")
trap 'rm -rf "$work"' EXIT

fail() {
	echo "FAIL: $*"
	exit 1
}

cp -r "$src/tests/consumer/meson-subproject" "$work/project"
case $mode in
subproject)
	mkdir "$work/project/subprojects"
	ln -s "$src" "$work/project/subprojects/libblkio"
	setup_args=(--force-fallback-for=blkio)
	;;
installed)
	setup_args=(--wrap-mode=nofallback)
	;;
*)
	fail "unknown mode '$mode'"
	;;
esac

if ! meson setup "${setup_args[@]}" "$work/build" "$work/project" \
	>"$work/setup.log" 2>&1; then
	tail -30 "$work/setup.log"
	fail "meson setup ($mode)"
fi
grep -E '^Message: blkio ' "$work/setup.log" || fail "no blkio message"
if ! meson compile -C "$work/build" consumer >"$work/build.log" 2>&1; then
	tail -30 "$work/build.log"
	fail "meson compile consumer ($mode)"
fi

lib=$(ldd "$work/build/consumer" | awk '$1 == "libblkio.so.1" { print $3 }')
lib=$(readlink -f "$lib")
case $mode in
subproject)
	[[ $lib == "$work/build/subprojects/libblkio/"* ]] ||
		fail "consumer loads $lib, not the subproject's library"
	;;
installed)
	owner=$(dpkg -S "$lib" 2>/dev/null | cut -d: -f1) || true
	[ -n "$owner" ] ||
		fail "consumer loads $lib, which no package installed"
	lib="$lib ($owner)"
	;;
esac
echo "libblkio.so.1 => $lib"

rc=0
out=$(BLKIO_TEST_DIR=$work "$work/build/consumer" 2>&1) || rc=$?
echo "$out"
if [ "$rc" != 0 ]; then
	grep -q 'io_uring is unavailable' <<<"$out" && exit 77
	fail "consumer exited with $rc"
fi
echo "PASS ($mode)"
