/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SP_SPEC_H
#define SP_SPEC_H
#include "errors.h"

/* Return in *out (malloc'd) the OCI spec text `in` with exactly one mount at
 * /.sharedpath: a read-only rslave rbind of `source`.  An existing mount at
 * /.sharedpath is replaced, everything else is kept as it was. */
int sp_spec_add_mount(const char *in, const char *source, char **out,
                      sp_error *err) SP_HIDDEN;
#endif
