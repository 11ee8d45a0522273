/* SPDX-License-Identifier: Apache-2.0 */
/* The callbacks' logic, independent of the ABI glue in entry.c. */
#ifndef SP_LIFECYCLE_H
#define SP_LIFECYCLE_H
#include "context.h"

int sp_create(sp_ctx *ctx, const char *id, const char *spec, char **out,
              sp_error *err) SP_HIDDEN;
int sp_start(sp_ctx *ctx, const struct sharedpath_container *c,
             sp_error *err) SP_HIDDEN;
int sp_stop(sp_ctx *ctx, const struct sharedpath_container *c,
            sp_error *err) SP_HIDDEN;
int sp_add(sp_ctx *ctx, const struct sharedpath_container *c,
           const char *const *specs, size_t n, sp_error *err) SP_HIDDEN;
int sp_remove(sp_ctx *ctx, const struct sharedpath_container *c,
              const char *const *specs, size_t n, sp_error *err) SP_HIDDEN;
int sp_list(sp_ctx *ctx, const char *id, char **out, sp_error *err) SP_HIDDEN;
int sp_delete(sp_ctx *ctx, const struct sharedpath_container *c,
              sp_error *err) SP_HIDDEN;
#endif
