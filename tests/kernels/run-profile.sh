#!/bin/sh
# The whole CTest suite of a build, as on an older kernel.
# Usage: run-profile.sh PROFILE BUILD_DIR [NAME]
#   PROFILE: 6.6 5.15 5.10 5.4 4.19 (under sharedpath-kernel-run), or
#   host (the running kernel, no launcher: the reference row, and what
#   the VM runs);  NAME: of the run (default PROFILE).
#
# Runs every test but the kernel runs themselves (label `kernels`), the
# bench smoke and the mount-table fixture, whose check this script does
# itself around the run.  The run has a CTest directory of its own,
# BUILD/tests/kernels/runs/NAME, so its logs never mix with an outer
# ctest's.  Prints CTest's output, then one line
#   kernel NAME: PASSED/TOTAL passed in SECONDSs, failing: TEST...
# and writes BUILD/tests/kernels/runs/NAME/summary: that line, then per
# failing test "NAME<TAB>STATUS<TAB>first error line".  Exit 0 if every
# test passed, 1 if not.
set -eu
[ $# -eq 2 ] || [ $# -eq 3 ] ||
  { echo "usage: $0 PROFILE BUILD_DIR [NAME]" >&2; exit 2; }
profile=$1
build=$(cd "$2" && pwd)
name=${3:-$1}
here=$(cd "$(dirname "$0")" && pwd)
run=$build/tests/kernels/sharedpath-kernel-run
case "$profile" in
host) launch="" ;;
6.6 | 5.15 | 5.10 | 5.4 | 4.19)
  [ -x "$run" ] || { echo "$run is missing: build first" >&2; exit 1; }
  launch="$run --kernel $profile --" ;;
*) echo "unknown profile '$profile'" >&2; exit 2 ;;
esac
dir=$build/tests/kernels/runs/$name
# Emptied, not removed: in the VM it is the mount point of the only
# writable share.
mkdir -p "$dir"
find "$dir" -mindepth 1 -maxdepth 1 -exec rm -rf {} +
printf 'subdirs("%s")\n' "$build" >"$dir/CTestTestfile.cmake"

"$here/../check-mountinfo.sh" save "$dir/mountinfo.before"
start=$(date +%s)
set +e
# shellcheck disable=SC2086
$launch ctest --test-dir "$dir" -LE '^kernels$' \
  -E '^(bench\.smoke|mountinfo\.(save|check))$' -FA '^machine$' \
  --output-on-failure -j1 >"$dir/ctest.out" 2>&1
set -e
secs=$(($(date +%s) - start))
cat "$dir/ctest.out"
mounts=ok
"$here/../check-mountinfo.sh" check "$dir/mountinfo.before" || mounts=changed

"$here/summarize.sh" "$name" "$dir" "$secs" "$mounts" >"$dir/summary"
cat "$dir/summary"
head -1 "$dir/summary" | grep -q ', failing: -$' && [ "$mounts" = ok ]
