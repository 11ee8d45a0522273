/* SPDX-License-Identifier: Apache-2.0 */
/* sp_state_file_parse, the whole state file as read from disk (a
 * version-3 file's slots, prefixes and CRCs, or a version-1/2 object):
 * never crashes on any bytes; a state it accepts has only valid entries
 * and came from an intact slot (seq > 0) or from a bare object (seq 0). */
#include "fuzzstate.h"
#include "statefile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  sp_state st;
  uint64_t seq = 1;
  sp_error e = {0};
  int r = sp_state_file_parse((const char *)data, size, "c1", &st, &seq, &e);
  if (r < 0) {
    FUZZ_CHECK(e.msg[0] != '\0' && st.n == 0 && !st.paths && seq == 0);
    return 0;
  }
  fuzz_check_entries(&st);
  /* A bare object (seq 0) is JSON text: blanks, then '{'. */
  size_t k = 0;
  while (k < size && strchr(" \t\r\n", data[k]) && data[k])
    k++;
  FUZZ_CHECK(seq > 0 || (k < size && data[k] == '{'));
  sp_state_free(&st);
  return 0;
}
