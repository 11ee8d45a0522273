/* SPDX-License-Identifier: Apache-2.0 */
/* sharedpath-kernel-probe PROFILE|none: check that this process sees the
 * kernel PROFILE names (as sharedpath-kernel-run sets it up), or, with
 * "none", the running kernel as it is.  The expectations are this file's
 * own (when each call or flag came), not the launcher's tables, and
 * every one is the lesser of the profile and the running kernel.
 *
 * Each check prints "ok" or "FAIL" with what it expected and saw; the exit
 * status is 1 if any failed.  Runs in a private mount namespace of its own
 * (the idmap check makes a detached tmpfs; nothing is ever attached). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "profile.h"

#ifndef STATX_MNT_ID_UNIQUE
#define STATX_MNT_ID_UNIQUE 0x00004000U
#endif

extern char **environ;

static unsigned eff; /* the kernel this process should look like */
static int failures;

#define V(a, b) SP_KV(a, b)

static void check(int ok, const char *what, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void check(int ok, const char *what, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  printf("%s %s: ", ok ? "ok  " : "FAIL", what);
  vprintf(fmt, ap);
  printf("\n");
  va_end(ap);
  if (!ok)
    failures++;
}

static const char *err_name(long r, int e) {
  static char buf[64];
  if (r >= 0)
    snprintf(buf, sizeof(buf), "success (%ld)", r);
  else
    snprintf(buf, sizeof(buf), "%s", strerrorname_np(e) ? strerrorname_np(e)
                                                        : "unknown errno");
  return buf;
}

/* A raw call: ENOSYS exactly when the kernel lacks it. */
static void expect_call(const char *name, unsigned since, long r, int e) {
  int have = since <= eff;
  int got_enosys = r < 0 && e == ENOSYS;
  check(have != got_enosys, name, "%s since %u.%u: expected %s, got %s",
        have ? "present" : "absent", since / 256, since % 256,
        have ? "anything but ENOSYS" : "ENOSYS", err_name(r, e));
}
#define CALL(name, since, ...)                                                 \
  do {                                                                         \
    errno = 0;                                                                 \
    long r_ = syscall(__VA_ARGS__);                                            \
    expect_call(name, since, r_, errno);                                       \
  } while (0)

/* A flag of a call: present (not EINVAL), EINVAL, or the call is absent. */
static void expect_flag(const char *name, unsigned call_since,
                        unsigned flag_since, long r, int e) {
  const char *want;
  int ok;
  if (call_since > eff) {
    want = "ENOSYS";
    ok = r < 0 && e == ENOSYS;
  } else if (flag_since > eff) {
    want = "EINVAL";
    ok = r < 0 && e == EINVAL;
  } else {
    want = "neither EINVAL nor ENOSYS";
    ok = r >= 0 || (e != EINVAL && e != ENOSYS);
  }
  check(ok, name, "flag since %u.%u: expected %s, got %s", flag_since / 256,
        flag_since % 256, want, err_name(r, e));
}
#define FLAG(name, call_since, flag_since, ...)                                \
  do {                                                                         \
    errno = 0;                                                                 \
    long r_ = syscall(__VA_ARGS__);                                            \
    int e_ = errno;                                                            \
    if (r_ >= 0 && (call_since) == V(5, 3))                                    \
      close((int)r_);                                                          \
    expect_flag(name, call_since, flag_since, r_, e_);                         \
  } while (0)

/* i386 system calls from this 64-bit process (IA32_EMULATION). */
static long int80(long nr, long a, long b) {
  long ret;
  __asm__ volatile("int $0x80"
                   : "=a"(ret)
                   : "a"(nr), "b"(a), "c"(b), "d"(0L), "S"(0L), "D"(0L)
                   : "memory", "r8", "r9", "r10", "r11");
  return ret;
}
static void expect_i386(const char *name, unsigned since, long nr) {
  long r = int80(nr, 0, 0);
  expect_call(name, since, r < 0 ? -1 : r, r < 0 ? (int)-r : 0);
}

static void check_status(const char *profile) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  int seccomp = -1;
  while (f && fgets(line, sizeof(line), f))
    sscanf(line, "Seccomp: %d", &seccomp);
  if (f)
    fclose(f);
  if (strcmp(profile, "none") != 0)
    check(seccomp == 2, "seccomp filter", "expected mode 2, got %d", seccomp);
  const char *env = getenv(SP_KERNEL_PROFILE_ENV);
  if (strcmp(profile, "none") == 0)
    check(!env, SP_KERNEL_PROFILE_ENV, "expected unset, got '%s'",
          env ? env : "");
  else
    check(env && strcmp(env, profile) == 0, SP_KERNEL_PROFILE_ENV,
          "expected '%s', got '%s'", profile, env ? env : "(unset)");
}

static void check_numbers(void) {
  CALL("rseq (334)", V(4, 18), SYS_rseq, NULL, 0, 0, 0);
  CALL("pidfd_send_signal (424)", V(5, 1), 424, -1, 0, NULL, 0);
  CALL("open_tree (428)", V(5, 2), 428, -1, "", 0);
  CALL("pidfd_open (434)", V(5, 3), 434, INT_MAX, 0);
  CALL("clone3 (435)", V(5, 3), 435, NULL, 0);
  CALL("close_range (436)", V(5, 9), 436, 10, 5, 0);
  CALL("openat2 (437)", V(5, 6), 437, -1, NULL, NULL, 0);
  CALL("process_madvise (440)", V(5, 10), 440, -1, NULL, 0, 0, 0);
  CALL("epoll_pwait2 (441)", V(5, 11), 441, -1, NULL, 0, NULL, NULL, 0);
  CALL("mount_setattr (442)", V(5, 12), 442, -1, NULL, 0, NULL, 0);
  CALL("process_mrelease (448)", V(5, 15), 448, -1, 0);
  CALL("futex_waitv (449)", V(5, 16), 449, NULL, 0, 0, NULL, 0);
  CALL("fchmodat2 (452)", V(6, 6), 452, -1, "", 0, 0x7fff);
  CALL("futex_wake (454)", V(6, 7), 454, NULL, 0, 0, 0);
  CALL("statmount (457)", V(6, 8), 457, NULL, NULL, 0, 0);
}

static void check_x32(void) {
  long bit = 0x40000000L;
  errno = 0;
  long pid = syscall(bit | SYS_getpid);
  if (pid != getpid()) {
    printf("skip x32: this kernel runs no x32 calls (%s)\n",
           err_name(pid, errno));
    return;
  }
  check(1, "x32 getpid", "allowed");
  CALL("x32 mount_setattr", V(5, 12), bit | 442, -1, NULL, 0, NULL, 0);
}

static void check_i386(void) {
  long pid = int80(20 /* getpid */, 0, 0);
  if (pid != getpid()) {
    printf("skip i386: this kernel runs no i386 calls (%s)\n",
           err_name(pid < 0 ? -1 : pid, pid < 0 ? (int)-pid : 0));
    return;
  }
  check(1, "i386 getpid", "allowed");
  expect_i386("i386 rseq (386)", V(4, 18), 386);
  expect_i386("i386 clock_gettime64 (403)", V(5, 1), 403);
  expect_i386("i386 clone3 (435)", V(5, 3), 435);
  expect_i386("i386 mount_setattr (442)", V(5, 12), 442);
}

static void check_flags(void) {
  int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
  FLAG("waitid P_PIDFD", V(2, 6), V(5, 4), SYS_waitid, 3, null, NULL,
       WEXITED | WNOHANG, NULL);
  close(null);
  FLAG("pidfd_open PIDFD_NONBLOCK", V(5, 3), V(5, 10), SYS_pidfd_open,
       getpid(), O_NONBLOCK);
  FLAG("pidfd_open PIDFD_THREAD", V(5, 3), V(6, 9), SYS_pidfd_open, getpid(),
       O_EXCL);
  FLAG("pidfd_send_signal PIDFD_SIGNAL_THREAD", V(5, 1), V(6, 9),
       SYS_pidfd_send_signal, -1, 0, NULL, 1);
  FLAG("close_range CLOSE_RANGE_CLOEXEC", V(5, 9), V(5, 11), SYS_close_range,
       INT_MAX - 1, INT_MAX, 4);
  FLAG("move_mount MOVE_MOUNT_SET_GROUP", V(5, 2), V(5, 15), SYS_move_mount,
       -1, "", -1, "", 0x100);
  FLAG("move_mount MOVE_MOUNT_BENEATH", V(5, 2), V(6, 5), SYS_move_mount, -1,
       "", -1, "", 0x200);
  /* A time namespace for this probe's later children only: harmless. */
  FLAG("unshare CLONE_NEWTIME", V(2, 6), V(5, 6), SYS_unshare, 0x80);
}

/* What the shim emulates, through glibc's wrappers as the plugin calls
 * them; the raw call beside shows the running kernel. */
static void check_statx(void) {
  struct statx sx, raw;
  memset(&sx, 0xff, sizeof(sx));
  if (statx(AT_FDCWD, "/", AT_SYMLINK_NOFOLLOW,
            STATX_BASIC_STATS | STATX_MNT_ID_UNIQUE, &sx) < 0) {
    check(0, "statx /", "%s", strerror(errno));
    return;
  }
  long r = syscall(SYS_statx, AT_FDCWD, "/", AT_SYMLINK_NOFOLLOW,
                   STATX_BASIC_STATS | STATX_MNT_ID, &raw);
  int unique = !!(sx.stx_mask & STATX_MNT_ID_UNIQUE);
  int old = !!(sx.stx_mask & STATX_MNT_ID);
  int root_known = !!(sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT);
  int root = !!(sx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
  if (eff >= V(6, 8)) {
    check(unique && !old, "statx STATX_MNT_ID_UNIQUE",
          "6.8+: expected the unique id, got mask unique=%d old=%d", unique,
          old);
  } else if (eff >= V(5, 8)) {
    check(!unique && old && r == 0 && sx.stx_mnt_id == raw.stx_mnt_id,
          "statx STATX_MNT_ID_UNIQUE",
          "5.8-6.7: expected the old id %llu with STATX_MNT_ID, got mask "
          "unique=%d old=%d id %llu",
          (unsigned long long)raw.stx_mnt_id, unique, old,
          (unsigned long long)sx.stx_mnt_id);
  } else {
    check(!unique && !old && sx.stx_mnt_id == 0, "statx STATX_MNT_ID",
          "before 5.8: expected no mount id, got mask unique=%d old=%d id "
          "%llu",
          unique, old, (unsigned long long)sx.stx_mnt_id);
  }
  int want_root = eff >= V(5, 8);
  check(root_known == want_root && root == want_root,
        "statx STATX_ATTR_MOUNT_ROOT",
        "expected %s, got attributes_mask %d attribute %d",
        want_root ? "known and set on /" : "unknown and clear", root_known,
        root);
  if (!want_root)
    printf("note: a raw statx system call still sees STATX_ATTR_MOUNT_ROOT "
           "%s (the shim covers glibc's wrapper only)\n",
           r == 0 && (raw.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) ? "known"
                                                                      : "unknown");
}

static char child_stack[64 * 1024] __attribute__((aligned(16)));
static int child_fn(void *arg) { return 0; }

static void check_pidfds(void) {
  /* clone(CLONE_PIDFD): 5.2; a 4.19 kernel ignores the bit. */
  int pidfd = -1;
  pid_t pid = clone(child_fn, child_stack + sizeof(child_stack),
                    CLONE_PIDFD | SIGCHLD, NULL, &pidfd);
  if (pid < 0) {
    check(0, "clone CLONE_PIDFD", "clone: %s", strerror(errno));
  } else {
    waitpid(pid, NULL, 0);
    int want = eff >= V(5, 2);
    check((pidfd >= 0) == want, "clone CLONE_PIDFD",
          "expected %s, got pidfd %d", want ? "a pidfd" : "the bit ignored",
          pidfd);
    if (pidfd >= 0)
      close(pidfd);
  }
  /* setns on a pidfd: 5.8; a namespace file always. */
  int ns = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
  int nr = ns < 0 ? -1 : setns(ns, CLONE_NEWNS);
  check(nr == 0, "setns /proc/self/ns/mnt", "expected success, got %s",
        ns < 0 ? "no ns file" : err_name(nr, errno));
  if (ns >= 0)
    close(ns);
  int fd = (int)syscall(SYS_pidfd_open, getpid(), 0);
  if (fd < 0) {
    printf("skip setns on a pidfd: pidfd_open: %s\n", strerror(errno));
    return;
  }
  errno = 0;
  int r = setns(fd, CLONE_NEWNS);
  int e = errno;
  close(fd);
  int want = eff >= V(5, 8);
  check((r == 0) == want && (want || e == EINVAL), "setns pidfd",
        "since 5.8: expected %s, got %s", want ? "success" : "EINVAL",
        err_name(r, e));
}

/* MOUNT_ATTR_IDMAP on a detached tmpfs: tmpfs takes it since 6.3.  With our
 * own user namespace (the initial one) a kernel that takes it answers
 * EPERM. */
static void check_idmap(void) {
  int fs = (int)syscall(SYS_fsopen, "tmpfs", 1 /* FSOPEN_CLOEXEC */);
  if (fs < 0) {
    expect_call("fsopen (430)", V(5, 2), -1, errno);
    return;
  }
  int m = -1;
  if (syscall(SYS_fsconfig, fs, 6 /* FSCONFIG_CMD_CREATE */, NULL, NULL, 0) == 0)
    m = (int)syscall(SYS_fsmount, fs, 1 /* FSMOUNT_CLOEXEC */, 0);
  close(fs);
  int userns = open("/proc/self/ns/user", O_RDONLY | O_CLOEXEC);
  if (m < 0 || userns < 0) {
    check(0, "mount_setattr MOUNT_ATTR_IDMAP on tmpfs", "setup: %s",
          strerror(errno));
    return;
  }
  struct mount_attr a = {.attr_set = MOUNT_ATTR_IDMAP,
                         .userns_fd = (unsigned)userns};
  errno = 0;
  int r = mount_setattr(m, "", AT_EMPTY_PATH, &a, sizeof(a));
  int e = errno;
  close(m);
  close(userns);
  const char *want = eff < V(5, 12)  ? "ENOSYS"
                     : eff < V(6, 3) ? "EINVAL"
                                     : "EPERM";
  check(r < 0 && strcmp(strerrorname_np(e), want) == 0,
        "mount_setattr MOUNT_ATTR_IDMAP on tmpfs", "expected %s, got %s",
        want, err_name(r, e));
}

static void *thread_fn(void *arg) { return arg; }

/* glibc creates threads and spawns with clone3, falling back to clone on
 * ENOSYS (before 5.3). */
static void check_glibc(void) {
  pthread_t t;
  void *out = NULL;
  int r = pthread_create(&t, NULL, thread_fn, (void *)1);
  if (r == 0)
    pthread_join(t, &out);
  check(r == 0 && out == (void *)1, "pthread_create", "%s",
        r ? strerror(r) : "a thread ran");
  const char *bb = access("/bin/busybox", X_OK) == 0 ? "/bin/busybox" : "/bin/true";
  char *argv[] = {(char *)bb, "true", NULL};
  pid_t pid;
  r = posix_spawn(&pid, bb, NULL, NULL, argv, environ);
  int status = -1;
  if (r == 0)
    waitpid(pid, &status, 0);
  check(r == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0, "posix_spawn",
        "%s true: %s, status %d", bb, r ? strerror(r) : "ran", status);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: sharedpath-kernel-probe PROFILE|none\n");
    return 2;
  }
  unsigned host = sp_host_kv();
  eff = host ? host : V(99, 0);
  if (strcmp(argv[1], "none") != 0) {
    const sp_kernel_profile *p = sp_kernel_profile_find(argv[1]);
    if (!p) {
      fprintf(stderr, "sharedpath-kernel-probe: no profile '%s'\n", argv[1]);
      return 2;
    }
    if (p->kv < eff)
      eff = p->kv;
  }
  if (unshare(CLONE_NEWNS) < 0 ||
      mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
    fprintf(stderr, "sharedpath-kernel-probe: private mount namespace: %s\n",
            strerror(errno));
    return 1;
  }
  printf("probe: profile %s, expecting kernel %u.%u\n", argv[1], eff / 256,
         eff % 256);
  check_status(argv[1]);
  check_numbers();
  check_x32();
  check_i386();
  check_flags();
  check_statx();
  check_pidfds();
  check_idmap();
  check_glibc();
  printf("probe: %d failed\n", failures);
  return failures ? 1 : 0;
}
