/* SPDX-License-Identifier: Apache-2.0 */
/* Path work in the container (ctrchild.h), for the container-side child:
 * a path resolved inside the container's root (openat2 or the walk), the
 * name the container has for an fd and the container-path rules checked
 * on it, the container's user namespace, the missing components of a
 * target created (through a writable clone where the root is read-only),
 * an unmount by fd, and what mount is at a path (look).  It runs through
 * sp_nsexec (nsexec.c): system calls only, no allocation, no stdio. */
#include <fcntl.h>
#include <linux/magic.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>

#include "ctrchild.h"
#include "fault.h"
#include "syscalls.h"

int ctr_root_in(child_args *a) {
  if (a->rooted)
    return 0;
  if (fchdir(a->t->rootfd) < 0 || chroot(".") < 0)
    return -errno;
  a->rooted = true;
  return 0;
}

int ctr_resolve_in_root(child_args *a, const char *path, int oflags,
                        uint64_t extra, int *parent) {
  int rootfd = a->t->rootfd;
  if (parent)
    *parent = -1;
  if (!a->mech->openat2) {
    unsigned int flags = extra & RESOLVE_NO_SYMLINKS ? SP_WALK_NO_SYMLINKS
                                                     : 0;
    for (int tries = 0;; tries++) {
      int fd = sp_walk(rootfd, path, oflags, flags, &a->sc->walk, parent);
      if (fd != -EAGAIN || tries == 1000)
        return fd;
    }
  }
  struct open_how how = {
      .flags = (uint64_t)(O_PATH | O_CLOEXEC | oflags),
      .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | extra,
  };
  /* With RESOLVE_IN_ROOT, a rename or mount anywhere on the system while
   * ".." is resolved gives EAGAIN (the kernel cannot prove ".." stayed
   * inside): retry, as openat2(2) advises.  Bounded, for a container that
   * renames in a loop to starve us. */
  for (int tries = 0;; tries++) {
    int fd = sp_openat2(rootfd, path, &how);
    if (fd >= 0)
      return fd;
    if (errno != EAGAIN || tries == 1000)
      return -errno;
  }
}

int ctr_resolve(child_args *a, const char *path, int oflags) {
  return ctr_resolve_in_root(a, path, oflags, 0, NULL);
}

void ctr_fd_path(char buf[32], int fd) {
  char digits[12];
  int i = 0;
  unsigned int v = (unsigned int)fd;
  do
    digits[i++] = (char)('0' + v % 10);
  while ((v /= 10) && i < 11);
  size_t o = strlen(buf);
  while (i)
    buf[o++] = digits[--i];
  buf[o] = '\0';
}

ssize_t ctr_name_of(child_args *a, int procfd, int fd, bool is_dir,
                    char *path) {
  int r = ctr_root_in(a);
  if (r < 0)
    return r;
  if (is_dir) {
    if (fchdir(fd) < 0)
      return -errno;
    if (sp_getcwd(path, PATH_MAX) < 0)
      return -errno;
    return (ssize_t)strlen(path);
  }
  char link[32] = "self/fd/";
  ctr_fd_path(link, fd);
  ssize_t n = readlinkat(procfd, link, path, PATH_MAX);
  if (n < 0)
    return -errno;
  if (n >= PATH_MAX)
    return -ENAMETOOLONG;
  path[n] = '\0';
  return n;
}

int ctr_check_resolved(child_args *a, int procfd, int fd, bool is_dir,
                       const char *name) {
  char path[PATH_MAX];
  /* No procfd: every source of this call is a directory (sp_ctr_run), so
   * a target that is not one fails the type check and is never mounted
   * on; its name does not matter. */
  if (!is_dir && procfd < 0)
    return 0;
  ssize_t n = ctr_name_of(a, procfd, fd, is_dir, path);
  if (n < 0)
    return (int)n;
  if (name) {
    size_t len = strlen(name);
    if (n == 1)
      n = 0; /* the root: "/" + name */
    if ((size_t)n + 1 + len >= sizeof(path))
      return -ENAMETOOLONG;
    path[n++] = '/';
    memcpy(path + n, name, len);
    n += (ssize_t)len;
  }
  path[n] = '\0';
  return path[0] == '/' ? sp_ctr_path_check(path, NULL) : -EPERM;
}

/* Append v's digits to buf (no snprintf in the child). */
static void put_digits(char *buf, unsigned long v) {
  char digits[24];
  int i = 0;
  do
    digits[i++] = (char)('0' + v % 10);
  while ((v /= 10) && i < 23);
  size_t o = strlen(buf);
  while (i)
    buf[o++] = digits[--i];
  buf[o] = '\0';
}

/* "<pid>/<name>" under the host's procfs (procfd, opened before setns:
 * the container's /proc could be anything), or under the process's own
 * /proc dir where that is what pins it (nsexec.h). */
static int open_proc(const child_args *a, const char *name, int flags) {
  if (a->t->procfd >= 0) {
    int fd = openat(a->t->procfd, name, flags | O_CLOEXEC);
    return fd < 0 ? (errno == ENOENT ? -ESRCH : -errno) : fd;
  }
  char path[64] = "";
  put_digits(path, (unsigned long)a->t->pid);
  size_t o = strlen(path);
  path[o++] = '/';
  memcpy(path + o, name, strlen(name) + 1);
  int fd = openat(a->procfd, path, flags | O_CLOEXEC);
  return fd < 0 ? -errno : fd;
}

/* The outside id that inside id 0 maps to in a uid_map/gid_map text
 * ("inside outside count" lines), or -ENOENT when 0 is not mapped. */
static long map_root(const char *text) {
  const char *p = text;
  while (*p) {
    unsigned long f[3];
    for (int k = 0; k < 3; k++) {
      while (*p == ' ' || *p == '\t')
        p++;
      if (*p < '0' || *p > '9')
        return -EINVAL;
      f[k] = 0;
      while (*p >= '0' && *p <= '9')
        f[k] = f[k] * 10 + (unsigned long)(*p++ - '0');
    }
    if (f[0] == 0 && f[2] > 0)
      return (long)f[1];
    while (*p && *p != '\n')
      p++;
    if (*p)
      p++;
  }
  return -ENOENT;
}

static long read_map_root(const child_args *a, const char *name) {
  int fd = open_proc(a, name, O_RDONLY);
  if (fd < 0)
    return fd;
  char text[1024];
  ssize_t n = sp_read_small(fd, text, sizeof(text));
  return n < 0 ? n : map_root(text);
}

int ctr_container_userns(child_args *a) {
  if (a->userns_known)
    return 0;
  int fd = open_proc(a, "ns/user", O_RDONLY);
  if (fd < 0)
    return fd;
  /* Ours through the host's procfs too: the child's /proc is the
   * container's. */
  struct stat theirs, ours;
  if (fstat(fd, &theirs) < 0 ||
      fstatat(a->procfd, "self/ns/user", &ours, 0) < 0) {
    int e = -errno;
    close(fd);
    return e;
  }
  a->userns = theirs.st_dev != ours.st_dev || theirs.st_ino != ours.st_ino;
  a->root_uid = 0, a->root_gid = 0, a->usernsfd = -1;
  if (a->userns) {
    long uid = read_map_root(a, "uid_map"), gid = read_map_root(a, "gid_map");
    if (uid < 0 || gid < 0) {
      close(fd);
      return uid < 0 ? (int)uid : (int)gid;
    }
    a->root_uid = (uid_t)uid, a->root_gid = (gid_t)gid;
    a->usernsfd = fd;
  } else {
    close(fd);
  }
  if (a->t->pidfd >= 0 && pidfd_send_signal(a->t->pidfd, 0, NULL, 0) < 0) {
    if (a->usernsfd >= 0)
      close(a->usernsfd);
    a->usernsfd = -1;
    return -ESRCH;
  }
  a->userns_known = true;
  return 0;
}

/* A placeholder just made in dirfd is given to the container's root: in a
 * user-namespaced container, host root's would show as nobody inside and
 * could not be removed or changed there. */
static int give_to_container(child_args *a, int dirfd, const char *name) {
  int r = ctr_container_userns(a);
  if (r < 0)
    return r;
  if (!a->userns)
    return 0;
  return fchownat(dirfd, name, a->root_uid, a->root_gid,
                  AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
}

/* Make name (a dir, or an empty file) in parent.  When parent is on the
 * container's root mount and that is read-only (a container started with
 * root.readonly), the placeholder is made through a writable clone of
 * that mount that is never attached anywhere: it lands in the root's
 * filesystem, as runc creates its mount targets before it makes the root
 * read-only, and the root stays read-only for the container.  Any other
 * read-only mount (one of our read-only binds above all: its host path)
 * is never written through.  -EROFS when it cannot be done (without the
 * new mount API, a writable clone cannot be had). */
static int make_entry(child_args *a, int parent, const char *name,
                      bool dir) {
  int r = -EROFS;
  for (int pass = 0; pass < 2; pass++) {
    int at = parent, tree = -1;
    if (pass == 1) {
      uint64_t pid_ = 0, rid = 0;
      if (!a->mech->mount_api ||
          sp_fd_mnt_id(a->mech, a->procfd, parent, a->mech->statmount,
                       &pid_) < 0 ||
          sp_fd_mnt_id(a->mech, a->procfd, a->t->rootfd, a->mech->statmount,
                       &rid) < 0 ||
          !pid_ || pid_ != rid)
        return -EROFS;
      tree = SP_SYS(SP_F_MOUNT, open_tree(parent, "", OPEN_TREE_CLONE |
                                                        OPEN_TREE_CLOEXEC |
                                                        AT_EMPTY_PATH));
      struct mount_attr rw = {.attr_clr = MOUNT_ATTR_RDONLY};
      if (tree < 0 ||
          SP_SYS(SP_F_MOUNT, mount_setattr(tree, "", AT_EMPTY_PATH, &rw,
                                           sizeof(rw))) < 0) {
        if (tree >= 0)
          close(tree);
        return -EROFS;
      }
      at = tree;
    }
    bool made;
    if (dir) {
      made = SP_SYS(SP_F_MKDIR, mkdirat(at, name, 0755)) == 0;
    } else {
      int f = SP_SYS(SP_F_MKDIR, openat(at, name, O_WRONLY | O_CREAT |
                                        O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                                        0644));
      made = f >= 0;
      if (f >= 0)
        close(f);
    }
    /* One that appeared meanwhile is the container's own: left as it is
     * (the caller resolves it again).  Ours is given to the container's
     * root, through the same way it was made. */
    r = made ? 0 : errno == EEXIST ? 0 : -errno;
    if (made)
      r = give_to_container(a, at, name);
    if (tree >= 0)
      close(tree);
    if (r != -EROFS)
      return r;
  }
  return r;
}

int ctr_on_kernel_fs(int fd) {
  struct statfs sf;
  if (fstatfs(fd, &sf) < 0)
    return -errno;
  return sf.f_type == PROC_SUPER_MAGIC || sf.f_type == SYSFS_MAGIC ? -EPERM
                                                                   : 0;
}

int ctr_create_path(child_args *a, const char *path, bool last_is_dir,
                    int *stage, int *last_parent) {
  char buf[PATH_MAX];
  size_t len = strlen(path);
  if (len >= sizeof(buf))
    return -ENAMETOOLONG;
  memcpy(buf, path, len + 1);
  int parent = ctr_resolve(a, "/", O_DIRECTORY);
  if (parent < 0)
    return parent;
  char *p = buf + 1;
  for (;;) {
    char *slash = strchr(p, '/');
    bool last = slash == NULL;
    if (slash)
      *slash = '\0';
    int fd = ctr_resolve_in_root(a, buf, last ? 0 : O_DIRECTORY, 0,
                                 last ? last_parent : NULL);
    if (fd == -ENOENT) {
      int r = ctr_on_kernel_fs(parent);
      if (r < 0)
        *stage = STAGE_CHECK;
      else if ((r = ctr_check_resolved(a, -1, parent, true, p)) < 0)
        *stage = STAGE_RESERVED;
      if (r < 0) {
        close(parent);
        return r;
      }
      r = make_entry(a, parent, p, !last || last_is_dir);
      if (r == -EROFS)
        *stage = STAGE_ROFS;
      if (r < 0) {
        close(parent);
        return r;
      }
      fd = ctr_resolve_in_root(a, buf, last ? 0 : O_DIRECTORY, 0,
                               last ? last_parent : NULL);
    }
    close(parent);
    if (fd < 0)
      return fd;
    if (last)
      return fd;
    parent = fd;
    *slash = '/';
    p = slash + 1;
  }
}

int ctr_umount_fd(int procfd, int fd, bool is_dir) {
  if (is_dir) {
    if (fchdir(fd) < 0)
      return -errno;
    return SP_SYS(SP_F_UMOUNT, umount2(".", MNT_DETACH)) < 0 ? -errno : 0;
  }
  char path[32] = "self/fd/";
  ctr_fd_path(path, fd);
  /* umount2 resolves relative paths from the cwd: the host's /proc. */
  if (fchdir(procfd) < 0)
    return -errno;
  return SP_SYS(SP_F_UMOUNT, umount2(path, MNT_DETACH)) < 0 ? -errno : 0;
}

int ctr_look(child_args *a, int fd, int parent, const sp_ident *id, seen *s,
             int kind) {
  const sp_mech *m = a->mech;
  unsigned int want = ctr_id_mask(a, kind);
  struct statx sx;
  if (statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS | want, &sx) < 0)
    return -errno;
  *s = (seen){.mode = sx.stx_mode};
  uint64_t read = 0; /* fdinfo's id, where the mount-root test read it */
  if (makedev(sx.stx_dev_major, sx.stx_dev_minor) == id->dev &&
      sx.stx_ino == id->ino) {
    int r = sp_fd_mount_root_id(m, a->procfd, fd, parent, &sx, &read);
    if (r < 0)
      return r;
    s->ours = r == 1;
  }
  if (kind == ID_NONE)
    return 0;
  if (!want && read) {
    s->mnt_id = read;
    return 0;
  }
  if (!want)
    return sp_fdinfo_mnt_id(a->procfd, fd, &s->mnt_id);
  if (!(sx.stx_mask & want))
    return -ENOSYS;
  s->mnt_id = sx.stx_mnt_id;
  return 0;
}

int ctr_look_at(child_args *a, const char *path, uint64_t extra,
                const sp_ident *id, seen *s, int kind, int *fd) {
  int parent = -1;
  *fd = ctr_resolve_in_root(a, path, 0, extra, &parent);
  int r = *fd < 0 ? *fd : ctr_look(a, *fd, parent, id, s, kind);
  if (parent >= 0)
    close(parent);
  return r;
}

bool ctr_held_has(child_args *a, const sp_ctr_op *op, uint64_t id, int kind) {
  for (size_t i = 0; id && i < a->nheld; i++) {
    const sp_bind *h = &a->held[i];
    if (h->mnt_id != id || ctr_id_kind(a, h->mnt_id) != kind ||
        strcmp(h->hash, op->hash) != 0 || strcmp(h->ctr, op->target) == 0)
      continue;
    seen s = {0};
    int fd = -1;
    bool there = ctr_look_at(a, h->ctr, 0, &op->ident, &s, kind, &fd) == 0 &&
                 s.ours && s.mnt_id == id;
    if (fd >= 0)
      close(fd);
    if (there)
      return true;
  }
  return false;
}
