/* SPDX-License-Identifier: Apache-2.0 */
/* An attach in the container (ctrchild.h), for the container-side child:
 * the source (the copy at /.sharedpath/<h>) found, cloned and made ready
 * with the op's options by the new mount API, or bound by mount(2) by fd
 * path where the kernel lacks it; the target resolved, created where
 * missing and checked; the mount checked to have landed where it was
 * meant to, and taken back where a rename in the container raced it.
 * It runs through sp_nsexec (nsexec.c): system calls only, no
 * allocation, no stdio. */
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>

#include "ctrchild.h"
#include "fault.h"
#include "syscalls.h"

/* The id of the mount path shows in the container.  Where statx tells
 * mount ids, one statx from the child's root made the container's
 * (ctr_root_in), with no fd: this only looks at what the path shows once
 * the mount is made (landed), and the mount was made on an fd resolved
 * with RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS; a symlink the container
 * plants on the way can at most make the look fail, or show our mount
 * where it really is (a mount id is that one mount's).  Else the path
 * resolved and the id read from its fd. */
static int shown_at(child_args *a, const char *path, bool unique,
                    uint64_t *id) {
  unsigned int want = ctr_id_mask(a, unique ? ID_UNIQUE : ID_OLD);
  if (want && ctr_root_in(a) == 0) {
    struct statx sx;
    if (statx(AT_FDCWD, path, AT_NO_AUTOMOUNT, want, &sx) < 0)
      return -errno;
    if (sx.stx_mask & want) {
      *id = sx.stx_mnt_id;
      return 0;
    }
  }
  int fd = ctr_resolve(a, path, 0);
  if (fd < 0)
    return fd;
  int r = sp_fd_mnt_id(a->mech, a->procfd, fd, unique, id);
  close(fd);
  return r;
}

/* The moved mount went onto the inode resolved before; a rename in the
 * container in between would put it at another path than the one
 * recorded.  So look again: the path must now show exactly our mount (the
 * same id as the tree we moved: tree_id when the clone's check read it, a
 * mount keeps its id when moved); if not, take it off (through its own
 * fd) and report the race, for the caller to undo the rest and the engine
 * to retry.  Records the mount's id. */
static int landed(child_args *a, sp_ctr_op *op, int tree, uint64_t tree_id) {
  bool unique = ctr_record_kind(a) == ID_UNIQUE;
  uint64_t ours = tree_id, there = 0;
  int r = ours ? 0 : sp_fd_mnt_id(a->mech, a->procfd, tree, unique, &ours);
  if (r == 0 && shown_at(a, op->target, unique, &there) < 0)
    there = 0;
  if (r == 0 && ours && ours == there) {
    op->mnt_id = ours;
    return 0;
  }
  op->stage = STAGE_RACED;
  ctr_umount_fd(a->procfd, tree, op->ident.is_dir);
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
  seen s = {0};
  int fd = -1;
  int r = ctr_look_at(a, path, RESOLVE_NO_SYMLINKS, &op->ident, &s, kind, &fd);
  if (fd == -ELOOP || fd == -ENOTDIR)
    return -ENOENT;
  if (fd < 0)
    return fd;
  if (r == 0 && !s.ours)
    r = -ENOENT;
  if (r < 0) {
    close(fd);
    return r;
  }
  *id = s.mnt_id;
  return fd;
}

/* The container's /.sharedpath, resolved once a call, when it is what
 * on_create gave: a view of this container's master dir (a->shared, as the
 * host sees it).  Under it a name shows a host path only through the copy
 * mounted on it (the dir itself is on the master tmpfs, which no host path
 * is on), so a copy can be cloned by its one name from there and checked
 * on the clone (clone_source).  -1: not that (an engine that mounted it
 * otherwise, or none): each copy is resolved from the container's root
 * (open_source). */
static int shared_dir(child_args *a) {
  if (a->shfd == -1 && a->shared) {
    a->shfd = -2; /* asked once */
    int fd = ctr_resolve_in_root(a, SHAREDPATH_CONTAINER_DIR, O_DIRECTORY,
                                 RESOLVE_NO_SYMLINKS, NULL);
    struct statx sx;
    if (fd >= 0 && statx(fd, "", AT_EMPTY_PATH, STATX_INO, &sx) == 0 &&
        makedev(sx.stx_dev_major, sx.stx_dev_minor) == a->shared->dev &&
        sx.stx_ino == a->shared->ino)
      a->shfd = fd;
    else if (fd >= 0)
      close(fd);
  }
  return a->shfd >= 0 ? a->shfd : -1;
}

/* The clone's root shows the op's host path (its type too), and the
 * clone's mount id (kind), which landed() needs: 0 where this statx cannot
 * give it.  -ENOENT (STAGE_SOURCE) where it shows anything else. */
static int check_clone(child_args *a, sp_ctr_op *op, int tree, int kind,
                       uint64_t *tree_id) {
  unsigned int want = ctr_id_mask(a, kind);
  struct statx sx;
  if (statx(tree, "", AT_EMPTY_PATH, STATX_TYPE | STATX_INO | want, &sx) < 0)
    return -errno;
  if (makedev(sx.stx_dev_major, sx.stx_dev_minor) != op->ident.dev ||
      sx.stx_ino != op->ident.ino ||
      S_ISDIR(sx.stx_mode) != op->ident.is_dir) {
    op->stage = STAGE_SOURCE;
    return -ENOENT;
  }
  *tree_id = want && (sx.stx_mask & want) ? sx.stx_mnt_id : 0;
  return 0;
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
 * is an r* propagation; a propagation without r only on the top one.  The
 * source: src (open_source checked it), or with src -1 the copy's name in
 * the container's /.sharedpath (shfd, shared_dir), checked on the clone
 * (*tree_id: check_clone's). */
static int clone_source(child_args *a, int src, int shfd, sp_ctr_op *op,
                        int kind, uint64_t *tree_id) {
  bool rbind = op->opts.rbind;
  unsigned int rec = rbind ? AT_RECURSIVE : 0;
  sp_propagation p = op->opts.propagation;
  bool rprop = p == SP_PROP_RPRIVATE || p == SP_PROP_RSLAVE ||
               p == SP_PROP_RSHARED;
  unsigned int clone = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | rec;
  int tree = src >= 0
                 ? SP_SYS(SP_F_MOUNT, open_tree(src, "", clone | AT_EMPTY_PATH))
                 : SP_SYS(SP_F_MOUNT,
                          open_tree(shfd, op->hash, clone |
                                                        AT_SYMLINK_NOFOLLOW |
                                                        AT_NO_AUTOMOUNT));
  if (tree < 0) {
    int e = errno;
    if (src < 0 && (e == ENOENT || e == ENOTDIR || e == ELOOP)) {
      op->stage = STAGE_SOURCE; /* no such copy, or not a dir's */
      return -ENOENT;
    }
    return -e;
  }
  int r = src >= 0 ? 0 : check_clone(a, op, tree, kind, tree_id);
  if (r < 0) {
    close(tree);
    return r;
  }
  op->stage = STAGE_MOUNT;
  const unsigned int *prop = ms_propagation;
  struct mount_attr attr = {.attr_set = op->opts.ro ? MOUNT_ATTR_RDONLY : 0};
  bool top_prop = rbind && !rprop;
  if (!top_prop)
    attr.propagation = prop[p];
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
    r = ctr_container_userns(a);
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
  ctr_fd_path(self, fd);
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
  int kind = ctr_record_kind(a);
  for (int tries = 0; tries < 100; tries++) {
    ssize_t n =
        ctr_name_of(a, a->procfd, target, op->ident.is_dir, a->sc->point);
    if (n < 0)
      return (int)n;
    seen s = {0};
    int fd = -1;
    int r = ctr_look_at(a, a->sc->point, 0, &op->ident, &s, kind, &fd);
    if (r == 0 && s.ours && s.mnt_id != src_id &&
        !ctr_held_has(a, op, s.mnt_id, kind))
      r = ctr_umount_fd(a->procfd, fd, op->ident.is_dir);
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
  return ctr_name_of(a, a->procfd, fd, op->ident.is_dir, a->sc->point) > 0 &&
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
  ctr_fd_path(from, src);
  ctr_fd_path(to, target);
  ssize_t n = ctr_name_of(a, a->procfd, target, op->ident.is_dir, where);
  if (n < 0)
    return (int)n;
  if (fchdir(a->procfd) < 0)
    return -errno;
  unsigned long rec = op->opts.rbind ? MS_REC : 0;
  sp_fault_race();
  if (SP_SYS(SP_F_MOUNT, mount(from, to, NULL, MS_BIND | rec, NULL)) < 0)
    return -errno;
  int kind = ctr_record_kind(a), fd = -1;
  seen s = {0};
  int r = ctr_look_at(a, op->target, 0, &op->ident, &s, kind, &fd);
  if (r == 0 && s.ours && s.mnt_id && s.mnt_id != src_id &&
      named(a, op, fd, where) && named(a, op, target, where) &&
      !ctr_held_has(a, op, s.mnt_id, kind)) {
    r = set_options_classic(a, op, fd);
    if (r == 0)
      op->mnt_id = s.mnt_id;
    else
      ctr_umount_fd(a->procfd, fd, op->ident.is_dir);
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
 * clone the new mount API made ready (tree, its id tree_id or 0), else by
 * mount(2). */
static int bind_into_container(child_args *a, sp_ctr_op *op, int target,
                               int src, uint64_t src_id, int tree,
                               uint64_t tree_id) {
  if (tree < 0)
    return bind_classic(a, op, target, src, src_id);
  sp_fault_race();
  if (SP_SYS(SP_F_MOUNT, move_mount(tree, "", target, "",
                                    MOVE_MOUNT_F_EMPTY_PATH |
                                        MOVE_MOUNT_T_EMPTY_PATH)) < 0)
    return -errno;
  return landed(a, op, tree, tree_id);
}

/* The target, resolved inside the container's root; *via_link tells
 * whether a symlink was on the way, *parent as ctr_resolve_in_root gives it.
 * -ENOENT: it is not there (yet). */
static int resolve_target(child_args *a, sp_ctr_op *op, bool *via_link,
                          int *parent) {
  /* With no symlink on the way (and no "..": the target is cleaned), what
   * the path reaches is named by its text, which the container-path rules
   * were checked on (sp_bind_parse): only a path through a symlink, or
   * one just created, needs the look at where it really leads. */
  *via_link = false;
  int fd = ctr_resolve_in_root(a, op->target, 0, RESOLVE_NO_SYMLINKS, parent);
  if (fd == -ELOOP) {
    *via_link = true;
    fd = ctr_resolve_in_root(a, op->target, 0, 0, parent);
  }
  return fd;
}

/* Check the target's kind against the bind's and where it lies (st: what
 * ctr_look saw of it); the mode it has comes back in op->found when that
 * is what is wrong. */
static int check_target(child_args *a, sp_ctr_op *op, int fd, const seen *st,
                        bool via_link) {
  int r = 0;
  mode_t mode = st->mode;
  if (via_link) {
    op->stage = STAGE_RESERVED;
    if ((r = ctr_check_resolved(a, a->procfd, fd, S_ISDIR(mode), NULL)) < 0)
      return r;
  }
  op->stage = STAGE_CHECK;
  bool unique = ctr_record_kind(a) == ID_UNIQUE && st->mnt_id;
  if (!unique || st->mnt_id != a->fs_checked) {
    if ((r = ctr_on_kernel_fs(fd)) < 0)
      return r;
    if (unique)
      a->fs_checked = st->mnt_id;
  }
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
int ctr_do_attach(child_args *a, sp_ctr_op *op) {
  op->stage = STAGE_RESOLVE;
  bool via_link;
  int parent = -1, kind = ctr_record_kind(a);
  int fd = resolve_target(a, op, &via_link, &parent);
  seen st = {0};
  if (fd >= 0) {
    /* Already there (recovery re-runs an attach): nothing to do.  The
     * same statx gives the target's type for the checks below. */
    int r = ctr_look(a, fd, parent, &op->ident, &st, kind);
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
  uint64_t src_id = 0, tree_id = 0;
  int shfd = a->mech->mount_api ? shared_dir(a) : -1;
  int src = shfd >= 0 ? -1 : open_source(a, op, kind, &src_id), tree = -1;
  int r = shfd < 0 && src < 0 ? src : 0;
  if (r == 0 && op->opts.idmap && !a->mech->mount_api) {
    op->stage = STAGE_NOIDMAP;
    r = -EOPNOTSUPP;
  }
  if (r == 0 && a->mech->mount_api) {
    op->stage = STAGE_MOUNT;
    tree = clone_source(a, src, shfd, op, kind, &tree_id);
    if (tree < 0)
      r = tree;
  }
  if (r == 0 && fd == -ENOENT) {
    op->stage = STAGE_CREATE;
    via_link = true;
    fd = ctr_create_path(a, op->target, op->ident.is_dir, &op->stage, &parent);
    if (fd < 0)
      r = fd;
    else if ((r = ctr_look(a, fd, parent, &op->ident, &st, kind)) == 0 &&
             st.ours)
      r = -EEXIST; /* appeared meanwhile: not made by us */
    if (parent >= 0)
      close(parent);
  }
  if (r == 0)
    r = check_target(a, op, fd, &st, via_link);
  if (r == 0) {
    op->stage = STAGE_MOUNT;
    r = bind_into_container(a, op, fd, src, src_id, tree, tree_id);
  }
  if (tree >= 0)
    close(tree);
  if (src >= 0)
    close(src);
  if (fd >= 0)
    close(fd);
  return r;
}
