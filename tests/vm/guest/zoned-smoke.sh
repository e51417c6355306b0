#!/bin/bash
# The zoned namespace is there and looks as configs/nvme.sh made it
# (host-managed, 8 MiB zones of 6 MiB capacity, all empty): a smoke test
# of the test world for the zone tests to come.
#
#   zoned-smoke.sh DEVICE
set -uo pipefail
dev=${1:?usage: zoned-smoke.sh DEVICE}
q=/sys/block/${dev#/dev/}/queue
failures=0

expect() {	# expect WHAT GOT WANT
	if [ "$2" = "$3" ]; then
		echo "PASS: $1 = $2"
	else
		echo "FAIL: $1 = $2, want $3"
		failures=$((failures + 1))
	fi
}

expect "$q/zoned" "$(cat "$q/zoned")" host-managed
expect "$q/nr_zones" "$(cat "$q/nr_zones")" 16
expect "$q/chunk_sectors" "$(cat "$q/chunk_sectors")" 16384
expect "$q/max_open_zones" "$(cat "$q/max_open_zones")" 4
expect "$q/max_active_zones" "$(cat "$q/max_active_zones")" 6
expect "char device /dev/ng${dev#/dev/nvme}" \
	"$(test -c "/dev/ng${dev#/dev/nvme}" && echo present)" present

echo "\$ blkzone report $dev"
report=$(blkzone report "$dev") || failures=$((failures + 1))
echo "$report" | sed 's/^/  /'
expect "zones reported" "$(echo "$report" | grep -c 'zcond')" 16
expect "empty zones" "$(echo "$report" | grep -c '(em)')" 16
expect "zone capacity (sectors)" \
	"$(echo "$report" | grep -o 'cap 0x[0-9a-f]*' | sort -u)" "cap 0x003000"
exit $((failures > 0))
