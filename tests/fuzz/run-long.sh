#!/bin/sh
# Longer fuzzing sessions, then merge what they found into the seeds.
#
#   tests/fuzz/run-long.sh [SECONDS] [BUILD_DIR]
#
# Runs fuzz-io and fuzz-props from BUILD_DIR (default build-fuzz, a
# build directory configured with CC=clang -Dfuzzers=true, see
# meson.build) for SECONDS each (default 600), one after the other.
# Each session starts from the committed corpus plus what earlier
# sessions kept in BUILD_DIR/tests/fuzz/long-<name>/; afterwards
# libFuzzer's -merge=1 adds to tests/fuzz/corpus-<io|props>/ only the
# inputs that reach new edges and do not crash the current library.  Crash reproducers are written to
# tests/fuzz/crashes/<name>-crash-*; the exit status is non-zero when a
# session crashed.
#
# Environment: BLKIO_TEST_DIR (scratch files; default /dev/shm), FUZZ_AVOID
# (known bugs to steer around, see README.md), FUZZ_JOBS (parallel
# processes per fuzzer, default 1).
set -u
secs=${1:-600}
src=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$src/../.." && pwd)
build=${2:-$top/build-fuzz}
jobs=${FUZZ_JOBS:-1}
status=0

ninja -C "$build" tests/fuzz/fuzz-io tests/fuzz/fuzz-props >/dev/null || exit 1
mkdir -p "$src/crashes"

for name in io props; do
	fuzzer=$build/tests/fuzz/fuzz-$name
	corpus=$src/corpus-$name
	work=$build/tests/fuzz/long-$name
	max_len=2048
	[ "$name" = props ] && max_len=1024
	mkdir -p "$work"

	echo "=== fuzz-$name: ${secs}s"
	if [ "$jobs" -gt 1 ]; then
		set -- -fork="$jobs" -ignore_crashes=1
	else
		set --
	fi
	"$fuzzer" "$@" -max_total_time="$secs" -max_len="$max_len" -len_control=0 -timeout=60 -error_exitcode=99 \
		-rss_limit_mb=4096 -print_final_stats=1 \
		-artifact_prefix="$src/crashes/fuzz-$name-" \
		"$work" "$corpus" 2>"$work.log"
	rc=$?
	grep -a -E '^(stat::|fuzz-(io|props):)' "$work.log"
	if [ $rc -ne 0 ]; then
		echo "fuzz-$name: crashed (exit $rc), see $work.log and $src/crashes/"
		grep -a -A40 -E 'FUZZ CHECK FAILED|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error' \
			"$work.log" | head -60
		status=1
	fi

	echo "=== fuzz-$name: merging new coverage into $corpus"
	before=$(ls "$corpus" | wc -l)
	# Edges only (no hit counters) keeps the committed corpus small; without
	# FUZZ_AVOID, inputs that hit a known bug crash and are left out.
	rm -rf "$work.merge-crashes"
	mkdir -p "$work.merge-crashes"
	env -u FUZZ_AVOID "$fuzzer" -merge=1 -use_counters=0 \
		-artifact_prefix="$work.merge-crashes/" \
		-max_len="$max_len" -timeout=60 "$corpus" "$work" \
		>"$work.merge.log" 2>&1 || echo "merge failed, see $work.merge.log"
	echo "fuzz-$name: corpus $before -> $(ls "$corpus" | wc -l) files," \
	     "$(cat "$corpus"/* | wc -c) bytes"
done
exit $status
