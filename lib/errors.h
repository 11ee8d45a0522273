/* SPDX-License-Identifier: Apache-2.0 */
/* The error object of the plugin and the command, in the crun style:
 * functions return 0 or a negative errno and fill an sp_error with the
 * same code and a message a person can act on.  The plugin copies it into
 * the host's struct sharedpath_error at the ABI boundary (entry.c), which
 * may be smaller or larger. */
#ifndef SP_ERRORS_H
#define SP_ERRORS_H

#include "base.h"
#include "sharedpath/plugin.h"

typedef struct sp_error {
  int code; /* negative errno */
  char msg[SHAREDPATH_ERROR_MESSAGE_MAX];
} sp_error;

/* Fill err (if not NULL) and return code, a negative errno. */
int sp_fail(sp_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4))) SP_HIDDEN;
/* Same, appending ": strerror(-code)". */
int sp_fail_errno(sp_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4))) SP_HIDDEN;
/* Prefix err's message with context ("context: message"), set its code;
 * returns code. */
int sp_wrap(sp_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4))) SP_HIDDEN;

#endif
