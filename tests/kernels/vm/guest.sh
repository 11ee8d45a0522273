#!/bin/sh
# Stage 2 of the test VM, under sharedpath-vm-init (PID 1), on the tmpfs
# root stage 1 built.  Mounts what a container host has (proc, sys, dev,
# a cgroup2 for runc, tmpfs /tmp, /run and /var; / shared, as systemd
# makes it), checks that nothing of the host is writable but the run's
# dir, runs the suite with run-profile.sh on the real kernel, and
# reports: BUILD/tests/kernels/runs/vm-6.1/result on that share and a
# "sharedpath-vm: result rc=N" line on the console.  PID 1 powers off when
# this script ends.
# Usage: guest.sh SRC_DIR BUILD_DIR
set -u
src=$1 build=$2
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8
say() { echo "sharedpath-vm: $*"; }

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
for l in fd:/proc/self/fd stdin:/proc/self/fd/0 stdout:/proc/self/fd/1 \
  stderr:/proc/self/fd/2; do
  [ -e "/dev/${l%%:*}" ] || ln -s "${l#*:}" "/dev/${l%%:*}"
done
mount -t cgroup2 cgroup2 /sys/fs/cgroup
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t tmpfs -o mode=0755 tmpfs /run
mount -t tmpfs -o mode=0755 tmpfs /var
mkdir -p /var/tmp /var/lib && chmod 1777 /var/tmp
mount --make-rshared /
hostname sharedpath-vm

say "kernel $(uname -r) ($(uname -v)), $(nproc) cpus"
run=$build/tests/kernels/runs/vm-6.1
# The host's files are out of reach for writing: only the run's dir is.
for p in "$build/.sharedpath-vm-probe" "$src/.sharedpath-vm-probe" \
  /usr/.sharedpath-vm-probe /etc/.sharedpath-vm-probe; do
  if touch "$p" 2>/dev/null; then
    rm -f "$p"
    say "$p is writable: the host's / must be read-only; not running the suite"
    printf 'rc=126\nuname=%s\n' "$(uname -r)" >"$run/result"
    exit 1
  fi
done
touch "$run/.probe" && rm "$run/.probe" ||
  say "$run is not writable: the suite cannot report"
say "the host's / (build dir included) is read-only here; $run writable"
# What the suite writes into the build dir (cmake --install for the e2e
# tests and api.installed, its manifests) goes to a tmpfs layered over it
# (overlay): nothing of it reaches the host.  The run's dir, the one
# writable share, goes back on top.
mkdir -p /run/sp-vm/share /run/sp-vm/layer
if mount --bind "$run" /run/sp-vm/share &&
   mount -t tmpfs -o mode=0755 sp-vm-layer /run/sp-vm/layer &&
   mkdir /run/sp-vm/layer/upper /run/sp-vm/layer/work &&
   mount -t overlay -o "lowerdir=$build,upperdir=/run/sp-vm/layer/upper,workdir=/run/sp-vm/layer/work" \
     sp-vm-build "$build" &&
   mount --bind /run/sp-vm/share "$run"; then
  say "$build writable through a tmpfs overlay (discarded at power-off)"
else
  say "cannot layer a tmpfs over $build; not running the suite"
  printf 'rc=127\nuname=%s\n' "$(uname -r)" >"$run/result"
  exit 1
fi
"$src/tests/kernels/run-profile.sh" host "$build" vm-6.1
rc=$?
{
  echo "rc=$rc"
  echo "uname=$(uname -r)"
} >"$run/result"
sync
say "result rc=$rc"
