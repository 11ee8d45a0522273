/* SPDX-License-Identifier: Apache-2.0 */
/* sp_opts_parse: never crashes; what it accepts prints canonically and
 * parses back to the same options. */
#include "fuzz.h"
#include "rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *s = fuzz_string(data, size);
  sp_opts o, back;
  sp_error e = {0};
  int r = sp_opts_parse(s, &o, &e);
  if (r == 0) {
    const char *canon = sp_opts_string(&o);
    FUZZ_CHECK(sp_opts_parse(canon, &back, &e) == 0);
    FUZZ_CHECK(back.ro == o.ro && back.propagation == o.propagation);
  } else {
    FUZZ_CHECK(r == -EINVAL && e.msg[0] != '\0');
  }
  free(s);
  return 0;
}
