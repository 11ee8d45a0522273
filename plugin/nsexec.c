/* SPDX-License-Identifier: Apache-2.0 */
/* The container-side child: a CLONE_VM|CLONE_VFORK clone that enters the
 * container's mount namespace through its pidfd and runs a function made
 * of system calls only (ctrops.c), and the target it enters. */
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/pidfd.h>
#include <sys/wait.h>

#include "fault.h"
#include "nsexec.h"

/* Under ASan: the child runs instrumented code on the lent stack and
 * _exits without unwinding, so its frames' redzones stay poisoned in the
 * shadow the engine shares; clear them before the memory is used again. */
#if defined(__SANITIZE_ADDRESS__)
#define SP_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SP_ASAN 1
#endif
#endif
#ifdef SP_ASAN
#include <sanitizer/asan_interface.h>
#define unpoison(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define unpoison(p, n) ((void)(p), (void)(n))
#endif

/* valgrind carries out CLONE_VM|CLONE_VFORK as a fork, so the child's
 * results must come back through a MAP_SHARED mapping there. */
#ifdef HAVE_VALGRIND_H
#include <valgrind/valgrind.h>
#define under_valgrind() (RUNNING_ON_VALGRIND != 0)
#else
#define under_valgrind() false
#endif


int sp_target_open(const struct sharedpath_container *c, sp_target *t,
                   sp_error *err) {
  *t = (sp_target){.pid = c->pid, .pidfd = -1, .rootfd = -1};
  if (c->pid <= 0)
    return sp_fail(err, -ESRCH, "container '%s' has no running process",
                   c->id);
  bool have_pidfd = SHAREDPATH_HAS(c, pidfd) && c->pidfd >= 0;
  if (have_pidfd) {
    t->pidfd = c->pidfd;
  } else {
    t->pidfd = pidfd_open(c->pid, 0);
    if (t->pidfd < 0)
      return sp_fail_errno(err, -errno, "container '%s': pid %d", c->id,
                           c->pid);
    t->own_pidfd = true;
  }
  char p[64];
  snprintf(p, sizeof(p), "/proc/%d/root", c->pid);
  t->rootfd = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
  int e = errno;
  /* The pidfd pins the process identity: if it is still alive now, the
   * /proc entry we opened was that process and not a reused pid. */
  if (t->rootfd < 0 || pidfd_send_signal(t->pidfd, 0, NULL, 0) < 0) {
    int r = t->rootfd < 0 ? -e : -errno;
    sp_target_close(t);
    return sp_fail_errno(err, r, "container '%s': pid %d is not running",
                         c->id, c->pid);
  }
  return 0;
}

void sp_target_close(sp_target *t) {
  if (t->own_pidfd && t->pidfd >= 0)
    close(t->pidfd);
  if (t->rootfd >= 0)
    close(t->rootfd);
  t->pidfd = t->rootfd = -1;
}

/* Open the running container, or report it is not running (t->pid 0). */
int sp_target_open_running(const struct sharedpath_container *c, sp_target *t,
                           sp_error *err) {
  *t = (sp_target){.pidfd = -1, .rootfd = -1};
  if (!c || c->pid <= 0)
    return 0;
  return sp_target_open(c, t, err);
}

/* What the child reports back, beside fn's own results. */
typedef struct child_out {
  long fault_steps; /* the test build's step counter (fault.h) */
  int setns_err;    /* -errno of entering the namespace, or 0 */
  int result;       /* fn's */
} child_out;

typedef struct child_args {
  const sp_target *t;
  sp_nsexec_fn fn;
  void *ctx, *shared;
  child_out *out;
} child_args;

/* Leaves with the fault-injection step count handed back (the parent
 * keeps counting from there, also where the clone is a fork). */
static int child_main(void *arg) {
  child_args *a = arg;
  sp_fault_child(true);
  if (setns(a->t->pidfd, CLONE_NEWNS) < 0) {
    a->out->setns_err = -errno;
    a->out->fault_steps = sp_fault_steps();
    _exit(1);
  }
  int r = a->fn(a->ctx, a->shared);
  a->out->result = r;
  a->out->fault_steps = sp_fault_steps();
  _exit(r < 0 ? 1 : 0);
}

int sp_nsexec(const sp_target *t, sp_nsexec_fn fn, void *ctx, void *shared,
              size_t shared_size, bool *inside, sp_error *err) {
  *inside = false;
  /* The child runs on a buffer in this frame: CLONE_VFORK suspends this
   * thread until the child exits, so the buffer is free to lend, and there
   * is no mmap/munmap per call (the munmap of a stack another CPU touched
   * costs a TLB shootdown; measured by `sharedpath-sim bench`).  The child
   * needs well under 16 KiB: its deepest frames hold a PATH_MAX buffer.
   * Under valgrind the stack, a copy of shared and what the child reports
   * go to a MAP_SHARED mapping instead, since the child is a fork there. */
  char buf[32 * 1024] __attribute__((aligned(64)));
  char *stack = buf;
  size_t stack_size = sizeof(buf), map_size = 0;
  void *work = shared, *map = NULL;
  child_out local = {.fault_steps = sp_fault_steps()}, *out = &local;
  if (under_valgrind()) {
    map_size = stack_size + shared_size + sizeof(child_out);
    map = mmap(NULL, map_size, PROT_READ | PROT_WRITE,
               MAP_SHARED | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (map == MAP_FAILED)
      return sp_fail_errno(err, -errno, "cannot allocate a child stack");
    stack = map;
    work = (char *)map + stack_size;
    memcpy(work, shared, shared_size);
    out = (child_out *)(void *)((char *)work + shared_size);
    *out = local;
  }
  child_args a = {.t = t, .fn = fn, .ctx = ctx, .shared = work, .out = out};
  /* Block signals so no handler of the engine runs in the child, which
   * shares the engine's memory. */
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  /* The child shares the fd table (CLONE_FILES): no copy of the engine's
   * table at clone and no close of every copy at exit, a cost that grows
   * with the engine's open fds; the child closes what it opens, and
   * setns(CLONE_NEWNS) and chroot need only its own fs_struct.  No exit
   * signal: __WALL reaps it, no SIGCHLD is queued behind the blocked mask
   * for the engine (nor can an engine's waitpid(-1) without __WALL take
   * it).  Under valgrind (a fork there) as before. */
  int flags = CLONE_VM | CLONE_VFORK |
              (under_valgrind() ? SIGCHLD : CLONE_FILES);
  pid_t pid = clone(child_main, stack + stack_size, flags, &a);
  int clone_errno = errno;
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  int status = 0;
  if (pid > 0)
    while (waitpid(pid, &status, __WALL) < 0 && errno == EINTR)
      ;
  sp_fault_child(false);
  if (pid > 0)
    sp_fault_set_steps(out->fault_steps);
  unpoison(stack, stack_size);
  child_out got = *out;
  if (map) {
    memcpy(shared, work, shared_size);
    munmap(map, map_size);
  }
  if (pid < 0)
    return sp_fail_errno(err, -clone_errno, "cannot start a child to enter "
                         "container pid %d", t->pid);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
    return 0;
  if (got.setns_err < 0)
    return sp_fail_errno(err, got.setns_err, "cannot enter the mount "
                         "namespace of container pid %d", t->pid);
  if (WIFEXITED(status) && got.result < 0) {
    *inside = true;
    return got.result;
  }
  return sp_fail(err, -EIO, "the child working in container pid %d died "
                 "(status 0x%x)", t->pid, status);
}
