/* SPDX-License-Identifier: Apache-2.0 */
/* Per-container state: <state_dir>/<id>.json, guarded by flock on
 * <state_dir>/<id>.lock, replaced atomically. */
#ifndef SP_STATE_H
#define SP_STATE_H
#include <sys/stat.h>

#include "rules.h"

#define SP_STATE_VERSION 1
/* Largest state file accepted: far above 128 paths of PATH_MAX each. */
#define SP_STATE_MAX_BYTES (4u << 20)

typedef struct sp_state {
  size_t n, cap;
  sp_bind *paths; /* host, ctr, opts, hash all set */
} sp_state;

void sp_state_free(sp_state *st) SP_HIDDEN;
#define _cleanup_state_ _cleanup_(sp_state_free)
int sp_state_append(sp_state *st, const sp_bind *b, sp_error *err) SP_HIDDEN;
void sp_state_remove_at(sp_state *st, size_t i) SP_HIDDEN;
int sp_state_copy(const sp_state *src, sp_state *dst, sp_error *err) SP_HIDDEN;
/* The entry at container path ctr, or NULL. */
const sp_bind *sp_state_find_ctr(const sp_state *st, const char *ctr) SP_HIDDEN;
/* The first of v[0..n) with host path host, or NULL. */
const sp_bind *sp_binds_find_host(const sp_bind *v, size_t n,
                                  const char *host) SP_HIDDEN;

/* Parse state text; every entry is re-validated as if it came from a user. */
int sp_state_parse(const char *text, size_t len, const char *id,
                   sp_state *st, sp_error *err) SP_HIDDEN;
int sp_state_to_json(const sp_state *st, const char *id, bool pretty,
                     char **out, sp_error *err) SP_HIDDEN;

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

/* The intent of an add or remove: the paths it is about to touch, kept
 * in the (held) lock file.  It only has to outlive the process, not the
 * machine: after a reboot no mount is left and on_start rebuilds from the
 * state.
 *
 * The lock file is empty or holds one record: the state-format JSON,
 * padded with blanks to the file's length.  A record is live while its
 * first byte is '{'.  Writing puts the body (bytes 1..) first and the '{'
 * last; clearing overwrites the '{' with a blank.  So a record cut short
 * never reads as live, and the file keeps its page: truncating it to 0
 * and writing it again freed and re-allocated that page on every call
 * (~4 us of the ~5 us the intent cost on tmpfs; a journalled truncate on
 * ext4). */
/* *size: the lock file's length, updated. */
int sp_intent_write(int lockfd, off_t *size, const char *id,
                    const sp_state *st, sp_error *err) SP_HIDDEN;
/* size: the lock file's length (from sp_state_lock).  *exists = false
 * when no live record is there.  An error means a live record could not
 * be read back. */
int sp_intent_read(int lockfd, off_t size, const char *id, sp_state *st,
                   bool *exists, sp_error *err) SP_HIDDEN;
int sp_intent_clear(int lockfd) SP_HIDDEN;

/* Take the container's exclusive lock; *lockfd is closed to release.
 * *intent_len (if not NULL) is the lock file's size once locked, for
 * sp_intent_read and sp_intent_write (0: no intent recorded). */
int sp_state_lock(int dirfd, const char *id, int *lockfd, off_t *intent_len,
                  sp_error *err) SP_HIDDEN;
/* Remove the lock file while holding it (on delete). */
void sp_state_lock_unlink(int dirfd, const char *id) SP_HIDDEN;
#endif
