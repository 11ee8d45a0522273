/* SPDX-License-Identifier: Apache-2.0 */
/* Host paths as the plugin opens them for a bind: a symlink on the way,
 * or one swapped in afterwards, must never lead a bind to a path the
 * host-path rules (rules.h) refuse. */
#ifndef SP_HOSTPATH_H
#define SP_HOSTPATH_H
#include "context.h"

/* An O_PATH fd of host (cleaned, absolute), created as a directory (0755)
 * when missing; the rules are checked on the text, then on where the fd
 * really is. */
int sp_host_open(const sp_ctx *ctx, const char *host, sp_error *err) SP_HIDDEN;
/* -EPERM when fd is on procfs, sysfs, debugfs, tracefs, securityfs or
 * bpffs, wherever mounted (unless the engine allows sensitive paths). */
int sp_host_check_kernel_fs(const sp_ctx *ctx, int fd, const char *host,
                            sp_error *err) SP_HIDDEN;
#endif
