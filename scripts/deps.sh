#!/bin/sh
# Install the Debian packages sharedpath needs, if any are missing.
# Usage: scripts/deps.sh [build|test]
set -eu
pkgs="gcc make cmake pkg-config libssl-dev libmount-dev libjson-c-dev libcunit1-dev"
if [ "${1:-build}" = test ]; then
  # podman (4.3, with conmon) and containerd (1.6) for tests/e2e/podman.sh
  # and containerd.sh; runc is the runtime of both.
  pkgs="$pkgs valgrind clang libclang-rt-14-dev runc busybox-static podman"
  pkgs="$pkgs containerd"
  # qemu-system-x86 for the suite on Debian 12's 6.1 kernel (tests/kernels/vm).
  pkgs="$pkgs qemu-system-x86"
fi
missing=""
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
    missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "missing packages:$missing; run as root to install them" >&2
  exit 1
fi
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing >/dev/null
