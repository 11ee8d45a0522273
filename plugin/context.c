/* SPDX-License-Identifier: Apache-2.0 */
/* One plugin instance: its settings from the engine, its dirs, and the
 * shared root prepared once. */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "context.h"
#include "fileio.h"
#include "mounts.h"
#include "statecache.h"

#define SP_DEFAULT_TMPFS_SIZE (8ull << 20)

/* Replace dir (PATH_MAX) by where it really is: the host-path rules
 * compare resolved host paths with it, so a symlink on the way to the
 * shared root or the state dir must not be a way around them. */
static int real_dir(char *dir, const char *what, sp_error *err) {
  char real[PATH_MAX];
  if (!realpath(dir, real))
    return sp_fail_errno(err, -errno, "cannot resolve the %s %s", what, dir);
  snprintf(dir, PATH_MAX, "%s", real);
  return 0;
}

/* The host-path rules on a state read from disk: a state file naming /,
 * /proc or the shared root is as corrupt as one that does not parse, and
 * must not ride along (and be saved again) with every later change. */
static int check_host_paths(const sp_state *st, const char *id, void *arg,
                            sp_error *err) {
  const sp_ctx *ctx = arg;
  for (size_t i = 0; i < st->n; i++) {
    int r = sp_host_path_check(st->paths[i].host, ctx->root, ctx->state_dir,
                               ctx->flags &
                                   SHAREDPATH_HOST_ALLOW_SENSITIVE_PATHS,
                               err);
    if (r < 0)
      return sp_wrap(err, r, "state file %s.json entry %zu", id, i);
  }
  return 0;
}

void sp_ctx_free(sp_ctx *ctx) {
  if (!ctx)
    return;
  if (ctx->holds_hash)
    sp_hash_release();
  if (ctx->state_dirfd >= 0)
    close(ctx->state_dirfd);
  if (ctx->procfd >= 0)
    close(ctx->procfd);
  sp_state_cache_free(ctx->state_cache);
  free(ctx);
}

static void ctx_freep(sp_ctx **ctx) { sp_ctx_free(*ctx); }

/* The settings from host, cleaned, and the state cache. */
static int ctx_settings(sp_ctx *ctx, const struct sharedpath_host *host,
                        sp_error *err) {
  const char *root = host->shared_root ? host->shared_root
                                       : SHAREDPATH_DEFAULT_SHARED_ROOT;
  if (!host->state_dir)
    return sp_fail(err, -EINVAL, "host gave no state dir");
  int r = sp_path_clean(root, ctx->root, "shared root", err);
  if (r < 0)
    return r;
  r = sp_path_clean(host->state_dir, ctx->state_dir, "state dir", err);
  if (r < 0)
    return r;
  if (strcmp(ctx->root, "/") == 0)
    return sp_fail(err, -EINVAL, "the shared root cannot be /");
  ctx->flags = host->flags;
  ctx->max_paths = SHAREDPATH_HAS(host, max_paths_per_container) &&
                           host->max_paths_per_container
                       ? host->max_paths_per_container
                       : SHAREDPATH_DEFAULT_MAX_PATHS;
  ctx->tmpfs_size = SHAREDPATH_HAS(host, master_tmpfs_size) &&
                            host->master_tmpfs_size
                        ? host->master_tmpfs_size
                        : SP_DEFAULT_TMPFS_SIZE;
  if (SHAREDPATH_HAS(host, log_data)) {
    ctx->log = host->log;
    ctx->log_data = host->log_data;
  }
  if ((r = sp_state_cache_new(&ctx->state_cache, err)) < 0)
    return r;
  sp_state_cache_set_check(ctx->state_cache, check_host_paths, ctx);
  return 0;
}

/* The state dir and the shared root exist, by their real paths, apart. */
static int ctx_dirs(sp_ctx *ctx, sp_error *err) {
  int r = sp_mkdir_p(ctx->state_dir, 0700, err);
  if (r < 0)
    return r;
  if ((r = sp_mkdir_p(ctx->root, SP_ROOT_MODE, err)) < 0)
    return r;
  if ((r = real_dir(ctx->state_dir, "state dir", err)) < 0)
    return r;
  if ((r = real_dir(ctx->root, "shared root", err)) < 0)
    return r;
  if (strcmp(ctx->root, "/") == 0)
    return sp_fail(err, -EINVAL, "the shared root cannot be /");
  if (sp_path_within(ctx->state_dir, ctx->root) ||
      sp_path_within(ctx->root, ctx->state_dir))
    return sp_fail(err, -EINVAL, "state dir %s and shared root %s overlap",
                   ctx->state_dir, ctx->root);
  if (strlen(ctx->root) > PATH_MAX - 256)
    return sp_fail(err, -ENAMETOOLONG, "shared root %s is too long",
                   ctx->root);
  snprintf(ctx->master, sizeof(ctx->master), "%s/master", ctx->root);
  snprintf(ctx->midpath, sizeof(ctx->midpath), "%s/midpath", ctx->root);
  ctx->state_dirfd = open(ctx->state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (ctx->state_dirfd < 0)
    return sp_fail_errno(err, -errno, "cannot open state dir %s",
                         ctx->state_dir);
  /* State holds which host paths containers get: root-only. */
  if (fchmod(ctx->state_dirfd, 0700) < 0)
    return sp_fail_errno(err, -errno, "cannot chmod state dir %s",
                         ctx->state_dir);
  return 0;
}

int sp_ctx_new(const struct sharedpath_host *host, sp_ctx **out,
               sp_error *err) {
  if (!host || host->size < offsetof(struct sharedpath_host, state_dir) +
                                sizeof(host->state_dir))
    return sp_fail(err, -EINVAL, "host services struct is missing or too "
                   "small (size %u)", host ? host->size : 0);
  _cleanup_(ctx_freep) sp_ctx *ctx = calloc(1, sizeof(*ctx));
  if (!ctx)
    return sp_fail(err, -ENOMEM, "out of memory");
  ctx->state_dirfd = ctx->procfd = -1;
  sp_hash_hold();
  ctx->holds_hash = true;
  int r = ctx_settings(ctx, host, err);
  if (r < 0)
    return r;
  /* Once per context: every call then takes the same ways. */
  sp_mech_probe(SHAREDPATH_HAS(host, avoid) ? host->avoid : 0, &ctx->mech);
  if ((r = sp_mech_usable(&ctx->mech, err)) < 0)
    return r;
  ctx->procfd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if ((r = ctx_dirs(ctx, err)) < 0)
    return r;
  if ((r = sp_master_prepare(ctx, err)) < 0)
    return r;
  char summary[512];
  struct utsname un;
  sp_mech_summary(&ctx->mech, summary, sizeof(summary));
  sp_log(ctx, SHAREDPATH_LOG_INFO, "kernel %s: %s",
         uname(&un) == 0 ? un.release : "?", summary);
  *out = TAKE_PTR(ctx);
  return 0;
}

