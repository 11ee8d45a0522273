#!/bin/sh
# End-to-end: `sharedpath` with real runc containers (busybox rootfs).
# Usage: runc.sh SHAREDPATH_BINARY PLUGIN
#
# Runs in a private mount namespace (/ made rprivate first), with the shared
# root, the state dir, the bundles, the host data and runc's state on a
# tmpfs of its own: it never sees the machine's /.sharedpath or
# /var/lib/sharedpath, and every mount goes with the namespace.  Each check
# prints what it expected and saw; the first failure stops the test, and the
# exit trap kills the containers and removes the temp dir.
set -eu

if [ "${SP_E2E_IN_NS:-}" != 1 ]; then
  # A missing tool skips the test (77, CTest's SKIP_RETURN_CODE).
  [ "$(id -u)" -eq 0 ] || { echo "e2e: needs root" >&2; exit 1; }
  for tool in runc unshare setpriv sha256sum; do
    command -v "$tool" >/dev/null ||
      { echo "e2e: $tool is missing (scripts/deps.sh test); skipped" >&2
        exit 77; }
  done
  [ -x /bin/busybox ] ||
    { echo "e2e: /bin/busybox is missing (busybox-static); skipped" >&2
      exit 77; }
  SP_E2E_IN_NS=1 exec unshare -m -- "$0" "$@"
fi

SHAREDPATH=$(realpath "$1")
PLUGIN=$(realpath "$2")
mount --make-rprivate /
T=$(mktemp -d /tmp/sharedpath-e2e.XXXXXX)
# Traversable by everyone, like / and /var: what keeps other host users out
# of the shared root and the state dir must be sharedpath's own modes.
mount -t tmpfs -o mode=0755,size=64m sharedpath-e2e "$T"
RUNC="runc --root $T/runc-state"
SP="$SHAREDPATH --root $T/root --state-dir $T/state --plugin $PLUGIN"
# Container ids: unique per run (runc names cgroups after them).
C1=spe2e-$$-plain
C2=spe2e-$$-persist
C3=spe2e-$$-userns
C4=spe2e-$$-rootro
C5=spe2e-$$-rbind
failed=0

cleanup() {
  rc=$?
  for c in "$C1" "$C2" "$C3" "$C4" "$C5"; do
    $RUNC delete -f "$c" >/dev/null 2>&1 || true
  done
  # The namespace dies with us and takes every mount; the dir is on the
  # host's /tmp: unmount and remove it (nothing is deleted through a mount).
  umount -R -l "$T" 2>/dev/null || true
  rmdir "$T" 2>/dev/null || true
  [ "$rc" -eq 0 ] && [ "$failed" -eq 0 ] && echo "e2e: passed" ||
    echo "e2e: FAILED"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

fail() {
  failed=1
  echo "FAILED: $*" >&2
  exit 1
}
ok() { echo "ok: $*"; }

# expect_eq WHAT EXPECTED ACTUAL
expect_eq() {
  [ "$2" = "$3" ] || fail "$1: expected '$2', got '$3'"
  ok "$1"
}

# A bundle: busybox rootfs, a long sleep, no terminal, writable root.
mkbundle() {
  b=$T/$1
  mkdir -p "$b/rootfs/bin" "$b/rootfs/etc" "$b/rootfs/mnt" "$b/rootfs/tmp"
  cp /bin/busybox "$b/rootfs/bin/busybox"
  for cmd in sh sleep cat ls test touch grep mount id stat; do
    ln -s busybox "$b/rootfs/bin/$cmd"
  done
  (cd "$b" && runc spec)
  sed -i -e 's/"terminal": true/"terminal": false/' \
    -e 's/^\([[:space:]]*\)"sh"$/\1"sleep", "600"/' \
    -e 's/"readonly": true/"readonly": false/' "$b/config.json"
  grep -q '"terminal": false' "$b/config.json" &&
    grep -q '"sleep", "600"' "$b/config.json" &&
    grep -q '"readonly": false' "$b/config.json" ||
    fail "runc spec output changed; cannot make $b non-interactive"
}

# The same in a user namespace (uid and gid 0 -> 100000), whose root holds
# CAP_SYS_ADMIN there: what a user-namespaced container's root can do.
mkbundle_userns() {
  mkbundle "$1"
  sed -i -e 's/^\([[:space:]]*\)"linux": {/&\
\1\1"uidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],\
\1\1"gidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],/' \
    -e 's/^\([[:space:]]*\)"namespaces": \[/&\
\1\1{"type": "user"},/' \
    -e 's/"CAP_AUDIT_WRITE",/"CAP_AUDIT_WRITE", "CAP_SYS_ADMIN",/' \
    "$T/$1/config.json"
  # Its root owns its rootfs, as an image unpacked for it would be.
  chown -R 100000:100000 "$T/$1/rootfs"
  grep -q '"type": "user"' "$T/$1/config.json" &&
    grep -q '"hostID": 100000' "$T/$1/config.json" &&
    grep -q 'CAP_SYS_ADMIN' "$T/$1/config.json" ||
    fail "runc spec output changed; cannot make $1 user-namespaced"
}

# in CTR CMD...: run in the container, its output on stdout.
in_ctr() {
  c=$1
  shift
  $RUNC exec "$c" "$@" </dev/null
}

# The container's mounts at a path (its own /proc/self/mountinfo).
ctr_mounts_at() {
  in_ctr "$1" cat /proc/self/mountinfo | awk -v p="$2" '$5 == p' | wc -l
}

run_ctr() {
  $RUNC run -d -b "$T/$1" "$1" </dev/null >"$T/$1.log" 2>&1 ||
    fail "runc run $1: $(cat "$T/$1.log")"
}

# as_nobody CMD...: CMD as uid and gid 65534 with no groups, standing for
# any unprivileged host user.
as_nobody() { setpriv --reuid 65534 --regid 65534 --clear-groups -- "$@"; }

# Mounts on the host (our namespace) below a path.
host_mounts_below() {
  awk -v p="$1" 'index($5, p "/") == 1 || $5 == p' /proc/self/mountinfo |
    wc -l
}

# expect_fail WHAT CODE CMD...: CMD must exit with CODE and print one line
# on stderr that starts with "sharedpath: ".
expect_fail() {
  what=$1 code=$2
  shift 2
  set +e
  "$@" >"$T/out" 2>"$T/err"
  rc=$?
  set -e
  [ "$rc" -eq "$code" ] ||
    fail "$what: expected exit $code, got $rc: $(cat "$T/err")"
  [ "$(wc -l <"$T/err")" -eq 1 ] && grep -q '^sharedpath: ' "$T/err" ||
    fail "$what: expected one 'sharedpath: ' line on stderr, got: $(cat "$T/err")"
  ok "$what (exit $code: $(cat "$T/err"))"
}

# expect_gone ID: no state file and no host mount of ID remain.
expect_gone() {
  expect_eq "no state left for $1" "" \
    "$(find "$T/state" -name "$1.*" | tr '\n' ' ')"
  expect_eq "no mount left for $1" 0 \
    "$(($(host_mounts_below "$T/root/master/$1") + \
        $(host_mounts_below "$T/root/midpath/$1")))"
}

start=$(date +%s.%N)
mkdir -p "$T/data/dir" "$T/data/rodir"
echo hello >"$T/data/dir/hello"
echo file-content >"$T/data/file"
echo ro-content >"$T/data/rodir/inside"

# ---- a plain bundle: poststop deletes everything ----
mkbundle "$C1"
cp "$T/$C1/config.json" "$T/config.orig"
expect_fail "oci-prepare of a missing bundle" 1 $SP oci-prepare "$T/nope"
echo '{"ociVersion": "1.0.2", "hooks": []}' >"$T/bad.json"
mkdir "$T/badbundle" && cp "$T/bad.json" "$T/badbundle/config.json"
expect_fail "oci-prepare with a malformed hooks field" 1 \
  $SP oci-prepare "$T/badbundle"
cmp -s "$T/bad.json" "$T/badbundle/config.json" ||
  fail "a refused oci-prepare changed config.json"
[ ! -e "$T/state/badbundle.json" ] ||
  fail "a refused oci-prepare left state for badbundle"
ok "a refused oci-prepare changed nothing"
expect_fail "oci-prepare without a bundle" 2 $SP oci-prepare

$SP oci-prepare "$T/$C1"
$SP oci-prepare "$T/$C1" # idempotent: hooks replaced, not doubled
grep -q '"destination": *"/.sharedpath"' "$T/$C1/config.json" ||
  fail "oci-prepare did not add the /.sharedpath mount"
expect_eq "one sharedpath hook per stage after two prepares" 3 \
  "$(grep -c '"hook",' "$T/$C1/config.json")"

run_ctr "$C1"
expect_eq "hook recorded the container's process" \
  "$($RUNC state "$C1" | awk -F'[:,]' '/"pid"/ {gsub(/ /, "", $2); print $2}')" \
  "$(sed 's/.*"pid":\([0-9]*\).*/\1/' "$T/state/pids/$C1.json")"

$SP add-path "$C1" "$T/data/dir:/mnt/dir" "$T/data/file:/etc/sp-file:ro" \
  "$T/data/rodir:/mnt/ro:ro"
expect_eq "directory visible inside" hello "$(in_ctr "$C1" cat /mnt/dir/hello)"
expect_eq "file visible inside" file-content "$(in_ctr "$C1" cat /etc/sp-file)"
expect_eq "ro directory visible inside" ro-content \
  "$(in_ctr "$C1" cat /mnt/ro/inside)"
echo later >"$T/data/dir/later"
expect_eq "host write shows inside" later "$(in_ctr "$C1" cat /mnt/dir/later)"
in_ctr "$C1" touch /mnt/dir/from-ctr
[ -e "$T/data/dir/from-ctr" ] || fail "rw: a write inside did not reach the host"
ok "rw directory writable from inside"
if in_ctr "$C1" touch /mnt/ro/x 2>/dev/null; then fail "ro directory writable"; fi
[ ! -e "$T/data/rodir/x" ] || fail "ro: a write inside reached the host"
if in_ctr "$C1" sh -c 'echo x >/etc/sp-file' 2>/dev/null; then
  fail "ro file writable"
fi
expect_eq "ro file unchanged" file-content "$(cat "$T/data/file")"
ok "ro enforced on a directory and a file"
expect_eq "list-path" \
  "$(printf '%s\t%s\t%s\n' "$T/data/dir" /mnt/dir rw,rslave \
    "$T/data/file" /etc/sp-file ro,rslave "$T/data/rodir" /mnt/ro ro,rslave)" \
  "$($SP list-path "$C1")"
$SP list-path --json "$C1" | grep -q '"container": *"/mnt/dir"' ||
  fail "list-path --json lacks /mnt/dir"
ok "list-path --json"

# An unprivileged host user reads nothing through the shared root or the
# state dir that it cannot read directly: a bind under the shared root
# shows the host path without its parents' modes.
mkdir -p "$T/data/private/secret"
echo SECRET >"$T/data/private/secret/data"
chmod 0700 "$T/data/private"
$SP add-path "$C1" "$T/data/private/secret:/mnt/secret:ro"
expect_eq "a path under a 0700 parent visible inside" SECRET \
  "$(in_ctr "$C1" cat /mnt/secret/data)"
expect_eq "uid 65534 reads a public host file directly (the control)" hello \
  "$(as_nobody cat "$T/data/dir/hello")"
if as_nobody cat "$T/data/private/secret/data" >/dev/null 2>&1; then
  fail "uid 65534 reads the secret directly: the test proves nothing"
fi
h=$(printf '%s' "$T/data/private/secret" | sha256sum | cut -d' ' -f1)
[ -d "$T/root/master/$C1/$h" ] || fail "no master bind at master/$C1/$h"
for p in "$T/root/master/$C1/$h/data" "$T/root/midpath/$C1/$h/data"; do
  if as_nobody cat "$p" >/dev/null 2>&1; then
    fail "uid 65534 reads the secret through $p"
  fi
done
# Everything root sees under the shared root and the state dir (binds,
# state, locks, process records), tried one by one.
find "$T/root" "$T/state" >"$T/allpaths"
[ "$(wc -l <"$T/allpaths")" -gt 10 ] || fail "too few paths to check"
as_nobody sh -c 'while read -r p; do [ -r "$p" ] && echo "$p"; done; true' \
  <"$T/allpaths" >"$T/readable"
expect_eq "uid 65534 reads nothing under the shared root or the state dir" \
  "" "$(cat "$T/readable")"
# Inside, only the container's root can enter /.sharedpath (0700): its
# other users reach a path at its target alone, with the host path's own
# modes and those of the container's dirs above the target.
as_ctr_user() { $RUNC exec --user 1000:1000 "$C1" "$@" </dev/null 2>/dev/null; }
expect_eq "uid 1000 inside reads the path at its target (the control)" \
  SECRET "$(as_ctr_user cat /mnt/secret/data)"
expect_eq "the container's root reads it through /.sharedpath" SECRET \
  "$(in_ctr "$C1" cat "/.sharedpath/$h/data")"
if as_ctr_user cat "/.sharedpath/$h/data" >/dev/null; then
  fail "uid 1000 inside reads the path through /.sharedpath"
fi
ok "uid 1000 inside cannot enter /.sharedpath"
$SP remove-path "$C1" /mnt/secret

# Bad input changes nothing.
cp "$T/state/$C1.json" "$T/state.before"
expect_fail "add-path with a relative host path" 1 \
  $SP add-path "$C1" "data/x:/mnt/x"
expect_fail "add-path of a taken container path (all or nothing)" 1 \
  $SP add-path "$C1" "$T/data/new:/mnt/new" "$T/data/file:/mnt/dir"
expect_fail "add-path with a bad option" 1 \
  $SP add-path "$C1" "$T/data/new:/mnt/new:rx"
expect_fail "add-path to an unknown container" 1 \
  $SP add-path nosuch "$T/data/new:/mnt/new"
expect_fail "add-path with an invalid id" 2 \
  $SP add-path ../x "$T/data/new:/mnt/new"
expect_fail "add-path into a host process (--pid of ours)" 1 \
  $SP add-path --pid $$ "$C1" "$T/data/new:/mnt/new"
cmp -s "$T/state.before" "$T/state/$C1.json" ||
  fail "a refused add-path changed the state"
expect_eq "refused adds mounted nothing" 0 "$(ctr_mounts_at "$C1" /mnt/new)"
[ ! -e "$T/data/new" ] || fail "a refused add-path created the host dir"
expect_eq "no state for an unknown id" "" "$(find "$T/state" -name 'nosuch*')"
ok "refused add-paths changed nothing"

# A record whose process is not that process any more (pid reuse): the
# path must be saved only, never bound into whatever has that pid now.
cp "$T/state/pids/$C1.json" "$T/record.good"
sed 's/"start_time":[0-9]*/"start_time":1/' "$T/record.good" \
  >"$T/state/pids/$C1.json"
$SP add-path "$C1" "$T/data/dir:/mnt/reuse" 2>"$T/err"
grep -q 'not running' "$T/err" || fail "stale record not reported: $(cat "$T/err")"
expect_eq "stale record: nothing bound inside" 0 \
  "$(ctr_mounts_at "$C1" /mnt/reuse)"
cp "$T/record.good" "$T/state/pids/$C1.json"
$SP remove-path "$C1" /mnt/reuse

$SP remove-path "$C1" /mnt/dir "$T/data/file:/etc/sp-file" /mnt/ro
for p in /mnt/dir /etc/sp-file /mnt/ro; do
  expect_eq "no mount at $p after remove" 0 "$(ctr_mounts_at "$C1" "$p")"
done
if in_ctr "$C1" cat /mnt/dir/hello >/dev/null 2>&1; then
  fail "removed directory still visible inside"
fi
expect_eq "removed file empty inside" "" "$(in_ctr "$C1" cat /etc/sp-file)"
expect_eq "list-path after remove" "" "$($SP list-path "$C1")"

# Added again, then runc delete: poststop must leave nothing.
$SP add-path "$C1" "$T/data/dir:/mnt/dir"
$RUNC delete -f "$C1"
expect_fail "list-path after runc delete" 1 $SP list-path "$C1"
expect_gone "$C1"

# ---- a --persist bundle: paths survive runc delete + run ----
mkbundle "$C2"
$SP oci-prepare --persist "$T/$C2"
run_ctr "$C2"
$SP add-path "$C2" "$T/data/dir:/mnt/dir" "$T/data/file:/etc/sp-file:ro"
expect_eq "persist: directory visible" hello "$(in_ctr "$C2" cat /mnt/dir/hello)"
$RUNC delete -f "$C2"
[ ! -e "$T/state/pids/$C2.json" ] || fail "persist: process record kept"
expect_eq "persist: paths kept after runc delete" 2 \
  "$($SP list-path "$C2" | wc -l)"
# While it is stopped, changes are saved for the next start.
$SP add-path "$C2" "$T/data/rodir:/mnt/ro:ro" 2>/dev/null
run_ctr "$C2"
expect_eq "persist: directory back after run" hello \
  "$(in_ctr "$C2" cat /mnt/dir/hello)"
expect_eq "persist: file back after run" file-content \
  "$(in_ctr "$C2" cat /etc/sp-file)"
expect_eq "persist: path added while stopped applied" ro-content \
  "$(in_ctr "$C2" cat /mnt/ro/inside)"
if in_ctr "$C2" touch /mnt/ro/x 2>/dev/null; then fail "persist: ro lost"; fi
ok "persist: ro kept"
# sharedpath delete of a running container: its paths go inside too; then
# runc delete's poststop finds nothing left to keep.
$SP delete "$C2"
expect_eq "delete: no mount inside" 0 "$(ctr_mounts_at "$C2" /mnt/dir)"
[ ! -e "$T/state/pids/$C2.json" ] || fail "delete: process record kept"
$RUNC delete -f "$C2" 2>"$T/err" || fail "runc delete after delete: $(cat "$T/err")"
[ ! -s "$T/err" ] || fail "poststop after delete complained: $(cat "$T/err")"
ok "runc delete after sharedpath delete"
expect_fail "list-path after delete" 1 $SP list-path "$C2"
expect_gone "$C2"
$SP delete "$C2" # deleting an unknown id succeeds
ok "delete of an unknown id"

# ---- a user-namespaced container: its root cannot make ro writable ----
mkbundle_userns "$C3"
$SP oci-prepare "$T/$C3"
run_ctr "$C3"
expect_eq "userns: root inside is 0" 0 "$(in_ctr "$C3" id -u)"
# The control: it really holds CAP_SYS_ADMIN in its namespace (it can
# mount and remount a tmpfs of its own), so the refusal below is the
# kernel's lock and not a missing capability.
in_ctr "$C3" sh -c 'mount -t tmpfs own /tmp && mount -o remount,bind,ro /tmp' ||
  fail "userns: no CAP_SYS_ADMIN inside; the remount check proves nothing"
ok "userns: the container's root can mount its own"
mkdir -p "$T/data/userns-ro"
echo ro-data >"$T/data/userns-ro/f"
chmod 0666 "$T/data/userns-ro/f"
$SP add-path "$C3" "$T/data/userns-ro:/mnt/ro:ro" "$T/data/file:/etc/ro-file:ro"
expect_eq "userns: ro dir visible" ro-data "$(in_ctr "$C3" cat /mnt/ro/f)"
for p in /mnt/ro /etc/ro-file; do
  if in_ctr "$C3" mount -o remount,bind,rw "$p" 2>/dev/null; then
    fail "userns: the container's root remounted $p read-write"
  fi
done
if in_ctr "$C3" sh -c 'echo x >>/mnt/ro/f' 2>/dev/null; then
  fail "userns: wrote to an ro path"
fi
expect_eq "userns: host file unchanged" ro-data "$(cat "$T/data/userns-ro/f")"
ok "userns: ro stays ro under the container root's CAP_SYS_ADMIN"
$SP remove-path "$C3" /mnt/ro /etc/ro-file
expect_eq "userns: no mount at /mnt/ro after remove" 0 \
  "$(ctr_mounts_at "$C3" /mnt/ro)"
# Placeholders the plugin makes are the container root's; host root's
# files show as nobody's inside without idmap, as its own with it.
mkdir -p "$T/data/shift"
echo shifted >"$T/data/shift/f"
$SP add-path "$C3" "$T/data/dir:/mnt/new/dir"
expect_eq "userns: placeholder owned by the container's root" "0 0" \
  "$(in_ctr "$C3" stat -c '%u %g' /mnt/new)"
expect_eq "userns: host root's dir is nobody's without idmap" \
  "65534 65534" "$(in_ctr "$C3" stat -c '%u %g' /mnt/new/dir)"
# Kernels before 6.3 cannot idmap a tmpfs ($T is one): refused there.
kernel=${SHAREDPATH_KERNEL:-$(uname -r)}
if [ "$(printf '%s\n6.3\n' "${kernel%%-*}" | sort -V | head -1)" = 6.3 ]; then
  $SP add-path "$C3" "$T/data/shift:/mnt/shift:idmap"
  expect_eq "idmap: host root's dir is the container root's" "0 0" \
    "$(in_ctr "$C3" stat -c '%u %g' /mnt/shift)"
  in_ctr "$C3" sh -c 'echo from-ctr >/mnt/shift/new' ||
    fail "idmap: the container's root cannot write into host root's dir"
  expect_eq "idmap: the file is host root's on the host" "0 0" \
    "$(stat -c '%u %g' "$T/data/shift/new")"
  $SP remove-path "$C3" /mnt/shift
else
  expect_fail "idmap on a tmpfs before 6.3 (kernel $kernel)" 1 \
    $SP add-path "$C3" "$T/data/shift:/mnt/shift:idmap"
fi
$SP remove-path "$C3" /mnt/new/dir
$RUNC delete -f "$C3"
expect_gone "$C3"

# ---- rbind: the host path with its submounts ----
mkdir -p "$T/data/tree/sub" "$T/data/tree/later"
mount -t tmpfs tree-sub "$T/data/tree/sub"
echo sub >"$T/data/tree/sub/s"
mkbundle "$C5"
$SP oci-prepare "$T/$C5"
run_ctr "$C5"
$SP add-path "$C5" "$T/data/tree:/mnt/flat" 2>/dev/null ||
  fail "rbind: the plain add failed"
expect_eq "no rbind: the submount is not carried" "" \
  "$(in_ctr "$C5" cat /mnt/flat/sub/s 2>/dev/null)"
$SP remove-path "$C5" /mnt/flat
$SP add-path "$C5" "$T/data/tree:/mnt/tree:ro,rbind"
expect_eq "rbind: the submount is carried" sub \
  "$(in_ctr "$C5" cat /mnt/tree/sub/s)"
if in_ctr "$C5" touch /mnt/tree/sub/x 2>/dev/null; then
  fail "rbind: ro does not cover the submount"
fi
ok "rbind: ro covers the submount"
$SP remove-path "$C5" /mnt/tree
expect_eq "rbind: no mount left inside" 0 \
  "$(in_ctr "$C5" cat /proc/self/mountinfo | grep -c /mnt/tree)"
umount "$T/data/tree/sub"
$RUNC delete -f "$C5"
expect_gone "$C5"

# ---- a read-only root (root.readonly) ----
mkbundle "$C4"
sed -i 's/"readonly": false/"readonly": true/' "$T/$C4/config.json"
$SP oci-prepare "$T/$C4"
run_ctr "$C4"
if in_ctr "$C4" touch /x 2>/dev/null; then
  fail "rootro: the root is writable: the test proves nothing"
fi
# A missing target is made through a writable clone of the root's mount,
# which takes the new mount API; without it (before 5.12) the add is
# refused, and nothing is made.
if $SP check --json | grep -q '"step":"container-binds","mechanism":"mount-api"'; then
  $SP add-path "$C4" "$T/data/dir:/mnt/new/dir" "$T/data/file:/etc/new-file:ro"
  expect_eq "rootro: a new dir target" hello "$(in_ctr "$C4" cat /mnt/new/dir/hello)"
  expect_eq "rootro: a new file target" file-content \
    "$(in_ctr "$C4" cat /etc/new-file)"
else
  expect_fail "rootro: a new target without the new mount API" 1 \
    $SP add-path "$C4" "$T/data/dir:/mnt/new/dir" "$T/data/file:/etc/new-file:ro"
  grep -q 'read-only' "$T/err" ||
    fail "rootro: the refusal does not say the root is read-only"
  if in_ctr "$C4" test -e /mnt/new; then
    fail "rootro: a refused add left a placeholder"
  fi
  ok "rootro: nothing made"
fi
if in_ctr "$C4" touch /mnt/new/x 2>/dev/null; then
  fail "rootro: the root became writable"
fi
ok "rootro: the root stays read-only"
# A file onto /dev/null (a character device) says what is wrong.
expect_fail "a file onto /dev/null" 1 \
  $SP add-path "$C4" "$T/data/file:/dev/null:ro"
grep -q 'is a character device' "$T/err" ||
  fail "a file onto /dev/null: the message does not say it is a device"
$RUNC delete -f "$C4"
expect_gone "$C4"

# Only the plugin's once-per-host setup remains: the root's private bind
# and the master tmpfs.
expect_eq "mounts under the shared root" 2 "$(host_mounts_below "$T/root")"
echo "e2e: checks took $(awk -v a="$start" -v b="$(date +%s.%N)" \
  'BEGIN { printf "%.2f", b - a }')s"
