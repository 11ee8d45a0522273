/* SPDX-License-Identifier: Apache-2.0 */
/* What the container-side child does: resolve a target inside the
 * container's root, create what is missing, bind the host path's copy
 * under /.sharedpath onto it or take our mount off it, and check it landed
 * where it was meant to.
 * It runs through sp_nsexec (nsexec.c): system calls only, no allocation,
 * no stdio, results written into the ops. */
#include <fcntl.h>
#include <linux/magic.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>

#include "ctrops.h"
#include "fault.h"
#include "syscalls.h"

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
  default: return "handling";
  }
}

/* ---- everything below runs in the container-side child (sp_nsexec):
 * system calls only ---- */

typedef struct child_args {
  const sp_target *t;
  size_t n;
  int procfd;
  bool rooted; /* the child's root is the container's (root_in) */
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

static int resolve_how(int rootfd, const char *path, int oflags,
                       uint64_t extra) {
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

static int resolve(int rootfd, const char *path, int oflags) {
  return resolve_how(rootfd, path, oflags, 0);
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
static int check_resolved(child_args *a, int procfd, int fd, bool is_dir,
                          const char *name) {
  char path[PATH_MAX];
  ssize_t n;
  int r = root_in(a);
  if (r < 0)
    return r;
  if (is_dir) {
    if (fchdir(fd) < 0)
      return -errno;
    n = sp_getcwd(path, sizeof(path));
    if (n < 0)
      return -errno;
    n = (ssize_t)strlen(path);
  } else {
    char link[32] = "self/fd/";
    fd_path(link, fd);
    /* No procfd: every source of this call is a directory (sp_ctr_run), so
     * a target that is not one fails the type check and is never mounted
     * on; its name does not matter. */
    if (procfd < 0)
      return 0;
    n = readlinkat(procfd, link, path, sizeof(path));
    if (n < 0)
      return -errno;
    if ((size_t)n >= sizeof(path))
      return -ENAMETOOLONG;
  }
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
 * the container's /proc could be anything). */
static int open_proc(const child_args *a, const char *name, int flags) {
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
  ssize_t n = read(fd, text, sizeof(text) - 1);
  int e = errno;
  close(fd);
  if (n < 0)
    return -e;
  text[n] = '\0';
  return map_root(text);
}

/* Whether the container has a user namespace of its own and, if so, the
 * host ids of its root and an fd of the namespace.  Read through the
 * host's procfs by pid, then the pidfd checked alive: what was read was
 * the container's init and not a process that took over its pid. */
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
  if (pidfd_send_signal(a->t->pidfd, 0, NULL, 0) < 0) {
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

static uint64_t mount_id(int fd, bool *unique);

/* Make name (a dir, or an empty file) in parent.  When parent is on the
 * container's root mount and that is read-only (a container started with
 * root.readonly), the placeholder is made through a writable clone of
 * that mount that is never attached anywhere: it lands in the root's
 * filesystem, as runc creates its mount targets before it makes the root
 * read-only, and the root stays read-only for the container.  Any other
 * read-only mount (one of our read-only binds above all: its host path)
 * is never written through.  -EROFS when it cannot be done. */
static int make_entry(child_args *a, int parent, const char *name,
                      bool dir) {
  int r = -EROFS;
  for (int pass = 0; pass < 2; pass++) {
    int at = parent, tree = -1;
    if (pass == 1) {
      bool pu, ru;
      uint64_t pid_ = mount_id(parent, &pu), rid = mount_id(a->t->rootfd, &ru);
      if (!pid_ || pid_ != rid || pu != ru)
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
 * file. */
static int create_path(child_args *a, const char *path, bool last_is_dir,
                       int *stage) {
  int rootfd = a->t->rootfd;
  char buf[PATH_MAX];
  size_t len = strlen(path);
  if (len >= sizeof(buf))
    return -ENAMETOOLONG;
  memcpy(buf, path, len + 1);
  int parent = resolve(rootfd, "/", O_DIRECTORY);
  if (parent < 0)
    return parent;
  char *p = buf + 1;
  for (;;) {
    char *slash = strchr(p, '/');
    bool last = slash == NULL;
    if (slash)
      *slash = '\0';
    int fd = resolve(rootfd, buf, last ? 0 : O_DIRECTORY);
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
      fd = resolve(rootfd, buf, last ? 0 : O_DIRECTORY);
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

/* What the top mount at fd is: its file type, whether it is the root of a
 * mount showing id (our bind), and its unique mount id (0 before 6.8). */
typedef struct seen {
  mode_t mode;
  bool ours;
  uint64_t mnt_id;
} seen;

static int look(int fd, const sp_ident *id, seen *s) {
  struct statx sx;
  if (statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS | STATX_MNT_ID_UNIQUE,
            &sx) < 0)
    return -errno;
  s->mode = sx.stx_mode;
  s->ours = (sx.stx_attributes & STATX_ATTR_MOUNT_ROOT) &&
            makedev(sx.stx_dev_major, sx.stx_dev_minor) == id->dev &&
            sx.stx_ino == id->ino;
  s->mnt_id = (sx.stx_mask & STATX_MNT_ID_UNIQUE) ? sx.stx_mnt_id : 0;
  return 0;
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

/* The id of the top mount at fd: the unique one (6.8+, *unique set), or
 * else the old one that ids are reused under; 0 if it cannot be told. */
static uint64_t mount_id(int fd, bool *unique) {
  struct statx sx;
  *unique = false;
  if (statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID_UNIQUE, &sx) < 0)
    return 0;
  *unique = (sx.stx_mask & STATX_MNT_ID_UNIQUE) != 0;
  return sx.stx_mask & (STATX_MNT_ID_UNIQUE | STATX_MNT_ID) ? sx.stx_mnt_id
                                                            : 0;
}

/* The mount went onto the inode resolved before; a rename in the container
 * in between would put it at another path than the one recorded.  So look
 * again: the path must now show exactly our mount (the same id as the
 * tree we moved); if not, take it off (through its own fd) and report the
 * race, for the caller to undo the rest and the engine to retry.  Records
 * the mount's unique id.  One statx on each side. */
static int landed(child_args *a, sp_ctr_op *op, int tree) {
  bool ours_unique, there_unique = false;
  uint64_t ours = mount_id(tree, &ours_unique), there = 0;
  int fd = resolve(a->t->rootfd, op->target, 0);
  if (fd >= 0) {
    there = mount_id(fd, &there_unique);
    close(fd);
  }
  if (ours && ours == there && ours_unique == there_unique) {
    op->mnt_id = ours_unique ? ours : 0;
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
 * the container runs without the /.sharedpath mount on_create gave. */
static int open_source(child_args *a, sp_ctr_op *op) {
  char path[sizeof(SHAREDPATH_CONTAINER_DIR) + SP_HASH_HEX_LEN + 1];
  size_t dl = sizeof(SHAREDPATH_CONTAINER_DIR) - 1;
  if (strlen(op->hash) != SP_HASH_HEX_LEN)
    return -EINVAL;
  memcpy(path, SHAREDPATH_CONTAINER_DIR, dl);
  path[dl] = '/';
  memcpy(path + dl + 1, op->hash, SP_HASH_HEX_LEN + 1);
  op->stage = STAGE_SOURCE;
  int fd = resolve_how(a->t->rootfd, path, 0, RESOLVE_NO_SYMLINKS);
  if (fd == -ELOOP || fd == -ENOTDIR)
    return -ENOENT;
  if (fd < 0)
    return fd;
  seen s = {0};
  int r = look(fd, &op->ident, &s);
  if (r == 0 && !s.ours)
    r = -ENOENT;
  if (r < 0) {
    close(fd);
    return r;
  }
  return fd;
}

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
  static const unsigned int prop[] = {
      [SP_PROP_PRIVATE] = MS_PRIVATE, [SP_PROP_RPRIVATE] = MS_PRIVATE,
      [SP_PROP_SLAVE] = MS_SLAVE,     [SP_PROP_RSLAVE] = MS_SLAVE,
      [SP_PROP_SHARED] = MS_SHARED,   [SP_PROP_RSHARED] = MS_SHARED,
  };
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

/* The target, resolved inside the container's root; *via_link tells
 * whether a symlink was on the way.  -ENOENT: it is not there (yet). */
static int resolve_target(child_args *a, sp_ctr_op *op, bool *via_link) {
  /* With no symlink on the way (and no "..": the target is cleaned), what
   * the path reaches is named by its text, which the container-path rules
   * were checked on (sp_bind_parse): only a path through a symlink, or
   * one just created, needs the look at where it really leads. */
  *via_link = false;
  int fd = resolve_how(a->t->rootfd, op->target, 0, RESOLVE_NO_SYMLINKS);
  if (fd == -ELOOP) {
    *via_link = true;
    fd = resolve(a->t->rootfd, op->target, 0);
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
 * namespace for idmap, a filesystem that cannot be idmapped) leaves no
 * placeholder behind. */
static int do_attach(child_args *a, sp_ctr_op *op) {
  op->stage = STAGE_RESOLVE;
  bool via_link;
  int fd = resolve_target(a, op, &via_link);
  seen st = {0};
  if (fd >= 0) {
    /* Already there (recovery re-runs an attach): nothing to do.  The
     * same statx gives the target's type for the checks below. */
    int r = look(fd, &op->ident, &st);
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
  int src = open_source(a, op), tree = -1, r = 0;
  if (src < 0)
    r = src;
  if (r == 0) {
    op->stage = STAGE_MOUNT;
    tree = clone_source(a, src, op);
    if (tree < 0)
      r = tree;
  }
  if (r == 0 && fd == -ENOENT) {
    op->stage = STAGE_CREATE;
    via_link = true;
    fd = create_path(a, op->target, op->ident.is_dir, &op->stage);
    if (fd < 0)
      r = fd;
    else if ((r = look(fd, &op->ident, &st)) == 0 && st.ours)
      r = -EEXIST; /* appeared meanwhile: not made by us */
  }
  if (r == 0)
    r = check_target(a, op, fd, st.mode, via_link);
  if (r == 0) {
    op->stage = STAGE_MOUNT;
    if (SP_SYS(SP_F_MOUNT, move_mount(tree, "", fd, "",
                                      MOVE_MOUNT_F_EMPTY_PATH |
                                          MOVE_MOUNT_T_EMPTY_PATH)) < 0)
      r = -errno;
    else
      r = landed(a, op, tree);
  }
  if (tree >= 0)
    close(tree);
  if (src >= 0)
    close(src);
  if (fd >= 0)
    close(fd);
  return r;
}

/* Unmount the top mount at path if it is ours (and, when want_id is
 * given, that very mount).  1: nothing of ours there. */
static int detach_at(child_args *a, sp_ctr_op *op, const char *path,
                     uint64_t want_id) {
  int fd = resolve(a->t->rootfd, path, 0);
  if (fd == -ENOENT)
    return 1;
  if (fd < 0)
    return fd;
  seen s = {0};
  int r = look(fd, &op->ident, &s);
  if (r == 0)
    r = s.ours && (!want_id || s.mnt_id == want_id)
            ? umount_fd(a->procfd, fd, op->ident.is_dir) : 1;
  close(fd);
  return r;
}

/* Take our mount out.  Only ever our own: the top mount must show the
 * bind's root (so its type is the ident's).  First the mount recorded at
 * add, wherever renames in the container have put it since (its unique id,
 * statmount; looked for at the path first, where it nearly always still
 * is); then whatever of ours is at the path. */
static int do_detach(child_args *a, sp_ctr_op *op) {
  op->stage = STAGE_UMOUNT;
  int fd = op->mnt_id ? resolve(a->t->rootfd, op->target, 0) : -1;
  if (fd >= 0) {
    seen s = {0};
    int r = look(fd, &op->ident, &s) == 0 && s.ours &&
                    s.mnt_id == op->mnt_id
                ? umount_fd(a->procfd, fd, op->ident.is_dir) : 1;
    close(fd);
    if (r <= 0)
      return r;
  }
  op->stage = STAGE_RESOLVE;
  if (op->mnt_id) {
    int r = root_in(a); /* statmount names mount points from our root */
    if (r < 0)
      return r;
    char where[PATH_MAX];
    for (int tries = 0; tries < 10; tries++) {
      r = mount_point_of(op->mnt_id, where, sizeof(where));
      if (r < 0)
        break; /* gone, or no statmount: the path decides */
      op->stage = STAGE_UMOUNT;
      r = detach_at(a, op, where, op->mnt_id);
      if (r <= 0)
        return r;
      /* Moved again between statmount and resolve: look again. */
    }
  }
  op->stage = STAGE_UMOUNT;
  return detach_at(a, op, op->target, 0);
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

int sp_ctr_run(const sp_target *t, sp_ctr_op *ops, size_t n, sp_error *err) {
  if (n == 0)
    return 0;
  bool on_file = false;
  for (size_t i = 0; i < n; i++) {
    ops[i].result = 0, ops[i].stage = 0, ops[i].did = false;
    on_file |= !ops[i].ident.is_dir;
  }
  /* A file target needs the host's procfs (its name, its unmount), and so
   * does an attach (a placeholder's owner, idmap: the container's user
   * namespace); a directory is unmounted through the child's cwd. */
  _cleanup_close_ int procfd = -1;
  if (on_file || ops[0].attach) {
    procfd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (procfd < 0)
      return sp_fail_errno(err, -errno, "cannot open /proc");
  }
  child_args a = {.t = t, .n = n, .procfd = procfd, .usernsfd = -1};
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
    return sp_fail_errno(err, ops[i].result, "%s container path %s",
                         stage_name(ops[i].stage), ops[i].target);
  }
  return sp_fail(err, r, "the child working in container pid %d failed "
                 "without saying where", t->pid);
}
