#!/bin/sh
# Run every fuzz target for a bounded time from its seed corpus.
# Usage: tests/fuzz/run.sh BUILD_DIR [SECONDS_EACH]
# New inputs go to a scratch dir, never into the repository; a crash leaves
# its reproducer in BUILD_DIR/fuzz-artifacts/ and fails the run.
set -eu
build=$1
secs=${2:-20}
here=$(cd "$(dirname "$0")" && pwd)
art="$build/fuzz-artifacts"
mkdir -p "$art"
status=0
for t in bind opts state statefile spec; do
  scratch=$(mktemp -d)
  echo "fuzz-$t: ${secs}s"
  if ! "$build/tests/fuzz/fuzz-$t" -max_total_time="$secs" -timeout=10 \
      -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
      -artifact_prefix="$art/$t-" "$scratch" "$here/corpus/$t" \
      >"$art/$t.log" 2>&1; then
    echo "fuzz-$t FAILED; log: $art/$t.log"
    tail -40 "$art/$t.log"
    status=1
  else
    grep -E "stat::number_of_executed_units|cov:" "$art/$t.log" | tail -2
  fi
  rm -rf "$scratch"
done
exit $status
