#!/bin/sh
# End-to-end: `sharedpath` with podman (Debian 12's 4.3) and runc, through
# the hook files `cmake --install` wrote.
# Usage: sandbox.sh podman.sh PREFIX (see sandbox.sh: it runs this in a
#   tmpfs root of its own and checks the machine afterwards)
#   PREFIX: an install prefix (PREFIX/bin/sharedpath, its plugin, and
#   PREFIX/share/containers/oci/hooks.d/*.json naming that binary).
#
# podman's storage is under a temp dir anyway (--root, --runroot,
# --tmpdir), with --network none (netavark/CNI would edit the machine's
# firewall), --ulimit (this sandbox cannot raise limits) and an image
# imported from busybox (no registry).
# Exit 77 (skipped) only when podman cannot run here, with the reason.
set -eu

SKIP=77
[ -n "${SP_SANDBOX_CGPARENT:-}" ] ||
  { echo "e2e.podman: run it through sandbox.sh" >&2; exit 2; }
skip() { echo "e2e.podman: SKIPPED: $*" >&2; exit $SKIP; }
for tool in podman runc conmon; do
  command -v "$tool" >/dev/null 2>&1 ||
    skip "$tool is missing (scripts/deps.sh test installs podman and runc)"
done
[ -x /bin/busybox ] || skip "/bin/busybox is missing (busybox-static)"

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
  --cgroup-parent /$SP_SANDBOX_CGPARENT"
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
# try_ctr NAME SPID [podman run options...]: a detached sleeper with the
# sharedpath id SPID and the installed hooks; prints podman's id.
try_ctr() {
  name=$1 spid=$2
  shift 2
  $PODMAN run -d --name "$name" $RUNOPTS --hooks-dir "$HOOKS" \
    --annotation io.sharedpath.id="$spid" "$@" podbusybox sleep 600
}
# run_ctr: try_ctr that must work.
run_ctr() {
  try_ctr "$@" 2>"$W/run.err" ||
    fail "podman run $1 (id $2) failed: $(cat "$W/run.err")"
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
if try_ctr pod-dup pod-web >/dev/null 2>"$W/dup.err"; then
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
if NEW=$(try_ctr pod-new pod-web 2>"$W/new.err"); then
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
