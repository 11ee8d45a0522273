/* SPDX-License-Identifier: Apache-2.0 */
#include <json-c/json.h>
#include <stdint.h>
#include <string.h>

#include "spec.h"

static void put_json(json_object **o) {
  if (*o)
    json_object_put(*o);
}
#define _cleanup_json_ __attribute__((cleanup(put_json)))

int sp_spec_add_mount(const char *in, const char *source, char **out,
                      sp_error *err) {
  if (!in)
    return sp_fail(err, -EINVAL, "OCI spec is NULL");
  /* An explicit length: with -1, json-c may count the terminating NUL as
   * consumed (after a trailing comment or number), and the check for
   * trailing data below would read past the end. */
  size_t len = strlen(in);
  if (len > INT32_MAX)
    return sp_fail(err, -EFBIG, "OCI spec is larger than 2 GiB");
  json_tokener *tok = json_tokener_new();
  if (!tok)
    return sp_fail(err, -ENOMEM, "out of memory");
  /* Strict: json-c otherwise takes comments, single quotes and numbers
   * like 01e, and writes some back as text no other parser accepts. */
  json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
  _cleanup_json_ json_object *spec = json_tokener_parse_ex(tok, in, (int)len);
  enum json_tokener_error jerr = json_tokener_get_error(tok);
  size_t consumed = json_tokener_get_parse_end(tok);
  json_tokener_free(tok);
  if (!spec || jerr != json_tokener_success)
    return sp_fail(err, -EINVAL, "OCI spec is not valid JSON: %s",
                   jerr == json_tokener_continue
                       ? "it ends before the JSON is complete"
                       : json_tokener_error_desc(jerr));
  if (consumed > len)
    consumed = len;
  if (in[consumed + strspn(in + consumed, " \t\r\n")] != '\0')
    return sp_fail(err, -EINVAL, "OCI spec has trailing data after the JSON "
                   "object");
  if (!json_object_is_type(spec, json_type_object))
    return sp_fail(err, -EINVAL, "OCI spec is not a JSON object");

  json_object *mounts = NULL;
  if (!json_object_object_get_ex(spec, "mounts", &mounts) || !mounts) {
    mounts = json_object_new_array();
    if (!mounts || json_object_object_add(spec, "mounts", mounts) < 0)
      return sp_fail(err, -ENOMEM, "out of memory");
  } else if (!json_object_is_type(mounts, json_type_array)) {
    return sp_fail(err, -EINVAL, "OCI spec field \"mounts\" is not an array");
  }
  /* Drop an earlier /.sharedpath mount so that create is idempotent. */
  for (size_t i = json_object_array_length(mounts); i-- > 0;) {
    json_object *m = json_object_array_get_idx(mounts, i), *d;
    if (json_object_is_type(m, json_type_object) &&
        json_object_object_get_ex(m, "destination", &d) &&
        json_object_is_type(d, json_type_string) &&
        strcmp(json_object_get_string(d), SHAREDPATH_CONTAINER_DIR) == 0)
      json_object_array_del_idx(mounts, i, 1);
  }
  json_object *m = json_object_new_object();
  json_object *opts = json_object_new_array();
  if (!m || !opts) {
    put_json(&m);
    put_json(&opts);
    return sp_fail(err, -ENOMEM, "out of memory");
  }
  json_object_object_add(m, "destination",
                         json_object_new_string(SHAREDPATH_CONTAINER_DIR));
  json_object_object_add(m, "type", json_object_new_string("bind"));
  json_object_object_add(m, "source", json_object_new_string(source));
  json_object_array_add(opts, json_object_new_string("rbind"));
  json_object_array_add(opts, json_object_new_string("ro"));
  json_object_array_add(opts, json_object_new_string("rslave"));
  json_object_object_add(m, "options", opts);
  if (json_object_array_add(mounts, m) < 0) {
    put_json(&m);
    return sp_fail(err, -ENOMEM, "out of memory");
  }
  const char *text = json_object_to_json_string_ext(
      spec, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
  if (!text || !(*out = strdup(text)))
    return sp_fail(err, -ENOMEM, "out of memory");
  return 0;
}
