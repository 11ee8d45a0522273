/* SPDX-License-Identifier: Apache-2.0 */
/* Mount work inside a running container: bind the copy of a host path that
 * propagated to the container's /.sharedpath/<h> onto a container path,
 * or take our mount off one, resolving every path inside the container's
 * root (openat2 RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS, or the walk of
 * walk.h where the kernel has no openat2) so that a symlink in the
 * container never turns a bind onto the host.  Each step takes the
 * target's mechanisms (kernel.h): the new mount API or mount(2) by fd
 * path, statmount or the container's mountinfo. */
#ifndef SP_CTROPS_H
#define SP_CTROPS_H
#include <stdint.h>

#include "mounts.h"
#include "nsexec.h"

typedef struct sp_ctr_op {
  bool attach;      /* true: bind /.sharedpath/<hash> onto target;
                     * false: unmount target */
  const char *hash; /* attach: the host path's hash (its master bind) */
  sp_opts opts;     /* attach: ro and propagation of the new mount */
  const char *target; /* cleaned absolute path inside the container */
  sp_ident ident;   /* what the mount shows (dev/ino, dir or file) */
  /* out */
  int result;       /* 0 or -errno */
  int stage;        /* which step failed (see ctrchild.h) */
  mode_t found;     /* the target's type, when it was the wrong one */
  bool did;         /* this call changed the mount table for this op */
  /* The container-side mount's id, 0 if unknown: the unique one (6.8+)
   * or the reusable one (mntid.h).  Attach reports it, detach uses it to
   * find the mount wherever renames inside the container have moved it. */
  uint64_t mnt_id;
} sp_ctr_op;

/* Run ops in order inside the container, stopping at the first failure:
 * the failing op's result says why, `did` tells which ops changed the
 * mount table (the caller undoes those), and the call returns the error
 * with a message.  held: the container's paths besides (the state), so
 * that a mount of the same host path that belongs to another of them is
 * never taken for an op's own.  shared (may be NULL): the container's
 * master dir, as the host sees it; where the container's /.sharedpath is a
 * view of it, each attach finds its copy there by name.  procfd: the
 * host's /proc (the context's, kept open), or -1 to open it when needed. */
int sp_ctr_run(const sp_target *t, sp_ctr_op *ops, size_t n,
               const sp_bind *held, size_t nheld, const sp_ident *shared,
               int procfd, sp_error *err) SP_HIDDEN;
#endif
