#!/bin/sh
# One bounded libFuzzer session for the meson 'fuzz' suite.
#   run-ci.sh FUZZER CORPUS WORKDIR SECONDS MAX_LEN
# New inputs go to WORKDIR/new (the committed CORPUS is only read), crash
# reproducers to WORKDIR/artifacts/.  Exits 99 on any crash, leak,
# sanitizer report or timeout.
set -eu
fuzzer=$1 corpus=$2 work=$3 secs=$4 max_len=$5
mkdir -p "$work/new" "$work/artifacts"
exec "$fuzzer" -max_total_time="$secs" -max_len="$max_len" -len_control=0 -timeout=60 -error_exitcode=99 \
	-rss_limit_mb=4096 -print_final_stats=1 \
	-artifact_prefix="$work/artifacts/" "$work/new" "$corpus"
