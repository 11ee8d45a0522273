/* SPDX-License-Identifier: Apache-2.0 */
/* Host-side mounts: the master tmpfs, per-container dirs, and the
 * host -> mid -> master binds.  All in the caller's mount namespace. */
#ifndef SP_MOUNTS_H
#define SP_MOUNTS_H
#include <sys/types.h>

#include "context.h"
#include "rules.h"

/* The mode of the shared root and of every dir under it: root's alone. */
#define SP_ROOT_MODE 0700

/* Mount <root>/master once (tmpfs 0700, size-limited, shared) under a private
 * self-bind of <root>, so nothing we mount propagates to the host's peers.
 * A master already mounted gets 0700 on itself and its container dirs. */
int sp_master_prepare(const sp_ctx *ctx, sp_error *err) SP_HIDDEN;

/* master/<id> as its own shared mount (its own peer group, so a bind under
 * it propagates to that one container only) and midpath/<id>. */
int sp_container_dirs_create(const sp_ctx *ctx, const char *id,
                             sp_error *err) SP_HIDDEN;
/* Unmount anything left under master/<id> and midpath/<id> (deepest first),
 * then remove the dirs; never removes anything with a mount on or below. */
int sp_container_dirs_remove(const sp_ctx *ctx, const char *id,
                             sp_error *err) SP_HIDDEN;

/* Identity of a host path's bind: the root dentry a bind of it shows. */
typedef struct sp_ident {
  dev_t dev;
  ino_t ino;
  bool is_dir;
} sp_ident;

/* Bind host -> midpath/<id>/<h> -> master/<id>/<h> unless already there.
 * *created tells whether this call mounted them (for rollback). */
int sp_host_attach(const sp_ctx *ctx, const char *id, const sp_bind *b,
                   sp_ident *ident, bool *created, sp_error *err) SP_HIDDEN;
/* Identity of an attached hash, read from master/<id>/<h>. */
int sp_host_ident(const sp_ctx *ctx, const char *id, const char *hash,
                  sp_ident *ident, sp_error *err) SP_HIDDEN;
/* Unmount master/<id>/<h> then midpath/<id>/<h>; remove the mount points.
 * Not mounted is fine; a failed unmount is an error and nothing is
 * removed. */
int sp_host_detach(const sp_ctx *ctx, const char *id, const char *hash,
                   sp_error *err) SP_HIDDEN;

/* 1 if path is the root of a mount, 0 if not, -errno on error (by the
 * context's mechanisms). */
int sp_is_mountpoint(const sp_ctx *ctx, int dirfd,
                     const char *path) SP_HIDDEN;
#endif
