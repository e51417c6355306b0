# shellcheck shell=bash
# Helpers for guest scripts (sourced; bash).  Devices are found through
# sysfs, never by name: controllers and namespaces are numbered in probe
# order (nsid 2 came up as nvme0n1 in some runs), so a controller is known
# by the serial number the configuration gave it and a namespace by nsid.

# wait_for SECONDS COMMAND...: retry COMMAND every 0.2 s until it succeeds.
wait_for() {
	local n=$(($1 * 5))
	shift
	until "$@"; do
		n=$((n - 1))
		[ $n -gt 0 ] || return 1
		sleep 0.2
	done
}

# nvme_ctrl SERIAL: the live controller (nvme0) with that serial number.
nvme_ctrl() {
	local c
	for c in /sys/class/nvme/nvme*; do
		[ -f "$c/serial" ] || continue
		[ "$(tr -d ' ' <"$c/serial")" = "$1" ] || continue
		[ "$(cat "$c/state")" = live ] || continue
		echo "${c##*/}"
		return 0
	done
	return 1
}

# nvme_ns CONTROLLER NSID: the block device (nvme0n2) of that namespace.
# QEMU's namespaces are private to their controller, so there is no
# multipath head: the block device sits under the controller in sysfs.
nvme_ns() {
	local b
	for b in /sys/class/nvme/"$1"/"$1"n*; do
		if [ -f "$b/nsid" ] && [ "$(cat "$b/nsid")" = "$2" ]; then
			echo "${b##*/}"
			return 0
		fi
	done
	return 1
}

# nvme_irqs: the sum, over all CPUs, of every NVMe queue's interrupt line
# in /proc/interrupts.  A poll queue has no line at all.
nvme_irqs() {
	awk '$NF ~ /^nvme[0-9]+q[0-9]+$/ {
		for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) s += $i
	} END { print s + 0 }' /proc/interrupts
}

# nvme_io_irqs: the same for the I/O queues only (nvmeXq1 and up): the
# admin queue (q0) takes the Identify commands an NVMe passthrough client
# sends at connect, which polling has nothing to do with.
nvme_io_irqs() {
	awk '$NF ~ /^nvme[0-9]+q[0-9]+$/ && $NF !~ /q0$/ {
		for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) s += $i
	} END { print s + 0 }' /proc/interrupts
}
