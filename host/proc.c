/* SPDX-License-Identifier: Apache-2.0 */
/* Finding a container's process again without trusting its pid alone. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

int sph_proc_start_time(const char *line, uint64_t *out,
                        struct sharedpath_error *e) {
  const char *p = strrchr(line, ')');
  if (!p)
    return sph_fail(e, -EINVAL, "malformed /proc stat line (no comm)");
  /* After ")" come fields 3, 4, ...: skip to field 22. */
  p++;
  for (int field = 3; field <= 22; field++) {
    if (*p != ' ')
      return sph_fail(e, -EINVAL, "malformed /proc stat line (field %d)",
                      field);
    p++;
    const char *start = p;
    p += strcspn(p, " \n");
    if (p == start)
      return sph_fail(e, -EINVAL, "malformed /proc stat line (field %d "
                      "empty)", field);
    if (field == 22) {
      char *end;
      errno = 0;
      if (*start < '0' || *start > '9')
        return sph_fail(e, -EINVAL, "malformed start time in /proc stat");
      unsigned long long v = strtoull(start, &end, 10);
      if (errno || end != p)
        return sph_fail(e, -EINVAL, "malformed start time in /proc stat");
      *out = v;
    }
  }
  return 0;
}

/* <procdir>/stat, NUL-terminated, into buf: it is one short line. */
static int read_stat(int procdir, pid_t pid, char *buf, size_t size,
                     struct sharedpath_error *e) {
  int fd = openat(procdir, "stat", O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return sph_fail_errno(e, errno == ENOENT ? -ESRCH : -errno, "process %d",
                          (int)pid);
  size_t n = 0;
  int r = 0;
  for (;;) {
    ssize_t got = read(fd, buf + n, size - n - 1);
    if (got < 0 && errno == EINTR)
      continue;
    if (got < 0)
      r = sph_fail_errno(e, errno == ESRCH ? -ESRCH : -errno, "cannot read "
                         "/proc/%d/stat", (int)pid);
    if (got <= 0)
      break;
    n += (size_t)got;
    if (n == size - 1) {
      r = sph_fail(e, -EFBIG, "/proc/%d/stat is larger than %zu bytes",
                   (int)pid, size - 1);
      break;
    }
  }
  close(fd);
  buf[n] = '\0';
  return r;
}

/* The identity of the process whose /proc dir procdir is. */
static int identity_at(int procdir, pid_t pid, sph_proc *p,
                       struct sharedpath_error *e) {
  char line[4096];
  int r = read_stat(procdir, pid, line, sizeof(line), e);
  if (r < 0)
    return r;
  *p = (sph_proc){.pid = pid};
  if ((r = sph_proc_start_time(line, &p->start_time, e)) < 0)
    return r;
  struct stat sb;
  if (fstatat(procdir, "ns/mnt", &sb, 0) < 0)
    return sph_fail_errno(e, errno == ENOENT ? -ESRCH : -errno, "cannot see "
                          "the mount namespace of process %d", (int)pid);
  p->mnt_dev = sb.st_dev;
  p->mnt_ino = sb.st_ino;
  return 0;
}

static int open_procdir(pid_t pid, struct sharedpath_error *e) {
  char path[64];
  snprintf(path, sizeof(path), "/proc/%d", (int)pid);
  int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return sph_fail_errno(e, errno == ENOENT ? -ESRCH : -errno, "process %d",
                          (int)pid);
  return fd;
}

int sph_proc_read(pid_t pid, sph_proc *p, struct sharedpath_error *e) {
  int dir = open_procdir(pid, e);
  if (dir < 0)
    return dir;
  int r = identity_at(dir, pid, p, e);
  close(dir);
  return r;
}

/* Refuse a process in our own mount namespace: the plugin would bind host
 * paths onto host paths. */
static int not_ours(const sph_proc *p, struct sharedpath_error *e) {
  struct stat self;
  if (stat("/proc/self/ns/mnt", &self) < 0)
    return sph_fail_errno(e, -errno, "cannot see our own mount namespace");
  if (self.st_dev == p->mnt_dev && self.st_ino == p->mnt_ino)
    return sph_fail(e, -EPERM, "process %d is in this host's mount "
                    "namespace, not in a container's", (int)p->pid);
  return 0;
}

static int compare(const sph_proc *now, const sph_proc *want,
                   struct sharedpath_error *e) {
  if (want && (now->start_time != want->start_time ||
               now->mnt_dev != want->mnt_dev || now->mnt_ino != want->mnt_ino))
    return sph_fail(e, -ESRCH, "process %d is not the container's process "
                    "any more (pid reused)", (int)now->pid);
  return not_ours(now, e);
}

/* The identity of pid, checked while fd (its pidfd) pins the process. */
static int check_identity(int fd, pid_t pid, const sph_proc *want,
                          struct sharedpath_error *e) {
  sph_proc now;
  int r = sph_proc_read(pid, &now, e);
  if (r < 0 && pidfd_send_signal(fd, 0, NULL, 0) < 0)
    return sph_fail(e, -ESRCH, "process %d has exited", (int)pid);
  if (r < 0)
    return r;
  /* Alive after we read /proc: the /proc entry was the pidfd's process. */
  if (pidfd_send_signal(fd, 0, NULL, 0) < 0)
    return sph_fail_errno(e, -errno, "process %d", (int)pid);
  return compare(&now, want, e);
}

/* Without pidfds (before 5.3): the /proc dir pins the process (reads
 * through it fail once it is gone, even if the pid is reused), and its
 * identity is read through it. */
static int open_by_procdir(pid_t pid, const sph_proc *want, sph_target *t,
                           struct sharedpath_error *e) {
  int dir = open_procdir(pid, e);
  if (dir < 0)
    return dir;
  sph_proc now;
  int r = identity_at(dir, pid, &now, e);
  if (r == 0)
    r = compare(&now, want, e);
  if (r < 0) {
    close(dir);
    return r == -ENOENT ? sph_fail(e, -ESRCH, "process %d has exited",
                                   (int)pid) : r;
  }
  t->pid = pid;
  t->pidfd = dir;
  return 0;
}

int sph_target_open(pid_t pid, const sph_proc *want, sph_target *t,
                    struct sharedpath_error *e) {
  *t = (sph_target){.pidfd = -1};
  int fd = pidfd_open(pid, 0);
  if (fd < 0 && errno == ENOSYS)
    return open_by_procdir(pid, want, t, e);
  if (fd < 0)
    return sph_fail_errno(e, -errno, "process %d", (int)pid);
  int r = check_identity(fd, pid, want, e);
  if (r < 0) {
    close(fd);
    return r;
  }
  t->pid = pid;
  t->pidfd = fd;
  return 0;
}

void sph_target_close(sph_target *t) {
  if (t->pidfd >= 0)
    close(t->pidfd);
  *t = (sph_target){.pidfd = -1};
}
