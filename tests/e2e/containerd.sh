#!/bin/sh
# End-to-end: `sharedpath` with containerd (Debian 12's 1.6) and its runc
# shim: `ctr run --config` with a spec that `sharedpath oci-prepare` gave
# the /.sharedpath mount and the hooks.
# Usage: sandbox.sh containerd.sh PREFIX (see sandbox.sh)
#   PREFIX: an install prefix (PREFIX/bin/sharedpath and its plugin).
#
# A containerd of the test's own (root, state, socket under a temp dir, the
# CRI plugin off), an OCI bundle with a busybox rootfs (no image, no
# registry), the cgroups under the sandbox's parent.
# Exit 77 (skipped) only when containerd cannot run a container here.
set -eu

SKIP=77
[ -n "${SP_SANDBOX_CGPARENT:-}" ] ||
  { echo "e2e.containerd: run it through sandbox.sh" >&2; exit 2; }
skip() { echo "e2e.containerd: SKIPPED: $*" >&2; exit $SKIP; }
for tool in containerd ctr containerd-shim-runc-v2 runc; do
  command -v "$tool" >/dev/null 2>&1 ||
    skip "$tool is missing (scripts/deps.sh test installs containerd)"
done
[ -x /bin/busybox ] || skip "/bin/busybox is missing (busybox-static)"

PREFIX=$1
SP=$PREFIX/bin/sharedpath
W=/var/tmp/ctrd
CG=$SP_SANDBOX_CGPARENT
mkdir -p "$W/data/dir" "$W/root" "$W/state"
CTR="ctr --address $W/sock --namespace pod"
failed=0
CPID=""

cleanup() {
  rc=$?
  for c in $($CTR containers list -q 2>/dev/null); do
    $CTR task kill -s KILL "$c" >/dev/null 2>&1 || true
    $CTR task delete -f "$c" >/dev/null 2>&1 || true
    $CTR containers delete "$c" >/dev/null 2>&1 || true
  done
  if [ -n "$CPID" ]; then
    kill "$CPID" 2>/dev/null || true
    wait "$CPID" 2>/dev/null || true
  fi
  [ "$rc" -eq 0 ] || [ "$rc" -eq $SKIP ] && [ "$failed" -eq 0 ] ||
    echo "e2e.containerd: FAILED in the test"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP PIPE

fail() {
  failed=1
  echo "FAILED: $*" >&2
  echo "-- the hook log:" >&2
  cat /var/lib/sharedpath/log/hooks.log >&2 2>/dev/null || true
  exit 1
}
ok() { echo "ok: $*"; }
expect_eq() {
  [ "$2" = "$3" ] || fail "$1: expected '$2', got '$3'"
  ok "$1"
}
# in_ctr NAME CMD...: CMD's output and exit status.  ctr can lose the
# whole output of a process that exits at once (its fifos are read after
# the exit is seen); so the command's status is printed after its output,
# and an exec whose output lacks it is run again.
in_ctr() {
  c=$1
  shift
  n=0
  while :; do
    out=$($CTR task exec --exec-id "pod-x$$-$n" "$c" \
      sh -c '"$@"; echo "sp-rc:$?"' sh "$@" </dev/null) || true
    case "$out" in *sp-rc:*) break ;; esac
    n=$((n + 1))
    [ $n -lt 5 ] || { echo "in_ctr: ctr lost the output of '$*' $n times" >&2; return 125; }
    echo "in_ctr: ctr lost the output of '$*'; again" >&2
  done
  printf '%s' "${out%sp-rc:*}"
  return "${out##*sp-rc:}"
}

# A bundle: busybox rootfs, a long sleep, no terminal, writable root, the
# rootfs by absolute path (ctr --config takes the spec as it is), limits
# this sandbox can give, and a cgroup under the sandbox's parent.
mkbundle() {
  b=$W/$1
  mkdir -p "$b/rootfs/bin" "$b/rootfs/mnt"
  cp /bin/busybox "$b/rootfs/bin/"
  for c in sh sleep cat touch true; do ln -s busybox "$b/rootfs/bin/$c"; done
  (cd "$b" && runc spec)
  sed -i -e 's/"terminal": true/"terminal": false/' \
    -e 's/^\([[:space:]]*\)"sh"$/\1"sleep", "600"/' \
    -e 's/"readonly": true/"readonly": false/' \
    -e "s|\"path\": \"rootfs\"|\"path\": \"$b/rootfs\"|" \
    -e "s|\"linux\": {|\"linux\": {\"cgroupsPath\": \"/$CG/$1\",|" \
    -e 's/"hard": 1024,/"hard": 4096,/' -e 's/"soft": 1024/"soft": 4096/' \
    "$b/config.json"
  grep -q '"sleep", "600"' "$b/config.json" &&
    grep -q "\"path\": \"$b/rootfs\"" "$b/config.json" &&
    grep -q "\"cgroupsPath\": \"/$CG/$1\"" "$b/config.json" ||
    fail "runc spec output changed; cannot make the bundle $b"
}

cat >"$W/config.toml" <<EOF
version = 2
root = "$W/root"
state = "$W/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$W/sock"
EOF
start=$(date +%s.%N)
containerd --config "$W/config.toml" >"$W/containerd.log" 2>&1 &
CPID=$!
i=0
while [ ! -S "$W/sock" ] && [ $i -lt 50 ]; do
  kill -0 "$CPID" 2>/dev/null ||
    skip "containerd does not start here: $(tail -3 "$W/containerd.log")"
  sleep 0.1
  i=$((i + 1))
done
[ -S "$W/sock" ] || skip "containerd made no socket in 5 s"
mkbundle pod-probe
sed -i 's/"sleep", "600"/"true"/' "$W/pod-probe/config.json"
if ! $CTR run --rm --config "$W/pod-probe/config.json" pod-probe \
  >/dev/null 2>"$W/probe"; then
  skip "containerd cannot run a container here (without sharedpath):" \
    "$(tail -3 "$W/probe")"
fi
ok "containerd runs a container here"

echo hello >"$W/data/dir/hello"
echo file-content >"$W/data/file"
mkbundle pod-c1
$SP oci-prepare --persist "$W/pod-c1"
$CTR run -d --config "$W/pod-c1/config.json" pod-c1 >/dev/null
[ -s /var/lib/sharedpath/pids/pod-c1.json ] || fail "createRuntime: no record"
grep -q '"engine_id":"pod-c1"' /var/lib/sharedpath/owners/pod-c1.json ||
  fail "the owner is not containerd's container pod-c1"
ok "hooks ran: process recorded, owner is pod-c1"
$SP add-path pod-c1 "$W/data/dir:/mnt/dir" "$W/data/file:/etc/sp-file:ro"
expect_eq "dir visible inside" hello "$(in_ctr pod-c1 cat /mnt/dir/hello)"
expect_eq "file visible inside" file-content "$(in_ctr pod-c1 cat /etc/sp-file)"
echo later >"$W/data/dir/later"
expect_eq "host write seen inside" later "$(in_ctr pod-c1 cat /mnt/dir/later)"
if in_ctr pod-c1 sh -c 'echo x >/etc/sp-file' 2>/dev/null; then
  fail "ro file writable"
fi
ok "ro enforced"
expect_eq "list-path" 2 "$($SP list-path pod-c1 | wc -l)"

# Another container of the same sharedpath id while pod-c1 runs: refused.
mkbundle pod-c2
$SP oci-prepare --id pod-c1 "$W/pod-c2"
if $CTR run -d --config "$W/pod-c2/config.json" pod-c2 >/dev/null 2>"$W/err"
then
  fail "a second container with a running container's id started"
fi
grep -q "sharedpath id 'pod-c1' is in use by running container pod-c1" \
  "$W/err" || fail "duplicate: no reason in ctr's error: $(cat "$W/err")"
ok "duplicate id refused, ctr says why"
$CTR task delete -f pod-c2 >/dev/null 2>&1 || true
$CTR containers delete pod-c2 >/dev/null 2>&1 || true
expect_eq "the owner untouched" hello "$(in_ctr pod-c1 cat /mnt/dir/hello)"

# Task gone and back (persist): the paths come back.
$CTR task kill -s KILL pod-c1
i=0
while $CTR task list -q | grep -qx pod-c1 && [ $i -lt 50 ]; do
  $CTR task delete pod-c1 >/dev/null 2>&1 || sleep 0.1
  i=$((i + 1))
done
[ ! -e /var/lib/sharedpath/pids/pod-c1.json ] || fail "stop: record kept"
expect_eq "paths kept while stopped" 2 "$($SP list-path pod-c1 | wc -l)"
$CTR containers delete pod-c1
$CTR run -d --config "$W/pod-c1/config.json" pod-c1 >/dev/null
expect_eq "run again: dir back" hello "$(in_ctr pod-c1 cat /mnt/dir/hello)"
$SP remove-path pod-c1 /mnt/dir
if in_ctr pod-c1 cat /mnt/dir/hello >/dev/null 2>&1; then
  fail "removed dir still visible"
fi
ok "remove-path"
$SP delete pod-c1
expect_eq "delete: nothing left inside" "" \
  "$(in_ctr pod-c1 cat /etc/sp-file 2>/dev/null || true)"
$CTR task kill -s KILL pod-c1
i=0
while $CTR task list -q | grep -qx pod-c1 && [ $i -lt 50 ]; do
  $CTR task delete pod-c1 >/dev/null 2>&1 || sleep 0.1
  i=$((i + 1))
done
$CTR containers delete pod-c1
expect_eq "no state left" "" \
  "$(find /var/lib/sharedpath -name '*.json' | tr '\n' ' ')"
expect_eq "mounts under the shared root" 2 \
  "$(awk '$5 == "/.sharedpath" || index($5, "/.sharedpath/") == 1' \
    /proc/self/mountinfo | wc -l)"
echo "e2e.containerd: checks took $(awk -v a="$start" -v b="$(date +%s.%N)" \
  'BEGIN { printf "%.2f", b - a }')s"
