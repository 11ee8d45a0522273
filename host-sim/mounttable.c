/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <libmount.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "mounttable.h"

static bool strictly_below(const char *t, const char *prefix) {
  size_t n = strlen(prefix);
  return strncmp(t, prefix, n) == 0 && t[n] == '/';
}

int sim_mounts_read(sim_mounts *m) {
  return sim_mounts_read_file(m, "/proc/self/mountinfo");
}

int sim_mounts_read_file(sim_mounts *m, const char *mountinfo) {
  *m = (sim_mounts){0};
  struct libmnt_table *tb = mnt_new_table_from_file(mountinfo);
  if (!tb)
    return -1;
  struct libmnt_iter *it = mnt_new_iter(MNT_ITER_FORWARD);
  struct libmnt_fs *fs;
  size_t cap = 0;
  while (mnt_table_next_fs(tb, it, &fs) == 0) {
    if (m->n == cap) {
      cap = cap ? 2 * cap : 64;
      m->lines = realloc(m->lines, cap * sizeof(*m->lines));
      if (!m->lines)
        abort();
    }
    const char *o = mnt_fs_get_options(fs);
    if (asprintf(&m->lines[m->n++], "%s %s %s", mnt_fs_get_target(fs),
                 mnt_fs_get_fstype(fs), o ? o : "") < 0)
      abort();
  }
  mnt_free_iter(it);
  mnt_unref_table(tb);
  return 0;
}

void sim_mounts_free(sim_mounts *m) {
  for (size_t i = 0; i < m->n; i++)
    free(m->lines[i]);
  free(m->lines);
  *m = (sim_mounts){0};
}

size_t sim_mounts_count_below(const char *const *prefixes, size_t np) {
  struct libmnt_table *tb = mnt_new_table_from_file("/proc/self/mountinfo");
  if (!tb)
    return (size_t)-1;
  struct libmnt_iter *it = mnt_new_iter(MNT_ITER_FORWARD);
  struct libmnt_fs *fs;
  size_t n = 0;
  while (mnt_table_next_fs(tb, it, &fs) == 0)
    for (size_t i = 0; i < np; i++)
      if (strictly_below(mnt_fs_get_target(fs), prefixes[i])) {
        n++;
        break;
      }
  mnt_free_iter(it);
  mnt_unref_table(tb);
  return n;
}

size_t sim_mounts_count_children(const char *prefix) {
  struct libmnt_table *tb = mnt_new_table_from_file("/proc/self/mountinfo");
  if (!tb)
    return (size_t)-1;
  struct libmnt_iter *it = mnt_new_iter(MNT_ITER_FORWARD);
  struct libmnt_fs *fs;
  size_t n = 0, len = strlen(prefix);
  while (mnt_table_next_fs(tb, it, &fs) == 0) {
    const char *t = mnt_fs_get_target(fs);
    if (t && strictly_below(t, prefix) && !strchr(t + len + 1, '/'))
      n++;
  }
  mnt_free_iter(it);
  mnt_unref_table(tb);
  return n;
}

static bool contains(const sim_mounts *m, const char *line) {
  for (size_t i = 0; i < m->n; i++)
    if (strcmp(m->lines[i], line) == 0)
      return true;
  return false;
}

bool sim_mounts_same(const sim_mounts *a, const sim_mounts *b) {
  bool same = true;
  for (size_t i = 0; i < b->n; i++)
    if (!contains(a, b->lines[i])) {
      printf("    left behind: %s\n", b->lines[i]);
      same = false;
    }
  for (size_t i = 0; i < a->n; i++)
    if (!contains(b, a->lines[i])) {
      printf("    gone:        %s\n", a->lines[i]);
      same = false;
    }
  return same;
}

/* A line's target: up to the first blank (sim paths have none). */
static bool target_within(const char *line, const char *path, bool strictly) {
  size_t n = strlen(path), t = strcspn(line, " ");
  if (t < n || strncmp(line, path, n) != 0)
    return false;
  return t == n ? !strictly : line[n] == '/';
}

bool sim_mounts_new_only_below(const sim_mounts *base, const sim_mounts *now,
                               const char *prefix) {
  /* A multiset difference: a second identical mount stacked on a baseline
   * one is new, too. */
  bool *used = calloc(base->n + 1, sizeof(bool));
  if (!used)
    abort();
  bool ok = true;
  for (size_t i = 0; i < now->n; i++) {
    size_t j;
    for (j = 0; j < base->n; j++)
      if (!used[j] && strcmp(base->lines[j], now->lines[i]) == 0)
        break;
    if (j < base->n) {
      used[j] = true;
      continue;
    }
    if (!target_within(now->lines[i], prefix, true)) {
      printf("    new mount outside %s: %s\n", prefix, now->lines[i]);
      ok = false;
    }
  }
  free(used);
  return ok;
}

bool sim_mounts_none_at_or_below(const sim_mounts *m, const char *path) {
  bool ok = true;
  for (size_t i = 0; i < m->n; i++)
    if (target_within(m->lines[i], path, false)) {
      printf("    mounted: %s\n", m->lines[i]);
      ok = false;
    }
  return ok;
}

/* The mount id of fd from /proc/self/fdinfo (any kernel since 3.15). */
static long long fd_mnt_id(int fd) {
  char p[64], text[512];
  snprintf(p, sizeof(p), "/proc/self/fdinfo/%d", fd);
  int f = open(p, O_RDONLY | O_CLOEXEC);
  if (f < 0)
    return -1;
  ssize_t n = read(f, text, sizeof(text) - 1);
  close(f);
  if (n <= 0)
    return -1;
  text[n] = '\0';
  const char *m = strstr(text, "\nmnt_id:");
  return m ? strtoll(m + 8, NULL, 10) : -1;
}

bool sim_is_mount_root(const char *path, unsigned long long *dev,
                       unsigned long long *ino) {
  struct statx sx;
  if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &sx) < 0)
    return false;
  if (dev)
    *dev = makedev(sx.stx_dev_major, sx.stx_dev_minor);
  if (ino)
    *ino = sx.stx_ino;
  if (sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT)
    return sx.stx_attributes & STATX_ATTR_MOUNT_ROOT;
  char dir[PATH_MAX];
  snprintf(dir, sizeof(dir), "%s", path);
  char *slash = strrchr(dir, '/');
  if (!slash || !slash[1])
    return false;
  *slash = '\0';
  int d = open(dir[0] ? dir : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  int f = d < 0 ? -1 : openat(d, slash + 1, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  long long a = f < 0 ? -1 : fd_mnt_id(f), b = d < 0 ? -1 : fd_mnt_id(d);
  if (f >= 0)
    close(f);
  if (d >= 0)
    close(d);
  return a >= 0 && b >= 0 && a != b;
}
