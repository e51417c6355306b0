#!/bin/bash
# SPDX-License-Identifier: (MIT OR Apache-2.0)
#
# The installed library is usable with nothing but pkg-config:
#
#   install-check.sh BUILDDIR [SRCDIR]
#
# Stages "meson install --destdir" into a temporary directory, checks the
# staged blkio.pc reports version 1.5.0 (the project's own version is its
# implementation_version) and the library file is libblkio.so.1.5.0,
# builds examples/blocking-io.c with only the flags pkg-config prints
# (PKG_CONFIG_SYSROOT_DIR maps the staged prefix), runs it against the
# staged library on a scratch file, and checks the header, the man pages
# and their aliases were installed.

set -eu

builddir=$(cd "${1:?usage: $0 BUILDDIR [SRCDIR]}" && pwd)
srcdir=$(cd "${2:-$(dirname "$0")/../..}" && pwd)
expected_version=1.5.0
meson=${MESON:-meson}

die() {
	echo "FAIL: $*"
	exit 1
}

stage=$(mktemp -d "${BLKIO_TEST_DIR:-${TMPDIR:-/tmp}}/install-check.XXXXXX")
trap 'rm -rf "$stage"' EXIT

# Where meson puts things, from the build's own configuration.
option() {
	"$meson" introspect --buildoptions "$builddir" |
		python3 -c 'import json, sys
for o in json.load(sys.stdin):
    if o["name"] == sys.argv[1]:
        print(o["value"])' "$1"
}
prefix=$(option prefix)
libdir=$(option libdir)
includedir=$(option includedir)
mandir=$(option mandir)
sanitize=$(option b_sanitize)
case $libdir in /*) ;; *) libdir=$prefix/$libdir ;; esac
case $includedir in /*) ;; *) includedir=$prefix/$includedir ;; esac
case $mandir in /*) ;; *) mandir=$prefix/$mandir ;; esac

if ! "$meson" install -C "$builddir" --no-rebuild --destdir "$stage" \
		>"$stage/install.log" 2>&1; then
	cat "$stage/install.log"
	die "meson install --destdir failed"
fi

pcdir=$stage$libdir/pkgconfig
[ -f "$pcdir/blkio.pc" ] || die "no blkio.pc in $pcdir"

# The acceptance check, literally.
version=$(PKG_CONFIG_PATH=$pcdir pkg-config --modversion blkio)
[ "$version" = "$expected_version" ] ||
	die "pkg-config --modversion blkio says '$version', not $expected_version"
echo "pkg-config --modversion blkio: $version"

# The project's own version is a variable of its own (meson.build:
# api_version is what Version says); libblkio's blkio.pc has none.
project_version=$("$meson" introspect --projectinfo "$builddir" |
	python3 -c 'import json, sys; print(json.load(sys.stdin)["version"])')
impl=$(PKG_CONFIG_PATH=$pcdir pkg-config --variable=implementation_version blkio)
[ "$impl" = "$project_version" ] ||
	die "blkio.pc implementation_version is '$impl', not $project_version"
echo "pkg-config --variable=implementation_version blkio: $impl"

# The file name carries the API version, as libblkio's does.
[ -f "$stage$libdir/libblkio.so.$expected_version" ] ||
	die "no libblkio.so.$expected_version in $libdir"

# Flags for the staged tree.  Keep system paths (they are not system
# paths once the sysroot is prepended).
export PKG_CONFIG_PATH=$pcdir PKG_CONFIG_SYSROOT_DIR=$stage
export PKG_CONFIG_ALLOW_SYSTEM_CFLAGS=1 PKG_CONFIG_ALLOW_SYSTEM_LIBS=1
read -ra flags <<<"$(pkg-config --cflags --libs blkio)"
echo "pkg-config --cflags --libs blkio: ${flags[*]}"

# A sanitized library needs its runtime in the program too, as it would
# for any user of such a build; that is the only flag added.
cflags=(-std=gnu11 -Wall -Wextra -Werror)
case $sanitize in none | "") ;; *) cflags+=("-fsanitize=$sanitize") ;; esac

${CC:-cc} "${cflags[@]}" \
	-o "$stage/blocking-io" "$srcdir/examples/blocking-io.c" "${flags[@]}" ||
	die "examples/blocking-io.c does not build with pkg-config flags"

# It must load the staged library, not some other libblkio.so.1.
export LD_LIBRARY_PATH=$stage$libdir
loaded=$(ldd "$stage/blocking-io" | awk '/libblkio\.so\.1/ { print $3 }')
case $loaded in
"$stage"/*) echo "libblkio.so.1 => $loaded" ;;
*) die "blocking-io loads libblkio.so.1 from '$loaded', not the staging dir" ;;
esac

BLKIO_TEST_DIR=$stage "$stage/blocking-io" ||
	die "blocking-io failed against the installed library"
[ -z "$(find "$stage" -maxdepth 1 -name 'blkio-example.*')" ] ||
	die "blocking-io left its scratch file behind"

# examples/Makefile.standalone builds every example the same way.
if command -v make >/dev/null; then
	make -s -f "$srcdir/examples/Makefile.standalone" O="$stage/examples" \
		CFLAGS="-O2 ${cflags[*]}" >"$stage/make.log" 2>&1 || {
		cat "$stage/make.log"
		die "examples/Makefile.standalone failed"
	}
	built=$(find "$stage/examples" -type f -executable | wc -l)
	echo "examples/Makefile.standalone: $built examples built"
fi

# The installed header is the source header.
cmp -s "$srcdir/include/blkio.h" "$stage$includedir/blkio.h" ||
	die "installed blkio.h differs from include/blkio.h"

# blkio(3) plus an alias page per public function.
man3=$stage$mandir/man3
[ -f "$man3/blkio.3" ] || die "blkio.3 not installed in $mandir/man3"
nalias=0
while read -r fn; do
	grep -qx '\.so man3/blkio\.3' "$man3/$fn.3" 2>/dev/null ||
		die "man page alias $mandir/man3/$fn.3 missing or wrong"
	nalias=$((nalias + 1))
done < <(grep -E '^[a-z][a-z0-9_ ]*[ *](blkioq?_[a-z0-9_]+)\(' \
		"$srcdir/include/blkio.h" |
		sed -E 's/^.*[ *](blkioq?_[a-z0-9_]+)\(.*$/\1/')
[ "$nalias" -gt 0 ] || die "no functions found in include/blkio.h"
echo "man3: blkio.3 and $nalias aliases installed"

# Where man(1) is available, the alias must resolve to blkio(3).
if command -v man >/dev/null; then
	MANPATH=$stage$mandir MANWIDTH=80 man 3 blkioq_read 2>/dev/null |
		grep -q 'blkioq_do_io_interruptible' ||
		die "'man 3 blkioq_read' does not show blkio(3)"
	echo "man 3 blkioq_read: shows blkio(3)"
fi

echo "PASS"
