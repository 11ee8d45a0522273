#!/bin/sh
# The whole test suite, as CI runs it (needs root: mount namespaces):
#  1. a -Werror build and every CTest test (unit, scenarios, harness
#     self-tests, exports, and the suites under tests/ that exist), then
#     the same suite as on the kernels engines run (tests/kernels: kernel
#     6.6, 5.15, 5.10, 5.4 and 4.19 under a launcher, and Debian 12's
#     own 6.1 in a VM, which runs in the background meanwhile and reports
#     at the end), with a table of what passed where;
#  2. the same suite built with ASan+UBSan (gcc);
#  3. valgrind memcheck over the unit tests, the scenarios and the demo;
#  4. each libFuzzer target (clang) for SHAREDPATH_FUZZ_SECONDS (20) each.
# Build dirs: $BUILD_DIR (default build-test), $BUILD_DIR-asan, -fuzz.
set -eu
cd "$(dirname "$0")/.."
scripts/deps.sh test
build=${BUILD_DIR:-build-test}
secs=${SHAREDPATH_FUZZ_SECONDS:-20}
jobs=$(nproc)
t0=$(date +%s)
step() { printf '\n==== %s (at %ss)\n' "$*" "$(($(date +%s) - t0))"; }
# A skipped kernel run (no qemu, no kernel package) fails: it proves
# nothing.  kernel_runs NAME RC
kernel_runs() {
  [ "$2" -ne 77 ] || { echo "$1: a run was skipped (above): not proven" >&2; exit 1; }
  [ "$2" -eq 0 ] || { echo "$1: the suite failed (table above)" >&2; exit 1; }
}

step "build and test (-Werror)"
cmake -S . -B "$build" -DSHAREDPATH_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$jobs"
(cd "$build" && ctest --output-on-failure -j1)

step "the suite on older kernels (tests/kernels)"
# Debian 12's 6.1 in a VM takes minutes under TCG and about one core: it
# runs in the background (its own session, ended with us) from here on,
# and reports after the rest.
mkdir -p "$build/tests/kernels/runs"
vmlog=$build/tests/kernels/runs/ci-vm.log
setsid tests/kernels/run-all.sh "$build" vm >"$vmlog" 2>&1 &
vm=$!
# (qemu runs under timeout(1), in a process group of its own: the session
# is what holds them all.)
trap 'pkill -TERM -s "$vm" 2>/dev/null || true' EXIT
rc=0
tests/kernels/run-all.sh "$build" 6.6 5.15 5.10 5.4 4.19 || rc=$?
kernel_runs "kernel profiles" $rc

step "ASan+UBSan build and test"
cmake -S . -B "$build-asan" -DSHAREDPATH_WERROR=ON -DSHAREDPATH_SANITIZE=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build-asan" -j"$jobs" >/dev/null
(cd "$build-asan" && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j1)

step "valgrind memcheck"
tests/valgrind/run.sh "$build"

step "libFuzzer, ${secs}s per target"
CC=clang cmake -S . -B "$build-fuzz" -DSHAREDPATH_WERROR=ON -DSHAREDPATH_FUZZ=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build-fuzz" --target fuzz-targets -j"$jobs" >/dev/null
tests/fuzz/run.sh "$build-fuzz" "$secs"
step "the suite on Debian 12's 6.1 kernel (the VM started above)"
rc=0
wait "$vm" || rc=$?
trap - EXIT
cat "$vmlog"
kernel_runs "kernel.vm-6.1" $rc
step "all passed"
