/* SPDX-License-Identifier: Apache-2.0 */
/* A container's paths: in memory, and as the JSON of its state file
 * (statefile.h) and of its intent record (intent.h). */
#ifndef SP_STATE_H
#define SP_STATE_H
#include <sys/stat.h>

#include "rules.h"

/* The newest version of the state object this plugin reads.  Version 2
 * added the options rbind and idmap; a state is written as version 1
 * while no path uses them, so that an older plugin keeps reading it, and
 * as 2 once one does, so that an older plugin refuses it by its version
 * (-EPROTO, "use a newer plugin") rather than by an option it does not
 * know.  A state file of version 1 or 2 is that object; version 3
 * (SP_STATE_FILE_VERSION, statefile.h) holds one per slot; an intent
 * record is one. */
#define SP_STATE_VERSION 2
#define SP_STATE_FILE_VERSION 3
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
#endif
