/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <string.h>

#include "args.h"
#include "fileio.h"
#include "oci.h"
#include "proc.h"

int spc_record_format(const char *id, const sph_proc *p, char **out,
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

int spc_record_parse(const char *text, const char *id, sph_proc *p,
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
  if ((r = get_uint(o, "pid", INT_MAX, &pid, e)) < 0)
    return r;
  if ((r = get_uint(o, "start_time", UINT64_MAX, &st, e)) < 0)
    return r;
  if ((r = get_uint(ns, "dev", UINT64_MAX, &dev, e)) < 0)
    return r;
  if ((r = get_uint(ns, "ino", UINT64_MAX, &ino, e)) < 0)
    return r;
  if (pid == 0)
    return sp_fail(e, -EINVAL, "process record: \"pid\" is 0");
  *p = (sph_proc){.pid = (pid_t)pid, .start_time = st, .mnt_dev = dev,
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

int spc_record_save(const char *state_dir, const char *id, const sph_proc *p,
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

int spc_record_load(const char *state_dir, const char *id, sph_proc *p,
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

void spc_target_close(spc_target *t) { sph_target_close(&t->t); }

/* The library's error, as ours. */
static int host_fail(int r, const struct sharedpath_error *he, sp_error *e) {
  return sp_fail(e, r, "%s", sph_strerror(he, r));
}

int spc_target_from_pid(pid_t pid, spc_target *t, sp_error *e) {
  *t = (spc_target){.t = {.pidfd = -1}};
  struct sharedpath_error he = sph_error();
  int r = sph_target_open(pid, NULL, &t->t, &he);
  return r < 0 ? host_fail(r, &he, e) : 0;
}

int spc_target_from_record(const char *state_dir, const char *id,
                           spc_target *t, sp_error *e) {
  *t = (spc_target){.t = {.pidfd = -1}};
  sph_proc rec;
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
  return spc_target_from_proc(id, &rec, t, e);
}

int spc_target_from_proc(const char *id, const sph_proc *rec, spc_target *t,
                         sp_error *e) {
  *t = (spc_target){.t = {.pidfd = -1}};
  struct sharedpath_error he = sph_error();
  int r = sph_target_open(rec->pid, rec, &t->t, &he);
  if (r == -ESRCH) {
    snprintf(t->note, sizeof(t->note), "container '%s' is not running: %s",
             id, sph_strerror(&he, r));
    return 0;
  }
  if (r < 0)
    return sp_fail(e, r, "container '%s': %s", id, sph_strerror(&he, r));
  return 0;
}
