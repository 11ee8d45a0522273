/* SPDX-License-Identifier: Apache-2.0 */
#include <stdint.h>
#include <string.h>

#include "jsonobj.h"

int sp_json_object_parse(const char *text, size_t len, const char *what,
                         json_object **out, sp_error *err) {
  if (!text)
    return sp_fail(err, -EINVAL, "%s is NULL", what);
  if (len > INT32_MAX)
    return sp_fail(err, -EFBIG, "%s is larger than 2 GiB", what);
  if (memchr(text, '\0', len))
    return sp_fail(err, -EINVAL, "%s contains a NUL byte", what);
  json_tokener *tok = json_tokener_new();
  if (!tok)
    return sp_fail(err, -ENOMEM, "out of memory");
  /* Strict: json-c otherwise takes comments, trailing commas and numbers
   * like 01e, and writes some back as text no other parser accepts (json-c
   * 0.16 still takes single-quoted keys and NaN when strict).  It stops
   * after the object: what follows is checked below, by name. */
  json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
                                  JSON_TOKENER_ALLOW_TRAILING_CHARS);
  /* An explicit length: with -1, json-c may count the terminating NUL as
   * consumed (after a trailing comment or number), and the check for
   * trailing data below would read past the end. */
  _cleanup_json_ json_object *o = json_tokener_parse_ex(tok, text, (int)len);
  enum json_tokener_error jerr = json_tokener_get_error(tok);
  size_t end = json_tokener_get_parse_end(tok);
  json_tokener_free(tok);
  if (jerr != json_tokener_success)
    return sp_fail(err, -EINVAL, "%s is not valid JSON: %s", what,
                   jerr == json_tokener_continue
                       ? "it ends before the JSON is complete"
                       : json_tokener_error_desc(jerr));
  if (end > len)
    end = len;
  while (end < len && (text[end] == ' ' || text[end] == '\t' ||
                       text[end] == '\r' || text[end] == '\n'))
    end++;
  if (end != len)
    return sp_fail(err, -EINVAL, "%s has trailing data after the JSON "
                   "object", what);
  if (!o || !json_object_is_type(o, json_type_object))
    return sp_fail(err, -EINVAL, "%s is not a JSON object", what);
  *out = TAKE_PTR(o);
  return 0;
}

int sp_json_version(json_object *o, const char *what, int64_t *out,
                    sp_error *err) {
  json_object *v;
  if (!json_object_object_get_ex(o, "version", &v) ||
      !json_object_is_type(v, json_type_int))
    return sp_fail(err, -EINVAL, "%s has no integer \"version\"", what);
  *out = json_object_get_int64(v);
  return 0;
}
