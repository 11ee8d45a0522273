/* SPDX-License-Identifier: Apache-2.0 */
/* Applying binds and undoing them: the host side (host -> mid -> master)
 * and the container side (sp_ctr_run), all or nothing. */
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "apply.h"

/* Undo host binds this call made.  A failed undo leaves *unclean set: the
 * intent then stays on disk and the next call finishes the job. */
void sp_host_rollback(sp_ctx *ctx, const char *id, const sp_bind *binds,
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

/* The container's master dir as the host sees it, for the child to tell
 * that the container's /.sharedpath is a view of it (sp_ctr_run); NULL
 * where it cannot be read (the child then resolves each copy from the
 * container's root). */
static const sp_ident *master_ident(const sp_ctx *ctx, const char *id,
                                    sp_ident *out) {
  char m[PATH_MAX];
  struct stat sb;
  if (snprintf(m, sizeof(m), "%s/%s", ctx->master, id) >= (int)sizeof(m) ||
      stat(m, &sb) < 0)
    return NULL;
  *out = (sp_ident){sb.st_dev, sb.st_ino, true};
  return out;
}

/* Run ops in the container; on failure run the inverse of those that took
 * effect. */
static int ctr_apply(sp_ctx *ctx, const sp_target *t, const char *id,
                     const sp_bind *binds, sp_ctr_op *ops, size_t n,
                     const sp_state *held, bool *unclean, sp_error *err) {
  const sp_bind *hv = held ? held->paths : NULL;
  size_t hn = held ? held->n : 0;
  /* Attaches find their copies in /.sharedpath, and so does the put-back
   * of detaches that failed: by name, once the child has checked
   * /.sharedpath is the master dir's view (one stat here, one resolve and
   * one statx there, per call), which pays from two attaches on; one is
   * resolved by its path. */
  sp_ident mi;
  const sp_ident *shared = NULL;
  size_t attaches = 0;
  for (size_t i = 0; i < n; i++)
    attaches += ops[i].attach;
  if (attaches > 1)
    shared = master_ident(ctx, id, &mi);
  int r = sp_ctr_run(t, ops, n, hv, hn, shared, ctx->procfd, err);
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
    /* What was taken out is put back from the master bind's copy in the
     * container, as an attach makes it. */
    inv[k] = ops[i];
    inv[k].attach = !ops[i].attach;
    inv[k].hash = binds[i].hash;
    inv[k].opts = binds[i].opts;
    k++;
  }
  sp_error e = {0};
  if (k > 1 && !shared)
    shared = master_ident(ctx, id, &mi);
  if (k && sp_ctr_run(t, inv, k, hv, hn, shared, ctx->procfd, &e) < 0) {
    sp_log(ctx, SHAREDPATH_LOG_ERROR, "container %s: rollback: %s", id, e.msg);
    *unclean = true;
  }
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
                      const sp_state *held, bool attach, bool *made,
                      bool *unclean, sp_error *err) {
  _cleanup_free_ sp_ctr_op *ops = calloc(n ? n : 1, sizeof(*ops));
  if (!ops)
    return sp_fail(err, -ENOMEM, "out of memory");
  int r = 0;
  for (size_t i = 0; i < n; i++)
    ops[i] = (sp_ctr_op){.attach = attach, .hash = binds[i].hash,
                         .opts = binds[i].opts, .target = binds[i].ctr,
                         .mnt_id = attach ? 0 : binds[i].mnt_id};
  for (size_t i = 0; i < n && r == 0; i++) {
    if (idents)
      ops[i].ident = idents[i];
    else
      r = bind_ident(ctx, id, &binds[i], &ops[i].ident, err);
  }
  if (r == 0)
    r = ctr_apply(ctx, t, id, binds, ops, n, held, unclean, err);
  /* Where each new mount is: the state records it for the remove. */
  for (size_t i = 0; r == 0 && attach && i < n; i++) {
    binds[i].mnt_id = ops[i].mnt_id;
    if (made)
      made[i] = ops[i].did;
  }
  return r;
}

int sp_ctr_attach(sp_ctx *ctx, const sp_target *t, const char *id,
                  sp_bind *binds, const sp_ident *idents, size_t n,
                  const sp_state *held, bool *unclean, sp_error *err) {
  return ctr_change(ctx, t, id, binds, idents, n, held, true, NULL, unclean,
                    err);
}

int sp_ctr_attach_made(sp_ctx *ctx, const sp_target *t, const char *id,
                       sp_bind *binds, const sp_ident *idents, size_t n,
                       const sp_state *held, bool *made, bool *unclean,
                       sp_error *err) {
  return ctr_change(ctx, t, id, binds, idents, n, held, true, made, unclean,
                    err);
}

int sp_ctr_detach(sp_ctx *ctx, const sp_target *t, const char *id,
                  sp_bind *binds, size_t n, const sp_state *held,
                  bool *unclean, sp_error *err) {
  return ctr_change(ctx, t, id, binds, NULL, n, held, false, NULL, unclean,
                    err);
}

void sp_ctr_undo_made(sp_ctx *ctx, const sp_target *t, const char *id,
                      const sp_bind *binds, const bool *made, size_t n,
                      bool *unclean) {
  _cleanup_free_ sp_bind *undo = calloc(n ? n : 1, sizeof(*undo));
  size_t k = 0;
  for (size_t i = 0; undo && i < n; i++)
    if (made[i])
      undo[k++] = binds[i]; /* shallow: binds owns the strings */
  sp_error e = {0};
  if (!undo ||
      (k && sp_ctr_detach(ctx, t, id, undo, k, NULL, unclean, &e) < 0)) {
    sp_log(ctx, SHAREDPATH_LOG_ERROR, "container %s: rollback: %s", id,
           undo ? e.msg : "out of memory");
    *unclean = true;
  }
}

/* The host side of b as a previous call left it: master/<id>/<h> the
 * root of a mount showing the inode the host path names now (the bind
 * sp_host_attach made, whose path passed the host-path rules then).  Two
 * statx instead of opening and checking the host path: what on_start
 * costs per saved path (its host side nearly always stayed, on_stop
 * keeps it); the master bind by its name in master/<id> (mfd, opened
 * once for every saved path).  false: anything else, for sp_host_attach
 * to look at. */
static bool host_intact(const sp_ctx *ctx, int mfd, const sp_bind *b,
                        sp_ident *ident) {
  struct statx bound, host;
  unsigned int flags = AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT;
  /* Without STATX_ATTR_MOUNT_ROOT in use, sp_host_attach tells. */
  if (!ctx->mech.statx_mount || mfd < 0 ||
      statx(mfd, b->hash, flags, STATX_TYPE | STATX_INO, &bound) < 0 ||
      !(bound.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) ||
      !(bound.stx_attributes & STATX_ATTR_MOUNT_ROOT) ||
      statx(AT_FDCWD, b->host, flags, STATX_TYPE | STATX_INO, &host) < 0 ||
      bound.stx_dev_major != host.stx_dev_major ||
      bound.stx_dev_minor != host.stx_dev_minor ||
      bound.stx_ino != host.stx_ino ||
      (!S_ISDIR(host.stx_mode) && !S_ISREG(host.stx_mode)))
    return false;
  *ident = (sp_ident){makedev(host.stx_dev_major, host.stx_dev_minor),
                      host.stx_ino, S_ISDIR(host.stx_mode)};
  return true;
}

int sp_host_reattach_all(sp_ctx *ctx, const char *id, const sp_bind *binds,
                         size_t n, bool *created, sp_ident *idents,
                         bool *unclean, sp_error *err) {
  char m[PATH_MAX];
  _cleanup_close_ int mfd = -1;
  if (snprintf(m, sizeof(m), "%s/%s", ctx->master, id) < (int)sizeof(m))
    mfd = open(m, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  for (size_t i = 0; i < n; i++) {
    created[i] = false;
    if (host_intact(ctx, mfd, &binds[i], &idents[i]))
      continue;
    int r = sp_host_attach(ctx, id, &binds[i], &idents[i], &created[i], err);
    if (r < 0) {
      sp_host_rollback(ctx, id, binds, created, i, unclean);
      return sp_wrap(err, r, "host path %s", binds[i].host);
    }
  }
  return 0;
}

/* Make sure every bind in binds has its host side; record what we made
 * and what each bind shows (idents, for the container side). */
int sp_host_attach_all(sp_ctx *ctx, const char *id, const sp_bind *binds,
                       size_t n, bool *created, sp_ident *idents,
                       bool *unclean, sp_error *err) {
  for (size_t i = 0; i < n; i++) {
    int r = sp_host_attach(ctx, id, &binds[i], &idents[i], &created[i], err);
    if (r < 0) {
      sp_host_rollback(ctx, id, binds, created, i, unclean);
      return sp_wrap(err, r, "host path %s", binds[i].host);
    }
  }
  return 0;
}

