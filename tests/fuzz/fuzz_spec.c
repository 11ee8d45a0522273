/* SPDX-License-Identifier: Apache-2.0 */
/* sp_spec_add_mount: never crashes; its output is JSON with exactly one
 * /.sharedpath mount, and editing the output again changes nothing (the
 * edit is idempotent, as on_create must be). */
#include <json-c/json.h>

#include "fuzz.h"
#include "spec.h"

static size_t count_ours(const char *text) {
  json_object *o = json_tokener_parse(text), *mounts;
  FUZZ_CHECK(o && json_object_is_type(o, json_type_object));
  FUZZ_CHECK(json_object_object_get_ex(o, "mounts", &mounts) &&
             json_object_is_type(mounts, json_type_array));
  size_t n = 0;
  for (size_t i = 0; i < json_object_array_length(mounts); i++) {
    json_object *m = json_object_array_get_idx(mounts, i), *d;
    if (json_object_is_type(m, json_type_object) &&
        json_object_object_get_ex(m, "destination", &d) &&
        json_object_is_type(d, json_type_string) &&
        !strcmp(json_object_get_string(d), SHAREDPATH_CONTAINER_DIR))
      n++;
  }
  json_object_put(o);
  return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *s = fuzz_string(data, size);
  char *out = NULL, *again = NULL;
  sp_error e = {0};
  int r = sp_spec_add_mount(s, "/r/master/c1", &out, &e);
  if (r == 0) {
    FUZZ_CHECK(count_ours(out) == 1);
    FUZZ_CHECK(sp_spec_add_mount(out, "/r/master/c1", &again, &e) == 0);
    FUZZ_CHECK(!strcmp(out, again));
  } else {
    FUZZ_CHECK(e.msg[0] != '\0' && !out);
  }
  free(out);
  free(again);
  free(s);
  return 0;
}
