/* SPDX-License-Identifier: Apache-2.0 */
/* The kernel mechanisms and their fallbacks: the probe against the
 * kernel the test sees (a profile's, under sharedpath-kernel-run), the
 * walk that stands in for openat2, mount ids and roots without statx's,
 * mountinfo and fdinfo text, and a container's process pinned by its
 * /proc dir. */
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "mntid.h"
#include "nsexec.h"
#include "sharedpath/host.h"
#include "unit.h"
#include "walk.h"

#define KV(a, b) ((a) * 256 + (b))

/* The kernel this process should see: the launcher's profile
 * (SHAREDPATH_KERNEL), else the running one.  A test reads it; the
 * plugin never does. */
static unsigned int seen_kv(void) {
  unsigned int a = 0, b = 0;
  struct utsname u;
  const char *p = getenv("SHAREDPATH_KERNEL");
  unsigned int host = uname(&u) == 0 && sscanf(u.release, "%u.%u", &a, &b) ==
                                            2 ? KV(a, b) : 0;
  if (p && sscanf(p, "%u.%u", &a, &b) == 2 && KV(a, b) < host)
    return KV(a, b);
  return host;
}

static void test_probe_matches_kernel(void) {
  unsigned int kv = seen_kv();
  sp_mech m;
  sp_mech_probe(0, &m);
  const sp_kernel_has *h = &m.has;
  CU_ASSERT_EQUAL(h->pidfd_send_signal, kv >= KV(5, 1));
  CU_ASSERT_EQUAL(h->open_tree, kv >= KV(5, 2));
  CU_ASSERT_EQUAL(h->move_mount, kv >= KV(5, 2));
  CU_ASSERT_EQUAL(h->pidfd_open, kv >= KV(5, 3));
  CU_ASSERT_EQUAL(h->openat2, kv >= KV(5, 6));
  CU_ASSERT_EQUAL(h->setns_pidfd, kv >= KV(5, 8));
  CU_ASSERT_EQUAL(h->statx_mnt_id, kv >= KV(5, 8));
  CU_ASSERT_EQUAL(h->statx_mount_root, kv >= KV(5, 8));
  CU_ASSERT_EQUAL(h->mount_setattr, kv >= KV(5, 12));
  CU_ASSERT_EQUAL(h->statmount, kv >= KV(6, 8));
  CU_ASSERT_EQUAL(h->listmount, kv >= KV(6, 8));
  CU_ASSERT_EQUAL(h->statx_mnt_id_unique, kv >= KV(6, 8));
  CU_ASSERT(h->fdinfo_mnt_id);
  /* What is used follows. */
  CU_ASSERT_EQUAL(m.mount_api, kv >= KV(5, 12));
  CU_ASSERT_EQUAL(m.openat2, kv >= KV(5, 8));
  CU_ASSERT_EQUAL(m.pidfd, kv >= KV(5, 3));
  CU_ASSERT_EQUAL(m.setns_pidfd, kv >= KV(5, 8));
  CU_ASSERT_EQUAL(m.statmount, kv >= KV(6, 8));
  CU_ASSERT_EQUAL(m.statx_mount, kv >= KV(5, 8));
  /* The engine's avoid rules each out, whatever the kernel has. */
  sp_mech_probe(SHAREDPATH_MECH_ALL, &m);
  CU_ASSERT(!m.mount_api && !m.openat2 && !m.pidfd && !m.setns_pidfd &&
            !m.statmount && !m.statx_mount);
  CU_ASSERT_EQUAL(m.has.open_tree, kv >= KV(5, 2));
  sp_mech_probe(SHAREDPATH_MECH_STATX_MOUNT, &m);
  CU_ASSERT(!m.statx_mount && !m.openat2); /* the walk names parents */
  char *json = NULL;
  CU_ASSERT_EQUAL(sp_mech_json(&m, &json, NULL), 0);
  CU_ASSERT_PTR_NOT_NULL(strstr(json, "\"avoided\":[\"statx-mount\"]"));
  CU_ASSERT_PTR_NOT_NULL(strstr(json, "\"step\":\"resolve\",\"mechanism\":"
                                      "\"walk\""));
  free(json);
}

/* ---- the walk ---- */

static char tree[PATH_MAX];

static void mk(const char *rel, bool dir) {
  char p[PATH_MAX];
  snprintf(p, sizeof(p), "%s/%s", tree, rel);
  if (dir) {
    CU_ASSERT(mkdir(p, 0755) == 0 || errno == EEXIST);
  } else {
    CU_ASSERT(close(open(p, O_WRONLY | O_CREAT, 0644)) == 0);
  }
}

static void ln(const char *target, const char *rel) {
  char p[PATH_MAX];
  snprintf(p, sizeof(p), "%s/%s", tree, rel);
  CU_ASSERT_EQUAL(symlink(target, p), 0);
}

/* The inode rel names under the tree, as the kernel sees it. */
static ino_t ino_of(const char *rel) {
  char p[PATH_MAX];
  struct stat sb;
  snprintf(p, sizeof(p), "%s/%s", tree, rel);
  return stat(p, &sb) == 0 ? sb.st_ino : 0;
}

static int walk(const char *path, int oflags, unsigned int flags,
                ino_t *ino, ino_t *parent_ino) {
  static sp_walk_buf b;
  int root = open(tree, O_PATH | O_DIRECTORY | O_CLOEXEC), parent = -1;
  int fd = sp_walk(root, path, oflags, flags, &b, &parent);
  struct stat sb;
  if (fd >= 0 && ino)
    *ino = fstat(fd, &sb) == 0 ? sb.st_ino : 0;
  if (parent_ino)
    *parent_ino = parent >= 0 && fstat(parent, &sb) == 0 ? sb.st_ino : 0;
  if (fd >= 0)
    close(fd);
  if (parent >= 0)
    close(parent);
  close(root);
  return fd < 0 ? fd : 0;
}

static void test_walk(void) {
  snprintf(tree, sizeof(tree), "/tmp/sp-walk.XXXXXX");
  CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(tree));
  mk("a", true), mk("a/b", true), mk("a/f", false), mk("etc", true);
  ln("/a/b", "abs");                         /* absolute: from the root */
  ln("../../../../../../../etc", "up");      /* .. stops at the root */
  ln("b/../../etc", "a/rel");                /* .. after a symlink */
  ln("loop2", "loop1"), ln("loop1", "loop2");
  ino_t ino = 0, pino = 0;
  CU_ASSERT_EQUAL(walk("/a/b", 0, 0, &ino, &pino), 0);
  CU_ASSERT_EQUAL(ino, ino_of("a/b"));
  CU_ASSERT_EQUAL(pino, ino_of("a"));
  CU_ASSERT_EQUAL(walk("/abs", O_DIRECTORY, 0, &ino, &pino), 0);
  CU_ASSERT_EQUAL(ino, ino_of("a/b"));
  CU_ASSERT_EQUAL(pino, ino_of("a"));
  CU_ASSERT_EQUAL(walk("/up", 0, 0, &ino, NULL), 0);
  CU_ASSERT_EQUAL(ino, ino_of("etc"));
  CU_ASSERT_EQUAL(walk("/a/rel", 0, 0, &ino, &pino), 0);
  CU_ASSERT_EQUAL(ino, ino_of("etc"));
  CU_ASSERT_EQUAL(walk("/../../a/./b/..//b", 0, 0, &ino, &pino), 0);
  CU_ASSERT_EQUAL(ino, ino_of("a/b"));
  CU_ASSERT_EQUAL(pino, ino_of("a"));
  CU_ASSERT_EQUAL(walk("/a/b/..", 0, 0, &ino, &pino), 0);
  CU_ASSERT_EQUAL(ino, ino_of("a"));
  CU_ASSERT_EQUAL(pino, 0); /* a last ".." names no parent */
  CU_ASSERT_EQUAL(walk("/", 0, 0, &ino, &pino), 0);
  CU_ASSERT_EQUAL(ino, ino_of("."));
  CU_ASSERT_EQUAL(walk("/loop1", 0, 0, NULL, NULL), -ELOOP);
  CU_ASSERT_EQUAL(walk("/abs", 0, SP_WALK_NO_SYMLINKS, NULL, NULL), -ELOOP);
  CU_ASSERT_EQUAL(walk("/a/f/x", 0, 0, NULL, NULL), -ENOTDIR);
  CU_ASSERT_EQUAL(walk("/a/f/", 0, 0, NULL, NULL), -ENOTDIR);
  CU_ASSERT_EQUAL(walk("/a/f", O_DIRECTORY, 0, NULL, NULL), -ENOTDIR);
  CU_ASSERT_EQUAL(walk("/a/missing", 0, 0, NULL, NULL), -ENOENT);
  /* At most SP_WALK_MAX_LINKS symlinks: a chain of 40 resolves, 41 not. */
  char name[32], next[32];
  for (int i = 0; i <= SP_WALK_MAX_LINKS; i++) {
    snprintf(name, sizeof(name), "c%d", i);
    snprintf(next, sizeof(next), i ? "c%d" : "a", i - 1);
    ln(next, name);
  }
  CU_ASSERT_EQUAL(walk("/c39", 0, 0, &ino, NULL), 0);
  CU_ASSERT_EQUAL(ino, ino_of("a"));
  CU_ASSERT_EQUAL(walk("/c40", 0, 0, NULL, NULL), -ELOOP);
  /* A symlink text that would make the path too long. */
  char longp[PATH_MAX];
  memset(longp, 'x', sizeof(longp) - 1);
  longp[sizeof(longp) - 1] = '\0';
  CU_ASSERT_EQUAL(walk(longp, 0, 0, NULL, NULL), -ENAMETOOLONG);
  char cmd[PATH_MAX + 16];
  snprintf(cmd, sizeof(cmd), "rm -rf %s", tree);
  CU_ASSERT_EQUAL(system(cmd), 0);
}

/* Magic links are refused, procfs's other symlinks followed (as
 * RESOLVE_NO_MAGICLINKS does), from the real root. */
static void test_walk_magic(void) {
  static sp_walk_buf b;
  int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  CU_ASSERT_EQUAL(sp_walk(root, "/proc/self/cwd", 0, 0, &b, NULL), -ELOOP);
  CU_ASSERT_EQUAL(sp_walk(root, "/proc/self/root/etc", 0, 0, &b, NULL),
                  -ELOOP);
  CU_ASSERT_EQUAL(sp_walk(root, "/proc/self/ns/mnt", 0, 0, &b, NULL), -ELOOP);
  int fd = sp_walk(root, "/proc/self", O_DIRECTORY, 0, &b, NULL);
  CU_ASSERT(fd >= 0);
  struct stat a, c;
  char self[64];
  snprintf(self, sizeof(self), "/proc/%d", getpid());
  CU_ASSERT(fd >= 0 && fstat(fd, &a) == 0 && stat(self, &c) == 0 &&
            a.st_ino == c.st_ino);
  if (fd >= 0)
    close(fd);
  close(root);
}

/* ---- mount ids, roots, mountinfo ---- */

static void test_fdinfo_parse(void) {
  uint64_t id = 0;
  const char t[] = "pos:\t0\nflags:\t012000000\nmnt_id:\t42\nino:\t7\n";
  CU_ASSERT_EQUAL(sp_fdinfo_parse_mnt_id(t, sizeof(t) - 1, &id), 0);
  CU_ASSERT_EQUAL(id, 42);
  const char bad[] = "pos:\t0\nxmnt_id:\t42\n";
  CU_ASSERT_EQUAL(sp_fdinfo_parse_mnt_id(bad, sizeof(bad) - 1, &id), -EINVAL);
  const char none[] = "pos:\t0\nmnt_id:\tx\n";
  CU_ASSERT_EQUAL(sp_fdinfo_parse_mnt_id(none, sizeof(none) - 1, &id),
                  -EINVAL);
  /* The real one, and statx's where the kernel has it, agree. */
  int procfd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
  int fd = open("/", O_PATH | O_CLOEXEC);
  CU_ASSERT_EQUAL(sp_fdinfo_mnt_id(procfd, fd, &id), 0);
  sp_mech m;
  sp_mech_probe(0, &m);
  uint64_t sid = 0;
  if (m.statx_mount) {
    CU_ASSERT_EQUAL(sp_fd_mnt_id(&m, procfd, fd, false, &sid), 0);
    CU_ASSERT_EQUAL(sid, id);
  }
  CU_ASSERT_FALSE(sp_mnt_id_is_unique(id));
  if (m.statmount) {
    CU_ASSERT_EQUAL(sp_fd_mnt_id(&m, procfd, fd, true, &sid), 0);
    CU_ASSERT(sp_mnt_id_is_unique(sid));
  }
  close(fd);
  close(procfd);
}

/* Without STATX_ATTR_MOUNT_ROOT: /proc is a mount's root, /proc/1 is
 * not, a file in /proc/self is not; with it (where the kernel has it)
 * the same answers. */
static void test_mount_root_fallback(void) {
  sp_mech m;
  sp_mech_probe(SHAREDPATH_MECH_STATX_MOUNT, &m);
  int procfd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
  int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  int self = open("/proc/self", O_PATH | O_DIRECTORY | O_CLOEXEC);
  int one = open("/proc/1", O_PATH | O_DIRECTORY | O_CLOEXEC);
  int file = openat(self, "stat", O_PATH | O_CLOEXEC);
  struct statx sx;
  CU_ASSERT_EQUAL(statx(procfd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &sx), 0);
  CU_ASSERT_EQUAL(sp_fd_is_mount_root(&m, procfd, procfd, root, &sx), 1);
  CU_ASSERT_EQUAL(sp_fd_is_mount_root(&m, procfd, procfd, -1, &sx), 1);
  CU_ASSERT_EQUAL(statx(one, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &sx), 0);
  CU_ASSERT_EQUAL(sp_fd_is_mount_root(&m, procfd, one, procfd, &sx), 0);
  CU_ASSERT_EQUAL(sp_fd_is_mount_root(&m, procfd, one, -1, &sx), 0);
  CU_ASSERT_EQUAL(statx(file, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &sx), 0);
  CU_ASSERT_EQUAL(sp_fd_is_mount_root(&m, procfd, file, self, &sx), 0);
  CU_ASSERT_EQUAL(sp_fd_is_mount_root(&m, procfd, file, -1, &sx), -EINVAL);
  sp_mech_probe(0, &m);
  if (m.statx_mount) {
    CU_ASSERT_EQUAL(statx(procfd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &sx),
                    0);
    CU_ASSERT_EQUAL(sp_fd_is_mount_root(&m, procfd, procfd, -1, &sx), 1);
    CU_ASSERT_EQUAL(statx(one, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &sx), 0);
    CU_ASSERT_EQUAL(sp_fd_is_mount_root(&m, procfd, one, -1, &sx), 0);
  }
  close(file), close(one), close(self), close(root), close(procfd);
}

static void test_mount_flags_of(void) {
  CU_ASSERT_EQUAL(sp_mount_flags_of(0), 0);
  CU_ASSERT_EQUAL(sp_mount_flags_of(ST_NOSUID | ST_NODEV | ST_NOEXEC),
                  MS_NOSUID | MS_NODEV | MS_NOEXEC);
  CU_ASSERT_EQUAL(sp_mount_flags_of(ST_RELATIME | ST_NODIRATIME),
                  MS_RELATIME | MS_NODIRATIME);
  CU_ASSERT_EQUAL(sp_mount_flags_of(ST_NOATIME | ST_RDONLY), MS_NOATIME);
}

static void test_mountinfo_parse(void) {
  char line[] = "36 35 98:0 /mnt\\040one /a\\134b\\040c rw,noatime master:1 "
                "- ext3 /dev/root rw";
  sp_mi_line l;
  CU_ASSERT_EQUAL(sp_mountinfo_parse(line, &l), 0);
  CU_ASSERT_EQUAL(l.id, 36);
  CU_ASSERT_EQUAL(l.parent, 35);
  CU_ASSERT_EQUAL(l.major, 98);
  CU_ASSERT_EQUAL(l.minor, 0);
  CU_ASSERT_STRING_EQUAL(l.root, "/mnt one");
  CU_ASSERT_STRING_EQUAL(l.point, "/a\\b c");
  const char *bad[] = {"", "36 35 98:0 /", "x 35 98:0 / /", "36 35 98 / /",
                       "36 35 98:0x / /", NULL};
  for (const char **b = bad; *b; b++) {
    char copy[64];
    snprintf(copy, sizeof(copy), "%s", *b);
    CU_ASSERT_EQUAL(sp_mountinfo_parse(copy, &l), -EINVAL);
  }
}

static int count_line(const sp_mi_line *l, void *arg) {
  (void)l;
  ++*(int *)arg;
  return 0;
}

static int stop_at_2(const sp_mi_line *l, void *arg) {
  (void)arg;
  return l->id == 2 ? 7 : 0;
}

static int feed(const char *text, char *buf, size_t size, sp_mi_fn fn,
                void *arg) {
  int p[2];
  CU_ASSERT_EQUAL_FATAL(pipe(p), 0);
  CU_ASSERT_EQUAL(write(p[1], text, strlen(text)), (ssize_t)strlen(text));
  close(p[1]);
  int r = sp_mountinfo_each(p[0], buf, size, fn, arg);
  close(p[0]);
  return r;
}

static void test_mountinfo_each(void) {
  char buf[64];
  int n = 0;
  const char *three = "1 0 0:1 / / rw - x y rw\n2 1 0:2 / /a rw - x y rw\n"
                      "3 1 0:3 / /b rw - x y rw"; /* no final newline */
  CU_ASSERT_EQUAL(feed(three, buf, sizeof(buf), count_line, &n), 0);
  CU_ASSERT_EQUAL(n, 3);
  CU_ASSERT_EQUAL(feed(three, buf, sizeof(buf), stop_at_2, NULL), 7);
  n = 0;
  char longline[200];
  snprintf(longline, sizeof(longline), "1 0 0:1 / /%0120d rw - x y rw\n", 0);
  CU_ASSERT_EQUAL(feed(longline, buf, sizeof(buf), count_line, &n), -E2BIG);
  CU_ASSERT_EQUAL(feed("garbage\n", buf, sizeof(buf), count_line, &n),
                  -EINVAL);
  /* This process's own, through the kernel. */
  int fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
  static char big[16384];
  n = 0;
  CU_ASSERT_EQUAL(sp_mountinfo_each(fd, big, sizeof(big), count_line, &n), 0);
  CU_ASSERT(n > 0);
  close(fd);
}

/* ---- the process, pinned by its /proc dir ---- */

/* A child in a mount namespace of its own (nothing mounted there), as a
 * container's init is. */
static pid_t child_in_own_ns(void) {
  int p[2];
  CU_ASSERT_EQUAL_FATAL(pipe(p), 0);
  pid_t pid = fork();
  if (pid == 0) {
    char ok = unshare(CLONE_NEWNS) == 0 ? 1 : 0;
    if (write(p[1], &ok, 1) != 1)
      _exit(1);
    pause();
    _exit(0);
  }
  char ok = 0;
  CU_ASSERT_EQUAL(read(p[0], &ok, 1), 1);
  CU_ASSERT_EQUAL(ok, 1);
  close(p[0]), close(p[1]);
  return pid;
}

static void test_target_by_procdir(void) {
  sp_mech m;
  sp_mech_probe(SHAREDPATH_MECH_ALL, &m);
  pid_t pid = child_in_own_ns();
  struct sharedpath_container c = {.size = sizeof(c), .id = "t", .pid = pid,
                                   .pidfd = -1};
  sp_target t = SP_TARGET_INIT;
  CU_ASSERT_EQUAL(sp_target_open(&m, &c, &t, NULL), 0);
  CU_ASSERT(t.procfd >= 0 && t.pidfd < 0 && t.nsfd >= 0 && t.rootfd >= 0);
  sph_proc want;
  CU_ASSERT_EQUAL(sph_proc_read(pid, &want, NULL), 0);
  CU_ASSERT_EQUAL(t.start_time, want.start_time);
  CU_ASSERT_EQUAL(sp_target_recheck(&t, NULL), 0);
  /* Gone (and reaped: its pid free for reuse): the dir fd says so. */
  kill(pid, SIGKILL);
  waitpid(pid, NULL, 0);
  sp_error e = {0};
  CU_ASSERT_EQUAL(sp_target_recheck(&t, &e), -ESRCH);
  sp_target_close(&t);
  CU_ASSERT_EQUAL(sp_target_open(&m, &c, &t, NULL), -ESRCH);
  /* An engine's /proc dir fd is taken, and must be the pid's. */
  pid = child_in_own_ns();
  char path[64];
  snprintf(path, sizeof(path), "/proc/%d", pid);
  int dir = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  c.pid = pid;
  c.pidfd = dir;
  sp_mech_probe(0, &m); /* a /proc dir is taken with pidfds in use too */
  CU_ASSERT_EQUAL(sp_target_open(&m, &c, &t, NULL), 0);
  CU_ASSERT_EQUAL(t.procfd, dir);
  sp_target_close(&t);
  c.pid = getppid() > 1 ? getppid() : 1;
  CU_ASSERT_EQUAL(sp_target_open(&m, &c, &t, NULL), -EINVAL);
  close(dir);
  /* Where the kernel has pidfds but no setns on them (5.3 to 5.7): the
   * ns file, opened while the pidfd shows the process alive. */
  if (m.pidfd) {
    m.setns_pidfd = false;
    c = (struct sharedpath_container){.size = sizeof(c), .id = "t",
                                      .pid = pid, .pidfd = -1};
    CU_ASSERT_EQUAL(sp_target_open(&m, &c, &t, NULL), 0);
    CU_ASSERT(t.pidfd >= 0 && t.own_nsfd && t.nsfd != t.pidfd);
    sp_target_close(&t);
  }
  kill(pid, SIGKILL);
  waitpid(pid, NULL, 0);
  /* Our own mount namespace: host paths onto host paths.  Refused. */
  sp_mech_probe(SHAREDPATH_MECH_ALL, &m);
  c = (struct sharedpath_container){.size = sizeof(c), .id = "t",
                                    .pid = getpid(), .pidfd = -1};
  CU_ASSERT_EQUAL(sp_target_open(&m, &c, &t, NULL), -EPERM);
}

/* `sharedpath check`'s text: from the plugin's JSON, each step with its
 * mechanism, and a kernel the plugin cannot work on said so and failed. */
static void test_check_print(void) {
  char *text = NULL;
  size_t size = 0;
  FILE *f = open_memstream(&text, &size);
  const char ok[] = "{\"kernel\":\"4.19.90\",\"machine\":\"x86_64\","
                    "\"usable\":true,\"has\":{\"open_tree\":false,"
                    "\"fdinfo_mnt_id\":true},\"avoided\":[],"
                    "\"use\":[{\"step\":\"container-binds\",\"mechanism\":"
                    "\"mount(2)\",\"detail\":\"by fd\"}],"
                    "\"guarantees\":[\"G1\"],\"limits\":[\"L1\"]}";
  CU_ASSERT_EQUAL(spc_check_print(ok, "/p.so", f, NULL), 0);
  fflush(f);
  CU_ASSERT_PTR_NOT_NULL(strstr(text, "kernel 4.19.90 (x86_64)\nplugin /p.so"));
  CU_ASSERT_PTR_NOT_NULL(strstr(text, "  container binds  mount(2)   by fd\n"));
  CU_ASSERT_PTR_NOT_NULL(strstr(text, "the kernel has: fdinfo_mnt_id\n"));
  CU_ASSERT_PTR_NOT_NULL(strstr(text, "it lacks:       open_tree\n"));
  CU_ASSERT_PTR_NOT_NULL(strstr(text, "  - G1\n"));
  CU_ASSERT_PTR_NOT_NULL(strstr(text, "  - L1\n"));
  fclose(f);
  free(text);
  f = open_memstream(&text, &size);
  const char bad[] = "{\"kernel\":\"x\",\"usable\":false,\"problem\":"
                     "\"no /proc\",\"use\":[],\"limits\":[]}";
  CU_ASSERT_EQUAL(spc_check_print(bad, "/p.so", f, NULL), -ENOTSUP);
  fflush(f);
  CU_ASSERT_PTR_NOT_NULL(strstr(text, "NOT USABLE HERE: no /proc"));
  fclose(f);
  free(text);
  CU_ASSERT_EQUAL(spc_check_print("[1]", "/p.so", stdout, NULL), -EINVAL);
}

void register_kernel_suite(void) {
  CU_pSuite s = CU_add_suite("kernel", NULL, NULL);
  ADD(s, test_probe_matches_kernel);
  ADD(s, test_walk);
  ADD(s, test_walk_magic);
  ADD(s, test_fdinfo_parse);
  ADD(s, test_mount_root_fallback);
  ADD(s, test_mount_flags_of);
  ADD(s, test_mountinfo_parse);
  ADD(s, test_mountinfo_each);
  ADD(s, test_target_by_procdir);
  ADD(s, test_check_print);
}
