/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "args.h"
#include "fileio.h"

#include "oci.h"
#include "owner.h"
#include "proc.h"

#define OWNER_FILE_MAX (64u << 10)

/* Bounded and printable: these strings end up in messages and logs. */
static int copy_field(char *dst, size_t sz, const char *what, const char *v,
                      bool required, sp_error *e) {
  dst[0] = '\0';
  if (!v || !*v)
    return required ? sp_fail(e, -EINVAL, "the container's %s is empty",
                              what)
                    : 0;
  size_t n = strlen(v);
  if (n >= sz)
    return sp_fail(e, -EINVAL, "the container's %s is longer than %zu "
                   "bytes", what, sz - 1);
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
      return sp_fail(e, -EINVAL, "the container's %s has a control "
                     "character", what);
  memcpy(dst, v, n + 1);
  return 0;
}

int spc_owner_set(spc_owner *o, const char *engine_id, const char *name,
                  const char *bundle, sp_error *e) {
  int r;
  if ((r = copy_field(o->engine_id, sizeof(o->engine_id), "engine id",
                      engine_id, true, e)) < 0 ||
      (r = copy_field(o->name, sizeof(o->name), "name", name, false, e)) <
          0 ||
      (r = copy_field(o->bundle, sizeof(o->bundle), "bundle", bundle, false,
                      e)) < 0)
    return r;
  return 0;
}

int spc_owner_format(const char *id, const spc_owner *o, char **out,
                     sp_error *e) {
  _cleanup_json_ json_object *j = json_object_new_object();
  if (!j || json_object_object_add(j, "version", json_object_new_int(1)) ||
      json_object_object_add(j, "id", json_object_new_string(id)) ||
      json_object_object_add(j, "engine_id",
                             json_object_new_string(o->engine_id)) ||
      json_object_object_add(j, "name", json_object_new_string(o->name)) ||
      json_object_object_add(j, "bundle", json_object_new_string(o->bundle)))
    return sp_fail(e, -ENOMEM, "out of memory");
  const char *t = json_object_to_json_string_ext(
      j, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
  size_t n = t ? strlen(t) : 0;
  if (!t || !(*out = malloc(n + 2)))
    return sp_fail(e, -ENOMEM, "out of memory");
  memcpy(*out, t, n);
  memcpy(*out + n, "\n", 2);
  return 0;
}

static const char *get_str(json_object *o, const char *key) {
  json_object *v;
  if (!json_object_object_get_ex(o, key, &v) ||
      !json_object_is_type(v, json_type_string))
    return NULL;
  return json_object_get_string(v);
}

int spc_owner_parse(const char *text, const char *id, spc_owner *o,
                    sp_error *e) {
  _cleanup_json_ json_object *j = NULL;
  int r = sp_json_object_parse(text, strlen(text), "owner record", &j, e);
  if (r < 0)
    return r;
  int64_t version;
  if ((r = sp_json_version(j, "owner record", &version, e)) < 0)
    return r;
  if (version != 1)
    return sp_fail(e, -EPROTONOSUPPORT, "owner record has version %" PRId64
                   "; this sharedpath reads version 1", version);
  const char *rid = get_str(j, "id");
  if (!rid || strcmp(rid, id) != 0)
    return sp_fail(e, -EINVAL, "owner record is not for id '%s'", id);
  const char *eid = get_str(j, "engine_id");
  if (!eid)
    return sp_fail(e, -EINVAL, "owner record: \"engine_id\" is missing");
  if ((r = spc_owner_set(o, eid, get_str(j, "name"), get_str(j, "bundle"),
                         e)) < 0)
    return sp_wrap(e, r, "owner record");
  return 0;
}

int spc_owner_path(const char *state_dir, const char *id, char *buf,
                   size_t sz, sp_error *e) {
  int r = spc_id_validate(id, e);
  if (r < 0)
    return r;
  int n = snprintf(buf, sz, "%s/owners/%s.json", state_dir, id);
  if (n < 0 || (size_t)n >= sz)
    return sp_fail(e, -ENAMETOOLONG, "state dir %s is too long", state_dir);
  return 0;
}

int spc_owner_save(const char *state_dir, const char *id, const spc_owner *o,
                   sp_error *e) {
  char path[PATH_MAX], dir[PATH_MAX];
  int r;
  if ((r = spc_owner_path(state_dir, id, path, sizeof(path), e)) < 0)
    return r;
  snprintf(dir, sizeof(dir), "%s/owners", state_dir);
  if ((r = sp_mkdir(dir, 0700, NULL, e)) < 0)
    return r;
  _cleanup_free_ char *text = NULL;
  if ((r = spc_owner_format(id, o, &text, e)) < 0)
    return r;
  return sp_write_atomic(path, text, strlen(text), 0600, e);
}

int spc_owner_load(const char *state_dir, const char *id, spc_owner *o,
                   sp_error *e) {
  char path[PATH_MAX];
  int r;
  if ((r = spc_owner_path(state_dir, id, path, sizeof(path), e)) < 0)
    return r;
  _cleanup_free_ char *text = NULL;
  if ((r = sp_read_file_at(AT_FDCWD, path, OWNER_FILE_MAX, path, &text, NULL,
                             e)) < 0)
    return r;
  if ((r = spc_owner_parse(text, id, o, e)) < 0)
    return sp_wrap(e, r, "%s", path);
  return 0;
}

/* <state_dir>/owners/<id>.lock */
static int lock_path(const char *state_dir, const char *id, char *buf,
                     size_t sz, sp_error *e) {
  int r = spc_owner_path(state_dir, id, buf, sz, e);
  if (r < 0)
    return r;
  size_t n = strlen(buf);
  memcpy(buf + n - strlen(".json"), ".lock", sizeof(".lock"));
  return 0;
}

int spc_owner_remove(const char *state_dir, const char *id, sp_error *e) {
  char path[PATH_MAX];
  int r;
  if ((r = spc_owner_path(state_dir, id, path, sizeof(path), e)) < 0)
    return r;
  if (unlink(path) < 0 && errno != ENOENT)
    return sp_fail_errno(e, -errno, "cannot remove %s", path);
  if ((r = lock_path(state_dir, id, path, sizeof(path), e)) < 0)
    return r;
  if (unlink(path) < 0 && errno != ENOENT)
    return sp_fail_errno(e, -errno, "cannot remove %s", path);
  return 0;
}

int spc_owner_lock(const char *state_dir, const char *id, sp_error *e) {
  char path[PATH_MAX], dir[PATH_MAX];
  int r;
  if ((r = lock_path(state_dir, id, path, sizeof(path), e)) < 0)
    return r;
  snprintf(dir, sizeof(dir), "%s/owners", state_dir);
  if ((r = sp_mkdir(state_dir, 0700, NULL, e)) < 0 ||
      (r = sp_mkdir(dir, 0700, NULL, e)) < 0)
    return r;
  for (;;) {
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
      return sp_fail_errno(e, -errno, "cannot open %s", path);
    struct stat held, now;
    if (flock(fd, LOCK_EX) < 0 || fstat(fd, &held) < 0) {
      r = -errno;
      close(fd);
      return sp_fail_errno(e, r, "cannot lock %s", path);
    }
    if (stat(path, &now) == 0 && now.st_ino == held.st_ino &&
        now.st_dev == held.st_dev)
      return fd;
    close(fd); /* removed by a delete while we waited: take the new one */
  }
}

static bool is_hex64(const char *s) {
  size_t n = strspn(s, "0123456789abcdef");
  return n == 64 && s[n] == '\0';
}

void spc_owner_label(const spc_owner *o, char *buf, size_t sz) {
  int id_len = is_hex64(o->engine_id) ? 12 : (int)strlen(o->engine_id);
  if (o->name[0])
    snprintf(buf, sz, "%.*s (%s)", id_len, o->engine_id, o->name);
  else
    snprintf(buf, sz, "%.*s", id_len, o->engine_id);
}

int spc_owner_check(const char *id, const spc_owner *owner, pid_t live_pid,
                    const spc_owner *me, pid_t me_pid, bool takeover,
                    bool *claim, sp_error *e) {
  char mine[2 * SPC_ENGINE_ID_MAX], theirs[2 * SPC_ENGINE_ID_MAX];
  spc_owner_label(me, mine, sizeof(mine));
  *claim = false;
  bool same = owner && strcmp(owner->engine_id, me->engine_id) == 0;
  if (same)
    return 0;
  if (owner)
    spc_owner_label(owner, theirs, sizeof(theirs));
  if (live_pid > 0 && live_pid != me_pid) {
    if (owner)
      return sp_fail(e, -EBUSY, "sharedpath id '%s' is in use by running "
                     "container %s (process %d): container %s cannot have "
                     "it too; give it another io.sharedpath.id", id,
                     theirs, (int)live_pid, mine);
    return sp_fail(e, -EBUSY, "sharedpath id '%s' is in use by a running "
                   "container (process %d): container %s cannot have it "
                   "too; give it another io.sharedpath.id", id,
                   (int)live_pid, mine);
  }
  if (owner && !takeover)
    return sp_fail(e, -EBUSY, "sharedpath id '%s' belongs to container %s, "
                   "which is stopped and keeps its paths: container %s is "
                   "refused.  To hand those paths to it, set the "
                   "annotation io.sharedpath.takeover=true on it; to start "
                   "afresh, run `sharedpath delete %s` first", id, theirs,
                   mine, id);
  *claim = true;
  return 0;
}

/* The id's owner (NULL when it has none or its record does not read) and
 * its recorded process if that still runs. */
static const spc_owner *current(const char *state_dir, const char *id,
                                spc_owner *buf, pid_t *live) {
  spc_target t;
  *live = 0;
  if (spc_target_from_record(state_dir, id, &t, NULL) == 0) {
    *live = t.t.pid;
    spc_target_close(&t);
  }
  return spc_owner_load(state_dir, id, buf, NULL) == 0 ? buf : NULL;
}

int spc_owner_claim(const char *state_dir, const char *id,
                    const spc_owner *me, pid_t me_pid, bool takeover,
                    char *note, size_t nsz, sp_error *e) {
  spc_owner buf;
  pid_t live;
  const spc_owner *owner = current(state_dir, id, &buf, &live);
  bool claim;
  note[0] = '\0';
  int r = spc_owner_check(id, owner, live, me, me_pid, takeover, &claim, e);
  if (r < 0 || !claim)
    return r;
  char label[2 * SPC_ENGINE_ID_MAX];
  if (owner) {
    spc_owner_label(owner, label, sizeof(label));
    snprintf(note, nsz, "took the id over from container %s "
             "(io.sharedpath.takeover)", label);
  } else {
    snprintf(note, nsz, "the id is now this container's");
  }
  return spc_owner_save(state_dir, id, me, e);
}

int spc_owner_precreate(const char *state_dir, const char *id, sp_error *e) {
  spc_owner buf;
  pid_t live;
  const spc_owner *owner = current(state_dir, id, &buf, &live);
  if (!live)
    return 0;
  char label[2 * SPC_ENGINE_ID_MAX] = "";
  if (owner)
    spc_owner_label(owner, label, sizeof(label));
  return sp_fail(e, -EBUSY, "sharedpath id '%s' is in use by running "
                 "container %s%s(process %d): the container being created "
                 "cannot have it too; give it another io.sharedpath.id", id,
                 label, label[0] ? " " : "", (int)live);
}

int spc_owner_mine(const char *state_dir, const char *id,
                   const spc_owner *me, char *note, size_t nsz, sp_error *e) {
  spc_owner buf;
  pid_t live;
  const spc_owner *owner = current(state_dir, id, &buf, &live);
  char label[2 * SPC_ENGINE_ID_MAX], mine[2 * SPC_ENGINE_ID_MAX];
  spc_owner_label(me, mine, sizeof(mine));
  note[0] = '\0';
  if (owner && strcmp(owner->engine_id, me->engine_id) != 0) {
    spc_owner_label(owner, label, sizeof(label));
    snprintf(note, nsz, "sharedpath id '%s' belongs to container %s, not "
             "to %s: left as it is", id, label, mine);
    return 0;
  }
  /* This container has stopped: a recorded process that runs is not its. */
  if (!owner && live) {
    snprintf(note, nsz, "sharedpath id '%s' is in use by a running "
             "container (process %d), not by %s: left as it is", id,
             (int)live, mine);
    return 0;
  }
  return 1;
}
