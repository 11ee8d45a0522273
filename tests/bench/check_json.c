/* SPDX-License-Identifier: Apache-2.0 */
/* Reads one JSON object on stdin and checks it: each argument KEY must be a
 * number > 0 ... or KEY=N must equal N (KEY=TEXT: a string equal to TEXT).
 * Exit 0 if all hold, else 1 with a message per problem.  (json-c, so no
 * python or jq is needed.) */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
  static char buf[1 << 20];
  size_t n = fread(buf, 1, sizeof(buf) - 1, stdin);
  buf[n] = '\0';
  json_tokener *tok = json_tokener_new();
  json_object *o = json_tokener_parse_ex(tok, buf, (int)n);
  enum json_tokener_error jerr = json_tokener_get_error(tok);
  size_t end = json_tokener_get_parse_end(tok);
  json_tokener_free(tok);
  while (end < n && strchr(" \t\r\n", buf[end]))
    end++;
  if (!o || jerr != json_tokener_success || end != n ||
      !json_object_is_type(o, json_type_object)) {
    fprintf(stderr, "bench output is not one JSON object (%s)\n",
            jerr != json_tokener_success ? json_tokener_error_desc(jerr)
                                         : "trailing data or not an object");
    return 1;
  }
  int bad = 0;
  for (int i = 1; i < argc; i++) {
    char key[128];
    const char *eq = strchr(argv[i], '=');
    size_t kl = eq ? (size_t)(eq - argv[i]) : strlen(argv[i]);
    snprintf(key, sizeof(key), "%.*s", (int)kl, argv[i]);
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v)) {
      fprintf(stderr, "missing key %s\n", key);
      bad = 1;
    } else if (eq && json_object_is_type(v, json_type_string)) {
      if (strcmp(json_object_get_string(v), eq + 1)) {
        fprintf(stderr, "key %s is %s, expected %s\n", key,
                json_object_get_string(v), eq + 1);
        bad = 1;
      }
    } else if (!json_object_is_type(v, json_type_int) &&
               !json_object_is_type(v, json_type_double)) {
      fprintf(stderr, "key %s is not a number\n", key);
      bad = 1;
    } else if (eq ? json_object_get_double(v) != strtod(eq + 1, NULL)
                  : !(json_object_get_double(v) > 0)) {
      fprintf(stderr, "key %s is %s, expected %s\n", key,
              json_object_to_json_string(v), eq ? eq + 1 : "> 0");
      bad = 1;
    }
  }
  json_object_put(o);
  return bad;
}
