/* SPDX-License-Identifier: Apache-2.0 */
/* Every call that touches a container holds its lock (flock on
 * <id>.lock) with its state and any intent loaded.  The intent is the
 * list of paths an add or remove is about to touch, recorded in the lock
 * file before the first mount and cleared after the state is saved: a
 * call that finds one left by a dead engine reconciles against the real
 * mounts first (sp_begin). */
#ifndef SP_RECOVERY_H
#define SP_RECOVERY_H
#include "context.h"
#include "statefile.h"

/* The container's lock and state, loaded. */
typedef struct sp_locked {
  int lockfd;
  sp_state_file sf; /* the state file, open: where the call saves */
  sp_state st;
  bool exists;
  sp_state intent; /* paths of an operation a crash interrupted */
  bool has_intent;
  off_t lock_size; /* the lock file's length (the intent record's room) */
} sp_locked;

#define SP_LOCKED_INIT {.lockfd = -1, .sf = SP_STATE_FILE_INIT}
void sp_locked_release(sp_locked *l) SP_HIDDEN;
#define _cleanup_locked_ _cleanup_(sp_locked_release)

/* Lock id and load its state (through the cache) and intent; an intent
 * that does not read back is dropped (it was cut short before any
 * mount). */
int sp_lock_and_load(sp_ctx *ctx, const char *id, sp_locked *l,
                     sp_error *err) SP_HIDDEN;
/* Same, for calls that need an existing container: an unknown id leaves
 * no lock file behind. */
int sp_lock_and_load_existing(sp_ctx *ctx, const char *id, sp_locked *l,
                              sp_error *err) SP_HIDDEN;
/* Lock, load and recover: the start of every call that changes a
 * container; -ENOENT for one that was not created. */
int sp_begin(sp_ctx *ctx, const struct sharedpath_container *c,
             sp_locked *l, sp_error *err) SP_HIDDEN;

/* Record the paths a call is about to touch, before its first mount. */
int sp_locked_intent_write(sp_locked *l, const char *id,
                           const sp_state *paths, sp_error *err) SP_HIDDEN;
/* Clear it once the state is saved (a failure is logged: the next call
 * then finds the intent and reconciles, to the same result). */
void sp_locked_intent_clear(sp_ctx *ctx, const sp_locked *l,
                            const char *id) SP_HIDDEN;
#endif
