/* SPDX-License-Identifier: Apache-2.0 */
/* The seccomp filter of a kernel profile, as classic BPF.  See filter.h. */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <sys/syscall.h>

#include "filter.h"

/* Flags of calls every profile has, newer than some profiles: the real
 * kernel refuses an unknown flag with EINVAL before anything else, so the
 * filter can answer for it.  Native x86-64 calls only. */
typedef struct flag_rule {
  unsigned nr;
  unsigned arg;
  enum { ANY_BIT, EQUALS } test;
  unsigned value;
  unsigned since; /* SP_KV of the kernel that accepts it */
  const char *what;
} flag_rule;

static const flag_rule flag_rules[] = {
    {SYS_waitid, 0, EQUALS, 3 /* P_PIDFD */, SP_KV(5, 4), "waitid P_PIDFD"},
    {SYS_pidfd_open, 1, ANY_BIT, 04000 /* PIDFD_NONBLOCK */, SP_KV(5, 10),
     "pidfd_open PIDFD_NONBLOCK"},
    {SYS_pidfd_open, 1, ANY_BIT, 0200 /* PIDFD_THREAD */, SP_KV(6, 9),
     "pidfd_open PIDFD_THREAD"},
    {SYS_pidfd_send_signal, 3, ANY_BIT, 0x7 /* PIDFD_SIGNAL_* */, SP_KV(6, 9),
     "pidfd_send_signal flags"},
    {SYS_close_range, 2, ANY_BIT, 0x4 /* CLOSE_RANGE_CLOEXEC */, SP_KV(5, 11),
     "close_range CLOSE_RANGE_CLOEXEC"},
    {SYS_move_mount, 4, ANY_BIT, 0x100 /* MOVE_MOUNT_SET_GROUP */,
     SP_KV(5, 15), "move_mount MOVE_MOUNT_SET_GROUP"},
    {SYS_move_mount, 4, ANY_BIT, 0x200 /* MOVE_MOUNT_BENEATH */, SP_KV(6, 5),
     "move_mount MOVE_MOUNT_BENEATH"},
    {SYS_unshare, 0, ANY_BIT, 0x80 /* CLONE_NEWTIME */, SP_KV(5, 6),
     "unshare CLONE_NEWTIME"},
};
#define N_RULES (sizeof(flag_rules) / sizeof(*flag_rules))

/* A tiny assembler: forward jumps to labels, resolved at the end. */
enum { L_X32, L_I386, L_ALLOW, L_ENOSYS, L_EINVAL, L_KILL, L_FIXED };
#define MAX_INSNS SP_KERNEL_FILTER_MAX
#define MAX_LABELS (L_FIXED + N_RULES + 1)
typedef struct prog {
  struct sock_filter f[MAX_INSNS];
  int jt[MAX_INSNS], jf[MAX_INSNS]; /* label, or -1: the next insn */
  int label_at[MAX_LABELS];
  unsigned n;
  int labels;
  bool overflow;
} prog;

static void emit(prog *p, unsigned short code, unsigned k, int jt, int jf) {
  if (p->n == MAX_INSNS) {
    p->overflow = true;
    return;
  }
  p->f[p->n] = (struct sock_filter)BPF_STMT(code, k);
  p->jt[p->n] = jt;
  p->jf[p->n] = jf;
  p->n++;
}
static void place(prog *p, int label) { p->label_at[label] = (int)p->n; }
static int new_label(prog *p) { return p->labels++; }

static int resolve(prog *p) {
  for (unsigned i = 0; i < p->n; i++) {
    int *j[2] = {&p->jt[i], &p->jf[i]};
    unsigned char *out[2] = {&p->f[i].jt, &p->f[i].jf};
    for (int k = 0; k < 2; k++) {
      if (*j[k] < 0)
        continue;
      int off = p->label_at[*j[k]] - (int)i - 1;
      if (p->label_at[*j[k]] < 0 || off < 0 || off > 255)
        return -1;
      *out[k] = (unsigned char)off;
    }
  }
  return 0;
}

#define LD_W(field) (BPF_LD | BPF_W | BPF_ABS), offsetof(struct seccomp_data, field)
/* The low 32 bits of argument i (little endian). */
#define ARG_LO(i) (offsetof(struct seccomp_data, args) + 8 * (i))

static int build(prog *p, const sp_kernel_profile *k) {
  memset(p, 0, sizeof(*p));
  for (size_t i = 0; i < MAX_LABELS; i++)
    p->label_at[i] = -1;
  p->labels = L_FIXED;

  emit(p, LD_W(arch), -1, -1);
  emit(p, BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, -1, L_I386);
  emit(p, LD_W(nr), -1, -1);
  emit(p, BPF_JMP | BPF_JGE | BPF_K, SP_X32_SYSCALL_BIT, L_X32, -1);
  emit(p, BPF_JMP | BPF_JGE | BPF_K, k->first_missing, L_ENOSYS, -1);
  /* One block per call with flags this kernel lacks: the union of them. */
  for (size_t r = 0; r < N_RULES; r++) {
    const flag_rule *fr = &flag_rules[r];
    if (fr->since <= k->kv)
      continue;
    bool done = false;
    for (size_t e = 0; e < r; e++)
      if (flag_rules[e].nr == fr->nr && flag_rules[e].since > k->kv)
        done = true;
    if (done)
      continue;
    unsigned value = 0;
    for (size_t o = r; o < N_RULES; o++)
      if (flag_rules[o].nr == fr->nr && flag_rules[o].since > k->kv)
        value |= flag_rules[o].value;
    int next = new_label(p);
    emit(p, BPF_JMP | BPF_JEQ | BPF_K, fr->nr, -1, next);
    emit(p, BPF_LD | BPF_W | BPF_ABS, (unsigned)ARG_LO(fr->arg), -1, -1);
    emit(p, BPF_JMP | (fr->test == EQUALS ? BPF_JEQ : BPF_JSET) | BPF_K, value,
         L_EINVAL, L_ALLOW);
    place(p, next); /* A still holds nr here */
  }
  emit(p, BPF_RET | BPF_K, SECCOMP_RET_ALLOW, -1, -1);

  /* x32 (CONFIG_X86_X32_ABI, off by default in Debian): the same numbers
   * with the x32 bit, and x32's own older entries from 512. */
  place(p, L_X32);
  emit(p, BPF_ALU | BPF_AND | BPF_K, ~SP_X32_SYSCALL_BIT, -1, -1);
  emit(p, BPF_JMP | BPF_JGE | BPF_K, SP_X32_OWN_FIRST, L_ALLOW, -1);
  emit(p, BPF_JMP | BPF_JGE | BPF_K, k->first_missing, L_ENOSYS, L_ALLOW);

  /* i386 (int $0x80, IA32_EMULATION): its own table. */
  place(p, L_I386);
  emit(p, BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_I386, -1, L_KILL);
  emit(p, LD_W(nr), -1, -1);
  emit(p, BPF_JMP | BPF_JGE | BPF_K, k->first_missing_i386, L_ENOSYS,
       L_ALLOW);

  place(p, L_ALLOW);
  emit(p, BPF_RET | BPF_K, SECCOMP_RET_ALLOW, -1, -1);
  place(p, L_ENOSYS);
  emit(p, BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA), -1,
       -1);
  place(p, L_EINVAL);
  emit(p, BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EINVAL & SECCOMP_RET_DATA), -1,
       -1);
  /* No other ABI reaches an x86-64 kernel's seccomp: be loud if one did. */
  place(p, L_KILL);
  emit(p, BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS, -1, -1);
  return p->overflow ? -1 : 0;
}


int sp_kernel_filter(const sp_kernel_profile *k, struct sock_filter *out,
                     unsigned max) {
  prog p;
  if (build(&p, k) < 0 || resolve(&p) < 0)
    return -E2BIG;
  if (p.n > max)
    return -E2BIG;
  memcpy(out, p.f, p.n * sizeof(*out));
  return (int)p.n;
}
