/* SPDX-License-Identifier: Apache-2.0 */
/* SPDX-License-Identifier: Apache-2.0 */
/* What the container-side child does: resolve a target inside the
 * container's root, create what is missing, bind the host path's copy
 * under /.sharedpath onto it or take our mount off it, and check it landed
 * where it was meant to.  Each step by the target's mechanisms (kernel.h):
 * resolve_in_root (openat2 or the walk), look (mount roots and ids),
 * bind_into_container (the new mount API or mount(2)), and for a mount the
 * container moved, statmount or its mountinfo.
 * It runs through sp_nsexec (nsexec.c): system calls only, no allocation,
 * no stdio, results written into the ops. */
#include <fcntl.h>
#include <linux/magic.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>

#include "ctrops.h"
#include "fault.h"
#include "mntid.h"
#include "syscalls.h"
#include "walk.h"

/* Which step of an op failed (sp_ctr_op.stage), for the message. */
enum {
  STAGE_RESOLVE = 1,
  STAGE_CREATE,
  STAGE_CHECK,
  STAGE_MOUNT,
  STAGE_UMOUNT,
  STAGE_RESERVED,
  STAGE_RACED,
  STAGE_SOURCE,
  STAGE_IDMAP,
  STAGE_NOUSERNS,
  STAGE_ROFS,
  STAGE_NOIDMAP,
  STAGE_COVERED,
  STAGE_AMBIGUOUS,
  STAGE_LEAKED,
};

static const char *stage_name(int s) {
  switch (s) {
  case STAGE_RESOLVE: return "resolving";
  case STAGE_CREATE: return "creating";
  case STAGE_CHECK: return "checking";
  case STAGE_MOUNT: return "mounting on";
  case STAGE_UMOUNT: return "unmounting";
  case STAGE_RESERVED: return "checking where symlinks lead";
  case STAGE_RACED: return "renamed inside the container while mounting on";
  case STAGE_SOURCE: return "finding the host path's bind for";
  case STAGE_IDMAP: return "idmapping the bind for";
  case STAGE_NOUSERNS: return "idmapping the bind for";
  case STAGE_ROFS: return "creating";
  case STAGE_NOIDMAP: return "idmapping the bind for";
  case STAGE_COVERED: return "reaching the moved mount of";
  case STAGE_AMBIGUOUS: return "telling which mount is that of";
  case STAGE_LEAKED: return "taking back a bind that raced away from";
  default: return "handling";
  }
}

/* ---- everything below runs in the container-side child (sp_nsexec):
 * system calls only ---- */

/* Room the child needs beyond its stack, lent by the caller: the walk's,
 * a mountinfo line, and the lines and names a search keeps. */
#define SP_MI_LINE_MAX 16384
#define SP_HELD_IDS_MAX 128
typedef struct scratch {
  sp_walk_buf walk;
  char mi[SP_MI_LINE_MAX];
  char point[PATH_MAX];      /* where a mount sought is */
  char root[PATH_MAX];       /* its root within its filesystem */
  char copy_root[PATH_MAX];  /* that of the copy at /.sharedpath/<h> */
  uint64_t held_ids[SP_HELD_IDS_MAX];
} scratch;

typedef struct child_args {
  const sp_target *t;
  const sp_mech *mech;
  size_t n;
  int procfd;
  bool rooted; /* the child's root is the container's (root_in) */
  scratch *sc; /* NULL where nothing needs it (sp_ctr_run) */
  const sp_bind *held; /* the container's paths besides the ops' */
  size_t nheld;
  /* The container's user namespace, read once when first needed
   * (container_userns): whether it has its own, the host ids its root
   * maps to (placeholders are given to it), and an fd of it (idmap). */
  bool userns_known, userns;
  uid_t root_uid;
  gid_t root_gid;
  int usernsfd;
} child_args;

/* Make the child's root exactly the root we resolve in (the container
 * init's), so the kernel names fds and mounts as the container sees them
 * (getcwd, /proc/self/fd, statmount).  Only done when a name is needed:
 * nothing else depends on the child's root (every lookup is an openat2
 * RESOLVE_IN_ROOT from the root fd, unmounts go through fds). */
static int root_in(child_args *a) {
  if (a->rooted)
    return 0;
  if (fchdir(a->t->rootfd) < 0 || chroot(".") < 0)
    return -errno;
  a->rooted = true;
  return 0;
}

/* Resolve path inside the container's root: openat2 where the kernel has
 * it, else the walk (walk.h), which is as strict.  extra: 0 or
 * RESOLVE_NO_SYMLINKS.  parent (may be NULL): the directory the last name
 * was found in, where the walk ran (-1 otherwise): how a mount root is
 * told without STATX_ATTR_MOUNT_ROOT (mntid.h). */
static int resolve_in_root(child_args *a, const char *path, int oflags,
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

static int resolve(child_args *a, const char *path, int oflags) {
  return resolve_in_root(a, path, oflags, 0, NULL);
}

/* Append fd's digits to buf ("self/fd/"): no snprintf in the child. */
static void fd_path(char buf[32], int fd) {
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

/* The path of fd (plus "/name" when name is given) as the container sees
 * it, after symlinks: the child's root is the container's root (see
 * child_main), so the kernel's name for fd is that path.  A directory is
 * named by getcwd after fchdir (no procfs lookup); anything else through
 * the host's procfs.  The rules for container paths ("/", /.sharedpath,
 * /proc, /sys) apply to it as to the path given: a symlink must not be a
 * way around them. */
/* The name of fd in the container (the child's root: root_in), into path
 * (PATH_MAX), its length returned. */
static ssize_t name_of(child_args *a, int procfd, int fd, bool is_dir,
                       char *path) {
  int r = root_in(a);
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
  fd_path(link, fd);
  ssize_t n = readlinkat(procfd, link, path, PATH_MAX);
  if (n < 0)
    return -errno;
  if (n >= PATH_MAX)
    return -ENAMETOOLONG;
  path[n] = '\0';
  return n;
}

static int check_resolved(child_args *a, int procfd, int fd, bool is_dir,
                          const char *name) {
  char path[PATH_MAX];
  /* No procfd: every source of this call is a directory (sp_ctr_run), so
   * a target that is not one fails the type check and is never mounted
   * on; its name does not matter. */
  if (!is_dir && procfd < 0)
    return 0;
  ssize_t n = name_of(a, procfd, fd, is_dir, path);
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

/* Whether the container has a user namespace of its own and, if so, the
 * host ids of its root and an fd of the namespace.  Read through the
 * host's procfs by pid, then the pidfd checked alive: what was read was
 * the container's init and not a process that took over its pid (or
 * through its /proc dir, which fails once it is gone). */
static int container_userns(child_args *a) {
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
  int r = container_userns(a);
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

/* procfs and sysfs hand over the kernel's view of the host (the container
 * shares its kernel): never mount on them, nor create anything there. */
static int on_kernel_fs(int fd) {
  struct statfs sf;
  if (fstatfs(fd, &sf) < 0)
    return -errno;
  return sf.f_type == PROC_SUPER_MAGIC || sf.f_type == SYSFS_MAGIC ? -EPERM
                                                                   : 0;
}

/* Create the missing components of path inside the container, each one
 * resolved in the container's root; the last one as a dir or an empty
 * file.  *last_parent as resolve_in_root gives it. */
static int create_path(child_args *a, const char *path, bool last_is_dir,
                       int *stage, int *last_parent) {
  char buf[PATH_MAX];
  size_t len = strlen(path);
  if (len >= sizeof(buf))
    return -ENAMETOOLONG;
  memcpy(buf, path, len + 1);
  int parent = resolve(a, "/", O_DIRECTORY);
  if (parent < 0)
    return parent;
  char *p = buf + 1;
  for (;;) {
    char *slash = strchr(p, '/');
    bool last = slash == NULL;
    if (slash)
      *slash = '\0';
    int fd = resolve_in_root(a, buf, last ? 0 : O_DIRECTORY, 0,
                             last ? last_parent : NULL);
    if (fd == -ENOENT) {
      int r = on_kernel_fs(parent);
      if (r < 0)
        *stage = STAGE_CHECK;
      else if ((r = check_resolved(a, -1, parent, true, p)) < 0)
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
      fd = resolve_in_root(a, buf, last ? 0 : O_DIRECTORY, 0,
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

/* umount2 needs a path, and it must be exactly the mount fd points at,
 * never whatever a path resolves to later.  A directory: make it the
 * child's cwd and unmount "." (no name is looked up at all; the child has
 * its own cwd, not the engine's).  A file: reach it through the host's
 * procfs (procfd, opened before setns) so the container cannot fake it.
 * Our own fd pins the mount, so the unmount is a detach: the mount leaves
 * the container's tree at once and is freed when the last file in it is
 * closed (processes inside keep what they hold open, as with docker). */
static int umount_fd(int procfd, int fd, bool is_dir) {
  if (is_dir) {
    if (fchdir(fd) < 0)
      return -errno;
    return SP_SYS(SP_F_UMOUNT, umount2(".", MNT_DETACH)) < 0 ? -errno : 0;
  }
  char path[32] = "self/fd/";
  fd_path(path, fd);
  /* umount2 resolves relative paths from the cwd: the host's /proc. */
  if (fchdir(procfd) < 0)
    return -errno;
  return SP_SYS(SP_F_UMOUNT, umount2(path, MNT_DETACH)) < 0 ? -errno : 0;
}

/* Which mount ids the child compares: none (nothing recorded, or a
 * unique id where statmount is not used), the reusable ones, the unique
 * ones.  Ids of one kind are only ever compared with ids of that kind. */
enum { ID_NONE, ID_OLD, ID_UNIQUE };

/* The kind an attach records. */
static int record_kind(const child_args *a) {
  return a->mech->statmount ? ID_UNIQUE : ID_OLD;
}

/* The kind of a recorded id, as this plugin can compare it. */
static int id_kind(const child_args *a, uint64_t id) {
  if (!id)
    return ID_NONE;
  if (sp_mnt_id_is_unique(id))
    return a->mech->statmount ? ID_UNIQUE : ID_NONE;
  return ID_OLD;
}

/* What the top mount at fd is: its file type, whether it is the root of a
 * mount showing id (our bind), and (kind given) its mount id. */
typedef struct seen {
  mode_t mode;
  bool ours;
  uint64_t mnt_id;
} seen;

/* parent: as resolve_in_root gives it (-1 where openat2 ran). */
static int look(child_args *a, int fd, int parent, const sp_ident *id,
                seen *s, int kind) {
  const sp_mech *m = a->mech;
  unsigned int want = kind == ID_UNIQUE                  ? STATX_MNT_ID_UNIQUE
                      : kind == ID_OLD && m->statx_mount ? STATX_MNT_ID
                                                         : 0;
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

/* Another path of the container (held) takes the same host path, has
 * recorded id (of kind) as its mount, and that mount is at its path:
 * the mount is that path's, not the op's.  (A reusable id recorded for a
 * mount that is gone may be a live mount's now: only the look at the
 * path tells.) */
static bool held_has(child_args *a, const sp_ctr_op *op, uint64_t id,
                     int kind) {
  for (size_t i = 0; id && i < a->nheld; i++) {
    const sp_bind *h = &a->held[i];
    if (h->mnt_id != id || id_kind(a, h->mnt_id) != kind ||
        strcmp(h->hash, op->hash) != 0 || strcmp(h->ctr, op->target) == 0)
      continue;
    int parent = -1;
    int fd = resolve_in_root(a, h->ctr, 0, 0, &parent);
    seen s = {0};
    bool there = fd >= 0 && look(a, fd, parent, &op->ident, &s, kind) == 0 &&
                 s.ours && s.mnt_id == id;
    if (parent >= 0)
      close(parent);
    if (fd >= 0)
      close(fd);
    if (there)
      return true;
  }
  return false;
}

/* The mount point of mount mnt_id as this process sees it (the child's
 * root is the container's), into path.  -ENOENT: no such mount any more. */
static int mount_point_of(uint64_t mnt_id, char *path, size_t size) {
  union {
    struct sp_statmount sm;
    char buf[sizeof(struct sp_statmount) + PATH_MAX];
  } u;
  struct sp_mnt_id_req req = {.size = SP_MNT_ID_REQ_SIZE_VER0,
                              .mnt_id = mnt_id,
                              .param = SP_STATMOUNT_MNT_POINT};
  if (sp_statmount(&req, &u.sm, sizeof(u)) < 0)
    return -errno;
  if (!(u.sm.mask & SP_STATMOUNT_MNT_POINT) ||
      offsetof(struct sp_statmount, str) + u.sm.mnt_point >= sizeof(u))
    return -ENOENT;
  const char *p = u.sm.str + u.sm.mnt_point;
  size_t len = strnlen(p, sizeof(u) - offsetof(struct sp_statmount, str) -
                              u.sm.mnt_point);
  if (len >= size)
    return -ENAMETOOLONG;
  memcpy(path, p, len);
  path[len] = '\0';
  return 0;
}

/* The moved mount went onto the inode resolved before; a rename in the
 * container in between would put it at another path than the one
 * recorded.  So look again: the path must now show exactly our mount (the
 * same id as the tree we moved); if not, take it off (through its own fd)
 * and report the race, for the caller to undo the rest and the engine to
 * retry.  Records the mount's id.  One statx on each side. */
static int landed(child_args *a, sp_ctr_op *op, int tree) {
  bool unique = record_kind(a) == ID_UNIQUE;
  uint64_t ours = 0, there = 0;
  int r = sp_fd_mnt_id(a->mech, a->procfd, tree, unique, &ours);
  int fd = resolve(a, op->target, 0);
  if (fd >= 0) {
    if (sp_fd_mnt_id(a->mech, a->procfd, fd, unique, &there) < 0)
      there = 0;
    close(fd);
  }
  if (r == 0 && ours && ours == there) {
    op->mnt_id = ours;
    return 0;
  }
  op->stage = STAGE_RACED;
  umount_fd(a->procfd, tree, op->ident.is_dir);
  return -EAGAIN;
}

/* The source of every container-side mount: the copy of the master bind
 * that propagated into the container at /.sharedpath/<h>, resolved in the
 * container's root without symlinks and checked to be the root of a mount
 * showing the host path.  A mount made from it inside the container's
 * namespace keeps the flags the kernel locked on that copy when it
 * propagated across a user namespace: a user-namespaced container's root
 * cannot remount a read-only path writable.  (A clone made on the host and
 * moved in carries no such lock.)  -ENOENT (STAGE_SOURCE): no such copy,
 * the container runs without the /.sharedpath mount on_create gave.
 * *id (kind): the copy's mount id. */
static int open_source(child_args *a, sp_ctr_op *op, int kind, uint64_t *id) {
  char path[sizeof(SHAREDPATH_CONTAINER_DIR) + SP_HASH_HEX_LEN + 1];
  size_t dl = sizeof(SHAREDPATH_CONTAINER_DIR) - 1;
  if (strlen(op->hash) != SP_HASH_HEX_LEN)
    return -EINVAL;
  memcpy(path, SHAREDPATH_CONTAINER_DIR, dl);
  path[dl] = '/';
  memcpy(path + dl + 1, op->hash, SP_HASH_HEX_LEN + 1);
  op->stage = STAGE_SOURCE;
  int parent = -1;
  int fd = resolve_in_root(a, path, 0, RESOLVE_NO_SYMLINKS, &parent);
  if (fd == -ELOOP || fd == -ENOTDIR)
    return -ENOENT;
  if (fd < 0)
    return fd;
  seen s = {0};
  int r = look(a, fd, parent, &op->ident, &s, kind);
  if (parent >= 0)
    close(parent);
  if (r == 0 && !s.ours)
    r = -ENOENT;
  if (r < 0) {
    close(fd);
    return r;
  }
  *id = s.mnt_id;
  return fd;
}

static const unsigned int ms_propagation[] = {
    [SP_PROP_PRIVATE] = MS_PRIVATE, [SP_PROP_RPRIVATE] = MS_PRIVATE,
    [SP_PROP_SLAVE] = MS_SLAVE,     [SP_PROP_RSLAVE] = MS_SLAVE,
    [SP_PROP_SHARED] = MS_SHARED,   [SP_PROP_RSHARED] = MS_SHARED,
};

/* A detached clone of the source (with its submounts for rbind), with
 * the op's ro and propagation set before it is visible anywhere (ro is the
 * source's already: the mid carries it), and idmapped to the container's
 * user namespace for idmap.  With rbind, ro is set on every mount, and so
 * is an r* propagation; a propagation without r only on the top one. */
static int clone_source(child_args *a, int src, sp_ctr_op *op) {
  bool rbind = op->opts.rbind;
  unsigned int rec = rbind ? AT_RECURSIVE : 0;
  sp_propagation p = op->opts.propagation;
  bool rprop = p == SP_PROP_RPRIVATE || p == SP_PROP_RSLAVE ||
               p == SP_PROP_RSHARED;
  int tree = SP_SYS(SP_F_MOUNT, open_tree(src, "", OPEN_TREE_CLONE |
                                                     OPEN_TREE_CLOEXEC |
                                                     AT_EMPTY_PATH | rec));
  if (tree < 0)
    return -errno;
  const unsigned int *prop = ms_propagation;
  struct mount_attr attr = {.attr_set = op->opts.ro ? MOUNT_ATTR_RDONLY : 0};
  bool top_prop = rbind && !rprop;
  if (!top_prop)
    attr.propagation = prop[p];
  int r = 0;
  if (SP_SYS(SP_F_MOUNT, mount_setattr(tree, "", AT_EMPTY_PATH | rec, &attr,
                                       sizeof(attr))) < 0)
    r = -errno;
  if (r == 0 && top_prop) {
    struct mount_attr top = {.propagation = prop[p]};
    if (SP_SYS(SP_F_MOUNT, mount_setattr(tree, "", AT_EMPTY_PATH, &top,
                                         sizeof(top))) < 0)
      r = -errno;
  }
  if (r == 0 && op->opts.idmap) {
    op->stage = STAGE_NOUSERNS;
    r = container_userns(a);
    if (r == 0 && !a->userns)
      r = -EINVAL;
    if (r == 0) {
      op->stage = STAGE_IDMAP;
      struct mount_attr id = {.attr_set = MOUNT_ATTR_IDMAP,
                              .userns_fd = (uint64_t)a->usernsfd};
      if (SP_SYS(SP_F_MOUNT, mount_setattr(tree, "", AT_EMPTY_PATH | rec, &id,
                                           sizeof(id))) < 0)
        r = -errno;
    }
  }
  if (r < 0) {
    close(tree);
    return r;
  }
  return tree;
}

/* The propagation asked for, on the mount whose root fd is (with rbind,
 * an r* one on every mount of it, as clone_source does), and ro if its
 * source was not (it always is: the mid carries ro, on every mount),
 * repeating the flags the kernel may have locked on it (a remount must,
 * or fails EPERM).  Through the host's /proc/self/fd/N: the container
 * cannot fake it. */
static int set_options_classic(child_args *a, const sp_ctr_op *op, int fd) {
  char self[32] = "self/fd/";
  fd_path(self, fd);
  if (fchdir(a->procfd) < 0)
    return -errno;
  sp_propagation p = op->opts.propagation;
  bool rprop = p == SP_PROP_RPRIVATE || p == SP_PROP_RSLAVE ||
               p == SP_PROP_RSHARED;
  unsigned long rec = op->opts.rbind && rprop ? MS_REC : 0;
  if (SP_SYS(SP_F_MOUNT, mount(NULL, self, NULL, ms_propagation[p] | rec,
                               NULL)) < 0)
    return -errno;
  struct statfs sf;
  if (!op->opts.ro)
    return 0;
  if (fstatfs(fd, &sf) < 0)
    return -errno;
  if (sf.f_flags & ST_RDONLY)
    return 0;
  unsigned long flags = MS_REMOUNT | MS_BIND | MS_RDONLY |
                        sp_mount_flags_of((unsigned long)sf.f_flags);
  return SP_SYS(SP_F_MOUNT, mount(NULL, self, NULL, flags, NULL)) < 0 ? -errno
                                                                       : 0;
}

/* A bind that raced away (classic_bind) sits on the target's inode,
 * wherever the container has moved it: its name now is where to take it
 * off.  Bounded, for a container renaming in a loop.  0 or -errno. */
static int unmount_raced(child_args *a, sp_ctr_op *op, int target,
                         uint64_t src_id) {
  int kind = record_kind(a);
  for (int tries = 0; tries < 100; tries++) {
    ssize_t n = name_of(a, a->procfd, target, op->ident.is_dir, a->sc->point);
    if (n < 0)
      return (int)n;
    int parent = -1;
    int fd = resolve_in_root(a, a->sc->point, 0, 0, &parent);
    seen s = {0};
    int r = fd < 0 ? fd : look(a, fd, parent, &op->ident, &s, kind);
    if (parent >= 0)
      close(parent);
    if (r == 0 && s.ours && s.mnt_id != src_id &&
        !held_has(a, op, s.mnt_id, kind))
      r = umount_fd(a->procfd, fd, op->ident.is_dir);
    else
      r = 1;
    if (fd >= 0)
      close(fd);
    if (r <= 0)
      return r;
  }
  return -EAGAIN;
}

/* fd is named where (its name in the container, PATH_MAX). */
static bool named(child_args *a, const sp_ctr_op *op, int fd,
                  const char *where) {
  return name_of(a, a->procfd, fd, op->ident.is_dir, a->sc->point) > 0 &&
         strcmp(a->sc->point, where) == 0;
}

/* The bind by mount(2), where the kernel has no new mount API (before
 * 5.12): the source onto the target, both by fd through the host's
 * /proc/self/fd (opened before entering: the container cannot fake it;
 * neither path is looked up by name again), as runc has since
 * CVE-2021-30465.  The new mount is read-only from the start (its source
 * is) and takes the source's propagation until set_options_classic sets
 * the asked one, right after.  There is no fd of the new mount to ask
 * where it went, so: what the path resolves to again must be a mount of
 * ours, neither the source nor another path's, named where the target's
 * inode was named before the mount, and is still; if not, the container
 * raced (a rename) and the bind is taken off where it went. */
static int bind_classic(child_args *a, sp_ctr_op *op, int target, int src,
                        uint64_t src_id) {
  char from[32] = "self/fd/", to[32] = "self/fd/", where[PATH_MAX];
  fd_path(from, src);
  fd_path(to, target);
  ssize_t n = name_of(a, a->procfd, target, op->ident.is_dir, where);
  if (n < 0)
    return (int)n;
  if (fchdir(a->procfd) < 0)
    return -errno;
  unsigned long rec = op->opts.rbind ? MS_REC : 0;
  if (SP_SYS(SP_F_MOUNT, mount(from, to, NULL, MS_BIND | rec, NULL)) < 0)
    return -errno;
  int kind = record_kind(a), parent = -1, r = 0;
  int fd = resolve_in_root(a, op->target, 0, 0, &parent);
  seen s = {0};
  r = fd < 0 ? fd : look(a, fd, parent, &op->ident, &s, kind);
  if (parent >= 0)
    close(parent);
  if (r == 0 && s.ours && s.mnt_id && s.mnt_id != src_id &&
      named(a, op, fd, where) && named(a, op, target, where) &&
      !held_has(a, op, s.mnt_id, kind)) {
    r = set_options_classic(a, op, fd);
    if (r == 0)
      op->mnt_id = s.mnt_id;
    else
      umount_fd(a->procfd, fd, op->ident.is_dir);
    close(fd);
    return r;
  }
  if (fd >= 0)
    close(fd);
  if (unmount_raced(a, op, target, src_id) < 0) {
    op->stage = STAGE_LEAKED;
    return -EIO;
  }
  op->stage = STAGE_RACED;
  return -EAGAIN;
}

/* Bind the source (the copy at /.sharedpath/<h>) onto the target fd: the
 * clone the new mount API made ready (tree), else by mount(2). */
static int bind_into_container(child_args *a, sp_ctr_op *op, int target,
                               int src, uint64_t src_id, int tree) {
  if (tree < 0)
    return bind_classic(a, op, target, src, src_id);
  if (SP_SYS(SP_F_MOUNT, move_mount(tree, "", target, "",
                                    MOVE_MOUNT_F_EMPTY_PATH |
                                        MOVE_MOUNT_T_EMPTY_PATH)) < 0)
    return -errno;
  return landed(a, op, tree);
}

/* The target, resolved inside the container's root; *via_link tells
 * whether a symlink was on the way, *parent as resolve_in_root gives it.
 * -ENOENT: it is not there (yet). */
static int resolve_target(child_args *a, sp_ctr_op *op, bool *via_link,
                          int *parent) {
  /* With no symlink on the way (and no "..": the target is cleaned), what
   * the path reaches is named by its text, which the container-path rules
   * were checked on (sp_bind_parse): only a path through a symlink, or
   * one just created, needs the look at where it really leads. */
  *via_link = false;
  int fd = resolve_in_root(a, op->target, 0, RESOLVE_NO_SYMLINKS, parent);
  if (fd == -ELOOP) {
    *via_link = true;
    fd = resolve_in_root(a, op->target, 0, 0, parent);
  }
  return fd;
}

/* Check the target's kind against the bind's and where it lies; the
 * mode it has comes back in op->found when that is what is wrong. */
static int check_target(child_args *a, sp_ctr_op *op, int fd, mode_t mode,
                        bool via_link) {
  int r = 0;
  if (via_link) {
    op->stage = STAGE_RESERVED;
    if ((r = check_resolved(a, a->procfd, fd, S_ISDIR(mode), NULL)) < 0)
      return r;
  }
  op->stage = STAGE_CHECK;
  if ((r = on_kernel_fs(fd)) < 0)
    return r;
  if (op->ident.is_dir && !S_ISDIR(mode))
    r = -ENOTDIR;
  else if (!op->ident.is_dir && S_ISDIR(mode))
    r = -EISDIR;
  else if (!op->ident.is_dir && !S_ISREG(mode))
    r = -EINVAL;
  if (r < 0)
    op->found = mode;
  return r;
}

/* The mount is made ready (source found, cloned, idmapped) before the
 * target is created, so that a refusal there (no such copy, no user
 * namespace for idmap, a filesystem that cannot be idmapped, idmap
 * without the new mount API) leaves no placeholder behind.  (mount(2)
 * has no detached mount to make ready: it binds once the target is
 * there.) */
static int do_attach(child_args *a, sp_ctr_op *op) {
  op->stage = STAGE_RESOLVE;
  bool via_link;
  int parent = -1, kind = record_kind(a);
  int fd = resolve_target(a, op, &via_link, &parent);
  seen st = {0};
  if (fd >= 0) {
    /* Already there (recovery re-runs an attach): nothing to do.  The
     * same statx gives the target's type for the checks below. */
    int r = look(a, fd, parent, &op->ident, &st, kind);
    if (parent >= 0)
      close(parent);
    parent = -1;
    if (r == 0 && st.ours) {
      op->mnt_id = st.mnt_id;
      close(fd);
      return 1;
    }
    if (r < 0) {
      close(fd);
      return r;
    }
  } else if (fd != -ENOENT) {
    return fd;
  }
  uint64_t src_id = 0;
  int src = open_source(a, op, kind, &src_id), tree = -1, r = 0;
  if (src < 0)
    r = src;
  if (r == 0 && op->opts.idmap && !a->mech->mount_api) {
    op->stage = STAGE_NOIDMAP;
    r = -EOPNOTSUPP;
  }
  if (r == 0 && a->mech->mount_api) {
    op->stage = STAGE_MOUNT;
    tree = clone_source(a, src, op);
    if (tree < 0)
      r = tree;
  }
  if (r == 0 && fd == -ENOENT) {
    op->stage = STAGE_CREATE;
    via_link = true;
    fd = create_path(a, op->target, op->ident.is_dir, &op->stage, &parent);
    if (fd < 0)
      r = fd;
    else if ((r = look(a, fd, parent, &op->ident, &st, kind)) == 0 &&
             st.ours)
      r = -EEXIST; /* appeared meanwhile: not made by us */
    if (parent >= 0)
      close(parent);
  }
  if (r == 0)
    r = check_target(a, op, fd, st.mode, via_link);
  if (r == 0) {
    op->stage = STAGE_MOUNT;
    r = bind_into_container(a, op, fd, src, src_id, tree);
  }
  if (tree >= 0)
    close(tree);
  if (src >= 0)
    close(src);
  if (fd >= 0)
    close(fd);
  return r;
}

/* Unmount the top mount at path if it is ours: with want, that very mount
 * (of kind); without, any of ours that is not another path's.  1: nothing
 * to take there; *top (may be NULL) then the id found, 0 if none. */
static int detach_at(child_args *a, sp_ctr_op *op, const char *path,
                     uint64_t want, int kind, uint64_t *top) {
  if (top)
    *top = 0;
  int parent = -1;
  int fd = resolve_in_root(a, path, 0, 0, &parent);
  if (fd == -ENOENT)
    return 1;
  if (fd < 0)
    return fd;
  seen s = {0};
  int r = look(a, fd, parent, &op->ident, &s, kind);
  if (parent >= 0)
    close(parent);
  if (r == 0 && top)
    *top = s.mnt_id;
  if (r == 0)
    r = s.ours && (want ? s.mnt_id == want
                        : !held_has(a, op, s.mnt_id, kind))
            ? umount_fd(a->procfd, fd, op->ident.is_dir) : 1;
  close(fd);
  return r;
}

/* ---- the container's mountinfo, where statmount is missing ---- */

/* Opened through the host's procfs for the child itself: its namespace
 * (the container's) and its root (root_in), so mount points read as the
 * container's paths. */
static int open_mountinfo(child_args *a) {
  int r = root_in(a);
  if (r < 0)
    return r;
  int fd = openat(a->procfd, "self/mountinfo", O_RDONLY | O_CLOEXEC);
  return fd < 0 ? -errno : fd;
}

typedef struct mi_find {
  child_args *a;
  const sp_ctr_op *op;
  uint64_t want;                   /* find this id's line */
  char copy[sizeof(SHAREDPATH_CONTAINER_DIR) + SP_HASH_HEX_LEN + 1];
  bool found, have_copy;
  unsigned int major, minor, copy_major, copy_minor;
} mi_find;

static int copy_string(char *dst, const char *src) {
  size_t len = strlen(src);
  if (len >= PATH_MAX)
    return -ENAMETOOLONG;
  memcpy(dst, src, len + 1);
  return 0;
}

static void copy_point(mi_find *f) {
  size_t dl = sizeof(SHAREDPATH_CONTAINER_DIR) - 1;
  memcpy(f->copy, SHAREDPATH_CONTAINER_DIR, dl);
  f->copy[dl] = '/';
  memcpy(f->copy + dl + 1, f->op->hash, SP_HASH_HEX_LEN + 1);
}

/* The line of id want (its point and root kept), and that of the copy at
 * /.sharedpath/<h> (its device and root: what a mount of the host path
 * shows, in mountinfo's own terms). */
static int find_line(const sp_mi_line *l, void *arg) {
  mi_find *f = arg;
  scratch *sc = f->a->sc;
  int r = 0;
  if (f->want && l->id == f->want) {
    f->found = true;
    f->major = l->major, f->minor = l->minor;
    if ((r = copy_string(sc->point, l->point)) == 0)
      r = copy_string(sc->root, l->root);
  } else if (!f->have_copy && strcmp(l->point, f->copy) == 0) {
    f->have_copy = true;
    f->copy_major = l->major, f->copy_minor = l->minor;
    r = copy_string(sc->copy_root, l->root);
  }
  return r < 0 ? r : f->found && f->have_copy ? 1 : 0;
}

/* Scan the container's mountinfo with f. */
static int scan(child_args *a, sp_mi_fn fn, void *f) {
  int fd = open_mountinfo(a);
  if (fd < 0)
    return fd;
  int r = sp_mountinfo_each(fd, a->sc->mi, sizeof(a->sc->mi), fn, f);
  close(fd);
  return r < 0 ? r : 0;
}

/* Where mount want (of kind) is now, into point (PATH_MAX; a->sc->point
 * where the mountinfo is read): 0, or -ENOENT
 * when it is gone.  *shows_host: it is a mount of the op's host path (a
 * reusable id may have passed to another mount since ours went). */
static int locate(child_args *a, sp_ctr_op *op, uint64_t want, int kind,
                  bool *shows_host, char *point) {
  *shows_host = true;
  if (kind == ID_UNIQUE) {
    int r = root_in(a); /* statmount names mount points from our root */
    return r < 0 ? r : mount_point_of(want, point, PATH_MAX);
  }
  mi_find f = {.a = a, .op = op, .want = want};
  copy_point(&f);
  int r = scan(a, find_line, &f);
  if (r < 0)
    return r;
  if (!f.found)
    return -ENOENT;
  /* Without the copy (the master bind is gone already) nothing tells:
   * take it for ours, which only ever makes a remove stricter. */
  if (f.have_copy)
    *shows_host = f.major == f.copy_major && f.minor == f.copy_minor &&
                  strcmp(a->sc->root, a->sc->copy_root) == 0;
  return 0;
}

/* The recorded mount, wherever renames in the container have put it
 * since: 0 taken out; 1 it is gone; -EBUSY (STAGE_COVERED) it is there
 * but cannot be reached: another mount covers it, or it keeps moving. */
static int detach_moved(child_args *a, sp_ctr_op *op, uint64_t want,
                        int kind) {
  /* statmount's answer needs no scratch (sp_ctr_run lends none then). */
  char local[PATH_MAX], *point = a->sc ? a->sc->point : local;
  /* Bounded, for a container that renames in a loop; a rename between
   * the lookup and the resolve only makes us look again. */
  for (int tries = 0; tries < 200; tries++) {
    bool shows_host;
    int r = locate(a, op, want, kind, &shows_host, point);
    if (r == -ENOENT)
      return 1;
    if (r < 0)
      return r;
    /* The copy under /.sharedpath shows the host path too: an id that
     * passed to it (ours is gone then: ids are unique among live mounts)
     * is never taken for ours. */
    if (sp_path_within(point, SHAREDPATH_CONTAINER_DIR))
      return 1;
    uint64_t top = 0;
    r = detach_at(a, op, point, want, kind, &top);
    if (r <= 0)
      return r;
    /* That id is another mount's now (a reusable one passes on once ours
     * is gone): ours is gone. */
    if (!shows_host || top == want)
      return 1;
    /* Moved again between the lookup and the resolve, or covered. */
  }
  op->stage = STAGE_COVERED;
  return -EBUSY;
}

/* ---- a path without a recorded id (a state of an older plugin) ---- */

typedef struct mi_unrecorded {
  mi_find f;          /* the copy's line, from a first pass */
  size_t nheld;       /* ids of the other paths' mounts of the host path */
  size_t candidates;
  uint64_t id;        /* the one candidate */
} mi_unrecorded;

/* A mount of the host path (the copy's device and root), not the copy and
 * not below /.sharedpath, not another path's, and at the top of its
 * mount point (a covered one cannot be told from the mounts of the
 * container's own that show the same). */
static int unrecorded_line(const sp_mi_line *l, void *arg) {
  mi_unrecorded *u = arg;
  child_args *a = u->f.a;
  if (l->major != u->f.copy_major || l->minor != u->f.copy_minor ||
      strcmp(l->root, a->sc->copy_root) != 0 ||
      sp_path_within(l->point, SHAREDPATH_CONTAINER_DIR))
    return 0;
  for (size_t i = 0; i < u->nheld; i++)
    if (a->sc->held_ids[i] == l->id)
      return 0;
  int parent = -1;
  int fd = resolve_in_root(a, l->point, 0, 0, &parent);
  seen s = {0};
  int r = fd < 0 ? 0 : look(a, fd, parent, &u->f.op->ident, &s, ID_OLD);
  if (parent >= 0)
    close(parent);
  if (fd >= 0)
    close(fd);
  if (r < 0)
    return r;
  if (fd >= 0 && s.ours && s.mnt_id == l->id) {
    if (u->candidates++ == 0) {
      u->id = l->id;
      r = copy_string(a->sc->point, l->point);
    }
  }
  return r;
}

/* The container's mounts of the host path that no other path of it
 * accounts for: exactly one is this path's (0 when taken out); none: 1;
 * several: -EBUSY (STAGE_AMBIGUOUS), the path stays. */
static int detach_unrecorded(child_args *a, sp_ctr_op *op) {
  mi_unrecorded u = {.f = {.a = a, .op = op}};
  copy_point(&u.f);
  int r = scan(a, find_line, &u.f);
  if (r < 0)
    return r;
  if (!u.f.have_copy)
    return 1; /* nothing tells what shows the host path: the path decides */
  /* The other paths' mounts of the host path: as recorded, else what is
   * at their paths now. */
  for (size_t i = 0; i < a->nheld; i++) {
    const sp_bind *h = &a->held[i];
    if (strcmp(h->hash, op->hash) || !strcmp(h->ctr, op->target))
      continue;
    if (u.nheld == SP_HELD_IDS_MAX) {
      op->stage = STAGE_AMBIGUOUS;
      return -EBUSY;
    }
    uint64_t id = id_kind(a, h->mnt_id) == ID_OLD ? h->mnt_id : 0;
    int parent = -1;
    int fd = id ? -1 : resolve_in_root(a, h->ctr, 0, 0, &parent);
    seen s = {0};
    if (fd >= 0 && look(a, fd, parent, &op->ident, &s, ID_OLD) == 0 &&
        s.ours)
      id = s.mnt_id;
    if (parent >= 0)
      close(parent);
    if (fd >= 0)
      close(fd);
    if (id)
      a->sc->held_ids[u.nheld++] = id;
  }
  if ((r = scan(a, unrecorded_line, &u)) < 0)
    return r;
  if (u.candidates == 0)
    return 1;
  if (u.candidates > 1) {
    op->stage = STAGE_AMBIGUOUS;
    return -EBUSY;
  }
  return detach_at(a, op, a->sc->point, u.id, ID_OLD, NULL);
}

/* Take our mount out.  Only ever our own: the top mount must show the
 * bind's root (so its type is the ident's).  First the mount recorded at
 * add at its path, where it nearly always still is; else wherever renames
 * in the container have put it since (statmount by its unique id, or the
 * container's mountinfo by its reusable one); then whatever of ours is at
 * the path and no other path's. */
static int do_detach(child_args *a, sp_ctr_op *op) {
  op->stage = STAGE_UMOUNT;
  int kind = id_kind(a, op->mnt_id), r;
  uint64_t want = kind == ID_NONE ? 0 : op->mnt_id;
  if (want) {
    if ((r = detach_at(a, op, op->target, want, kind, NULL)) <= 0)
      return r;
    /* Its id is another path's now: its own mount is gone. */
    if (!held_has(a, op, want, kind) &&
        (r = detach_moved(a, op, want, kind)) <= 0)
      return r;
  } else if ((r = detach_unrecorded(a, op)) <= 0) {
    return r;
  }
  op->stage = STAGE_UMOUNT;
  return detach_at(a, op, op->target, 0, record_kind(a), NULL);
}

/* In the container's mount namespace: ops in order, stopping at the first
 * failure (its result says why; did tells what changed). */
static int ops_main(void *ctx, void *shared) {
  child_args *a = ctx;
  sp_ctr_op *ops = shared;
  for (size_t i = 0; i < a->n; i++) {
    sp_ctr_op *op = &ops[i];
    int r = op->attach ? do_attach(a, op) : do_detach(a, op);
    if (r < 0) {
      op->result = r;
      return r;
    }
    /* An op that found nothing to do (1) changed nothing. */
    op->did = r == 0;
  }
  return 0;
}

/* The child closes what it opened: it shares the engine's fd table. */
static int ops_main_closing(void *ctx, void *shared) {
  child_args *a = ctx;
  int r = ops_main(ctx, shared);
  if (a->usernsfd >= 0)
    close(a->usernsfd);
  return r;
}

/* "a character device", ...: what a target of the wrong type is. */
static const char *file_kind(mode_t m) {
  switch (m & S_IFMT) {
  case S_IFCHR: return "a character device";
  case S_IFBLK: return "a block device";
  case S_IFIFO: return "a FIFO";
  case S_IFSOCK: return "a socket";
  case S_IFLNK: return "a symbolic link";
  case S_IFDIR: return "a directory";
  default: return "not a regular file";
  }
}

int sp_ctr_run(const sp_target *t, sp_ctr_op *ops, size_t n,
               const sp_bind *held, size_t nheld, sp_error *err) {
  if (n == 0)
    return 0;
  const sp_mech *m = t->mech;
  /* The host's procfs: a file target's name and unmount, an attach (a
   * placeholder's owner, idmap: the container's user namespace), mount(2)
   * by fd path, fdinfo's mount ids, the container's mountinfo.  A
   * directory is unmounted through the child's cwd, and with every newer
   * mechanism a detach needs nothing else. */
  bool need_proc = !m->mount_api || !m->statx_mount, need_mi = false;
  for (size_t i = 0; i < n; i++) {
    ops[i].result = 0, ops[i].stage = 0, ops[i].did = false;
    need_proc |= !ops[i].ident.is_dir || ops[i].attach;
    if (!ops[i].attach &&
        !(m->statmount && sp_mnt_id_is_unique(ops[i].mnt_id)))
      need_mi = true;
  }
  need_proc |= need_mi;
  _cleanup_close_ int procfd = -1;
  if (need_proc) {
    procfd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (procfd < 0)
      return sp_fail_errno(err, -errno, "cannot open /proc");
  }
  /* The walk's room, and a search's: lent, the child may not allocate. */
  _cleanup_free_ scratch *sc = NULL;
  if (!m->openat2 || !m->mount_api || need_mi) {
    if (!(sc = malloc(sizeof(*sc))))
      return sp_fail(err, -ENOMEM, "out of memory");
  }
  child_args a = {.t = t, .mech = m, .n = n, .procfd = procfd, .sc = sc,
                  .held = held, .nheld = held ? nheld : 0, .usernsfd = -1};
  bool inside = false;
  int r = sp_nsexec(t, ops_main_closing, &a, ops, n * sizeof(*ops), &inside,
                    err);
  if (r == 0 || !inside)
    return r;
  for (size_t i = 0; i < n; i++) {
    if (ops[i].result >= 0)
      continue;
    if (ops[i].stage == STAGE_CHECK && ops[i].result == -EPERM)
      return sp_fail(err, -EPERM, "container path %s is on procfs or "
                     "sysfs inside the container; refusing to mount there",
                     ops[i].target);
    if (ops[i].stage == STAGE_CHECK && ops[i].result == -EINVAL)
      return sp_fail(err, -EINVAL, "container path %s is %s; a file binds "
                     "only onto a regular file", ops[i].target,
                     file_kind(ops[i].found));
    if (ops[i].stage == STAGE_ROFS)
      return sp_fail(err, -EROFS, "cannot create container path %s: the "
                     "mount holding its parent inside the container is "
                     "read-only and cannot be written through (the "
                     "container's root, if it runs with root.readonly); bind "
                     "onto an existing %s there, or below a writable mount "
                     "such as /tmp", ops[i].target,
                     ops[i].ident.is_dir ? "directory" : "file");
    if (ops[i].stage == STAGE_NOUSERNS && ops[i].result == -EINVAL)
      return sp_fail(err, -EINVAL, "container path %s: idmap maps the bind "
                     "to the container's user namespace, and this container "
                     "has none of its own; drop idmap", ops[i].target);
    if (ops[i].stage == STAGE_NOIDMAP)
      return sp_fail(err, -EOPNOTSUPP, "container path %s: idmap needs "
                     "mount_setattr (Linux 5.12), and the plugin does not "
                     "use the new mount API here (this kernel lacks it, or "
                     "the engine avoids it); drop idmap", ops[i].target);
    if (ops[i].stage == STAGE_IDMAP)
      return sp_fail_errno(err, ops[i].result, "container path %s: cannot "
                           "idmap the bind (idmapped mounts need Linux 5.12, "
                           "and a filesystem that supports them: tmpfs from "
                           "6.3, not every filesystem does)", ops[i].target);
    if (ops[i].stage == STAGE_SOURCE && ops[i].result == -ENOENT)
      return sp_fail(err, -ENOENT, "container path %s: the container has no "
                     "%s/%s showing the host path's bind; it must run with "
                     "the %s mount that on_create returned", ops[i].target,
                     SHAREDPATH_CONTAINER_DIR, ops[i].hash,
                     SHAREDPATH_CONTAINER_DIR);
    if (ops[i].stage == STAGE_RESERVED &&
        (ops[i].result == -EPERM || ops[i].result == -EINVAL))
      return sp_fail(err, ops[i].result, "container path %s leads through "
                     "symlinks to the container's / or to a reserved path "
                     "(%s, /proc, /sys); refusing to mount there",
                     ops[i].target, SHAREDPATH_CONTAINER_DIR);
    if (ops[i].stage == STAGE_COVERED)
      return sp_fail(err, -EBUSY, "container path %s: the container moved "
                     "its mount, and another mount now covers it where it "
                     "went (or it keeps moving); the path stays: uncover "
                     "it and remove again", ops[i].target);
    if (ops[i].stage == STAGE_AMBIGUOUS)
      return sp_fail(err, -EBUSY, "container path %s has no recorded mount "
                     "id and the container holds several mounts of its "
                     "host path that no other path accounts for; the path "
                     "stays: unmount the extra ones inside, or delete the "
                     "container", ops[i].target);
    if (ops[i].stage == STAGE_LEAKED)
      return sp_fail(err, -EIO, "container path %s was renamed inside the "
                     "container while it was mounted, and the bind could "
                     "not be taken back where it went; it stays there "
                     "until the container stops", ops[i].target);
    return sp_fail_errno(err, ops[i].result, "%s container path %s",
                         stage_name(ops[i].stage), ops[i].target);
  }
  return sp_fail(err, r, "the child working in container pid %d failed "
                 "without saying where", t->pid);
}
