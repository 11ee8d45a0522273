/* SPDX-License-Identifier: Apache-2.0 */
/* Mount ids, mount roots and mountinfo lines (mntid.h): system calls and
 * string functions only. */
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>

#include "mntid.h"
#include "syscalls.h"

/* Decimal digits of s, up to a non-digit; -EINVAL when none. */
static int parse_u64(const char **s, uint64_t *out) {
  const char *p = *s;
  uint64_t v = 0;
  if (*p < '0' || *p > '9')
    return -EINVAL;
  for (; *p >= '0' && *p <= '9'; p++) {
    if (v > (UINT64_MAX - 9) / 10)
      return -EINVAL;
    v = v * 10 + (uint64_t)(*p - '0');
  }
  *s = p;
  *out = v;
  return 0;
}

int sp_fdinfo_parse_mnt_id(const char *text, size_t len, uint64_t *id) {
  static const char key[] = "mnt_id:";
  for (size_t i = 0; i + sizeof(key) - 1 < len; i++) {
    if ((i && text[i - 1] != '\n') || memcmp(text + i, key, sizeof(key) - 1))
      continue;
    const char *p = text + i + sizeof(key) - 1;
    while (p < text + len && (*p == ' ' || *p == '\t'))
      p++;
    /* The text is NUL-terminated by the reader, so parse_u64 stops. */
    return parse_u64(&p, id);
  }
  return -EINVAL;
}

/* "self/fdinfo/" + fd, without snprintf. */
static void fdinfo_path(char buf[32], int fd) {
  static const char pre[] = "self/fdinfo/";
  char digits[12];
  int n = 0;
  unsigned int v = (unsigned int)fd;
  do
    digits[n++] = (char)('0' + v % 10);
  while ((v /= 10) && n < 11);
  memcpy(buf, pre, sizeof(pre) - 1);
  size_t o = sizeof(pre) - 1;
  while (n)
    buf[o++] = digits[--n];
  buf[o] = '\0';
}

ssize_t sp_read_small(int fd, char *buf, size_t size) {
  ssize_t n = read(fd, buf, size - 1);
  int e = errno;
  close(fd);
  if (n < 0)
    return -e;
  buf[n] = '\0';
  return n;
}

int sp_fdinfo_mnt_id(int procfd, int fd, uint64_t *id) {
  char path[32], text[512];
  fdinfo_path(path, fd);
  int f = openat(procfd, path, O_RDONLY | O_CLOEXEC);
  if (f < 0)
    return -errno;
  ssize_t n = sp_read_small(f, text, sizeof(text));
  return n < 0 ? (int)n : sp_fdinfo_parse_mnt_id(text, (size_t)n, id);
}

int sp_fd_mnt_id(const sp_mech *m, int procfd, int fd, bool unique,
                 uint64_t *id) {
  if (unique && !m->statmount)
    return -ENOSYS;
  if (unique || m->statx_mount) {
    unsigned int want = unique ? STATX_MNT_ID_UNIQUE : STATX_MNT_ID;
    struct statx sx;
    if (statx(fd, "", AT_EMPTY_PATH, want, &sx) < 0)
      return -errno;
    if (!(sx.stx_mask & want))
      return -ENOSYS;
    *id = sx.stx_mnt_id;
    return 0;
  }
  return sp_fdinfo_mnt_id(procfd, fd, id);
}

int sp_fd_is_mount_root(const sp_mech *m, int procfd, int fd, int parent,
                        const struct statx *sx) {
  uint64_t id;
  return sp_fd_mount_root_id(m, procfd, fd, parent, sx, &id);
}

int sp_fd_mount_root_id(const sp_mech *m, int procfd, int fd, int parent,
                        const struct statx *sx, uint64_t *fd_id) {
  *fd_id = 0;
  if (m->statx_mount) {
    if (!(sx->stx_attributes_mask & STATX_ATTR_MOUNT_ROOT))
      return -ENOSYS;
    return (sx->stx_attributes & STATX_ATTR_MOUNT_ROOT) ? 1 : 0;
  }
  int up = parent;
  if (up < 0) {
    if (!S_ISDIR(sx->stx_mode))
      return -EINVAL; /* a file's mount is told by its directory only */
    /* From a mount's root, ".." leaves the mount. */
    up = openat(fd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (up < 0)
      return -errno;
  }
  struct stat sb;
  uint64_t a = 0, b = 0;
  int r = fstat(up, &sb) < 0 ? -errno : 0;
  if (r == 0 && makedev(sx->stx_dev_major, sx->stx_dev_minor) != sb.st_dev)
    r = 1; /* another filesystem: a mount starts here */
  else if (r == 0 && (r = sp_fd_mnt_id(m, procfd, fd, false, &a)) == 0 &&
           (r = sp_fd_mnt_id(m, procfd, up, false, &b)) == 0) {
    r = a != b;
    *fd_id = a;
  }
  if (up != parent)
    close(up);
  return r;
}

unsigned long sp_mount_flags_of(unsigned long st) {
  static const struct {
    unsigned long st, ms;
  } map[] = {
      {ST_NOSUID, MS_NOSUID},         {ST_NODEV, MS_NODEV},
      {ST_NOEXEC, MS_NOEXEC},         {ST_NOATIME, MS_NOATIME},
      {ST_NODIRATIME, MS_NODIRATIME}, {ST_RELATIME, MS_RELATIME},
  };
  unsigned long ms = 0;
  for (size_t i = 0; i < SP_ARRAY_SIZE(map); i++)
    if (st & map[i].st)
      ms |= map[i].ms;
  return ms;
}

/* A field of a mountinfo line: up to the next blank, NUL-terminated in
 * place; *s moves past it.  NULL when there is none. */
static char *field(char **s) {
  char *p = *s;
  while (*p == ' ')
    p++;
  if (!*p)
    return NULL;
  char *start = p;
  while (*p && *p != ' ')
    p++;
  if (*p)
    *p++ = '\0';
  *s = p;
  return start;
}

/* The kernel escapes space, tab, newline and backslash as \ooo. */
static void unescape(char *s) {
  char *o = s;
  for (char *p = s; *p; p++) {
    if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' &&
        p[2] <= '7' && p[3] >= '0' && p[3] <= '7') {
      *o++ = (char)((p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0'));
      p += 3;
    } else {
      *o++ = *p;
    }
  }
  *o = '\0';
}

int sp_mountinfo_parse(char *line, sp_mi_line *out) {
  char *s = line, *f[5];
  for (int i = 0; i < 5; i++)
    if (!(f[i] = field(&s)))
      return -EINVAL;
  const char *p = f[0];
  uint64_t major = 0, minor = 0;
  if (parse_u64(&p, &out->id) < 0 || *p)
    return -EINVAL;
  p = f[1];
  if (parse_u64(&p, &out->parent) < 0 || *p)
    return -EINVAL;
  p = f[2];
  if (parse_u64(&p, &major) < 0 || *p++ != ':' || parse_u64(&p, &minor) < 0 ||
      *p || major > UINT32_MAX || minor > UINT32_MAX)
    return -EINVAL;
  out->major = (unsigned int)major;
  out->minor = (unsigned int)minor;
  unescape(f[3]);
  unescape(f[4]);
  out->root = f[3];
  out->point = f[4];
  return 0;
}

int sp_mountinfo_each(int fd, char *buf, size_t size, sp_mi_fn fn,
                      void *arg) {
  size_t have = 0;
  bool eof = false;
  for (;;) {
    char *nl = have ? memchr(buf, '\n', have) : NULL;
    if (!nl && !eof) {
      if (have == size - 1)
        return -E2BIG;
      ssize_t n = read(fd, buf + have, size - 1 - have);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return -errno;
      eof = n == 0;
      have += (size_t)n;
      continue;
    }
    if (!nl && !have)
      return 0;
    size_t len = nl ? (size_t)(nl - buf) : have;
    buf[len] = '\0';
    sp_mi_line l;
    if (sp_mountinfo_parse(buf, &l) < 0)
      return -EINVAL;
    int r = fn(&l, arg);
    if (r)
      return r;
    size_t used = nl ? len + 1 : have;
    memmove(buf, buf + used, have - used);
    have -= used;
  }
}
