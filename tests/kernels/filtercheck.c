/* SPDX-License-Identifier: Apache-2.0 */
/* sharedpath-kernel-filtercheck: every profile's filter run through a
 * classic-BPF interpreter, for the branches the running kernel cannot
 * show: x32 calls (Debian boots with x32 disabled), i386 at the edges of
 * its table, an unknown arch.  The probe checks the rest on the kernel. */
#include <errno.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <string.h>

#include "filter.h"

static unsigned run(const struct sock_filter *f, int n, unsigned arch,
                    unsigned nr) {
  struct seccomp_data d = {.nr = (int)nr, .arch = arch};
  unsigned a = 0;
  for (int pc = 0; pc < n; pc++) {
    const struct sock_filter *i = &f[pc];
    switch (i->code) {
    case BPF_LD | BPF_W | BPF_ABS:
      if (i->k + 4 > sizeof(d))
        return 0xbad;
      memcpy(&a, (const char *)&d + i->k, 4);
      break;
    case BPF_ALU | BPF_AND | BPF_K: a &= i->k; break;
    case BPF_JMP | BPF_JEQ | BPF_K: pc += a == i->k ? i->jt : i->jf; break;
    case BPF_JMP | BPF_JGE | BPF_K: pc += a >= i->k ? i->jt : i->jf; break;
    case BPF_JMP | BPF_JSET | BPF_K: pc += a & i->k ? i->jt : i->jf; break;
    case BPF_RET | BPF_K: return i->k;
    default: return 0xbad;
    }
  }
  return 0xbad; /* ran off the end: the kernel refuses such a filter */
}

static const char *name(unsigned r) {
  if (r == SECCOMP_RET_ALLOW)
    return "ALLOW";
  if (r == (SECCOMP_RET_ERRNO | ENOSYS))
    return "ENOSYS";
  if (r == (SECCOMP_RET_ERRNO | EINVAL))
    return "EINVAL";
  if (r == SECCOMP_RET_KILL_PROCESS)
    return "KILL";
  return "BAD";
}

int main(void) {
  int failures = 0;
  const unsigned X = SP_X32_SYSCALL_BIT;
  for (size_t p = 0; p < sizeof(sp_kernel_profiles) / sizeof(*sp_kernel_profiles);
       p++) {
    const sp_kernel_profile *k = &sp_kernel_profiles[p];
    struct sock_filter f[SP_KERNEL_FILTER_MAX];
    int n = sp_kernel_filter(k, f, SP_KERNEL_FILTER_MAX);
    if (n < 0) {
      printf("FAIL %s: no filter\n", k->name);
      failures++;
      continue;
    }
    const struct {
      const char *what;
      unsigned arch, nr;
      const char *want;
    } cases[] = {
        {"x86-64 read", AUDIT_ARCH_X86_64, 0, "ALLOW"},
        {"x86-64 last present", AUDIT_ARCH_X86_64, k->first_missing - 1, "ALLOW"},
        {"x86-64 first missing", AUDIT_ARCH_X86_64, k->first_missing, "ENOSYS"},
        {"x86-64 statmount", AUDIT_ARCH_X86_64, 457, "ENOSYS"},
        {"x32 getpid", AUDIT_ARCH_X86_64, X | 39, "ALLOW"},
        {"x32 last present", AUDIT_ARCH_X86_64, X | (k->first_missing - 1), "ALLOW"},
        {"x32 first missing", AUDIT_ARCH_X86_64, X | k->first_missing, "ENOSYS"},
        {"x32 statmount", AUDIT_ARCH_X86_64, X | 457, "ENOSYS"},
        {"x32 own first (512)", AUDIT_ARCH_X86_64, X | 512, "ALLOW"},
        {"x32 own last (547)", AUDIT_ARCH_X86_64, X | 547, "ALLOW"},
        {"i386 getpid", AUDIT_ARCH_I386, 20, "ALLOW"},
        {"i386 last present", AUDIT_ARCH_I386, k->first_missing_i386 - 1, "ALLOW"},
        {"i386 first missing", AUDIT_ARCH_I386, k->first_missing_i386, "ENOSYS"},
        {"aarch64 (no such arch here)", AUDIT_ARCH_AARCH64, 0, "KILL"},
    };
    int bad = 0;
    for (size_t c = 0; c < sizeof(cases) / sizeof(*cases); c++) {
      const char *got = name(run(f, n, cases[c].arch, cases[c].nr));
      if (strcmp(got, cases[c].want) != 0) {
        printf("FAIL %s %s (nr %#x): expected %s, got %s\n", k->name,
               cases[c].what, cases[c].nr, cases[c].want, got);
        bad++;
      }
    }
    printf("%s %s: %d instructions, %zu cases\n", bad ? "FAIL" : "ok  ", k->name,
           n, sizeof(cases) / sizeof(*cases));
    failures += bad;
  }
  return failures ? 1 : 0;
}
