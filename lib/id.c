/* SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include "id.h"

int sp_id_validate(const char *id, sp_error *err) {
  if (!id || !*id)
    return sp_fail(err, -EINVAL, "container id is empty");
  size_t n = strnlen(id, SP_ID_MAX + 1);
  if (n > SP_ID_MAX)
    return sp_fail(err, -EINVAL,
                   "container id is longer than %d bytes", SP_ID_MAX);
  /* The first character must be alphanumeric, so "." and ".." fail. */
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)id[i];
    bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                 (c >= '0' && c <= '9');
    if (alnum || (i > 0 && (c == '_' || c == '.' || c == '-')))
      continue;
    if (c < 0x20 || c == 0x7f)
      return sp_fail(err, -EINVAL,
                     "container id contains control character 0x%02x at "
                     "byte %zu; allowed: [A-Za-z0-9][A-Za-z0-9_.-]*", c, i);
    return sp_fail(err, -EINVAL,
                   "container id '%s' has '%c' at byte %zu; allowed: "
                   "[A-Za-z0-9][A-Za-z0-9_.-]{0,127}", id, c, i);
  }
  return 0;
}
