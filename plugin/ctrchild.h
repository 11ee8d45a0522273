/* SPDX-License-Identifier: Apache-2.0 */
/* The container-side child's pieces, shared by the files it is made of:
 * ctrpath.c (paths resolved in the container's root, their names,
 * placeholders created, unmounts by fd, and what mount is at a path),
 * ctrattach.c (the bind made and checked where it landed), ctrdetach.c
 * (our mount taken out, wherever the container moved it); ctrops.c runs
 * them through sp_nsexec (nsexec.c) and words the errors.  Everything
 * declared here runs in that child: system calls only, no allocation, no
 * stdio, results written into the ops. */
#ifndef SP_CTRCHILD_H
#define SP_CTRCHILD_H
#include <limits.h>
#include <stdint.h>

#include "ctrops.h"
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
  bool rooted; /* the child's root is the container's (ctr_root_in) */
  scratch *sc; /* NULL where nothing needs it (sp_ctr_run) */
  const sp_bind *held; /* the container's paths besides the ops' */
  size_t nheld;
  /* The container's user namespace, read once when first needed
   * (ctr_container_userns): whether it has its own, the host ids its root
   * maps to (placeholders are given to it), and an fd of it (idmap). */
  bool userns_known, userns;
  uid_t root_uid;
  gid_t root_gid;
  int usernsfd;
  /* This container's master dir as the host sees it (NULL: not known),
   * and an fd of the container's /.sharedpath once it was found to be a
   * view of it (shared_dir in ctrattach.c); -1 until asked, -2 when not. */
  const sp_ident *shared;
  int shfd;
  /* The unique id of the last mount a target was found on and checked
   * not to be procfs or sysfs (ctr_on_kernel_fs): the next target on the
   * same mount needs no fstatfs.  Unique ids only: a reusable one may be
   * another mount's by the next target. */
  uint64_t fs_checked;
} child_args;

/* Which mount ids the child compares: none (nothing recorded, or a
 * unique id where statmount is not used), the reusable ones, the unique
 * ones.  Ids of one kind are only ever compared with ids of that kind. */
enum { ID_NONE, ID_OLD, ID_UNIQUE };

/* The kind an attach records. */
static inline int ctr_record_kind(const child_args *a) {
  return a->mech->statmount ? ID_UNIQUE : ID_OLD;
}

/* The kind of a recorded id, as this plugin can compare it. */
static inline int ctr_id_kind(const child_args *a, uint64_t id) {
  if (!id)
    return ID_NONE;
  if (sp_mnt_id_is_unique(id))
    return a->mech->statmount ? ID_UNIQUE : ID_NONE;
  return ID_OLD;
}

/* The statx mask that reads mount ids of kind, 0 where statx cannot
 * (the reusable ones before 5.8: fdinfo tells them). */
static inline unsigned int ctr_id_mask(const child_args *a, int kind) {
  return kind == ID_UNIQUE                        ? STATX_MNT_ID_UNIQUE
         : kind == ID_OLD && a->mech->statx_mount ? STATX_MNT_ID
                                                  : 0;
}

/* What the top mount at fd is: its file type, whether it is the root of a
 * mount showing id (our bind), and (kind given) its mount id. */
typedef struct seen {
  mode_t mode;
  bool ours;
  uint64_t mnt_id;
} seen;

/* ---- ctrpath.c ---- */

/* Make the child's root exactly the root we resolve in (the container
 * init's), so the kernel names fds and mounts as the container sees them
 * (getcwd, /proc/self/fd, statmount).  Only done when a name is needed:
 * nothing else depends on the child's root (every lookup is an openat2
 * RESOLVE_IN_ROOT from the root fd, unmounts go through fds). */
int ctr_root_in(child_args *a) SP_HIDDEN;

/* Resolve path inside the container's root: openat2 where the kernel has
 * it, else the walk (walk.h), which is as strict.  extra: 0 or
 * RESOLVE_NO_SYMLINKS.  parent (may be NULL): the directory the last name
 * was found in, where the walk ran (-1 otherwise): how a mount root is
 * told without STATX_ATTR_MOUNT_ROOT (mntid.h). */
int ctr_resolve_in_root(child_args *a, const char *path, int oflags,
                        uint64_t extra, int *parent) SP_HIDDEN;

/* ctr_resolve_in_root with symlinks followed, parent not wanted. */
int ctr_resolve(child_args *a, const char *path, int oflags) SP_HIDDEN;

/* Append fd's digits to buf ("self/fd/"): no snprintf in the child. */
void ctr_fd_path(char buf[32], int fd) SP_HIDDEN;

/* The name of fd in the container (the child's root: ctr_root_in), into path
 * (PATH_MAX), its length returned. */
ssize_t ctr_name_of(child_args *a, int procfd, int fd, bool is_dir,
                    char *path) SP_HIDDEN;

/* The path of fd (plus "/name" when name is given) as the container sees
 * it, after symlinks: the child's root is the container's root (see
 * ctr_root_in), so the kernel's name for fd is that path.  A directory is
 * named by getcwd after fchdir (no procfs lookup); anything else through
 * the host's procfs.  The rules for container paths ("/", /.sharedpath,
 * /proc, /sys) apply to it as to the path given: a symlink must not be a
 * way around them. */
int ctr_check_resolved(child_args *a, int procfd, int fd, bool is_dir,
                       const char *name) SP_HIDDEN;

/* Whether the container has a user namespace of its own and, if so, the
 * host ids of its root and an fd of the namespace.  Read through the
 * host's procfs by pid, then the pidfd checked alive: what was read was
 * the container's init and not a process that took over its pid (or
 * through its /proc dir, which fails once it is gone). */
int ctr_container_userns(child_args *a) SP_HIDDEN;

/* procfs and sysfs hand over the kernel's view of the host (the container
 * shares its kernel): never mount on them, nor create anything there. */
int ctr_on_kernel_fs(int fd) SP_HIDDEN;

/* Create the missing components of path inside the container, each one
 * resolved in the container's root; the last one as a dir or an empty
 * file.  *last_parent as ctr_resolve_in_root gives it. */
int ctr_create_path(child_args *a, const char *path, bool last_is_dir,
                    int *stage, int *last_parent) SP_HIDDEN;

/* umount2 needs a path, and it must be exactly the mount fd points at,
 * never whatever a path resolves to later.  A directory: make it the
 * child's cwd and unmount "." (no name is looked up at all; the child has
 * its own cwd, not the engine's).  A file: reach it through the host's
 * procfs (procfd, opened before setns) so the container cannot fake it.
 * Our own fd pins the mount, so the unmount is a detach: the mount leaves
 * the container's tree at once and is freed when the last file in it is
 * closed (processes inside keep what they hold open, as with docker). */
int ctr_umount_fd(int procfd, int fd, bool is_dir) SP_HIDDEN;

/* parent: as ctr_resolve_in_root gives it (-1 where openat2 ran). */
int ctr_look(child_args *a, int fd, int parent, const sp_ident *id, seen *s,
             int kind) SP_HIDDEN;

/* ctr_look at what path resolves to in the container's root (extra as
 * for ctr_resolve_in_root): *fd that (an O_PATH fd, the caller's to close)
 * or -errno; returns ctr_look's result, or *fd when the resolve failed. */
int ctr_look_at(child_args *a, const char *path, uint64_t extra,
                const sp_ident *id, seen *s, int kind, int *fd) SP_HIDDEN;

/* Another path of the container (held) takes the same host path, has
 * recorded id (of kind) as its mount, and that mount is at its path:
 * the mount is that path's, not the op's.  (A reusable id recorded for a
 * mount that is gone may be a live mount's now: only the look at the
 * path tells.) */
bool ctr_held_has(child_args *a, const sp_ctr_op *op, uint64_t id,
                  int kind) SP_HIDDEN;

/* ---- ctrattach.c ---- */

/* Bind the copy at /.sharedpath/<op->hash> onto op->target, creating
 * what is missing: 0 (op->mnt_id the new mount's), 1 when our mount is
 * there already, or -errno with op->stage the step that failed. */
int ctr_do_attach(child_args *a, sp_ctr_op *op) SP_HIDDEN;

/* ---- ctrdetach.c ---- */

/* Take our mount out.  Only ever our own: the top mount must show the
 * bind's root (so its type is the ident's).  First the mount recorded at
 * add at its path, where it nearly always still is; else wherever renames
 * in the container have put it since (statmount by its unique id, or the
 * container's mountinfo by its reusable one); then whatever of ours is at
 * the path and no other path's. */
int ctr_do_detach(child_args *a, sp_ctr_op *op) SP_HIDDEN;
#endif
