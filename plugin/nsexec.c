/* SPDX-License-Identifier: Apache-2.0 */
/* The container-side child: a CLONE_VM|CLONE_VFORK clone that enters the
 * container's mount namespace (through its pidfd, or the ns/mnt file of a
 * process pinned as nsexec.h says) and runs a function made of system
 * calls only (ctrops.c), and the target it enters. */
#include <fcntl.h>
#include <linux/magic.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>

#include "fault.h"
#include "mntid.h"
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


/* From a /proc/PID/stat line: the pid (field 1) and the start time
 * (field 22, clock ticks after boot).  The comm field may hold spaces and
 * parentheses: fields are counted after the last ')'. */
static int parse_stat(const char *line, pid_t *pid, uint64_t *start) {
  char *end;
  long p = strtol(line, &end, 10);
  const char *s = strrchr(line, ')');
  if (end == line || *end != ' ' || p <= 0 || !s)
    return -EINVAL;
  s++;
  for (int field = 3; field < 22; field++) {
    s = strchr(s + 1, ' ');
    if (!s)
      return -EINVAL;
  }
  errno = 0;
  unsigned long long v = strtoull(s + 1, &end, 10);
  if (errno || end == s + 1 || (*end != ' ' && *end != '\n' && *end))
    return -EINVAL;
  *pid = (pid_t)p;
  *start = v;
  return 0;
}

/* The pid and start time of the process procfd (/proc/PID) is.  -ESRCH
 * once it is gone. */
static int read_stat(int procfd, pid_t *pid, uint64_t *start) {
  int fd = openat(procfd, "stat", O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return errno == ENOENT ? -ESRCH : -errno;
  char line[1024];
  ssize_t n = sp_read_small(fd, line, sizeof(line));
  if (n < 0)
    return n == -ENOENT ? -ESRCH : (int)n;
  return parse_stat(line, pid, start);
}

/* A /proc/PID dir fd, not a pidfd (one that is not a dir fails at its
 * first openat). */
static bool is_proc_dir(int fd) {
  struct statfs sf;
  return fstatfs(fd, &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC;
}

/* Pinned by its /proc dir: start time and mount namespace read through
 * it, ns/mnt and root opened through it. */
static int open_by_procfd(sp_target *t, const char *id, sp_error *err) {
  pid_t pid = 0;
  int r = read_stat(t->procfd, &pid, &t->start_time);
  if (r < 0)
    return sp_fail_errno(err, r == -ESRCH ? -ESRCH : r, "container '%s': "
                         "pid %d is not running", id, t->pid);
  if (pid != t->pid)
    return sp_fail(err, -EINVAL, "container '%s': the /proc dir the engine "
                   "gave is process %d, not pid %d", id, pid, t->pid);
  t->nsfd = openat(t->procfd, "ns/mnt", O_RDONLY | O_CLOEXEC);
  t->own_nsfd = t->nsfd >= 0;
  struct stat sb;
  if (t->nsfd < 0 || fstat(t->nsfd, &sb) < 0)
    return sp_fail_errno(err, errno == ENOENT ? -ESRCH : -errno,
                         "container '%s': the mount namespace of pid %d",
                         id, t->pid);
  t->ns_dev = sb.st_dev;
  t->ns_ino = sb.st_ino;
  t->rootfd = openat(t->procfd, "root", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (t->rootfd < 0)
    return sp_fail_errno(err, errno == ENOENT ? -ESRCH : -errno,
                         "container '%s': the root of pid %d", id, t->pid);
  return 0;
}

/* Pinned by a pidfd: what /proc shows is that process's if the pidfd
 * shows it alive afterwards. */
static int open_by_pidfd(sp_target *t, const char *id, sp_error *err) {
  char p[64];
  snprintf(p, sizeof(p), "/proc/%d/root", t->pid);
  t->rootfd = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
  int e = errno;
  if (t->rootfd >= 0 && !t->mech->setns_pidfd) {
    /* setns takes a pidfd since 5.8: before, the namespace file. */
    snprintf(p, sizeof(p), "/proc/%d/ns/mnt", t->pid);
    t->nsfd = open(p, O_RDONLY | O_CLOEXEC);
    t->own_nsfd = t->nsfd >= 0;
    e = errno;
  } else {
    t->nsfd = t->pidfd;
  }
  if (t->rootfd < 0 || t->nsfd < 0 ||
      pidfd_send_signal(t->pidfd, 0, NULL, 0) < 0) {
    int r = t->rootfd < 0 || t->nsfd < 0 ? -e : -errno;
    return sp_fail_errno(err, r, "container '%s': pid %d is not running", id,
                         t->pid);
  }
  return 0;
}

/* Binding into our own mount namespace would put host paths onto host
 * paths: a pid reused by a host process must never get that far.  (An
 * engine that passes a pidfd has pinned the process it meant.) */
static int not_our_namespace(sp_target *t, const char *id, sp_error *err) {
  if (t->nsfd == t->pidfd && !t->own_pidfd)
    return 0;
  struct stat self, them;
  if (stat("/proc/thread-self/ns/mnt", &self) < 0)
    return sp_fail_errno(err, -errno, "cannot see this process's mount "
                         "namespace");
  if (fstat(t->nsfd, &them) < 0)
    return sp_fail_errno(err, -errno, "container '%s': pid %d", id, t->pid);
  /* A pidfd is no namespace file: its namespace is read through /proc. */
  if (t->nsfd == t->pidfd) {
    char p[64];
    snprintf(p, sizeof(p), "/proc/%d/ns/mnt", t->pid);
    if (stat(p, &them) < 0 || pidfd_send_signal(t->pidfd, 0, NULL, 0) < 0)
      return sp_fail_errno(err, -ESRCH, "container '%s': pid %d is not "
                           "running", id, t->pid);
  }
  if (self.st_dev == them.st_dev && self.st_ino == them.st_ino)
    return sp_fail(err, -EPERM, "container '%s': pid %d is in this host's "
                   "mount namespace, not in a container's", id, t->pid);
  return 0;
}

int sp_target_open(const sp_mech *m, const struct sharedpath_container *c,
                   sp_target *t, sp_error *err) {
  *t = (sp_target)SP_TARGET_INIT;
  t->pid = c->pid;
  t->mech = m;
  if (c->pid <= 0)
    return sp_fail(err, -ESRCH, "container '%s' has no running process",
                   c->id);
  int given = SHAREDPATH_HAS(c, pidfd) && c->pidfd >= 0 ? c->pidfd : -1;
  int r;
  if (given >= 0 && is_proc_dir(given)) {
    t->procfd = given; /* an engine on a kernel without pidfds */
  } else if (m->pidfd && given >= 0) {
    t->pidfd = given;
  } else if (m->pidfd) {
    t->pidfd = pidfd_open(c->pid, 0);
    if (t->pidfd < 0)
      return sp_fail_errno(err, -errno, "container '%s': pid %d", c->id,
                           c->pid);
    t->own_pidfd = true;
  } else {
    char p[64];
    snprintf(p, sizeof(p), "/proc/%d", c->pid);
    t->procfd = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (t->procfd < 0)
      return sp_fail_errno(err, errno == ENOENT ? -ESRCH : -errno,
                           "container '%s': pid %d is not running", c->id,
                           c->pid);
    t->own_procfd = true;
  }
  r = t->procfd >= 0 ? open_by_procfd(t, c->id, err)
                     : open_by_pidfd(t, c->id, err);
  if (r == 0)
    r = not_our_namespace(t, c->id, err);
  if (r < 0)
    sp_target_close(t);
  return r;
}

int sp_target_recheck(const sp_target *t, sp_error *err) {
  if (t->procfd < 0)
    return 0;
  pid_t pid = 0;
  uint64_t start = 0;
  struct stat sb;
  int r = read_stat(t->procfd, &pid, &start);
  if (r == 0 && start != t->start_time)
    r = -ESRCH;
  if (r == 0 && (fstatat(t->procfd, "ns/mnt", &sb, 0) < 0 ||
                 sb.st_dev != t->ns_dev || sb.st_ino != t->ns_ino))
    r = -ESRCH;
  if (r < 0)
    return sp_fail(err, -ESRCH, "container pid %d exited or changed its "
                   "mount namespace during the call", t->pid);
  return 0;
}

void sp_target_close(sp_target *t) {
  if (t->own_pidfd && t->pidfd >= 0)
    close(t->pidfd);
  if (t->own_procfd && t->procfd >= 0)
    close(t->procfd);
  if (t->own_nsfd && t->nsfd >= 0)
    close(t->nsfd);
  if (t->rootfd >= 0)
    close(t->rootfd);
  const sp_mech *m = t->mech;
  *t = (sp_target)SP_TARGET_INIT;
  t->mech = m;
}

/* Open the running container, or report it is not running (t->pid 0). */
int sp_target_open_running(const sp_mech *m,
                           const struct sharedpath_container *c,
                           sp_target *t, sp_error *err) {
  *t = (sp_target)SP_TARGET_INIT;
  t->mech = m;
  if (!c || c->pid <= 0)
    return 0;
  return sp_target_open(m, c, t, err);
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
  if (setns(a->t->nsfd, CLONE_NEWNS) < 0) {
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
  /* Without a pidfd, the process is checked to be the one opened, after
   * every entry (what the child did then went into a namespace the
   * target pinned, but the caller must not go on as if it still ran). */
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
    return sp_target_recheck(t, err);
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
