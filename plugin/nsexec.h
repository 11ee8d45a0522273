/* SPDX-License-Identifier: Apache-2.0 */
/* Running code in a container's mount namespace.  setns(CLONE_NEWNS) is
 * not allowed in a multi-threaded process, so it runs in a child; a
 * CLONE_VM|CLONE_VFORK child (as crun does for `mounts add`) costs a
 * fraction of a fork() (BENCHMARKS.md).  Sharing the engine's memory, the
 * child may only make system calls and _exit: no allocation, no stdio, no
 * locks.  It reports through memory the caller lends it. */
#ifndef SP_NSEXEC_H
#define SP_NSEXEC_H
#include <stdbool.h>
#include <sys/types.h>

#include "errors.h"
#include "kernel.h"

/* A running container: what pins its process, what setns enters, its
 * root dir, and how to work there (the context's mechanisms).  With a
 * pidfd (5.3+) the pidfd pins it; without one, its /proc/PID directory fd
 * does (reads through it fail once that process is gone, even if the pid
 * is reused), and the start time and mount namespace read through it at
 * open are checked again after every entry. */
typedef struct sp_target {
  pid_t pid;
  const sp_mech *mech;
  int pidfd;        /* borrowed from the engine or ours, or -1 */
  bool own_pidfd;
  int procfd;       /* /proc/PID, borrowed or ours, or -1 */
  bool own_procfd;
  int nsfd;         /* what setns enters: the pidfd (5.8+) or ns/mnt */
  bool own_nsfd;
  int rootfd;       /* /proc/PID/root */
  uint64_t start_time;      /* through procfd */
  dev_t ns_dev;
  ino_t ns_ino;             /* its mount namespace, at open */
} sp_target;

#define SP_TARGET_INIT {.pidfd = -1, .procfd = -1, .nsfd = -1, .rootfd = -1}

int sp_target_open(const sp_mech *m, const struct sharedpath_container *c,
                   sp_target *t, sp_error *err) SP_HIDDEN;
/* Close what sp_target_open opened; t stays closed (every fd -1). */
void sp_target_close(sp_target *t) SP_HIDDEN;
#define _cleanup_target_ _cleanup_(sp_target_close)
/* sp_target_open for a running container (c->pid > 0); for one that is
 * not running, 0 with t->pid 0. */
int sp_target_open_running(const sp_mech *m,
                           const struct sharedpath_container *c,
                           sp_target *t, sp_error *err) SP_HIDDEN;
/* The process t pinned without a pidfd is still the one opened: its
 * start time and mount namespace, through its /proc dir.  0 or -ESRCH
 * with a message.  (Nothing to check under a pidfd.) */
int sp_target_recheck(const sp_target *t, sp_error *err) SP_HIDDEN;

/* Runs in the child, in the container's mount namespace: system calls
 * only.  ctx is the caller's (read, and scratch for the child alone);
 * shared holds the results it writes.  0 or -errno. */
typedef int (*sp_nsexec_fn)(void *ctx, void *shared);

/* Enter t's mount namespace in a child and run fn there; shared
 * (shared_size bytes) comes back with what fn wrote into it, also where
 * the child is a fork (valgrind).  0 when fn returned 0; fn's negative
 * result, with *inside set and err untouched, when fn failed (its
 * results say why); or an error of the runner's own with a message
 * (the clone, entering the namespace, a child that died). */
int sp_nsexec(const sp_target *t, sp_nsexec_fn fn, void *ctx, void *shared,
              size_t shared_size, bool *inside, sp_error *err) SP_HIDDEN;
#endif
