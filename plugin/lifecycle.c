/* SPDX-License-Identifier: Apache-2.0 */
/* The callbacks: create, start, stop, add, remove, list, delete. */
#include <fcntl.h>
#include <string.h>

#include "apply.h"
#include "intent.h"
#include "lifecycle.h"
#include "recovery.h"
#include "spec.h"
#include "statecache.h"
#include "statefile.h"

/* Paths in one add/remove call: the limit per container bounds it anyway. */
#define SP_MAX_BATCH 4096

static int check_container(const struct sharedpath_container *c,
                           sp_error *err) {
  if (!c || c->size < offsetof(struct sharedpath_container, pidfd) +
                          sizeof(c->pidfd))
    return sp_fail(err, -EINVAL, "container struct is missing or too small");
  return sp_id_validate(c->id, err);
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
  _cleanup_locked_ sp_locked l = SP_LOCKED_INIT;
  if ((r = sp_lock_and_load(ctx, id, &l, err)) < 0)
    return r;
  if ((r = sp_container_dirs_create(ctx, id, err)) < 0)
    return r;
  if (l.exists)
    sp_state_cache_give_back(ctx->state_cache, id, &l.st);
  else if ((r = sp_state_save_cached(ctx->state_cache, &l.sf, id, &l.st,
                                     err)) < 0)
    return r;
  sp_log(ctx, SHAREDPATH_LOG_INFO, "container %s: created %s", id, source);
  *out = TAKE_PTR(edited);
  return 0;
}


int sp_start(sp_ctx *ctx, const struct sharedpath_container *c,
             sp_error *err) {
  int r;
  if ((r = check_container(c, err)) < 0)
    return r;
  _cleanup_locked_ sp_locked l = SP_LOCKED_INIT;
  if ((r = sp_begin(ctx, c, &l, err)) < 0)
    return r;
  sp_state_tmp_remove(ctx->state_dirfd, c->id);
  if ((r = sp_container_dirs_create(ctx, c->id, err)) < 0)
    return r;
  if (l.st.n == 0) {
    sp_state_cache_give_back(ctx->state_cache, c->id, &l.st);
    return 0;
  }
  size_t n = l.st.n;
  _cleanup_free_ bool *created = calloc(n, sizeof(bool));
  _cleanup_free_ bool *made = calloc(n, sizeof(bool));
  _cleanup_free_ sp_ident *idents = calloc(n, sizeof(sp_ident));
  _cleanup_free_ uint64_t *ids = calloc(n, sizeof(uint64_t));
  if (!created || !made || !idents || !ids)
    return sp_fail(err, -ENOMEM, "out of memory");
  bool unclean = false;
  if ((r = sp_host_reattach_all(ctx, c->id, l.st.paths, n, created, idents,
                                &unclean, err)) < 0)
    return r;
  for (size_t i = 0; i < n; i++)
    ids[i] = l.st.paths[i].mnt_id;
  _cleanup_target_ sp_target t = SP_TARGET_INIT;
  r = sp_target_open(&ctx->mech, c, &t, err);
  bool attached = false;
  if (r == 0)
    attached = (r = sp_ctr_attach_made(ctx, &t, c->id, l.st.paths, idents, n,
                                       &l.st, made, &unclean, err)) == 0;
  /* The new namespace's mounts have new ids: record them for removes (an
   * on_start repeated on a running container finds them all in place and
   * has nothing to save). */
  bool moved = false;
  for (size_t i = 0; r == 0 && i < n; i++)
    moved |= l.st.paths[i].mnt_id != ids[i];
  if (r == 0 && moved)
    r = sp_state_save_cached(ctx->state_cache, &l.sf, c->id, &l.st, err);
  if (r < 0) {
    /* All or nothing: what this call mounted in the container goes too. */
    if (attached)
      sp_ctr_undo_made(ctx, &t, c->id, l.st.paths, made, n, &unclean);
    sp_host_rollback(ctx, c->id, l.st.paths, created, n, &unclean);
    return r;
  }
  if (!moved)
    sp_state_cache_give_back(ctx->state_cache, c->id, &l.st);
  sp_log(ctx, SHAREDPATH_LOG_INFO, "container %s: re-applied %zu path(s)",
         c->id, n);
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
  _cleanup_locked_ sp_locked l = SP_LOCKED_INIT;
  if ((r = sp_begin(ctx, &stopped, &l, err)) < 0)
    return r;
  /* Unchanged (a recovery that changed it saved it): back to the cache. */
  sp_state_cache_give_back(ctx->state_cache, c->id, &l.st);
  return 0;
}

/* Whether one container path lies strictly inside the other.  Such a
 * pair is refused: the inner target would be created in the outer bind
 * (on the host, in its host path), the outer mount would hide an inner one
 * made before it, and removing the outer one would take the inner one
 * with it while the state still lists it. */
static bool nested(const char *a, const char *b) {
  return strcmp(a, b) != 0 && (sp_path_within(a, b) || sp_path_within(b, a));
}

static int nested_fail(sp_error *err, const char *have, const char *want,
                       const char *have_host) {
  bool inside = sp_path_within(want, have);
  return sp_fail(err, -EINVAL, "container path %s lies %s %s, which takes "
                 "host path %s: one of them would hide the other; remove %s "
                 "first or choose a path outside it", want,
                 inside ? "inside" : "above", have, have_host, have);
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
      if (!for_remove && nested(o->ctr, b->ctr))
        return nested_fail(err, o->ctr, b->ctr, o->host);
      if (!for_remove && strcmp(o->host, b->host) == 0 &&
          !sp_opts_equal(&o->opts, &b->opts))
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
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < st->n; j++)
      if (nested(st->paths[j].ctr, binds[i].ctr))
        return nested_fail(err, st->paths[j].ctr, binds[i].ctr,
                           st->paths[j].host);
  for (size_t i = 0; i < n; i++) {
    const sp_bind *old = sp_state_find_ctr(st, binds[i].ctr);
    if (old)
      return strcmp(old->host, binds[i].host) == 0
                 ? sp_fail(err, -EEXIST, "%s is already bound to %s in "
                           "container '%s'", binds[i].host, binds[i].ctr, id)
                 : sp_fail(err, -EEXIST, "container path %s already takes "
                           "host path %s in container '%s'", binds[i].ctr,
                           old->host, id);
    old = sp_binds_find_host(st->paths, st->n, binds[i].host);
    if (old && !sp_opts_equal(&old->opts, &binds[i].opts))
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
  _cleanup_locked_ sp_locked l = SP_LOCKED_INIT;
  _cleanup_target_ sp_target t = SP_TARGET_INIT;
  _cleanup_free_ bool *created = calloc(n, sizeof(bool));
  _cleanup_free_ sp_ident *idents = calloc(n, sizeof(sp_ident));
  if (!created || !idents)
    return sp_fail(err, -ENOMEM, "out of memory");
  if ((r = sp_begin(ctx, c, &l, err)) < 0)
    return r;
  if ((r = check_add(ctx, c->id, &l.st, binds.paths, n, err)) < 0)
    return r;
  if ((r = sp_target_open_running(&ctx->mech, c, &t, err)) < 0)
    return r;
  /* From here on every step is undone on failure; the intent covers the
   * death of the process in between. */
  if ((r = sp_locked_intent_write(&l, c->id, &binds, err)) < 0)
    return r;
  bool unclean = false;
  size_t before = l.st.n;
  r = sp_host_attach_all(ctx, c->id, binds.paths, n, created, idents, &unclean,
                         err);
  if (r < 0)
    goto undo; /* sp_host_attach_all undid its own binds */
  if (t.pid > 0) {
    r = sp_ctr_attach(ctx, &t, c->id, binds.paths, idents, n, &l.st,
                      &unclean, err);
    if (r < 0)
      goto undo_host;
  }
  for (size_t i = 0; i < n && r == 0; i++)
    r = sp_state_append(&l.st, &binds.paths[i], err);
  if (r == 0)
    r = sp_state_save_cached(ctx->state_cache, &l.sf, c->id, &l.st, err);
  if (r == 0) {
    sp_locked_intent_clear(ctx, &l, c->id);
    sp_log(ctx, SHAREDPATH_LOG_INFO, "container %s: added %zu path(s)%s",
           c->id, n, t.pid > 0 ? "" : " (applied at next start)");
    return 0;
  }
  while (l.st.n > before)
    sp_state_remove_at(&l.st, l.st.n - 1);
  if (t.pid > 0) {
    sp_error e = {0};
    if (sp_ctr_detach(ctx, &t, c->id, binds.paths, n, &l.st, &unclean,
                      &e) < 0) {
      sp_log(ctx, SHAREDPATH_LOG_ERROR, "container %s: rollback: %s", c->id,
             e.msg);
      unclean = true;
    }
  }
undo_host:
  sp_host_rollback(ctx, c->id, binds.paths, created, n, &unclean);
undo:
  if (!unclean)
    sp_locked_intent_clear(ctx, &l, c->id);
  return r;
}

/* The state entries req names, copied into *gone (empty before). */
static int resolve_removal(const sp_state *st, const char *id,
                           const sp_state *req, sp_state *gone,
                           sp_error *err) {
  for (size_t i = 0; i < req->n; i++) {
    const sp_bind *q = &req->paths[i], *e = sp_state_find_ctr(st, q->ctr);
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
  _cleanup_locked_ sp_locked l = SP_LOCKED_INIT;
  _cleanup_state_ sp_state gone = {0}; /* the entries taken out, copied */
  _cleanup_state_ sp_state next = {0}; /* the state without them */
  _cleanup_target_ sp_target t = SP_TARGET_INIT;
  _cleanup_free_ bool *detached = calloc(n, sizeof(bool));
  if (!detached)
    return sp_fail(err, -ENOMEM, "out of memory");
  if ((r = sp_begin(ctx, c, &l, err)) < 0)
    return r;
  if ((r = resolve_removal(&l.st, c->id, &req, &gone, err)) < 0)
    return r;
  if ((r = sp_state_copy(&l.st, &next, err)) < 0)
    return r;
  if ((r = sp_target_open_running(&ctx->mech, c, &t, err)) < 0)
    return r;
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < next.n; j++)
      if (strcmp(next.paths[j].ctr, gone.paths[i].ctr) == 0) {
        sp_state_remove_at(&next, j);
        break;
      }
  if ((r = sp_locked_intent_write(&l, c->id, &gone, err)) < 0)
    return r;
  bool unclean = false;
  if (t.pid > 0) {
    r = sp_ctr_detach(ctx, &t, c->id, gone.paths, n, &l.st, &unclean, err);
    if (r < 0)
      goto undo;
  }
  /* Host binds still used by a remaining path stay (reference count). */
  for (size_t i = 0; i < n && r == 0; i++) {
    if (sp_binds_find_host(next.paths, next.n, gone.paths[i].host) ||
        sp_binds_find_host(gone.paths, i, gone.paths[i].host))
      continue;
    /* Marked first: a detach that fails half-way (master unmounted, mid
     * busy) is put back whole by the rollback's attach. */
    detached[i] = true;
    r = sp_host_detach(ctx, c->id, gone.paths[i].hash, err);
  }
  if (r == 0)
    r = sp_state_save_cached(ctx->state_cache, &l.sf, c->id, &next, err);
  if (r == 0) {
    sp_locked_intent_clear(ctx, &l, c->id);
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
    if (sp_ctr_attach(ctx, &t, c->id, gone.paths, NULL, n, &l.st, &unclean,
                      &e) < 0) {
      sp_log(ctx, SHAREDPATH_LOG_ERROR, "container %s: rollback: %s", c->id,
             e.msg);
      unclean = true;
    }
  }
undo:
  if (!unclean)
    sp_locked_intent_clear(ctx, &l, c->id);
  return r;
}

int sp_list(sp_ctx *ctx, const char *id, char **out, sp_error *err) {
  int r;
  if ((r = sp_id_validate(id, err)) < 0)
    return r;
  _cleanup_locked_ sp_locked l = SP_LOCKED_INIT;
  if ((r = sp_lock_and_load_existing(ctx, id, &l, err)) < 0)
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
  _cleanup_locked_ sp_locked l = SP_LOCKED_INIT;
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
  /* A directory where the state file goes (made by hand) cannot be
   * removed at the end: refused now, with nothing changed.  (Anything
   * else there, a symlink included, is unlinked without being followed.) */
  char name[SP_ID_MAX + 16];
  snprintf(name, sizeof(name), "%s.json", c->id);
  struct stat sb;
  if (fstatat(ctx->state_dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
      S_ISDIR(sb.st_mode))
    return sp_fail(err, -EISDIR, "deleting container '%s': %s in the state "
                   "dir is a directory; nothing was changed: remove it by "
                   "hand, then delete again", c->id, name);
  /* Either everything goes or nothing changes: the container side first
   * (undone if a later step fails), then the state file, the point from
   * which there is no way back; what is left after it (host-side binds,
   * which cannot veto a detach, and placeholders) a retried delete
   * finishes from the mount table. */
  _cleanup_target_ sp_target t = SP_TARGET_INIT;
  _cleanup_state_ sp_state all = {0};
  bool in_ctr = false, unclean = false;
  if (sp_target_open_running(&ctx->mech, c, &t, NULL) == 0 && t.pid > 0) {
    /* Take out the saved paths and any an interrupted add left behind. */
    r = sp_state_copy(&l.st, &all, err);
    for (size_t i = 0; i < l.intent.n && r == 0; i++)
      if (!sp_state_find_ctr(&all, l.intent.paths[i].ctr))
        r = sp_state_append(&all, &l.intent.paths[i], err);
    if (r == 0 && all.n) {
      r = sp_ctr_detach(ctx, &t, c->id, all.paths, all.n, &all, &unclean,
                        err);
      in_ctr = r == 0;
    }
    if (r < 0)
      return sp_wrap(err, r, "deleting container '%s'", c->id);
  }
  sp_state_cache_forget(ctx->state_cache, c->id);
  if ((r = sp_state_unlink(ctx->state_dirfd, c->id, err)) < 0) {
    if (in_ctr) {
      sp_error e = {0};
      if (sp_ctr_attach(ctx, &t, c->id, all.paths, NULL, all.n, &all,
                        &unclean, &e) < 0)
        sp_log(ctx, SHAREDPATH_LOG_ERROR, "container %s: rollback: %s",
               c->id, e.msg);
    }
    return sp_wrap(err, r, "deleting container '%s'", c->id);
  }
  if ((r = sp_container_dirs_remove(ctx, c->id, err)) < 0)
    return sp_wrap(err, r, "container '%s': its state is deleted, but not "
                   "all of its mounts and dirs; run delete again", c->id);
  sp_state_lock_unlink(ctx->state_dirfd, c->id);
  sp_log(ctx, SHAREDPATH_LOG_INFO, "container %s: deleted", c->id);
  return 0;
}
