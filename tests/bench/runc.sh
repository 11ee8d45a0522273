#!/bin/bash
# Through the command line and runc (BENCHMARKS.md): `runc run` of a bundle
# holding N saved paths against the same bundle without sharedpath, and
# one add-path (and remove-path) call of N paths against one of 1 path.
# Usage: runc.sh SHAREDPATH_BINARY PLUGIN [N [ROUNDS]]   (N 128, ROUNDS 15)
#
# As root, in a private mount namespace (/ made rprivate first): bundles,
# the shared root, host data and runc's state on a tmpfs of its own; the
# state dir in a temp dir on a disk ($SP_BENCH_DISK, default /var/tmp),
# created here and removed at the end.  Never touches the machine's
# /.sharedpath or /var/lib/sharedpath.  Container ids start with b13-.
# Rounds are interleaved (with, without, with, ...) so drift hits both.
# Prints medians in ms; no timing is asserted anywhere.  SP_BENCH_SERIES=1
# also prints every round's add/remove times (us) and the host's mount
# count under the shared root at the end (a leak would show in both).
set -eu

if [ "${SP_BENCH_IN_NS:-}" != 1 ]; then
  [ "$(id -u)" -eq 0 ] || { echo "runc.sh: needs root" >&2; exit 1; }
  command -v runc >/dev/null && [ -x /bin/busybox ] ||
    { echo "runc.sh: needs runc and busybox-static" >&2; exit 77; }
  SP_BENCH_IN_NS=1 exec unshare -m -- "$0" "$@"
fi

SHAREDPATH=$(realpath "$1")
PLUGIN=$(realpath "$2")
N=${3:-128}
ROUNDS=${4:-15}
mount --make-rprivate /
T=$(mktemp -d /tmp/sharedpath-bench.XXXXXX)
mount -t tmpfs -o mode=0755,size=256m sharedpath-bench "$T"
DISK=$(mktemp -d "${SP_BENCH_DISK:-/var/tmp}/sharedpath-bench.XXXXXX")
RUNC="runc --root $T/runc-state"
SP="$SHAREDPATH --root $T/root --state-dir $DISK/state --plugin $PLUGIN"
WITH=b13-$$-with
WITHOUT=b13-$$-without
ADD=b13-$$-add

cleanup() {
  for c in "$WITH" "$WITHOUT" "$ADD"; do
    $RUNC delete -f "$c" >/dev/null 2>&1 || true
    $SP delete "$c" >/dev/null 2>&1 || true
  done
  umount -R -l "$T" 2>/dev/null || true
  rmdir "$T" 2>/dev/null || true
  # Ours alone (mktemp): the plugin's state files and the CLI's records.
  rm -rf "${DISK:?}/state"
  rmdir "$DISK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

mkbundle() {
  b=$T/$1
  mkdir -p "$b/rootfs/bin" "$b/rootfs/mnt"
  # The targets exist, as in an image made for them (the root is ro).
  for i in $(seq 1 "$N"); do mkdir -p "$b/rootfs/mnt/p$i" "$b/rootfs/mnt/q$i"; done
  cp /bin/busybox "$b/rootfs/bin/busybox"
  for cmd in sh sleep cat ls; do ln -s busybox "$b/rootfs/bin/$cmd"; done
  (cd "$b" && runc spec)
  sed -i -e 's/"terminal": true/"terminal": false/' \
    -e 's/^\([[:space:]]*\)"sh"$/\1"sleep", "600"/' "$b/config.json"
}

now() { echo "${EPOCHREALTIME/./}"; } # microseconds
median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)] / 1000}'; }

specs() { # specs PREFIX COUNT
  for i in $(seq 1 "$2"); do printf '%s ' "$T/data/p$i:/mnt/$1$i"; done
}
ctrs() {
  for i in $(seq 1 "$2"); do printf '%s ' "/mnt/$1$i"; done
}

mkdir -p "$T/data"
for i in $(seq 1 "$N"); do mkdir -p "$T/data/p$i"; done
mkbundle "$WITH"
mkbundle "$WITHOUT"
mkbundle "$ADD"
cp "$T/$WITH/config.json" "$T/$WITHOUT/config.json" # the same bundle
$SP oci-prepare --persist "$T/$WITH"
$SP oci-prepare "$T/$ADD"
# The saved paths: added once while it runs; --persist keeps them.
$RUNC run -d -b "$T/$WITH" "$WITH" </dev/null >/dev/null
# shellcheck disable=SC2046
$SP add-path "$WITH" $(specs p "$N")
$RUNC delete -f "$WITH" >/dev/null
[ "$($SP list-path "$WITH" | wc -l)" -eq "$N" ] ||
  { echo "runc.sh: $WITH does not hold $N paths" >&2; exit 1; }

: >"$T/run-with"; : >"$T/run-without"
for r in $(seq 0 "$ROUNDS"); do
  for c in "$WITH" "$WITHOUT"; do
    t0=$(now)
    $RUNC run -d -b "$T/$c" "$c" </dev/null >/dev/null
    t1=$(now)
    [ "$r" -gt 0 ] && echo $((t1 - t0)) >>"$T/run-${c##*-}"
    $RUNC delete -f "$c" >/dev/null
  done
done
# One check that the paths came back (the last run of $WITH, again).
$RUNC run -d -b "$T/$WITH" "$WITH" </dev/null >/dev/null
got=$($RUNC exec "$WITH" cat /proc/self/mountinfo | grep -c ' /mnt/p' || true)
$RUNC delete -f "$WITH" >/dev/null
[ "$got" -eq "$N" ] ||
  { echo "runc.sh: $N paths saved, $got came back" >&2; exit 1; }

$RUNC run -d -b "$T/$ADD" "$ADD" </dev/null >/dev/null
for k in add1 addN rm1 rmN; do : >"$T/$k"; done
one=$(specs q 1)
all=$(specs q "$N")
for r in $(seq 0 "$ROUNDS"); do
  # shellcheck disable=SC2086
  {
    t0=$(now); $SP add-path "$ADD" $one; t1=$(now)
    $SP remove-path "$ADD" $(ctrs q 1); t2=$(now)
    $SP add-path "$ADD" $all; t3=$(now)
    $SP remove-path "$ADD" $(ctrs q "$N"); t4=$(now)
  }
  if [ "$r" -gt 0 ]; then
    echo $((t1 - t0)) >>"$T/add1"; echo $((t2 - t1)) >>"$T/rm1"
    echo $((t3 - t2)) >>"$T/addN"; echo $((t4 - t3)) >>"$T/rmN"
  fi
done
if [ -n "${SP_BENCH_SERIES:-}" ]; then
  for k in add1 addN rm1 rmN; do echo "$k: $(tr '\n' ' ' <"$T/$k")"; done
  echo "host mounts under the shared root: $(grep -c " $T/root/" /proc/self/mountinfo)"
fi
$RUNC delete -f "$ADD" >/dev/null

fs=$(findmnt -no FSTYPE --target "$DISK")
w=$(median <"$T/run-with") wo=$(median <"$T/run-without")
a1=$(median <"$T/add1") aN=$(median <"$T/addN")
r1=$(median <"$T/rm1") rN=$(median <"$T/rmN")
awk -v n="$N" -v rounds="$ROUNDS" -v fs="$fs" -v w="$w" -v wo="$wo" \
  -v a1="$a1" -v aN="$aN" -v r1="$r1" -v rN="$rN" 'BEGIN {
  printf "runc run, %d saved paths: %.1f ms; without sharedpath: %.1f ms; ratio %.2f (+%.0f us a path)\n", n, w, wo, w / wo, (w - wo) * 1000 / n
  printf "add-path of %d: %.1f ms; of 1: %.1f ms; ratio %.2f; +%.1f us a path\n", n, aN, a1, aN / a1, (aN - a1) * 1000 / (n - 1)
  printf "remove-path of %d: %.1f ms; of 1: %.1f ms; +%.1f us a path\n", n, rN, r1, (rN - r1) * 1000 / (n - 1)
  printf "(medians of %d rounds; state on %s)\n", rounds, fs
}'
