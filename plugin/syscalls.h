/* SPDX-License-Identifier: Apache-2.0 */
/* System calls glibc 2.36 has no wrapper for, and the constants of newer
 * kernels its headers lack: the one place that knows their numbers and
 * structs.  Each returns -1 with errno set, as a libc wrapper would. */
#ifndef SP_SYSCALLS_H
#define SP_SYSCALLS_H
#include <linux/openat2.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* openat2(2), 5.6+. */
static inline int sp_openat2(int dirfd, const char *path,
                             const struct open_how *how) {
  return (int)syscall(SYS_openat2, dirfd, path, how, sizeof(*how));
}

/* The getcwd system call itself: the name of the cwd from the kernel, no
 * allocation (the container-side child may not allocate). */
static inline long sp_getcwd(char *buf, size_t size) {
  return syscall(SYS_getcwd, buf, size);
}

/* statx: the mount id that is never reused (6.8+). */
#ifndef STATX_MNT_ID_UNIQUE
#define STATX_MNT_ID_UNIQUE 0x00004000U
#endif

/* statmount(2) and listmount(2), 6.8+ (x86_64 and the generic table). */
#define SP_NR_statmount 457
#define SP_NR_listmount 458
#define SP_STATMOUNT_MNT_POINT 0x00000010U
#define SP_MNT_ID_REQ_SIZE_VER0 24

struct sp_mnt_id_req {
  uint32_t size, spare;
  uint64_t mnt_id, param;
};
struct sp_statmount {
  uint32_t size, spare1;
  uint64_t mask;
  uint32_t sb_dev_major, sb_dev_minor;
  uint64_t sb_magic;
  uint32_t sb_flags, fs_type;
  uint64_t mnt_id, mnt_parent_id;
  uint32_t mnt_id_old, mnt_parent_id_old;
  uint64_t mnt_attr, mnt_propagation, mnt_peer_group, mnt_master;
  uint64_t propagate_from;
  uint32_t mnt_root, mnt_point;
  uint64_t spare2[50];
  char str[];
};

static inline int sp_statmount(const struct sp_mnt_id_req *req,
                               struct sp_statmount *buf, size_t size) {
  return (int)syscall(SP_NR_statmount, req, buf, size, 0);
}
#endif
