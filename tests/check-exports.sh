#!/bin/sh
# Dynamic symbol tables hold exactly what the interface says.
#   check-exports.sh PLUGIN.so...        the entry function alone
#   check-exports.sh --map MAP LIB.so    the global names of version script MAP
set -eu
defined() { nm -D --defined-only "$1" | awk '$2 != "A" {sub(/@.*/, "", $3); print $3}' | sort; }
if [ "${1:-}" = --map ]; then
  map=$2 so=$3
  # The names of every version node's global: list.
  want=$(awk '/global:/ { on = 1; next } /local:|}/ { on = 0 }
              on { gsub(/[ ;]/, ""); if ($0 != "") print }' "$map" | sort)
  have=$(defined "$so")
  if [ "$have" != "$want" ]; then
    echo "$so does not export exactly the names in $map:" >&2
    printf '%s\n' "$have" >"${TMPDIR:-/tmp}/exports.$$.have"
    printf '%s\n' "$want" | diff -u - "${TMPDIR:-/tmp}/exports.$$.have" >&2 || true
    rm -f "${TMPDIR:-/tmp}/exports.$$.have"
    exit 1
  fi
  echo "$so: exports the $(printf '%s\n' "$want" | wc -l) names of $map"
  exit 0
fi
for so in "$@"; do
  syms=$(defined "$so")
  if [ "$syms" != "sharedpath_plugin_entry" ]; then
    echo "$so exports more than the entry function:" >&2
    echo "$syms" >&2
    exit 1
  fi
  echo "$so: exports only sharedpath_plugin_entry"
done
