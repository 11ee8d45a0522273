/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

#include "nsexec.h"

/* Under ASan: the child runs instrumented code on the mapped stack and
 * _exits without unwinding, so its stack redzones stay poisoned in the
 * shadow, where a later mapping at the same address would look poisoned. */
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

enum {
  STAGE_SETNS = 1,
  STAGE_RESOLVE,
  STAGE_CREATE,
  STAGE_CHECK,
  STAGE_MOUNT,
  STAGE_UMOUNT,
  STAGE_RESERVED,
};

static const char *stage_name(int s) {
  switch (s) {
  case STAGE_SETNS: return "entering the container's mount namespace";
  case STAGE_RESOLVE: return "resolving";
  case STAGE_CREATE: return "creating";
  case STAGE_CHECK: return "checking";
  case STAGE_MOUNT: return "mounting on";
  case STAGE_UMOUNT: return "unmounting";
  case STAGE_RESERVED: return "checking where symlinks lead";
  default: return "handling";
  }
}

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

/* ---- everything below runs in the CLONE_VM child: syscalls only ---- */

typedef struct child_args {
  const sp_target *t;
  sp_ctr_op *ops;
  size_t n;
  int procfd;
} child_args;

static int resolve(int rootfd, const char *path, int oflags) {
  struct open_how how = {
      .flags = (uint64_t)(O_PATH | O_CLOEXEC | oflags),
      .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
  };
  /* With RESOLVE_IN_ROOT, a rename or mount anywhere on the system while
   * ".." is resolved gives EAGAIN (the kernel cannot prove ".." stayed
   * inside): retry, as openat2(2) advises.  Bounded, for a container that
   * renames in a loop to starve us. */
  for (int tries = 0;; tries++) {
    int fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
    if (fd >= 0)
      return fd;
    if (errno != EAGAIN || tries == 1000)
      return -errno;
  }
}

/* Append fd's digits to buf ("self/fd/"): no snprintf in the child. */
static void fd_path(char buf[32], int fd) {
  char digits[12];
  int i = 0;
  unsigned int v = (unsigned int)fd;
  do
    digits[i++] = (char)('0' + v % 10);
  while ((v /= 10) && i < 11);
  size_t o = strlen(buf);
  while (i)
    buf[o++] = digits[--i];
  buf[o] = '\0';
}

/* The path of fd (plus "/name" when name is given) as the container sees
 * it, after symlinks: the child's root is the container's root (see
 * child_main), so the kernel's name for the fd is that path.  The rules for
 * container paths ("/", /.sharedpath, /proc, /sys) apply to it as to the
 * path given: a symlink must not be a way around them. */
static int check_resolved(int procfd, int fd, const char *name) {
  char link[32] = "self/fd/", path[PATH_MAX];
  fd_path(link, fd);
  ssize_t n = readlinkat(procfd, link, path, sizeof(path));
  if (n < 0)
    return -errno;
  if ((size_t)n >= sizeof(path))
    return -ENAMETOOLONG;
  if (name) {
    size_t len = strlen(name);
    if (n == 1)
      n = 0; /* the root: "/" + name */
    if ((size_t)n + 1 + len >= sizeof(path))
      return -ENAMETOOLONG;
    path[n++] = '/';
    memcpy(path + n, name, len);
    n += (ssize_t)len;
  }
  path[n] = '\0';
  return path[0] == '/' ? sp_ctr_path_check(path, NULL) : -EPERM;
}

/* procfs and sysfs hand over the kernel's view of the host (the container
 * shares its kernel): never mount on them, nor create anything there. */
static int on_kernel_fs(int fd) {
  struct statfs sf;
  if (fstatfs(fd, &sf) < 0)
    return -errno;
  return sf.f_type == PROC_SUPER_MAGIC || sf.f_type == SYSFS_MAGIC ? -EPERM
                                                                   : 0;
}

/* Create the missing components of path inside the container, each one
 * resolved in the container's root; the last one as a dir or an empty
 * file. */
static int create_path(int rootfd, int procfd, const char *path,
                       bool last_is_dir, int *stage) {
  char buf[PATH_MAX];
  size_t len = strlen(path);
  if (len >= sizeof(buf))
    return -ENAMETOOLONG;
  memcpy(buf, path, len + 1);
  int parent = resolve(rootfd, "/", O_DIRECTORY);
  if (parent < 0)
    return parent;
  char *p = buf + 1;
  for (;;) {
    char *slash = strchr(p, '/');
    bool last = slash == NULL;
    if (slash)
      *slash = '\0';
    int fd = resolve(rootfd, buf, last ? 0 : O_DIRECTORY);
    if (fd == -ENOENT) {
      int r = on_kernel_fs(parent);
      if (r < 0)
        *stage = STAGE_CHECK;
      else if ((r = check_resolved(procfd, parent, p)) < 0)
        *stage = STAGE_RESERVED;
      if (r < 0) {
        close(parent);
        return r;
      }
      if (!last || last_is_dir)
        r = mkdirat(parent, p, 0755) < 0 && errno != EEXIST ? -errno : 0;
      else {
        int f = openat(parent, p, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
                                      O_CLOEXEC, 0644);
        r = f < 0 && errno != EEXIST ? -errno : 0;
        if (f >= 0)
          close(f);
      }
      if (r < 0) {
        close(parent);
        return r;
      }
      fd = resolve(rootfd, buf, last ? 0 : O_DIRECTORY);
    }
    close(parent);
    if (fd < 0)
      return fd;
    if (last)
      return fd;
    parent = fd;
    *slash = '/';
    p = slash + 1;
  }
}

/* umount2 needs a path: reach the mount through the host's procfs
 * (procfd, opened before setns) so the container cannot fake it, and it is
 * exactly the mount fd points at, never whatever a path resolves to later.
 * Our own fd pins the mount, so the unmount is a detach: the mount leaves
 * the container's tree at once and is freed when the last file in it is
 * closed (processes inside keep what they hold open, as with docker). */
static int umount_fd(int procfd, int fd) {
  char path[32] = "self/fd/";
  fd_path(path, fd);
  /* umount2 resolves relative paths from the cwd: the host's /proc. */
  if (fchdir(procfd) < 0)
    return -errno;
  return umount2(path, MNT_DETACH) < 0 ? -errno : 0;
}

static bool same_mount_root(int fd, const sp_ident *id) {
  struct statx sx;
  if (statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &sx) < 0)
    return false;
  return (sx.stx_attributes & STATX_ATTR_MOUNT_ROOT) &&
         makedev(sx.stx_dev_major, sx.stx_dev_minor) == id->dev &&
         sx.stx_ino == id->ino;
}

static int do_attach(const child_args *a, sp_ctr_op *op) {
  int rootfd = a->t->rootfd;
  op->stage = STAGE_RESOLVE;
  int fd = resolve(rootfd, op->target, 0);
  if (fd == -ENOENT) {
    op->stage = STAGE_CREATE;
    fd = create_path(rootfd, a->procfd, op->target, op->ident.is_dir,
                     &op->stage);
  }
  if (fd < 0)
    return fd;
  op->stage = STAGE_RESERVED;
  int r = check_resolved(a->procfd, fd, NULL);
  if (r < 0) {
    close(fd);
    return r;
  }
  op->stage = STAGE_CHECK;
  struct stat sb;
  if (fstat(fd, &sb) < 0)
    r = -errno;
  else if ((r = on_kernel_fs(fd)) < 0)
    ;
  else if (op->ident.is_dir && !S_ISDIR(sb.st_mode))
    r = -ENOTDIR;
  else if (!op->ident.is_dir && S_ISDIR(sb.st_mode))
    r = -EISDIR;
  else if (!op->ident.is_dir && !S_ISREG(sb.st_mode))
    r = -EINVAL;
  if (r == 0) {
    op->stage = STAGE_MOUNT;
    if (move_mount(op->tree_fd, "", fd, "",
                   MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
      r = -errno;
  }
  close(fd);
  return r;
}

static int do_detach(const child_args *a, sp_ctr_op *op) {
  op->stage = STAGE_RESOLVE;
  int fd = resolve(a->t->rootfd, op->target, 0);
  if (fd == -ENOENT)
    return 1; /* nothing there: already gone */
  if (fd < 0)
    return fd;
  int r = 1;
  op->stage = STAGE_UMOUNT;
  /* Only unmount what is ours: the top mount at target must be our bind. */
  if (same_mount_root(fd, &op->ident))
    r = umount_fd(a->procfd, fd);
  close(fd);
  return r;
}

static int child_main(void *arg) {
  child_args *a = arg;
  /* Our root becomes exactly the root we resolve in (the container init's),
   * so the kernel names our fds as the container sees them. */
  if (setns(a->t->pidfd, CLONE_NEWNS) < 0 || fchdir(a->t->rootfd) < 0 ||
      chroot(".") < 0) {
    a->ops[0].stage = STAGE_SETNS;
    a->ops[0].result = -errno;
    _exit(1);
  }
  for (size_t i = 0; i < a->n; i++) {
    sp_ctr_op *op = &a->ops[i];
    int r = op->attach ? do_attach(a, op) : do_detach(a, op);
    if (r < 0) {
      op->result = r;
      _exit(1);
    }
    /* A detach that found nothing to do (1) changed nothing. */
    op->did = r == 0;
  }
  _exit(0);
}

int sp_ctr_run(const sp_target *t, sp_ctr_op *ops, size_t n, sp_error *err) {
  if (n == 0)
    return 0;
  for (size_t i = 0; i < n; i++)
    ops[i].result = 0, ops[i].stage = 0, ops[i].did = false;
  _cleanup_close_ int procfd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (procfd < 0)
    return sp_fail_errno(err, -errno, "cannot open /proc");
  /* One mapping holds the child's stack and the copy of ops it works on.
   * MAP_SHARED: the child's results reach us even where the clone is
   * carried out as a fork (valgrind does that with CLONE_VM|CLONE_VFORK),
   * at the cost of nothing but the mapping we need anyway. */
  const size_t stack_size = 64 * 1024;
  size_t map_size = stack_size + n * sizeof(*ops);
  void *map = mmap(NULL, map_size, PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (map == MAP_FAILED)
    return sp_fail_errno(err, -errno, "cannot allocate a child stack");
  unpoison(map, map_size);
  sp_ctr_op *shared = (sp_ctr_op *)((char *)map + stack_size);
  memcpy(shared, ops, n * sizeof(*ops));
  child_args a = {.t = t, .ops = shared, .n = n, .procfd = procfd};
  /* Block signals so no handler of the engine runs in the child, which
   * shares the engine's memory. */
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  pid_t pid = clone(child_main, (char *)map + stack_size,
                    CLONE_VM | CLONE_VFORK | SIGCHLD, &a);
  int clone_errno = errno;
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  int status = 0;
  if (pid > 0)
    while (waitpid(pid, &status, __WALL) < 0 && errno == EINTR)
      ;
  for (size_t i = 0; i < n; i++) {
    ops[i].result = shared[i].result;
    ops[i].stage = shared[i].stage;
    ops[i].did = shared[i].did;
  }
  unpoison(map, map_size);
  munmap(map, map_size);
  if (pid < 0)
    return sp_fail_errno(err, -clone_errno, "cannot start a child to enter "
                         "container pid %d", t->pid);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
    return 0;
  for (size_t i = 0; i < n; i++)
    if (ops[i].result < 0) {
      if (ops[i].stage == STAGE_SETNS)
        return sp_fail_errno(err, ops[i].result, "cannot enter the mount "
                             "namespace of container pid %d", t->pid);
      if (ops[i].stage == STAGE_CHECK && ops[i].result == -EPERM)
        return sp_fail(err, -EPERM, "container path %s is on procfs or "
                       "sysfs inside the container; refusing to mount there",
                       ops[i].target);
      if (ops[i].stage == STAGE_RESERVED &&
          (ops[i].result == -EPERM || ops[i].result == -EINVAL))
        return sp_fail(err, ops[i].result, "container path %s leads through "
                       "symlinks to the container's / or to a reserved path "
                       "(%s, /proc, /sys); refusing to mount there",
                       ops[i].target, SHAREDPATH_CONTAINER_DIR);
      return sp_fail_errno(err, ops[i].result, "%s container path %s",
                           stage_name(ops[i].stage), ops[i].target);
    }
  return sp_fail(err, -EIO, "the child working in container pid %d died "
                 "(status 0x%x)", t->pid, status);
}
