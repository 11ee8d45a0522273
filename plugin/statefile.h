/* SPDX-License-Identifier: Apache-2.0 */
/* Per-container state: <state_dir>/<id>.json, guarded by flock on
 * <state_dir>/<id>.lock, replaced atomically. */
#ifndef SP_STATEFILE_H
#define SP_STATEFILE_H
#include <sys/types.h>

#include "state.h"

/* Load <id>.json from dirfd; a missing file gives an empty state and
 * *exists = false. */
int sp_state_load(int dirfd, const char *id, sp_state *st, bool *exists,
                  sp_error *err) SP_HIDDEN;
/* Write atomically: temp file 0600, fsync, rename, fsync dir. */
int sp_state_save(int dirfd, const char *id, const sp_state *st,
                  sp_error *err) SP_HIDDEN;
/* The same, handing back the written file's fd in *keep_fd unless NULL
 * (renamed into place; the caller closes it), so the caller can tell its
 * identity without another lookup of the name. */
int sp_state_save_fd(int dirfd, const char *id, const sp_state *st,
                     int *keep_fd, sp_error *err) SP_HIDDEN;
int sp_state_unlink(int dirfd, const char *id, sp_error *err) SP_HIDDEN;

/* Take the container's exclusive lock; *lockfd is closed to release.
 * *intent_len (if not NULL) is the lock file's size once locked, for
 * sp_intent_read and sp_intent_write (0: no intent recorded). */
int sp_state_lock(int dirfd, const char *id, int *lockfd, off_t *intent_len,
                  sp_error *err) SP_HIDDEN;
/* Remove the lock file while holding it (on delete). */
void sp_state_lock_unlink(int dirfd, const char *id) SP_HIDDEN;
#endif
