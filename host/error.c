/* SPDX-License-Identifier: Apache-2.0 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* The message within the size the struct's owner declared, like a
 * plugin writes it. */
__attribute__((format(printf, 4, 0))) static void
vfill(struct sharedpath_error *e, int code, bool with_errno, const char *fmt,
      va_list ap) {
  if (!e)
    return;
  if (SHAREDPATH_HAS(e, code))
    e->code = code;
  size_t off = offsetof(struct sharedpath_error, message);
  if (e->size <= off)
    return;
  size_t room = e->size - off;
  if (room > sizeof(e->message))
    room = sizeof(e->message);
  int n = vsnprintf(e->message, room, fmt, ap);
  if (with_errno && n >= 0 && (size_t)n < room)
    snprintf(e->message + n, room - (size_t)n, ": %s", strerror(-code));
}

int sph_fail(struct sharedpath_error *e, int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vfill(e, code, false, fmt, ap);
  va_end(ap);
  return code;
}

int sph_fail_errno(struct sharedpath_error *e, int code, const char *fmt,
                   ...) {
  va_list ap;
  va_start(ap, fmt);
  vfill(e, code, true, fmt, ap);
  va_end(ap);
  return code;
}

const char *sph_strerror(const struct sharedpath_error *e, int r) {
  if (e && e->size > offsetof(struct sharedpath_error, message) &&
      e->message[0])
    return e->message;
  return strerror(r < 0 ? -r : r);
}
