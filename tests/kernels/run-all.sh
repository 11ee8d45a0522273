#!/bin/sh
# Every kernel run of a build, and a table of what passes where.
# Usage: run-all.sh BUILD_DIR [RUN]...
#   RUN: host (the running kernel), 6.6 5.15 5.10 5.4 4.19 (profiles under
#   sharedpath-kernel-run), vm (Debian 12's 6.1 in a VM); default all.
# Each run's output goes to BUILD/tests/kernels/runs/NAME/log; then the
# table (kernel, passed/total, seconds, failing tests) and, per kernel,
# each failing test with its first error line.  Exit 0 if every run
# passed, 1 if one failed, 77 if none failed but one was skipped.
set -eu
[ $# -ge 1 ] || { echo "usage: $0 BUILD_DIR [RUN]..." >&2; exit 2; }
build=$(cd "$1" && pwd)
shift
here=$(cd "$(dirname "$0")" && pwd)
[ $# -gt 0 ] || set -- host 6.6 5.15 5.10 5.4 4.19 vm
runs=$build/tests/kernels/runs
mkdir -p "$runs"
failed=0 skipped=0
for r in "$@"; do
  case "$r" in
  vm) name=vm-6.1 cmd="$here/vm/run-vm.sh $build" ;;
  host | 6.6 | 5.15 | 5.10 | 5.4 | 4.19) name=$r cmd="$here/run-profile.sh $r $build" ;;
  *) echo "unknown run '$r'" >&2; exit 2 ;;
  esac
  printf '%s ... ' "$name"
  set +e
  $cmd >"$runs/$name.log" 2>&1
  rc=$?
  set -e
  mkdir -p "$runs/$name"
  mv "$runs/$name.log" "$runs/$name/log"
  case $rc in
  0) echo passed ;;
  77) skipped=1
      echo "skipped: $(sed -n 's/.*skipped: //p' "$runs/$name/log" | tail -1)"
      echo "kernel $name: skipped: $(sed -n 's/.*skipped: //p' "$runs/$name/log" | tail -1)" \
        >"$runs/$name/summary" ;;
  *) failed=1
     echo "failed (exit $rc)"
     [ -s "$runs/$name/summary" ] ||
       echo "kernel $name: did not finish: $(tail -1 "$runs/$name/log")" >"$runs/$name/summary" ;;
  esac
done

uname_r=$(uname -r)
echo
printf '%-10s %-8s %-6s %s\n' kernel passed time failing
for r in "$@"; do
  name=$r
  [ "$r" = vm ] && name=vm-6.1
  label=$name
  [ "$r" = host ] && label="host"
  line=$(head -1 "$runs/$name/summary")
  case "$line" in
  *": skipped: "* | *": did not finish: "*)
    printf '%-10s %s\n' "$label" "${line#kernel "$name": }" ;;
  *)
    passed=$(echo "$line" | sed -n 's/^kernel [^:]*: \([0-9]*\/[0-9]*\) passed.*/\1/p')
    secs=$(echo "$line" | sed -n 's/.* passed in \([0-9]*s\).*/\1/p')
    failing=$(echo "$line" | sed -n 's/.*, failing: //p')
    printf '%-10s %-8s %-6s %s\n' "$label" "$passed" "$secs" "$failing" ;;
  esac
done
echo "(host: this machine's kernel, $uname_r, no launcher; logs in $runs/NAME/)"
for r in "$@"; do
  name=$r
  [ "$r" = vm ] && name=vm-6.1
  [ "$(wc -l <"$runs/$name/summary")" -gt 1 ] || continue
  echo
  echo "== $name: first error of each failing test"
  tail -n +2 "$runs/$name/summary" | awk -F '\t' '{ printf "%s (%s): %s\n", $1, $2, $3 }'
done
[ "$failed" -eq 0 ] || exit 1
[ "$skipped" -eq 0 ] || exit 77
exit 0
