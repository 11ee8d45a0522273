/* SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include "jsonobj.h"
#include "spec.h"

int sp_spec_add_mount(const char *in, const char *source, char **out,
                      sp_error *err) {
  if (!in)
    return sp_fail(err, -EINVAL, "OCI spec is NULL");
  _cleanup_json_ json_object *spec = NULL;
  int r = sp_json_object_parse(in, strlen(in), "OCI spec", &spec, err);
  if (r < 0)
    return r;

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
    sp_json_putp(&m);
    sp_json_putp(&opts);
    return sp_fail(err, -ENOMEM, "out of memory");
  }
  json_object_object_add(m, "destination",
                         json_object_new_string(SHAREDPATH_CONTAINER_DIR));
  json_object_object_add(m, "type", json_object_new_string("bind"));
  json_object_object_add(m, "source", json_object_new_string(source));
  /* The master tmpfs's nosuid, nodev and noexec are asked for too: inside
   * a user namespace the kernel locks them, and the runtime's read-only
   * remount of the bind must repeat them or fail (runc#1229). */
  static const char *const mount_opts[] = {"rbind", "ro", "rslave", "nosuid",
                                           "nodev", "noexec"};
  for (size_t i = 0; i < SP_ARRAY_SIZE(mount_opts); i++)
    json_object_array_add(opts, json_object_new_string(mount_opts[i]));
  json_object_object_add(m, "options", opts);
  if (json_object_array_add(mounts, m) < 0) {
    sp_json_putp(&m);
    return sp_fail(err, -ENOMEM, "out of memory");
  }
  const char *text = json_object_to_json_string_ext(
      spec, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
  if (!text || !(*out = strdup(text)))
    return sp_fail(err, -ENOMEM, "out of memory");
  return 0;
}
