/* SPDX-License-Identifier: Apache-2.0 */
/* sp_state_parse: never crashes on any bytes; a state it accepts has only
 * valid entries (clean paths, the container rules, the right hash, no
 * conflicts) and survives a round trip through sp_state_to_json. */
#include "fuzzstate.h"
#include "state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  sp_state st, back;
  sp_error e = {0};
  int r = sp_state_parse((const char *)data, size, "c1", &st, &e);
  if (r < 0) {
    FUZZ_CHECK(e.msg[0] != '\0' && st.n == 0 && !st.paths);
    return 0;
  }
  fuzz_check_entries(&st);
  char *text = NULL;
  FUZZ_CHECK(sp_state_to_json(&st, "c1", false, &text, &e) == 0);
  FUZZ_CHECK(sp_state_parse(text, strlen(text), "c1", &back, &e) == 0);
  FUZZ_CHECK(back.n == st.n);
  for (size_t i = 0; i < st.n; i++)
    FUZZ_CHECK(!strcmp(back.paths[i].host, st.paths[i].host) &&
               !strcmp(back.paths[i].ctr, st.paths[i].ctr));
  free(text);
  sp_state_free(&back);
  sp_state_free(&st);
  return 0;
}
