/* SPDX-License-Identifier: Apache-2.0 */
/* The OCI spec edit done by on_create. */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "spec.h"
#include "unit.h"

static json_object *edit(const char *in) {
  char *out = NULL;
  sp_error e = {0};
  CU_ASSERT_EQUAL_FATAL(sp_spec_add_mount(in, "/r/master/c1", &out, &e), 0);
  json_object *o = json_tokener_parse(out);
  free(out);
  CU_ASSERT_PTR_NOT_NULL_FATAL(o);
  return o;
}

static size_t count_dest(json_object *mounts, const char *dest,
                         json_object **found) {
  size_t n = 0;
  for (size_t i = 0; i < json_object_array_length(mounts); i++) {
    json_object *m = json_object_array_get_idx(mounts, i), *d;
    if (json_object_object_get_ex(m, "destination", &d) &&
        !strcmp(json_object_get_string(d), dest)) {
      n++;
      *found = m;
    }
  }
  return n;
}

static void test_adds_mount(void) {
  json_object *o = edit("{\"ociVersion\":\"1.0.2\",\"mounts\":[{\"destination\":"
                        "\"/proc\",\"type\":\"proc\",\"source\":\"proc\"}]}");
  json_object *mounts, *m = NULL, *v;
  CU_ASSERT_FATAL(json_object_object_get_ex(o, "mounts", &mounts));
  CU_ASSERT_EQUAL(json_object_array_length(mounts), 2);
  CU_ASSERT_EQUAL_FATAL(count_dest(mounts, "/.sharedpath", &m), 1);
  CU_ASSERT(json_object_object_get_ex(m, "type", &v));
  CU_ASSERT_STRING_EQUAL(json_object_get_string(v), "bind");
  CU_ASSERT(json_object_object_get_ex(m, "source", &v));
  CU_ASSERT_STRING_EQUAL(json_object_get_string(v), "/r/master/c1");
  CU_ASSERT(json_object_object_get_ex(m, "options", &v));
  CU_ASSERT_STRING_EQUAL(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN),
                         "[\"rbind\",\"ro\",\"rslave\",\"nosuid\",\"nodev\","
                         "\"noexec\"]");
  CU_ASSERT_EQUAL(count_dest(mounts, "/proc", &m), 1);
  CU_ASSERT(json_object_object_get_ex(o, "ociVersion", &v));
  json_object_put(o);
}

static void test_idempotent(void) {
  json_object *o = edit("{\"mounts\":[{\"destination\":\"/.sharedpath\","
                        "\"source\":\"/old\"},{\"destination\":\"/.sharedpath\"}]}");
  json_object *mounts, *m = NULL, *v;
  CU_ASSERT_FATAL(json_object_object_get_ex(o, "mounts", &mounts));
  CU_ASSERT_EQUAL(count_dest(mounts, "/.sharedpath", &m), 1);
  CU_ASSERT(json_object_object_get_ex(m, "source", &v));
  CU_ASSERT_STRING_EQUAL(json_object_get_string(v), "/r/master/c1");
  json_object_put(o);
}

static void test_no_mounts(void) {
  json_object *o = edit("{}"), *mounts, *m = NULL;
  CU_ASSERT_FATAL(json_object_object_get_ex(o, "mounts", &mounts));
  CU_ASSERT_EQUAL(count_dest(mounts, "/.sharedpath", &m), 1);
  json_object_put(o);
}

static void bad(const char *in) {
  char *out = NULL;
  sp_error e = {0};
  CU_ASSERT_EQUAL(sp_spec_add_mount(in, "/r/master/c1", &out, &e), -EINVAL);
  CU_ASSERT_PTR_NULL(out);
  CU_ASSERT(e.msg[0] != '\0');
}

static void test_bad_specs(void) {
  bad(NULL);
  bad("");
  bad("not json");
  bad("[]");
  bad("\"string\"");
  bad("{\"mounts\":{}}");
  bad("{\"mounts\":\"x\"}");
  bad("{\"mounts\":[]} trailing");
  bad("{\"mounts\":[");
  /* Not JSON, though json-c takes it by default and writes some of it
   * back as invalid JSON ("01e" becomes 01): found by fuzz-spec. */
  bad("{\"mounts\":null,\"x\":01e}");
  bad("{\"x\":01}");
  bad("{\"mounts\":[]} // comment");
  bad("{\"mounts\":[],}");
  /* Inputs after which json-c counts the terminating NUL as parsed: the
   * trailing-data check must not read past the end (found by fuzz-spec;
   * visible under ASan and valgrind).  Heap copies of the exact size. */
  static const char *const past_end[] = {"{}//", "{}/", "{}/*x*/", "1",
                                         "{\"a\":1}//////"};
  for (size_t i = 0; i < sizeof(past_end) / sizeof(past_end[0]); i++) {
    char *in = strdup(past_end[i]), *out = NULL;
    sp_error e = {0};
    int r = sp_spec_add_mount(in, "/r/master/c1", &out, &e);
    CU_ASSERT(r == 0 || r == -EINVAL);
    free(out);
    free(in);
  }
}

void register_spec_suite(void) {
  CU_pSuite s = CU_add_suite("spec", NULL, NULL);
  ADD(s, test_adds_mount);
  ADD(s, test_idempotent);
  ADD(s, test_no_mounts);
  ADD(s, test_bad_specs);
}
