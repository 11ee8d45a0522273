#!/bin/sh
# Runs an end-to-end test with a real engine where it cannot touch the
# machine, and checks afterwards that it did not.
# Usage: sandbox.sh TEST PREFIX
#   TEST: the test script, run as `TEST PREFIX` inside the sandbox, with
#   SP_SANDBOX_CGPARENT naming a cgroup (no leading /) its containers are
#   to go under; its exit status is ours (77: skipped).
#   PREFIX: an install prefix (PREFIX/bin/sharedpath and its plugin, the
#   hook files naming that binary).
#
# The test runs in a mount namespace of its own whose root is a tmpfs
# (pivot_root), with the machine's /usr and /etc bound read-only, the test's
# directory and PREFIX at their own paths, and fresh /run, /var, /tmp and
# /dev/shm.  So sharedpath's defaults (/.sharedpath, /var/lib/sharedpath)
# and whatever an engine writes by default (podman, conmon, runc,
# containerd: /run/runc, /run/containerd, /var/lib/containers, shm locks)
# land in that tmpfs and go with it.  Afterwards, from the machine's side:
# its mount table, cgroups and runtime dirs must be as before, and no
# process may be left in the test's namespace or cgroup (those are ended).
set -eu

SKIP=77
PHASE=${SP_SANDBOX_PHASE:-host}
SELF=$(realpath "$0")

# ---------------------------------------------------------------- host ----
if [ "$PHASE" = host ]; then
  [ $# -eq 2 ] || { echo "usage: $0 TEST PREFIX" >&2; exit 2; }
  TEST=$(realpath "$1")
  PREFIX=$(realpath "$2")
  NAME=$(basename "$TEST" .sh)
  [ "$(id -u)" -eq 0 ] ||
    { echo "e2e.$NAME: SKIPPED: needs root (mount namespaces)" >&2; exit $SKIP; }
  for tool in unshare pivot_root chroot; do
    command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] ||
      { echo "e2e.$NAME: $tool is missing (util-linux)" >&2; exit 1; }
  done
  [ -x "$PREFIX/bin/sharedpath" ] ||
    { echo "e2e.$NAME: $PREFIX/bin/sharedpath is missing (cmake --install)" >&2
      exit 1; }
  T=$(mktemp -d /tmp/sharedpath-sandbox.XXXXXX)
  # Our files go whatever happens, also when a closed stdout or stderr
  # (| head) makes a message fail under set -e.
  trap 'rm -f "$T".before.* "$T".after.* "$T.ns" "$T.cgparent"
    rmdir "$T" 2>/dev/null || true' EXIT
  snap() {
    cut -d' ' -f5,9- /proc/self/mountinfo | sort >"$1.mounts"
    find /sys/fs/cgroup -mindepth 1 -maxdepth 3 -type d 2>/dev/null |
      sort >"$1.cgroups"
    # Where podman, conmon, runc and netavark/CNI write by default.
    ls -a /run/netns /run/runc /run/containers /run/libpod /run/containerd \
      /var/lib/containers /var/lib/containerd /etc/cni/net.d /dev/shm 2>&1 |
      sort >"$1.files"
  }
  snap "$T.before"
  # A reader that goes away (| head) must not kill us before the cleanup:
  # writes fail instead, and the test's exit trap cleans up.
  trap '' PIPE
  rc=0
  SP_SANDBOX_PHASE=ns unshare -m -- "$SELF" "$TEST" "$PREFIX" "$T" || rc=$?
  # Leftovers: a process still in the test's namespace (conmon daemonizes
  # and keeps it alive) or in a cgroup below the test's cgroup parent (a
  # container, in a namespace of its own).  Name them, end them, fail.
  ns=$(cat "$T.ns" 2>/dev/null || true)
  cg=$(cat "$T.cgparent" 2>/dev/null || true)
  ours() {
    for p in /proc/[0-9]*; do
      if { [ -n "$ns" ] && [ "$(readlink "$p/ns/mnt" 2>/dev/null)" = "$ns" ]; } ||
        { [ -n "$cg" ] && grep -q ":/$cg/" "$p/cgroup" 2>/dev/null; }; then
        echo "${p#/proc/}"
      fi
    done
  }
  left=""
  for pid in $(ours); do
    left="$left $pid:$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | cut -c1-80)"
    kill -9 "$pid" 2>/dev/null || true
  done
  i=0
  while [ -n "$left" ] && [ -n "$(ours)" ] && [ $i -lt 50 ]; do
    sleep 0.1
    i=$((i + 1))
  done
  # Cgroups podman made for our containers (their parent is ours).  A
  # cgroup stays busy for a moment after its last process is gone (until
  # it is reaped and released), so removal is tried for up to 5 s; what is
  # still there then fails below.
  i=0
  while [ -n "$cg" ] && [ $i -lt 50 ]; do
    busy=0
    for d in /sys/fs/cgroup/*/"$cg" /sys/fs/cgroup/"$cg"; do
      [ -d "$d" ] || continue
      find "$d" -depth -mindepth 1 -type d -exec rmdir {} + 2>/dev/null || true
      rmdir "$d" 2>/dev/null || busy=1
    done
    [ $busy -eq 1 ] || break
    sleep 0.1
    i=$((i + 1))
  done
  snap "$T.after"
  status=ok
  if [ -n "$left" ]; then
    echo "FAILED: processes left behind (in the test's namespace or cgroup):$left" >&2
    status=fail
  fi
  if ! diff -u "$T.before.mounts" "$T.after.mounts" >&2; then
    echo "FAILED: the machine's mount table changed" >&2
    status=fail
  fi
  # New ones only, and for cgroups only an engine's or ours (pod-*): other
  # tests on this machine may come and go meanwhile, another sandbox's
  # (pod-e2e-PID, with its containers below) among them.
  added=$(comm -13 "$T.before.cgroups" "$T.after.cgroups")
  new=$(printf '%s\n' "$added" | grep -E '/(pod-|libpod|conmon|containerd|crio)' |
    grep -vE '/pod-e2e-[0-9]+(/|$)' || true)
  if [ -n "$cg" ]; then
    mine=$(printf '%s\n' "$added" | grep -E "/$cg(/|\$)" || true)
    new=$(printf '%s\n%s' "$new" "$mine" | sed '/^$/d')
  fi
  if [ -n "$new" ]; then
    echo "FAILED: cgroups left behind: $new" >&2
    for d in $new; do
      echo "  $d: processes: $(tr '\n' ' ' <"$d/cgroup.procs" 2>/dev/null)" >&2
    done
    status=fail
  fi
  new=$(comm -13 "$T.before.files" "$T.after.files")
  if [ -n "$new" ]; then
    echo "FAILED: files left in the machine's runtime dirs: $new" >&2
    status=fail
  fi
  if [ "$rc" -eq $SKIP ]; then exit $SKIP; fi
  [ "$status" = ok ] && [ "$rc" -eq 0 ] ||
    { echo "e2e.$NAME: FAILED"; exit 1; }
  echo "e2e.$NAME: the machine's mount table, cgroups, runtime dirs and" \
    "processes are as before"
  echo "e2e.$NAME: passed"
  exit 0
fi

# ------------------------------------------------- ns: build the root ----
# (only the host phase runs this script again, as SP_SANDBOX_PHASE=ns)
TEST=$1 PREFIX=$2 T=$3
mount --make-rprivate /
readlink /proc/self/ns/mnt >"$T.ns"
echo "pod-e2e-$$" >"$T.cgparent"
mount -t tmpfs -o mode=0755,size=1g pod-e2e-root "$T"
for d in usr etc dev proc sys run tmp var/tmp var/lib root old; do
  mkdir -p "$T/$d"
done
chmod 1777 "$T/tmp" "$T/var/tmp"
# Debian 12 merged /usr: /bin, /lib... are symlinks into it.
for l in bin sbin lib lib32 lib64 libx32; do
  if [ -L "/$l" ]; then
    ln -s "$(readlink "/$l")" "$T/$l"
  elif [ -d "/$l" ]; then
    mkdir "$T/$l" && mount --rbind "/$l" "$T/$l"
  fi
done
for d in usr etc; do
  mount --rbind "/$d" "$T/$d"
  mount -o remount,bind,ro "$T/$d"
done
mount --rbind /dev "$T/dev"
# podman's locks are in shm: a fresh one, not the machine's podman's.
mount -t tmpfs -o mode=1777,nosuid,nodev pod-e2e-shm "$T/dev/shm"
mount -t proc proc "$T/proc"
mount --rbind /sys "$T/sys"
# The test itself and the installed prefix, at the same paths; and what
# LD_PRELOAD names (tests/kernels' shim, when the suite runs as on an older
# kernel), or every process would load without it and say so.
preload=$(printf '%s\n' ${LD_PRELOAD:-} | while read -r so; do
  [ -f "$so" ] && dirname "$so"; done | sort -u)
for d in "$(dirname "$TEST")" "$PREFIX" $preload; do
  mkdir -p "$T$d"
  mount --bind "$d" "$T$d"
done
cd "$T"
pivot_root . old
exec chroot . /bin/sh -c 'umount -l /old && rmdir /old && cd / &&
  exec env SP_SANDBOX_CGPARENT="$1" "$2" "$3"' \
  sh "pod-e2e-$$" "$TEST" "$PREFIX"

