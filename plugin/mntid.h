/* SPDX-License-Identifier: Apache-2.0 */
/* Mount ids and mount roots by whichever way the kernel has (kernel.h),
 * and the mountinfo text where statmount is missing.  Everything here is
 * made of system calls and string functions only: the container-side
 * child (nsexec.h) uses it as well as the host side. */
#ifndef SP_MNTID_H
#define SP_MNTID_H
#include <stdint.h>
#include <sys/stat.h>

#include "kernel.h"

/* Unique mount ids (6.8) start here, above every reusable one: the kernel
 * keeps the two apart on purpose. */
#define SP_MNT_ID_UNIQUE_MIN (1ULL << 31)
static inline bool sp_mnt_id_is_unique(uint64_t id) {
  return id >= SP_MNT_ID_UNIQUE_MIN;
}

/* One read of fd (a small procfs file) into buf, NUL-terminated, and fd
 * closed: the length, or -errno. */
ssize_t sp_read_small(int fd, char *buf, size_t size) SP_HIDDEN;

/* The "mnt_id:" of an fdinfo text.  0 or -EINVAL. */
int sp_fdinfo_parse_mnt_id(const char *text, size_t len,
                           uint64_t *id) SP_HIDDEN;
/* The mount id of fd, from <procfd>/self/fdinfo/<fd> (procfd: the host's
 * /proc, opened before entering any namespace). */
int sp_fdinfo_mnt_id(int procfd, int fd, uint64_t *id) SP_HIDDEN;
/* The id of the mount fd is on: the unique one (m->statmount must be
 * set), else the reusable one (statx where m->statx_mount, else
 * fdinfo). */
int sp_fd_mnt_id(const sp_mech *m, int procfd, int fd, bool unique,
                 uint64_t *id) SP_HIDDEN;
/* 1 if fd is the root of a mount, 0 if not, -errno.  sx is fd's statx
 * (with STATX_ATTR_MOUNT_ROOT asked where m->statx_mount).  Without that
 * attribute: another mount id than parent's (the directory fd's name was
 * looked up in), or for a directory without parent (-1) than its "..". */
int sp_fd_is_mount_root(const sp_mech *m, int procfd, int fd, int parent,
                        const struct statx *sx) SP_HIDDEN;
/* The same; *fd_id gets fd's reusable mount id where that was read on the
 * way (fdinfo's), else 0: a caller that needs it too reads it once. */
int sp_fd_mount_root_id(const sp_mech *m, int procfd, int fd, int parent,
                        const struct statx *sx, uint64_t *fd_id) SP_HIDDEN;

/* The MS_* flags a bind remount must repeat, from statfs's f_flags
 * (ST_*): nosuid, nodev, noexec and the atime flags.  A remount replaces
 * them all, and the kernel refuses to clear any it locked on a mount that
 * propagated into a user namespace (runc#1229). */
unsigned long sp_mount_flags_of(unsigned long st_flags) SP_HIDDEN;

/* One line of /proc/PID/mountinfo; root and point unescaped in place. */
typedef struct sp_mi_line {
  uint64_t id, parent;
  unsigned int major, minor;
  const char *root, *point;
} sp_mi_line;
/* Parse line (NUL-terminated, no newline), in place.  0 or -EINVAL. */
int sp_mountinfo_parse(char *line, sp_mi_line *out) SP_HIDDEN;
/* fn on every line of fd (a mountinfo file) in order, read through buf:
 * fn returns 0 to go on, anything else to stop with that.  -E2BIG when a
 * line does not fit in buf, -EINVAL when one does not parse. */
typedef int (*sp_mi_fn)(const sp_mi_line *l, void *arg);
int sp_mountinfo_each(int fd, char *buf, size_t size, sp_mi_fn fn,
                      void *arg) SP_HIDDEN;
#endif
