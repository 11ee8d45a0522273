/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>

#include "util.h"

static int vfail(spc_err *e, int code, bool with_errno, const char *fmt,
                 va_list ap) {
  if (!e)
    return code;
  vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
  if (with_errno) {
    size_t n = strlen(e->msg);
    snprintf(e->msg + n, sizeof(e->msg) - n, ": %s", strerror(-code));
  }
  return code;
}

int spc_fail(spc_err *e, int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vfail(e, code, false, fmt, ap);
  va_end(ap);
  return code;
}

int spc_fail_errno(spc_err *e, int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vfail(e, code, true, fmt, ap);
  va_end(ap);
  return code;
}

int spc_wrap(spc_err *e, int code, const char *fmt, ...) {
  if (!e)
    return code;
  char old[sizeof(e->msg)];
  memcpy(old, e->msg, sizeof(old));
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
  va_end(ap);
  size_t n = strlen(e->msg);
  snprintf(e->msg + n, sizeof(e->msg) - n, ": %s", old);
  return code;
}

int spc_read_fd(int fd, size_t max, const char *what, char **out,
                size_t *len, spc_err *e) {
  size_t cap = 4096, n = 0;
  _cleanup_free_ char *buf = malloc(cap);
  if (!buf)
    return spc_fail(e, -ENOMEM, "out of memory");
  for (;;) {
    if (n + 1 >= cap) {
      if (cap > max)
        return spc_fail(e, -EFBIG, "%s is larger than %zu bytes", what, max);
      char *p = realloc(buf, cap * 2);
      if (!p)
        return spc_fail(e, -ENOMEM, "out of memory");
      buf = p;
      cap *= 2;
    }
    ssize_t r = read(fd, buf + n, cap - n - 1);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0)
      return spc_fail_errno(e, -errno, "cannot read %s", what);
    if (r == 0)
      break;
    n += (size_t)r;
  }
  if (n > max)
    return spc_fail(e, -EFBIG, "%s is larger than %zu bytes", what, max);
  buf[n] = '\0';
  if (strlen(buf) != n)
    return spc_fail(e, -EINVAL, "%s contains a NUL byte", what);
  *out = TAKE_PTR(buf);
  if (len)
    *len = n;
  return 0;
}

int spc_read_file(const char *path, size_t max, char **out, size_t *len,
                  spc_err *e) {
  _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW |
                                          O_NONBLOCK);
  if (fd < 0)
    return spc_fail_errno(e, -errno, "cannot open %s", path);
  struct stat sb;
  if (fstat(fd, &sb) < 0)
    return spc_fail_errno(e, -errno, "cannot stat %s", path);
  if (!S_ISREG(sb.st_mode))
    return spc_fail(e, -EINVAL, "%s is not a regular file", path);
  return spc_read_fd(fd, max, path, out, len, e);
}

static int write_all(int fd, const char *data, size_t len) {
  while (len > 0) {
    ssize_t w = write(fd, data, len);
    if (w < 0 && errno == EINTR)
      continue;
    if (w < 0)
      return -errno;
    data += w;
    len -= (size_t)w;
  }
  return 0;
}

int spc_write_atomic(const char *path, const char *data, size_t len,
                     mode_t mode, spc_err *e) {
  char dir[PATH_MAX], base[PATH_MAX], tmp[PATH_MAX];
  if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
    return spc_fail(e, -ENAMETOOLONG, "path %s is too long", path);
  snprintf(base, sizeof(base), "%s", path);
  const char *d = dirname(dir), *b = basename(base);
  if (snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", d, b) >= (int)sizeof(tmp))
    return spc_fail(e, -ENAMETOOLONG, "path %s is too long", path);
  _cleanup_close_ int dirfd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0)
    return spc_fail_errno(e, -errno, "cannot open directory %s", d);
  int fd = mkostemp(tmp, O_CLOEXEC);
  if (fd < 0)
    return spc_fail_errno(e, -errno, "cannot create a temporary file in %s",
                          d);
  int r = fchmod(fd, mode) < 0 ? -errno : 0;
  if (r == 0)
    r = write_all(fd, data, len);
  if (r == 0 && fsync(fd) < 0)
    r = -errno;
  if (close(fd) < 0 && r == 0)
    r = -errno;
  if (r == 0 && rename(tmp, path) < 0)
    r = -errno;
  if (r < 0) {
    unlink(tmp);
    return spc_fail_errno(e, r, "cannot write %s", path);
  }
  if (fsync(dirfd) < 0)
    return spc_fail_errno(e, -errno, "cannot sync directory %s", d);
  return 0;
}

int spc_mkdir(const char *path, mode_t mode, spc_err *e) {
  if (mkdir(path, mode) == 0)
    return 0;
  if (errno != EEXIST)
    return spc_fail_errno(e, -errno, "cannot create directory %s", path);
  struct stat sb;
  if (lstat(path, &sb) < 0 || !S_ISDIR(sb.st_mode))
    return spc_fail(e, -ENOTDIR, "%s exists and is not a directory", path);
  return 0;
}

int spc_id_validate(const char *id, spc_err *e) {
  if (!id || !*id)
    return spc_fail(e, -EINVAL, "container id is empty");
  size_t n = strlen(id);
  /* The first character must be alphanumeric, so "." and ".." fail. */
  bool ok = n <= 128;
  for (size_t i = 0; ok && i < n; i++) {
    char c = id[i];
    bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                 (c >= '0' && c <= '9');
    ok = alnum || (i > 0 && (c == '_' || c == '.' || c == '-'));
  }
  if (!ok)
    return spc_fail(e, -EINVAL, "invalid container id '%.140s': use 1 to 128 "
                    "of A-Z a-z 0-9 _ . -, starting with a letter or digit",
                    id);
  return 0;
}
