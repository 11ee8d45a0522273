/* SPDX-License-Identifier: Apache-2.0 */
/* Unmounting what a delete finds in a dir of ours (master/<id>,
 * midpath/<id>) without reading the mount table: each entry (and the dir
 * itself) asked by statx whether it is a mount root, and detached, which
 * takes every mount below it along.  A delete so costs what the container
 * holds, not a parse of /proc/self/mountinfo, which lists every mount of
 * every container's paths on the host.  mounts.c falls back to the
 * mountinfo walk where statx cannot tell a mount root (before 5.8), and
 * when something is left mounted deeper (below a plain subdir). */
#ifndef SP_UMOUNTDIR_H
#define SP_UMOUNTDIR_H
#include "errors.h"

/* Detach (MNT_DETACH: no process can veto it) every mount stacked on dir
 * and on each of its entries.  -ENOSYS (no message) when the kernel cannot
 * tell a mount root: the caller reads the mount table instead. */
int sp_umount_dir(const char *dir, sp_error *err) SP_HIDDEN;
#endif
