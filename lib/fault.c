/* SPDX-License-Identifier: Apache-2.0 */
#include "fault.h"

#ifdef SP_FAULT_INJECTION
#include <signal.h>
#include <stdio.h>
#include <string.h>

/* Per thread, so concurrent callbacks count their own steps; the
 * CLONE_VM child shares its parent thread's TLS. */
static __thread struct {
  bool armed, crash, in_child, race;
  int kind; /* 0 = any */
  long target, count, binds;
  char from[256], to[256]; /* race: what is renamed to what */
} f;

/* race:bind:N: the rename is read here, on the host side; the child only
 * makes it. */
static void race_begin(long n) {
  const char *r = getenv("SHAREDPATH_FAULT_RACE");
  f.race = r && sscanf(r, "%255s %255s", f.from, f.to) == 2;
  f.target = n;
}

void sp_fault_begin(void) {
  f.armed = f.race = false;
  f.count = f.binds = 0;
  const char *s = getenv("SHAREDPATH_FAULT");
  if (!s || !*s)
    return;
  char mode[16], kind[16];
  long n;
  if (sscanf(s, "%15[a-z]:%15[a-z]:%ld", mode, kind, &n) != 3 || n < 1)
    return;
  if (!strcmp(mode, "race")) {
    if (!strcmp(kind, "bind"))
      race_begin(n);
    return;
  }
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

void sp_fault_race(void) {
  if (f.race && ++f.binds == f.target)
    rename(f.from, f.to);
}

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
