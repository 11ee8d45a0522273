/* SPDX-License-Identifier: Apache-2.0 */
/* Which kernel mechanisms the plugin uses, probed once per context (and by
 * check()).  Every step has the way of the newest kernels and an older way
 * that works down to 4.18 and is as safe (README "Kernels"); the probe
 * makes harmless calls: one the kernel lacks fails with ENOSYS, one it has
 * fails on the bad arguments given (EBADF, EINVAL, EFAULT). */
#ifndef SP_KERNEL_H
#define SP_KERNEL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "errors.h"

/* What the kernel answers. */
typedef struct sp_kernel_has {
  bool open_tree, move_mount;         /* 5.2 */
  bool mount_setattr;                 /* 5.12 */
  bool openat2;                       /* 5.6 */
  bool pidfd_send_signal;             /* 5.1 */
  bool pidfd_open;                    /* 5.3 */
  bool setns_pidfd;                   /* 5.8 */
  bool statx_mnt_id, statx_mount_root; /* 5.8 */
  bool statmount, listmount;          /* 6.8 */
  bool statx_mnt_id_unique;           /* 6.8 */
  bool fdinfo_mnt_id;                 /* 3.15: "mnt_id:" in /proc/self/fdinfo */
} sp_kernel_has;

typedef struct sp_mech {
  sp_kernel_has has;
  uint32_t avoid; /* SHAREDPATH_MECH_* the engine ruled out */
  /* What the plugin uses: what the kernel has, minus avoid. */
  bool mount_api;   /* open_tree, mount_setattr, move_mount; else mount(2)
                     * through /proc/self/fd */
  bool openat2;     /* RESOLVE_IN_ROOT; else the walk (walk.h) */
  bool pidfd;       /* a pidfd pins the process; else a /proc/PID dir fd */
  bool setns_pidfd; /* enter through the pidfd; else through ns/mnt */
  bool statmount;   /* unique mount ids, statmount; else the reusable id
                     * and the container's mountinfo */
  bool statx_mount; /* STATX_MNT_ID and STATX_ATTR_MOUNT_ROOT; else
                     * fdinfo's mnt_id and the parent's */
} sp_mech;

/* Probe the kernel and decide, leaving out what avoid names. */
void sp_mech_probe(uint32_t avoid, sp_mech *m) SP_HIDDEN;
/* Why the plugin cannot work here at all (no way to tell mount ids:
 * /proc not mounted), or 0. */
int sp_mech_usable(const sp_mech *m, sp_error *err) SP_HIDDEN;
/* One line for the log at init. */
void sp_mech_summary(const sp_mech *m, char *buf, size_t size) SP_HIDDEN;
/* check()'s JSON (plugin.h), malloc'd. */
int sp_mech_json(const sp_mech *m, char **out, sp_error *err) SP_HIDDEN;
#endif
