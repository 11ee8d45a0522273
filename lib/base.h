/* SPDX-License-Identifier: Apache-2.0 */
/* The base of the plugin and the command: symbol visibility, cleanup
 * attributes and handing ownership out of them.  Every cleanup variable
 * is initialized where it is declared (NULL, -1), so a return or a goto
 * before it is set frees nothing that is not there. */
#ifndef SP_BASE_H
#define SP_BASE_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* Internal: never part of a shared object's interface. */
#define SP_HIDDEN __attribute__((visibility("hidden")))

#define SP_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

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
#define _cleanup_(fn) __attribute__((cleanup(fn)))
#define _cleanup_free_ _cleanup_(sp_freep)
#define _cleanup_close_ _cleanup_(sp_closep)
#define _cleanup_fclose_ _cleanup_(sp_fclosep)

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

#endif
