/* SPDX-License-Identifier: Apache-2.0 */
/* One plugin instance (init..fini).  Immutable after init, so callbacks on
 * many threads share it without locks (the state cache it points to locks
 * itself); per-container exclusion is flock. */
#ifndef SP_CONTEXT_H
#define SP_CONTEXT_H
#include <limits.h>
#include <stdint.h>

#include "errors.h"
#include "kernel.h"

typedef struct sp_ctx {
  char root[PATH_MAX];      /* shared root, e.g. /.sharedpath */
  char master[PATH_MAX];    /* <root>/master: tmpfs, 0700, shared */
  char midpath[PATH_MAX];   /* <root>/midpath: staging binds, 0700 */
  char state_dir[PATH_MAX];
  int state_dirfd;
  /* Last known state per container; has its own lock. */
  struct sp_state_cache *state_cache;
  uint32_t max_paths;
  uint32_t flags;
  uint64_t tmpfs_size;
  void (*log)(void *data, int level, const char *msg);
  void *log_data;
  bool holds_hash; /* sp_hash_hold() was called for it */
  /* The kernel mechanisms probed at init, minus what the engine avoids. */
  sp_mech mech;
  int procfd; /* /proc: fdinfo's mount ids on the host side (-1: none) */
} sp_ctx;

/* A context from the engine's host struct: settings, dirs, the master
 * tmpfs prepared (mounts.c). */
int sp_ctx_new(const struct sharedpath_host *host, sp_ctx **out,
               sp_error *err) SP_HIDDEN;
void sp_ctx_free(sp_ctx *ctx) SP_HIDDEN;

/* To the engine's log sink, if it gave one (log.c). */
void sp_log(const sp_ctx *ctx, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4))) SP_HIDDEN;
#endif
