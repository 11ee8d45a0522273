/* SPDX-License-Identifier: Apache-2.0 */
/* Unmounting a dir's mounts entry by entry (umountdir.h). */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "fault.h"
#include "fileio.h"
#include "umountdir.h"

/* 1 if name (in dirfd) is the root of a mount, 0 if not, -ENOSYS when
 * the kernel cannot tell, other -errno. */
static int is_mount_root(int dirfd, const char *name) {
  struct statx sx;
  if (statx(dirfd, name, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, STATX_TYPE,
            &sx) < 0)
    return -errno;
  if (!(sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT))
    return -ENOSYS;
  return (sx.stx_attributes & STATX_ATTR_MOUNT_ROOT) ? 1 : 0;
}

/* Detach what is stacked on path (name in dirfd), top first: each detach
 * takes the mounts below that one along. */
static int detach_at(int dirfd, const char *name, const char *path,
                     sp_error *err) {
  for (int tries = 0; tries < 64; tries++) {
    int r = is_mount_root(dirfd, name);
    if (r == 0 || r == -ENOENT)
      return 0;
    if (r == -ENOSYS)
      return r;
    if (r < 0)
      return sp_fail_errno(err, r, "cannot inspect %s", path);
    if (SP_SYS(SP_F_UMOUNT, umount2(path, UMOUNT_NOFOLLOW | MNT_DETACH)) <
            0 &&
        errno != EINVAL && errno != ENOENT)
      return sp_fail_errno(err, -errno, "cannot unmount %s", path);
  }
  return sp_fail(err, -EBUSY, "%s still has mounts on it after 64 unmounts",
                 path);
}

int sp_umount_dir(const char *dir, sp_error *err) {
  int r = detach_at(AT_FDCWD, dir, dir, err);
  if (r < 0)
    return r;
  _cleanup_close_ int fd = -1;
  DIR *d;
  r = sp_dir_open(dir, &fd, &d, err);
  if (r <= 0)
    return r;
  r = 0;
  /* The entries: the binds of each host path, with whatever is mounted
   * below them.  A mount deeper below a plain subdir is not looked for:
   * the placeholder removal finds it (EBUSY, ENOTEMPTY) and the caller
   * reads the mount table then. */
  struct dirent *de;
  char path[PATH_MAX];
  while (r == 0 && (de = readdir(d))) {
    if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
      continue;
    if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >=
        (int)sizeof(path))
      r = sp_fail(err, -ENAMETOOLONG, "%s/%s is too long", dir, de->d_name);
    else
      r = detach_at(fd, de->d_name, path, err);
  }
  closedir(d);
  return r;
}
