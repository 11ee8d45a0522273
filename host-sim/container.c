/* SPDX-License-Identifier: Apache-2.0 */
/* Starting and stopping the sim's containers (container.h): the init
 * cloned into new namespaces, the spec's mounts applied under its rootfs
 * as runc applies them, a user-namespaced one's maps written and its binds
 * made from outside, then pivot_root and root.readonly.  What is done
 * inside a running one: container_inside.c. */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "container.h"

int sim_mkdir_p(const char *path, mode_t mode) {
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

pid_t sim_fork_pipe(int *fd) {
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
  close(pid == 0 ? p[0] : p[1]);
  *fd = pid == 0 ? p[1] : p[0];
  return pid;
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
  if (sim_mkdir_p(target, 0755) < 0) {
    snprintf(msg, msgsz, "mkdir %s: %s", target, strerror(errno));
    return -errno;
  }
  if (flags & MS_BIND) {
    /* "" rather than NULL for the unused fs type: the binds of a
     * user-namespaced container run in a forked child, which valgrind
     * checks (and fails on a NULL it cannot tell is unused). */
    if (mount(src, target, "", flags & (MS_BIND | MS_REC), NULL) < 0)
      goto fail;
    unsigned long re = MS_BIND | MS_REMOUNT | (flags & ~(MS_BIND | MS_REC)) |
                       (ro ? MS_RDONLY : 0);
    if ((ro || (flags & ~(MS_BIND | MS_REC))) &&
        mount("", target, "", re, NULL) < 0)
      goto fail;
  } else if (mount(src, target, type, flags | (ro ? MS_RDONLY : 0),
                   data[0] ? data : NULL) < 0) {
    goto fail;
  }
  if (prop && mount("", target, "", prop, NULL) < 0)
    goto fail;
  return 0;
fail:
  snprintf(msg, msgsz, "mount %s on %s: %s", src, dest, strerror(errno));
  return -errno;
}

typedef struct start_args {
  const sim_ctr *c;
  int pipe_wr;
  /* A user-namespaced container: the parent says go (its maps are
   * written, then its binds made), the child says when it is ready for
   * the binds. */
  int go_rd, ready_wr;
} start_args;

static bool is_bind(json_object *m) {
  json_object *opts, *v;
  if (!json_object_object_get_ex(m, "options", &opts))
    return false;
  for (size_t i = 0; i < json_object_array_length(opts); i++) {
    const char *o = json_object_get_string(json_object_array_get_idx(opts, i));
    if (o && (!strcmp(o, "bind") || !strcmp(o, "rbind")))
      return true;
  }
  return json_object_object_get_ex(m, "type", &v) &&
         !strcmp(json_object_get_string(v), "bind");
}

static int wait_go(int fd) {
  char b;
  return read(fd, &b, 1) == 1 ? 0 : -EIO;
}

static int ctr_init(void *arg) {
  start_args *a = arg;
  char msg[512] = "";
  /* A sim that dies takes its containers with it. */
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  const char *rootfs = a->c->rootfs;
  bool userns = a->c->userns;
  json_object *spec = json_tokener_parse(a->c->spec), *mounts = NULL;
  if (userns && wait_go(a->go_rd) < 0) {
    snprintf(msg, sizeof(msg), "no go from the sim for the user namespace");
    goto fail;
  }
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
  /* In its own user namespace the container's root cannot reach the bind
   * sources (the shared root is root's alone): the sim makes those binds
   * from outside, in the container's mount namespace, as runc opens bind
   * sources as root.  What is bound there is the namespace's own copy,
   * with the flags the kernel locked on it. */
  if (userns && (write(a->ready_wr, "", 1) != 1 || wait_go(a->go_rd) < 0)) {
    snprintf(msg, sizeof(msg), "the sim's binds into the container failed");
    goto fail;
  }
  if (spec && json_object_object_get_ex(spec, "mounts", &mounts))
    for (size_t i = 0; i < json_object_array_length(mounts); i++) {
      json_object *m = json_object_array_get_idx(mounts, i);
      if (userns && is_bind(m))
        continue;
      if (apply_mount(rootfs, m, msg, sizeof(msg)) < 0)
        goto fail;
    }
  if (chdir(rootfs) < 0 || syscall(SYS_pivot_root, ".", ".") < 0 ||
      umount2(".", MNT_DETACH) < 0 || chdir("/") < 0) {
    snprintf(msg, sizeof(msg), "pivot_root to %s: %s", rootfs,
             strerror(errno));
    goto fail;
  }
  /* root.readonly, as runc does it: after everything is mounted, the root
   * remounted read-only with the flags it has (in a user namespace some
   * are locked and must be repeated). */
  if (a->c->readonly) {
    struct statvfs vfs;
    unsigned long keep = 0;
    if (statvfs("/", &vfs) == 0)
      keep = (vfs.f_flag & ST_NOSUID ? MS_NOSUID : 0) |
             (vfs.f_flag & ST_NODEV ? MS_NODEV : 0) |
             (vfs.f_flag & ST_NOEXEC ? MS_NOEXEC : 0);
    if (mount(NULL, "/", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | keep,
              NULL) < 0) {
      snprintf(msg, sizeof(msg), "make the root read-only: %s",
               strerror(errno));
      goto fail;
    }
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

/* From the spec: whether the container has a user namespace of its own
 * (SIM_USERNS_BASE maps to 0 in it) and a read-only root. */
static void spec_kind(const char *text, bool *userns, bool *readonly) {
  *userns = *readonly = false;
  json_object *spec = json_tokener_parse(text), *v, *ns;
  if (!spec)
    return;
  if (json_object_object_get_ex(spec, "root", &v) &&
      json_object_object_get_ex(v, "readonly", &v))
    *readonly = json_object_get_boolean(v);
  if (json_object_object_get_ex(spec, "linux", &v) &&
      json_object_object_get_ex(v, "namespaces", &ns))
    for (size_t i = 0; i < json_object_array_length(ns); i++) {
      json_object *t, *n = json_object_array_get_idx(ns, i);
      if (json_object_object_get_ex(n, "type", &t) &&
          !strcmp(json_object_get_string(t), "user"))
        *userns = true;
    }
  json_object_put(spec);
}

static int write_text(const char *path, const char *text) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return -errno;
  ssize_t n = write(fd, text, strlen(text));
  int r = n == (ssize_t)strlen(text) ? 0 : -errno;
  close(fd);
  return r;
}

/* The binds of a user-namespaced container's spec, made by a forked child
 * of the sim (root outside) in the container's mount namespace (nsfd: its
 * ns file; setns takes a pidfd only since 5.8). */
static int userns_binds(const sim_ctr *c, int nsfd, char *msg,
                        size_t msgsz) {
  int fd;
  pid_t pid = sim_fork_pipe(&fd);
  if (pid < 0)
    return pid;
  if (pid == 0) {
    char m[512] = "";
    json_object *spec = json_tokener_parse(c->spec), *mounts;
    int r = setns(nsfd, CLONE_NEWNS) < 0 ? -errno : 0;
    if (r < 0)
      snprintf(m, sizeof(m), "setns: %s", strerror(-r));
    if (r == 0 && spec && json_object_object_get_ex(spec, "mounts", &mounts))
      for (size_t i = 0; i < json_object_array_length(mounts) && r == 0; i++)
        if (is_bind(json_object_array_get_idx(mounts, i)))
          r = apply_mount(c->rootfs, json_object_array_get_idx(mounts, i), m,
                          sizeof(m));
    json_object_put(spec);
    if (write(fd, m, strlen(m) + 1) < 0)
      _exit(2);
    _exit(r < 0 ? 1 : 0);
  }
  char buf[512] = "";
  ssize_t n = read(fd, buf, sizeof(buf) - 1);
  close(fd);
  int status;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
    ;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    snprintf(msg, msgsz, "%s", n > 0 && buf[0] ? buf : "the binds failed");
    return -EIO;
  }
  return 0;
}

int sim_ctr_start(sim_ctr *c, char *msg, size_t msgsz) {
  spec_kind(c->spec, &c->userns, &c->readonly);
  /* Its root owns its rootfs, as an image unpacked for it would be. */
  if (c->userns && chown(c->rootfs, SIM_USERNS_BASE, SIM_USERNS_BASE) < 0)
    return -errno;
  int p[2], go[2] = {-1, -1}, ready[2] = {-1, -1};
  if (pipe2(p, O_CLOEXEC) < 0)
    return -errno;
  if (c->userns && (pipe2(go, O_CLOEXEC) < 0 || pipe2(ready, O_CLOEXEC) < 0)) {
    int e = -errno;
    close(p[0]), close(p[1]);
    if (go[0] >= 0)
      close(go[0]), close(go[1]);
    return e;
  }
  start_args a = {.c = c, .pipe_wr = p[1], .go_rd = go[0],
                  .ready_wr = ready[1]};
  static char stack[256 * 1024] __attribute__((aligned(16)));
  int pidfd = -1;
  pid_t pid = clone(ctr_init, stack + sizeof(stack),
                    CLONE_NEWNS | CLONE_PIDFD | SIGCHLD |
                        (c->userns ? CLONE_NEWUSER : 0),
                    &a, &pidfd);
  int e = errno;
  close(p[1]);
  if (go[0] >= 0)
    close(go[0]);
  if (ready[1] >= 0)
    close(ready[1]);
  if (pid < 0) {
    close(p[0]);
    if (go[1] >= 0)
      close(go[1]), close(ready[0]);
    snprintf(msg, msgsz, "clone: %s", strerror(e));
    return -e;
  }
  /* Our child: its pid cannot be reused before we reap it, so its /proc
   * files are its own. */
  char path[64];
  snprintf(path, sizeof(path), "/proc/%d", pid);
  int procfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  snprintf(path, sizeof(path), "/proc/%d/ns/mnt", pid);
  int nsfd = open(path, O_RDONLY | O_CLOEXEC);
  char buf[512] = "";
  if (c->userns && nsfd >= 0) {
    char map[64];
    snprintf(map, sizeof(map), "0 %u %u\n", SIM_USERNS_BASE, SIM_USERNS_SIZE);
    int r = 0;
    snprintf(path, sizeof(path), "/proc/%d/uid_map", pid);
    if (r == 0)
      r = write_text(path, map);
    snprintf(path, sizeof(path), "/proc/%d/gid_map", pid);
    if (r == 0)
      r = write_text(path, map);
    char b;
    if (r == 0 && (write(go[1], "", 1) != 1 || read(ready[0], &b, 1) != 1))
      r = -EIO;
    if (r == 0)
      r = userns_binds(c, nsfd, buf, sizeof(buf));
    else
      snprintf(buf, sizeof(buf), "user namespace maps: %s", strerror(-r));
    if (r == 0 && write(go[1], "", 1) != 1)
      r = -EIO;
    close(go[1]);
    close(ready[0]);
    if (r < 0) {
      snprintf(msg, msgsz, "container %s failed to start: %s", c->id, buf);
      kill(pid, SIGKILL);
      waitpid(pid, NULL, 0);
      if (pidfd >= 0)
        close(pidfd);
      close(procfd);
      close(nsfd);
      close(p[0]);
      return -EIO;
    }
  } else if (c->userns) {
    close(go[1]);
    close(ready[0]);
  }
  ssize_t n = read(p[0], buf, sizeof(buf) - 1);
  close(p[0]);
  if (n != 1 || buf[0] != '\0' || procfd < 0 || nsfd < 0) {
    snprintf(msg, msgsz, "container %s failed to start: %s", c->id,
             n > 0 && buf[0] ? buf : n == 1 ? strerror(errno) : "init died");
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    if (pidfd >= 0)
      close(pidfd);
    if (procfd >= 0)
      close(procfd);
    if (nsfd >= 0)
      close(nsfd);
    return -EIO;
  }
  c->pid = pid;
  c->pidfd = pidfd;
  c->procfd = procfd;
  c->nsfd = nsfd;
  c->running = true;
  return 0;
}

int sim_ctr_handle(const sim_ctr *c, bool avoid_pidfd) {
  return c->pidfd >= 0 && !avoid_pidfd ? c->pidfd : c->procfd;
}

void sim_ctr_stop(sim_ctr *c) {
  sim_ctr_flip_stop(c);
  sim_ctr_hold_stop(c);
  if (!c->running)
    return;
  kill(c->pid, SIGKILL);
  while (waitpid(c->pid, NULL, 0) < 0 && errno == EINTR)
    ;
  if (c->pidfd >= 0)
    close(c->pidfd);
  close(c->procfd);
  close(c->nsfd);
  c->pid = 0;
  c->pidfd = c->procfd = c->nsfd = -1;
  c->running = false;
}
