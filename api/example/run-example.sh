#!/bin/sh
# Run the example engine in a private mount namespace with a throwaway root.
set -eu
engine="$1"; plugin="$2"
tmp=$(mktemp -d /tmp/sharedpath-example.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
unshare -m sh -c "mount --make-rprivate / && mount -t tmpfs tmpfs '$tmp' -o mode=0700 &&
  mkdir '$tmp/data' && '$engine' '$plugin' '$tmp/root' '$tmp/state' '$tmp/data'"
