/* SPDX-License-Identifier: Apache-2.0 */
#include <dirent.h>
#include <fcntl.h>
#include <libmount.h>
#include <linux/magic.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>

#include "fault.h"
#include "fileio.h"
#include "hostpath.h"
#include "mntid.h"
#include "umountdir.h"
#include "mounts.h"

#define PATHF(buf, err, ...)                                                   \
  do {                                                                         \
    int _n = snprintf((buf), sizeof(buf), __VA_ARGS__);                        \
    if (_n < 0 || (size_t)_n >= sizeof(buf))                                   \
      return sp_fail((err), -ENAMETOOLONG, "path under the shared root is "    \
                     "too long");                                              \
  } while (0)

/* Whether path (in dirfd, the last symlink not followed) is the root of a
 * mount: STATX_ATTR_MOUNT_ROOT (5.8+), else the mount id of what path
 * names against that of the directory it is in (mntid.h).  *sx: its
 * statx.  1, 0 or -errno. */
static int mount_is_root(const sp_ctx *ctx, int dirfd, const char *path,
                         struct statx *sx) {
  if (statx(dirfd, path, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT,
            STATX_BASIC_STATS, sx) < 0)
    return -errno;
  if (ctx->mech.statx_mount)
    return sp_fd_is_mount_root(&ctx->mech, ctx->procfd, -1, -1, sx);
  const char *slash = strrchr(path, '/'), *name = slash ? slash + 1 : path;
  char dir[PATH_MAX];
  if (slash && (size_t)(slash - path) >= sizeof(dir))
    return -ENAMETOOLONG;
  if (slash) {
    memcpy(dir, path, (size_t)(slash - path));
    dir[slash - path] = '\0';
  }
  _cleanup_close_ int parent = openat(dirfd, !slash ? "." : slash == path
                                                              ? "/" : dir,
                                      O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (parent < 0)
    return -errno;
  _cleanup_close_ int fd = openat(parent, *name ? name : ".",
                                  O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return -errno;
  return sp_fd_is_mount_root(&ctx->mech, ctx->procfd, fd, parent, sx);
}

int sp_is_mountpoint(const sp_ctx *ctx, int dirfd, const char *path) {
  struct statx sx;
  return mount_is_root(ctx, dirfd, path, &sx);
}

static int mkdir_mode(const char *path, mode_t mode, sp_error *err) {
  struct stat sb;
  int r = sp_mkdir(path, mode, &sb, err);
  if (r < 0)
    return r;
  /* Ours, so its mode is ours too: one left 0777 (by hand, or by an old
   * version) would let anyone plant things in the shared root. */
  if (r == 1 && (sb.st_mode & 07777) == mode)
    return 0;
  /* mkdir applies the umask; the mode is part of the safety contract. */
  if (chmod(path, mode) < 0)
    return sp_fail_errno(err, -errno, "cannot chmod %s", path);
  return 0;
}

/* Everything under the shared root is root's alone (SP_ROOT_MODE): a
 * bind under master/<id> shows the host path without its parents, so a
 * host user who could traverse to it would pass any 0700 parent of the
 * host path.  Nobody but root needs to: the engine and the plugin run as
 * root, runc opens bind sources as root even for a user-namespaced
 * container, and inside the container each path is used at its target.
 * Earlier versions left master and master/<id> 0711: a master tmpfs that
 * is already mounted gets its modes corrected here, the dirs of running
 * containers included. */
static int master_modes_fix(const char *master, sp_error *err) {
  _cleanup_close_ int fd = open(master, O_RDONLY | O_DIRECTORY | O_CLOEXEC |
                                            O_NOFOLLOW);
  if (fd < 0)
    return sp_fail_errno(err, -errno, "cannot open %s", master);
  struct stat sb;
  if (fstat(fd, &sb) < 0)
    return sp_fail_errno(err, -errno, "cannot stat %s", master);
  if ((sb.st_mode & 07777) != SP_ROOT_MODE && fchmod(fd, SP_ROOT_MODE) < 0)
    return sp_fail_errno(err, -errno, "cannot chmod %s", master);
  int dfd = dup(fd);
  DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
  if (!d) {
    if (dfd >= 0)
      close(dfd);
    return sp_fail_errno(err, -errno, "cannot read %s", master);
  }
  int r = 0;
  struct dirent *de;
  while (r == 0 && (de = readdir(d))) {
    if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
      continue;
    if (fstatat(fd, de->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0 ||
        !S_ISDIR(sb.st_mode) || (sb.st_mode & 07777) == SP_ROOT_MODE)
      continue;
    _cleanup_close_ int sub = openat(fd, de->d_name, O_RDONLY | O_DIRECTORY |
                                                        O_CLOEXEC | O_NOFOLLOW);
    if (sub < 0 || fchmod(sub, SP_ROOT_MODE) < 0)
      r = sp_fail_errno(err, -errno, "cannot chmod %s/%s", master,
                        de->d_name);
  }
  closedir(d);
  return r;
}

int sp_master_prepare(const sp_ctx *ctx, sp_error *err) {
  int r;
  if ((r = mkdir_mode(ctx->root, SP_ROOT_MODE, err)) < 0)
    return r;
  _cleanup_close_ int rootfd = open(ctx->root, O_RDONLY | O_DIRECTORY |
                                                   O_CLOEXEC | O_NOFOLLOW);
  if (rootfd < 0)
    return sp_fail_errno(err, -errno, "cannot open shared root %s", ctx->root);
  /* Serialize the one-time setup between processes and threads. */
  while (flock(rootfd, LOCK_EX) < 0)
    if (errno != EINTR)
      return sp_fail_errno(err, -errno, "cannot lock %s", ctx->root);

  if ((r = sp_is_mountpoint(ctx, AT_FDCWD, ctx->master)) == 1) {
    struct statfs sf;
    if (statfs(ctx->master, &sf) < 0)
      return sp_fail_errno(err, -errno, "cannot statfs %s", ctx->master);
    if (sf.f_type != TMPFS_MAGIC)
      return sp_fail(err, -EINVAL, "%s is mounted but is not a tmpfs; "
                     "unmount it or choose another shared root", ctx->master);
    if ((r = master_modes_fix(ctx->master, err)) < 0)
      return r;
  } else {
    if (r != 0 && r != -ENOENT)
      return sp_fail_errno(err, r, "cannot inspect %s", ctx->master);
    if ((r = sp_is_mountpoint(ctx, AT_FDCWD, ctx->root)) < 0)
      return sp_fail_errno(err, r, "cannot inspect %s", ctx->root);
    if (r == 0) {
      if (SP_SYS(SP_F_MOUNT,
                 mount(ctx->root, ctx->root, NULL, MS_BIND, NULL)) < 0)
        return sp_fail_errno(err, -errno, "cannot bind %s onto itself",
                             ctx->root);
    }
    if (mount(NULL, ctx->root, NULL, MS_PRIVATE, NULL) < 0)
      return sp_fail_errno(err, -errno, "cannot make %s private", ctx->root);
    if ((r = mkdir_mode(ctx->master, SP_ROOT_MODE, err)) < 0)
      return r;
    char data[64];
    snprintf(data, sizeof(data), "mode=%o,size=%llu", SP_ROOT_MODE,
             (unsigned long long)ctx->tmpfs_size);
    if (mount("sharedpath", ctx->master, "tmpfs",
              MS_NOSUID | MS_NODEV | MS_NOEXEC, data) < 0)
      return sp_fail_errno(err, -errno, "cannot mount tmpfs on %s",
                           ctx->master);
  }
  if (mount(NULL, ctx->master, NULL, MS_SHARED, NULL) < 0)
    return sp_fail_errno(err, -errno, "cannot make %s shared", ctx->master);
  return mkdir_mode(ctx->midpath, SP_ROOT_MODE, err);
}

int sp_container_dirs_create(const sp_ctx *ctx, const char *id,
                             sp_error *err) {
  char m[PATH_MAX], mid[PATH_MAX];
  PATHF(m, err, "%s/%s", ctx->master, id);
  PATHF(mid, err, "%s/%s", ctx->midpath, id);
  int r = mkdir_mode(m, SP_ROOT_MODE, err);
  if (r < 0)
    return r;
  if ((r = mkdir_mode(mid, SP_ROOT_MODE, err)) < 0)
    return r;
  if ((r = sp_is_mountpoint(ctx, AT_FDCWD, m)) < 0)
    return sp_fail_errno(err, r, "cannot inspect %s", m);
  if (r == 1)
    return 0;
  /* Its own peer group: a mount under master/<id> then propagates to this
   * container's /.sharedpath only, not to every container on the host. */
  if (SP_SYS(SP_F_MOUNT, mount(m, m, NULL, MS_BIND, NULL)) < 0)
    return sp_fail_errno(err, -errno, "cannot bind %s onto itself", m);
  if (SP_SYS(SP_F_MOUNT, mount(NULL, m, NULL, MS_PRIVATE, NULL)) < 0 ||
      SP_SYS(SP_F_MOUNT, mount(NULL, m, NULL, MS_SHARED, NULL)) < 0) {
    r = -errno;
    umount2(m, MNT_DETACH);
    return sp_fail_errno(err, r, "cannot make %s a shared mount", m);
  }
  return 0;
}

/* Unmount every mount at or below prefix, deepest first (libmount reads the
 * mount table: the delete's fallback where statx cannot tell a mount root,
 * and when something is left mounted below a plain dir; clear_dir). */
static int umount_below(const char *prefix, sp_error *err) {
  struct libmnt_table *tb = mnt_new_table_from_file("/proc/self/mountinfo");
  if (!tb)
    return sp_fail(err, -EIO, "cannot read /proc/self/mountinfo");
  size_t cap = 16, n = 0;
  char **targets = malloc(cap * sizeof(*targets));
  int r = 0;
  struct libmnt_iter *it = mnt_new_iter(MNT_ITER_BACKWARD);
  struct libmnt_fs *fs;
  if (!targets || !it) {
    r = sp_fail(err, -ENOMEM, "out of memory");
    goto out;
  }
  /* Backward order visits children before the mounts they sit on. */
  while (mnt_table_next_fs(tb, it, &fs) == 0) {
    const char *t = mnt_fs_get_target(fs);
    if (!t || !sp_path_within(t, prefix))
      continue;
    if (n == cap) {
      char **p = realloc(targets, 2 * cap * sizeof(*p));
      if (!p) {
        r = sp_fail(err, -ENOMEM, "out of memory");
        goto out;
      }
      targets = p;
      cap *= 2;
    }
    if (!(targets[n] = strdup(t))) {
      r = sp_fail(err, -ENOMEM, "out of memory");
      goto out;
    }
    n++;
  }
  for (size_t i = 0; i < n && r == 0; i++)
    if (SP_SYS(SP_F_UMOUNT, umount2(targets[i],
                                    UMOUNT_NOFOLLOW | MNT_DETACH)) < 0 &&
        errno != EINVAL &&
        errno != ENOENT)
      r = sp_fail_errno(err, -errno, "cannot unmount %s", targets[i]);
out:
  for (size_t i = 0; i < n; i++)
    free(targets[i]);
  free(targets);
  mnt_free_iter(it);
  mnt_unref_table(tb);
  return r;
}

/* Remove the mount-point placeholders in dir (empty dirs / empty files we
 * created), then dir.  Anything still mounted stops us with -EBUSY. */
static int remove_placeholders(const sp_ctx *ctx, const char *dir,
                               sp_error *err) {
  _cleanup_close_ int fd = -1;
  DIR *d;
  int r = sp_dir_open(dir, &fd, &d, err);
  if (r <= 0)
    return r;
  r = 0;
  bool kept = false;
  struct dirent *de;
  while ((de = readdir(d)) && r == 0) {
    if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
      continue;
    int m = sp_is_mountpoint(ctx, fd, de->d_name);
    if (m != 0) {
      r = m == 1 ? sp_fail(err, -EBUSY, "%s/%s is still mounted; not removing "
                           "it", dir, de->d_name)
                 : sp_fail_errno(err, m, "cannot inspect %s/%s", dir,
                                 de->d_name);
      break;
    }
    /* rmdir only removes empty dirs and we only unlink empty files: data
     * can never be lost here. */
    struct stat sb;
    if (fstatat(fd, de->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
      continue;
    if (S_ISDIR(sb.st_mode)) {
      if (unlinkat(fd, de->d_name, AT_REMOVEDIR) < 0 && errno != ENOENT)
        r = sp_fail_errno(err, -errno, "cannot remove %s/%s", dir, de->d_name);
    } else if (S_ISREG(sb.st_mode) && sb.st_size == 0) {
      if (unlinkat(fd, de->d_name, 0) < 0 && errno != ENOENT)
        r = sp_fail_errno(err, -errno, "cannot remove %s/%s", dir, de->d_name);
    } else {
      /* Not ours: left where it is, and so is dir. */
      sp_log(ctx, SHAREDPATH_LOG_WARNING, "%s/%s is not a placeholder of "
             "ours; leaving it and %s", dir, de->d_name, dir);
      kept = true;
    }
  }
  closedir(d);
  if (r < 0)
    return r;
  if (!kept && rmdir(dir) < 0 && errno != ENOENT)
    return sp_fail_errno(err, -errno, "cannot remove %s", dir);
  return 0;
}

/* Unmount everything at or below dir, then remove its placeholders: entry
 * by entry (umountdir.h: what this container holds, not the host's whole
 * mount table), else, or when something is left mounted deeper than that
 * looks, from the mount table. */
static int clear_dir(const sp_ctx *ctx, const char *dir, sp_error *err) {
  int r = ctx->mech.statx_mount ? sp_umount_dir(dir, err) : -ENOSYS;
  if (r == -ENOSYS)
    r = umount_below(dir, err);
  if (r < 0)
    return r;
  r = remove_placeholders(ctx, dir, err);
  if (r != -EBUSY && r != -ENOTEMPTY)
    return r;
  if ((r = umount_below(dir, err)) < 0)
    return r;
  return remove_placeholders(ctx, dir, err);
}

int sp_container_dirs_remove(const sp_ctx *ctx, const char *id,
                             sp_error *err) {
  char m[PATH_MAX], mid[PATH_MAX];
  PATHF(m, err, "%s/%s", ctx->master, id);
  PATHF(mid, err, "%s/%s", ctx->midpath, id);
  /* Master first: unmounting there also drops the copies that propagated
   * into the container. */
  int r = clear_dir(ctx, m, err);
  if (r < 0)
    return r;
  return clear_dir(ctx, mid, err);
}

/* Create an empty dir or file to mount on.  One this call creates is
 * known to be a fresh placeholder and needs no further look; an existing
 * one must be of the right kind, and *mounted says whether something is
 * mounted on it (then *sx describes the mount's root). */
static int make_mountpoint(const sp_ctx *ctx, const char *path, bool is_dir,
                           struct statx *sx, bool *mounted, sp_error *err) {
  *mounted = false;
  if (is_dir) {
    if (SP_SYS(SP_F_MKDIR, mkdir(path, 0700)) == 0)
      return 0;
  } else {
    /* O_EXCL: an existing one may have a read-only file mounted on it. */
    int fd = SP_SYS(SP_F_MKDIR, open(path, O_WRONLY | O_CREAT | O_EXCL |
                                               O_CLOEXEC | O_NOFOLLOW, 0600));
    if (fd >= 0) {
      close(fd);
      return 0;
    }
  }
  if (errno != EEXIST)
    return sp_fail_errno(err, -errno, "cannot create %s", path);
  int r = mount_is_root(ctx, AT_FDCWD, path, sx);
  if (r < 0)
    return sp_fail_errno(err, r, "cannot stat %s", path);
  if (is_dir != !!S_ISDIR(sx->stx_mode))
    return sp_fail(err, -EEXIST, "%s exists as a %s", path,
                   S_ISDIR(sx->stx_mode) ? "directory" : "file");
  *mounted = r == 1;
  return 0;
}

/* Remove a placeholder: rmdir and unlink refuse (EBUSY) one that is a
 * mount point in this namespace, and rmdir one that is not empty, so this
 * never deletes through a mount. */
static int remove_placeholder(const char *path) {
  if (rmdir(path) == 0 || errno == ENOENT)
    return 0;
  if (errno == ENOTDIR && (unlink(path) == 0 || errno == ENOENT))
    return 0;
  return -errno;
}

static int move_tree(int tree, const char *target, sp_error *err) {
  if (SP_SYS(SP_F_MOUNT, move_mount(tree, "", AT_FDCWD, target,
                                    MOVE_MOUNT_F_EMPTY_PATH)) < 0)
    return sp_fail_errno(err, -errno, "cannot mount on %s", target);
  return 0;
}

/* Every mount at or below mid read-only, each repeating the flags it has
 * (a remount replaces nosuid, nodev, noexec and atime: they would be
 * lost): a bind remount takes one mount, so rbind's submounts one by
 * one, from the mount table. */
static int ro_classic(const sp_ctx *ctx, const char *mid, bool rec,
                      sp_error *err) {
  struct statfs sf;
  if (!rec) {
    if (statfs(mid, &sf) < 0)
      return sp_fail_errno(err, -errno, "cannot statfs %s", mid);
    if (SP_SYS(SP_F_MOUNT,
               mount(NULL, mid, NULL,
                     MS_REMOUNT | MS_BIND | MS_RDONLY |
                         sp_mount_flags_of((unsigned long)sf.f_flags),
                     NULL)) < 0)
      return sp_fail_errno(err, -errno, "cannot make %s read-only", mid);
    return 0;
  }
  struct libmnt_table *tb = mnt_new_table_from_file("/proc/self/mountinfo");
  if (!tb)
    return sp_fail(err, -EIO, "cannot read /proc/self/mountinfo");
  struct libmnt_iter *it = mnt_new_iter(MNT_ITER_FORWARD);
  struct libmnt_fs *fs;
  int r = it ? 0 : sp_fail(err, -ENOMEM, "out of memory");
  while (r == 0 && mnt_table_next_fs(tb, it, &fs) == 0) {
    const char *t = mnt_fs_get_target(fs);
    if (!t || !sp_path_within(t, mid))
      continue;
    if (statfs(t, &sf) < 0)
      r = sp_fail_errno(err, -errno, "cannot statfs %s", t);
    else if (SP_SYS(SP_F_MOUNT,
                    mount(NULL, t, NULL,
                          MS_REMOUNT | MS_BIND | MS_RDONLY |
                              sp_mount_flags_of((unsigned long)sf.f_flags),
                          NULL)) < 0)
      r = sp_fail_errno(err, -errno, "cannot make %s read-only", t);
  }
  mnt_free_iter(it);
  mnt_unref_table(tb);
  (void)ctx;
  return r;
}

/* The staging bind of the host path (hostfd, checked) at mid, with its
 * submounts for rbind.  ro belongs here, on every mount of it: the copies
 * that propagate into a user-namespaced container then carry it locked.
 * A slave never propagates back to the host path's peers but receives
 * what the host mounts below the host path later, when that path is on a
 * shared mount; private and rprivate receive nothing.  By the new mount
 * API: set on a detached clone, then attached.  By mount(2) (before
 * 5.12): the fd through /proc/self/fd (never the path again), then the
 * propagation and ro on the attached bind.  Both are done before the
 * master bind exists, in a dir only root can reach: nothing sees the
 * bind before. */
static int host_bind(const sp_ctx *ctx, int hostfd, const char *mid,
                     const sp_bind *b, sp_error *err) {
  bool priv = b->opts.propagation == SP_PROP_PRIVATE ||
              b->opts.propagation == SP_PROP_RPRIVATE;
  if (ctx->mech.mount_api) {
    unsigned int rec = b->opts.rbind ? AT_RECURSIVE : 0;
    _cleanup_close_ int tree =
        SP_SYS(SP_F_MOUNT, open_tree(hostfd, "", OPEN_TREE_CLONE |
                                                 OPEN_TREE_CLOEXEC |
                                                 AT_EMPTY_PATH | rec));
    if (tree < 0)
      return sp_fail_errno(err, -errno, "cannot clone a bind of %s",
                           b->host);
    struct mount_attr attr = {.attr_set = b->opts.ro ? MOUNT_ATTR_RDONLY : 0,
                              .propagation = priv ? MS_PRIVATE : MS_SLAVE};
    if (SP_SYS(SP_F_MOUNT, mount_setattr(tree, "", AT_EMPTY_PATH | rec, &attr,
                                         sizeof(attr))) < 0)
      return sp_fail_errno(err, -errno, "cannot set options on bind of %s",
                           b->host);
    return move_tree(tree, mid, err);
  }
  unsigned long rec = b->opts.rbind ? MS_REC : 0;
  char src[64];
  snprintf(src, sizeof(src), "/proc/self/fd/%d", hostfd);
  if (SP_SYS(SP_F_MOUNT, mount(src, mid, NULL, MS_BIND | rec, NULL)) < 0)
    return sp_fail_errno(err, -errno, "cannot bind %s onto %s", b->host, mid);
  int r = 0;
  if (SP_SYS(SP_F_MOUNT, mount(NULL, mid, NULL,
                               (priv ? MS_PRIVATE : MS_SLAVE) | rec,
                               NULL)) < 0)
    r = sp_fail_errno(err, -errno, "cannot set the propagation of %s", mid);
  else if (b->opts.ro)
    r = ro_classic(ctx, mid, b->opts.rbind, err);
  if (r < 0)
    umount2(mid, UMOUNT_NOFOLLOW | MNT_DETACH);
  return r;
}

int sp_host_ident(const sp_ctx *ctx, const char *id, const char *hash,
                  sp_ident *ident, sp_error *err) {
  char m[PATH_MAX];
  PATHF(m, err, "%s/%s/%s", ctx->master, id, hash);
  struct stat sb;
  if (stat(m, &sb) < 0)
    return sp_fail_errno(err, -errno, "cannot stat %s", m);
  *ident = (sp_ident){sb.st_dev, sb.st_ino, S_ISDIR(sb.st_mode)};
  return 0;
}

int sp_host_attach(const sp_ctx *ctx, const char *id, const sp_bind *b,
                   sp_ident *ident, bool *created, sp_error *err) {
  char mid[PATH_MAX], m[PATH_MAX];
  PATHF(mid, err, "%s/%s/%s", ctx->midpath, id, b->hash);
  PATHF(m, err, "%s/%s/%s", ctx->master, id, b->hash);
  *created = false;
  int r;

  _cleanup_close_ int hostfd = sp_host_open(ctx, b->host, err);
  if (hostfd < 0)
    return hostfd;
  struct stat sb;
  if (fstat(hostfd, &sb) < 0)
    return sp_fail_errno(err, -errno, "cannot stat host path %s", b->host);
  if ((r = sp_host_check_kernel_fs(ctx, hostfd, b->host, err)) < 0)
    return r;
  if (!S_ISDIR(sb.st_mode) && !S_ISREG(sb.st_mode))
    return sp_fail(err, -EINVAL, "host path %s is neither a directory nor a "
                   "regular file", b->host);
  /* What every bind of it shows: the container side checks it. */
  *ident = (sp_ident){sb.st_dev, sb.st_ino, S_ISDIR(sb.st_mode)};

  /* Master first: a fresh placeholder needs no look, an existing one is
   * looked at once (kind, and whether it is mounted). */
  bool is_dir = S_ISDIR(sb.st_mode), mounted;
  struct statx sx;
  if ((r = make_mountpoint(ctx, m, is_dir, &sx, &mounted, err)) < 0)
    return r;
  if (mounted) {
    /* Reference counted: already bound for another target. */
    if (makedev(sx.stx_dev_major, sx.stx_dev_minor) != sb.st_dev ||
        sx.stx_ino != sb.st_ino)
      return sp_fail(err, -EEXIST, "%s is mounted but not from %s; delete and "
                     "re-create the container", m, b->host);
    return 0;
  }
  if ((r = make_mountpoint(ctx, mid, is_dir, &sx, &mounted, err)) < 0)
    goto fail_m_dir;
  if (!mounted && (r = host_bind(ctx, hostfd, mid, b, err)) < 0)
    goto fail_dirs;
  if (SP_SYS(SP_F_MOUNT, mount(mid, m, NULL,
                               MS_BIND | (b->opts.rbind ? MS_REC : 0),
                               NULL)) < 0) {
    r = sp_fail_errno(err, -errno, "cannot bind %s onto %s", mid, m);
    umount2(mid, UMOUNT_NOFOLLOW | MNT_DETACH);
    goto fail_dirs;
  }
  *created = true;
  return 0;
fail_dirs:
  remove_placeholder(mid);
fail_m_dir:
  remove_placeholder(m);
  return r;
}

/* The container's own mount is gone (or it is not running) when this
 * runs, so each bind is detached (MNT_DETACH, with whatever is mounted
 * below it): a process of the container with its cwd in /.sharedpath/<h>,
 * or a submount, cannot keep a removal from completing; a process keeps
 * what it holds open.  Each mount point is then removed only as an empty
 * placeholder, so nothing is deleted through a mount. */
int sp_host_detach(const sp_ctx *ctx, const char *id, const char *hash,
                   sp_error *err) {
  char mid[PATH_MAX], m[PATH_MAX];
  PATHF(mid, err, "%s/%s/%s", ctx->midpath, id, hash);
  PATHF(m, err, "%s/%s/%s", ctx->master, id, hash);
  const char *order[] = {m, mid};
  for (size_t i = 0; i < 2; i++) {
    if (SP_SYS(SP_F_UMOUNT, umount2(order[i], UMOUNT_NOFOLLOW | MNT_DETACH)) <
            0 &&
        errno != EINVAL && errno != ENOENT)
      return sp_fail_errno(err, -errno, "cannot unmount %s", order[i]);
    /* The kernel refuses to remove a mount point (EBUSY): this both
     * checks that nothing is mounted there any more and removes it. */
    int r = remove_placeholder(order[i]);
    if (r == -EBUSY)
      return sp_fail(err, -EBUSY, "%s is still mounted after unmount",
                     order[i]);
    /* Unmounted but left behind: the caller's rollback binds it again
     * (a mid that is no mount any more has nothing to re-bind from). */
    if (r < 0)
      return sp_fail_errno(err, r, "cannot remove the mount point %s",
                           order[i]);
  }
  return 0;
}
