/* SPDX-License-Identifier: Apache-2.0 */
/* Resolving a path inside a root where openat2 (5.6) is missing, as
 * strictly as RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS: one component at a
 * time from the root with O_PATH|O_NOFOLLOW; a symlink's text followed
 * inside the root (an absolute one from the root itself), at most
 * SP_WALK_MAX_LINKS of them; ".." never above the root (it drops the last
 * component of what was resolved and opens that again from the root, so
 * a directory moved meanwhile cannot lead out); a magic link (a procfs
 * or sysfs symlink that reads back absolute or as "type:[...]") refused
 * (ELOOP).  Only ever text is followed, never the kernel's jump, so no
 * symlink can lead out of the root.  Mounts on the way are crossed, as
 * every lookup does.  System calls and string functions only: it runs in
 * the container-side child. */
#ifndef SP_WALK_H
#define SP_WALK_H
#include <limits.h>

#include "base.h"

#define SP_WALK_MAX_LINKS 40
/* Any symlink on the way: -ELOOP (as RESOLVE_NO_SYMLINKS). */
#define SP_WALK_NO_SYMLINKS 1u

/* The walk's room, lent by the caller (the child may not allocate). */
typedef struct sp_walk_buf {
  char todo[PATH_MAX]; /* what is left to resolve */
  char done[PATH_MAX]; /* what was resolved, from the root: no symlinks */
  char link[PATH_MAX];
} sp_walk_buf;

/* An O_PATH|O_CLOEXEC fd of path inside rootfd's tree, or -errno.
 * oflags: O_DIRECTORY or 0.  parent (may be NULL): the directory the last
 * name was looked up in (O_PATH), or -1 when the path ended at the root
 * or in "." or "..".  -EAGAIN: a directory resolved before changed under
 * a "..": try again. */
int sp_walk(int rootfd, const char *path, int oflags, unsigned int flags,
            sp_walk_buf *b, int *parent) SP_HIDDEN;
#endif
