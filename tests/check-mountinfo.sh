#!/bin/sh
# Fixture for CTest: "save" records the machine's mount table before the
# tests, "check" fails if it differs afterwards.
set -eu
file="$2"
case "$1" in
save) cut -d' ' -f5,9- /proc/self/mountinfo | sort >"$file" ;;
check)
  cut -d' ' -f5,9- /proc/self/mountinfo | sort >"$file.after"
  if ! diff -u "$file" "$file.after"; then
    echo "the machine's mount table changed during the tests" >&2
    exit 1
  fi
  echo "machine mount table unchanged ($(wc -l <"$file") mounts)" ;;
*) echo "usage: $0 save|check FILE" >&2; exit 2 ;;
esac
