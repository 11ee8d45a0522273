#!/bin/sh
# An engine's build against the installed tree, as its own build would see
# it: `cmake --install` into a staging prefix, then
#   cc engine.c $(pkg-config --cflags --libs sharedpath-host)
# (PKG_CONFIG_PATH=STAGE/LIBDIR/pkgconfig), and the same linked with the
# static libsharedpath-host.a; both run against the installed plugin, found
# through `pkg-config --variable=plugin sharedpath-plugin`; and the
# installed `sharedpath` finds that plugin by itself.
# Usage: run-installed.sh BUILD_DIR LIBDIR CC SANITIZE(ON|OFF)
set -eu
build=$1 libdir=$2 cc=$3 sanitize=$4
here=$(cd "$(dirname "$0")" && pwd)
for tool in pkg-config "$cc" unshare; do
  command -v "$tool" >/dev/null ||
    { echo "$tool is missing; skipped" >&2; exit 77; }
done
tmp=$(mktemp -d /tmp/sharedpath-installed.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
stage=$tmp/stage
if [ -w "$build" ]; then
  cmake --install "$build" --prefix "$stage" >"$tmp/install.log"
else
  # A read-only build dir (the kernel VM's): the install script writes its
  # manifest there, so run a copy that writes it here instead.
  sed "s|\"$build/\${CMAKE_INSTALL_MANIFEST}\"|\"$tmp/\${CMAKE_INSTALL_MANIFEST}\"|" \
    "$build/cmake_install.cmake" >"$tmp/cmake_install.cmake"
  grep -q "$tmp/" "$tmp/cmake_install.cmake" ||
    { echo "cannot redirect the install manifest of $build" >&2; exit 1; }
  cmake -DCMAKE_INSTALL_PREFIX="$stage" -P "$tmp/cmake_install.cmake" \
    >"$tmp/install.log"
fi
export PKG_CONFIG_PATH="$stage/$libdir/pkgconfig"
cflags=$(pkg-config --cflags sharedpath-host)
libs=$(pkg-config --libs sharedpath-host)
static_libs=$(pkg-config --static --libs-only-l sharedpath-host |
              sed 's/-lsharedpath-host//')
plugin=$(pkg-config --variable=plugin sharedpath-plugin)
case "$sanitize" in
ON|on|1|TRUE|true) extra="-fsanitize=address,undefined" ;;
*) extra="" ;;
esac
echo "cc engine.c $cflags $libs"
# shellcheck disable=SC2086 # flags are words
"$cc" $extra -o "$tmp/engine" "$here/engine.c" $cflags $libs
# shellcheck disable=SC2086
"$cc" $extra -o "$tmp/engine-static" "$here/engine.c" $cflags \
  "$stage/$libdir/libsharedpath-host.a" $static_libs
if [ ! -f "$plugin" ]; then
  echo "pkg-config names the plugin $plugin, which is not installed" >&2
  exit 1
fi
LD_LIBRARY_PATH="$stage/$libdir" "$here/run-example.sh" "$tmp/engine" "$plugin"
"$here/run-example.sh" "$tmp/engine-static" "$plugin"

# The installed command finds the installed plugin beside it (relative to
# its own directory), whatever the prefix: an unknown id is answered once
# the plugin is loaded, "cannot find the plugin" would come before.
mkdir "$tmp/ns"
rc=0
out=$(unshare -m sh -c "mount --make-rprivate / &&
  mount -t tmpfs tmpfs '$tmp/ns' -o mode=0700 &&
  '$stage/bin/sharedpath' --root '$tmp/ns/root' --state-dir '$tmp/ns/state' \
    list-path nothere" 2>&1) || rc=$?
echo "$out"
if [ "$rc" -ne 1 ] || ! printf '%s\n' "$out" | grep -q "no container 'nothere' is known"; then
  echo "the installed sharedpath did not load the installed plugin" >&2
  exit 1
fi
