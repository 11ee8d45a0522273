#!/bin/sh
# The summary of one kernel run, from its CTest directory.
# Usage: summarize.sh NAME RUN_DIR SECONDS MOUNTS
#   RUN_DIR holds ctest.out (ctest's output) and Testing/Temporary/LastTest.log;
#   MOUNTS is "ok" or "changed" (the machine's mount table around the run).
# Prints
#   kernel NAME: PASSED/TOTAL passed in SECONDSs, failing: NAME... (or -)
# then per failing test: NAME<TAB>STATUS<TAB>its first error line (the
# first line of its output that reads as an error, else its last line).
set -eu
name=$1 dir=$2 secs=$3 mounts=$4
out=$dir/ctest.out
log=$dir/Testing/Temporary/LastTest.log
total=$(sed -n 's/.*tests passed, [0-9]* tests* failed out of \([0-9]*\).*/\1/p' "$out" | tail -1)
failed=$(sed -n 's/.*tests passed, \([0-9]*\) tests* failed out of.*/\1/p' "$out" | tail -1)
# "  12 - scenario.race (Failed)" after "The following tests FAILED:"
list=$(awk '/^The following tests FAILED:/ { on = 1; next }
  on && /^[[:space:]]+[0-9]+ - / { sub(/^[[:space:]]+[0-9]+ - /, ""); print }' "$out")
names=$(printf '%s\n' "$list" | sed 's/ (.*//' | tr '\n' ' ' | sed 's/ *$//')
if [ -z "$total" ]; then
  echo "kernel $name: 0/0 passed in ${secs}s, failing: (ctest did not finish: $(tail -1 "$out"))"
  exit 0
fi
extra=""
[ "$mounts" = ok ] || extra=" (and the machine's mount table changed)"
echo "kernel $name: $((total - failed))/$total passed in ${secs}s, failing: ${names:--}$extra"
[ -n "$names" ] || exit 0
[ -f "$log" ] || log=/dev/null
printf '%s\n' "$list" | while IFS= read -r entry; do
  test=${entry% (*}
  status=${entry##* (}
  status=${status%)}
  line=$(awk -v want="$test" '
    /^[0-9]+\/[0-9]+ Test: / { t = $0; sub(/^[0-9]+\/[0-9]+ Test: /, "", t); next }
    /^Output:$/ { if (t == want) { on = 1; getline }; next }
    /^<end of output>$/ { if (on) exit; next }
    on && NF { last = $0 }
    on && first == "" && !/^#/ && !/^ok[: ]/ &&
      /FAILED:|^sharedpath: |[Ee]rror:|ERROR|Assertion|- CU_|Segmentation|Aborted|not implemented/ {
      first = $0
    }
    # "NOT CAUGHT" (the harness self-test) names the scenario; the line
    # after it says why.
    on && weak == "" && /NOT CAUGHT/ { weak = $0 }
    END { print (first != "" ? first : weak != "" ? weak : last) }' "$log" |
    sed 's/^[[:space:]]*//' | cut -c1-300)
  printf '%s\t%s\t%s\n' "$test" "$status" "${line:-(no output)}"
done
