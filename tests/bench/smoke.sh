#!/bin/sh
# Smoke test: a small bench run prints valid JSON with all keys.
# Usage: smoke.sh SIM PLUGIN CHECKER
set -eu
sim=$1 plugin=$2 check=$3
out=$("$sim" --plugin "$plugin" bench --containers 2 --paths 2 --rounds 50 \
      --by-hand-rounds 3 --json)
printf '%s\n' "$out"
printf '%s' "$out" | "$check" containers=2 paths=2 leftover_mounts=0 \
  add_median_us add_p99_us remove_median_us remove_p99_us \
  floor_add_median_us floor_remove_median_us add_ratio_vs_floor \
  remove_ratio_vs_floor by_hand_add_median_us by_hand_remove_median_us \
  speedup_vs_by_hand mounts_per_path mounts_per_path_host \
  mounts_per_path_container mounts_per_path_other_containers=0
