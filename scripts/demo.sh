#!/bin/sh
# Build sharedpath and run the full lifecycle demo under host-sim, in a
# private mount namespace (the machine's mounts are not touched).
set -eu
cd "$(dirname "$0")/.."
scripts/deps.sh build
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
exec build/host-sim/sharedpath-sim --plugin build/plugin/sharedpath-plugin.so demo
