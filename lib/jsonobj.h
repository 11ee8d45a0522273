/* SPDX-License-Identifier: Apache-2.0 */
/* JSON text in, one json-c object out: OCI specs and states, state files,
 * process records.  One parser for all of them, strict and bounded, so
 * none of them can drift into accepting what another refuses. */
#ifndef SP_JSONOBJ_H
#define SP_JSONOBJ_H

#include <json-c/json.h>

#include "errors.h"

static inline void sp_json_putp(json_object **o) {
  if (*o)
    json_object_put(*o);
}
#define _cleanup_json_ _cleanup_(sp_json_putp)

/* Parse text[0..len) as exactly one JSON object: json-c's strict mode (no
 * comments, trailing commas, or numbers like 01e), nothing after it but
 * blanks, no NUL byte.  what names the input in messages ("OCI spec", a path). */
int sp_json_object_parse(const char *text, size_t len, const char *what,
                         json_object **out, sp_error *err) SP_HIDDEN;

/* The integer member "version" of o, which every record of ours starts
 * with; what names the record in the message when it is missing. */
int sp_json_version(json_object *o, const char *what, int64_t *out,
                    sp_error *err) SP_HIDDEN;

#endif
