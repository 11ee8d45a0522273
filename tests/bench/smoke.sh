#!/bin/sh
# Smoke test: a small bench run, on each mechanism, prints valid JSON
# with all keys; then a
# small batch with the state in a temp dir on a disk (created and removed
# by the bench).  No timing is asserted: the numbers belong in
# BENCHMARKS.md.
# Usage: smoke.sh SIM PLUGIN CHECKER
set -eu
sim=$1 plugin=$2 check=$3
for mech in new classic; do
  out=$("$sim" --plugin "$plugin" bench --containers 2 --paths 2 --rounds 50 \
        --by-hand-rounds 3 --mechanism "$mech" --json)
  printf '%s\n' "$out"
  printf '%s' "$out" | "$check" mechanism="$mech" containers=2 paths=2 \
    leftover_mounts=0 add_median_us add_p99_us remove_median_us \
    remove_p99_us floor_add_median_us floor_remove_median_us \
    add_ratio_vs_floor remove_ratio_vs_floor by_hand_add_median_us \
    by_hand_remove_median_us speedup_vs_by_hand mounts_per_path \
    mounts_per_path_host mounts_per_path_container \
    mounts_per_path_other_containers=0 batch=0
done

disk=${TMPDIR:-/var/tmp}
[ -d "$disk" ] || disk=/tmp
before=$(ls "$disk" | grep -c '^sharedpath-bench\.' || true)
out=$("$sim" --plugin "$plugin" bench --containers 1 --paths 2 --rounds 10 \
      --by-hand-rounds 0 --batch 3 --batch-rounds 2 --state-dir "$disk" --json)
printf '%s\n' "$out"
printf '%s' "$out" | "$check" containers=1 paths=2 leftover_mounts=0 batch=3 \
  batch_rounds=2 batch_add_median_us batch_start_median_us \
  batch_remove_median_us floor_batch_add_median_us \
  floor_batch_start_median_us floor_batch_remove_median_us \
  batch_add_ratio_vs_floor batch_start_ratio_vs_floor \
  batch_remove_ratio_vs_floor
printf '%s' "$out" | grep -q '"state_on_disk":true'
# The temp state dir is gone again.
after=$(ls "$disk" | grep -c '^sharedpath-bench\.' || true)
[ "$before" = "$after" ]
