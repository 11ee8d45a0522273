/* SPDX-License-Identifier: Apache-2.0 */
#include "fault.h"

#ifdef SP_FAULT_INJECTION
#include <signal.h>
#include <string.h>

/* Per thread, so concurrent callbacks count their own steps; the
 * CLONE_VM child shares its parent thread's TLS. */
static __thread struct {
  bool armed, crash, in_child;
  int kind; /* 0 = any */
  long target, count;
} f;

void sp_fault_begin(void) {
  f.armed = false;
  f.count = 0;
  const char *s = getenv("SHAREDPATH_FAULT");
  if (!s || !*s)
    return;
  char mode[16], kind[16];
  long n;
  if (sscanf(s, "%15[a-z]:%15[a-z]:%ld", mode, kind, &n) != 3 || n < 1)
    return;
  static const char *const kinds[] = {"any", "mount", "umount", "mkdir",
                                      "write"};
  f.kind = -1;
  for (int i = 0; i < 5; i++)
    if (!strcmp(kind, kinds[i]))
      f.kind = i;
  if (f.kind < 0)
    return;
  f.crash = !strcmp(mode, "crash");
  f.armed = f.crash || !strcmp(mode, "fail");
  f.target = n;
}

void sp_fault_child(bool in_child) { f.in_child = in_child; }

long sp_fault_steps(void) { return f.count; }

void sp_fault_set_steps(long n) { f.count = n; }

int sp_fault_hit(enum sp_fault_kind kind) {
  if (!f.armed || (f.kind && f.kind != (int)kind) || (f.crash && f.in_child))
    return 0;
  if (++f.count != f.target)
    return 0;
  if (f.crash)
    kill(getpid(), SIGKILL);
  errno = EIO;
  return -1;
}
#endif
