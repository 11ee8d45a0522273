/* SPDX-License-Identifier: Apache-2.0 */
/* The container's lock, its state and intent, and recovery from an
 * operation a crash interrupted. */
#include <string.h>

#include "apply.h"
#include "recovery.h"
#include "intent.h"
#include "statecache.h"

void sp_locked_release(sp_locked *l) {
  sp_state_free(&l->st);
  sp_state_free(&l->intent);
  sp_state_file_close(&l->sf);
  if (l->lockfd >= 0)
    close(l->lockfd);
  l->lockfd = -1;
}

int sp_lock_and_load(sp_ctx *ctx, const char *id, sp_locked *l,
                     sp_error *err) {
  *l = (sp_locked)SP_LOCKED_INIT;
  int r = sp_state_lock(ctx->state_dirfd, id, &l->lockfd, &l->lock_size, err);
  if (r < 0)
    return r;
  /* The host-path rules run on every state read from disk
   * (check_host_paths, through the cache). */
  if ((r = sp_state_load_cached(ctx->state_cache, ctx->state_dirfd, id,
                                 &l->sf, &l->st, &l->exists, err)) < 0)
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
int sp_lock_and_load_existing(sp_ctx *ctx, const char *id, sp_locked *l,
                              sp_error *err) {
  int r = sp_lock_and_load(ctx, id, l, err);
  if (r == 0 && !l->exists)
    sp_state_lock_unlink(ctx->state_dirfd, id);
  return r;
}

/* The intent: the paths an add or remove is about to touch, recorded
 * before the first mount and cleared after the state is saved. */
int sp_locked_intent_write(sp_locked *l, const char *id, const sp_state *paths,
                           sp_error *err) {
  return sp_intent_write(l->lockfd, &l->lock_size, id, paths, err);
}

void sp_locked_intent_clear(sp_ctx *ctx, const sp_locked *l, const char *id) {
  int r = sp_intent_clear(l->lockfd);
  if (r < 0)
    sp_log(ctx, SHAREDPATH_LOG_ERROR, "container %s: cannot clear the "
           "intent: %s", id, strerror(-r));
}

/* Finish or undo an operation a crash interrupted.  The rule is the same
 * for add and remove, because the state is saved after the mounts: an
 * intent path that the state holds is made whole (host binds, and the
 * container's bind if it runs); one it does not hold is taken out. */
static int reconcile(sp_ctx *ctx, const struct sharedpath_container *c,
                     sp_locked *l, sp_error *err) {
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
    const sp_bind *e = sp_state_find_ctr(&l->st, p->ctr);
    if (e && strcmp(e->host, p->host) == 0)
      keep[nk++] = *e; /* shallow: owned by l */
    else
      drop[nd++] = *p;
  }
  _cleanup_target_ sp_target t = SP_TARGET_INIT;
  int r = sp_target_open_running(&ctx->mech, c, &t, err);
  if (r == -ESRCH)
    r = 0; /* it died: its side of the mounts went with it */
  bool unclean = false;
  if (r == 0 && t.pid > 0 && nd)
    r = sp_ctr_detach(ctx, &t, id, drop, nd, &l->st, &unclean, err);
  for (size_t i = 0; i < nd && r == 0; i++)
    if (!sp_binds_find_host(l->st.paths, l->st.n, drop[i].host))
      r = sp_host_detach(ctx, id, drop[i].hash, err);
  if (r == 0 && nk)
    r = sp_host_attach_all(ctx, id, keep, nk, created, idents, &unclean, err);
  if (r == 0 && nk && t.pid > 0) {
    r = sp_ctr_attach(ctx, &t, id, keep, idents, nk, &l->st, &unclean, err);
    /* Record where the mounts made whole are, for their remove (most
     * often where they were: the attach found them in place). */
    bool moved = false;
    for (size_t i = 0; r == 0 && i < nk; i++) {
      sp_bind *e = (sp_bind *)sp_state_find_ctr(&l->st, keep[i].ctr);
      moved |= e->mnt_id != keep[i].mnt_id;
      e->mnt_id = keep[i].mnt_id;
    }
    /* The call goes on with l->st: save a copy (the cache takes what it
     * is given). */
    _cleanup_state_ sp_state copy = {0};
    if (r == 0 && moved)
      r = sp_state_copy(&l->st, &copy, err);
    if (r == 0 && moved)
      r = sp_state_save_cached(ctx->state_cache, &l->sf, id, &copy, err);
  }
  if (r < 0)
    return sp_wrap(err, r, "container '%s': recovering an interrupted "
                   "operation", id);
  sp_locked_intent_clear(ctx, l, id);
  sp_state_free(&l->intent);
  l->has_intent = false;
  return 0;
}

/* Lock, load and recover: the start of every call that changes a container. */
int sp_begin(sp_ctx *ctx, const struct sharedpath_container *c,
             sp_locked *l, sp_error *err) {
  int r = sp_lock_and_load_existing(ctx, c->id, l, err);
  if (r < 0)
    return r;
  if (!l->exists)
    return sp_fail(err, -ENOENT, "container '%s' was not created through this "
                   "plugin (no state)", c->id);
  return reconcile(ctx, c, l, err);
}

