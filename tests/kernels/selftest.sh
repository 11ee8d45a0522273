#!/bin/sh
# kernels.launcher: sharedpath-kernel-run makes this kernel look like each
# profile, as sharedpath-kernel-probe checks it (calls, flags, statx bits,
# pidfds, glibc's clone3 fallback); a wrong expectation is caught; runc
# and busybox run real containers under every profile.
# Usage: selftest.sh LAUNCHER PROBE
set -eu
RUN=$1
PROBE=$2
profiles="6.6 5.15 5.10 5.4 4.19"
failed=0
fail() {
  echo "FAILED: $*" >&2
  failed=1
}
T=$(mktemp -d /tmp/sharedpath-kernels.XXXXXX)
trap 'rm -rf "$T"' EXIT

echo "== the running kernel, no launcher"
"$PROBE" none || fail "the probe fails on the running kernel: its expectations are wrong"

for k in $profiles; do
  echo "== --kernel $k"
  "$RUN" --kernel "$k" -- "$PROBE" "$k" || fail "profile $k"
done

# The checks can fail: 6.6 is not 5.10, and without the shim statx shows
# what a 5.4 kernel lacks.
echo "== --kernel 6.6 checked against 5.10 (must fail)"
if "$RUN" --kernel 6.6 -- "$PROBE" 5.10 >"$T/out" 2>&1; then
  fail "the probe passed 6.6 as 5.10"
fi
grep -q '^FAIL mount_setattr (442)' "$T/out" ||
  fail "6.6 as 5.10: mount_setattr not reported: $(cat "$T/out")"
echo "== --kernel 5.4 --no-shim (statx must fail)"
if "$RUN" --no-shim --kernel 5.4 -- "$PROBE" 5.4 >"$T/out" 2>&1; then
  fail "without the shim the 5.4 statx checks passed"
fi
grep -q '^FAIL statx' "$T/out" || fail "no statx failure without the shim"
if grep '^FAIL' "$T/out" | grep -v -e '^FAIL statx' -e '^FAIL setns pidfd'; then
  fail "without the shim only statx and setns may differ"
fi
echo "ok: a wrong expectation and a missing shim are caught"

# no_new_privs: left as it was (root may install a filter without it), so
# setuid programs and runc's noNewPrivileges behave as without the launcher.
before=$(awk '/^NoNewPrivs:/ {print $2}' /proc/self/status)
under=$("$RUN" --kernel 4.19 -- awk '/^NoNewPrivs:/ {print $2}' /proc/self/status)
[ "$before" = "$under" ] || fail "no_new_privs was $before, under the launcher $under"
echo "ok: no_new_privs unchanged ($under)"
# Unprivileged, the kernel demands no_new_privs: the launcher sets it, says
# so, and the filter is in place.
if command -v setpriv >/dev/null && [ "$(id -u)" -eq 0 ]; then
  out=$(setpriv --reuid 65534 --regid 65534 --clear-groups -- \
    "$RUN" --no-shim --kernel 5.10 -- awk '/^(NoNewPrivs|Seccomp):/ {printf "%s%s ", $1, $2}' \
    /proc/self/status 2>"$T/err") || true
  [ "$out" = "NoNewPrivs:1 Seccomp:2 " ] && grep -q 'not privileged: set no_new_privs' "$T/err" ||
    fail "unprivileged: expected no_new_privs set and a note, got '$out' $(cat "$T/err")"
  echo "ok: unprivileged, no_new_privs is set and said: $(cat "$T/err")"
fi
set +e
"$RUN" --kernel 3.10 -- true 2>/dev/null
rc=$?
set -e
[ "$rc" -eq 2 ] || fail "an unknown profile: expected exit 2, got $rc"
echo "ok: an unknown profile is refused"

# Real containers: runc (Go) and a static busybox under every profile.
if ! command -v runc >/dev/null || [ ! -x /bin/busybox ] || ! command -v unshare >/dev/null; then
  echo "skip runc: runc, /bin/busybox or unshare missing (scripts/deps.sh test)"
else
  for k in $profiles; do
    out=$("$RUN" --kernel "$k" -- unshare -m -- sh -c '
      set -eu
      mount --make-rprivate /
      mount -t tmpfs -o size=32m spkern "$1"
      b=$1/bundle
      mkdir -p "$b/rootfs/bin"
      cp /bin/busybox "$b/rootfs/bin/"
      cd "$b" && runc spec
      sed -i -e "s/\"terminal\": true/\"terminal\": false/" \
        -e "s/^\([[:space:]]*\)\"sh\"$/\1\"\/bin\/busybox\", \"sh\", \"-c\", \"echo in-ctr \$(\/bin\/busybox uname -r)\"/" \
        config.json
      runc --root "$1/state" run -b "$b" "spkern-$$-$2" </dev/null
    ' sh "$T" "$k" 2>&1) || true
    case "$out" in
    "in-ctr "*) echo "ok: runc + busybox under $k: $out" ;;
    *) fail "runc under $k: $out" ;;
    esac
  done
fi

[ "$failed" -eq 0 ] && echo "kernels.launcher: passed" && exit 0
echo "kernels.launcher: FAILED"
exit 1
