/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/stat.h>

#include "args.h"
#include "fileio.h"
#include "oci.h"
#include "proc.h"

#define STAT_MAX 4096

int spc_stat_start_time(const char *line, uint64_t *out, sp_error *e) {
  const char *p = strrchr(line, ')');
  if (!p)
    return sp_fail(e, -EINVAL, "malformed /proc stat line (no comm)");
  /* After ")" come fields 3, 4, ...: skip to field 22. */
  p++;
  for (int field = 3; field <= 22; field++) {
    if (*p != ' ')
      return sp_fail(e, -EINVAL, "malformed /proc stat line (field %d)",
                     field);
    p++;
    const char *start = p;
    p += strcspn(p, " \n");
    if (p == start)
      return sp_fail(e, -EINVAL, "malformed /proc stat line (field %d "
                     "empty)", field);
    if (field == 22) {
      char *end;
      errno = 0;
      if (*start < '0' || *start > '9')
        return sp_fail(e, -EINVAL, "malformed start time in /proc stat");
      unsigned long long v = strtoull(start, &end, 10);
      if (errno || end != p)
        return sp_fail(e, -EINVAL, "malformed start time in /proc stat");
      *out = v;
    }
  }
  return 0;
}

int spc_proc_read(pid_t pid, spc_proc *p, sp_error *e) {
  char path[64];
  snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
  _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return sp_fail_errno(e, -errno, "process %d", (int)pid);
  _cleanup_free_ char *line = NULL;
  int r = sp_read_all(fd, -1, STAT_MAX, path, &line, NULL, e);
  if (r < 0)
    return r;
  *p = (spc_proc){.pid = pid};
  if ((r = spc_stat_start_time(line, &p->start_time, e)) < 0)
    return r;
  snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)pid);
  struct stat sb;
  if (stat(path, &sb) < 0)
    return sp_fail_errno(e, -errno, "cannot see the mount namespace of "
                         "process %d", (int)pid);
  p->mnt_dev = sb.st_dev;
  p->mnt_ino = sb.st_ino;
  return 0;
}

int spc_record_format(const char *id, const spc_proc *p, char **out,
                      sp_error *e) {
  char buf[512];
  int n = snprintf(buf, sizeof(buf),
                   "{\"version\":1,\"id\":\"%s\",\"pid\":%d,"
                   "\"start_time\":%" PRIu64 ",\"mnt_ns\":{\"dev\":%" PRIu64
                   ",\"ino\":%" PRIu64 "}}\n",
                   id, (int)p->pid, p->start_time, p->mnt_dev, p->mnt_ino);
  /* id is validated ([A-Za-z0-9_.-]): it needs no JSON escaping. */
  if (n < 0 || (size_t)n >= sizeof(buf) || !(*out = strdup(buf)))
    return sp_fail(e, -ENOMEM, "out of memory");
  return 0;
}

/* A non-negative integer member within max. */
static int get_uint(json_object *o, const char *key, uint64_t max,
                    uint64_t *out, sp_error *e) {
  json_object *v;
  if (!json_object_object_get_ex(o, key, &v) ||
      !json_object_is_type(v, json_type_int))
    return sp_fail(e, -EINVAL, "process record: \"%s\" is missing or not "
                   "an integer", key);
  /* json-c keeps integers above INT64_MAX as uint64. */
  uint64_t u = json_object_get_uint64(v);
  if (json_object_get_int64(v) < 0 || u > max)
    return sp_fail(e, -EINVAL, "process record: \"%s\" is out of range",
                   key);
  *out = u;
  return 0;
}

int spc_record_parse(const char *text, const char *id, spc_proc *p,
                     sp_error *e) {
  _cleanup_json_ json_object *o = NULL;
  int r = sp_json_object_parse(text, strlen(text), "process record", &o, e);
  if (r < 0)
    return r;
  json_object *v, *ns;
  uint64_t version, pid, st, dev, ino;
  if ((r = get_uint(o, "version", UINT64_MAX, &version, e)) < 0)
    return r;
  if (version != 1)
    return sp_fail(e, -EPROTONOSUPPORT, "process record has version %" PRIu64
                   "; this sharedpath reads version 1", version);
  if (!json_object_object_get_ex(o, "id", &v) ||
      !json_object_is_type(v, json_type_string) ||
      strcmp(json_object_get_string(v), id) != 0)
    return sp_fail(e, -EINVAL, "process record is not for container '%s'",
                   id);
  if (!json_object_object_get_ex(o, "mnt_ns", &ns) ||
      !json_object_is_type(ns, json_type_object))
    return sp_fail(e, -EINVAL, "process record: \"mnt_ns\" is missing");
  if ((r = get_uint(o, "pid", INT_MAX, &pid, e)) < 0 ||
      (r = get_uint(o, "start_time", UINT64_MAX, &st, e)) < 0 ||
      (r = get_uint(ns, "dev", UINT64_MAX, &dev, e)) < 0 ||
      (r = get_uint(ns, "ino", UINT64_MAX, &ino, e)) < 0)
    return r;
  if (pid == 0)
    return sp_fail(e, -EINVAL, "process record: \"pid\" is 0");
  *p = (spc_proc){.pid = (pid_t)pid, .start_time = st, .mnt_dev = dev,
                  .mnt_ino = ino};
  return 0;
}

int spc_record_path(const char *state_dir, const char *id, char *buf,
                    size_t sz, sp_error *e) {
  int r = spc_id_validate(id, e);
  if (r < 0)
    return r;
  int n = snprintf(buf, sz, "%s/pids/%s.json", state_dir, id);
  if (n < 0 || (size_t)n >= sz)
    return sp_fail(e, -ENAMETOOLONG, "state dir %s is too long", state_dir);
  return 0;
}

int spc_record_save(const char *state_dir, const char *id, const spc_proc *p,
                    sp_error *e) {
  char path[PATH_MAX], dir[PATH_MAX];
  int r;
  if ((r = spc_record_path(state_dir, id, path, sizeof(path), e)) < 0)
    return r;
  snprintf(dir, sizeof(dir), "%s/pids", state_dir);
  if ((r = sp_mkdir(dir, 0700, NULL, e)) < 0)
    return r;
  _cleanup_free_ char *text = NULL;
  if ((r = spc_record_format(id, p, &text, e)) < 0)
    return r;
  return sp_write_atomic(path, text, strlen(text), 0600, e);
}

int spc_record_load(const char *state_dir, const char *id, spc_proc *p,
                    sp_error *e) {
  char path[PATH_MAX];
  int r;
  if ((r = spc_record_path(state_dir, id, path, sizeof(path), e)) < 0)
    return r;
  _cleanup_free_ char *text = NULL;
  if ((r = sp_read_file_at(AT_FDCWD, path, 4096, path, &text, NULL, e)) < 0)
    return r;
  if ((r = spc_record_parse(text, id, p, e)) < 0)
    return sp_wrap(e, r, "%s", path);
  return 0;
}

int spc_record_remove(const char *state_dir, const char *id, sp_error *e) {
  char path[PATH_MAX];
  int r;
  if ((r = spc_record_path(state_dir, id, path, sizeof(path), e)) < 0)
    return r;
  if (unlink(path) < 0 && errno != ENOENT)
    return sp_fail_errno(e, -errno, "cannot remove %s", path);
  return 0;
}

void spc_target_close(spc_target *t) {
  if (t->pidfd >= 0)
    close(t->pidfd);
  t->pidfd = -1;
  t->pid = 0;
}

/* Refuse a process in our own mount namespace: the plugin would bind host
 * paths onto host paths. */
static int not_ours(const spc_proc *p, sp_error *e) {
  struct stat self;
  if (stat("/proc/self/ns/mnt", &self) < 0)
    return sp_fail_errno(e, -errno, "cannot see our own mount namespace");
  if (self.st_dev == p->mnt_dev && self.st_ino == p->mnt_ino)
    return sp_fail(e, -EPERM, "process %d is in this host's mount "
                   "namespace, not in a container's", (int)p->pid);
  return 0;
}

/* pidfd_open + identity, checked while the pidfd pins the process. */
static int open_checked(pid_t pid, const spc_proc *want, spc_target *t,
                        sp_error *e) {
  *t = (spc_target){.pidfd = -1};
  _cleanup_close_ int fd = pidfd_open(pid, 0);
  if (fd < 0)
    return sp_fail_errno(e, -errno, "process %d", (int)pid);
  spc_proc now;
  int r = spc_proc_read(pid, &now, e);
  if (r < 0 && pidfd_send_signal(fd, 0, NULL, 0) < 0)
    return sp_fail(e, -ESRCH, "process %d has exited", (int)pid);
  if (r < 0)
    return r;
  if (want && (now.start_time != want->start_time ||
               now.mnt_dev != want->mnt_dev || now.mnt_ino != want->mnt_ino))
    return sp_fail(e, -ESRCH, "process %d is not the container's process "
                   "any more (pid reused)", (int)pid);
  /* Alive after we read /proc: the /proc entry was the pidfd's process. */
  if (pidfd_send_signal(fd, 0, NULL, 0) < 0)
    return sp_fail_errno(e, -errno, "process %d", (int)pid);
  if ((r = not_ours(&now, e)) < 0)
    return r;
  t->pid = pid;
  t->pidfd = fd;
  fd = -1;
  return 0;
}

int spc_target_from_pid(pid_t pid, spc_target *t, sp_error *e) {
  return open_checked(pid, NULL, t, e);
}

int spc_target_from_record(const char *state_dir, const char *id,
                           spc_target *t, sp_error *e) {
  *t = (spc_target){.pidfd = -1};
  spc_proc rec;
  sp_error why = {0};
  int r = spc_record_load(state_dir, id, &rec, &why);
  if (r == -ENOENT) {
    snprintf(t->note, sizeof(t->note), "no process recorded for container "
             "'%s' (not started through the sharedpath hook, or stopped)",
             id);
    return 0;
  }
  if (r < 0)
    return sp_fail(e, r, "%s", why.msg);
  r = open_checked(rec.pid, &rec, t, &why);
  if (r == -ESRCH) {
    snprintf(t->note, sizeof(t->note), "container '%s' is not running: %s",
             id, why.msg);
    return 0;
  }
  return r < 0 ? sp_fail(e, r, "container '%s': %s", id, why.msg) : 0;
}
