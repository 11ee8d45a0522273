#!/bin/sh
# `sharedpath check`: the kernel and the mechanisms in use, as text and as
# the plugin's JSON, and a plugin without check (ABI 1.0) refused.
# Usage: cli-check.sh SHAREDPATH PLUGIN PLUGIN_MINOR0
set -eu
cli=$1 plugin=$2 minor0=$3
out=$("$cli" --plugin "$plugin" check)
for want in "kernel $(uname -r)" "mechanisms in use:" "  container binds " \
            "  moved mounts " "guaranteed on this kernel:" "given up on this kernel:"; do
  printf '%s\n' "$out" | grep -qF -- "$want" ||
    { echo "check's text lacks '$want':"; printf '%s\n' "$out"; exit 1; }
done
json=$("$cli" --plugin "$plugin" check --json)
for want in '"usable":true' '"step":"container-binds"' '"has":{'; do
  printf '%s\n' "$json" | grep -qF -- "$want" ||
    { echo "check --json lacks '$want': $json"; exit 1; }
done
if err=$("$cli" --plugin "$minor0" check 2>&1); then
  echo "check succeeded with an ABI 1.0 plugin: $err"; exit 1
fi
printf '%s\n' "$err" | grep -q "does not implement check" ||
  { echo "unexpected message: $err"; exit 1; }
printf '%s\n' "$out" | sed -n '/mechanisms in use:/,/^$/p'
echo "ok: sharedpath check"
