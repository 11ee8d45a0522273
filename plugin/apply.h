/* SPDX-License-Identifier: Apache-2.0 */
/* Applying binds and undoing them, all or nothing: the host side
 * (mounts.h) for a batch, and the container side (ctrops.h) with the
 * inverse of what took effect run on failure.  A failed undo sets
 * *unclean: the caller then leaves the intent on disk and the next call
 * for the container finishes the job (recovery.h). */
#ifndef SP_APPLY_H
#define SP_APPLY_H
#include "ctrops.h"
#include "mounts.h"
#include "state.h"

/* Make sure every bind in binds has its host side; created[i] tells
 * whether this call made it, idents[i] what it shows (for the container
 * side).  On failure the binds made so far are undone. */
int sp_host_attach_all(sp_ctx *ctx, const char *id, const sp_bind *binds,
                       size_t n, bool *created, sp_ident *idents,
                       bool *unclean, sp_error *err) SP_HIDDEN;
/* The same for binds a previous call attached (on_start): a bind whose
 * host side is intact is only checked, cheaply; created[i] false. */
int sp_host_reattach_all(sp_ctx *ctx, const char *id, const sp_bind *binds,
                         size_t n, bool *created, sp_ident *idents,
                         bool *unclean, sp_error *err) SP_HIDDEN;
/* Undo the host binds created[] marks, last first. */
void sp_host_rollback(sp_ctx *ctx, const char *id, const sp_bind *binds,
                      const bool *created, size_t n,
                      bool *unclean) SP_HIDDEN;

/* Put binds into the running container t, or take them out.  An attach
 * whose target already shows the bind leaves it (recovery re-runs it) and
 * records each new mount's id in binds[i].mnt_id; a detach only ever
 * unmounts our own mount.  idents (attach; NULL: looked up) are what
 * sp_host_attach_all found.  held (may be NULL): the container's state,
 * whose other paths' mounts are never taken for these binds' own. */
int sp_ctr_attach(sp_ctx *ctx, const sp_target *t, const char *id,
                  sp_bind *binds, const sp_ident *idents, size_t n,
                  const sp_state *held, bool *unclean,
                  sp_error *err) SP_HIDDEN;
/* sp_ctr_attach that tells which binds it mounted (made[i]; false for
 * one already there), and the undo of exactly those. */
int sp_ctr_attach_made(sp_ctx *ctx, const sp_target *t, const char *id,
                       sp_bind *binds, const sp_ident *idents, size_t n,
                       const sp_state *held, bool *made, bool *unclean,
                       sp_error *err) SP_HIDDEN;
void sp_ctr_undo_made(sp_ctx *ctx, const sp_target *t, const char *id,
                      const sp_bind *binds, const bool *made, size_t n,
                      bool *unclean) SP_HIDDEN;
int sp_ctr_detach(sp_ctx *ctx, const sp_target *t, const char *id,
                  sp_bind *binds, size_t n, const sp_state *held,
                  bool *unclean, sp_error *err) SP_HIDDEN;
#endif
