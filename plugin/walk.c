/* SPDX-License-Identifier: Apache-2.0 */
/* The component walk (walk.h). */
#include <fcntl.h>
#include <linux/magic.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include "walk.h"

/* The root itself, as an fd of our own. */
static int open_root(int rootfd) {
  int fd = openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  return fd < 0 ? -errno : fd;
}

/* done (from the root, no symlinks: each was a directory when resolved)
 * opened again from the root; one that is not a directory any more was
 * changed meanwhile: -EAGAIN. */
static int reopen(int rootfd, char *done) {
  int cur = open_root(rootfd);
  for (char *p = done; cur >= 0 && *p;) {
    char *name = p + 1, *end = strchr(name, '/');
    if (end)
      *end = '\0';
    int fd = openat(cur, name, O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
    int e = errno;
    if (end)
      *end = '/';
    close(cur);
    if (fd < 0)
      return e == ENOTDIR || e == ENOENT ? -EAGAIN : -e;
    cur = fd;
    p = end ? end : name + strlen(name);
  }
  return cur;
}

/* The symlink fd (opened O_PATH|O_NOFOLLOW) is followed: its text
 * replaces the component at p..q in b->todo.  *restart: it is absolute. */
static int follow(int fd, sp_walk_buf *b, char *q, bool *restart) {
  struct statfs sf;
  if (fstatfs(fd, &sf) < 0)
    return -errno;
  ssize_t n = readlinkat(fd, "", b->link, sizeof(b->link));
  if (n < 0)
    return -errno;
  if (n == 0)
    return -ENOENT;
  if ((size_t)n >= sizeof(b->link))
    return -ENAMETOOLONG;
  /* Magic links (/proc/PID/fd/N, .../root, .../cwd, .../ns/...) jump
   * anywhere, and read back as an absolute path or "type:[...]": refused,
   * as RESOLVE_NO_MAGICLINKS does.  (Their text would only ever be
   * followed inside the root; the refusal keeps openat2's answer.)  The
   * other procfs symlinks (/proc/self, /proc/mounts) read back relative. */
  if ((sf.f_type == PROC_SUPER_MAGIC || sf.f_type == SYSFS_MAGIC) &&
      (b->link[0] == '/' || memchr(b->link, ':', (size_t)n)))
    return -ELOOP;
  size_t rest = strlen(q);
  if ((size_t)n + rest >= sizeof(b->todo))
    return -ENAMETOOLONG;
  memmove(b->todo + n, q, rest + 1);
  memcpy(b->todo, b->link, (size_t)n);
  *restart = b->link[0] == '/';
  return 0;
}

int sp_walk(int rootfd, const char *path, int oflags, unsigned int flags,
            sp_walk_buf *b, int *parent_out) {
  if (parent_out)
    *parent_out = -1;
  size_t len = strlen(path);
  if (len >= sizeof(b->todo))
    return -ENAMETOOLONG;
  memcpy(b->todo, path, len + 1);
  b->done[0] = '\0';
  size_t done = 0;
  int links = 0, parent = -1, r = 0;
  int cur = open_root(rootfd);
  if (cur < 0)
    return cur;
  char *p = b->todo;
  for (;;) {
    while (*p == '/')
      p++;
    if (!*p)
      break;
    char *q = p;
    while (*q && *q != '/')
      q++;
    size_t nl = (size_t)(q - p);
    char *after = q;
    while (*after == '/')
      after++;
    bool last = !*after, slash = *q == '/';
    if (nl == 1 && p[0] == '.') {
      p = q;
      continue;
    }
    if (nl == 2 && p[0] == '.' && p[1] == '.') {
      if (done) {
        while (done && b->done[done - 1] != '/')
          done--;
        b->done[--done] = '\0';
        int fd = reopen(rootfd, b->done);
        if (fd < 0) {
          r = fd;
          break;
        }
        close(cur);
        cur = fd;
      }
      p = q;
      continue;
    }
    if (nl > NAME_MAX) {
      r = -ENAMETOOLONG;
      break;
    }
    char name[NAME_MAX + 1];
    memcpy(name, p, nl);
    name[nl] = '\0';
    int fd = openat(cur, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) < 0) {
      r = -errno;
      if (fd >= 0)
        close(fd);
      break;
    }
    if (S_ISLNK(sb.st_mode)) {
      bool restart = false;
      if ((flags & SP_WALK_NO_SYMLINKS) || ++links > SP_WALK_MAX_LINKS)
        r = -ELOOP;
      else
        r = follow(fd, b, q, &restart);
      close(fd);
      if (r < 0)
        break;
      if (restart) {
        int root = open_root(rootfd);
        if (root < 0) {
          r = root;
          break;
        }
        close(cur);
        cur = root;
        done = 0;
        b->done[0] = '\0';
      }
      p = b->todo;
      continue;
    }
    if ((!last || slash) && !S_ISDIR(sb.st_mode)) {
      close(fd);
      r = -ENOTDIR;
      break;
    }
    if (done + 1 + nl >= sizeof(b->done)) {
      close(fd);
      r = -ENAMETOOLONG;
      break;
    }
    b->done[done++] = '/';
    memcpy(b->done + done, name, nl + 1);
    done += nl;
    if (last) {
      parent = cur;
      cur = fd;
      break;
    }
    close(cur);
    cur = fd;
    p = q;
  }
  if (r == 0 && (oflags & O_DIRECTORY)) {
    struct stat sb;
    if (fstat(cur, &sb) < 0)
      r = -errno;
    else if (!S_ISDIR(sb.st_mode))
      r = -ENOTDIR;
  }
  if (r < 0) {
    close(cur);
    if (parent >= 0)
      close(parent);
    return r;
  }
  if (parent_out)
    *parent_out = parent;
  else if (parent >= 0)
    close(parent);
  return cur;
}
