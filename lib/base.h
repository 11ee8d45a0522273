/* SPDX-License-Identifier: Apache-2.0 */
/* Internal helpers shared by the plugin sources: errors, cleanup, logging. */
#ifndef SP_UTIL_H
#define SP_UTIL_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "sharedpath/plugin.h"

#define SP_HIDDEN __attribute__((visibility("hidden")))

/* The plugin's own error object; copied into the host's struct, which may be
 * smaller or larger, at the ABI boundary. */
typedef struct sp_error {
  int code;
  char msg[SHAREDPATH_ERROR_MESSAGE_MAX];
} sp_error;

/* Fill err (if not NULL) and return code (a negative errno). */
int sp_fail(sp_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4))) SP_HIDDEN;
/* Same, appending ": strerror(-code)". */
int sp_fail_errno(sp_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4))) SP_HIDDEN;
/* Prefix an existing message with more context. */
int sp_wrap(sp_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3))) SP_HIDDEN;

static inline void sp_freep(void *p) { free(*(void **)p); }
static inline void sp_closep(int *fd) {
  if (*fd >= 0) {
    int saved = errno;
    close(*fd);
    errno = saved;
  }
}
static inline void sp_fclosep(FILE **f) {
  if (*f)
    fclose(*f);
}
#define _cleanup_free_ __attribute__((cleanup(sp_freep)))
#define _cleanup_close_ __attribute__((cleanup(sp_closep)))
#define _cleanup_fclose_ __attribute__((cleanup(sp_fclosep)))

/* Hand ownership out of a cleanup variable. */
#define TAKE_PTR(p)                                                            \
  ({                                                                           \
    __typeof__(p) _tp = (p);                                                   \
    (p) = NULL;                                                                \
    _tp;                                                                       \
  })
#define TAKE_FD(fd)                                                            \
  ({                                                                           \
    int _tf = (fd);                                                            \
    (fd) = -1;                                                                 \
    _tf;                                                                       \
  })

#define SP_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
