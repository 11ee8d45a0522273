/* SPDX-License-Identifier: Apache-2.0 */
/* Small helpers of the sharedpath command: an error object in the crun
 * style (functions return 0 or a negative errno and fill it), cleanup
 * attributes, and file I/O done safely (bounded reads, atomic writes). */
#ifndef SPC_UTIL_H
#define SPC_UTIL_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

#include "sharedpath/plugin.h"

typedef struct spc_err {
  char msg[SHAREDPATH_ERROR_MESSAGE_MAX];
} spc_err;

/* Fill e (may be NULL) and return code, a negative errno. */
int spc_fail(spc_err *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Same, appending ": strerror(-code)". */
int spc_fail_errno(spc_err *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Prefix e's message with context ("context: message"); returns code. */
int spc_wrap(spc_err *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static inline void spc_freep(void *p) { free(*(void **)p); }
static inline void spc_closep(int *fd) {
  if (*fd >= 0) {
    int saved = errno;
    close(*fd);
    errno = saved;
  }
}
#define _cleanup_free_ __attribute__((cleanup(spc_freep)))
#define _cleanup_close_ __attribute__((cleanup(spc_closep)))
#define TAKE_PTR(p)                                                            \
  ({                                                                           \
    __typeof__(p) _tp = (p);                                                   \
    (p) = NULL;                                                                \
    _tp;                                                                       \
  })

/* Read all of fd, at most max bytes (more is an error), NUL-terminated.
 * what names the input in messages. */
int spc_read_fd(int fd, size_t max, const char *what, char **out,
                size_t *len, spc_err *e);
/* Read a regular file (a symlink is refused), at most max bytes. */
int spc_read_file(const char *path, size_t max, char **out, size_t *len,
                  spc_err *e);
/* Replace path with data atomically: a temp file in the same directory,
 * written, fsync'ed, renamed over path, then the directory fsync'ed.
 * On failure path is untouched. */
int spc_write_atomic(const char *path, const char *data, size_t len,
                     mode_t mode, spc_err *e);
/* mkdir that accepts an existing directory (not a symlink). */
int spc_mkdir(const char *path, mode_t mode, spc_err *e);

/* [A-Za-z0-9][A-Za-z0-9_.-]{0,127}: ids are used in file names. */
int spc_id_validate(const char *id, spc_err *e);

#endif
