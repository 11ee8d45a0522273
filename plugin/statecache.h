/* SPDX-License-Identifier: Apache-2.0 */
/* The last state each container's file was seen to hold, so that an add or
 * remove does not re-read and re-validate every path of the container on
 * each call (a json-c parse and a SHA-256 per entry: the largest cost that
 * grew with paths; see BENCHMARKS.md).
 *
 * An entry is used only while the file holds the very state it was taken
 * from: the same nonce and slot seqs (another writer's save changes a
 * seq), the same inode and size (statecache.c).  Callers hold the
 * container's lock. */
#ifndef SP_STATECACHE_H
#define SP_STATECACHE_H
#include "statefile.h"

typedef struct sp_state_cache sp_state_cache;

int sp_state_cache_new(sp_state_cache **out, sp_error *err) SP_HIDDEN;
void sp_state_cache_free(sp_state_cache *c) SP_HIDDEN;

/* Rules a state read from disk must pass before it is used or remembered
 * (the host-path rules, context.c), with the message of the first entry
 * that breaks them; NULL: none.  A state answered from the cache is one
 * that passed them when it was read, or one the plugin wrote from entries
 * that each passed them (loaded, or checked as given before anything was
 * opened): the same bytes under the same rules, so they are not run again
 * on every call. */
typedef int (*sp_state_check_fn)(const sp_state *st, const char *id,
                                 void *arg, sp_error *err);
void sp_state_cache_set_check(sp_state_cache *c, sp_state_check_fn fn,
                              void *arg) SP_HIDDEN;

/* Open id's state file into *f (kept open for the save, closed by the
 * caller) and load its state, answered from the cache when the file is
 * unchanged; a state read from disk is checked (sp_state_cache_set_check)
 * first.  A state answered from the cache is handed over, not copied:
 * until the caller saves (sp_state_save_cached) or gives it back
 * unchanged (sp_state_cache_give_back), the next load of id reads the
 * file again. */
int sp_state_load_cached(sp_state_cache *c, int dirfd, const char *id,
                         sp_state_file *f, sp_state *st, bool *exists,
                         sp_error *err) SP_HIDDEN;
/* sp_state_file_write to f (as sp_state_load_cached left it), remembering
 * what was written.  On success the cache may take st's paths instead of
 * copying them (*st is then left empty): call it as the last use of st. */
int sp_state_save_cached(sp_state_cache *c, sp_state_file *f, const char *id,
                         sp_state *st, sp_error *err) SP_HIDDEN;
/* Give back a state sp_state_load_cached handed over, unchanged since
 * (the caller still holding the lock); *st is left empty.  When the cache
 * no longer waits for it (it was not from the cache, or a save or a
 * forget came in between), it is freed. */
void sp_state_cache_give_back(sp_state_cache *c, const char *id,
                              sp_state *st) SP_HIDDEN;
/* Drop what is known about id (after its state file is removed). */
void sp_state_cache_forget(sp_state_cache *c, const char *id) SP_HIDDEN;
#endif
