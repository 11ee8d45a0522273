/* SPDX-License-Identifier: Apache-2.0 */
/* What the sim does inside a running container (container.h): every look
 * and change from a forked child that entered the container as its own
 * processes are (enter), and the processes left running there: a holder
 * with its cwd at a path, a flipper swapping two paths. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "container.h"

/* Become a process of the container: its mount namespace (its ns file:
 * setns takes a pidfd only since 5.8) and its root (the init's, opened
 * before the switch; after setns the root is the namespace's, which is
 * the container's only when the sim itself runs at the root of its
 * namespace). */
static int enter(const sim_ctr *c) {
  int root = openat(c->procfd, "root", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0)
    return -errno;
  /* A user-namespaced container's processes run as its root, in its user
   * namespace: so does every look and change made "inside" it.  The mount
   * namespace first (joined as root outside), then the user namespace. */
  int r = setns(c->nsfd, CLONE_NEWNS) < 0 ? -errno : 0;
  if (r == 0 && c->userns) {
    int user = openat(c->procfd, "ns/user", O_RDONLY | O_CLOEXEC);
    r = user < 0 || setns(user, CLONE_NEWUSER) < 0 ? -errno : 0;
    if (user >= 0)
      close(user);
  }
  if (r == 0 && c->userns &&
      (setgroups(0, NULL) < 0 || setresgid(0, 0, 0) < 0 ||
       setresuid(0, 0, 0) < 0))
    r = -errno;
  if (r == 0 && (fchdir(root) < 0 || chroot(".") < 0 || chdir("/") < 0))
    r = -errno;
  close(root);
  return r;
}

/* Run fn inside the container's mount namespace in a forked child; the
 * result comes back through a pipe. */
typedef int (*inside_fn)(const char *path, const void *arg, void *out,
                         size_t outsz);

static int run_inside(const sim_ctr *c, inside_fn fn, const char *path,
                      const void *arg, void *out, size_t outsz) {
  if (!c->running)
    return -ESRCH;
  int fd;
  pid_t pid = sim_fork_pipe(&fd);
  if (pid < 0)
    return pid;
  if (pid == 0) {
    int r = enter(c);
    if (r == 0)
      r = fn(path, arg, out, outsz);
    if (write(fd, &r, sizeof(r)) != sizeof(r) ||
        write(fd, out, outsz) != (ssize_t)outsz)
      _exit(1);
    _exit(0);
  }
  int r = -EIO;
  if (read(fd, &r, sizeof(r)) != sizeof(r) ||
      read(fd, out, outsz) != (ssize_t)outsz)
    r = -EIO;
  close(fd);
  while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
    ;
  return r;
}

static int inspect_fn(const char *path, const void *arg, void *out,
                      size_t outsz) {
  bool write_test = *(const bool *)arg;
  sim_seen *s = out;
  memset(s, 0, sizeof(*s));
  struct stat sb;
  if (stat(path, &sb) < 0) {
    s->err = errno;
    return 0;
  }
  s->is_dir = S_ISDIR(sb.st_mode);
  s->dev = sb.st_dev;
  s->ino = sb.st_ino;
  struct statvfs vfs;
  if (statvfs(path, &vfs) == 0) {
    s->ro = vfs.f_flag & ST_RDONLY;
    s->vfs_flags = vfs.f_flag;
  }
  if (!s->is_dir) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
      ssize_t n = read(fd, s->content, sizeof(s->content) - 1);
      s->content[n > 0 ? n : 0] = '\0';
      close(fd);
    }
  }
  if (write_test) {
    if (s->is_dir) {
      char probe[PATH_MAX];
      snprintf(probe, sizeof(probe), "%s/.sharedpath-sim-probe", path);
      int fd = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
      s->write_err = fd < 0 ? errno : 0;
      if (fd >= 0) {
        close(fd);
        unlink(probe);
      }
    } else {
      int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
      s->write_err = fd < 0 ? errno : 0;
      if (fd >= 0)
        close(fd);
    }
  }
  (void)outsz;
  return 0;
}

int sim_ctr_inspect(const sim_ctr *c, const char *path, bool write_test,
                    sim_seen *seen) {
  return run_inside(c, inspect_fn, path, &write_test, seen, sizeof(*seen));
}

static int write_fn(const char *path, const void *arg, void *out,
                    size_t outsz) {
  const char *text = arg;
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return -errno;
  ssize_t n = write(fd, text, strlen(text));
  int r = n == (ssize_t)strlen(text) ? 0 : -errno;
  close(fd);
  (void)out, (void)outsz;
  return r;
}

int sim_ctr_write(const sim_ctr *c, const char *path, const char *text) {
  int dummy = 0;
  return run_inside(c, write_fn, path, text, &dummy, sizeof(dummy));
}

static int symlink_fn(const char *path, const void *arg, void *out,
                      size_t outsz) {
  (void)out, (void)outsz;
  return symlink((const char *)arg, path) < 0 ? -errno : 0;
}

int sim_ctr_symlink(const sim_ctr *c, const char *target, const char *path) {
  int dummy = 0;
  return run_inside(c, symlink_fn, path, target, &dummy, sizeof(dummy));
}

static int rename_fn(const char *path, const void *arg, void *out,
                     size_t outsz) {
  (void)out, (void)outsz;
  return rename(path, (const char *)arg) < 0 ? -errno : 0;
}

int sim_ctr_rename(const sim_ctr *c, const char *from, const char *to) {
  int dummy = 0;
  return run_inside(c, rename_fn, from, to, &dummy, sizeof(dummy));
}

static int mkdir_fn(const char *path, const void *arg, void *out,
                    size_t outsz) {
  (void)arg, (void)out, (void)outsz;
  return sim_mkdir_p(path, 0755);
}

int sim_ctr_mkdir(const sim_ctr *c, const char *path) {
  int dummy = 0;
  return run_inside(c, mkdir_fn, path, NULL, &dummy, sizeof(dummy));
}

static int mount_fn(const char *path, const void *arg, void *out,
                    size_t outsz) {
  (void)out, (void)outsz;
  const char *fstype = arg;
  return mount(fstype, path, fstype, MS_NOSUID | MS_NODEV | MS_NOEXEC,
               NULL) < 0 ? -errno : 0;
}

int sim_ctr_mount(const sim_ctr *c, const char *fstype, const char *path) {
  int dummy = 0;
  return run_inside(c, mount_fn, path, fstype, &dummy, sizeof(dummy));
}

static int remount_rw_fn(const char *path, const void *arg, void *out,
                         size_t outsz) {
  (void)arg, (void)out, (void)outsz;
  struct statvfs vfs;
  if (statvfs(path, &vfs) < 0)
    return -errno;
  unsigned long keep = (vfs.f_flag & ST_NOSUID ? MS_NOSUID : 0) |
                       (vfs.f_flag & ST_NODEV ? MS_NODEV : 0) |
                       (vfs.f_flag & ST_NOEXEC ? MS_NOEXEC : 0);
  return mount(NULL, path, NULL, MS_REMOUNT | MS_BIND | keep, NULL) < 0
             ? -errno : 0;
}

int sim_ctr_remount_rw(const sim_ctr *c, const char *path) {
  int dummy = 0;
  return run_inside(c, remount_rw_fn, path, NULL, &dummy, sizeof(dummy));
}

static int owner_fn(const char *path, const void *arg, void *out,
                    size_t outsz) {
  (void)arg, (void)outsz;
  struct stat sb;
  if (lstat(path, &sb) < 0)
    return -errno;
  unsigned long *ids = out;
  ids[0] = sb.st_uid;
  ids[1] = sb.st_gid;
  return 0;
}

int sim_ctr_owner(const sim_ctr *c, const char *path, unsigned long *uid,
                  unsigned long *gid) {
  unsigned long ids[2] = {0, 0};
  int r = run_inside(c, owner_fn, path, NULL, ids, sizeof(ids));
  *uid = ids[0], *gid = ids[1];
  return r;
}

static int umount_fn(const char *path, const void *arg, void *out,
                     size_t outsz) {
  (void)arg, (void)out, (void)outsz;
  return umount2(path, MNT_DETACH) < 0 ? -errno : 0;
}

int sim_ctr_umount(const sim_ctr *c, const char *path) {
  int dummy = 0;
  return run_inside(c, umount_fn, path, NULL, &dummy, sizeof(dummy));
}

int sim_ctr_propagation(const sim_ctr *c, const char *path, char *out,
                        size_t size) {
  if (!c->running)
    return -ESRCH;
  int fd = openat(c->procfd, "mountinfo", O_RDONLY | O_CLOEXEC);
  FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
  if (!f) {
    if (fd >= 0)
      close(fd);
    return -errno;
  }
  /* Mount points relative to the init's root (the container's); the
   * last line for path is the top of its stack. */
  char *line = NULL;
  size_t cap = 0;
  int r = -ENOENT;
  while (getline(&line, &cap, f) > 0) {
    char point[PATH_MAX], rest[1024] = "";
    if (sscanf(line, "%*s %*s %*s %*s %4095s %*s %1023[^\n]", point,
               rest) < 1 || strcmp(point, path))
      continue;
    char *dash = strstr(rest, " - ");
    if (dash)
      *dash = '\0';
    bool shared = strstr(rest, "shared:"), slave = strstr(rest, "master:");
    snprintf(out, size, "%s", shared && slave ? "shared,slave"
                              : shared        ? "shared"
                              : slave         ? "slave"
                                              : "private");
    r = 0;
  }
  free(line);
  fclose(f);
  return r;
}

/* ---- processes left running inside: a holder, a flipper ---- */

/* A process of the container that does ready(arg) (0 or -errno) and says
 * how it went, then run(arg) until it is killed (bg_stop); it dies with
 * the sim.  *slot: its pid, 0 when there is none. */
static int bg_start(const sim_ctr *c, pid_t *slot, int (*ready)(const void *),
                    void (*run)(const void *), const void *arg) {
  if (!c->running)
    return -ESRCH;
  if (*slot)
    return -EBUSY;
  int fd;
  pid_t pid = sim_fork_pipe(&fd);
  if (pid < 0)
    return pid;
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    int r = enter(c);
    if (r == 0)
      r = ready(arg);
    if (write(fd, &r, sizeof(r)) != sizeof(r) || r < 0)
      _exit(1);
    close(fd);
    run(arg);
    _exit(0);
  }
  int r = -EIO;
  if (read(fd, &r, sizeof(r)) != sizeof(r))
    r = -EIO;
  close(fd);
  if (r < 0) {
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    return r;
  }
  *slot = pid;
  return 0;
}

static int bg_stop(pid_t *slot) {
  if (!*slot)
    return -ESRCH;
  kill(*slot, SIGKILL);
  while (waitpid(*slot, NULL, 0) < 0 && errno == EINTR)
    ;
  *slot = 0;
  return 0;
}

static int hold_ready(const void *arg) {
  return chdir((const char *)arg) < 0 ? -errno : 0;
}

static void hold_run(const void *arg) {
  (void)arg;
  for (;;)
    pause();
}

int sim_ctr_hold_start(sim_ctr *c, const char *path) {
  return bg_start(c, &c->holder, hold_ready, hold_run, path);
}

int sim_ctr_hold_stop(sim_ctr *c) { return bg_stop(&c->holder); }

/* The flipper counts its swaps in a shared page so the stop can tell that
 * it really raced (a flipper that never ran proves nothing). */
static long *flip_count;

typedef struct flip_paths {
  const char *a, *b;
} flip_paths;

/* Prove one swap works before reporting ready.  The count starts here,
 * in the new flipper (the page is shared): a start refused because one
 * runs already leaves that one's count alone. */
static int flip_ready(const void *arg) {
  const flip_paths *f = arg;
  *flip_count = 0;
  return renameat2(AT_FDCWD, f->a, AT_FDCWD, f->b, RENAME_EXCHANGE) < 0 ? -errno
                                                                        : 0;
}

static void flip_run(const void *arg) {
  const flip_paths *f = arg;
  for (;;)
    if (renameat2(AT_FDCWD, f->a, AT_FDCWD, f->b, RENAME_EXCHANGE) == 0)
      __atomic_add_fetch(flip_count, 1, __ATOMIC_RELAXED);
}

int sim_ctr_flip_start(sim_ctr *c, const char *a, const char *b) {
  if (!flip_count) {
    flip_count = mmap(NULL, sizeof(long), PROT_READ | PROT_WRITE,
                      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (flip_count == MAP_FAILED) {
      flip_count = NULL;
      return -errno;
    }
  }
  flip_paths f = {.a = a, .b = b};
  return bg_start(c, &c->flipper, flip_ready, flip_run, &f);
}

long sim_ctr_flip_stop(sim_ctr *c) {
  int r = bg_stop(&c->flipper);
  if (r < 0)
    return r;
  return flip_count ? *flip_count : 0;
}
