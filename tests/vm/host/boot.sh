#!/usr/bin/env bash
# Boot one guest configuration under QEMU (TCG) and let the guest run its
# setup and tests:
#
#   boot.sh CONFIG RUN_DIR KERNEL_DIR SRC_DIR BUILD_DIR [TEST...]
#
# CONFIG is a file of configs/ (README.md lists its variables); TEST names
# pick some of its tests (default: all).  RUN_DIR receives the disk images,
# console.log (\r stripped), qemu.rc and work/, the read-write share the
# guest sees as /run/vm: plan, main, env and results/NAME.{log,rc,secs}.
# With VM_SHELL=1 the guest opens a shell on this terminal after the setup
# instead of running the tests.
set -euo pipefail
conf=$1 run=$2 kernel=$3 src=$4 build=$5
shift 5

# Defaults a configuration may override.
machine=pc smp=2 mem=1024 append=""
early=() images=() qemu=() setup=true tests=() programs=()
# shellcheck source=/dev/null
source "$conf"

for p in "${programs[@]}"; do
	[ -x "$build/$p" ] || {
		echo "vm: $build/$p is not built (ninja -C $build)" >&2
		exit 1
	}
done

# The tests to run: all, or those named (an unknown name is an error).
selected=()
for t in "${tests[@]}"; do
	read -r name limit _ <<<"$t"
	if [ $# -eq 0 ] || printf '%s\n' "$@" | grep -qx "$name"; then
		selected+=("$t")
	fi
done
for want in "$@"; do
	printf '%s\n' "${selected[@]}" | grep -q "^$want " || {
		echo "vm: $(basename "$conf" .sh) has no test $want" >&2
		exit 2
	}
done

rm -rf "$run"
mkdir -p "$run/work"
for img in "${images[@]}"; do
	truncate -s "${img#*:}" "$run/${img%%:*}"
done

# The plan the guest's runner.sh sources: plain shell assignments.
VM_NAME=$(basename "$conf" .sh) VM_SRC=$src VM_BUILD=$build
VM_SETUP=$setup VM_TESTS=("${selected[@]}") VM_SHELL=${VM_SHELL:-0}
declare -p VM_NAME VM_SRC VM_BUILD VM_SETUP VM_TESTS VM_SHELL >"$run/work/plan"
printf 'exec /bin/bash %q /run/vm\n' "$src/tests/vm/guest/runner.sh" \
	>"$run/work/main"
printf '%s\n' setup "${selected[@]%% *}" >"$run/expected"
# Paths /init must keep visible in the chroot (see host/init).
printf '%s\n' "$src" "$build" >"$run/work/keep"

# Generous: under TCG guest time is about wall time; a test that hangs is
# stopped by its own timeout in the guest first.
limit=240
for t in "${selected[@]}"; do
	read -r name l _ <<<"$t"
	limit=$((limit + l + 10))
done

# shellcheck disable=SC2054 # the commas are qemu's
cmd=(qemu-system-x86_64
	# Never KVM: on this kind of host /dev/kvm exists but the guest hangs.
	-accel tcg -cpu max -machine "$machine" -m "$mem" -smp "$smp"
	"${early[@]}"
	-nographic -no-reboot -nodefaults -serial stdio
	-kernel "$kernel/vmlinuz" -initrd "$kernel/initramfs.cpio.gz"
	-append "console=ttyS0 panic=-1 quiet loglevel=4 $append"
	-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap
	-virtfs "local,path=$run/work,mount_tag=work,security_model=none"
	"${qemu[@]}")
cd "$run"
if [ "${VM_SHELL:-0}" = 1 ]; then
	exec "${cmd[@]}"
fi
rc=0
timeout -k 10 "$limit" "${cmd[@]}" </dev/null 2>&1 |
	tr -d '\r' >console.log || rc=$?
echo "$rc" >qemu.rc
