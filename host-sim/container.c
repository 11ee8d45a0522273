/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
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
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "container.h"

static int mkdir_p(const char *path, mode_t mode) {
  char buf[PATH_MAX];
  snprintf(buf, sizeof(buf), "%s", path);
  for (char *p = buf + 1;; p++) {
    if (*p != '/' && *p != '\0')
      continue;
    char c = *p;
    *p = '\0';
    if (mkdir(buf, mode) < 0 && errno != EEXIST)
      return -errno;
    *p = c;
    if (!c)
      return 0;
  }
}

/* OCI mount options we understand, as runc maps them. */
static void parse_options(json_object *opts, unsigned long *flags,
                          unsigned long *prop, bool *ro, char *data,
                          size_t datasz) {
  static const struct {
    const char *name;
    unsigned long flag;
    bool is_prop;
  } map[] = {
      {"bind", MS_BIND, false},         {"rbind", MS_BIND | MS_REC, false},
      {"nosuid", MS_NOSUID, false},     {"nodev", MS_NODEV, false},
      {"noexec", MS_NOEXEC, false},     {"private", MS_PRIVATE, true},
      {"rprivate", MS_PRIVATE | MS_REC, true},
      {"slave", MS_SLAVE, true},        {"rslave", MS_SLAVE | MS_REC, true},
      {"shared", MS_SHARED, true},      {"rshared", MS_SHARED | MS_REC, true},
  };
  data[0] = '\0';
  size_t n = opts ? json_object_array_length(opts) : 0;
  for (size_t i = 0; i < n; i++) {
    const char *o = json_object_get_string(json_object_array_get_idx(opts, i));
    if (!o)
      continue;
    if (!strcmp(o, "ro")) {
      *ro = true;
      continue;
    }
    if (!strcmp(o, "rw"))
      continue;
    size_t k;
    for (k = 0; k < sizeof(map) / sizeof(map[0]); k++)
      if (!strcmp(o, map[k].name)) {
        if (map[k].is_prop)
          *prop = map[k].flag;
        else
          *flags |= map[k].flag;
        break;
      }
    if (k == sizeof(map) / sizeof(map[0])) {
      size_t len = strlen(data);
      snprintf(data + len, datasz - len, "%s%s", len ? "," : "", o);
    }
  }
}

/* In the child: apply one spec mount under rootfs.  Returns 0 or -errno. */
static int apply_mount(const char *rootfs, json_object *m, char *msg,
                       size_t msgsz) {
  json_object *v;
  const char *dest = json_object_object_get_ex(m, "destination", &v)
                         ? json_object_get_string(v) : NULL;
  const char *type = json_object_object_get_ex(m, "type", &v)
                         ? json_object_get_string(v) : "bind";
  const char *src = json_object_object_get_ex(m, "source", &v)
                        ? json_object_get_string(v) : type;
  json_object *opts = json_object_object_get_ex(m, "options", &v) ? v : NULL;
  if (!dest || dest[0] != '/') {
    snprintf(msg, msgsz, "spec mount without an absolute destination");
    return -EINVAL;
  }
  char target[PATH_MAX];
  snprintf(target, sizeof(target), "%s%s", rootfs, dest);
  unsigned long flags = 0, prop = 0;
  bool ro = false;
  char data[256];
  parse_options(opts, &flags, &prop, &ro, data, sizeof(data));
  if (mkdir_p(target, 0755) < 0) {
    snprintf(msg, msgsz, "mkdir %s: %s", target, strerror(errno));
    return -errno;
  }
  if (flags & MS_BIND) {
    if (mount(src, target, NULL, flags & (MS_BIND | MS_REC), NULL) < 0)
      goto fail;
    unsigned long re = MS_BIND | MS_REMOUNT | (flags & ~(MS_BIND | MS_REC)) |
                       (ro ? MS_RDONLY : 0);
    if ((ro || (flags & ~(MS_BIND | MS_REC))) &&
        mount(NULL, target, NULL, re, NULL) < 0)
      goto fail;
  } else if (mount(src, target, type, flags | (ro ? MS_RDONLY : 0),
                   data[0] ? data : NULL) < 0) {
    goto fail;
  }
  if (prop && mount(NULL, target, NULL, prop, NULL) < 0)
    goto fail;
  return 0;
fail:
  snprintf(msg, msgsz, "mount %s on %s: %s", src, dest, strerror(errno));
  return -errno;
}

typedef struct start_args {
  const sim_ctr *c;
  int pipe_wr;
} start_args;

static int ctr_init(void *arg) {
  start_args *a = arg;
  char msg[512] = "";
  /* A sim that dies takes its containers with it. */
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  const char *rootfs = a->c->rootfs;
  json_object *spec = json_tokener_parse(a->c->spec), *mounts = NULL;
  /* runc's default rootfsPropagation: slave, so host mounts still reach us
   * through /.sharedpath but ours never reach the host. */
  if (mount(NULL, "/", NULL, MS_SLAVE | MS_REC, NULL) < 0) {
    snprintf(msg, sizeof(msg), "make / rslave: %s", strerror(errno));
    goto fail;
  }
  if (mount(rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL) < 0) {
    snprintf(msg, sizeof(msg), "bind rootfs: %s", strerror(errno));
    goto fail;
  }
  if (spec && json_object_object_get_ex(spec, "mounts", &mounts))
    for (size_t i = 0; i < json_object_array_length(mounts); i++)
      if (apply_mount(rootfs, json_object_array_get_idx(mounts, i), msg,
                      sizeof(msg)) < 0)
        goto fail;
  if (chdir(rootfs) < 0 || syscall(SYS_pivot_root, ".", ".") < 0 ||
      umount2(".", MNT_DETACH) < 0 || chdir("/") < 0) {
    snprintf(msg, sizeof(msg), "pivot_root to %s: %s", rootfs,
             strerror(errno));
    goto fail;
  }
  json_object_put(spec);
  if (write(a->pipe_wr, "", 1) != 1)
    _exit(1);
  close(a->pipe_wr);
  for (;;)
    pause();
fail:
  if (write(a->pipe_wr, msg, strlen(msg) + 1) < 0)
    _exit(2);
  _exit(1);
}

int sim_ctr_start(sim_ctr *c, char *msg, size_t msgsz) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0)
    return -errno;
  start_args a = {.c = c, .pipe_wr = p[1]};
  static char stack[256 * 1024] __attribute__((aligned(16)));
  int pidfd = -1;
  pid_t pid = clone(ctr_init, stack + sizeof(stack),
                    CLONE_NEWNS | CLONE_PIDFD | SIGCHLD, &a, &pidfd);
  int e = errno;
  close(p[1]);
  if (pid < 0) {
    close(p[0]);
    snprintf(msg, msgsz, "clone: %s", strerror(e));
    return -e;
  }
  char buf[512] = "";
  ssize_t n = read(p[0], buf, sizeof(buf) - 1);
  close(p[0]);
  if (n != 1 || buf[0] != '\0') {
    snprintf(msg, msgsz, "container %s failed to start: %s", c->id,
             n > 0 ? buf : "init died");
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    close(pidfd);
    return -EIO;
  }
  c->pid = pid;
  c->pidfd = pidfd;
  c->running = true;
  return 0;
}

void sim_ctr_stop(sim_ctr *c) {
  sim_ctr_flip_stop(c);
  if (!c->running)
    return;
  kill(c->pid, SIGKILL);
  while (waitpid(c->pid, NULL, 0) < 0 && errno == EINTR)
    ;
  close(c->pidfd);
  c->pid = 0;
  c->pidfd = -1;
  c->running = false;
}

/* Become a process of the container: its mount namespace (by pidfd) and
 * its root (the init's, through /proc/PID/root opened before the switch;
 * after setns the root is the namespace's, which is the container's only
 * when the sim itself runs at the root of its namespace). */
static int enter(const sim_ctr *c) {
  char p[64];
  snprintf(p, sizeof(p), "/proc/%d/root", c->pid);
  int root = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0)
    return -errno;
  int r = setns(c->pidfd, CLONE_NEWNS) < 0 || fchdir(root) < 0 ||
                  chroot(".") < 0 || chdir("/") < 0
              ? -errno : 0;
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
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0)
    return -errno;
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0)
    return -errno;
  if (pid == 0) {
    close(p[0]);
    int r = enter(c);
    if (r == 0)
      r = fn(path, arg, out, outsz);
    if (write(p[1], &r, sizeof(r)) != sizeof(r) ||
        write(p[1], out, outsz) != (ssize_t)outsz)
      _exit(1);
    _exit(0);
  }
  close(p[1]);
  int r = -EIO;
  if (read(p[0], &r, sizeof(r)) != sizeof(r) ||
      read(p[0], out, outsz) != (ssize_t)outsz)
    r = -EIO;
  close(p[0]);
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
  if (statvfs(path, &vfs) == 0)
    s->ro = vfs.f_flag & ST_RDONLY;
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
  return mkdir_p(path, 0755);
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

/* The flipper counts its swaps in a shared page so the stop can tell that
 * it really raced (a flipper that never ran proves nothing). */
static long *flip_count;

int sim_ctr_flip_start(sim_ctr *c, const char *a, const char *b) {
  if (!c->running)
    return -ESRCH;
  if (c->flipper)
    return -EBUSY;
  if (!flip_count) {
    flip_count = mmap(NULL, sizeof(long), PROT_READ | PROT_WRITE,
                      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (flip_count == MAP_FAILED) {
      flip_count = NULL;
      return -errno;
    }
  }
  *flip_count = 0;
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0)
    return -errno;
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0) {
    int e = errno;
    close(p[0]);
    close(p[1]);
    return -e;
  }
  if (pid == 0) {
    close(p[0]);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    int r = enter(c);
    /* Prove one swap works before reporting ready. */
    if (r == 0 && renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE) < 0)
      r = -errno;
    if (write(p[1], &r, sizeof(r)) != sizeof(r) || r < 0)
      _exit(1);
    close(p[1]);
    for (;;)
      if (renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE) == 0)
        __atomic_add_fetch(flip_count, 1, __ATOMIC_RELAXED);
  }
  close(p[1]);
  int r = -EIO;
  if (read(p[0], &r, sizeof(r)) != sizeof(r))
    r = -EIO;
  close(p[0]);
  if (r < 0) {
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    return r;
  }
  c->flipper = pid;
  return 0;
}

long sim_ctr_flip_stop(sim_ctr *c) {
  if (!c->flipper)
    return -ESRCH;
  kill(c->flipper, SIGKILL);
  while (waitpid(c->flipper, NULL, 0) < 0 && errno == EINTR)
    ;
  c->flipper = 0;
  return flip_count ? *flip_count : 0;
}
