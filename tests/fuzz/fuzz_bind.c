/* SPDX-License-Identifier: Apache-2.0 */
/* sp_bind_parse (add and remove forms): never crashes; what it accepts is
 * clean (absolute, no "//", ".", "..", trailing "/"), obeys the container
 * path rules, and parses back from its canonical form to the same bind. */
#include <limits.h>

#include "fuzz.h"
#include "rules.h"

static void check_clean(const char *p) {
  char buf[PATH_MAX];
  sp_error e = {0};
  FUZZ_CHECK(p[0] == '/');
  FUZZ_CHECK(strlen(p) < PATH_MAX);
  FUZZ_CHECK(sp_path_clean(p, buf, "fuzz", &e) == 0 && !strcmp(buf, p));
  FUZZ_CHECK(!strstr(p, "//") && !strstr(p, "/./") && !strstr(p, "/../"));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *s = fuzz_string(data, size);
  for (int rm = 0; rm < 2; rm++) {
    sp_bind b, back;
    sp_error e = {0};
    int r = sp_bind_parse(s, rm, &b, &e);
    if (r < 0) {
      FUZZ_CHECK(e.msg[0] != '\0' && e.code == r);
      FUZZ_CHECK(!b.host && !b.ctr);
      continue;
    }
    FUZZ_CHECK(b.ctr && (rm || b.host));
    check_clean(b.ctr);
    FUZZ_CHECK(sp_ctr_path_check(b.ctr, &e) == 0);
    if (b.host)
      check_clean(b.host);
    FUZZ_CHECK(!strchr(b.ctr, ':') && (!b.host || !strchr(b.host, ':')));
    if (!rm) {
      size_t n = strlen(b.host) + strlen(b.ctr) + 32;
      char *canon = malloc(n);
      snprintf(canon, n, "%s:%s:%s", b.host, b.ctr, sp_opts_string(&b.opts));
      FUZZ_CHECK(sp_bind_parse(canon, false, &back, &e) == 0);
      FUZZ_CHECK(!strcmp(back.host, b.host) && !strcmp(back.ctr, b.ctr));
      FUZZ_CHECK(back.opts.ro == b.opts.ro &&
                 back.opts.propagation == b.opts.propagation);
      sp_bind_clear(&back);
      free(canon);
    }
    sp_bind_clear(&b);
  }
  free(s);
  return 0;
}
