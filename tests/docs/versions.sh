#!/bin/bash
# SPDX-License-Identifier: (MIT OR Apache-2.0)
#
# The two versions (meson.build: the project's, and api_version, the
# libblkio API it implements) say the same everywhere they are written
# by hand:
#
#   versions.sh SRCDIR VERSION API_VERSION
#
# - NEWS.md's newest entry is "blkio VERSION ..., libblkio API API_VERSION";
# - debian/changelog's newest entry is API_VERSION+blkioVERSION;
# - the man pages' headers name blkio VERSION;
# - debian/libblkio1.symbols lists exactly the functions of blkio.h at
#   API_VERSION, and libblkio's two C helpers as optional, which is what
#   src/libblkio.map exports.
set -u

src=${1:?usage: $0 SRCDIR VERSION API_VERSION}
version=${2:?usage: $0 SRCDIR VERSION API_VERSION}
api=${3:?usage: $0 SRCDIR VERSION API_VERSION}
failed=0

fail() {
	echo "FAIL: $*"
	failed=1
}

news=$(grep -m1 '^## ' "$src/NEWS.md")
[[ $news == "## blkio $version "*", libblkio API $api" ]] ||
	fail "NEWS.md's newest entry is '$news', not blkio $version, libblkio API $api"
echo "NEWS.md: $news"

changelog=$(head -1 "$src/debian/changelog")
[[ $changelog == "blkio ($api+blkio$version) "* ]] ||
	fail "debian/changelog starts '$changelog', not blkio ($api+blkio$version)"
echo "debian/changelog: $changelog"

for page in docs/blkio.3 docs/blkio-bench.1; do
	th=$(grep -m1 '^\.TH ' "$src/$page")
	grep -qF "\"blkio $version\"" <<<"$th" ||
		fail "$page: '$th' does not name \"blkio $version\""
done

symbols=$src/debian/libblkio1.symbols
header=$(grep -oE '\bblkioq?_[a-z0-9_]+\(' "$src/include/blkio.h" |
	tr -d '(' | sort -u)
listed=$(sed -n 's/^ \([a-z0-9_]*\)@Base .*/\1/p' "$symbols" | sort)
optional=$(sed -n 's/^ (optional)\([a-z0-9_]*\)@Base .*/\1/p' "$symbols" | sort)
exported=$(sed -n 's/^\t\t\([a-z0-9_]*\);$/\1/p' "$src/src/libblkio.map" | sort)
[ "$listed" = "$header" ] ||
	fail "debian/libblkio1.symbols and include/blkio.h differ:" \
		"$(diff <(echo "$listed") <(echo "$header") | grep '^[<>]')"
[ "$(sort <<<"$listed"$'\n'"$optional")" = "$exported" ] ||
	fail "debian/libblkio1.symbols and src/libblkio.map differ"
[ "$optional" = "$(grep '_$' <<<"$exported")" ] ||
	fail "the optional symbols are not libblkio's helpers (names ending in _)"
others=$(grep -E '^ .*@Base ' "$symbols" | grep -v "@Base $api\$")
[ -z "$others" ] || fail "symbols not at $api: $others"
echo "debian/libblkio1.symbols: $(grep -c . <<<"$listed") functions at $api" \
	"and $(grep -c . <<<"$optional") optional helpers"

[ $failed -eq 0 ] || exit 1
echo "PASS"
