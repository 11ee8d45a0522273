#!/bin/sh
# The harness must catch failures: each scenario here is wrong on purpose
# and must exit 1 naming its file and the failing line.
set -u
sim="$1"; plugin="$2"; shift 2
status=0
for scn in "$@"; do
  line=$(grep -n . "$scn" | tail -1 | cut -d: -f1)
  out=$("$sim" --plugin "$plugin" -q run "$scn" 2>&1); rc=$?
  if [ "$rc" -ne 1 ] || ! printf '%s\n' "$out" | grep -q "^$scn:$line: FAILED"; then
    echo "NOT CAUGHT: $scn (exit $rc, wanted 1 and '$scn:$line: FAILED')"
    printf '%s\n' "$out"
    status=1
  else
    echo "caught: $(printf '%s\n' "$out" | grep FAILED: | head -1)"
  fi
done
exit $status
