/* SPDX-License-Identifier: Apache-2.0 */
/* LD_PRELOAD for valgrind runs only.  Valgrind 3.19 (Debian 12) does not
 * know the system calls the plugin is built on (open_tree, move_mount,
 * mount_setattr, openat2, pidfd_open, pidfd_send_signal, statmount,
 * listmount): it answers
 * ENOSYS.  This shim runs exactly those natively, outside the emulation
 * (VALGRIND_NON_SIMD_CALL), and everything else as usual, so memcheck
 * still checks all of the plugin's own code.  None of these calls writes
 * to user memory, so memcheck's view of memory stays right.  x86-64. */
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <valgrind/memcheck.h>
#include <valgrind/valgrind.h>

#ifndef __x86_64__
#error "the valgrind shim is for x86-64"
#endif

struct req {
  long nr, a[6], ret;
};

static long raw(long nr, const long *a) {
  long ret;
  register long r10 __asm__("r10") = a[3];
  register long r8 __asm__("r8") = a[4];
  register long r9 __asm__("r9") = a[5];
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "a"(nr), "D"(a[0]), "S"(a[1]), "d"(a[2]), "r"(r10),
                     "r"(r8), "r"(r9)
                   : "rcx", "r11", "memory");
  return ret;
}

/* Runs on the real CPU: valgrind passes its thread id first. */
static long native(long tid, long arg) {
  (void)tid;
  struct req *r = (struct req *)arg;
  r->ret = raw(r->nr, r->a);
  return 0;
}

static long run(long nr, long a0, long a1, long a2, long a3, long a4,
                long a5) {
  struct req r = {.nr = nr, .a = {a0, a1, a2, a3, a4, a5}, .ret = -38};
  if (RUNNING_ON_VALGRIND)
    VALGRIND_NON_SIMD_CALL1(native, &r);
  else
    r.ret = raw(nr, r.a);
  if (r.ret < 0 && r.ret > -4096) {
    errno = (int)-r.ret;
    return -1;
  }
  return r.ret;
}

int open_tree(int dfd, const char *path, unsigned int flags);
int move_mount(int from_dfd, const char *from, int to_dfd, const char *to,
               unsigned int flags);
int mount_setattr(int dfd, const char *path, unsigned int flags, void *attr,
                  size_t size);
int pidfd_open(int pid, unsigned int flags);
int pidfd_send_signal(int pidfd, int sig, void *info, unsigned int flags);
long syscall(long nr, ...);

int open_tree(int dfd, const char *path, unsigned int flags) {
  return (int)run(SYS_open_tree, dfd, (long)path, flags, 0, 0, 0);
}

int move_mount(int from_dfd, const char *from, int to_dfd, const char *to,
               unsigned int flags) {
  return (int)run(SYS_move_mount, from_dfd, (long)from, to_dfd, (long)to,
                  flags, 0);
}

int mount_setattr(int dfd, const char *path, unsigned int flags, void *attr,
                  size_t size) {
  return (int)run(SYS_mount_setattr, dfd, (long)path, flags, (long)attr,
                  (long)size, 0);
}

int pidfd_open(int pid, unsigned int flags) {
  return (int)run(SYS_pidfd_open, pid, flags, 0, 0, 0, 0);
}

int pidfd_send_signal(int pidfd, int sig, void *info, unsigned int flags) {
  return (int)run(SYS_pidfd_send_signal, pidfd, sig, (long)info, flags, 0, 0);
}

/* glibc's syscall(): openat2 natively, the rest through the real one. */
long syscall(long nr, ...) {
  va_list ap;
  long a[6];
  va_start(ap, nr);
  for (int i = 0; i < 6; i++)
    a[i] = va_arg(ap, long);
  va_end(ap);
  if (nr == SYS_openat2)
    return run(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
  /* statmount (6.8) fills the buffer it is given: tell memcheck so. */
  if (nr == 457) {
    long r = run(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
    if (r == 0)
      VALGRIND_MAKE_MEM_DEFINED((void *)a[1], (size_t)a[2]);
    return r;
  }
  /* listmount (6.8) fills an array of ids: the same. */
  if (nr == 458) {
    long r = run(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
    if (r > 0)
      VALGRIND_MAKE_MEM_DEFINED((void *)a[1], (size_t)r * sizeof(uint64_t));
    return r;
  }
  static long (*real)(long, ...);
  if (!real)
    real = (long (*)(long, ...))dlsym(RTLD_NEXT, "syscall");
  return real(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}
