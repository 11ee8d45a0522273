/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "lifecycle.h"
#include "mounts.h"
#include "nsexec.h"
#include "spec.h"
#include "state.h"

#define SP_DEFAULT_TMPFS_SIZE (8ull << 20)

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

static int copy_clean(char *dst, const char *src, const char *what,
                      sp_error *err) {
  return sp_path_clean(src, dst, what, err);
}

static int mkdir_p_private(const char *path, sp_error *err) {
  char buf[PATH_MAX];
  snprintf(buf, sizeof(buf), "%s", path);
  for (char *p = buf + 1;; p++) {
    if (*p != '/' && *p != '\0')
      continue;
    char c = *p;
    *p = '\0';
    if (mkdir(buf, c ? 0755 : 0700) < 0 && errno != EEXIST)
      return sp_fail_errno(err, -errno, "cannot create %s", buf);
    *p = c;
    if (!c)
      return 0;
  }
}

void sp_ctx_free(sp_ctx *ctx) {
  if (!ctx)
    return;
  if (ctx->state_dirfd >= 0)
    close(ctx->state_dirfd);
  free(ctx);
}

int sp_ctx_new(const struct sharedpath_host *host, sp_ctx **out,
               sp_error *err) {
  if (!host || host->size < offsetof(struct sharedpath_host, state_dir) +
                                sizeof(host->state_dir))
    return sp_fail(err, -EINVAL, "host services struct is missing or too "
                   "small (size %u)", host ? host->size : 0);
  sp_ctx *ctx = calloc(1, sizeof(*ctx));
  if (!ctx)
    return sp_fail(err, -ENOMEM, "out of memory");
  ctx->state_dirfd = -1;
  int r;
  const char *root = host->shared_root ? host->shared_root
                                       : SHAREDPATH_DEFAULT_SHARED_ROOT;
  if (!host->state_dir) {
    r = sp_fail(err, -EINVAL, "host gave no state dir");
    goto fail;
  }
  if ((r = copy_clean(ctx->root, root, "shared root", err)) < 0 ||
      (r = copy_clean(ctx->state_dir, host->state_dir, "state dir", err)) < 0)
    goto fail;
  if (strcmp(ctx->root, "/") == 0) {
    r = sp_fail(err, -EINVAL, "the shared root cannot be /");
    goto fail;
  }
  if (sp_path_within(ctx->state_dir, ctx->root) ||
      sp_path_within(ctx->root, ctx->state_dir)) {
    r = sp_fail(err, -EINVAL, "state dir %s and shared root %s overlap",
                ctx->state_dir, ctx->root);
    goto fail;
  }
  if (strlen(ctx->root) > PATH_MAX - 256) {
    r = sp_fail(err, -ENAMETOOLONG, "shared root %s is too long", ctx->root);
    goto fail;
  }
  snprintf(ctx->master, sizeof(ctx->master), "%s/master", ctx->root);
  snprintf(ctx->midpath, sizeof(ctx->midpath), "%s/midpath", ctx->root);
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
  if ((r = mkdir_p_private(ctx->state_dir, err)) < 0)
    goto fail;
  ctx->state_dirfd = open(ctx->state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (ctx->state_dirfd < 0) {
    r = sp_fail_errno(err, -errno, "cannot open state dir %s", ctx->state_dir);
    goto fail;
  }
  /* State holds which host paths containers get: root-only. */
  if (fchmod(ctx->state_dirfd, 0700) < 0) {
    r = sp_fail_errno(err, -errno, "cannot chmod state dir %s",
                      ctx->state_dir);
    goto fail;
  }
  if ((r = sp_master_prepare(ctx, err)) < 0)
    goto fail;
  *out = ctx;
  return 0;
fail:
  sp_ctx_free(ctx);
  return r;
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
} locked;

static void locked_release(locked *l) {
  sp_state_free(&l->st);
  if (l->lockfd >= 0)
    close(l->lockfd);
  l->lockfd = -1;
}
#define _cleanup_locked_ __attribute__((cleanup(locked_release)))

static int lock_and_load(sp_ctx *ctx, const char *id, locked *l,
                         sp_error *err) {
  *l = (locked){.lockfd = -1};
  int r = sp_state_lock(ctx->state_dirfd, id, &l->lockfd, err);
  if (r < 0)
    return r;
  if ((r = sp_state_load(ctx->state_dirfd, id, &l->st, &l->exists, err)) < 0)
    return r;
  /* The host-path rules too: a state file naming /, /proc or the shared
   * root is as corrupt as one that does not parse, and must not ride
   * along (and be saved again) with every later change. */
  for (size_t i = 0; i < l->st.n; i++)
    if ((r = sp_host_path_check(l->st.paths[i].host, ctx->root,
                                ctx->state_dir,
                                ctx->flags &
                                    SHAREDPATH_HOST_ALLOW_SENSITIVE_PATHS,
                                err)) < 0)
      return sp_wrap(err, "state file %s.json entry %zu", id, i);
  return 0;
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
  _cleanup_locked_ locked l;
  if ((r = lock_and_load(ctx, id, &l, err)) < 0)
    return r;
  if ((r = sp_container_dirs_create(ctx, id, err)) < 0)
    return r;
  if (!l.exists && (r = sp_state_save(ctx->state_dirfd, id, &l.st, err)) < 0)
    return r;
  sp_log(ctx, SHAREDPATH_LOG_INFO, "container %s: created %s", id, source);
  *out = TAKE_PTR(edited);
  return 0;
}

/* Undo host binds this call made. */
static void host_rollback(sp_ctx *ctx, const char *id, const sp_bind *binds,
                          const bool *created, size_t n) {
  for (size_t i = n; i-- > 0;) {
    if (!created[i])
      continue;
    sp_error e = {0};
    if (sp_host_detach(ctx, id, binds[i].hash, &e) < 0)
      sp_log(ctx, SHAREDPATH_LOG_ERROR, "container %s: rollback: %s", id,
             e.msg);
  }
}

static void close_ops(sp_ctr_op *ops, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (ops[i].tree_fd >= 0) {
      close(ops[i].tree_fd);
      ops[i].tree_fd = -1;
    }
}

/* Put binds[i] into the running container.  All or nothing. */
static int ctr_attach(sp_ctx *ctx, const sp_target *t, const char *id,
                      const sp_bind *binds, size_t n, sp_error *err) {
  _cleanup_free_ sp_ctr_op *ops = calloc(n ? n : 1, sizeof(*ops));
  if (!ops)
    return sp_fail(err, -ENOMEM, "out of memory");
  int r = 0;
  for (size_t i = 0; i < n; i++)
    ops[i].tree_fd = -1;
  for (size_t i = 0; i < n && r == 0; i++) {
    ops[i].attach = true;
    ops[i].target = binds[i].ctr;
    if ((r = sp_host_ident(ctx, id, binds[i].hash, &ops[i].ident, err)) < 0)
      break;
    r = sp_host_clone_for_container(ctx, id, &binds[i], err);
    if (r >= 0)
      ops[i].tree_fd = r, r = 0;
  }
  if (r == 0 && (r = sp_ctr_run(t, ops, n, err)) < 0) {
    /* Undo what the child did before it failed. */
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
      if (ops[i].did) {
        ops[k] = ops[i];
        ops[k].attach = false;
        k++;
      }
    sp_error e = {0};
    if (k && sp_ctr_run(t, ops, k, &e) < 0)
      sp_log(ctx, SHAREDPATH_LOG_ERROR, "container %s: rollback: %s", id,
             e.msg);
  }
  close_ops(ops, n);
  return r;
}

/* Take binds[i] out of the running container.  All or nothing: what was
 * taken out before a failure is put back. */
static int ctr_detach(sp_ctx *ctx, const sp_target *t, const char *id,
                      const sp_bind *binds, size_t n, sp_error *err) {
  _cleanup_free_ sp_ctr_op *ops = calloc(n ? n : 1, sizeof(*ops));
  if (!ops)
    return sp_fail(err, -ENOMEM, "out of memory");
  int r = 0;
  for (size_t i = 0; i < n && r == 0; i++) {
    ops[i] = (sp_ctr_op){.attach = false, .tree_fd = -1,
                         .target = binds[i].ctr};
    r = sp_host_ident(ctx, id, binds[i].hash, &ops[i].ident, err);
  }
  if (r == 0 && (r = sp_ctr_run(t, ops, n, err)) < 0) {
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
      if (ops[i].did) {
        int fd = sp_host_clone_for_container(ctx, id, &binds[i], NULL);
        if (fd < 0)
          continue;
        ops[k] = ops[i];
        ops[k].attach = true;
        ops[k].tree_fd = fd;
        k++;
      }
    sp_error e = {0};
    if (k && sp_ctr_run(t, ops, k, &e) < 0)
      sp_log(ctx, SHAREDPATH_LOG_ERROR, "container %s: rollback: %s", id,
             e.msg);
    close_ops(ops, k);
  }
  return r;
}

/* Make sure every bind in binds has its host side; record what we made. */
static int host_attach_all(sp_ctx *ctx, const char *id, const sp_bind *binds,
                           size_t n, bool *created, sp_error *err) {
  for (size_t i = 0; i < n; i++) {
    sp_ident ident;
    int r = sp_host_attach(ctx, id, &binds[i], &ident, &created[i], err);
    if (r < 0) {
      host_rollback(ctx, id, binds, created, i);
      return sp_wrap(err, "host path %s", binds[i].host);
    }
  }
  return 0;
}

int sp_start(sp_ctx *ctx, const struct sharedpath_container *c,
             sp_error *err) {
  int r;
  if ((r = check_container(c, err)) < 0)
    return r;
  _cleanup_locked_ locked l;
  if ((r = lock_and_load(ctx, c->id, &l, err)) < 0)
    return r;
  if (!l.exists)
    return sp_fail(err, -ENOENT, "container '%s' was not created through "
                   "this plugin (no state)", c->id);
  if ((r = sp_container_dirs_create(ctx, c->id, err)) < 0)
    return r;
  if (l.st.n == 0)
    return 0;
  _cleanup_free_ bool *created = calloc(l.st.n, sizeof(bool));
  if (!created)
    return sp_fail(err, -ENOMEM, "out of memory");
  if ((r = host_attach_all(ctx, c->id, l.st.paths, l.st.n, created, err)) < 0)
    return r;
  sp_target t;
  if ((r = sp_target_open(c, &t, err)) == 0) {
    r = ctr_attach(ctx, &t, c->id, l.st.paths, l.st.n, err);
    sp_target_close(&t);
  }
  if (r < 0) {
    host_rollback(ctx, c->id, l.st.paths, created, l.st.n);
    return r;
  }
  sp_log(ctx, SHAREDPATH_LOG_INFO, "container %s: re-applied %zu path(s)",
         c->id, l.st.n);
  return 0;
}

int sp_stop(sp_ctx *ctx, const struct sharedpath_container *c,
            sp_error *err) {
  int r;
  if ((r = check_container(c, err)) < 0)
    return r;
  /* The container's mount namespace takes its side of every bind with it;
   * the host side and the state stay for the next start. */
  _cleanup_locked_ locked l;
  if ((r = lock_and_load(ctx, c->id, &l, err)) < 0)
    return r;
  if (!l.exists)
    return sp_fail(err, -ENOENT, "container '%s' is unknown", c->id);
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

static void binds_free(sp_bind *v, size_t n) {
  for (size_t i = 0; i < n; i++)
    sp_bind_clear(&v[i]);
  free(v);
}

/* Parse and check a batch against itself. */
static int parse_batch(const char *const *specs, size_t n, bool for_remove,
                       sp_bind **out, sp_error *err) {
  if (n == 0 || !specs)
    return sp_fail(err, -EINVAL, "no paths given");
  sp_bind *v = calloc(n, sizeof(*v));
  if (!v)
    return sp_fail(err, -ENOMEM, "out of memory");
  int r = 0;
  for (size_t i = 0; i < n && r == 0; i++) {
    if ((r = sp_bind_parse(specs[i], for_remove, &v[i], err)) < 0) {
      sp_wrap(err, "path %zu of %zu", i + 1, n);
      break;
    }
    for (size_t j = 0; j < i && r == 0; j++) {
      if (strcmp(v[j].ctr, v[i].ctr) == 0)
        r = sp_fail(err, -EINVAL, "container path %s is given twice",
                    v[i].ctr);
      else if (!for_remove && strcmp(v[j].host, v[i].host) == 0 &&
               memcmp(&v[j].opts, &v[i].opts, sizeof(v[i].opts)) != 0)
        r = sp_fail(err, -EINVAL, "host path %s is given twice with "
                    "different options (%s and %s)", v[i].host,
                    sp_opts_string(&v[j].opts), sp_opts_string(&v[i].opts));
    }
    if (r == 0 && v[i].host && (r = sp_hash_hex(v[i].host, v[i].hash, err)) < 0)
      break;
  }
  if (r < 0) {
    binds_free(v, n);
    return r;
  }
  *out = v;
  return 0;
}

int sp_add(sp_ctx *ctx, const struct sharedpath_container *c,
           const char *const *specs, size_t n, sp_error *err) {
  int r;
  if ((r = check_container(c, err)) < 0)
    return r;
  sp_bind *binds = NULL;
  if ((r = parse_batch(specs, n, false, &binds, err)) < 0)
    return r;
  _cleanup_locked_ locked l;
  _cleanup_free_ bool *created = NULL;
  if ((r = lock_and_load(ctx, c->id, &l, err)) < 0)
    goto out;
  if (!l.exists) {
    r = sp_fail(err, -ENOENT, "container '%s' was not created through this "
                "plugin (no state)", c->id);
    goto out;
  }
  for (size_t i = 0; i < n; i++) {
    const sp_bind *old = find_ctr(&l.st, binds[i].ctr);
    if (old) {
      r = strcmp(old->host, binds[i].host) == 0
              ? sp_fail(err, -EEXIST, "%s is already bound to %s in container "
                        "'%s'", binds[i].host, binds[i].ctr, c->id)
              : sp_fail(err, -EEXIST, "container path %s already takes host "
                        "path %s in container '%s'", binds[i].ctr, old->host,
                        c->id);
      goto out;
    }
    old = find_host(l.st.paths, l.st.n, binds[i].host);
    if (old && memcmp(&old->opts, &binds[i].opts, sizeof(old->opts)) != 0) {
      r = sp_fail(err, -EINVAL, "host path %s is already shared with options "
                  "%s; it cannot be added again with %s", binds[i].host,
                  sp_opts_string(&old->opts), sp_opts_string(&binds[i].opts));
      goto out;
    }
  }
  if (l.st.n + n > ctx->max_paths) {
    r = sp_fail(err, -ENOSPC, "container '%s' has %zu of at most %u paths; "
                "%zu more would exceed the limit", c->id, l.st.n,
                ctx->max_paths, n);
    goto out;
  }
  if (!(created = calloc(n, sizeof(bool)))) {
    r = sp_fail(err, -ENOMEM, "out of memory");
    goto out;
  }
  if ((r = host_attach_all(ctx, c->id, binds, n, created, err)) < 0)
    goto out;
  bool running = c->pid > 0;
  sp_target t = {.pidfd = -1, .rootfd = -1};
  if (running && ((r = sp_target_open(c, &t, err)) < 0 ||
                  (r = ctr_attach(ctx, &t, c->id, binds, n, err)) < 0)) {
    sp_target_close(&t);
    host_rollback(ctx, c->id, binds, created, n);
    goto out;
  }
  size_t before = l.st.n;
  for (size_t i = 0; i < n && r == 0; i++)
    r = sp_state_append(&l.st, &binds[i], err);
  if (r == 0)
    r = sp_state_save(ctx->state_dirfd, c->id, &l.st, err);
  if (r < 0) {
    while (l.st.n > before)
      sp_state_remove_at(&l.st, l.st.n - 1);
    if (running) {
      sp_error e = {0};
      if (ctr_detach(ctx, &t, c->id, binds, n, &e) < 0)
        sp_log(ctx, SHAREDPATH_LOG_ERROR, "container %s: rollback: %s",
               c->id, e.msg);
    }
    host_rollback(ctx, c->id, binds, created, n);
  }
  sp_target_close(&t);
  if (r == 0)
    sp_log(ctx, SHAREDPATH_LOG_INFO, "container %s: added %zu path(s)%s",
           c->id, n, running ? "" : " (applied at next start)");
out:
  binds_free(binds, n);
  return r;
}

int sp_remove(sp_ctx *ctx, const struct sharedpath_container *c,
              const char *const *specs, size_t n, sp_error *err) {
  int r;
  if ((r = check_container(c, err)) < 0)
    return r;
  sp_bind *req = NULL;
  if ((r = parse_batch(specs, n, true, &req, err)) < 0)
    return r;
  _cleanup_locked_ locked l;
  sp_state next = {0};
  sp_bind *gone = NULL;
  bool *detached = NULL;
  if ((r = lock_and_load(ctx, c->id, &l, err)) < 0)
    goto out;
  if (!l.exists) {
    r = sp_fail(err, -ENOENT, "container '%s' is unknown", c->id);
    goto out;
  }
  gone = calloc(n, sizeof(*gone));
  detached = calloc(n, sizeof(bool));
  if (!gone || !detached) {
    r = sp_fail(err, -ENOMEM, "out of memory");
    goto out;
  }
  /* Resolve each request to its state entry; gone[] are copies. */
  for (size_t i = 0; i < n; i++) {
    const sp_bind *e = find_ctr(&l.st, req[i].ctr);
    if (!e) {
      r = sp_fail(err, -ENOENT, "container '%s' has no path at %s", c->id,
                  req[i].ctr);
      goto out;
    }
    if (req[i].host && strcmp(req[i].host, e->host) != 0) {
      r = sp_fail(err, -ENOENT, "container path %s takes host path %s, not "
                  "%s", req[i].ctr, e->host, req[i].host);
      goto out;
    }
    gone[i] = *e;
    gone[i].host = strdup(e->host);
    gone[i].ctr = strdup(e->ctr);
    if (!gone[i].host || !gone[i].ctr) {
      r = sp_fail(err, -ENOMEM, "out of memory");
      goto out;
    }
  }
  if ((r = sp_state_copy(&l.st, &next, err)) < 0)
    goto out;
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < next.n; j++)
      if (strcmp(next.paths[j].ctr, gone[i].ctr) == 0) {
        sp_state_remove_at(&next, j);
        break;
      }
  bool running = c->pid > 0;
  sp_target t = {.pidfd = -1, .rootfd = -1};
  if (running) {
    if ((r = sp_target_open(c, &t, err)) < 0)
      goto out;
    if ((r = ctr_detach(ctx, &t, c->id, gone, n, err)) < 0) {
      sp_target_close(&t);
      goto out;
    }
  }
  /* Host binds still used by a remaining path stay (reference count). */
  for (size_t i = 0; i < n && r == 0; i++) {
    if (find_host(next.paths, next.n, gone[i].host) ||
        find_host(gone, i, gone[i].host))
      continue;
    r = sp_host_detach(ctx, c->id, gone[i].hash, err);
    if (r == 0)
      detached[i] = true;
  }
  if (r == 0)
    r = sp_state_save(ctx->state_dirfd, c->id, &next, err);
  if (r < 0) {
    /* Put back what we took: host side first, then the container side. */
    for (size_t i = 0; i < n; i++)
      if (detached[i]) {
        sp_ident ident;
        bool made;
        sp_error e = {0};
        if (sp_host_attach(ctx, c->id, &gone[i], &ident, &made, &e) < 0)
          sp_log(ctx, SHAREDPATH_LOG_ERROR, "container %s: rollback: %s",
                 c->id, e.msg);
      }
    if (running) {
      sp_error e = {0};
      if (ctr_attach(ctx, &t, c->id, gone, n, &e) < 0)
        sp_log(ctx, SHAREDPATH_LOG_ERROR, "container %s: rollback: %s",
               c->id, e.msg);
    }
  }
  sp_target_close(&t);
  if (r == 0)
    sp_log(ctx, SHAREDPATH_LOG_INFO, "container %s: removed %zu path(s)",
           c->id, n);
out:
  sp_state_free(&next);
  if (gone)
    binds_free(gone, n);
  free(detached);
  binds_free(req, n);
  return r;
}

int sp_list(sp_ctx *ctx, const char *id, char **out, sp_error *err) {
  int r;
  if ((r = sp_id_validate(id, err)) < 0)
    return r;
  _cleanup_locked_ locked l;
  if ((r = lock_and_load(ctx, id, &l, err)) < 0)
    return r;
  if (!l.exists)
    return sp_fail(err, -ENOENT, "container '%s' is unknown", id);
  return sp_state_to_json(&l.st, id, false, out, err);
}

int sp_delete(sp_ctx *ctx, const struct sharedpath_container *c,
              sp_error *err) {
  int r;
  if ((r = check_container(c, err)) < 0)
    return r;
  _cleanup_locked_ locked l = {.lockfd = -1};
  if ((r = sp_state_lock(ctx->state_dirfd, c->id, &l.lockfd, err)) < 0)
    return r;
  sp_error lerr = {0};
  if (sp_state_load(ctx->state_dirfd, c->id, &l.st, &l.exists, &lerr) < 0)
    /* Delete goes on from the mount table; a corrupt state file must not
     * keep a container's mounts alive forever. */
    sp_log(ctx, SHAREDPATH_LOG_WARNING, "container %s: ignoring state on "
           "delete: %s", c->id, lerr.msg);
  if (c->pid > 0 && l.st.n > 0) {
    sp_target t;
    if (sp_target_open(c, &t, NULL) == 0) {
      r = ctr_detach(ctx, &t, c->id, l.st.paths, l.st.n, err);
      sp_target_close(&t);
      if (r < 0)
        return sp_wrap(err, "deleting container '%s'", c->id);
    }
  }
  if ((r = sp_container_dirs_remove(ctx, c->id, err)) < 0)
    return sp_wrap(err, "deleting container '%s'", c->id);
  if ((r = sp_state_unlink(ctx->state_dirfd, c->id, err)) < 0)
    return r;
  sp_state_lock_unlink(ctx->state_dirfd, c->id);
  sp_log(ctx, SHAREDPATH_LOG_INFO, "container %s: deleted", c->id);
  return 0;
}
