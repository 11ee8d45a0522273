/* SPDX-License-Identifier: Apache-2.0 */
/* File I/O done safely: whole reads and writes (EINTR and short counts
 * handled), bounded reads of regular files, atomic replacement, mkdir.
 * Writes, creates and renames are fault-injection steps (fault.h). */
#ifndef SP_FILEIO_H
#define SP_FILEIO_H

#include <dirent.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "errors.h"

/* Write all of data: at offset off (pwrite), or at the file position when
 * off is negative.  0 or -errno.  Each write is a fault-injection step. */
int sp_write_all(int fd, const void *data, size_t len, off_t off) SP_HIDDEN;

/* Read fd to its end, from offset off (pread), or from the file position
 * when off is negative; more than max bytes is -EFBIG.  *out is
 * NUL-terminated and holds no other NUL (-EINVAL); *len (unless NULL) is
 * its length.  what names the input in messages. */
int sp_read_all(int fd, off_t off, size_t max, const char *what, char **out,
                size_t *len, sp_error *err) SP_HIDDEN;
/* The same for the regular file name in dirfd (AT_FDCWD: a path), not
 * through a symlink; one larger than max is refused unread.  A missing
 * file is -ENOENT, with a message like any other error. */
int sp_read_file_at(int dirfd, const char *name, size_t max, const char *what,
                    char **out, size_t *len, sp_error *err) SP_HIDDEN;

/* SP_WRITE_EXACT_MODE: set the mode with fchmod, not through the umask. */
#define SP_WRITE_EXACT_MODE 1u

/* Replace name in dirfd with data atomically: written to tmp (a name in
 * dirfd that no other writer uses meanwhile: the caller holds a lock, or
 * it is the process's own), fsync'ed, renamed over name, then dirfd
 * fsync'ed.  tmp is always a new inode (O_EXCL), so its mode is mode and a
 * stale hard link left there is never written through: a stale tmp (a
 * crash) is unlinked and the create tried again; the usual case pays no
 * unlink of a missing name.  *keep_fd (unless NULL) gets the written file,
 * renamed into place; the caller closes it.  On failure name is
 * untouched. */
int sp_write_atomic_at(int dirfd, const char *name, const char *tmp,
                       const void *data, size_t len, mode_t mode,
                       unsigned int flags, int *keep_fd,
                       sp_error *err) SP_HIDDEN;
/* The same for a path, with exactly mode, through a temp file beside it
 * named after the path and the process. */
int sp_write_atomic(const char *path, const void *data, size_t len,
                    mode_t mode, sp_error *err) SP_HIDDEN;

/* mkdir that accepts an existing directory (not a symlink to one): 0 when
 * it made it, 1 when it was there (*existing, unless NULL, is its stat). */
int sp_mkdir(const char *path, mode_t mode, struct stat *existing,
             sp_error *err) SP_HIDDEN;
/* mkdir -p: parents 0755, the last one last_mode; existing ones are
 * fine. */
int sp_mkdir_p(const char *path, mode_t last_mode, sp_error *err) SP_HIDDEN;

/* Open dir, not through a symlink, to walk its entries: *fd for the *at
 * calls on them (the caller closes it), *d a stream over a dup of it
 * (closedir closes only that).  1 when open, 0 when dir does not exist
 * (nothing opened), or -errno with a message. */
int sp_dir_open(const char *dir, int *fd, DIR **d, sp_error *err) SP_HIDDEN;

#endif
