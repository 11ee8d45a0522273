/* SPDX-License-Identifier: Apache-2.0 */
/* Expectations about the host as the harness sees it: what a failed call
 * must leave alone (snapshot, expect unchanged), mounts, modes, and who
 * can read what (steps.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <linux/magic.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "steps.h"

/* Everything a failed call must leave alone, as text: the harness's mount
 * table, every running container's mount table, and the state dir's files
 * (name, mode, size, sha256 of the bytes). */
static char *take_snapshot(sim *s) {
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  if (!f)
    return NULL;
  sim_mounts m;
  sim_mounts_read(&m);
  for (size_t i = 0; i < m.n; i++)
    fprintf(f, "host mount %s\n", m.lines[i]);
  sim_mounts_free(&m);
  for (size_t c = 0; c < s->nctrs; c++) {
    if (!s->ctrs[c].running)
      continue;
    char p[64];
    snprintf(p, sizeof(p), "/proc/%d/mountinfo", s->ctrs[c].pid);
    sim_mounts_read_file(&m, p);
    for (size_t i = 0; i < m.n; i++)
      fprintf(f, "%s mount %s\n", s->ctrs[c].id, m.lines[i]);
    sim_mounts_free(&m);
  }
  struct dirent **names = NULL;
  int n = scandir(s->state, &names, NULL, alphasort);
  for (int i = 0; i < n; i++) {
    char p[PATH_MAX];
    snprintf(p, sizeof(p), "%s/%s", s->state, names[i]->d_name);
    struct stat sb;
    unsigned char md[32] = {0};
    if (lstat(p, &sb) == 0 && S_ISREG(sb.st_mode)) {
      EVP_MD_CTX *ctx = EVP_MD_CTX_new();
      FILE *in = fopen(p, "r");
      char buf[65536];
      size_t got;
      EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
      while (in && (got = fread(buf, 1, sizeof(buf), in)) > 0)
        EVP_DigestUpdate(ctx, buf, got);
      EVP_DigestFinal_ex(ctx, md, NULL);
      EVP_MD_CTX_free(ctx);
      if (in)
        fclose(in);
    }
    size_t nl = strlen(names[i]->d_name);
    if (nl > 5 && !strcmp(names[i]->d_name + nl - 5, ".lock")) {
      /* A lock file's bytes are scratch (a cleared intent record stays
       * behind it); what counts is that it exists and whether it holds a
       * live intent (first byte '{'). */
      char first = 0;
      FILE *in = fopen(p, "r");
      if (in && fread(&first, 1, 1, in) != 1)
        first = 0;
      if (in)
        fclose(in);
      fprintf(f, "state %s mode %o intent %s\n", names[i]->d_name,
              (unsigned)sb.st_mode, first == '{' ? "live" : "none");
      free(names[i]);
      continue;
    }
    fprintf(f, "state %s mode %o size %lld sha256 ", names[i]->d_name,
            (unsigned)sb.st_mode, (long long)sb.st_size);
    for (int k = 0; k < 32; k++)
      fprintf(f, "%02x", md[k]);
    fputc('\n', f);
    free(names[i]);
  }
  free(names);
  fclose(f);
  return text;
}

static int step_snapshot(line_ctx *l) {
  if (l->ntok != 1)
    return fail(l, "usage: snapshot");
  free(l->s->snapshot);
  l->s->snapshot = take_snapshot(l->s);
  return l->s->snapshot ? 0 : fail(l, "cannot take a snapshot");
}

/* Print the lines of a that are not in b. */
static void lines_missing(const char *a, const char *b, const char *label) {
  for (const char *p = a; *p;) {
    const char *e = strchrnul(p, '\n');
    size_t n = (size_t)(e - p);
    bool found = false;
    for (const char *q = b; *q && !found;) {
      const char *qe = strchrnul(q, '\n');
      found = (size_t)(qe - q) == n && !strncmp(p, q, n);
      q = *qe ? qe + 1 : qe;
    }
    if (!found)
      printf("    %s %.*s\n", label, (int)n, p);
    p = *e ? e + 1 : e;
  }
}

static int expect_unchanged(line_ctx *l, const char *id, char *const *args) {
  (void)id, (void)args;
  if (!l->s->snapshot)
    return fail(l, "no snapshot taken (use 'snapshot')");
  char *now = take_snapshot(l->s);
  if (!now)
    return fail(l, "cannot take a snapshot");
  bool same = !strcmp(now, l->s->snapshot);
  if (!same) {
    lines_missing(now, l->s->snapshot, "new: ");
    lines_missing(l->s->snapshot, now, "gone:");
  }
  free(now);
  return same ? 0 : fail(l, "mounts or state changed since the snapshot "
                         "(above)");
}

static int ww_found;
static int world_writable(const char *path, const struct stat *sb, int type,
                          struct FTW *ftw) {
  (void)type, (void)ftw;
  if (!S_ISLNK(sb->st_mode) && (sb->st_mode & S_IWOTH)) {
    printf("    world-writable: %s (mode %o)\n", path,
           (unsigned)(sb->st_mode & 07777));
    ww_found++;
  }
  return 0;
}

/* Paths at and below a dir, as root sees them (binds crossed: their
 * content is what must not leak), for readable_by. */
static char **walked;
static size_t nwalked, capwalked;
static int collect(const char *path, const struct stat *sb, int type,
                   struct FTW *ftw) {
  (void)sb, (void)type, (void)ftw;
  if (nwalked == capwalked) {
    size_t cap = capwalked ? 2 * capwalked : 64;
    char **p = realloc(walked, cap * sizeof(*p));
    if (!p)
      return -1;
    walked = p, capwalked = cap;
  }
  return (walked[nwalked] = strdup(path)) ? (nwalked++, 0) : -1;
}

static void walked_free(void) {
  for (size_t i = 0; i < nwalked; i++)
    free(walked[i]);
  free(walked);
  walked = NULL, nwalked = capwalked = 0;
}

/* Whether the calling process can read path (a dir: list it) or, with
 * write, write it (a dir: create a file in it, removed again; a file:
 * open it for appending, nothing written). */
static bool can_access(const char *path, bool for_write) {
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  struct stat sb;
  bool dir = fd >= 0 && fstat(fd, &sb) == 0 && S_ISDIR(sb.st_mode);
  if (for_write) {
    if (fd >= 0 && !dir)
      close(fd), fd = -1;
    if (dir) {
      int f = openat(fd, ".sharedpath-sim-probe",
                     O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
      close(fd);
      if (f < 0)
        return false;
      close(f);
      char probe[PATH_MAX];
      snprintf(probe, sizeof(probe), "%s/.sharedpath-sim-probe", path);
      unlink(probe);
      return true;
    }
    int f = open(path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW |
                           O_NONBLOCK);
    if (f < 0)
      return false;
    close(f);
    return true;
  }
  if (fd < 0)
    return false;
  bool ok = false;
  if (dir) {
    DIR *d = fdopendir(fd);
    ok = d && readdir(d);
    if (d)
      closedir(d);
    else
      close(fd);
  } else {
    char c;
    ok = read(fd, &c, 1) >= 0;
    close(fd);
  }
  return ok;
}

/* As uid (and gid uid, no supplementary groups), in a forked child: the
 * index of the first of paths it can read (or write), or -1 when none.
 * -2 when the child could not run. */
static long first_accessible_by(uid_t uid, char **paths, size_t n,
                                bool for_write) {
  int fds[2];
  if (pipe(fds) < 0)
    return -2;
  pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]), close(fds[1]);
    return -2;
  }
  if (pid == 0) {
    close(fds[0]);
    long found = -1;
    if (setgroups(0, NULL) < 0 || setresgid(uid, uid, uid) < 0 ||
        setresuid(uid, uid, uid) < 0)
      _exit(2);
    for (size_t i = 0; i < n && found < 0; i++)
      if (can_access(paths[i], for_write))
        found = (long)i;
    _exit(write(fds[1], &found, sizeof(found)) == sizeof(found) ? 0 : 2);
  }
  close(fds[1]);
  long found = -2;
  if (read(fds[0], &found, sizeof(found)) != sizeof(found))
    found = -2;
  close(fds[0]);
  int status;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
    ;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? found : -2;
}

/* expect readable-by UID PATH: PATH opens for reading as UID (the control
 * that shows the other can fail).  expect unreadable-by UID PATH: neither
 * PATH nor anything below it (as root sees it) does.  writable-by and
 * unwritable-by the same for writing (nothing created or changed). */
static int accessible_by(line_ctx *l, bool want, bool for_write,
                         char *const *args) {
  const char *what = for_write ? "write" : "read",
             *name = for_write ? "writable" : "readable";
  char *end;
  unsigned long uid = strtoul(args[0], &end, 10);
  if (*end || end == args[0] || uid == 0)
    return fail(l, "usage: expect %s%s-by UID PATH (UID not 0)",
                want ? "" : "un", name);
  const char *path = args[1];
  if (want) {
    char *one[] = {(char *)path};
    long r = first_accessible_by((uid_t)uid, one, 1, for_write);
    return r == 0 ? 0 : fail(l, "uid %lu cannot %s %s%s", uid, what, path,
                             r == -2 ? " (the check did not run)" : "");
  }
  if (nftw(path, collect, 16, FTW_PHYS) < 0) {
    walked_free();
    return fail(l, "cannot walk %s: %s", path, strerror(errno));
  }
  long r = first_accessible_by((uid_t)uid, walked, nwalked, for_write);
  int rc = r == -1 ? 0
           : r == -2 ? fail(l, "the check as uid %lu did not run", uid)
                     : fail(l, "uid %lu can %s %s", uid, what, walked[r]);
  walked_free();
  return rc;
}

static int expect_readable_by(line_ctx *l, const char *id, char *const *args) {
  (void)id;
  return accessible_by(l, true, false, args);
}

static int expect_unreadable_by(line_ctx *l, const char *id,
                                char *const *args) {
  (void)id;
  return accessible_by(l, false, false, args);
}

static int expect_writable_by(line_ctx *l, const char *id, char *const *args) {
  (void)id;
  return accessible_by(l, true, true, args);
}

static int expect_unwritable_by(line_ctx *l, const char *id,
                                char *const *args) {
  (void)id;
  return accessible_by(l, false, true, args);
}

/* Nothing mounted on or below PATH in the harness's namespace. */
static int expect_host_unmounted(line_ctx *l, const char *id,
                                 char *const *args) {
  (void)id;
  sim_mounts now;
  sim_mounts_read(&now);
  bool ok = sim_mounts_none_at_or_below(&now, args[0]);
  sim_mounts_free(&now);
  return ok ? 0 : fail(l, "something is mounted there (above)");
}

/* Every mount the harness gained since the first load lies below PATH. */
static int expect_mounts_only_below(line_ctx *l, const char *id,
                                    char *const *args) {
  (void)id;
  sim *s = l->s;
  sim_mounts now;
  sim_mounts_read(&now);
  bool ok = s->have_baseline &&
            sim_mounts_new_only_below(&s->baseline, &now, args[0]);
  sim_mounts_free(&now);
  return ok ? 0 : fail(l, "the harness gained mounts outside it (above)");
}

static int expect_mode(line_ctx *l, const char *id, char *const *args) {
  (void)id;
  const char *path = args[0];
  struct stat sb;
  if (lstat(path, &sb) < 0)
    return fail(l, "%s: %s", path, strerror(errno));
  unsigned want = (unsigned)strtoul(args[1], NULL, 8);
  return (sb.st_mode & 07777) == want
             ? 0 : fail(l, "%s has mode %o, not %o", path,
                        (unsigned)(sb.st_mode & 07777), want);
}

static int expect_no_world_writable(line_ctx *l, const char *id,
                                    char *const *args) {
  (void)id;
  const char *path = args[0];
  ww_found = 0;
  if (nftw(path, world_writable, 16, FTW_PHYS) < 0)
    return fail(l, "cannot walk %s: %s", path, strerror(errno));
  return ww_found ? fail(l, "%d world-writable entries under %s (above)",
                         ww_found, path) : 0;
}

static int expect_tmpfs_size(line_ctx *l, const char *id, char *const *args) {
  (void)id;
  const char *path = args[0];
  struct statfs sf;
  if (statfs(path, &sf) < 0)
    return fail(l, "%s: %s", path, strerror(errno));
  unsigned long long size = (unsigned long long)sf.f_blocks *
                            (unsigned long long)sf.f_bsize,
                     want = strtoull(args[1], NULL, 10);
  return sf.f_type == TMPFS_MAGIC && size == want
             ? 0 : fail(l, "%s: %s of %llu bytes, not a tmpfs of %llu",
                        path, sf.f_type == TMPFS_MAGIC ? "a tmpfs" : "not a "
                        "tmpfs", size, want);
}

const sim_expectation sim_host_expectations[] = {
    {"unchanged", 0, "", expect_unchanged},
    {"host-unmounted", 1, "PATH", expect_host_unmounted},
    {"mounts-only-below", 1, "PATH", expect_mounts_only_below},
    {"mode", 2, "PATH OCTAL", expect_mode},
    {"no-world-writable", 1, "PATH", expect_no_world_writable},
    {"tmpfs-size", 2, "PATH BYTES", expect_tmpfs_size},
    {"readable-by", 2, "UID PATH", expect_readable_by},
    {"unreadable-by", 2, "UID PATH", expect_unreadable_by},
    {"writable-by", 2, "UID PATH", expect_writable_by},
    {"unwritable-by", 2, "UID PATH", expect_unwritable_by},
    {NULL, 0, NULL, NULL},
};

const sim_step sim_snapshot_steps[] = {
    {"snapshot", step_snapshot},
    {NULL, NULL},
};
