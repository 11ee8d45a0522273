/* SPDX-License-Identifier: Apache-2.0 */
/* `sharedpath check`: the kernel, the mechanisms the plugin uses on it,
 * and what that guarantees and gives up (the plugin's check(), ABI 1.2).
 * Loads the plugin without init: nothing is mounted or created. */
#ifndef SPC_CHECK_H
#define SPC_CHECK_H
#include <stdbool.h>
#include <stdio.h>

#include "errors.h"

/* Run check() of the plugin at plugin_path and print its answer to out:
 * the JSON itself (json), or as text.  0; -ENOSYS for a plugin before
 * ABI 1.2; -ENOTSUP when the plugin cannot work on this kernel (printed
 * too). */
int spc_check(const char *plugin_path, bool json, FILE *out, sp_error *e);
/* The text form of check()'s JSON. */
int spc_check_print(const char *json, const char *plugin_path, FILE *out,
                    sp_error *e);
#endif
