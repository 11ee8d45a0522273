#!/bin/sh
# A plugin's dynamic symbol table must hold the entry function alone.
set -eu
for so in "$@"; do
  syms=$(nm -D --defined-only "$so" | awk '{print $3}')
  if [ "$syms" != "sharedpath_plugin_entry" ]; then
    echo "$so exports more than the entry function:" >&2
    echo "$syms" >&2
    exit 1
  fi
  echo "$so: exports only sharedpath_plugin_entry"
done
