/* SPDX-License-Identifier: Apache-2.0 */
/* What every state a parser accepts must hold, for the state and state
 * file targets: clean absolute host paths, container paths the rules
 * allow, each entry's hash that of its host path, no container path
 * twice. */
#ifndef SP_FUZZSTATE_H
#define SP_FUZZSTATE_H
#include "fuzz.h"
#include "state.h"

static inline void fuzz_check_entries(const sp_state *st) {
  sp_error e = {0};
  for (size_t i = 0; i < st->n; i++) {
    const sp_bind *b = &st->paths[i];
    char hash[SP_HASH_HEX_LEN + 1];
    FUZZ_CHECK(b->host && b->ctr && b->host[0] == '/');
    FUZZ_CHECK(sp_ctr_path_check(b->ctr, &e) == 0);
    FUZZ_CHECK(sp_hash_hex(b->host, hash, &e) == 0 && !strcmp(hash, b->hash));
    for (size_t j = 0; j < i; j++)
      FUZZ_CHECK(strcmp(st->paths[j].ctr, b->ctr) != 0);
  }
}
#endif
