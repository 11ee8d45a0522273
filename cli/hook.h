/* SPDX-License-Identifier: Apache-2.0 */
/* `sharedpath hook [STAGE]`: the OCI hooks (hook.c). */
#ifndef SPC_HOOK_H
#define SPC_HOOK_H
#include <stddef.h>

#include "app.h"

/* Run the hook whose config (precreate) or state (every other stage) is
 * on stdin; without STAGE it is told from the state's status.  where (wsz)
 * names the hook and its id for the messages, ap->done (and ap->warn)
 * what it did, for the hook log. */
int spc_cmd_hook(spc_app *ap, char *where, size_t wsz, sp_error *e);
#endif
