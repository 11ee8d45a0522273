/* SPDX-License-Identifier: Apache-2.0 */
/* sharedpath-sim bench: the cost of one add-path and one remove-path
 * through the plugin, next to the same kernel work done by plain code (the
 * floor) and by an operator with mount(8) and nsenter(1) (by hand), with N
 * running containers holding M paths each.  Everything runs inside the
 * sim's private mount namespace (sim_setup).
 *
 * Plugin and floor operations are interleaved round by round (and their
 * order alternates) so that drift on a noisy machine hits both alike. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sim.h"

extern char **environ;

/* A 64-char name like the plugin's hashes, for the floor's and the by-hand
 * staging dirs (never a SHA-256 of a real path, so no clash). */
#define FLOOR_NAME "f100f100f100f100f100f100f100f100f100f100f100f100f100f100f100f100"
#define HAND_NAME "b4a2db4a2db4a2db4a2db4a2db4a2db4a2db4a2db4a2db4a2db4a2db4a2db4a"

typedef struct bench_opts {
  unsigned int containers, paths, rounds, hand_rounds, warmup;
  bool json, sweep, quiet;
} bench_opts;

typedef struct stats {
  double median, p99;
} stats;

typedef struct point {
  unsigned int containers, paths, rounds, hand_rounds;
  stats add, rm, floor_add, floor_rm, hand_add, hand_rm;
  bool have_hand;
  long mounts_host, mounts_ctr, mounts_other; /* one added path's cost */
  long leftover;                              /* vs. the table after load */
  double setup_s;
} point;

/* ---- small helpers ---- */

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static stats stats_of(double *v, size_t n) {
  if (n == 0)
    return (stats){0};
  qsort(v, n, sizeof(*v), cmp_double);
  double med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  size_t k = (size_t)((double)n * 0.99 + 0.999999);
  return (stats){med, v[k ? k - 1 : 0]};
}

static void freep(void *p) { free(*(void **)p); }
static void closep(int *fd) {
  if (*fd >= 0)
    close(*fd);
}
#define _cleanup_free_ __attribute__((cleanup(freep)))
#define _cleanup_close_ __attribute__((cleanup(closep)))

static int fail(char *msg, size_t msgsz, int r, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail(char *msg, size_t msgsz, int r, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(msg, msgsz, fmt, ap);
  va_end(ap);
  if (r < 0 && n >= 0 && (size_t)n < msgsz)
    snprintf(msg + n, msgsz - (size_t)n, ": %s", strerror(-r));
  return r < 0 ? r : -EIO;
}

/* Lines of a mountinfo file: one per mount in that namespace. */
static long count_lines(const char *path) {
  _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  char buf[65536];
  long n = 0;
  ssize_t got;
  while ((got = read(fd, buf, sizeof(buf))) > 0)
    for (ssize_t i = 0; i < got; i++)
      n += buf[i] == '\n';
  return got < 0 ? -1 : n;
}

static long ctr_mounts(const sim_ctr *c) {
  char p[64];
  snprintf(p, sizeof(p), "/proc/%d/mountinfo", c->pid);
  return count_lines(p);
}

/* Mounts in the sim's namespace, in the measured container, and in all
 * other containers together. */
static void count_mounts(const sim *s, const sim_ctr *target, long out[3]) {
  out[0] = count_lines("/proc/self/mountinfo");
  out[1] = ctr_mounts(target);
  out[2] = 0;
  for (size_t i = 0; i < s->nctrs; i++)
    if (&s->ctrs[i] != target)
      out[2] += ctr_mounts(&s->ctrs[i]);
}

static struct sharedpath_container ctr_desc(const sim_ctr *c) {
  return (struct sharedpath_container){
      .size = sizeof(struct sharedpath_container),
      .id = c->id,
      .pid = c->pid,
      .pidfd = c->pidfd,
  };
}

/* ---- setup: N containers with M paths each, through the plugin ---- */

/* /usr from the host (read-only) so that `nsenter -m mount` finds its
 * binary inside the container, as it would in a real image. */
static const char bench_spec[] =
    "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},"
    "\"mounts\":[{\"destination\":\"/usr\",\"type\":\"bind\","
    "\"source\":\"/usr\",\"options\":[\"bind\",\"ro\",\"nosuid\","
    "\"nodev\"]}]}";

static int make_rootfs(const char *rootfs) {
  static const char *const links[][2] = {
      {"bin", "usr/bin"}, {"sbin", "usr/sbin"}, {"lib", "usr/lib"},
      {"lib64", "usr/lib64"}};
  if (mkdir(rootfs, 0755) < 0 && errno != EEXIST)
    return -errno;
  char p[PATH_MAX];
  for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
    snprintf(p, sizeof(p), "%s/%s", rootfs, links[i][0]);
    if (symlink(links[i][1], p) < 0 && errno != EEXIST)
      return -errno;
  }
  /* The targets the benchmark mounts on exist, as in a prepared image. */
  static const char *const dirs[] = {"extra", "floor", "byhand"};
  for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
    snprintf(p, sizeof(p), "%s/%s", rootfs, dirs[i]);
    if (mkdir(p, 0755) < 0 && errno != EEXIST)
      return -errno;
  }
  return 0;
}

static int add_container(sim *s, unsigned int i, unsigned int npaths,
                         char *msg, size_t msgsz) {
  sim_ctr *c = &s->ctrs[s->nctrs];
  *c = (sim_ctr){.pidfd = -1};
  snprintf(c->id, sizeof(c->id), "bench%u", i);
  snprintf(c->rootfs, sizeof(c->rootfs), "%s/%s", s->rootfs, c->id);
  int r = make_rootfs(c->rootfs);
  if (r < 0)
    return fail(msg, msgsz, r, "cannot prepare %s", c->rootfs);
  struct sharedpath_error e = sph_error();
  char *spec = NULL;
  if ((r = sph_create(&s->plugin, c->id, bench_spec, &spec, &e)) < 0)
    return fail(msg, msgsz, r, "on_create %s: %s", c->id, e.message);
  c->spec = strdup(spec);
  sph_release(&s->plugin, spec);
  if (!c->spec)
    return fail(msg, msgsz, -ENOMEM, "out of memory");
  s->nctrs++;
  if ((r = sim_ctr_start(c, msg, msgsz)) < 0)
    return r;
  struct sharedpath_container d = ctr_desc(c);
  if ((r = sph_start(&s->plugin, &d, &e)) < 0)
    return fail(msg, msgsz, r, "on_start %s: %s", c->id, e.message);
  if (npaths == 0)
    return 0;
  char dir[PATH_MAX];
  snprintf(dir, sizeof(dir), "%s/%s", s->data, c->id);
  if (mkdir(dir, 0755) < 0 && errno != EEXIST)
    return fail(msg, msgsz, -errno, "cannot create %s", dir);
  _cleanup_free_ char **specs = calloc(npaths, sizeof(*specs));
  if (!specs)
    return fail(msg, msgsz, -ENOMEM, "out of memory");
  r = 0;
  for (unsigned int j = 0; j < npaths && r == 0; j++)
    if (asprintf(&specs[j], "%s/p%u:/data/p%u", dir, j, j) < 0) {
      specs[j] = NULL;
      r = -ENOMEM;
    }
  if (r < 0)
    fail(msg, msgsz, r, "out of memory");
  else if ((r = sph_add(&s->plugin, &d, (const char *const *)specs, npaths,
                        &e)) < 0)
    fail(msg, msgsz, r, "on_add_path %s (%u paths): %s", c->id, npaths,
         e.message);
  for (unsigned int j = 0; j < npaths; j++)
    free(specs[j]);
  return r;
}

/* ---- the floor: the same kernel work, plain code ---- */

typedef struct floor_ctx {
  const sim *s;
  const sim_ctr *c;
  char host[PATH_MAX], mid[PATH_MAX], m[PATH_MAX];
  int state_dirfd;
  char *state_text; /* as many bytes as the plugin's state file */
  size_t state_len;
} floor_ctx;

typedef struct floor_child {
  int pidfd, tree;
  const char *target;
  int err;
} floor_child;

static int floor_child_main(void *arg) {
  floor_child *a = arg;
  if (setns(a->pidfd, CLONE_NEWNS) < 0)
    a->err = -errno;
  else if (a->tree >= 0)
    a->err = move_mount(a->tree, "", AT_FDCWD, a->target,
                        MOVE_MOUNT_F_EMPTY_PATH) < 0 ? -errno : 0;
  else
    a->err = umount2(a->target, MNT_DETACH) < 0 ? -errno : 0;
  _exit(0);
}

/* Enter the container in a CLONE_VM|CLONE_VFORK child sharing the fd table
 * (CLONE_FILES) and sending no exit signal, exactly as the plugin does: the
 * cheapest way plain code has, so the floor is not flattered by a costlier
 * clone; then move tree onto target (tree >= 0) or unmount target. */
static int floor_in_container(const sim_ctr *c, int tree, const char *target) {
  static char stack[64 * 1024] __attribute__((aligned(16)));
  floor_child a = {.pidfd = c->pidfd, .tree = tree, .target = target};
  pid_t pid = clone(floor_child_main, stack + sizeof(stack),
                    CLONE_VM | CLONE_VFORK | CLONE_FILES, &a);
  if (pid < 0)
    return -errno;
  while (waitpid(pid, NULL, __WALL) < 0 && errno == EINTR)
    ;
  return a.err;
}

static int floor_state_write(floor_ctx *f) {
  _cleanup_close_ int fd = openat(f->state_dirfd, "floor.json.tmp",
                                  O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                                  0600);
  if (fd < 0)
    return -errno;
  if (write(fd, f->state_text, f->state_len) != (ssize_t)f->state_len ||
      fsync(fd) < 0)
    return -errno;
  if (renameat(f->state_dirfd, "floor.json.tmp", f->state_dirfd,
               "floor.json") < 0 || fsync(f->state_dirfd) < 0)
    return -errno;
  return 0;
}

/* host -> mid (private), mid -> master (propagates into the container),
 * a clone of it with its propagation set moved onto the target inside the
 * container, one fsync'd atomic state write. */
static int floor_add(floor_ctx *f) {
  _cleanup_close_ int hostfd = open(f->host, O_PATH | O_CLOEXEC);
  if (hostfd < 0 || mkdir(f->mid, 0700) < 0 || mkdir(f->m, 0700) < 0)
    return -errno;
  _cleanup_close_ int tree = open_tree(hostfd, "", OPEN_TREE_CLONE |
                                       OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
  struct mount_attr priv = {.propagation = MS_PRIVATE};
  if (tree < 0 || mount_setattr(tree, "", AT_EMPTY_PATH, &priv,
                                sizeof(priv)) < 0 ||
      move_mount(tree, "", AT_FDCWD, f->mid, MOVE_MOUNT_F_EMPTY_PATH) < 0 ||
      mount(f->mid, f->m, NULL, MS_BIND, NULL) < 0)
    return -errno;
  _cleanup_close_ int ctree = open_tree(AT_FDCWD, f->m, OPEN_TREE_CLONE |
                                        OPEN_TREE_CLOEXEC);
  struct mount_attr slave = {.attr_clr = MOUNT_ATTR_RDONLY,
                             .propagation = MS_SLAVE};
  if (ctree < 0 || mount_setattr(ctree, "", AT_EMPTY_PATH, &slave,
                                 sizeof(slave)) < 0)
    return -errno;
  int r = floor_in_container(f->c, ctree, "/floor");
  return r < 0 ? r : floor_state_write(f);
}

static int floor_remove(floor_ctx *f) {
  int r = floor_in_container(f->c, -1, "/floor");
  if (r < 0)
    return r;
  if (umount2(f->m, UMOUNT_NOFOLLOW) < 0 ||
      umount2(f->mid, UMOUNT_NOFOLLOW) < 0 || rmdir(f->m) < 0 ||
      rmdir(f->mid) < 0)
    return -errno;
  return floor_state_write(f);
}

/* ---- by hand: mount(8) and nsenter(1) as processes ---- */

static int run(char *const argv[]) {
  pid_t pid;
  int r = posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ);
  if (r)
    return -r;
  int status;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR)
      return -errno;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

typedef struct hand_ctx {
  char host[PATH_MAX], mid[PATH_MAX], m[PATH_MAX], src[PATH_MAX];
  char pid[16];
} hand_ctx;

static int hand_add(hand_ctx *h) {
  if (mkdir(h->mid, 0700) < 0 || mkdir(h->m, 0700) < 0)
    return -errno;
  char *const a1[] = {"mount", "--bind", h->host, h->mid, NULL};
  char *const a2[] = {"mount", "--bind", h->mid, h->m, NULL};
  char *const a3[] = {"nsenter", "-t", h->pid, "-m", "mount", "--bind",
                      h->src, "/byhand", NULL};
  int r = run(a1);
  if (r == 0)
    r = run(a2);
  if (r == 0)
    r = run(a3);
  return r;
}

static int hand_remove(hand_ctx *h) {
  char *const a1[] = {"nsenter", "-t", h->pid, "-m", "umount", "/byhand",
                      NULL};
  char *const a2[] = {"umount", h->m, NULL};
  char *const a3[] = {"umount", h->mid, NULL};
  int r = run(a1);
  if (r == 0)
    r = run(a2);
  if (r == 0)
    r = run(a3);
  if (r < 0)
    return r;
  return rmdir(h->m) < 0 || rmdir(h->mid) < 0 ? -errno : 0;
}

/* ---- one measurement point ---- */

static int check_content(const sim_ctr *c, const char *path,
                         const char *want, char *msg, size_t msgsz) {
  sim_seen seen;
  int r = sim_ctr_inspect(c, path, false, &seen);
  if (r < 0 || seen.err || strcmp(seen.content, want))
    return fail(msg, msgsz, -EIO, "%s in container %s does not show the "
                "host file (%s)", path, c->id,
                r < 0 ? strerror(-r) : seen.err ? strerror(seen.err)
                                                : seen.content);
  return 0;
}

static int write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  if (!f)
    return -errno;
  fputs(text, f);
  return fclose(f) == 0 ? 0 : -errno;
}

static int measure(sim *s, const bench_opts *o, point *pt, char *msg,
                   size_t msgsz) {
  sim_ctr *c = &s->ctrs[s->nctrs - 1];
  struct sharedpath_container d = ctr_desc(c);
  struct sharedpath_error e = sph_error();
  char extra_host[PATH_MAX], extra_spec[PATH_MAX + 16];
  snprintf(extra_host, sizeof(extra_host), "%s/extra", s->data);
  snprintf(extra_spec, sizeof(extra_spec), "%s:/extra", extra_host);
  const char *add_spec = extra_spec, *rm_spec = "/extra";

  floor_ctx f = {.s = s, .c = c, .state_dirfd = -1};
  snprintf(f.host, sizeof(f.host), "%s/floor", s->data);
  snprintf(f.mid, sizeof(f.mid), "%s/midpath/%s/" FLOOR_NAME, s->root, c->id);
  snprintf(f.m, sizeof(f.m), "%s/master/%s/" FLOOR_NAME, s->root, c->id);
  int r;
  if (mkdir(extra_host, 0755) < 0 || mkdir(f.host, 0755) < 0)
    return fail(msg, msgsz, -errno, "cannot create host dirs in %s", s->data);
  char p[PATH_MAX];
  snprintf(p, sizeof(p), "%s/x", extra_host);
  write_file(p, "plugin");
  snprintf(p, sizeof(p), "%s/x", f.host);
  write_file(p, "floor");

  /* One add, checked from inside, counted in every mount table. */
  long before[3], after[3], again[3];
  count_mounts(s, c, before);
  if ((r = sph_add(&s->plugin, &d, &add_spec, 1, &e)) < 0)
    return fail(msg, msgsz, r, "on_add_path: %s", e.message);
  count_mounts(s, c, after);
  if ((r = check_content(c, "/extra/x", "plugin", msg, msgsz)) < 0)
    return r;
  pt->mounts_host = after[0] - before[0];
  pt->mounts_ctr = after[1] - before[1];
  pt->mounts_other = after[2] - before[2];
  /* The floor writes as many state bytes as the plugin does. */
  snprintf(p, sizeof(p), "%s/%s.json", s->state, c->id);
  struct stat sb;
  if (stat(p, &sb) < 0)
    return fail(msg, msgsz, -errno, "cannot stat the plugin's state %s", p);
  f.state_len = (size_t)sb.st_size;
  _cleanup_free_ char *state_text = malloc(f.state_len + 1);
  if (!state_text)
    return fail(msg, msgsz, -ENOMEM, "out of memory");
  memset(state_text, ' ', f.state_len);
  f.state_text = state_text;
  if ((r = sph_remove(&s->plugin, &d, &rm_spec, 1, &e)) < 0)
    return fail(msg, msgsz, r, "on_remove_path: %s", e.message);
  count_mounts(s, c, again);
  if (memcmp(before, again, sizeof(before)))
    return fail(msg, msgsz, -EIO, "remove left mounts behind (%ld/%ld/%ld "
                "before, %ld/%ld/%ld after)", before[0], before[1],
                before[2], again[0], again[1], again[2]);

  _cleanup_close_ int sdir = open(s->state, O_RDONLY | O_DIRECTORY |
                                  O_CLOEXEC);
  if (sdir < 0)
    return fail(msg, msgsz, -errno, "cannot open %s", s->state);
  f.state_dirfd = sdir;
  if ((r = floor_add(&f)) < 0)
    return fail(msg, msgsz, r, "floor add");
  if ((r = check_content(c, "/floor/x", "floor", msg, msgsz)) < 0)
    return r;
  if ((r = floor_remove(&f)) < 0)
    return fail(msg, msgsz, r, "floor remove");

  size_t n = o->rounds;
  _cleanup_free_ double *v = calloc(4 * (n ? n : 1), sizeof(double));
  if (!v)
    return fail(msg, msgsz, -ENOMEM, "out of memory");
  double *va = v, *vr = v + n, *vfa = v + 2 * n, *vfr = v + 3 * n;
  /* Each round: add then remove, plugin and floor in alternating order. */
  double *samples[2][2] = {{vfa, va}, {vfr, vr}}; /* [remove][plugin] */
  for (size_t i = 0; i < o->warmup + n; i++)
    for (int step = 0; step < 4; step++) {
      bool rm = step >= 2, plug = (step & 1) == (int)(i & 1);
      double t0 = now_us();
      r = plug ? (rm ? sph_remove(&s->plugin, &d, &rm_spec, 1, &e)
                     : sph_add(&s->plugin, &d, &add_spec, 1, &e))
               : (rm ? floor_remove(&f) : floor_add(&f));
      double t1 = now_us();
      if (r < 0)
        return fail(msg, msgsz, r, "%s %s: %s", plug ? "plugin" : "floor",
                    rm ? "remove" : "add", plug ? e.message : "");
      if (i >= o->warmup)
        samples[rm][plug][i - o->warmup] = t1 - t0;
    }
  pt->rounds = (unsigned int)n;
  pt->add = stats_of(va, n);
  pt->rm = stats_of(vr, n);
  pt->floor_add = stats_of(vfa, n);
  pt->floor_rm = stats_of(vfr, n);

  /* By hand: needs mount(8) and nsenter(1); skipped without them. */
  hand_ctx h;
  snprintf(h.host, sizeof(h.host), "%s", f.host);
  snprintf(h.mid, sizeof(h.mid), "%s/midpath/%s/" HAND_NAME, s->root, c->id);
  snprintf(h.m, sizeof(h.m), "%s/master/%s/" HAND_NAME, s->root, c->id);
  snprintf(h.src, sizeof(h.src), SHAREDPATH_CONTAINER_DIR "/" HAND_NAME);
  snprintf(h.pid, sizeof(h.pid), "%d", c->pid);
  size_t hn = o->hand_rounds;
  _cleanup_free_ double *hv = calloc(2 * (hn ? hn : 1), sizeof(double));
  if (!hv)
    return fail(msg, msgsz, -ENOMEM, "out of memory");
  pt->have_hand = hn > 0;
  for (size_t i = 0; i < hn && pt->have_hand; i++) {
    double t0 = now_us();
    r = hand_add(&h);
    double t1 = now_us();
    if (r == 0 && i == 0 &&
        (r = check_content(c, "/byhand/x", "floor", msg, msgsz)) < 0)
      return r;
    double t2 = now_us();
    int r2 = r == 0 ? hand_remove(&h) : r;
    double t3 = now_us();
    if (r < 0 || r2 < 0) {
      if (i > 0)
        return fail(msg, msgsz, r < 0 ? r : r2, "by hand, round %zu", i + 1);
      /* No usable mount/nsenter: clean up what we can, report no number. */
      umount2(h.m, MNT_DETACH);
      umount2(h.mid, MNT_DETACH);
      rmdir(h.m);
      rmdir(h.mid);
      if (!o->quiet)
        fprintf(stderr, "sharedpath-sim bench: by hand skipped: mount(8) "
                "or nsenter(1) failed\n");
      pt->have_hand = false;
      break;
    }
    hv[i] = t1 - t0;
    hv[hn + i] = t3 - t2;
  }
  if (pt->have_hand) {
    pt->hand_rounds = (unsigned int)hn;
    pt->hand_add = stats_of(hv, hn);
    pt->hand_rm = stats_of(hv + hn, hn);
  }
  return 0;
}

static int delete_all(sim *s, char *msg, size_t msgsz) {
  while (s->nctrs) {
    sim_ctr *c = &s->ctrs[s->nctrs - 1];
    struct sharedpath_container d = ctr_desc(c);
    struct sharedpath_error e = sph_error();
    int r = sph_delete(&s->plugin, &d, &e);
    if (r < 0)
      return fail(msg, msgsz, r, "on_delete %s: %s", c->id, e.message);
    sim_ctr_stop(c);
    free(c->spec);
    s->nctrs--;
  }
  return 0;
}

static int run_point(sim *s, const bench_opts *o, unsigned int nc,
                     unsigned int np, point *pt, char *msg, size_t msgsz) {
  *pt = (point){.containers = nc, .paths = np};
  int r = sim_setup(s, msg, msgsz);
  if (r < 0)
    return r;
  struct sharedpath_error e = sph_error();
  if ((r = sph_load(s->plugin_path, &s->host, &s->plugin, &e)) < 0) {
    snprintf(msg, msgsz, "%s", e.message);
    return r;
  }
  s->loaded = true;
  sim_mounts_read(&s->baseline);
  s->have_baseline = true;
  if (!(s->ctrs = calloc(nc, sizeof(*s->ctrs))))
    return fail(msg, msgsz, -ENOMEM, "out of memory");
  double t0 = now_us();
  for (unsigned int i = 0; i < nc; i++)
    if ((r = add_container(s, i, np, msg, msgsz)) < 0)
      return r;
  pt->setup_s = (now_us() - t0) / 1e6;
  if ((r = measure(s, o, pt, msg, msgsz)) < 0)
    return r;
  if ((r = delete_all(s, msg, msgsz)) < 0)
    return r;
  sim_mounts now;
  sim_mounts_read(&now);
  pt->leftover = (long)now.n - (long)s->baseline.n;
  bool same = true;
  if (pt->leftover == 0) {
    /* sim_mounts_same prints differences; only call it when sizes agree
     * and a mismatch is then a real finding worth printing. */
    same = sim_mounts_same(&s->baseline, &now);
  }
  sim_mounts_free(&now);
  if (!same || pt->leftover != 0)
    return fail(msg, msgsz, -EIO, "mounts left behind after deleting every "
                "container (%+ld)", pt->leftover);
  return 0;
}

/* ---- output ---- */

static double ratio(double a, double b) { return b > 0 ? a / b : 0; }

static void print_hand(const point *pt, const char *key, double v) {
  if (pt->have_hand)
    printf("\"%s\":%.1f,", key, v);
  else
    printf("\"%s\":null,", key);
}

static void print_point_json(const point *pt) {
  printf("{\"containers\":%u,\"paths\":%u,\"rounds\":%u,"
         "\"add_median_us\":%.1f,\"add_p99_us\":%.1f,"
         "\"remove_median_us\":%.1f,\"remove_p99_us\":%.1f,"
         "\"floor_add_median_us\":%.1f,\"floor_add_p99_us\":%.1f,"
         "\"floor_remove_median_us\":%.1f,\"floor_remove_p99_us\":%.1f,"
         "\"add_ratio_vs_floor\":%.3f,\"remove_ratio_vs_floor\":%.3f,",
         pt->containers, pt->paths, pt->rounds, pt->add.median, pt->add.p99,
         pt->rm.median, pt->rm.p99, pt->floor_add.median, pt->floor_add.p99,
         pt->floor_rm.median, pt->floor_rm.p99,
         ratio(pt->add.median, pt->floor_add.median),
         ratio(pt->rm.median, pt->floor_rm.median));
  printf("\"by_hand_rounds\":%u,", pt->hand_rounds);
  print_hand(pt, "by_hand_add_median_us", pt->hand_add.median);
  print_hand(pt, "by_hand_remove_median_us", pt->hand_rm.median);
  if (pt->have_hand)
    printf("\"speedup_vs_by_hand\":%.1f,",
           ratio(pt->hand_add.median + pt->hand_rm.median,
                 pt->add.median + pt->rm.median));
  else
    printf("\"speedup_vs_by_hand\":null,");
  printf("\"mounts_per_path\":%ld,\"mounts_per_path_host\":%ld,"
         "\"mounts_per_path_container\":%ld,"
         "\"mounts_per_path_other_containers\":%ld,"
         "\"leftover_mounts\":%ld,\"setup_s\":%.2f}",
         pt->mounts_host + pt->mounts_ctr + pt->mounts_other, pt->mounts_host,
         pt->mounts_ctr, pt->mounts_other, pt->leftover, pt->setup_s);
}

static void print_header(void) {
  printf("%10s %5s | %9s %9s %9s | %9s %9s | %6s %6s | %9s %7s | %6s\n",
         "containers", "paths", "add_med", "add_p99", "rm_med", "floor_add",
         "floor_rm", "add/fl", "rm/fl", "by_hand", "speedup",
         "mounts");
}

static void print_point_text(const point *pt) {
  char hand[32] = "-", speed[32] = "-";
  if (pt->have_hand) {
    snprintf(hand, sizeof(hand), "%.0f", pt->hand_add.median);
    snprintf(speed, sizeof(speed), "%.0fx",
             ratio(pt->hand_add.median + pt->hand_rm.median,
                   pt->add.median + pt->rm.median));
  }
  printf("%10u %5u | %9.1f %9.1f %9.1f | %9.1f %9.1f | %6.2f %6.2f | %9s "
         "%7s | %6ld\n",
         pt->containers, pt->paths, pt->add.median, pt->add.p99,
         pt->rm.median, pt->floor_add.median, pt->floor_rm.median,
         ratio(pt->add.median, pt->floor_add.median),
         ratio(pt->rm.median, pt->floor_rm.median), hand, speed,
         pt->mounts_host + pt->mounts_ctr + pt->mounts_other);
  fflush(stdout);
}

static void usage(FILE *f) {
  fprintf(f,
"Usage: sharedpath-sim [--plugin PATH] bench [--containers N] [--paths M]\n"
"                      [--rounds R] [--by-hand-rounds H] [--json] [--sweep]\n"
"\n"
"Starts N containers with M paths each through the plugin, then times\n"
"adding and removing one more path (R rounds, after a warm-up), interleaved\n"
"with the floor (the same mounts, namespace entry and fsync'd state write\n"
"in plain code) and, H times, by hand (mount(8) and nsenter(1) processes).\n"
"Times are microseconds per operation (median, p99).\n"
"\n"
"  --containers N      running containers (default 1)\n"
"  --paths M           paths each container already has (default 1)\n"
"  --rounds R          measured add+remove rounds (default 400)\n"
"  --by-hand-rounds H  by-hand rounds, 0 to skip (default 15)\n"
"  --sweep             1, 50, 200 containers x 1, 20 paths, and scale_ratio\n"
"                      = cost at 200x20 / cost at 1x1\n"
"  --json              one JSON object on stdout\n");
}

static int parse(int argc, char **argv, bench_opts *o) {
  static const struct option opts[] = {
      {"containers", required_argument, NULL, 'c'},
      {"paths", required_argument, NULL, 'p'},
      {"rounds", required_argument, NULL, 'r'},
      {"by-hand-rounds", required_argument, NULL, 'H'},
      {"json", no_argument, NULL, 'j'},
      {"sweep", no_argument, NULL, 's'},
      {"help", no_argument, NULL, 'h'},
      {0},
  };
  int ch;
  optind = 1;
  while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    char *end = NULL;
    unsigned long v = optarg ? strtoul(optarg, &end, 10) : 0;
    if (optarg && (*end || v > 100000)) {
      fprintf(stderr, "sharedpath-sim bench: bad number '%s'\n", optarg);
      return 2;
    }
    switch (ch) {
    case 'c': o->containers = (unsigned int)v; break;
    case 'p': o->paths = (unsigned int)v; break;
    case 'r': o->rounds = (unsigned int)v; break;
    case 'H': o->hand_rounds = (unsigned int)v; break;
    case 'j': o->json = true; break;
    case 's': o->sweep = true; break;
    case 'h': usage(stdout); return 1;
    default: usage(stderr); return 2;
    }
  }
  if (optind < argc) {
    fprintf(stderr, "sharedpath-sim bench: unexpected '%s'\n", argv[optind]);
    return 2;
  }
  if (o->containers < 1 || o->rounds < 1) {
    fprintf(stderr, "sharedpath-sim bench: --containers and --rounds must "
            "be at least 1\n");
    return 2;
  }
  return 0;
}

int sim_bench_main(sim *s, int argc, char **argv) {
  bench_opts o = {.containers = 1, .paths = 1, .rounds = 400,
                  .hand_rounds = 15, .warmup = 20, .quiet = s->quiet};
  int rc = parse(argc, argv, &o);
  if (rc)
    return rc == 1 ? 0 : rc;
  static const unsigned int sweep[][2] = {{1, 1},  {1, 20},  {50, 1},
                                          {50, 20}, {200, 1}, {200, 20}};
  size_t np = o.sweep ? sizeof(sweep) / sizeof(sweep[0]) : 1;
  point pts[sizeof(sweep) / sizeof(sweep[0])];
  char msg[1024] = "";
  if (!o.json)
    print_header();
  for (size_t i = 0; i < np; i++) {
    unsigned int nc = o.sweep ? sweep[i][0] : o.containers;
    unsigned int npaths = o.sweep ? sweep[i][1] : o.paths;
    int r = run_point(s, &o, nc, npaths, &pts[i], msg, sizeof(msg));
    sim_teardown(s);
    if (r < 0) {
      fprintf(stderr, "sharedpath-sim bench: %u containers x %u paths: %s\n",
              nc, npaths, msg);
      return 1;
    }
    if (!o.json)
      print_point_text(&pts[i]);
  }
  const point *a = &pts[0], *z = &pts[np - 1];
  bool flat_mounts = true;
  for (size_t i = 1; i < np; i++)
    flat_mounts &= pts[i].mounts_host + pts[i].mounts_ctr +
                       pts[i].mounts_other ==
                   a->mounts_host + a->mounts_ctr + a->mounts_other;
  double scale_add = ratio(z->add.median, a->add.median);
  double scale_rm = ratio(z->rm.median, a->rm.median);
  double scale_floor = ratio(z->floor_add.median + z->floor_rm.median,
                             a->floor_add.median + a->floor_rm.median);
  if (!o.json) {
    if (o.sweep)
      printf("scale_ratio (%ux%u vs %ux%u): add %.2f, remove %.2f "
             "(floor %.2f); mounts_per_path %s\n",
             z->containers, z->paths, a->containers, a->paths, scale_add,
             scale_rm, scale_floor, flat_mounts ? "constant" : "VARIES");
    return 0;
  }
  if (!o.sweep) {
    print_point_json(a);
    putchar('\n');
    return 0;
  }
  printf("{\"points\":[");
  for (size_t i = 0; i < np; i++) {
    print_point_json(&pts[i]);
    printf(i + 1 < np ? "," : "],");
  }
  printf("\"scale_ratio\":%.3f,\"scale_ratio_add\":%.3f,"
         "\"scale_ratio_remove\":%.3f,\"scale_ratio_floor\":%.3f,"
         "\"mounts_per_path_constant\":%s}\n",
         ratio(z->add.median + z->rm.median, a->add.median + a->rm.median),
         scale_add, scale_rm, scale_floor, flat_mounts ? "true" : "false");
  return 0;
}
