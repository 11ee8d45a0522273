/* SPDX-License-Identifier: Apache-2.0 */
/* The kernel profiles sharedpath-kernel-run emulates, shared by the
 * launcher (the seccomp filter), the shim (what a filter cannot take away)
 * and the probe (what the self-test expects).  x86-64 only. */
#ifndef SP_KERNEL_PROFILE_H
#define SP_KERNEL_PROFILE_H

#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#ifndef __x86_64__
#error "the kernel profiles are for x86-64"
#endif

/* A kernel version as one comparable number. */
#define SP_KV(major, minor) ((major) * 256 + (minor))

typedef struct sp_kernel_profile {
  const char *name;
  unsigned kv;
  /* The first x86-64 (and x32) system call number this kernel lacks: every
   * number at or above it fails with ENOSYS.  Since 5.1 (424) new calls
   * have one number on every architecture. */
  unsigned first_missing;
  /* The same for the i386 table (int $0x80): before 5.1, i386 ended at
   * rseq (386); 5.1 filled 393-423 (split ipc, 64-bit time) and then the
   * common numbers. */
  unsigned first_missing_i386;
} sp_kernel_profile;

static const sp_kernel_profile sp_kernel_profiles[] = {
    {"6.6", SP_KV(6, 6), 454, 454},    /* futex_wake is 6.7 */
    {"5.15", SP_KV(5, 15), 449, 449},  /* futex_waitv is 5.16 */
    {"5.10", SP_KV(5, 10), 441, 441},  /* epoll_pwait2 is 5.11 */
    {"5.4", SP_KV(5, 4), 436, 436},    /* close_range is 5.9 */
    {"4.19", SP_KV(4, 19), 424, 387},  /* pidfd_send_signal is 5.1 */
};

#define SP_KERNEL_PROFILE_ENV "SHAREDPATH_KERNEL"

static inline const sp_kernel_profile *sp_kernel_profile_find(const char *name) {
  if (!name)
    return NULL;
  for (size_t i = 0; i < sizeof(sp_kernel_profiles) / sizeof(*sp_kernel_profiles);
       i++)
    if (strcmp(sp_kernel_profiles[i].name, name) == 0)
      return &sp_kernel_profiles[i];
  return NULL;
}

/* The running kernel's version, 0 if unknown. */
static inline unsigned sp_host_kv(void) {
  struct utsname u;
  unsigned a = 0, b = 0;
  if (uname(&u) < 0 || sscanf(u.release, "%u.%u", &a, &b) != 2)
    return 0;
  return SP_KV(a, b);
}

#endif
