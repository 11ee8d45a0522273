/* SPDX-License-Identifier: Apache-2.0 */
/* What the container-side child does: resolve a target inside the
 * container's root, create what is missing, bind the host path's copy
 * under /.sharedpath onto it or take our mount off it, and check it landed
 * where it was meant to.  Each step by the target's mechanisms (kernel.h):
 * ctr_resolve_in_root (openat2 or the walk), ctr_look (mount roots and
 * ids) in ctrpath.c, the bind (the new mount API or mount(2)) in
 * ctrattach.c, and for a mount the container moved, statmount or its
 * mountinfo in ctrdetach.c (ctrchild.h).  Here: the ops run through
 * sp_nsexec (nsexec.c), and the message made of what the child wrote
 * into them. */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "ctrchild.h"

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

/* ---- ops_main and ops_main_closing run in the container-side child
 * (sp_nsexec): system calls only ---- */

/* In the container's mount namespace: ops in order, stopping at the first
 * failure (its result says why; did tells what changed). */
static int ops_main(void *ctx, void *shared) {
  child_args *a = ctx;
  sp_ctr_op *ops = shared;
  for (size_t i = 0; i < a->n; i++) {
    sp_ctr_op *op = &ops[i];
    int r = op->attach ? ctr_do_attach(a, op) : ctr_do_detach(a, op);
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
  if (a->shfd >= 0)
    close(a->shfd);
  return r;
}

/* ---- back in the engine's process ---- */

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
               const sp_bind *held, size_t nheld, const sp_ident *shared,
               int procfd, sp_error *err) {
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
  _cleanup_close_ int own_procfd = -1;
  if (need_proc && procfd < 0) {
    procfd = own_procfd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
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
                  .held = held, .nheld = held ? nheld : 0, .usernsfd = -1,
                  .shared = shared, .shfd = -1};
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
