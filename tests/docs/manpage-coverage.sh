#!/bin/bash
# SPDX-License-Identifier: (MIT OR Apache-2.0)
#
# Man pages are part of the API: fail when something public is not
# documented.
#
#   manpage-coverage.sh SRCDIR [BLKIO_BENCH]
#
# Checks that
#  - every function declared in include/blkio.h has a tagged paragraph in
#    docs/blkio.3 (a .TP or .TQ line followed by ".B name" or ".BR name"),
#    and that every function-like tag there is really declared;
#  - every property named in the descriptor tables (src/props/*.c and
#    src/drivers/**/*.c, `.name = "..."`) has such a paragraph too;
#  - every function has a man page alias in docs/meson.build;
#  - when BLKIO_BENCH is given and exists, every long option its --help
#    prints appears in docs/blkio-bench.1.
# Exits 77 (skip) only when everything checkable passed but the property
# tables do not exist yet; finding no property in existing tables fails.

set -u

srcdir=${1:?usage: $0 SRCDIR [BLKIO_BENCH]}
bench=${2:-}
page=$srcdir/docs/blkio.3
header=$srcdir/include/blkio.h
failed=0

fail() {
	echo "FAIL: $*"
	failed=1
}

# Names documented in a roff page: the first word of the line after each
# .TP/.TQ when that line is .B/.BR/.BI, with escapes and "()" removed.
tagged_names() {
	awk '
		tag && /^\.B[RI]? / {
			name = $2
			gsub(/\\-/, "-", name)
			gsub(/\\f[BIRP]/, "", name)
			gsub(/"/, "", name)
			sub(/\(\)$/, "", name)
			print name
		}
		{ tag = ($0 ~ /^\.T[PQ]([ \t]|$)/) }
	' "$1" | sort -u
}

# Functions declared in the public header: a return type at the start of
# a line, then the name and "(".
header_functions() {
	grep -E '^[a-z][a-z0-9_ ]*[ *](blkioq?_[a-z0-9_]+)\(' "$header" |
		sed -E 's/^.*[ *](blkioq?_[a-z0-9_]+)\(.*$/\1/' | sort -u
}

# Property names in the descriptor tables, as design.md promises them.
property_names() {
	local files=()

	shopt -s nullglob globstar
	files=("$srcdir"/src/props/*.c "$srcdir"/src/drivers/**/*.c)
	shopt -u nullglob globstar
	[ ${#files[@]} -gt 0 ] || return 0
	grep -ohE '\.name = "[a-z-]+"' "${files[@]}" |
		sed -E 's/^\.name = "([a-z-]+)"$/\1/' | sort -u
}

[ -r "$page" ] || { echo "FAIL: $page missing"; exit 1; }
[ -r "$header" ] || { echo "FAIL: $header missing"; exit 1; }

documented=$(tagged_names "$page")
functions=$(header_functions)
nfunc=$(echo "$functions" | grep -c .)
[ "$nfunc" -gt 0 ] || fail "no functions found in $header"

for f in $functions; do
	grep -qxF "$f" <<<"$documented" ||
		fail "function $f has no tagged paragraph in docs/blkio.3"
	grep -qF "'$f'" "$srcdir/docs/meson.build" ||
		fail "function $f has no man page alias in docs/meson.build"
done
# The reverse: a tag that looks like a function must exist (libblkio's
# own page once documented blkioq_*_zone_all, which never existed).
while read -r t; do
	grep -qxF "$t" <<<"$functions" ||
		fail "docs/blkio.3 documents $t, which include/blkio.h lacks"
done < <(grep -E '^blkioq?_' <<<"$documented")
echo "functions: $nfunc declared, checked"

props_skipped=0
if [ -d "$srcdir/src/props" ] &&
   compgen -G "$srcdir/src/props/*.c" >/dev/null; then
	props=$(property_names)
	nprop=$(echo "$props" | grep -c .)
	[ "$nprop" -gt 0 ] ||
		fail "no property names found in src/props or src/drivers"
	for p in $props; do
		grep -qxF "$p" <<<"$documented" ||
			fail "property $p has no tagged paragraph in docs/blkio.3"
	done
	echo "properties: $nprop found, checked"
else
	echo "properties: the property tables (src/props/*.c) are not there yet"
	props_skipped=1
fi

if [ -n "$bench" ]; then
	if [ -x "$bench" ]; then
		benchpage=$srcdir/docs/blkio-bench.1
		if [ ! -r "$benchpage" ]; then
			fail "docs/blkio-bench.1 missing"
		else
			# Unescape \- so "\-\-iodepth" matches "--iodepth".
			text=$(sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' "$benchpage")
			opts=$("$bench" --help 2>&1 |
				grep -oE -- '--[a-z][a-z0-9-]*' | sort -u)
			[ -n "$opts" ] ||
				fail "$bench --help printed no long options"
			for o in $opts; do
				grep -qF -- "$o" <<<"$text" ||
					fail "blkio-bench option $o not in docs/blkio-bench.1"
			done
			echo "blkio-bench: $(echo "$opts" | grep -c .) options checked"
		fi
	else
		echo "blkio-bench: $bench not built, options not checked"
	fi
fi

[ $failed -eq 0 ] || exit 1
[ $props_skipped -eq 0 ] || exit 77
echo "PASS"
exit 0
