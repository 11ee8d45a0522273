#!/bin/sh
# The whole test suite, as CI runs it: a -Werror build and every CTest test
# (unit, scenarios, harness self-tests, exports, and the suites under
# tests/ that exist).  Needs root (mount namespaces).
set -eu
cd "$(dirname "$0")/.."
scripts/deps.sh test
build=${BUILD_DIR:-build-test}
cmake -S . -B "$build" -DSHAREDPATH_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)"
cd "$build"
ctest --output-on-failure -j1
