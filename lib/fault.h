/* SPDX-License-Identifier: Apache-2.0 */
/* Fault injection for tests.  Only the test build of the plugin
 * (sharedpath-plugin-faults.so, SP_FAULT_INJECTION) reads
 * SHAREDPATH_FAULT; the shipped plugin compiles every hook to nothing.
 *
 *   SHAREDPATH_FAULT=fail:KIND:N   the Nth KIND step of a callback fails (EIO)
 *   SHAREDPATH_FAULT=crash:KIND:N  the process SIGKILLs itself instead
 *   KIND: mount (mount, open_tree, move_mount, mount_setattr), umount,
 *         mkdir (dirs and mount-point files), write (state and intent
 *         files), any.  Steps in the container-side child are counted for
 *         fail only: an engine killed meanwhile does not stop the child.
 *   SHAREDPATH_FAULT=race:bind:N with SHAREDPATH_FAULT_RACE="FROM TO":
 *         right before the Nth bind of a copy onto its target inside the
 *         container, FROM is renamed to TO there, as a process of the
 *         container racing the call would; the bind then lands on the
 *         inode resolved before, wherever that is now. */
#ifndef SP_FAULT_H
#define SP_FAULT_H
#include "base.h"

enum sp_fault_kind {
  SP_F_MOUNT = 1,
  SP_F_UMOUNT,
  SP_F_MKDIR,
  SP_F_WRITE,
};

#ifdef SP_FAULT_INJECTION
/* Start counting for one callback (reads SHAREDPATH_FAULT). */
void sp_fault_begin(void) SP_HIDDEN;
/* 0, or -1 with errno set when this step must fail. */
int sp_fault_hit(enum sp_fault_kind kind) SP_HIDDEN;
/* The container-side child runs between these. */
void sp_fault_child(bool in_child) SP_HIDDEN;
/* Steps counted so far in this callback, and setting them (the child's
 * count, when the child is a fork as under valgrind). */
long sp_fault_steps(void) SP_HIDDEN;
void sp_fault_set_steps(long n) SP_HIDDEN;
/* In the container-side child, right before a bind onto a target. */
void sp_fault_race(void) SP_HIDDEN;
#else
static inline void sp_fault_begin(void) {}
static inline int sp_fault_hit(enum sp_fault_kind kind) {
  (void)kind;
  return 0;
}
static inline void sp_fault_child(bool in_child) { (void)in_child; }
static inline long sp_fault_steps(void) { return 0; }
static inline void sp_fault_set_steps(long n) { (void)n; }
static inline void sp_fault_race(void) {}
#endif

/* Wrap a system call that returns -1 on failure. */
#define SP_SYS(kind, call) (sp_fault_hit(kind) < 0 ? -1 : (call))
#endif
