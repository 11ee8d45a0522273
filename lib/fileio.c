/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "fault.h"
#include "fileio.h"

int sp_write_all(int fd, const void *data, size_t len, off_t off) {
  const char *s = data;
  while (len) {
    ssize_t n = SP_SYS(SP_F_WRITE, off < 0 ? write(fd, s, len)
                                           : pwrite(fd, s, len, off));
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return -errno;
    s += n;
    len -= (size_t)n;
    if (off >= 0)
      off += n;
  }
  return 0;
}

/* Read fd to its end into a buffer of cap bytes at first, growing. */
static int read_loop(int fd, off_t off, size_t max, size_t cap,
                     const char *what, char **out, size_t *len,
                     sp_error *err) {
  size_t n = 0;
  _cleanup_free_ char *buf = malloc(cap);
  if (!buf)
    return sp_fail(err, -ENOMEM, "out of memory");
  for (;;) {
    if (n + 1 >= cap) {
      if (cap > max)
        return sp_fail(err, -EFBIG, "%s is larger than %zu bytes", what, max);
      char *p = realloc(buf, cap * 2);
      if (!p)
        return sp_fail(err, -ENOMEM, "out of memory");
      buf = p;
      cap *= 2;
    }
    ssize_t r = off < 0 ? read(fd, buf + n, cap - n - 1)
                        : pread(fd, buf + n, cap - n - 1, off + (off_t)n);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0)
      return sp_fail_errno(err, -errno, "cannot read %s", what);
    if (r == 0)
      break;
    n += (size_t)r;
  }
  if (n > max)
    return sp_fail(err, -EFBIG, "%s is larger than %zu bytes", what, max);
  buf[n] = '\0';
  if (strlen(buf) != n)
    return sp_fail(err, -EINVAL, "%s contains a NUL byte", what);
  *out = TAKE_PTR(buf);
  if (len)
    *len = n;
  return 0;
}

int sp_read_all(int fd, off_t off, size_t max, const char *what, char **out,
                size_t *len, sp_error *err) {
  return read_loop(fd, off, max, 4096, what, out, len, err);
}

int sp_read_file_at(int dirfd, const char *name, size_t max, const char *what,
                    char **out, size_t *len, sp_error *err) {
  _cleanup_close_ int fd =
      openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0)
    return sp_fail_errno(err, -errno, "cannot open %s", what);
  struct stat sb;
  if (fstat(fd, &sb) < 0)
    return sp_fail_errno(err, -errno, "cannot stat %s", what);
  if (!S_ISREG(sb.st_mode))
    return sp_fail(err, -EINVAL, "%s is not a regular file", what);
  if ((uint64_t)sb.st_size > max)
    return sp_fail(err, -EFBIG, "%s is %lld bytes, more than the %zu "
                   "allowed", what, (long long)sb.st_size, max);
  /* Room for the whole file and its NUL at once. */
  return read_loop(fd, -1, max, (size_t)sb.st_size + 2, what, out, len, err);
}

int sp_write_atomic_at(int dirfd, const char *name, const char *tmp,
                       const void *data, size_t len, mode_t mode,
                       unsigned int flags, int *keep_fd, sp_error *err) {
  _cleanup_close_ int fd = -1;
  for (int tries = 0;; tries++) {
    fd = SP_SYS(SP_F_WRITE, openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL |
                                              O_CLOEXEC | O_NOFOLLOW, mode));
    if (fd >= 0)
      break;
    if (errno != EEXIST || tries == 1)
      return sp_fail_errno(err, -errno, "cannot create %s", tmp);
    if (unlinkat(dirfd, tmp, 0) < 0 && errno != ENOENT)
      return sp_fail_errno(err, -errno, "cannot remove stale %s", tmp);
  }
  int r = 0;
  if ((flags & SP_WRITE_EXACT_MODE) && fchmod(fd, mode) < 0)
    r = -errno;
  if (r == 0)
    r = sp_write_all(fd, data, len, -1);
  if (r == 0 && SP_SYS(SP_F_WRITE, fsync(fd)) < 0)
    r = -errno;
  if (r < 0) {
    unlinkat(dirfd, tmp, 0);
    return sp_fail_errno(err, r, "cannot write %s", tmp);
  }
  if (SP_SYS(SP_F_WRITE, renameat(dirfd, tmp, dirfd, name)) < 0) {
    r = -errno;
    unlinkat(dirfd, tmp, 0);
    return sp_fail_errno(err, r, "cannot rename %s to %s", tmp, name);
  }
  if (fsync(dirfd) < 0)
    return sp_fail_errno(err, -errno, "cannot fsync the directory of %s",
                         name);
  if (keep_fd)
    *keep_fd = TAKE_FD(fd);
  return 0;
}

int sp_write_atomic(const char *path, const void *data, size_t len,
                    mode_t mode, sp_error *err) {
  char dir[PATH_MAX], base[PATH_MAX], tmp[PATH_MAX];
  if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
    return sp_fail(err, -ENAMETOOLONG, "path %s is too long", path);
  snprintf(base, sizeof(base), "%s", path);
  const char *d = dirname(dir), *b = basename(base);
  /* The process's own name: no other writer uses it while this one
   * lives, and one left by a dead process is stale. */
  if (snprintf(tmp, sizeof(tmp), "%s/.%s.%d.tmp", d, b, (int)getpid()) >=
      (int)sizeof(tmp))
    return sp_fail(err, -ENAMETOOLONG, "path %s is too long", path);
  _cleanup_close_ int dirfd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0)
    return sp_fail_errno(err, -errno, "cannot open directory %s", d);
  return sp_write_atomic_at(dirfd, path, tmp, data, len, mode,
                            SP_WRITE_EXACT_MODE, NULL, err);
}

int sp_mkdir(const char *path, mode_t mode, struct stat *existing,
             sp_error *err) {
  if (SP_SYS(SP_F_MKDIR, mkdir(path, mode)) == 0)
    return 0;
  if (errno != EEXIST)
    return sp_fail_errno(err, -errno, "cannot create directory %s", path);
  struct stat sb;
  if (lstat(path, &sb) < 0 || !S_ISDIR(sb.st_mode))
    return sp_fail(err, -ENOTDIR, "%s exists and is not a directory", path);
  if (existing)
    *existing = sb;
  return 1;
}

int sp_mkdir_p(const char *path, mode_t last_mode, sp_error *err) {
  char buf[PATH_MAX];
  if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
    return sp_fail(err, -ENAMETOOLONG, "path %s is too long", path);
  for (char *p = buf + 1;; p++) {
    if (*p != '/' && *p != '\0')
      continue;
    char c = *p;
    *p = '\0';
    if (SP_SYS(SP_F_MKDIR, mkdir(buf, c ? 0755 : last_mode)) < 0 &&
        errno != EEXIST)
      return sp_fail_errno(err, -errno, "cannot create directory %s", buf);
    *p = c;
    if (!c)
      return 0;
  }
}

int sp_dir_open(const char *dir, int *fd, DIR **d, sp_error *err) {
  *d = NULL;
  *fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (*fd < 0)
    return errno == ENOENT ? 0 : sp_fail_errno(err, -errno, "cannot open %s",
                                                dir);
  int dfd = dup(*fd);
  if (dfd >= 0 && !(*d = fdopendir(dfd)))
    close(dfd);
  if (!*d) {
    int r = sp_fail_errno(err, -errno, "cannot read %s", dir);
    close(*fd);
    *fd = -1;
    return r;
  }
  return 1;
}
