/* SPDX-License-Identifier: Apache-2.0 */
/* What a container's paths are, by the plugin's list, and whether the
 * host's mounts and the container's view agree with it. */
#ifndef SIM_CONSISTENT_H
#define SIM_CONSISTENT_H
#include "steps.h"

typedef struct entry {
  char host[PATH_MAX], ctr[PATH_MAX], opts[32], hash[80];
} entry;

/* on_list_paths of id as entries (*out, to free); the count, or -1
 * (reported). */
int list_entries(line_ctx *l, const char *id, entry **out);

/* `expect ID consistent`: every listed path is bound at master/<id>/<h>
 * and midpath/<id>/<h> from its host path (no other binds there), visible
 * inside with the same inode and its ro/rw, and no intent is left. */
int expect_consistent(line_ctx *l, const char *id);
#endif
