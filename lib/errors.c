/* SPDX-License-Identifier: Apache-2.0 */
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>

#include "errors.h"

__attribute__((format(printf, 4, 0))) static void
vfill(sp_error *err, int code, bool with_errno, const char *fmt, va_list ap) {
  if (!err)
    return;
  err->code = code;
  int n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
  if (with_errno && n >= 0 && (size_t)n < sizeof(err->msg))
    snprintf(err->msg + n, sizeof(err->msg) - (size_t)n, ": %s",
             strerror(-code));
}

int sp_fail(sp_error *err, int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vfill(err, code, false, fmt, ap);
  va_end(ap);
  return code;
}

int sp_fail_errno(sp_error *err, int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vfill(err, code, true, fmt, ap);
  va_end(ap);
  return code;
}

int sp_wrap(sp_error *err, int code, const char *fmt, ...) {
  if (!err)
    return code;
  char prefix[SHAREDPATH_ERROR_MESSAGE_MAX];
  char old[SHAREDPATH_ERROR_MESSAGE_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(prefix, sizeof(prefix), fmt, ap);
  va_end(ap);
  memcpy(old, err->msg, sizeof(old));
  snprintf(err->msg, sizeof(err->msg), "%s: %s", prefix, old);
  err->code = code;
  return code;
}
