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
int sp_state_append(sp_state *st, const sp_bind *b, sp_error *err) SP_HIDDEN;
void sp_state_remove_at(sp_state *st, size_t i) SP_HIDDEN;
int sp_state_copy(const sp_state *src, sp_state *dst, sp_error *err) SP_HIDDEN;

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
/* The same, handing back the written file's fd (renamed into place; the
 * caller closes it), so the caller can tell its identity without another
 * lookup of the name. */
int sp_state_save_fd(int dirfd, const char *id, const sp_state *st,
                     int *fd, sp_error *err) SP_HIDDEN;
int sp_state_unlink(int dirfd, const char *id, sp_error *err) SP_HIDDEN;

/* The same for any file <id>.<ext> of the state format; durable=false
 * skips the fsyncs. */
#define SP_STATE_EXT "json"
int sp_state_load_file(int dirfd, const char *id, const char *ext,
                       sp_state *st, bool *exists, sp_error *err) SP_HIDDEN;
int sp_state_write_file(int dirfd, const char *id, const char *ext,
                        const sp_state *st, bool durable,
                        sp_error *err) SP_HIDDEN;
int sp_state_unlink_file(int dirfd, const char *id, const char *ext,
                         bool durable, sp_error *err) SP_HIDDEN;

/* The intent of an add or remove: the paths it is about to touch, kept
 * in the (held) lock file, so recording it costs a pwrite and clearing it
 * an ftruncate.  It only has to outlive the process, not the machine:
 * after a reboot no mount is left and on_start rebuilds from the state. */
int sp_intent_write(int lockfd, const char *id, const sp_state *st,
                    sp_error *err) SP_HIDDEN;
/* *exists = false when none is recorded.  An error means the intent could
 * not be read back (e.g. the engine died while writing it: before any
 * mount). */
int sp_intent_read(int lockfd, const char *id, sp_state *st, bool *exists,
                   sp_error *err) SP_HIDDEN;
int sp_intent_clear(int lockfd) SP_HIDDEN;

/* Take the container's exclusive lock; *lockfd is closed to release.
 * *intent_len (if not NULL) is the lock file's size once locked: 0 when
 * no intent is recorded, so sp_intent_read need not be called. */
int sp_state_lock(int dirfd, const char *id, int *lockfd, off_t *intent_len,
                  sp_error *err) SP_HIDDEN;
/* Remove the lock file while holding it (on delete). */
void sp_state_lock_unlink(int dirfd, const char *id) SP_HIDDEN;
#endif
