#!/bin/bash
# SPDX-License-Identifier: MIT OR Apache-2.0
#
# Smoke test for blkio-bench: short runs of every workload on scratch
# files, JSON checked for libblkio's keys and ours, --verify catching a
# bad block, bad options rejected with usage, and no scratch file left
# behind.  A pass also means the runs used this build's library: the
# dynamic loader must resolve libblkio.so.1 to <libblkio> (not an
# installed libblkio, not the reference through LD_LIBRARY_PATH or
# LD_PRELOAD), and does so in a real run.
#
# Usage: blkio-bench-smoke.sh <path to blkio-bench> <path to libblkio>
#            [<project version> <libblkio API version>]
# With the versions (meson.build's), --version must print both.
set -u

BENCH=${1:?usage: $0 <blkio-bench> <libblkio.so> [<version> <api version>]}
LIB=${2:?usage: $0 <blkio-bench> <libblkio.so> [<version> <api version>]}
VERSION=${3:-}
API_VERSION=${4:-}
BASE=${BLKIO_TEST_DIR:-${TMPDIR:-/tmp}}
failures=0

if ! command -v python3 >/dev/null; then
	echo "SKIP: python3 is needed to parse the JSON output"
	exit 77
fi

# Whether this process may create an io_uring at all, asked of the kernel
# (the sysctl alone does not say: with io_uring_disabled=1, root may).
if ! why=$(python3 - <<'PY'
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
params = ctypes.create_string_buffer(120)  # struct io_uring_params
fd = libc.syscall(425, 1, params)          # __NR_io_uring_setup
if fd < 0:
    print(os.strerror(ctypes.get_errno()))
    sys.exit(1)
os.close(fd)
PY
); then
	echo "SKIP: io_uring_setup fails here ($why): blkio-bench cannot run"
	exit 77
fi

# The library blkio-bench will load, as the loader sees it now: every
# libblkio line (a preload shows as its own line) must be this build's.
want=$(readlink -f "$LIB")
libs=$(ldd "$BENCH" 2>&1 | awk '/libblkio/ { print ($3 != "" && $2 == "=>") ? $3 : $1 }')
if [ -z "$libs" ]; then
	echo "FAIL: ldd $BENCH names no libblkio:"
	ldd "$BENCH" 2>&1 | sed 's/^/    /'
	exit 1
fi
for lib in $libs; do
	if [ "$(readlink -f "$lib")" != "$want" ]; then
		echo "FAIL: blkio-bench would load $lib, not this build's $want"
		ldd "$BENCH" 2>&1 | grep libblkio | sed 's/^/    /'
		exit 1
	fi
done

WORK=$(mktemp -d "$BASE/blkio-bench-smoke.XXXXXX") || exit 1
trap 'rm -rf "$WORK"' EXIT
# Scratch files go here, so leftovers are easy to spot.
SCRATCH="$WORK/scratch"
mkdir "$SCRATCH"
export TMPDIR="$SCRATCH"

fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}

# Common options: small scratch file, a watchdog loose enough for a loaded
# CI machine, no status line.
COMMON=(--runtime=1 --size=8M --completion-timeout-ms=20000 --no-progress)

# Check the JSON of runs given as <name>:<threads>:<verify>: it parses, has
# libblkio's keys and ours in the aggregate and in each per-thread object,
# something completed, and the numbers are consistent.  One python3 for all
# files: interpreter start-up dominates on a loaded machine.
check_json() {
	python3 - "$WORK" "$@" <<'PY'
import json, sys
keys = ["kiops", "gips", "min_lat_us", "mean_lat_us", "max_lat_us", "calls",
        "min_completions", "mean_completions", "max_completions",
        "ios", "reads", "writes", "runtime_s", "cpu_user_s", "cpu_sys_s",
        "cpu_us_per_io", "lat_percentiles_us"]
pcts = ["50", "90", "99", "99.9", "99.99"]

def check(obj, where, verify):
    for k in keys:
        assert k in obj, f"{where}: missing {k}"
    assert obj["ios"] > 0 and obj["kiops"] > 0, f"{where}: nothing completed"
    assert obj["calls"] > 0, f"{where}: no calls"
    assert obj["reads"] + obj["writes"] == obj["ios"], f"{where}: counts"
    assert obj["min_lat_us"] <= obj["mean_lat_us"] <= obj["max_lat_us"], \
        f"{where}: latency order"
    vals = [obj["lat_percentiles_us"][k] for k in pcts]
    assert vals == sorted(vals), f"{where}: percentiles not monotonic {vals}"
    assert obj["min_lat_us"] <= vals[0] and vals[-1] <= obj["max_lat_us"], \
        f"{where}: percentiles outside min..max"
    if verify:
        assert "verified_reads" in obj, f"{where}: missing verified_reads"

bad = 0
for job in sys.argv[2:]:
    name, threads, verify = job.split(":")
    threads, verify = int(threads), verify == "1"
    try:
        with open(f"{sys.argv[1]}/{name}.out") as f:
            doc = json.load(f)
        check(doc["aggregate"], f"{name}: aggregate", verify)
        assert len(doc["threads"]) == threads, f"{name}: thread count"
        for i, t in enumerate(doc["threads"]):
            check(t, f"{name}: thread {i}", verify)
        assert doc["config"]["num_threads"] == threads
        if verify:
            v, c = doc["verify"], doc["config"]
            assert v["filled_blocks"] == c["capacity"] // c["blocksize"], \
                f"{name}: fill did not cover the target"
            assert v["errors"] == 0
    except (OSError, ValueError, KeyError, AssertionError) as e:
        print(f"FAIL: {name}: {type(e).__name__}: {e}")
        bad += 1
sys.exit(1 if bad else 0)
PY
}

# run <name> <expected status> <args...>: output in $WORK/<name>.{out,err}
run() {
	local name=$1 want=$2
	shift 2
	"$BENCH" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err"
	local rc=$?
	if [ "$rc" != "$want" ]; then
		fail "$name: exit status $rc, expected $want"
		sed 's/^/    /' "$WORK/$name.err"
		return 1
	fi
}

# The workloads, concurrently to keep the test short.  The loader logs
# what the first one really initialises (checked below).
# shellcheck disable=SC2162  # "read" is the job's name, not the builtin
LD_DEBUG=files LD_DEBUG_OUTPUT="$WORK/ld" run read 0 "${COMMON[@]}" \
	--readwrite=read io_uring &
run write 0 "${COMMON[@]}" --readwrite=write --num-threads=2 io_uring &
run randread 0 "${COMMON[@]}" --readwrite=randread --iodepth=8 io_uring &
run randwrite 0 "${COMMON[@]}" --readwrite=randwrite --iodepth=4 --poll \
	io_uring &
run verify 0 "${COMMON[@]}" --readwrite=randrw --rwmixread=70 --verify \
	--iodepth=8 --num-threads=2 io_uring &
run text 0 "${COMMON[@]}" --readwrite=randread --output=text io_uring &
run block 0 "${COMMON[@]}" --readwrite=randread --iodepth=4 --wait=block \
	io_uring &
run vmm 0 "${COMMON[@]}" --readwrite=randrw --verify --iodepth=8 --wait=vmm \
	io_uring &
wait

# Exactly this build's library was initialised in the read run.
ran=$(sed -n 's/.*calling init: \(.*libblkio[^ ]*\).*/\1/p' "$WORK"/ld.* 2>/dev/null |
	sort -u)
if [ -z "$ran" ]; then
	fail "read: no libblkio initialised according to LD_DEBUG"
fi
for lib in $ran; do
	[ "$(readlink -f "$lib")" = "$want" ] ||
		fail "read: ran with $lib, not this build's $want"
done
rm -f "$WORK"/ld.*

check_json read:1:0 write:2:0 randread:1:0 randwrite:1:0 verify:2:1 \
	block:1:0 vmm:1:1 || fail "JSON output"
grep -q '"wait": "block"' "$WORK/block.out" || fail "block: wait mode not reported"
grep -q '"wait": "vmm"' "$WORK/vmm.out" || fail "vmm: wait mode not reported"
grep -q '"wait": "poll"' "$WORK/randwrite.out" || fail "--poll: wait mode not reported"
grep -q '"wait": "event"' "$WORK/read.out" || fail "default wait mode is not event"
grep -q kIOPS "$WORK/text.out" || fail "text: no kIOPS in the summary"
grep -q '^{' "$WORK/text.out" && fail "text: JSON in text output"

# A stop signal ends the run early with valid results.
"$BENCH" --runtime=60 --size=8M --no-progress io_uring \
	>"$WORK/signal.out" 2>"$WORK/signal.err" &
pid=$!
sleep 1
kill -TERM "$pid"
wait "$pid"
rc=$?
[ "$rc" = 0 ] || fail "signal: exit status $rc, expected 0"
grep -q '"stopped_early": true' "$WORK/signal.out" ||
	fail "signal: stopped_early not reported"
grep -q 'Stopped early by a signal' "$WORK/signal.err" ||
	fail "signal: no message on stderr"

# --verify reports a block that was never written, with its offset.
truncate -s 1M "$WORK/zero.img"
if run mismatch 2 --runtime=1 --readwrite=randread --verify --no-fill \
	io_uring path="$WORK/zero.img"; then
	grep -q 'verify failed at offset [0-9]' "$WORK/mismatch.err" ||
		fail "mismatch: no offset in the message"
	[ -s "$WORK/mismatch.out" ] && fail "mismatch: results printed anyway"
fi

# Bad usage: exit 1, message and usage on stderr, nothing on stdout.
bad_args=(
	"--num-threads=0 io_uring"
	"--iodepth=4294967296 io_uring"
	"--blocksize=abc io_uring"
	"--runtime=0 io_uring"
	"--readwrite=sideways io_uring"
	"--no-such-option io_uring"
	"--rwmixread=50 io_uring"
	"--output=xml io_uring"
	"--wait=sometimes io_uring"
	"--poll-queues --wait=event io_uring"
	"io_uring path"
	""
)
for args in "${bad_args[@]}"; do
	# shellcheck disable=SC2086
	"$BENCH" $args >"$WORK/bad.out" 2>"$WORK/bad.err"
	rc=$?
	[ "$rc" = 1 ] || fail "'$args': exit status $rc, expected 1"
	grep -q '^Usage:' "$WORK/bad.err" || fail "'$args': no usage on stderr"
	[ -s "$WORK/bad.out" ] && fail "'$args': output on stdout"
done
"$BENCH" --help >"$WORK/help.out" 2>&1 || fail "--help: non-zero exit"
grep -q '^Usage:' "$WORK/help.out" || fail "--help: no usage"

# --version: the project's release and the API it implements, exactly.
if [ -n "$VERSION" ]; then
	want_version="blkio-bench (blkio) $VERSION
libblkio API $API_VERSION"
	got_version=$("$BENCH" --version 2>&1) ||
		fail "--version: non-zero exit"
	[ "$got_version" = "$want_version" ] ||
		fail "--version printed '$got_version', not '$want_version'"
fi

# linux-aio: a scratch file without path=/fd=, the same JSON, and the note
# about buffered AIO exactly when direct=false.
AIO_NOTE='linux-aio with direct=false: buffered AIO may block in io_submit'
run aio 0 "${COMMON[@]}" --readwrite=randread --iodepth=8 --wait=block \
	linux-aio &
run aio-text 0 "${COMMON[@]}" --readwrite=randread --iodepth=4 \
	--output=text linux-aio &
# O_DIRECT needs a file system that has it (tmpfs only since Linux 6.6).
"$BENCH" "${COMMON[@]}" --readwrite=randread --iodepth=4 --output=text \
	linux-aio direct=true >"$WORK/aio-direct.out" 2>"$WORK/aio-direct.err" &
aio_direct=$!
wait "$aio_direct"
rc=$?
wait
if [ "$rc" != 0 ]; then
	if grep -q 'unable to connect: Invalid argument' "$WORK/aio-direct.err"; then
		echo "note: no O_DIRECT in $SCRATCH; linux-aio direct=true not checked"
	else
		fail "linux-aio direct=true: exit status $rc"
		sed 's/^/    /' "$WORK/aio-direct.err"
	fi
	: >"$WORK/aio-direct.out"
fi
if [ -s "$WORK/aio.out" ]; then
	check_json aio:1:0 || fail "linux-aio: JSON output"
	grep -q '"scratch_file": true' "$WORK/aio.out" ||
		fail "linux-aio: no scratch file"
	grep -q '"driver": "linux-aio"' "$WORK/aio.out" ||
		fail "linux-aio: driver not reported"
	grep -q "note: $AIO_NOTE" "$WORK/aio.err" ||
		fail "linux-aio: buffered-AIO note not on stderr with JSON output"
	grep -q 'note:' "$WORK/aio.out" && fail "linux-aio: note in the JSON"
fi
if [ -s "$WORK/aio-text.out" ]; then
	grep -q '^linux-aio (scratch file):' "$WORK/aio-text.out" ||
		fail "linux-aio text: no scratch file in the summary"
	grep -q "^note: $AIO_NOTE" "$WORK/aio-text.out" ||
		fail "linux-aio text: buffered-AIO note missing"
fi
if [ -s "$WORK/aio-direct.out" ]; then
	grep -q kIOPS "$WORK/aio-direct.out" ||
		fail "linux-aio direct=true: no kIOPS in the summary"
	grep -q 'note:' "$WORK/aio-direct.out" "$WORK/aio-direct.err" &&
		fail "linux-aio direct=true: note printed"
fi

leftover=$(ls -A "$SCRATCH")
[ -z "$leftover" ] || fail "scratch files left behind: $leftover"

if [ "$failures" != 0 ]; then
	echo "$failures failure(s)"
	exit 1
fi
echo "PASS"
