/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>

#include "fileio.h"
#include "lifecycle.h"
#include "mounts.h"
#include "nsexec.h"
#include "spec.h"
#include "state.h"
#include "statecache.h"

#define SP_DEFAULT_TMPFS_SIZE (8ull << 20)
/* Paths in one add/remove call: the limit per container bounds it anyway. */
#define SP_MAX_BATCH 4096

void sp_log(const sp_ctx *ctx, int level, const char *fmt, ...) {
  if (!ctx->log)
    return;
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  ctx->log(ctx->log_data, level, msg);
}

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
  if (ctx->state_dirfd >= 0)
    close(ctx->state_dirfd);
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
  ctx->state_dirfd = -1;
  int r = ctx_settings(ctx, host, err);
  if (r < 0)
    return r;
  if ((r = ctx_dirs(ctx, err)) < 0)
    return r;
  if ((r = sp_master_prepare(ctx, err)) < 0)
    return r;
  *out = TAKE_PTR(ctx);
  return 0;
}

static int check_container(const struct sharedpath_container *c,
                           sp_error *err) {
  if (!c || c->size < offsetof(struct sharedpath_container, pidfd) +
                          sizeof(c->pidfd))
    return sp_fail(err, -EINVAL, "container struct is missing or too small");
  return sp_id_validate(c->id, err);
}

/* The container's lock and state, loaded. */
typedef struct locked {
  int lockfd;
  sp_state st;
  bool exists;
  sp_state intent; /* paths of an operation a crash interrupted */
  bool has_intent;
  off_t lock_size; /* the lock file's length (the intent record's room) */
} locked;

static void locked_release(locked *l) {
  sp_state_free(&l->st);
  sp_state_free(&l->intent);
  if (l->lockfd >= 0)
    close(l->lockfd);
  l->lockfd = -1;
}
#define _cleanup_locked_ _cleanup_(locked_release)
#define LOCKED_INIT {.lockfd = -1}

static int lock_and_load(sp_ctx *ctx, const char *id, locked *l,
                         sp_error *err) {
  *l = (locked){.lockfd = -1};
  int r = sp_state_lock(ctx->state_dirfd, id, &l->lockfd, &l->lock_size, err);
  if (r < 0)
    return r;
  /* The host-path rules run on every state read from disk
   * (check_host_paths, through the cache). */
  if ((r = sp_state_load_cached(ctx->state_cache, ctx->state_dirfd, id, &l->st,
                                 &l->exists, err)) < 0)
    return r;
  sp_error ierr = {0};
  if (sp_intent_read(l->lockfd, l->lock_size, id, &l->intent, &l->has_intent,
                     &ierr) < 0) {
    /* Written completely before the first mount: one that does not read
     * back was cut short, and nothing was mounted for it. */
    sp_log(ctx, SHAREDPATH_LOG_WARNING, "container %s: dropping an "
           "unreadable intent (%s)", id, ierr.msg);
    sp_intent_clear(l->lockfd);
  }
  return 0;
}

/* Same, for calls that need an existing container: asking about an
 * unknown id must leave nothing behind, so its lock file goes again (held:
 * a waiter notices the unlink and retries on a new file). */
static int lock_and_load_existing(sp_ctx *ctx, const char *id, locked *l,
                                  sp_error *err) {
  int r = lock_and_load(ctx, id, l, err);
  if (r == 0 && !l->exists)
    sp_state_lock_unlink(ctx->state_dirfd, id);
  return r;
}

/* The intent: the paths an add or remove is about to touch, recorded
 * before the first mount and cleared after the state is saved. */
static int intent_write(locked *l, const char *id, const sp_state *paths,
                        sp_error *err) {
  return sp_intent_write(l->lockfd, &l->lock_size, id, paths, err);
}

static void intent_clear(sp_ctx *ctx, const locked *l, const char *id) {
  int r = sp_intent_clear(l->lockfd);
  if (r < 0)
    sp_log(ctx, SHAREDPATH_LOG_ERROR, "container %s: cannot clear the "
           "intent: %s", id, strerror(-r));
}

int sp_create(sp_ctx *ctx, const char *id, const char *spec, char **out,
              sp_error *err) {
  int r;
  if ((r = sp_id_validate(id, err)) < 0)
    return r;
  char source[PATH_MAX];
  snprintf(source, sizeof(source), "%s/%s", ctx->master, id);
  /* Edit the spec first: a bad spec must change nothing on the host. */
  _cleanup_free_ char *edited = NULL;
  if ((r = sp_spec_add_mount(spec, source, &edited, err)) < 0)
    return r;
  _cleanup_locked_ locked l = LOCKED_INIT;
  if ((r = lock_and_load(ctx, id, &l, err)) < 0)
    return r;
  if ((r = sp_container_dirs_create(ctx, id, err)) < 0)
    return r;
  if (l.exists)
    sp_state_cache_give_back(ctx->state_cache, id, &l.st);
  else if ((r = sp_state_save_cached(ctx->state_cache, ctx->state_dirfd, id,
                                     &l.st, err)) < 0)
    return r;
  sp_log(ctx, SHAREDPATH_LOG_INFO, "container %s: created %s", id, source);
  *out = TAKE_PTR(edited);
  return 0;
}

/* Undo host binds this call made.  A failed undo leaves *unclean set: the
 * intent then stays on disk and the next call finishes the job. */
static void host_rollback(sp_ctx *ctx, const char *id, const sp_bind *binds,
                          const bool *created, size_t n, bool *unclean) {
  for (size_t i = n; i-- > 0;) {
    if (!created[i])
      continue;
    sp_error e = {0};
    if (sp_host_detach(ctx, id, binds[i].hash, &e) < 0) {
      sp_log(ctx, SHAREDPATH_LOG_ERROR, "container %s: rollback: %s", id,
             e.msg);
      *unclean = true;
    }
  }
}

static void close_ops(sp_ctr_op *ops, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (ops[i].tree_fd >= 0) {
      close(ops[i].tree_fd);
      ops[i].tree_fd = -1;
    }
}

/* What a bind of b shows: from its master bind, or from the host path when
 * the master bind is already gone (recovery). */
static int bind_ident(sp_ctx *ctx, const char *id, const sp_bind *b,
                      sp_ident *ident, sp_error *err) {
  if (sp_host_ident(ctx, id, b->hash, ident, NULL) == 0)
    return 0;
  struct stat sb;
  if (stat(b->host, &sb) < 0)
    return sp_fail_errno(err, -errno, "cannot stat host path %s", b->host);
  *ident = (sp_ident){sb.st_dev, sb.st_ino, S_ISDIR(sb.st_mode)};
  return 0;
}

/* Run ops in the container; on failure run the inverse of those that took
 * effect.  The caller keeps ownership of ops' tree fds. */
static int ctr_apply(sp_ctx *ctx, const sp_target *t, const char *id,
                     const sp_bind *binds, sp_ctr_op *ops, size_t n,
                     bool *unclean, sp_error *err) {
  int r = sp_ctr_run(t, ops, n, err);
  if (r == 0)
    return 0;
  _cleanup_free_ sp_ctr_op *inv = calloc(n, sizeof(*inv));
  if (!inv) {
    *unclean = true;
    return r;
  }
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    if (!ops[i].did)
      continue;
    inv[k] = ops[i];
    inv[k].attach = !ops[i].attach;
    inv[k].tree_fd = -1;
    if (inv[k].attach) {
      /* Put back what was taken out: a fresh clone of the master bind. */
      inv[k].tree_fd = sp_host_clone_for_container(ctx, id, &binds[i], NULL);
      if (inv[k].tree_fd < 0) {
        *unclean = true;
        continue;
      }
    }
    k++;
  }
  sp_error e = {0};
  if (k && sp_ctr_run(t, inv, k, &e) < 0) {
    sp_log(ctx, SHAREDPATH_LOG_ERROR, "container %s: rollback: %s", id, e.msg);
    *unclean = true;
  }
  close_ops(inv, k);
  return r;
}

/* Put binds[i] into the running container (attach) or take them out.  All
 * or nothing: on failure what was done is undone.  An attach whose target
 * already shows the bind leaves it (recovery re-runs this); a detach only
 * ever unmounts our own mount: the top mount at the target must show the
 * bind's root.  idents[i], when given, is that root as sp_host_attach
 * just found it (no second stat); otherwise it is looked up. */
static int ctr_change(sp_ctx *ctx, const sp_target *t, const char *id,
                      sp_bind *binds, const sp_ident *idents, size_t n,
                      bool attach, bool *unclean, sp_error *err) {
  _cleanup_free_ sp_ctr_op *ops = calloc(n ? n : 1, sizeof(*ops));
  if (!ops)
    return sp_fail(err, -ENOMEM, "out of memory");
  int r = 0;
  for (size_t i = 0; i < n; i++)
    ops[i] = (sp_ctr_op){.attach = attach, .tree_fd = -1,
                         .target = binds[i].ctr,
                         .mnt_id = attach ? 0 : binds[i].mnt_id};
  for (size_t i = 0; i < n && r == 0; i++) {
    if (idents)
      ops[i].ident = idents[i];
    else if ((r = bind_ident(ctx, id, &binds[i], &ops[i].ident, err)) < 0)
      break;
    if (!attach)
      continue;
    int tree = sp_host_clone_for_container(ctx, id, &binds[i], err);
    if (tree < 0)
      r = tree;
    else
      ops[i].tree_fd = tree;
  }
  if (r == 0)
    r = ctr_apply(ctx, t, id, binds, ops, n, unclean, err);
  /* Where each new mount is: the state records it for the remove. */
  for (size_t i = 0; r == 0 && attach && i < n; i++)
    binds[i].mnt_id = ops[i].mnt_id;
  close_ops(ops, n);
  return r;
}

static int ctr_attach(sp_ctx *ctx, const sp_target *t, const char *id,
                      sp_bind *binds, const sp_ident *idents, size_t n,
                      bool *unclean, sp_error *err) {
  return ctr_change(ctx, t, id, binds, idents, n, true, unclean, err);
}

static int ctr_detach(sp_ctx *ctx, const sp_target *t, const char *id,
                      sp_bind *binds, size_t n, bool *unclean,
                      sp_error *err) {
  return ctr_change(ctx, t, id, binds, NULL, n, false, unclean, err);
}

/* Make sure every bind in binds has its host side; record what we made
 * and what each bind shows (idents, for the container side). */
static int host_attach_all(sp_ctx *ctx, const char *id, const sp_bind *binds,
                           size_t n, bool *created, sp_ident *idents,
                           bool *unclean, sp_error *err) {
  for (size_t i = 0; i < n; i++) {
    int r = sp_host_attach(ctx, id, &binds[i], &idents[i], &created[i], err);
    if (r < 0) {
      host_rollback(ctx, id, binds, created, i, unclean);
      return sp_wrap(err, r, "host path %s", binds[i].host);
    }
  }
  return 0;
}

static const sp_bind *find_ctr(const sp_state *st, const char *ctr) {
  for (size_t i = 0; i < st->n; i++)
    if (strcmp(st->paths[i].ctr, ctr) == 0)
      return &st->paths[i];
  return NULL;
}

static const sp_bind *find_host(const sp_bind *v, size_t n, const char *host) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(v[i].host, host) == 0)
      return &v[i];
  return NULL;
}

/* Open the running container, or report it is not running (t->pid 0). */
static int target_for(const struct sharedpath_container *c, sp_target *t,
                      sp_error *err) {
  *t = (sp_target){.pidfd = -1, .rootfd = -1};
  if (!c || c->pid <= 0)
    return 0;
  return sp_target_open(c, t, err);
}

/* Finish or undo an operation a crash interrupted.  The rule is the same
 * for add and remove, because the state is saved after the mounts: an
 * intent path that the state holds is made whole (host binds, and the
 * container's bind if it runs); one it does not hold is taken out. */
static int reconcile(sp_ctx *ctx, const struct sharedpath_container *c,
                     locked *l, sp_error *err) {
  if (!l->has_intent)
    return 0;
  const char *id = c->id;
  sp_log(ctx, SHAREDPATH_LOG_WARNING, "container %s: recovering %zu path(s) "
         "of an interrupted operation", id, l->intent.n);
  size_t n = l->intent.n, nk = 0, nd = 0;
  _cleanup_free_ sp_bind *keep = calloc(n ? n : 1, sizeof(sp_bind));
  _cleanup_free_ sp_bind *drop = calloc(n ? n : 1, sizeof(sp_bind));
  _cleanup_free_ bool *created = calloc(n ? n : 1, sizeof(bool));
  _cleanup_free_ sp_ident *idents = calloc(n ? n : 1, sizeof(sp_ident));
  if (!keep || !drop || !created || !idents)
    return sp_fail(err, -ENOMEM, "out of memory");
  for (size_t i = 0; i < n; i++) {
    const sp_bind *p = &l->intent.paths[i];
    const sp_bind *e = find_ctr(&l->st, p->ctr);
    if (e && strcmp(e->host, p->host) == 0)
      keep[nk++] = *e; /* shallow: owned by l */
    else
      drop[nd++] = *p;
  }
  _cleanup_target_ sp_target t = SP_TARGET_INIT;
  int r = target_for(c, &t, err);
  if (r == -ESRCH)
    r = 0; /* it died: its side of the mounts went with it */
  bool unclean = false;
  if (r == 0 && t.pid > 0 && nd)
    r = ctr_detach(ctx, &t, id, drop, nd, &unclean, err);
  for (size_t i = 0; i < nd && r == 0; i++)
    if (!find_host(l->st.paths, l->st.n, drop[i].host))
      r = sp_host_detach(ctx, id, drop[i].hash, err);
  if (r == 0 && nk)
    r = host_attach_all(ctx, id, keep, nk, created, idents, &unclean, err);
  if (r == 0 && nk && t.pid > 0) {
    r = ctr_attach(ctx, &t, id, keep, idents, nk, &unclean, err);
    /* Record where the mounts made whole are, for their remove. */
    for (size_t i = 0; r == 0 && i < nk; i++)
      ((sp_bind *)find_ctr(&l->st, keep[i].ctr))->mnt_id = keep[i].mnt_id;
    /* The call goes on with l->st: save a copy (the cache takes what it
     * is given). */
    _cleanup_state_ sp_state copy = {0};
    if (r == 0)
      r = sp_state_copy(&l->st, &copy, err);
    if (r == 0)
      r = sp_state_save_cached(ctx->state_cache, ctx->state_dirfd, id, &copy,
                               err);
  }
  if (r < 0)
    return sp_wrap(err, r, "container '%s': recovering an interrupted "
                   "operation", id);
  intent_clear(ctx, l, id);
  sp_state_free(&l->intent);
  l->has_intent = false;
  return 0;
}

/* Lock, load and recover: the start of every call that changes a container. */
static int begin(sp_ctx *ctx, const struct sharedpath_container *c,
                 locked *l, sp_error *err) {
  int r = lock_and_load_existing(ctx, c->id, l, err);
  if (r < 0)
    return r;
  if (!l->exists)
    return sp_fail(err, -ENOENT, "container '%s' was not created through this "
                   "plugin (no state)", c->id);
  return reconcile(ctx, c, l, err);
}

int sp_start(sp_ctx *ctx, const struct sharedpath_container *c,
             sp_error *err) {
  int r;
  if ((r = check_container(c, err)) < 0)
    return r;
  _cleanup_locked_ locked l = LOCKED_INIT;
  if ((r = begin(ctx, c, &l, err)) < 0)
    return r;
  if ((r = sp_container_dirs_create(ctx, c->id, err)) < 0)
    return r;
  if (l.st.n == 0) {
    sp_state_cache_give_back(ctx->state_cache, c->id, &l.st);
    return 0;
  }
  _cleanup_free_ bool *created = calloc(l.st.n, sizeof(bool));
  _cleanup_free_ sp_ident *idents = calloc(l.st.n, sizeof(sp_ident));
  if (!created || !idents)
    return sp_fail(err, -ENOMEM, "out of memory");
  bool unclean = false;
  if ((r = host_attach_all(ctx, c->id, l.st.paths, l.st.n, created, idents,
                           &unclean, err)) < 0)
    return r;
  _cleanup_target_ sp_target t = SP_TARGET_INIT;
  r = sp_target_open(c, &t, err);
  if (r == 0)
    r = ctr_attach(ctx, &t, c->id, l.st.paths, idents, l.st.n, &unclean,
                   err);
  /* The new namespace's mounts have new ids: record them for removes. */
  size_t applied = l.st.n;
  if (r == 0)
    r = sp_state_save_cached(ctx->state_cache, ctx->state_dirfd, c->id, &l.st,
                             err);
  if (r < 0) {
    host_rollback(ctx, c->id, l.st.paths, created, l.st.n, &unclean);
    return r;
  }
  sp_log(ctx, SHAREDPATH_LOG_INFO, "container %s: re-applied %zu path(s)",
         c->id, applied);
  return 0;
}

int sp_stop(sp_ctx *ctx, const struct sharedpath_container *c,
            sp_error *err) {
  int r;
  if ((r = check_container(c, err)) < 0)
    return r;
  /* The container's mount namespace takes its side of every bind with it;
   * the host side and the state stay for the next start. */
  struct sharedpath_container stopped = *c;
  stopped.pid = 0;
  stopped.pidfd = -1;
  _cleanup_locked_ locked l = LOCKED_INIT;
  if ((r = begin(ctx, &stopped, &l, err)) < 0)
    return r;
  /* Unchanged (a recovery that changed it saved it): back to the cache. */
  sp_state_cache_give_back(ctx->state_cache, c->id, &l.st);
  return 0;
}

/* Parse and check a batch against itself, into *out (empty before). */
static int parse_batch(const char *const *specs, size_t n, bool for_remove,
                       sp_state *out, sp_error *err) {
  if (n == 0 || !specs)
    return sp_fail(err, -EINVAL, "no paths given");
  if (n > SP_MAX_BATCH)
    return sp_fail(err, -E2BIG, "%zu paths in one call; at most %d", n,
                   SP_MAX_BATCH);
  _cleanup_state_ sp_state batch = {.paths = calloc(n, sizeof(sp_bind)),
                                    .cap = n};
  if (!batch.paths)
    return sp_fail(err, -ENOMEM, "out of memory");
  for (size_t i = 0; i < n; i++) {
    sp_bind *b = &batch.paths[i];
    int r = sp_bind_parse(specs[i], for_remove, b, err);
    if (r < 0)
      return sp_wrap(err, r, "path %zu of %zu", i + 1, n);
    batch.n++;
    for (size_t j = 0; j < i; j++) {
      const sp_bind *o = &batch.paths[j];
      if (strcmp(o->ctr, b->ctr) == 0)
        return sp_fail(err, -EINVAL, "container path %s is given twice",
                       b->ctr);
      if (!for_remove && strcmp(o->host, b->host) == 0 &&
          memcmp(&o->opts, &b->opts, sizeof(b->opts)) != 0)
        return sp_fail(err, -EINVAL, "host path %s is given twice with "
                       "different options (%s and %s)", b->host,
                       sp_opts_string(&o->opts), sp_opts_string(&b->opts));
    }
    if (b->host && (r = sp_hash_hex(b->host, b->hash, err)) < 0)
      return r;
  }
  *out = batch;
  batch = (sp_state){0};
  return 0;
}

/* Check a parsed add batch against the saved paths and the limit. */
static int check_add(const sp_ctx *ctx, const char *id, const sp_state *st,
                     const sp_bind *binds, size_t n, sp_error *err) {
  for (size_t i = 0; i < n; i++) {
    const sp_bind *old = find_ctr(st, binds[i].ctr);
    if (old)
      return strcmp(old->host, binds[i].host) == 0
                 ? sp_fail(err, -EEXIST, "%s is already bound to %s in "
                           "container '%s'", binds[i].host, binds[i].ctr, id)
                 : sp_fail(err, -EEXIST, "container path %s already takes "
                           "host path %s in container '%s'", binds[i].ctr,
                           old->host, id);
    old = find_host(st->paths, st->n, binds[i].host);
    if (old && memcmp(&old->opts, &binds[i].opts, sizeof(old->opts)) != 0)
      return sp_fail(err, -EINVAL, "host path %s is already shared with "
                     "options %s; it cannot be added again with %s",
                     binds[i].host, sp_opts_string(&old->opts),
                     sp_opts_string(&binds[i].opts));
  }
  if (st->n + n > ctx->max_paths)
    return sp_fail(err, -ENOSPC, "container '%s' has %zu of at most %u paths; "
                   "%zu more would exceed the limit", id, st->n,
                   ctx->max_paths, n);
  return 0;
}

int sp_add(sp_ctx *ctx, const struct sharedpath_container *c,
           const char *const *specs, size_t n, sp_error *err) {
  int r = check_container(c, err);
  if (r < 0)
    return r;
  _cleanup_state_ sp_state binds = {0};
  if ((r = parse_batch(specs, n, false, &binds, err)) < 0)
    return r;
  _cleanup_locked_ locked l = LOCKED_INIT;
  _cleanup_target_ sp_target t = SP_TARGET_INIT;
  _cleanup_free_ bool *created = calloc(n, sizeof(bool));
  _cleanup_free_ sp_ident *idents = calloc(n, sizeof(sp_ident));
  if (!created || !idents)
    return sp_fail(err, -ENOMEM, "out of memory");
  if ((r = begin(ctx, c, &l, err)) < 0)
    return r;
  if ((r = check_add(ctx, c->id, &l.st, binds.paths, n, err)) < 0)
    return r;
  if ((r = target_for(c, &t, err)) < 0)
    return r;
  /* From here on every step is undone on failure; the intent covers the
   * death of the process in between. */
  if ((r = intent_write(&l, c->id, &binds, err)) < 0)
    return r;
  bool unclean = false;
  size_t before = l.st.n;
  r = host_attach_all(ctx, c->id, binds.paths, n, created, idents, &unclean,
                      err);
  if (r < 0)
    goto undo; /* host_attach_all undid its own binds */
  if (t.pid > 0 && (r = ctr_attach(ctx, &t, c->id, binds.paths, idents, n,
                                   &unclean, err)) < 0)
    goto undo_host;
  for (size_t i = 0; i < n && r == 0; i++)
    r = sp_state_append(&l.st, &binds.paths[i], err);
  if (r == 0)
    r = sp_state_save_cached(ctx->state_cache, ctx->state_dirfd, c->id,
                             &l.st, err);
  if (r == 0) {
    intent_clear(ctx, &l, c->id);
    sp_log(ctx, SHAREDPATH_LOG_INFO, "container %s: added %zu path(s)%s",
           c->id, n, t.pid > 0 ? "" : " (applied at next start)");
    return 0;
  }
  while (l.st.n > before)
    sp_state_remove_at(&l.st, l.st.n - 1);
  if (t.pid > 0) {
    sp_error e = {0};
    if (ctr_detach(ctx, &t, c->id, binds.paths, n, &unclean, &e) < 0) {
      sp_log(ctx, SHAREDPATH_LOG_ERROR, "container %s: rollback: %s", c->id,
             e.msg);
      unclean = true;
    }
  }
undo_host:
  host_rollback(ctx, c->id, binds.paths, created, n, &unclean);
undo:
  if (!unclean)
    intent_clear(ctx, &l, c->id);
  return r;
}

/* The state entries req names, copied into *gone (empty before). */
static int resolve_removal(const sp_state *st, const char *id,
                           const sp_state *req, sp_state *gone,
                           sp_error *err) {
  for (size_t i = 0; i < req->n; i++) {
    const sp_bind *q = &req->paths[i], *e = find_ctr(st, q->ctr);
    if (!e)
      return sp_fail(err, -ENOENT, "container '%s' has no path at %s", id,
                     q->ctr);
    if (q->host && strcmp(q->host, e->host) != 0)
      return sp_fail(err, -ENOENT, "container path %s takes host path %s, "
                     "not %s", q->ctr, e->host, q->host);
    int r = sp_state_append(gone, e, err);
    if (r < 0)
      return r;
  }
  return 0;
}

int sp_remove(sp_ctx *ctx, const struct sharedpath_container *c,
              const char *const *specs, size_t n, sp_error *err) {
  int r = check_container(c, err);
  if (r < 0)
    return r;
  _cleanup_state_ sp_state req = {0};
  if ((r = parse_batch(specs, n, true, &req, err)) < 0)
    return r;
  _cleanup_locked_ locked l = LOCKED_INIT;
  _cleanup_state_ sp_state gone = {0}; /* the entries taken out, copied */
  _cleanup_state_ sp_state next = {0}; /* the state without them */
  _cleanup_target_ sp_target t = SP_TARGET_INIT;
  _cleanup_free_ bool *detached = calloc(n, sizeof(bool));
  if (!detached)
    return sp_fail(err, -ENOMEM, "out of memory");
  if ((r = begin(ctx, c, &l, err)) < 0)
    return r;
  if ((r = resolve_removal(&l.st, c->id, &req, &gone, err)) < 0)
    return r;
  if ((r = sp_state_copy(&l.st, &next, err)) < 0)
    return r;
  if ((r = target_for(c, &t, err)) < 0)
    return r;
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < next.n; j++)
      if (strcmp(next.paths[j].ctr, gone.paths[i].ctr) == 0) {
        sp_state_remove_at(&next, j);
        break;
      }
  if ((r = intent_write(&l, c->id, &gone, err)) < 0)
    return r;
  bool unclean = false;
  if (t.pid > 0 && (r = ctr_detach(ctx, &t, c->id, gone.paths, n, &unclean,
                                   err)) < 0)
    goto undo;
  /* Host binds still used by a remaining path stay (reference count). */
  for (size_t i = 0; i < n && r == 0; i++) {
    if (find_host(next.paths, next.n, gone.paths[i].host) ||
        find_host(gone.paths, i, gone.paths[i].host))
      continue;
    /* Marked first: a detach that fails half-way (master unmounted, mid
     * busy) is put back whole by the rollback's attach. */
    detached[i] = true;
    r = sp_host_detach(ctx, c->id, gone.paths[i].hash, err);
  }
  if (r == 0)
    r = sp_state_save_cached(ctx->state_cache, ctx->state_dirfd, c->id,
                             &next, err);
  if (r == 0) {
    intent_clear(ctx, &l, c->id);
    sp_log(ctx, SHAREDPATH_LOG_INFO, "container %s: removed %zu path(s)",
           c->id, n);
    return 0;
  }
  /* Put back what we took: host side first, then the container side. */
  for (size_t i = 0; i < n; i++) {
    if (!detached[i])
      continue;
    sp_ident ident;
    bool made;
    sp_error e = {0};
    if (sp_host_attach(ctx, c->id, &gone.paths[i], &ident, &made, &e) < 0) {
      sp_log(ctx, SHAREDPATH_LOG_ERROR, "container %s: rollback: %s", c->id,
             e.msg);
      unclean = true;
    }
  }
  if (t.pid > 0) {
    sp_error e = {0};
    if (ctr_attach(ctx, &t, c->id, gone.paths, NULL, n, &unclean, &e) < 0) {
      sp_log(ctx, SHAREDPATH_LOG_ERROR, "container %s: rollback: %s", c->id,
             e.msg);
      unclean = true;
    }
  }
undo:
  if (!unclean)
    intent_clear(ctx, &l, c->id);
  return r;
}

int sp_list(sp_ctx *ctx, const char *id, char **out, sp_error *err) {
  int r;
  if ((r = sp_id_validate(id, err)) < 0)
    return r;
  _cleanup_locked_ locked l = LOCKED_INIT;
  if ((r = lock_and_load_existing(ctx, id, &l, err)) < 0)
    return r;
  if (!l.exists)
    return sp_fail(err, -ENOENT, "container '%s' is unknown", id);
  /* The state is the truth even mid-recovery: it is saved after mounts. */
  r = sp_state_to_json(&l.st, id, false, out, err);
  sp_state_cache_give_back(ctx->state_cache, id, &l.st);
  return r;
}

int sp_delete(sp_ctx *ctx, const struct sharedpath_container *c,
              sp_error *err) {
  int r;
  if ((r = check_container(c, err)) < 0)
    return r;
  _cleanup_locked_ locked l = LOCKED_INIT;
  if ((r = sp_state_lock(ctx->state_dirfd, c->id, &l.lockfd, &l.lock_size,
                         err)) < 0)
    return r;
  sp_error lerr = {0};
  if (sp_state_load(ctx->state_dirfd, c->id, &l.st, &l.exists, &lerr) < 0)
    /* Delete goes on from the mount table; a corrupt state file must not
     * keep a container's mounts alive forever. */
    sp_log(ctx, SHAREDPATH_LOG_WARNING, "container %s: ignoring state on "
           "delete: %s", c->id, lerr.msg);
  sp_error ierr = {0};
  sp_intent_read(l.lockfd, l.lock_size, c->id, &l.intent, &l.has_intent,
                 &ierr);
  _cleanup_target_ sp_target t = SP_TARGET_INIT;
  if (target_for(c, &t, NULL) == 0 && t.pid > 0) {
    /* Take out the saved paths and any an interrupted add left behind. */
    bool unclean = false;
    _cleanup_state_ sp_state all = {0};
    r = sp_state_copy(&l.st, &all, err);
    for (size_t i = 0; i < l.intent.n && r == 0; i++)
      if (!find_ctr(&all, l.intent.paths[i].ctr))
        r = sp_state_append(&all, &l.intent.paths[i], err);
    if (r == 0 && all.n)
      r = ctr_detach(ctx, &t, c->id, all.paths, all.n, &unclean, err);
    if (r < 0)
      return sp_wrap(err, r, "deleting container '%s'", c->id);
  }
  if ((r = sp_container_dirs_remove(ctx, c->id, err)) < 0)
    return sp_wrap(err, r, "deleting container '%s'", c->id);
  sp_state_cache_forget(ctx->state_cache, c->id);
  if ((r = sp_state_unlink(ctx->state_dirfd, c->id, err)) < 0)
    return r;
  sp_state_lock_unlink(ctx->state_dirfd, c->id);
  sp_log(ctx, SHAREDPATH_LOG_INFO, "container %s: deleted", c->id);
  return 0;
}
