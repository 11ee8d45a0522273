/* SPDX-License-Identifier: Apache-2.0 */
/* The seccomp filter of a kernel profile (classic BPF, no libseccomp).
 *
 * x86-64 calls numbered at or above the profile's first missing one get
 * ENOSYS, as do x32 calls (the x32 bit set) of those numbers; x32's own
 * entries (512-547) are older than every profile and pass.  i386 calls
 * (int $0x80) are checked against the i386 table.  Flags a profile does
 * not know of a few calls it has get EINVAL, as that kernel answers.  No
 * other audit arch reaches an x86-64 kernel: such a call kills the
 * process, loudly. */
#ifndef SP_KERNEL_FILTER_H
#define SP_KERNEL_FILTER_H

#include <linux/filter.h>

#include "profile.h"

#define SP_KERNEL_FILTER_MAX 128
#define SP_X32_SYSCALL_BIT 0x40000000U
#define SP_X32_OWN_FIRST 512U

/* Fill out[0..max) with the filter for k: the number of instructions, or
 * -E2BIG. */
int sp_kernel_filter(const sp_kernel_profile *k, struct sock_filter *out,
                     unsigned max);

#endif
