#!/usr/bin/env bash
# make bench: a CPU-bound program (tests/bench/program/cpubound.c) natively and under ntemu,
# then hello.exe's start-to-exit time and peak memory. Wall times are medians of RUNS runs.
#   tests/bench/run-bench.sh NTEMU NATIVE_EXE GUEST_EXE HELLO_EXE [SCALE]
set -eu
ntemu=$1 native=$2 guest=$3 hello=$4 scale=${5:-8}
runs=${RUNS:-3}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
seconds() { # command... -> wall seconds of one run (output to $out)
	local t0 t1
	t0=$(date +%s.%N)
	"$@" >"$out" 2>>"$errlog"
	t1=$(date +%s.%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f\n", b - a }'
}

out=$(mktemp) errlog=$(mktemp)
trap 'rm -f "$out" "$errlog"' EXIT

native_times=() ntemu_times=()
for _ in $(seq "$runs"); do native_times+=("$(seconds "$native" "$scale")"); done
native_out=$(cat "$out")
for _ in $(seq "$runs"); do ntemu_times+=("$(seconds "$ntemu" --quiet "$guest" "$scale")"); done
ntemu_out=$(tr -d '\r' <"$out")
native_t=$(printf '%s\n' "${native_times[@]}" | median)
ntemu_t=$(printf '%s\n' "${ntemu_times[@]}" | median)

echo "cpubound (scale $scale), median of $runs runs:"
printf '  native        %8.3f s   %s\n' "$native_t" "$native_out"
printf '  ntemu         %8.3f s   %s\n' "$ntemu_t" "$ntemu_out"
if [ "$native_out" != "$ntemu_out" ]; then
	echo "  OUTPUTS DIFFER: the guest did not compute what the native build computed"
	cat "$errlog"
	exit 1
fi
awk -v a="$ntemu_t" -v b="$native_t" 'BEGIN { printf "  slowdown      %8.1fx\n", a / b }'

hello_times=()
for _ in $(seq "$runs"); do hello_times+=("$(seconds "$ntemu" --quiet --verbose "$hello")"); done
peak=$(grep -o 'peak memory [0-9]* KiB' "$errlog" | tail -1)
printf 'hello.exe start to exit: %.3f s (median of %s), %s\n' \
	"$(printf '%s\n' "${hello_times[@]}" | median)" "$runs" "${peak:-peak memory unknown}"
