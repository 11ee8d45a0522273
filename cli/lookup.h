/* SPDX-License-Identifier: Apache-2.0 */
/* Finding a container by what the user typed.  The sharedpath id is the
 * io.sharedpath.id annotation's value, but a user sees the engine's id
 * (`podman ps`: a 12-character prefix of a 64-hex id) or, where the engine
 * passes one to hooks, its name: those find the id too, through the owner
 * records (owner.h).  What is not found is answered with the ids there
 * are. */
#ifndef SPC_LOOKUP_H
#define SPC_LOOKUP_H

#include <stdbool.h>
#include <stddef.h>

#include "owner.h"

/* An engine id prefix shorter than this is not taken: a typo must not
 * pick another container for a delete. */
#define SPC_ENGINE_PREFIX_MIN 12

typedef struct spc_known {
  char id[129];
  bool has_owner;
  spc_owner owner;
} spc_known;

/* Every id in state_dir with a state file (<id>.json) or an owner record,
 * sorted.  A missing state dir has none. */
int spc_known_list(const char *state_dir, spc_known **out, size_t *n,
                   sp_error *e);

/* The one entry that `given` names by its engine id, its name or an
 * engine id prefix of at least SPC_ENGINE_PREFIX_MIN characters: its
 * index.  -ENOENT when none does; -EINVAL, naming them, when several do. */
int spc_known_match(const spc_known *k, size_t n, const char *given,
                    sp_error *e);

/* "web (container 566dd911eba2), db, ..." at most `max` of them, or
 * "none". */
void spc_known_describe(const spc_known *k, size_t n, size_t max, char *buf,
                        size_t sz);

/* The sharedpath id that `given` stands for: given itself when state_dir
 * knows it (a state file or an owner record), else the one entry it names
 * (spc_known_match).  -ENOENT, with a message listing the known ids and
 * where the id comes from, when there is none. */
int spc_lookup_id(const char *state_dir, const char *given, char *out,
                  size_t sz, sp_error *e);

#endif
