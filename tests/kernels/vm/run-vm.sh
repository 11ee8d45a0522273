#!/bin/sh
# kernel.vm-6.1: the whole suite on Debian 12's own 6.1 kernel, in a VM.
# Usage: run-vm.sh BUILD_DIR
#
# 1. The kernel: the newest linux-image-6.1.0-*-amd64-unsigned apt knows
#    (or $SHAREDPATH_VM_KERNEL_PKG), fetched with apt-get download and
#    unpacked with dpkg -x into the cache ($SHAREDPATH_VM_CACHE, default
#    BUILD/tests/kernels/vm-cache), depmod -b run on the unpacked tree;
#    the cache then keeps the kernel image and the modules the VM loads.
# 2. An initramfs, built here each run: a static busybox, virtio_pci,
#    9pnet_virtio, 9p and what modules.dep says they need, and vm/init.
# 3. qemu-system-x86_64 under TCG (nested KVM hangs on these machines)
#    exports over 9p the host's / read-only (the build dir with it: the VM
#    can change nothing the host runs later) and one dir writable, the
#    run's BUILD/tests/kernels/runs/vm-6.1 (mapped-xattr: what the VM
#    writes there lands as plain 0600/0700 files of root, never setuid, a
#    device or another owner).  vm/init builds a tmpfs root from them and
#    switch_roots into it; vm/guest.sh runs the suite (run-profile.sh) and
#    writes its logs and result to that dir.
# Prints the console, the summary, and exits as the suite did: 0 all
# passed, 1 not; 77 (skipped) without qemu, root or the kernel package.
# $SHAREDPATH_VM_TIMEOUT (seconds, default 1200), $SHAREDPATH_VM_MEM (MiB,
# default 2048), $SHAREDPATH_VM_CPUS (default: this machine's, at most 4).
set -eu
[ $# -eq 1 ] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../../.." && pwd)
skip() {
  echo "kernel.vm-6.1: skipped: $*"
  exit 77
}
die() {
  echo "kernel.vm-6.1: $*" >&2
  exit 1
}

[ "$(id -u)" -eq 0 ] || skip "needs root (the VM's 9p shares keep the host's owners)"
command -v qemu-system-x86_64 >/dev/null ||
  skip "qemu-system-x86_64 is missing (apt-get install qemu-system-x86)"
[ -x /bin/busybox ] && /bin/busybox --list | grep -qx switch_root ||
  skip "/bin/busybox with switch_root is missing (busybox-static)"
if ldd /bin/busybox >/dev/null 2>&1; then
  skip "/bin/busybox is dynamically linked: the initramfs needs busybox-static"
fi
init=$build/tests/kernels/sharedpath-vm-init
[ -x "$init" ] || die "$init is missing: build first"
for p in "$src" "$build"; do
  case "$p" in
  *[!A-Za-z0-9/._+-]*) die "path '$p' has characters the kernel command line or qemu cannot take" ;;
  esac
done

# ---- 1. the kernel, cached ----
cache=${SHAREDPATH_VM_CACHE:-$build/tests/kernels/vm-cache}
pkg=${SHAREDPATH_VM_KERNEL_PKG:-$(apt-cache search --names-only \
  '^linux-image-6\.1\.0-[0-9]+-amd64-unsigned$' 2>/dev/null |
  awk '{print $1}' | sort -V | tail -1)}
[ -n "$pkg" ] ||
  skip "apt knows no linux-image-6.1.0-*-amd64-unsigned (Debian 12 sources; apt-get update)"
kdir=$cache/$pkg
# overlay: guest.sh puts a writable tmpfs layer over the read-only build dir.
modules="virtio_pci 9pnet_virtio 9p overlay"
if [ ! -f "$kdir/ready" ] || [ "$(cat "$kdir/modules.want" 2>/dev/null)" != "$modules" ]; then
  rm -rf "$kdir"
  mkdir -p "$kdir/dl"
  if ! (cd "$kdir/dl" && apt-get download "$pkg") >"$kdir/download.log" 2>&1; then
    skip "apt-get download $pkg failed: $(grep -v '^W:' "$kdir/download.log" | tail -1)"
  fi
  dpkg -x "$kdir"/dl/*.deb "$kdir/root"
  kver=$(ls "$kdir/root/lib/modules")
  if command -v depmod >/dev/null; then
    depmod -b "$kdir/root" "$kver"
  else
    /bin/busybox depmod -b "$kdir/root" "$kver"
  fi
  mdir=$kdir/root/lib/modules/$kver
  # The modules to load, dependencies first (modules.dep), built-ins left out.
  awk -v want="$modules" -v builtin="$mdir/modules.builtin" '
    function name(p) { sub(/.*\//, "", p); sub(/\.ko(\.[a-z]+)?:?$/, "", p)
                       gsub(/-/, "_", p); return p }
    function visit(m,   n, d, i) {
      if (m in seen) return
      seen[m] = 1
      if (!(m in path)) {
        if (m in built) return
        print "no module " m > "/dev/stderr"; bad = 1; return
      }
      n = split(deps[m], d, " ")
      for (i = 1; i <= n; i++) visit(name(d[i]))
      print m, path[m]
    }
    BEGIN { while ((getline l < builtin) > 0) built[name(l)] = 1 }
    { m = name($1); p = $1; sub(/:$/, "", p); path[m] = p
      $1 = ""; deps[m] = $0 }
    END { n = split(want, w, " "); for (i = 1; i <= n; i++) visit(w[i]); exit bad }
  ' "$mdir/modules.dep" >"$kdir/modules.list" || die "modules.dep of $pkg lacks a module the VM needs"
  mkdir -p "$kdir/modules"
  while read -r m p; do
    case "$p" in
    *.ko) cp "$mdir/$p" "$kdir/modules/$m.ko" ;;
    *.ko.xz) xz -dc "$mdir/$p" >"$kdir/modules/$m.ko" ;;
    *.ko.zst) zstd -qdc "$mdir/$p" >"$kdir/modules/$m.ko" ;;
    *) die "module $p: unknown compression" ;;
    esac
  done <"$kdir/modules.list"
  cp "$kdir/root/boot/vmlinuz-$kver" "$kdir/vmlinuz"
  echo "$kver" >"$kdir/ready"
  echo "$modules" >"$kdir/modules.want"
  # Only the image and these modules are needed again: not 400 MB of tree.
  rm -rf "$kdir/root" "$kdir/dl"
fi
kver=$(cat "$kdir/ready")

# ---- 2. the initramfs, every run ----
work=$build/tests/kernels/vm
rm -rf "$work"
mkdir -p "$work/initramfs"
ir=$work/initramfs
mkdir -p "$ir/bin" "$ir/proc" "$ir/sys" "$ir/dev" "$ir/host" "$ir/newroot" \
  "$ir/modules"
cp /bin/busybox "$ir/bin/busybox"
cp "$here/init" "$ir/init"
chmod 0755 "$ir/init"
cp "$kdir"/modules/*.ko "$ir/modules/"
awk '{print $1}' "$kdir/modules.list" >"$ir/modules.load"
(cd "$ir" && find . | /bin/busybox cpio -o -H newc 2>/dev/null) |
  gzip -1 >"$work/initramfs.cpio.gz"

# ---- 3. boot ----
cpus=${SHAREDPATH_VM_CPUS:-$(nproc)}
[ "$cpus" -le 4 ] || cpus=4
run=$build/tests/kernels/runs/vm-6.1
rm -rf "$run"
mkdir -p "$run"
echo "kernel.vm-6.1: $pkg ($kver), $cpus cpus under TCG, ${SHAREDPATH_VM_MEM:-2048} MiB"
start=$(date +%s)
set +e
timeout -k 10 "${SHAREDPATH_VM_TIMEOUT:-1200}" qemu-system-x86_64 \
  -accel tcg,thread=multi -cpu max -smp "$cpus" -m "${SHAREDPATH_VM_MEM:-2048}" \
  -nodefaults -display none -monitor none -serial stdio -no-reboot \
  -kernel "$kdir/vmlinuz" -initrd "$work/initramfs.cpio.gz" \
  -append "console=ttyS0 panic=-1 quiet sp.src=$src sp.build=$build sp.run=$run" \
  -virtfs "local,path=/,mount_tag=sphost,security_model=passthrough,readonly=on,multidevs=remap" \
  -virtfs "local,path=$run,mount_tag=sprun,security_model=mapped-xattr" \
  </dev/null >"$work/console.log" 2>&1
qrc=$?
set -e
secs=$(($(date +%s) - start))
cat "$work/console.log"
echo "kernel.vm-6.1: the VM ran ${secs}s (qemu exit $qrc)"
[ -f "$run/result" ] ||
  die "the VM reported no result ($run/result); console: $work/console.log"
grep -q "^uname=$kver\$" "$run/result" ||
  die "the suite did not run on $kver: $(cat "$run/result")"
rc=$(sed -n 's/^rc=//p' "$run/result")
exit "$([ "$rc" = 0 ] && echo 0 || echo 1)"
