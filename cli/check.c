/* SPDX-License-Identifier: Apache-2.0 */
/* `sharedpath check` (check.h). */
#include <string.h>

#include "check.h"
#include "jsonobj.h"
#include "sharedpath/host.h"

static const char *str(json_object *o, const char *key) {
  json_object *v;
  return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v)
                                               : "?";
}

/* The names under "has" whose value is want, blank-separated. */
static void names(FILE *out, json_object *has, bool want) {
  bool any = false;
  json_object_object_foreach(has, k, v) {
    if (json_object_get_boolean(v) == want) {
      fprintf(out, "%s%s", any ? " " : "", k);
      any = true;
    }
  }
  fprintf(out, "%s\n", any ? "" : "-");
}

static void list(FILE *out, json_object *o, const char *key,
                 const char *none) {
  json_object *a;
  size_t n = json_object_object_get_ex(o, key, &a) &&
                     json_object_is_type(a, json_type_array)
                 ? json_object_array_length(a) : 0;
  for (size_t i = 0; i < n; i++)
    fprintf(out, "  - %s\n", json_object_get_string(
                                 json_object_array_get_idx(a, i)));
  if (!n)
    fprintf(out, "  %s\n", none);
}

int spc_check_print(const char *json, const char *plugin_path, FILE *out,
                    sp_error *e) {
  _cleanup_json_ json_object *o = NULL;
  int r = sp_json_object_parse(json, strlen(json), "the plugin's check", &o,
                               e);
  if (r < 0)
    return r;
  json_object *has = NULL, *use = NULL, *usable = NULL;
  fprintf(out, "kernel %s (%s)\nplugin %s\n", str(o, "kernel"),
          str(o, "machine"), plugin_path);
  if (json_object_object_get_ex(o, "usable", &usable) &&
      !json_object_get_boolean(usable))
    fprintf(out, "\nNOT USABLE HERE: %s\n", str(o, "problem"));
  fprintf(out, "\nmechanisms in use:\n");
  if (json_object_object_get_ex(o, "use", &use) &&
      json_object_is_type(use, json_type_array))
    for (size_t i = 0; i < json_object_array_length(use); i++) {
      json_object *u = json_object_array_get_idx(use, i);
      char step[64];
      snprintf(step, sizeof(step), "%s", str(u, "step"));
      for (char *p = step; *p; p++)
        *p = *p == '-' ? ' ' : *p;
      fprintf(out, "  %-16s %-10s %s\n", step, str(u, "mechanism"),
              str(u, "detail"));
    }
  if (json_object_object_get_ex(o, "has", &has) &&
      json_object_is_type(has, json_type_object)) {
    fprintf(out, "\nthe kernel has: ");
    names(out, has, true);
    fprintf(out, "it lacks:       ");
    names(out, has, false);
  }
  json_object *avoided;
  if (json_object_object_get_ex(o, "avoided", &avoided) &&
      json_object_array_length(avoided))
    fprintf(out, "avoided:        %s\n",
            json_object_to_json_string_ext(avoided, JSON_C_TO_STRING_PLAIN));
  fprintf(out, "\nguaranteed on this kernel:\n");
  list(out, o, "guarantees", "-");
  fprintf(out, "\ngiven up on this kernel:\n");
  list(out, o, "limits", "nothing: every step takes the newest mechanism");
  return usable && !json_object_get_boolean(usable) ? -ENOTSUP : 0;
}

int spc_check(const char *plugin_path, bool json, FILE *out, sp_error *e) {
  sph_plugin p;
  struct sharedpath_error he = sph_error();
  int r = sph_open(plugin_path, &p, &he);
  if (r < 0)
    return sp_fail(e, r, "%s", sph_strerror(&he, r));
  struct sharedpath_host host = {.size = sizeof(host)};
  char *text = NULL;
  he = sph_error();
  r = sph_check(&p, &host, &text, &he);
  if (r < 0) {
    r = sp_fail(e, r, "%s", sph_strerror(&he, r));
  } else if (json) {
    fprintf(out, "%s\n", text);
  } else {
    r = spc_check_print(text, plugin_path, out, e);
    if (r == -ENOTSUP)
      sp_fail(e, r, "the plugin cannot work on this kernel (above)");
  }
  sph_release(&p, text);
  sph_unload(&p);
  return r;
}
