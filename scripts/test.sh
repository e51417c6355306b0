#!/usr/bin/env bash
# Install what is missing, build, and run every test: the suite as built,
# again under ASan+UBSan, under valgrind, the threaded tests under TSan, the
# fuzzers for a bounded time and a smoke run of each benchmark script.
# Ends with one line "N passed, N failed, N skipped".
#
#   scripts/test.sh            everything (what CI runs)
#   scripts/test.sh quick      the plain build's suite only
#   scripts/test.sh vm         the VM test world only (tests/vm/README.md)
#   scripts/test.sh deb        the Debian packages only (scripts/test-deb.sh)
set -uo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)
mode=${1:-all}
logs=()

scripts/install-deps.sh || exit 1

# Stopped from outside (.ci/run's overall timeout): bash runs this only
# once the current meson has stopped its tests (meson passes SIGTERM on,
# and their traps clean up), then stops instead of starting the next stage.
trap 'echo "=== scripts/test.sh: stopped by a signal"; exit 143' TERM INT HUP

# meson_test BUILD_DIR LOGBASE [meson test args...]
meson_test() {
	local dir=$1 base=$2
	shift 2
	echo "=== $base: meson test -C $dir $*"
	meson test -C "$dir" --no-rebuild --print-errorlogs --logbase "$base" "$@"
	# With --wrapper, meson appends the wrapper's name to the log's.
	logs+=("$dir/meson-logs/$base")
}

# setup BUILD_DIR [meson setup args...]: configure (once) and build.
# Warnings are errors here (CI runs this script), not in a user's build:
# a newer compiler's new warning must not break building a release.  A
# directory configured earlier (by quickstart.sh, say) is switched over.
setup() {
	local dir=$1
	shift
	if [ ! -f "$dir/build.ninja" ]; then
		meson setup "$dir" -Dwerror=true "$@" >"$dir.setup.log" 2>&1 || {
			cat "$dir.setup.log"
			return 1
		}
	else
		meson configure "$dir" -Dwerror=true >"$dir.setup.log" 2>&1 || {
			cat "$dir.setup.log"
			return 1
		}
	fi
	ninja -C "$dir" >"$dir.build.log" 2>&1 || {
		tail -50 "$dir.build.log"
		return 1
	}
}

build_failures=0
stage() {
	# stage NAME BUILD_DIR "SETUP ARGS" [meson test args...]
	local name=$1 dir=$2 args=$3
	shift 3
	# shellcheck disable=SC2086
	if ! setup "$dir" $args; then
		echo "=== $name: BUILD FAILED"
		build_failures=$((build_failures + 1))
		return
	fi
	meson_test "$dir" "$name" "$@"
}

# The reference libblkio 1.5.0 (Debian trixie's, unpacked into the build
# directory, never installed) for the differential tests; without it they
# exit 77 and say why.
if [ -z "${BLKIO_REF_LIBDIR:-}" ] &&
	ref=$(bench/fetch-reference --build-dir "$top/build"); then
	export BLKIO_REF_LIBDIR=$ref
fi

[ "$mode" = vm ] || [ "$mode" = deb ] ||
	stage plain build "" --no-suite bench --no-suite fuzz

if [ "$mode" = all ]; then
	# Sanitizer and valgrind runs use smaller load tests.
	export BLKIO_TEST_SCALE=small
	stage asan build-asan "-Db_sanitize=address,undefined -Db_lundef=false" \
		--no-suite bench --no-suite fuzz --no-suite install --no-suite seam
	# Programs only: the scripts (differential runs, tool smoke tests,
	# docs, install) would put bash itself under valgrind.
	meson_test build valgrind --no-suite bench --no-suite fuzz \
		--no-suite install --no-suite tools --no-suite docs --no-suite seam \
		--no-suite examples-script \
		--no-suite fault --no-suite api-differential \
		--no-suite io-differential --no-suite sysctl \
		--wrapper "$top/scripts/valgrind-wrapper.sh" --timeout-multiplier 10
	CC=clang stage tsan build-tsan "-Db_sanitize=thread -Db_lundef=false" \
		--suite robust --suite unit
	CC=clang stage fuzz build-fuzzers \
		"-Dfuzzers=true -Db_sanitize=address,undefined -Db_lundef=false" \
		--suite fuzz
	unset BLKIO_TEST_SCALE
	meson_test build bench --benchmark --suite bench
fi

# The guest tests under QEMU (tests/vm): devices this machine lacks (NVMe
# poll queues, zoned namespaces).  tests/vm/run installs what it needs and
# writes a JSON log in meson's format; it skips (one SKIP) only when qemu
# or the guest kernel cannot be had.
if [ "$mode" = all ] || [ "$mode" = vm ]; then
	if setup build; then
		echo "=== vm: tests/vm/run -b build"
		tests/vm/run -b build -l build/meson-logs/vm.json
		logs+=("build/meson-logs/vm")
	else
		echo "=== vm: BUILD FAILED"
		build_failures=$((build_failures + 1))
	fi
fi

# The Debian packages (debian/): built from the clean tree, installed,
# their autopkgtests and the consumer checks run, removed again.  The
# script logs its checks as JSON lines, counted like meson's; it exits
# non-zero only when it breaks itself.
if [ "$mode" = all ] || [ "$mode" = deb ]; then
	echo "=== deb: scripts/test-deb.sh"
	if ! scripts/test-deb.sh build/meson-logs/deb.json; then
		echo "=== deb: scripts/test-deb.sh stopped on an error"
		build_failures=$((build_failures + 1))
	fi
	logs+=("build/meson-logs/deb")
fi

python3 - "$build_failures" "${logs[@]}" <<'PY'
import glob, json, sys
passed = failed = skipped = 0
failed += int(sys.argv[1])
for base in sys.argv[2:]:
    paths = sorted(glob.glob(base + ".json") + glob.glob(base + "-*.json"))
    if not paths:
        failed += 1
        print(f"missing test log {base}.json")
        continue
    for line in open(paths[0]):
        r = json.loads(line).get("result")
        if r in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif r == "SKIP":
            skipped += 1
        else:
            failed += 1
print(f"{passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed else 0)
PY
