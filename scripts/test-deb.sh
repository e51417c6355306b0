#!/usr/bin/env bash
# The packaging stage of scripts/test.sh ("scripts/test.sh deb" runs it
# alone): build the Debian packages from the clean tree, check them with
# lintian, install them, run the autopkgtests and the consumer checks,
# switch to Debian's own libblkio and back, remove the packages, and check
# that no blkio package is left.
#
#   scripts/test-deb.sh LOG
#
# Writes one JSON line per check to LOG ({"name", "result", "duration"},
# the fields of meson's test log that scripts/test.sh counts): OK, FAIL,
# or SKIP where something this machine lacks is missing.  Needs root (it
# installs packages) and Debian's archive (build-dependencies, and trixie's
# libblkio for the checks against it, which are skipped without it).
set -euo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)
log=$(realpath -m "${1:?usage: $0 LOG}")
mkdir -p "$(dirname "$log")"
: >"$log"
stage_start=$SECONDS

ours=(libblkio1 libblkio-dev blkio-tools)
# The unprivileged user the package is built and tested as, as a build
# daemon would: tests that pass only as root must not pass here.
builder=nobody

record() {
	printf '{"name": "deb/%s", "result": "%s", "duration": %s}\n' \
		"$1" "$2" "$3" >>"$log"
}

# check NAME COMMAND...: COMMAND's output goes to $work/NAME.log (shown
# when it does not pass); exit 0 is OK, 77 SKIP, anything else FAIL.
# Returns COMMAND's status.  COMMAND runs as a job of its own, waited for:
# called in "cmd || rc=$?", a function would run with set -e off, and
# every line of the checks below counts on it to stop at a failure.
check() {
	local name=$1 rc=0 start=$SECONDS result=OK
	shift
	"$@" >"$work/$name.log" 2>&1 &
	wait $! || rc=$?
	case $rc in
	0) ;;
	77) result=SKIP ;;
	*) result=FAIL ;;
	esac
	record "$name" "$result" $((SECONDS - start))
	echo "=== deb: $name: $result ($((SECONDS - start)) s)"
	[ "$result" = OK ] || sed 's/^/    /' "$work/$name.log" | tail -40
	return "$rc"
}

skip() {
	record "$1" SKIP 0
	echo "=== deb: $1: SKIP ($2)"
}

blkio_packages() {
	dpkg -l | grep blkio || true
}

if [ "$(id -u)" -ne 0 ]; then
	skip packaging "installs packages: run as root"
	exit 0
fi
work=$(mktemp -d /tmp/blkio-deb.XXXXXX)
chmod 755 "$work"

# Whatever happens, leave no blkio package and no scratch directory.
cleanup() {
	if [ -n "$(blkio_packages)" ]; then
		DEBIAN_FRONTEND=noninteractive apt-get purge -y -q \
			"${ours[@]}" >/dev/null 2>&1 || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

# Packages of ours or Debian's left from before would be removed at the
# end: refuse rather than take them away.
clean_before() {
	local left
	left=$(blkio_packages)
	[ -z "$left" ] || {
		echo "blkio packages are installed already; remove them first:"
		echo "$left"
		return 1
	}
}
if ! check clean-before clean_before; then
	trap 'rm -rf "$work"' EXIT
	exit 0
fi

# debhelper and lintian, and the build-dependencies debian/control
# declares, from Debian's archive.
build_deps() {
	if ! command -v dh >/dev/null || ! command -v lintian >/dev/null ||
		! (cd "$top" && dpkg-checkbuilddeps) 2>/dev/null; then
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq
		apt-get install -y -qq --no-install-recommends \
			dpkg-dev debhelper lintian
		apt-get build-dep -y -qq "$top"
	fi
	(cd "$top" && dpkg-checkbuilddeps)
}
check build-deps build_deps || exit 0

# The clean tree: the files git knows or would add (no build directories),
# as they are in the work tree, built by $builder in a copy of its own.
srcdir=$work/src/blkio
build() {
	mkdir -p "$srcdir" "$work/home"
	(cd "$top" &&
		git ls-files -z --cached --others --exclude-standard |
		while IFS= read -r -d '' f; do
			# A file deleted but not yet committed is not in the tree.
			if [ -e "$f" ] || [ -L "$f" ]; then
				printf '%s\0' "$f"
			fi
		done | tar --null -T - -cf -) | tar -xf - -C "$srcdir"
	chown -R "$builder:" "$work/src" "$work/home"
	(cd "$srcdir" && runuser -u "$builder" -- env -i \
		PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$work/home" \
		LC_ALL=C.UTF-8 dpkg-buildpackage -us -uc -b) >"$work/build.out" 2>&1 || {
		tail -60 "$work/build.out"
		return 1
	}
	grep -E '^(Ok|Fail|Skipped|Timeout):' "$work/build.out"
	for p in "${ours[@]}"; do
		ls "$work/src/${p}"_*.deb
	done
}
check build build || exit 0
echo "    dh_auto_test: $(grep -E '^(Ok|Fail|Skipped|Timeout):' "$work/build.out" |
	tr -s ' ' | paste -sd ' ')"
debs=()
for p in "${ours[@]}"; do
	debs+=("$(ls "$work/src/${p}"_*.deb)")
done
version=$(dpkg-deb -f "${debs[0]}" Version)
echo "=== deb: built $version: ${debs[*]##*/}"

# No errors; each warning named and justified in debian/README.source.
run_lintian() {
	local rc=0 tag bad=0
	runuser -u "$builder" -- env HOME="$work/home" lintian --fail-on error \
		"$work/src/blkio_${version}_$(dpkg --print-architecture).changes" \
		>"$work/lintian.out" 2>&1 || rc=$?
	echo "lintian exit status $rc (its output follows this stage's line)"
	[ "$rc" = 0 ] || return 1
	while read -r tag; do
		grep -qF "\`$tag\`" "$srcdir/debian/README.source" || {
			echo "warning $tag is not justified in debian/README.source"
			bad=1
		}
	done < <(awk '/^W: / { print $3 }' "$work/lintian.out" | sort -u)
	return "$bad"
}
check lintian run_lintian || true
if [ -s "$work/lintian.out" ]; then
	sed 's/^/    lintian: /' "$work/lintian.out"
else
	echo "    lintian: no tags"
fi

install_ours() {
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${debs[@]}"
	for p in "${ours[@]}"; do
		[ "$(dpkg-query -W -f='${Version}' "$p")" = "$version" ] || {
			echo "$p is not at $version after the install"
			return 1
		}
	done
}
check install install_ours || exit 0

# What the packages put on the system: the library under libblkio's file
# name and soname, exporting exactly blkio.h's functions (and the two
# helpers), blkio.pc at the API version naming this implementation.
installed_files() {
	local lib pub
	lib=$(dpkg -L libblkio1 | grep '/libblkio\.so\.1\.5\.0$')
	readelf -d "$lib" | grep -q 'SONAME.*\[libblkio\.so\.1\]'
	pub=$(nm -D --defined-only "$lib" | awk '{ print $3 }' | grep -v '_$' | sort)
	diff <(echo "$pub") <(grep -oE '\bblkioq?_[a-z0-9_]+\(' /usr/include/blkio.h |
		tr -d '(' | sort -u)
	echo "$lib: $(echo "$pub" | wc -l) functions, as blkio.h declares"
	[ "$(pkg-config --modversion blkio)" = 1.5.0 ]
	[ "$(pkg-config --variable=implementation_version blkio)" = "${version#*+blkio}" ]
	echo "blkio.pc: 1.5.0, implementation_version ${version#*+blkio}"
	blkio-bench --version
}
check installed-files installed_files || true

# debian/tests/control's tests, run as autopkgtest runs them (from the
# source tree, AUTOPKGTEST_TMP, as an ordinary user without needs-root, and
# failed by output on stderr without allow-stderr), without autopkgtest.
autopkgtest_one() {
	local t=$1 restrictions=$2 rc=0 tmp
	tmp=$(mktemp -d "$work/autopkgtest.XXXXXX")
	chown "$builder:" "$tmp"
	(cd "$srcdir" && runuser -u "$builder" -- env AUTOPKGTEST_TMP="$tmp" \
		HOME="$work/home" "debian/tests/$t") 2>"$tmp.stderr" || rc=$?
	if [ "$rc" = 77 ] && [[ $restrictions == *skippable* ]]; then
		cat "$tmp.stderr"
		return 77
	fi
	[ "$rc" = 0 ] || {
		cat "$tmp.stderr"
		return 1
	}
	if [ -s "$tmp.stderr" ] && [[ $restrictions != *allow-stderr* ]]; then
		echo "output on stderr:"
		cat "$tmp.stderr"
		return 1
	fi
}
# "Tests: name" and "Restrictions: ..." of each paragraph.
awk -v RS= '{ t = ""; r = ""
	for (i = 1; i <= NF; i++) {
		if ($i == "Tests:") t = $(i + 1)
		if ($i == "Restrictions:") r = $(i + 1)
	}
	if (t != "") print t, r }' "$srcdir/debian/tests/control" >"$work/tests.list"
while read -r t restrictions; do
	check "autopkgtest-$t" autopkgtest_one "$t" "${restrictions:-}" || true
done <"$work/tests.list"

# A meson project gets blkio from this repository as a subproject, and
# from the installed package through pkg-config.
check consumer-meson-subproject \
	tests/consumer/meson-subproject.sh "$top" subproject || true
check consumer-meson-installed \
	tests/consumer/meson-subproject.sh "$top" installed || true

# Debian trixie's libblkio: programs built against its header run with the
# installed library and the other way round; then one apt-get command
# puts Debian's packages in place of ours, and one brings ours back.
debian_checks=(consumer-debian-header consumer-debian-library
	switch-to-debian switch-back)
if ! bench/fetch-reference --debs "$work/debian" >"$work/fetch.log" 2>&1; then
	for c in "${debian_checks[@]}"; do
		skip "$c" "Debian trixie's libblkio not fetched: $(tail -1 "$work/fetch.log")"
	done
else
	check consumer-debian-header \
		tests/consumer/debian-libblkio.sh "$top" "$work/debian" header || true
	check consumer-debian-library \
		tests/consumer/debian-libblkio.sh "$top" "$work/debian" library || true

	# blocking-io built against whichever -dev package is installed.
	build_example() {
		# shellcheck disable=SC2046  # pkg-config's flags are words
		cc -std=gnu11 -o "$1" examples/blocking-io.c \
			$(pkg-config --cflags --libs blkio)
	}
	run_example() {
		BLKIO_TEST_DIR=$work "$1"
	}
	switch_to_debian() {
		build_example "$work/built-against-ours"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
			--allow-downgrades "$work"/debian/libblkio1_*.deb \
			"$work"/debian/libblkio-dev_*.deb
		dpkg -l | grep blkio
		# One libblkio1, Debian's; blkio-tools stays and runs with it.
		[ "$(dpkg-query -W -f='${Version}' libblkio1)" = \
			"$(dpkg-deb -f "$work"/debian/libblkio1_*.deb Version)" ]
		[ -z "$(pkg-config --variable=implementation blkio)" ]
		[ "$(dpkg-query -W -f='${Version}' blkio-tools)" = "$version" ]
		(cd "$work" && TMPDIR=$work blkio-bench --runtime=1 --size=4M \
			--no-progress --output=text io_uring)
		run_example "$work/built-against-ours"
		build_example "$work/built-against-debian"
	}
	switch_back() {
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
			"${debs[0]}" "${debs[1]}"
		dpkg -l | grep blkio
		[ "$(dpkg-query -W -f='${Version}' libblkio1)" = "$version" ]
		[ "$(pkg-config --variable=implementation blkio)" = blkio ]
		run_example "$work/built-against-debian"
	}
	if check switch-to-debian switch_to_debian; then
		check switch-back switch_back || true
	else
		skip switch-back "switch-to-debian failed"
	fi
fi

remove() {
	DEBIAN_FRONTEND=noninteractive apt-get purge -y -q "${ours[@]}"
}
check remove remove || true
clean_after() {
	local left
	left=$(blkio_packages)
	[ -z "$left" ] || {
		echo "dpkg -l still lists blkio packages:"
		echo "$left"
		return 1
	}
	echo "dpkg -l | grep blkio: nothing"
}
check clean-after clean_after || true
echo "=== deb: stage took $((SECONDS - stage_start)) s"
