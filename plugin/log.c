/* SPDX-License-Identifier: Apache-2.0 */
/* The engine's log sink: below everything else in the plugin, so any
 * file may report what it cannot return. */
#include <stdarg.h>
#include <stdio.h>

#include "context.h"

void sp_log(const sp_ctx *ctx, int level, const char *fmt, ...) {
  if (!ctx->log)
    return;
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  ctx->log(ctx->log_data, level, msg);
}
