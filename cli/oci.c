/* SPDX-License-Identifier: Apache-2.0 */
#include <limits.h>
#include <string.h>

#include "oci.h"

/* A string member: missing is fine unless required; another type is not. */
static int get_string(json_object *o, const char *key, bool required,
                      char **out, sp_error *e) {
  json_object *v;
  *out = NULL;
  if (!json_object_object_get_ex(o, key, &v) || !v) {
    if (required)
      return sp_fail(e, -EINVAL, "OCI state has no \"%s\"", key);
    return 0;
  }
  if (!json_object_is_type(v, json_type_string))
    return sp_fail(e, -EINVAL, "OCI state field \"%s\" is not a string",
                   key);
  if (!(*out = strdup(json_object_get_string(v))))
    return sp_fail(e, -ENOMEM, "out of memory");
  return 0;
}

const char *spc_oci_annotation(json_object *o, const char *key) {
  json_object *ann, *v;
  if (!json_object_object_get_ex(o, "annotations", &ann) ||
      !json_object_is_type(ann, json_type_object) ||
      !json_object_object_get_ex(ann, key, &v) ||
      !json_object_is_type(v, json_type_string))
    return NULL;
  return json_object_get_string(v);
}

const char *spc_oci_engine_name(json_object *o) {
  static const char *const keys[] = {"io.kubernetes.container.name",
                                     "nerdctl/name"};
  for (size_t i = 0; i < SP_ARRAY_SIZE(keys); i++) {
    const char *v = spc_oci_annotation(o, keys[i]);
    if (v && *v)
      return v;
  }
  return NULL;
}

void spc_oci_state_free(spc_oci_state *st) {
  free(st->id);
  free(st->status);
  free(st->bundle);
  free(st->sp_id);
  free(st->name_buf);
  *st = (spc_oci_state){0};
}

int spc_oci_state_parse(const char *text, spc_oci_state *st, sp_error *e) {
  *st = (spc_oci_state){0};
  _cleanup_json_ json_object *o = NULL;
  int r = sp_json_object_parse(text, strlen(text), "OCI state on stdin", &o,
                               e);
  if (r < 0)
    return r;
  json_object *v;
  r = get_string(o, "id", true, &st->id, e);
  if (r == 0)
    r = get_string(o, "status", true, &st->status, e);
  if (r == 0)
    r = get_string(o, "bundle", false, &st->bundle, e);
  if (r < 0)
    goto fail;
  if (json_object_object_get_ex(o, "pid", &v) && v) {
    int64_t pid = json_object_is_type(v, json_type_int)
                      ? json_object_get_int64(v) : -1;
    if (pid < 0 || pid > INT_MAX) {
      r = sp_fail(e, -EINVAL, "OCI state field \"pid\" is not a process "
                  "id");
      goto fail;
    }
    st->pid = (pid_t)pid;
  }
  json_object *ann;
  if (json_object_object_get_ex(o, "annotations", &ann) && ann &&
      !json_object_is_type(ann, json_type_object)) {
    r = sp_fail(e, -EINVAL, "OCI state field \"annotations\" is not an "
                "object");
    goto fail;
  }
  const char *a = spc_oci_annotation(o, SPC_ANNOTATION_ID);
  if (a && !(st->sp_id = strdup(a))) {
    r = sp_fail(e, -ENOMEM, "out of memory");
    goto fail;
  }
  a = spc_oci_annotation(o, SPC_ANNOTATION_PERSIST);
  st->persist = a && strcmp(a, "true") == 0;
  a = spc_oci_annotation(o, SPC_ANNOTATION_TAKEOVER);
  st->takeover = a && strcmp(a, "true") == 0;
  if ((a = spc_oci_engine_name(o)) && !(st->name = st->name_buf = strdup(a))) {
    r = sp_fail(e, -ENOMEM, "out of memory");
    goto fail;
  }
  return 0;
fail:
  spc_oci_state_free(st);
  return r;
}

static bool is_ours(json_object *hook) {
  json_object *args;
  if (!json_object_is_type(hook, json_type_object) ||
      !json_object_object_get_ex(hook, "args", &args) ||
      !json_object_is_type(args, json_type_array) ||
      json_object_array_length(args) < 2)
    return false;
  const char *a0 = json_object_get_string(json_object_array_get_idx(args, 0));
  if (!a0 || strcmp(a0, "sharedpath") != 0)
    return false;
  for (size_t i = 1; i < json_object_array_length(args); i++) {
    const char *s = json_object_get_string(json_object_array_get_idx(args, i));
    if (s && strcmp(s, "hook") == 0)
      return true;
  }
  return false;
}

static json_object *new_hook(const spc_hook_spec *h, const char *stage,
                             bool persist) {
  json_object *hook = json_object_new_object();
  json_object *args = json_object_new_array();
  if (!hook || !args) {
    sp_json_putp(&hook);
    sp_json_putp(&args);
    return NULL;
  }
  json_object_object_add(hook, "path", json_object_new_string(h->path));
  for (const char *const *p = h->argv_prefix; *p; p++)
    json_object_array_add(args, json_object_new_string(*p));
  if (persist)
    json_object_array_add(args, json_object_new_string("--persist"));
  json_object_array_add(args, json_object_new_string("hook"));
  json_object_array_add(args, json_object_new_string(stage));
  json_object_object_add(hook, "args", args);
  return hook;
}

int spc_oci_set_hooks(json_object *config, const spc_hook_spec *h,
                      bool persist, sp_error *e) {
  static const char *const stages[] = {"createRuntime", "poststart",
                                       "poststop"};
  json_object *hooks;
  if (!json_object_object_get_ex(config, "hooks", &hooks) || !hooks) {
    if (!(hooks = json_object_new_object()) ||
        json_object_object_add(config, "hooks", hooks) < 0)
      return sp_fail(e, -ENOMEM, "out of memory");
  } else if (!json_object_is_type(hooks, json_type_object)) {
    return sp_fail(e, -EINVAL, "config.json field \"hooks\" is not an "
                   "object");
  }
  for (size_t s = 0; s < sizeof(stages) / sizeof(stages[0]); s++) {
    json_object *list;
    if (!json_object_object_get_ex(hooks, stages[s], &list) || !list) {
      if (!(list = json_object_new_array()) ||
          json_object_object_add(hooks, stages[s], list) < 0)
        return sp_fail(e, -ENOMEM, "out of memory");
    } else if (!json_object_is_type(list, json_type_array)) {
      return sp_fail(e, -EINVAL, "config.json field \"hooks.%s\" is not an "
                     "array", stages[s]);
    }
    for (size_t i = json_object_array_length(list); i-- > 0;)
      if (is_ours(json_object_array_get_idx(list, i)))
        json_object_array_del_idx(list, i, 1);
    json_object *hook = new_hook(h, stages[s],
                                 persist && !strcmp(stages[s], "poststop"));
    if (!hook || json_object_array_add(list, hook) < 0) {
      sp_json_putp(&hook);
      return sp_fail(e, -ENOMEM, "out of memory");
    }
  }
  return 0;
}
