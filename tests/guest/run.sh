#!/usr/bin/env bash
# Run the guest programs under ntemu and compare with their expectations.
#   tests/guest/run.sh NTEMU GUESTDIR [NAME...]
# For each tests/guest/NAME.run (bash: ARGS=(...), OPTS=(...) for ntemu, EXIT=N, and
# PROGRAM=system32/X.exe for a program of the system image in $NTEMU_SYSROOT instead of a
# built one), runs GUESTDIR/NAME.exe with --strict in a fresh empty C: root and compares stdout with NAME.out,
# stderr with NAME.err when that exists (carriage returns ignored: the CRT writes CRLF in text
# mode), and the exit status with EXIT. Ends with "N passed, N failed".
set -u
ntemu=$(realpath "$1")
guestdir=$(realpath "$2")
shift 2
here=$(cd "$(dirname "$0")" && pwd)
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
	for f in "$here"/*.run; do names+=("$(basename "$f" .run)"); done
fi

passed=0 failed=0
for name in "${names[@]}"; do
	ARGS=() OPTS=() EXIT=0 PROGRAM=
	# shellcheck disable=SC1090
	source "$here/$name.run"
	program=$guestdir/$name.exe
	[ -z "$PROGRAM" ] || program=${NTEMU_SYSROOT:?PROGRAM needs NTEMU_SYSROOT}/$PROGRAM
	root=$(mktemp -d)
	out=$(mktemp) err=$(mktemp)
	(cd "$root" && timeout 120 "$ntemu" --strict "${OPTS[@]}" "$program" "${ARGS[@]}" >"$out" 2>"$err")
	status=$?
	problems=()
	[ "$status" -eq "$EXIT" ] || problems+=("exit status $status, expected $EXIT")
	if ! diff <(tr -d '\r' <"$out") "$here/$name.out" >/dev/null; then
		problems+=("stdout differs:"$'\n'"$(diff <(tr -d '\r' <"$out") "$here/$name.out" | head -20)")
	fi
	if [ -f "$here/$name.err" ] && ! diff <(tr -d '\r' <"$err") "$here/$name.err" >/dev/null; then
		problems+=("stderr differs:"$'\n'"$(diff <(tr -d '\r' <"$err") "$here/$name.err" | head -20)")
	fi
	if [ ${#problems[@]} -eq 0 ]; then
		echo "PASS $name"
		passed=$((passed + 1))
	else
		echo "FAIL $name"
		printf '  %s\n' "${problems[@]}"
		echo "  stderr (first lines):"
		head -5 "$err" | sed 's/^/    /'
		failed=$((failed + 1))
	fi
	rm -rf "$root" "$out" "$err"
done
echo "guest: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
