/* SPDX-License-Identifier: Apache-2.0 */
/* Container-side mount work.  setns(CLONE_NEWNS) is not allowed in a
 * multi-threaded process, so it runs in a CLONE_VM|CLONE_VFORK child (as
 * crun does for `mounts add`): ~0.1 ms instead of ~1 ms for fork().  The
 * child only makes system calls and reports through shared memory. */
#ifndef SP_NSEXEC_H
#define SP_NSEXEC_H
#include <sys/types.h>

#include "mounts.h"

typedef struct sp_ctr_op {
  bool attach;      /* true: move tree_fd onto target; false: unmount target */
  int tree_fd;      /* attach: detached clone to move; detach: unused */
  const char *target; /* cleaned absolute path inside the container */
  sp_ident ident;   /* what the mount shows (dev/ino, dir or file) */
  /* out */
  int result;       /* 0 or -errno */
  int stage;        /* which step failed (see nsexec.c) */
  bool did;         /* this call changed the mount table for this op */
  /* The container-side mount's unique id (statx STATX_MNT_ID_UNIQUE), 0 if
   * unknown: attach reports it, detach uses it to find the mount wherever
   * renames inside the container have moved it. */
  uint64_t mnt_id;
} sp_ctr_op;

/* A running container: a pidfd (borrowed or opened) and its root dir. */
typedef struct sp_target {
  pid_t pid;
  int pidfd;
  bool own_pidfd;
  int rootfd;  /* /proc/<pid>/root, opened after the pidfd */
} sp_target;

#define SP_TARGET_INIT {.pidfd = -1, .rootfd = -1}

int sp_target_open(const struct sharedpath_container *c, sp_target *t,
                   sp_error *err) SP_HIDDEN;
/* Close what sp_target_open opened; t stays closed (pidfd, rootfd -1). */
void sp_target_close(sp_target *t) SP_HIDDEN;
#define _cleanup_target_ _cleanup_(sp_target_close)
/* sp_target_open for a running container (c->pid > 0); for one that is
 * not running, 0 with t->pid 0. */
int sp_target_open_running(const struct sharedpath_container *c,
                           sp_target *t, sp_error *err) SP_HIDDEN;

/* Run ops in order inside the container, stopping at the first failure:
 * the failing op's result says why, `did` tells which ops changed the
 * mount table (the caller undoes those), and the call returns the error
 * with a message. */
int sp_ctr_run(const sp_target *t, sp_ctr_op *ops, size_t n,
               sp_error *err) SP_HIDDEN;
#endif
