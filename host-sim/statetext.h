/* SPDX-License-Identifier: Apache-2.0 */
/* Reading a plugin's state file as the harness's own witness, without the
 * plugin's code: a file of version 1 or 2 is its text; a version-3 file (two
 * slots, plugin/statefile.h) is the intact slot with the higher seq,
 * found here by its own parser and CRC-32C. */
#ifndef SIM_STATETEXT_H
#define SIM_STATETEXT_H
#include <stddef.h>

/* What the state file at path says: "seq N\n" and the state's text for a
 * version-3 file, the file's text for any other file (one of version 1 or 2,
 * or one that is not a state at all: then compared as bytes); "" when
 * there is none.  malloc'd. */
char *sim_state_text(const char *path);
/* How many bytes the plugin wrote for the state the file holds now (a
 * version-3 slot's prefix, state and '}'; another file's size), or
 * -errno. */
long sim_state_bytes(const char *path);
#endif
