/* SPDX-License-Identifier: Apache-2.0 */
/* State files and lock files in the state dir. */
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "fileio.h"
#include "statefile.h"

static int state_name(char *buf, size_t sz, const char *id, const char *ext) {
  int n = snprintf(buf, sz, "%s.%s", id, ext);
  return n > 0 && (size_t)n < sz ? 0 : -ENAMETOOLONG;
}

int sp_state_load(int dirfd, const char *id, sp_state *st, bool *exists,
                  sp_error *err) {
  char name[SP_ID_MAX + 16], what[SP_ID_MAX + 32];
  *st = (sp_state){0};
  *exists = false;
  if (state_name(name, sizeof(name), id, "json") < 0)
    return sp_fail(err, -ENAMETOOLONG, "container id too long");
  snprintf(what, sizeof(what), "state file %s", name);
  _cleanup_free_ char *buf = NULL;
  size_t len = 0;
  int r = sp_read_file_at(dirfd, name, SP_STATE_MAX_BYTES, what, &buf, &len,
                          err);
  if (r == -ENOENT)
    return 0;
  if (r < 0)
    return r;
  if ((r = sp_state_parse(buf, len, id, st, err)) < 0)
    return sp_wrap(err, r, "%s", what);
  *exists = true;
  return 0;
}

int sp_state_save(int dirfd, const char *id, const sp_state *st,
                  sp_error *err) {
  return sp_state_save_fd(dirfd, id, st, NULL, err);
}

int sp_state_save_fd(int dirfd, const char *id, const sp_state *st,
                     int *keep_fd, sp_error *err) {
  _cleanup_free_ char *text = NULL;
  int r = sp_state_to_json(st, id, true, &text, err);
  if (r < 0)
    return r;
  char name[SP_ID_MAX + 16], tmp[SP_ID_MAX + 24];
  if (state_name(name, sizeof(name), id, "json") < 0 ||
      state_name(tmp, sizeof(tmp), id, "json.tmp") < 0)
    return sp_fail(err, -ENAMETOOLONG, "container id too long");
  size_t len = strlen(text);
  text[len] = '\n';
  /* The temp name is per container and we hold the container's lock, so a
   * fixed name is safe and a crash leaves at most one stale temp file. */
  return sp_write_atomic_at(dirfd, name, tmp, text, len + 1, 0600, 0,
                            keep_fd, err);
}

int sp_state_unlink(int dirfd, const char *id, sp_error *err) {
  char name[SP_ID_MAX + 16];
  if (state_name(name, sizeof(name), id, "json") < 0)
    return sp_fail(err, -ENAMETOOLONG, "container id too long");
  if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
    return sp_fail_errno(err, -errno, "cannot remove %s", name);
  if (fsync(dirfd) < 0)
    return sp_fail_errno(err, -errno, "cannot fsync the state dir");
  return 0;
}

int sp_state_lock(int dirfd, const char *id, int *lockfd, off_t *intent_len,
                  sp_error *err) {
  char name[SP_ID_MAX + 16];
  if (state_name(name, sizeof(name), id, "lock") < 0)
    return sp_fail(err, -ENAMETOOLONG, "container id too long");
  for (;;) {
    _cleanup_close_ int fd = openat(dirfd, name,
                                    O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
                                    0600);
    if (fd < 0)
      return sp_fail_errno(err, -errno, "cannot open lock file %s", name);
    while (flock(fd, LOCK_EX) < 0)
      if (errno != EINTR)
        return sp_fail_errno(err, -errno, "cannot lock %s", name);
    /* A delete may have unlinked the file while we waited: then our lock
     * guards nothing and we must retry on the new file.  Lock files are
     * only ever created and unlinked (never renamed or linked), so one
     * still linked is the one at the name: its link count tells, with no
     * second lookup of the name. */
    struct stat a;
    if (fstat(fd, &a) < 0)
      return sp_fail_errno(err, -errno, "cannot stat lock file %s", name);
    if (a.st_nlink > 0) {
      if (!S_ISREG(a.st_mode))
        return sp_fail(err, -EINVAL, "lock file %s is not a regular file",
                       name);
      /* One left with another mode (by hand, an older build) gets ours. */
      if ((a.st_mode & 07777) != 0600 && fchmod(fd, 0600) < 0)
        return sp_fail_errno(err, -errno, "cannot chmod lock file %s", name);
      if (intent_len)
        *intent_len = a.st_size;
      *lockfd = TAKE_FD(fd);
      return 0;
    }
  }
}

void sp_state_lock_unlink(int dirfd, const char *id) {
  char name[SP_ID_MAX + 16];
  if (state_name(name, sizeof(name), id, "lock") == 0)
    unlinkat(dirfd, name, 0);
}
