/* SPDX-License-Identifier: Apache-2.0 */
/* Container ids: [A-Za-z0-9][A-Za-z0-9_.-]{0,127}, never "." or "..".
 * They become file and directory names, so every entry point checks them
 * before anything is joined into a path. */
#ifndef SP_ID_H
#define SP_ID_H

#include "errors.h"

#define SP_ID_MAX 128

/* 0, or -EINVAL with a message naming the offending byte. */
int sp_id_validate(const char *id, sp_error *err) SP_HIDDEN;

#endif
