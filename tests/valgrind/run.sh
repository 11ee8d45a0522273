#!/bin/sh
# valgrind memcheck over the unit tests and every scenario, as CI runs it.
# Usage: tests/valgrind/run.sh BUILD_DIR
# The plugin's own code runs under memcheck; the system calls valgrind 3.19
# does not know run natively through newsys.so (see newsys.c).  Children
# are not traced (the plugin's CLONE_VM child, the sim's containers).
set -eu
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
log="$build/valgrind-logs"
if [ ! -f "$build/tests/vg-newsys.so" ]; then
  echo "valgrind: $build/tests/vg-newsys.so is missing (needs valgrind.h)" >&2
  exit 1
fi
rm -rf "$log"
mkdir -p "$log"
vg() {
  name=$1
  shift
  rc=0
  LD_PRELOAD="$build/tests/vg-newsys.so" valgrind -q --error-exitcode=99 \
      --leak-check=full --show-leak-kinds=definite,indirect,possible \
      --errors-for-leak-kinds=definite,indirect,possible \
      --trace-children=no --child-silent-after-fork=yes \
      --suppressions="$here/valgrind.supp" --log-file="$log/$name.log" \
      "$@" >"$log/$name.out" 2>&1 || rc=$?
  # 77: a scenario this kernel skips ('require'), cleanly.
  if [ "$rc" -eq 77 ] && [ ! -s "$log/$name.log" ]; then
    echo "valgrind: $name skipped ($(grep -m1 'skipped:' "$log/$name.out" |
      sed 's/.*skipped: //'))"
    return 0
  fi
  if [ "$rc" -ne 0 ]; then
    echo "valgrind: $name FAILED"
    cat "$log/$name.out" "$log/$name.log" | tail -40
    return 1
  fi
  if [ -s "$log/$name.log" ]; then
    echo "valgrind: $name reported:"
    head -60 "$log/$name.log"
    return 1
  fi
  echo "valgrind: $name clean"
}
status=0
vg unit "$build/tests/sharedpath-unit" || status=1
export SHAREDPATH_PLUGIN_MINOR0="$build/plugin/sharedpath-plugin-minor0.so"
export SHAREDPATH_PLUGIN_FAULTS="$build/plugin/sharedpath-plugin-faults.so"
for scn in "$here"/../scenarios/*.scn; do
  name=$(basename "$scn" .scn)
  # valgrind runs the plugin's CLONE_VM child as a fork; forked from a
  # multi-threaded process it reports the other threads' stacks as lost and
  # exits 99.  The 8-thread stress runs under ASan+UBSan instead.
  [ "$name" = stress ] && continue
  vg "scenario.$name" "$build/host-sim/sharedpath-sim" -q \
    --plugin "$build/plugin/sharedpath-plugin.so" run "$scn" || status=1
done
# The older kernels' ways (mount(2), the walk, fdinfo, mountinfo) on the
# scenarios that take every one of them.
for name in lifecycle options revoke escape; do
  vg "scenario.classic.$name" "$build/host-sim/sharedpath-sim" -q \
    --mechanism classic --plugin "$build/plugin/sharedpath-plugin.so" \
    run "$here/../scenarios/$name.scn" || status=1
done
vg demo "$build/host-sim/sharedpath-sim" -q \
  --plugin "$build/plugin/sharedpath-plugin.so" demo || status=1
exit $status
