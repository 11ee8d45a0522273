/* SPDX-License-Identifier: Apache-2.0 */
/* sharedpath-kernel-shim.so: what a seccomp filter cannot take away from a
 * newer kernel, taken away for programs that call glibc.
 *
 * sharedpath-kernel-run puts this library in LD_PRELOAD and names the
 * profile in $SHAREDPATH_KERNEL.  It interposes glibc's wrappers:
 *
 *   statx          request and result bits, fields and attributes the
 *                  profile's kernel does not have are cleared, as that
 *                  kernel would leave them (STATX_MNT_ID and
 *                  STATX_ATTR_MOUNT_ROOT 5.8, STATX_MNT_ID_UNIQUE 6.8, ...);
 *                  below 6.8 a request for the unique mount id gets the
 *                  old, reusable one, as the 5.8-6.7 kernels answer;
 *   setns          before 5.8 only a namespace fd is accepted: a pidfd (any
 *                  fd not on nsfs) gets EINVAL;
 *   clone          before 5.2 CLONE_PIDFD is ignored (the old kernel never
 *                  checked that bit): no pidfd is written;
 *   mount_setattr  before 6.3 MOUNT_ATTR_IDMAP on a tmpfs mount gets
 *                  EINVAL.
 *
 * Raw syscall(2), inline system calls, static binaries (busybox) and Go
 * (runc) do not pass through here: they see the running kernel's
 * behaviour for these.  Everything else goes to the next definition
 * (glibc's, or another preloaded shim's).  The wrappers may run in a
 * CLONE_VM|CLONE_VFORK child, so after the first call they only make
 * system calls: the next definitions are looked up in the constructor. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "profile.h"

#define SP_EXPORT __attribute__((visibility("default")))

#define NSFS_MAGIC_ 0x6e736673
#define TMPFS_MAGIC_ 0x01021994
#define CLONE_PIDFD_ 0x00001000
#define MOUNT_ATTR_IDMAP_ 0x00100000ULL

/* struct statx as of 6.18 (256 bytes), by the kernel's offsets: newer
 * than the installed headers. */
typedef struct k_statx {
  uint32_t mask, blksize;
  uint64_t attributes;
  uint32_t nlink, uid, gid;
  uint16_t mode, spare0;
  uint64_t ino, size, blocks, attributes_mask;
  uint8_t times[4 * 16];
  uint32_t rdev_major, rdev_minor, dev_major, dev_minor;
  uint64_t mnt_id;                                   /* 0x90 */
  uint32_t dio_mem_align, dio_offset_align;          /* 0x98 */
  uint64_t subvol;                                   /* 0xa0 */
  uint32_t atomic_write_unit_min, atomic_write_unit_max,
      atomic_write_segments_max;                     /* 0xa8 */
  uint32_t dio_read_offset_align;                    /* 0xb4 */
  uint32_t atomic_write_unit_max_opt, spare2;        /* 0xb8 */
  uint64_t spare3[8];
} k_statx;
_Static_assert(sizeof(k_statx) == 0x100, "struct statx is 256 bytes");
_Static_assert(offsetof(k_statx, mnt_id) == 0x90, "stx_mnt_id at 0x90");
_Static_assert(offsetof(k_statx, dio_read_offset_align) == 0xb4,
               "stx_dio_read_offset_align at 0xb4");

/* statx result bits and attributes by the kernel that brought them. */
static const struct {
  uint32_t bit;
  unsigned since;
} statx_bits[] = {
    {0x00001000U /* STATX_MNT_ID */, SP_KV(5, 8)},
    {0x00002000U /* STATX_DIOALIGN */, SP_KV(6, 1)},
    {0x00004000U /* STATX_MNT_ID_UNIQUE */, SP_KV(6, 8)},
    {0x00008000U /* STATX_SUBVOL */, SP_KV(6, 10)},
    {0x00010000U /* STATX_WRITE_ATOMIC */, SP_KV(6, 11)},
    {0x00020000U /* STATX_DIO_READ_ALIGN */, SP_KV(6, 14)},
};
static const struct {
  uint64_t bit;
  unsigned since;
} statx_attrs[] = {
    {0x00002000ULL /* STATX_ATTR_MOUNT_ROOT */, SP_KV(5, 8)},
    {0x00100000ULL /* STATX_ATTR_VERITY */, SP_KV(5, 5)},
    {0x00200000ULL /* STATX_ATTR_DAX */, SP_KV(5, 8)},
    {0x00400000ULL /* STATX_ATTR_WRITE_ATOMIC */, SP_KV(6, 11)},
};
#define STATX_MNT_ID_UNIQUE_ 0x00004000U
#define N(a) (sizeof(a) / sizeof(*(a)))

struct mount_attr_ {
  uint64_t attr_set, attr_clr, propagation, userns_fd;
};

typedef int statx_fn(int, const char *, int, unsigned, void *);
typedef int setns_fn(int, int);
typedef int clone_fn(int (*)(void *), void *, int, void *, ...);
typedef int mount_setattr_fn(int, const char *, unsigned, void *, size_t);

static unsigned kv;      /* 0: no profile, pass everything through */
static uint32_t lost_mask;  /* statx bits the profile lacks */
static uint64_t lost_attrs; /* statx attributes the profile lacks */
static statx_fn *next_statx;
static setns_fn *next_setns;
static clone_fn *next_clone;
static mount_setattr_fn *next_mount_setattr;

static void *next(const char *name) {
  void *f = dlsym(RTLD_NEXT, name);
  if (!f && strcmp(name, "mount_setattr") != 0) {
    /* Cannot happen with glibc >= 2.28; fail loudly rather than guess. */
    fprintf(stderr, "sharedpath-kernel-shim: no %s after the shim\n", name);
    abort();
  }
  return f;
}

/* Run as a constructor, and by the first wrapper called if another
 * library's constructor calls it first. */
__attribute__((constructor)) static void shim_init(void) {
  const sp_kernel_profile *p = sp_kernel_profile_find(getenv(SP_KERNEL_PROFILE_ENV));
  kv = p ? p->kv : 0;
  for (size_t i = 0; kv && i < N(statx_bits); i++)
    if (statx_bits[i].since > kv)
      lost_mask |= statx_bits[i].bit;
  for (size_t i = 0; kv && i < N(statx_attrs); i++)
    if (statx_attrs[i].since > kv)
      lost_attrs |= statx_attrs[i].bit;
  next_statx = (statx_fn *)next("statx");
  next_setns = (setns_fn *)next("setns");
  next_clone = (clone_fn *)next("clone");
  next_mount_setattr = (mount_setattr_fn *)next("mount_setattr");
}

SP_EXPORT int statx(int dirfd, const char *path, int flags, unsigned mask,
                    void *buf);
SP_EXPORT int statx(int dirfd, const char *path, int flags, unsigned mask,
                    void *buf) {
  if (!next_statx)
    shim_init();
  if (!kv)
    return next_statx(dirfd, path, flags, mask, buf);
  /* Asked for the unique id, a 5.8-6.7 kernel ignores the bit and gives
   * the old id with STATX_MNT_ID (an older one gives neither). */
  if (kv < SP_KV(6, 8))
    mask &= ~STATX_MNT_ID_UNIQUE_;
  int r = next_statx(dirfd, path, flags, mask, buf);
  if (r < 0)
    return r;
  k_statx *sx = buf;
  uint32_t lost = sx->mask & lost_mask;
  sx->mask &= ~lost_mask;
  if (lost & 0x00001000U)
    sx->mnt_id = 0;
  if (lost & 0x00002000U)
    sx->dio_mem_align = sx->dio_offset_align = 0;
  if (lost & 0x00008000U)
    sx->subvol = 0;
  if (lost & 0x00010000U) {
    sx->atomic_write_unit_min = sx->atomic_write_unit_max = 0;
    sx->atomic_write_segments_max = sx->atomic_write_unit_max_opt = 0;
  }
  if (lost & 0x00020000U)
    sx->dio_read_offset_align = 0;
  sx->attributes &= ~lost_attrs;
  sx->attributes_mask &= ~lost_attrs;
  return r;
}

SP_EXPORT int setns(int fd, int nstype);
SP_EXPORT int setns(int fd, int nstype) {
  if (!next_setns)
    shim_init();
  /* Before 5.8 setns takes only namespace files (nsfs, /proc/PID/ns/...). */
  if (kv && kv < SP_KV(5, 8)) {
    struct statfs sf;
    if (fstatfs(fd, &sf) == 0 && sf.f_type != NSFS_MAGIC_) {
      errno = EINVAL;
      return -1;
    }
  }
  return next_setns(fd, nstype);
}

SP_EXPORT int clone(int (*fn)(void *), void *stack, int flags, void *arg, ...);
SP_EXPORT int clone(int (*fn)(void *), void *stack, int flags, void *arg, ...) {
  if (!next_clone)
    shim_init();
  /* glibc reads the optional arguments only for the flags that need them:
   * passing all three on is what its callers' registers hold anyway. */
  va_list ap;
  va_start(ap, arg);
  void *ptid = va_arg(ap, void *);
  void *tls = va_arg(ap, void *);
  void *ctid = va_arg(ap, void *);
  va_end(ap);
  if (kv && kv < SP_KV(5, 2))
    flags &= ~CLONE_PIDFD_;
  return next_clone(fn, stack, flags, arg, ptid, tls, ctid);
}

/* The filesystem a mount_setattr call would change, by its fd or path. */
static long target_fs(int dfd, const char *path, unsigned flags) {
  struct statfs sf;
  if ((flags & AT_EMPTY_PATH) && path && !*path)
    return fstatfs(dfd, &sf) == 0 ? (long)sf.f_type : -1;
  int fd = openat(dfd, path, O_PATH | O_CLOEXEC |
                                 ((flags & AT_SYMLINK_NOFOLLOW) ? O_NOFOLLOW : 0));
  if (fd < 0)
    return -1;
  long t = fstatfs(fd, &sf) == 0 ? (long)sf.f_type : -1;
  close(fd);
  return t;
}

SP_EXPORT int mount_setattr(int dfd, const char *path, unsigned flags,
                            void *uattr, size_t usize);
SP_EXPORT int mount_setattr(int dfd, const char *path, unsigned flags,
                            void *uattr, size_t usize) {
  if (!next_statx) /* glibc before 2.36 has no mount_setattr: next may be NULL */
    shim_init();
  const struct mount_attr_ *a = uattr;
  /* tmpfs takes idmapped mounts since 6.3 (ext4, xfs, fat since 5.12, with
   * the call itself: before, the filter answers ENOSYS). */
  if (kv >= SP_KV(5, 12) && kv < SP_KV(6, 3) && a && usize >= sizeof(*a) &&
      (a->attr_set & MOUNT_ATTR_IDMAP_) &&
      target_fs(dfd, path, flags) == TMPFS_MAGIC_) {
    errno = EINVAL;
    return -1;
  }
  if (next_mount_setattr)
    return next_mount_setattr(dfd, path, flags, uattr, usize);
  long r = syscall(SYS_mount_setattr, dfd, path, flags, uattr, usize);
  return (int)r;
}
