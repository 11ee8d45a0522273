#!/bin/sh
# End-to-end: `sharedpath` with podman (Debian 12's 4.3) and runc, through
# the hook files `cmake --install` wrote.
# Usage: podman.sh PREFIX
#   PREFIX: an install prefix (PREFIX/bin/sharedpath, its plugin, and
#   PREFIX/share/containers/oci/hooks.d/*.json naming that binary).
#
# Nothing here touches the machine: the test runs in a mount namespace of
# its own whose root is a tmpfs (pivot_root), with the machine's /usr and
# /etc bound read-only and fresh /run, /var, /tmp, /dev/shm.  So the hooks'
# defaults (/.sharedpath, /var/lib/sharedpath) and whatever podman, conmon
# and runc write by default (/run/runc, /var/lib/containers, shm locks) land
# in that tmpfs and go with it.  podman's storage is under a temp dir anyway
# (--root, --runroot, --tmpdir), with --network none (netavark/CNI would edit
# the machine's firewall), --ulimit (this sandbox cannot raise limits) and an
# image imported from busybox (no registry).  Afterwards, from the machine's
# side: its mount table, cgroups and processes must be as before.
# Exit 77 (skipped) only when podman cannot run here, with the reason.
set -eu

SKIP=77
PHASE=${SP_POD_PHASE:-host}
SELF=$(realpath "$0")

# ---------------------------------------------------------------- host ----
if [ "$PHASE" = host ]; then
  skip() { echo "e2e.podman: SKIPPED: $*" >&2; exit $SKIP; }
  [ $# -eq 1 ] || { echo "usage: $0 PREFIX" >&2; exit 2; }
  PREFIX=$(realpath "$1")
  [ "$(id -u)" -eq 0 ] || skip "needs root (mount namespaces, podman as root)"
  for tool in podman runc conmon unshare pivot_root; do
    command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] ||
      skip "$tool is missing (scripts/deps.sh test installs podman and runc)"
  done
  [ -x /bin/busybox ] || skip "/bin/busybox is missing (busybox-static)"
  [ -x "$PREFIX/bin/sharedpath" ] ||
    { echo "e2e.podman: $PREFIX/bin/sharedpath is missing (cmake --install)" >&2
      exit 1; }
  T=$(mktemp -d /tmp/sharedpath-pod.XXXXXX)
  snap() {
    cut -d' ' -f5,9- /proc/self/mountinfo | sort >"$1.mounts"
    find /sys/fs/cgroup -mindepth 1 -maxdepth 3 -type d 2>/dev/null |
      sort >"$1.cgroups"
    # Where podman, conmon, runc and netavark/CNI write by default.
    ls -a /run/netns /run/runc /run/containers /run/libpod \
      /var/lib/containers /etc/cni/net.d /dev/shm >"$1.files" 2>&1 || true
  }
  snap "$T.before"
  # A reader that goes away (| head) must not kill us before the cleanup:
  # writes fail instead, and the test's exit trap cleans up.
  trap '' PIPE
  rc=0
  SP_POD_PHASE=ns unshare -m -- "$SELF" "$PREFIX" "$T" || rc=$?
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
  # Cgroups podman made for our containers (their parent is ours).
  if [ -n "$cg" ]; then
    for d in /sys/fs/cgroup/*/"$cg" /sys/fs/cgroup/"$cg"; do
      [ -d "$d" ] || continue
      find "$d" -depth -mindepth 1 -type d -exec rmdir {} + 2>/dev/null || true
      rmdir "$d" 2>/dev/null || true
    done
  fi
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
  if ! diff -u "$T.before.cgroups" "$T.after.cgroups" >&2; then
    echo "FAILED: cgroups left behind (above)" >&2
    status=fail
  fi
  if ! diff -u "$T.before.files" "$T.after.files" >&2; then
    echo "FAILED: files left in the machine's runtime dirs (above)" >&2
    status=fail
  fi
  rm -f "$T".before.* "$T".after.* "$T.ns" "$T.cgparent"
  rmdir "$T" 2>/dev/null || true
  if [ "$rc" -eq $SKIP ]; then exit $SKIP; fi
  [ "$status" = ok ] && [ "$rc" -eq 0 ] ||
    { echo "e2e.podman: FAILED"; exit 1; }
  echo "e2e.podman: the machine's mount table, cgroups, runtime dirs and" \
    "processes are as before"
  echo "e2e.podman: passed"
  exit 0
fi

# ------------------------------------------------- ns: build the root ----
if [ "$PHASE" = ns ]; then
  PREFIX=$1 T=$2
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
  # The test itself and the installed prefix, at the same paths.
  for d in "$(dirname "$SELF")" "$PREFIX"; do
    mkdir -p "$T$d"
    mount --bind "$d" "$T$d"
  done
  cd "$T"
  pivot_root . old
  exec chroot . /bin/sh -c 'umount -l /old && rmdir /old &&
    exec env SP_POD_PHASE=root SP_POD_CGPARENT="$1" "$2" "$3"' \
    sh "pod-e2e-$$" "$SELF" "$PREFIX"
fi

# ------------------------------------------------------ root: the test ----
PREFIX=$1
cd /
SP=$PREFIX/bin/sharedpath
HOOKS=$PREFIX/share/containers/oci/hooks.d
W=/var/tmp/pod
mkdir -p "$W/rootfs/bin" "$W/data"
# podman configured by flags and this file only, not by the machine's.
printf '[engine]\nhooks_dir = []\n' >"$W/containers.conf"
export CONTAINERS_CONF="$W/containers.conf"
PODMAN="podman --root $W/storage --runroot $W/runroot --tmpdir $W/tmp
  --network-config-dir $W/cni --storage-driver vfs --runtime runc
  --cgroup-manager cgroupfs --events-backend file"
RUNOPTS="--network none --ulimit nofile=4096:4096 --ulimit nproc=4096:4096
  --cgroup-parent /$SP_POD_CGPARENT"
failed=0

cleanup() {
  rc=$?
  $PODMAN rm -a -f -t 0 >/dev/null 2>&1 || true
  $PODMAN rmi -a -f >/dev/null 2>&1 || true
  [ "$rc" -eq 0 ] || [ "$rc" -eq $SKIP ] && [ "$failed" -eq 0 ] ||
    echo "e2e.podman: FAILED in the test"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP PIPE

fail() {
  failed=1
  echo "FAILED: $*" >&2
  exit 1
}
ok() { echo "ok: $*"; }
expect_eq() {
  [ "$2" = "$3" ] || fail "$1: expected '$2', got '$3'"
  ok "$1"
}

# expect_fail WHAT CMD...: CMD must fail (exit 1) with one line on stderr
# that starts with "sharedpath: "; $T_ERR keeps it.
T_ERR=$W/err
expect_fail() {
  what=$1
  shift
  set +e
  "$@" >"$W/out" 2>"$T_ERR"
  rc=$?
  set -e
  [ "$rc" -eq 1 ] || fail "$what: expected exit 1, got $rc: $(cat "$T_ERR")"
  [ "$(wc -l <"$T_ERR")" -eq 1 ] && grep -q '^sharedpath: ' "$T_ERR" ||
    fail "$what: expected one 'sharedpath: ' line on stderr, got: $(cat "$T_ERR")"
  ok "$what ($(cat "$T_ERR"))"
}
# expect_in WHAT NEEDLE FILE: FILE has a line with NEEDLE (fixed string).
expect_in() {
  grep -qF -- "$2" "$3" || fail "$1: no '$2' in $3: $(tail -5 "$3")"
  ok "$1"
}
in_ctr() {
  c=$1
  shift
  $PODMAN exec "$c" "$@" </dev/null
}
# run_ctr NAME SPID [podman run options...]: a detached sleeper with the
# sharedpath id SPID and the installed hooks; prints podman's id.
run_ctr() {
  name=$1 spid=$2
  shift 2
  $PODMAN run -d --name "$name" $RUNOPTS --hooks-dir "$HOOKS" \
    --annotation io.sharedpath.id="$spid" "$@" podbusybox sleep 600
}
LOG=/var/lib/sharedpath/log/hooks.log
log_lines() { if [ -f "$LOG" ]; then wc -l <"$LOG"; else echo 0; fi; }

start=$(date +%s.%N)
cp /bin/busybox "$W/rootfs/bin/"
for c in sh sleep cat ls touch test true; do
  ln -s busybox "$W/rootfs/bin/$c"
done
# Can podman run a container here at all, without sharedpath?  If not,
# this machine cannot run the test: skip, saying why.
if ! tar -C "$W/rootfs" -c . |
  $PODMAN import --change 'ENV PATH=/bin' - podbusybox >/dev/null \
    2>"$W/import"; then
  echo "e2e.podman: SKIPPED: podman cannot import an image here:" \
    "$(tail -3 "$W/import")" >&2
  exit $SKIP
fi
if ! $PODMAN run --rm $RUNOPTS podbusybox true >/dev/null 2>"$W/probe"; then
  echo "e2e.podman: SKIPPED: podman cannot run a container here (without" \
    "sharedpath): $(tail -3 "$W/probe")" >&2
  exit $SKIP
fi
ok "podman runs a container here (image imported from busybox)"

# ---- the installed hook files ----
for f in sharedpath.json sharedpath-precreate.json; do
  expect_in "$f names the installed binary" "\"path\": \"$SP\"" "$HOOKS/$f"
  expect_in "$f: the id regex is the CLI's, anchored" \
    '"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$"' "$HOOKS/$f"
done
[ -x "$SP" ] || fail "the hook files name $SP, which does not exist"

# podman skips a hook file whose path does not exist, without a word: what
# the README warns about, shown here (the run succeeds, no hook runs).
mkdir -p "$W/badhooks"
sed "s|\"path\": \"$SP\"|\"path\": \"/nonexistent/sharedpath\"|" \
  "$HOOKS/sharedpath-precreate.json" >"$W/badhooks/sharedpath-precreate.json"
$PODMAN run -d --name pod-badhook $RUNOPTS --hooks-dir "$W/badhooks" \
  --annotation io.sharedpath.id=pod-badhook podbusybox sleep 600 >/dev/null
expect_fail "a hook file with a missing path: podman ran no hook" \
  $SP list-path pod-badhook
$PODMAN rm -f -t 0 pod-badhook >/dev/null

# The `when` regex takes exactly the ids the CLI takes: 128 characters are
# an id, 129 are not (and no hook may run for them).
id128=pod$(printf '%0125d' 0)
id129=${id128}x
run_ctr pod-id128 "$id128" >/dev/null
$SP list-path "$id128" >/dev/null || fail "no hook ran for a 128-character id"
ok "hooks ran for a 128-character id"
$PODMAN rm -f -t 0 pod-id128 >/dev/null
[ ! -e "/var/lib/sharedpath/$id128.json" ] || fail "128-character id: state left"
n=$(log_lines)
run_ctr pod-id129 "$id129" >/dev/null
expect_eq "no hook ran for a 129-character id" "$n" "$(log_lines)"
$PODMAN rm -f -t 0 pod-id129 >/dev/null

# ---- the whole story, with persist ----
mkdir -p "$W/data/dir" "$W/data/rodir"
echo hello >"$W/data/dir/hello"
echo file-content >"$W/data/file"
echo ro-content >"$W/data/rodir/inside"
WEB=$(run_ctr pod-web pod-web --annotation io.sharedpath.persist=true)
SHORT=$(echo "$WEB" | cut -c1-12)
[ -s /var/lib/sharedpath/pids/pod-web.json ] || fail "createRuntime: no record"
expect_in "the owner is podman's container" "\"engine_id\":\"$WEB\"" \
  /var/lib/sharedpath/owners/pod-web.json
for stage in precreate createRuntime poststart; do
  expect_in "hook log: $stage ran" "info: hook $stage pod-web: " "$LOG"
done
expect_eq "hook log dir 0700, file 0600" "700 600" \
  "$(stat -c %a /var/lib/sharedpath/log) $(stat -c %a "$LOG")"

$SP add-path pod-web "$W/data/dir:/mnt/dir" "$W/data/file:/etc/sp-file:ro" \
  "$W/data/rodir:/mnt/ro:ro"
expect_eq "dir visible inside" hello "$(in_ctr pod-web cat /mnt/dir/hello)"
expect_eq "file visible inside" file-content "$(in_ctr pod-web cat /etc/sp-file)"
echo later >"$W/data/dir/later"
expect_eq "host write seen inside" later "$(in_ctr pod-web cat /mnt/dir/later)"
in_ctr pod-web touch /mnt/dir/from-ctr
[ -e "$W/data/dir/from-ctr" ] || fail "rw: a write inside did not reach the host"
ok "rw dir writable from inside"
if in_ctr pod-web touch /mnt/ro/x 2>/dev/null; then fail "ro dir writable"; fi
if in_ctr pod-web sh -c 'echo x >/etc/sp-file' 2>/dev/null; then
  fail "ro file writable"
fi
expect_eq "ro file unchanged" file-content "$(cat "$W/data/file")"
ok "ro enforced on a dir and a file"
LIST=$(printf '%s\t%s\t%s\n' "$W/data/dir" /mnt/dir rw,rslave \
  "$W/data/file" /etc/sp-file ro,rslave "$W/data/rodir" /mnt/ro ro,rslave)
expect_eq "list-path" "$LIST" "$($SP list-path pod-web)"

# The engine's ids find the container too; too short a prefix does not.
expect_eq "list-path by podman's full id" "$LIST" "$($SP list-path "$WEB")"
expect_eq "list-path by podman's short id" "$LIST" "$($SP list-path "$SHORT")"
expect_fail "list-path by an 11-character prefix" \
  $SP list-path "$(echo "$WEB" | cut -c1-11)"
expect_in "... names the known ids" "known: pod-web (container $SHORT)" "$T_ERR"
expect_fail "add-path to podman's name (podman passes no name to hooks)" \
  $SP add-path pod-nosuch "$W/data/dir:/mnt/x"
expect_in "... says where the id comes from" "io.sharedpath.id annotation" \
  "$T_ERR"

$SP remove-path "$SHORT" /mnt/ro
if in_ctr pod-web cat /mnt/ro/inside >/dev/null 2>&1; then
  fail "removed dir still visible"
fi
ok "remove-path by the short id"
$SP add-path pod-web "$W/data/rodir:/mnt/ro:ro"

# stop / start: the paths come back (persist)
$PODMAN stop -t 0 pod-web >/dev/null
[ ! -e /var/lib/sharedpath/pids/pod-web.json ] || fail "stop: record kept"
expect_in "hook log: poststop kept the paths" \
  "hook poststop pod-web: container $SHORT stopped: its paths are kept" "$LOG"
expect_eq "paths kept while stopped" 3 "$($SP list-path pod-web | wc -l)"
$PODMAN start --hooks-dir "$HOOKS" pod-web >/dev/null
expect_eq "start: dir back" hello "$(in_ctr pod-web cat /mnt/dir/hello)"
expect_eq "start: file back" file-content "$(in_ctr pod-web cat /etc/sp-file)"
if in_ctr pod-web touch /mnt/ro/x 2>/dev/null; then fail "start: ro lost"; fi
ok "start: ro kept"
$PODMAN restart -t 0 --hooks-dir "$HOOKS" pod-web >/dev/null
expect_eq "restart: dir back" hello "$(in_ctr pod-web cat /mnt/dir/hello)"

# Started without the hooks (no --hooks-dir): add-path must not pretend.
$PODMAN stop -t 0 pod-web >/dev/null
$PODMAN start pod-web >/dev/null
cp /var/lib/sharedpath/pod-web.json "$W/state.before"
expect_fail "add-path to a container started without the hooks" \
  $SP add-path pod-web "$W/data/dir:/mnt/nohooks"
expect_in "... says it was started without the hooks" \
  "started without the hooks" "$T_ERR"
cmp -s "$W/state.before" /var/lib/sharedpath/pod-web.json ||
  fail "the refused add-path changed the state"
$PODMAN restart -t 0 --hooks-dir "$HOOKS" pod-web >/dev/null
expect_eq "restarted with the hooks: dir back" hello \
  "$(in_ctr pod-web cat /mnt/dir/hello)"

# ---- one container per id ----
n=$(log_lines)
if run_ctr pod-dup pod-web >/dev/null 2>"$W/dup.err"; then
  fail "a second container with a running container's id started"
fi
expect_in "duplicate refused while the owner runs (hook log)" \
  "sharedpath id 'pod-web' is in use by running container $SHORT" "$LOG"
$PODMAN rm -f -t 0 pod-dup >/dev/null 2>&1 || true
expect_eq "owner untouched by the duplicate" hello \
  "$(in_ctr pod-web cat /mnt/dir/hello)"
expect_eq "its paths untouched by the duplicate" 3 \
  "$($SP list-path pod-web | wc -l)"
grep -q "\"pid\":$($PODMAN inspect -f '{{.State.Pid}}' pod-web)," \
  /var/lib/sharedpath/pids/pod-web.json || fail "the duplicate took the record"
ok "the owner's process record kept"

# A poststop of another container for the id (podman runs none for a
# container whose create failed; another engine might): nothing changes.
printf '{"ociVersion":"1.0.2","id":"pod-other","status":"stopped",%s}' \
  '"annotations":{"io.sharedpath.id":"pod-web"}' |
  $SP hook 2>"$W/err" || fail "poststop of another container failed"
expect_in "another container's poststop: a warning naming both" \
  "warning: sharedpath id 'pod-web' belongs to container $SHORT, not to pod-other" \
  "$W/err"
expect_eq "... the paths still inside" hello "$(in_ctr pod-web cat /mnt/dir/hello)"
[ -s /var/lib/sharedpath/pids/pod-web.json ] || fail "... the record went"
ok "... the record kept"

# A new container claiming a stopped owner's id: refused, naming both,
# unless the operator hands it over.
$PODMAN stop -t 0 pod-web >/dev/null
if NEW=$(run_ctr pod-new pod-web 2>"$W/new.err"); then
  fail "a new container took a stopped container's id without takeover"
fi
NEW=$($PODMAN inspect -f '{{.Id}}' pod-new | cut -c1-12)
expect_in "new container refused, naming the owner and itself" \
  "sharedpath id 'pod-web' belongs to container $SHORT, which is stopped and keeps its paths: container $NEW is refused" \
  "$LOG"
expect_in "... and podman's error shows the reason" "belongs to container" \
  "$W/new.err"
$PODMAN rm -f -t 0 pod-new >/dev/null
expect_eq "the refused container's stop kept the paths" 3 \
  "$($SP list-path pod-web | wc -l)"
TAKER=$(run_ctr pod-taker pod-web --annotation io.sharedpath.takeover=true \
  --annotation io.sharedpath.persist=true)
expect_eq "takeover: the paths in the new container" hello \
  "$(in_ctr pod-taker cat /mnt/dir/hello)"
expect_in "hook log: the takeover, naming the old owner" \
  "took the id over from container $SHORT" "$LOG"
if $PODMAN start --hooks-dir "$HOOKS" pod-web >/dev/null 2>&1; then
  fail "the old owner started with its id taken"
fi
ok "the old owner is refused now"
$PODMAN rm -f -t 0 pod-web >/dev/null
expect_eq "taker's paths intact" hello "$(in_ctr pod-taker cat /mnt/dir/hello)"

# podman rm of a persisted container keeps the paths; sharedpath delete
# takes them, by podman's id.
$PODMAN rm -f -t 0 pod-taker >/dev/null
expect_eq "podman rm (persist): paths kept" 3 "$($SP list-path pod-web | wc -l)"
$SP delete "$(echo "$TAKER" | cut -c1-12)"
expect_fail "list-path after delete" $SP list-path pod-web
[ -z "$(find /var/lib/sharedpath -name 'pod-web.*')" ] ||
  fail "delete left: $(find /var/lib/sharedpath -name 'pod-web.*')"
ok "delete left no state, record or owner"

# delete of an unknown id: exit 0 (idempotent), but it says so.
$SP delete pod-nosuch 2>"$W/err" || fail "delete of an unknown id failed"
expect_in "delete of an unknown id says so" \
  "delete pod-nosuch: nothing to delete: no container 'pod-nosuch' is known" \
  "$W/err"

# ---- without persist: podman rm (and stop) delete everything ----
run_ctr pod-plain pod-plain >/dev/null
$SP add-path pod-plain "$W/data/dir:/mnt/dir"
expect_eq "plain: dir visible" hello "$(in_ctr pod-plain cat /mnt/dir/hello)"
$PODMAN rm -f -t 0 pod-plain >/dev/null
expect_fail "plain: list-path after podman rm" $SP list-path pod-plain
[ -z "$(find /var/lib/sharedpath -name 'pod-plain.*')" ] ||
  fail "podman rm left state"

# Nothing of ours is left: no container, no state, no mount but the shared
# root's own two (its private bind and the master tmpfs).
expect_eq "no container left" "" "$($PODMAN ps -a -q)"
expect_eq "no state left" "" \
  "$(find /var/lib/sharedpath -name '*.json' | tr '\n' ' ')"
expect_eq "mounts under the shared root" 2 \
  "$(awk '$5 == "/.sharedpath" || index($5, "/.sharedpath/") == 1' \
    /proc/self/mountinfo | wc -l)"

echo "e2e.podman: checks took $(awk -v a="$start" -v b="$(date +%s.%N)" \
  'BEGIN { printf "%.2f", b - a }')s"
