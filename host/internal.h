/* SPDX-License-Identifier: Apache-2.0 */
/* What the library's files share and do not export. */
#ifndef SPH_INTERNAL_H
#define SPH_INTERNAL_H

#include <errno.h>

#include "sharedpath/host.h"

#define SPH_HIDDEN __attribute__((visibility("hidden")))

/* Fill e (if not NULL) with code and a message; returns code. */
int sph_fail(struct sharedpath_error *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4))) SPH_HIDDEN;
/* Same, appending ": strerror(-code)". */
int sph_fail_errno(struct sharedpath_error *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4))) SPH_HIDDEN;

#endif
