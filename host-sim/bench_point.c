/* SPDX-License-Identifier: Apache-2.0 */
/* One point of the bench: N containers of M paths set up through the
 * plugin, then one more path added and removed, round by round against
 * the floor (bench.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>

#include "bench.h"
#include "statetext.h"

/* ---- small helpers ---- */

double bench_now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

stats bench_stats(double *v, size_t n) {
  if (n == 0)
    return (stats){0};
  qsort(v, n, sizeof(*v), cmp_double);
  double med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  size_t k = (size_t)((double)n * 0.99 + 0.999999);
  return (stats){med, v[k ? k - 1 : 0]};
}

int bench_fail(char *msg, size_t msgsz, int r, const char *fmt, ...) {
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

struct sharedpath_container bench_ctr_desc(const sim_ctr *c) {
  return (struct sharedpath_container){
      .size = sizeof(struct sharedpath_container),
      .id = c->id,
      .pid = c->pid,
      .pidfd = sim_ctr_handle(c, false),
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
  *c = (sim_ctr)SIM_CTR_INIT;
  snprintf(c->id, sizeof(c->id), "bench%u", i);
  snprintf(c->rootfs, sizeof(c->rootfs), "%s/%s", s->rootfs, c->id);
  int r = make_rootfs(c->rootfs);
  if (r < 0)
    return bench_fail(msg, msgsz, r, "cannot prepare %s", c->rootfs);
  struct sharedpath_error e = sph_error();
  char *spec = NULL;
  if ((r = sph_create(&s->plugin, c->id, bench_spec, &spec, &e)) < 0)
    return bench_fail(msg, msgsz, r, "on_create %s: %s", c->id, e.message);
  c->spec = strdup(spec);
  sph_release(&s->plugin, spec);
  if (!c->spec)
    return bench_fail(msg, msgsz, -ENOMEM, "out of memory");
  s->nctrs++;
  if ((r = sim_ctr_start(c, msg, msgsz)) < 0)
    return r;
  struct sharedpath_container d = bench_ctr_desc(c);
  if ((r = sph_start(&s->plugin, &d, &e)) < 0)
    return bench_fail(msg, msgsz, r, "on_start %s: %s", c->id, e.message);
  if (npaths == 0)
    return 0;
  char dir[PATH_MAX];
  snprintf(dir, sizeof(dir), "%s/%s", s->data, c->id);
  if (mkdir(dir, 0755) < 0 && errno != EEXIST)
    return bench_fail(msg, msgsz, -errno, "cannot create %s", dir);
  _cleanup_free_ char **specs = calloc(npaths, sizeof(*specs));
  if (!specs)
    return bench_fail(msg, msgsz, -ENOMEM, "out of memory");
  r = 0;
  for (unsigned int j = 0; j < npaths && r == 0; j++)
    if (asprintf(&specs[j], "%s/p%u:/data/p%u", dir, j, j) < 0) {
      specs[j] = NULL;
      r = -ENOMEM;
    }
  if (r < 0)
    bench_fail(msg, msgsz, r, "out of memory");
  else if ((r = sph_add(&s->plugin, &d, (const char *const *)specs, npaths,
                        &e)) < 0)
    bench_fail(msg, msgsz, r, "on_add_path %s (%u paths): %s", c->id, npaths,
         e.message);
  for (unsigned int j = 0; j < npaths; j++)
    free(specs[j]);
  return r;
}

/* ---- one measurement point ---- */

long bench_state_len(const sim *s, const char *id) {
  char p[PATH_MAX];
  snprintf(p, sizeof(p), "%s/%s.json", s->state, id);
  return sim_state_bytes(p);
}

int bench_check_content(const sim_ctr *c, const char *path,
                        const char *want, char *msg, size_t msgsz) {
  sim_seen seen;
  int r = sim_ctr_inspect(c, path, false, &seen);
  if (r < 0 || seen.err || strcmp(seen.content, want))
    return bench_fail(msg, msgsz, -EIO, "%s in container %s does not show the "
                "host file (%s)", path, c->id,
                r < 0 ? strerror(-r) : seen.err ? strerror(seen.err)
                                                : seen.content);
  return 0;
}

int bench_write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  if (!f)
    return -errno;
  fputs(text, f);
  return fclose(f) == 0 ? 0 : -errno;
}

static int measure(sim *s, const bench_opts *o, point *pt, char *msg,
                   size_t msgsz) {
  sim_ctr *c = &s->ctrs[s->nctrs - 1];
  struct sharedpath_container d = bench_ctr_desc(c);
  struct sharedpath_error e = sph_error();
  char extra_host[PATH_MAX], extra_spec[PATH_MAX + 16];
  snprintf(extra_host, sizeof(extra_host), "%s/extra", s->data);
  snprintf(extra_spec, sizeof(extra_spec), "%s:/extra", extra_host);
  const char *add_spec = extra_spec, *rm_spec = "/extra";

  floor_path fp = {.target = "/floor",
                   .src = SHAREDPATH_CONTAINER_DIR "/" FLOOR_NAME};
  floor_ctx f = {.c = c, .classic = o->classic, .paths = &fp, .n = 1,
                 .state_fd = -1};
  snprintf(fp.host, sizeof(fp.host), "%s/floor", s->data);
  snprintf(fp.mid, sizeof(fp.mid), "%s/midpath/%s/" FLOOR_NAME, s->root,
           c->id);
  snprintf(fp.m, sizeof(fp.m), "%s/master/%s/" FLOOR_NAME, s->root, c->id);
  int r;
  if (mkdir(extra_host, 0755) < 0 || mkdir(fp.host, 0755) < 0)
    return bench_fail(msg, msgsz, -errno, "cannot create host dirs in %s",
                      s->data);
  char p[PATH_MAX];
  snprintf(p, sizeof(p), "%s/x", extra_host);
  bench_write_file(p, "plugin");
  snprintf(p, sizeof(p), "%s/x", fp.host);
  bench_write_file(p, "floor");

  /* One add, checked from inside, counted in every mount table. */
  long before[3], after[3], again[3];
  count_mounts(s, c, before);
  if ((r = sph_add(&s->plugin, &d, &add_spec, 1, &e)) < 0)
    return bench_fail(msg, msgsz, r, "on_add_path: %s", e.message);
  count_mounts(s, c, after);
  if ((r = bench_check_content(c, "/extra/x", "plugin", msg, msgsz)) < 0)
    return r;
  pt->mounts_host = after[0] - before[0];
  pt->mounts_ctr = after[1] - before[1];
  pt->mounts_other = after[2] - before[2];
  /* The floor writes as many state bytes as the plugin does. */
  long len = bench_state_len(s, c->id);
  if (len < 0)
    return bench_fail(msg, msgsz, (int)len, "cannot read the plugin's state "
                      "of %s", c->id);
  f.state_len = (size_t)len;
  _cleanup_free_ char *state_text = malloc(f.state_len + 1);
  if (!state_text)
    return bench_fail(msg, msgsz, -ENOMEM, "out of memory");
  memset(state_text, ' ', f.state_len);
  f.state_text = state_text;
  if ((r = sph_remove(&s->plugin, &d, &rm_spec, 1, &e)) < 0)
    return bench_fail(msg, msgsz, r, "on_remove_path: %s", e.message);
  count_mounts(s, c, again);
  if (memcmp(before, again, sizeof(before)))
    return bench_fail(msg, msgsz, -EIO, "remove left mounts behind "
                      "(%ld/%ld/%ld before, %ld/%ld/%ld after)", before[0],
                      before[1], before[2], again[0], again[1], again[2]);

  _cleanup_close_ int sdir = open(s->state, O_RDONLY | O_DIRECTORY |
                                  O_CLOEXEC);
  if (sdir < 0)
    return bench_fail(msg, msgsz, -errno, "cannot open %s", s->state);
  _cleanup_close_ int sfd = floor_state_open(sdir, 1 << 20);
  if (sfd < 0)
    return bench_fail(msg, msgsz, sfd, "cannot create the floor's state in "
                      "%s", s->state);
  f.state_fd = sfd;
  if ((r = floor_add(&f)) < 0)
    return bench_fail(msg, msgsz, r, "floor add");
  if ((r = bench_check_content(c, "/floor/x", "floor", msg, msgsz)) < 0)
    return r;
  if ((r = floor_remove(&f)) < 0)
    return bench_fail(msg, msgsz, r, "floor remove");

  size_t n = o->rounds;
  _cleanup_free_ double *v = calloc(4 * (n ? n : 1), sizeof(double));
  if (!v)
    return bench_fail(msg, msgsz, -ENOMEM, "out of memory");
  double *va = v, *vr = v + n, *vfa = v + 2 * n, *vfr = v + 3 * n;
  /* Each round: add then remove, plugin and floor in alternating order. */
  double *samples[2][2] = {{vfa, va}, {vfr, vr}}; /* [remove][plugin] */
  for (size_t i = 0; i < o->warmup + n; i++)
    for (int step = 0; step < 4; step++) {
      bool rm = step >= 2, plug = (step & 1) == (int)(i & 1);
      double t0 = bench_now_us();
      r = plug ? (rm ? sph_remove(&s->plugin, &d, &rm_spec, 1, &e)
                     : sph_add(&s->plugin, &d, &add_spec, 1, &e))
               : (rm ? floor_remove(&f) : floor_add(&f));
      double t1 = bench_now_us();
      if (r < 0)
        return bench_fail(msg, msgsz, r, "%s %s: %s", plug ? "plugin" : "floor",
                    rm ? "remove" : "add", plug ? e.message : "");
      if (i >= o->warmup)
        samples[rm][plug][i - o->warmup] = t1 - t0;
    }
  pt->rounds = (unsigned int)n;
  pt->add = bench_stats(va, n);
  pt->rm = bench_stats(vr, n);
  pt->floor_add = bench_stats(vfa, n);
  pt->floor_rm = bench_stats(vfr, n);

  /* By hand: needs mount(8) and nsenter(1); skipped without them. */
  hand_ctx h;
  snprintf(h.host, sizeof(h.host), "%s", fp.host);
  snprintf(h.mid, sizeof(h.mid), "%s/midpath/%s/" HAND_NAME, s->root, c->id);
  snprintf(h.m, sizeof(h.m), "%s/master/%s/" HAND_NAME, s->root, c->id);
  snprintf(h.src, sizeof(h.src), SHAREDPATH_CONTAINER_DIR "/" HAND_NAME);
  snprintf(h.pid, sizeof(h.pid), "%d", c->pid);
  size_t hn = o->hand_rounds;
  _cleanup_free_ double *hv = calloc(2 * (hn ? hn : 1), sizeof(double));
  if (!hv)
    return bench_fail(msg, msgsz, -ENOMEM, "out of memory");
  pt->have_hand = hn > 0;
  for (size_t i = 0; i < hn && pt->have_hand; i++) {
    double t0 = bench_now_us();
    r = hand_add(&h);
    double t1 = bench_now_us();
    if (r == 0 && i == 0 &&
        (r = bench_check_content(c, "/byhand/x", "floor", msg, msgsz)) < 0)
      return r;
    double t2 = bench_now_us();
    int r2 = r == 0 ? hand_remove(&h) : r;
    double t3 = bench_now_us();
    if (r < 0 || r2 < 0) {
      if (i > 0)
        return bench_fail(msg, msgsz, r < 0 ? r : r2, "by hand, round %zu", i + 1);
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
    pt->hand_add = bench_stats(hv, hn);
    pt->hand_rm = bench_stats(hv + hn, hn);
  }
  return o->batch ? bench_batch(s, o, c, pt, msg, msgsz) : 0;
}

static int delete_all(sim *s, char *msg, size_t msgsz) {
  while (s->nctrs) {
    sim_ctr *c = &s->ctrs[s->nctrs - 1];
    struct sharedpath_container d = bench_ctr_desc(c);
    struct sharedpath_error e = sph_error();
    int r = sph_delete(&s->plugin, &d, &e);
    if (r < 0)
      return bench_fail(msg, msgsz, r, "on_delete %s: %s", c->id, e.message);
    sim_ctr_stop(c);
    free(c->spec);
    s->nctrs--;
  }
  return 0;
}

static int run_point(sim *s, const bench_opts *o, unsigned int nc,
                     unsigned int np, point *pt, char *msg, size_t msgsz) {
  struct sharedpath_error e = sph_error();
  int r = sph_load(s->plugin_path, &s->host, &s->plugin, &e);
  if (r < 0) {
    snprintf(msg, msgsz, "%s", e.message);
    return r;
  }
  s->loaded = true;
  sim_mounts_read(&s->baseline);
  s->have_baseline = true;
  if (!(s->ctrs = calloc(nc, sizeof(*s->ctrs))))
    return bench_fail(msg, msgsz, -ENOMEM, "out of memory");
  double t0 = bench_now_us();
  for (unsigned int i = 0; i < nc; i++)
    if ((r = add_container(s, i, np, msg, msgsz)) < 0)
      return r;
  pt->setup_s = (bench_now_us() - t0) / 1e6;
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
    return bench_fail(msg, msgsz, -EIO, "mounts left behind after deleting "
                      "every container (%+ld)", pt->leftover);
  return 0;
}

static const char *fs_name(const char *path) {
  struct statfs sf;
  if (statfs(path, &sf) < 0)
    return "?";
  switch ((unsigned long)sf.f_type) {
  case TMPFS_MAGIC: return "tmpfs";
  case EXT4_SUPER_MAGIC: return "ext4"; /* ext2/3 share the magic */
  case XFS_SUPER_MAGIC: return "xfs";
  case BTRFS_SUPER_MAGIC: return "btrfs";
  default: return "other";
  }
}

/* Remove the bench's temp state dir: the files the plugin and the floor
 * left in DIR/state (none but the floor's after a clean run), then the
 * dirs.  Nothing else is ever touched: both dirs are ours (mkdtemp). */
static void remove_state_tmp(const char *tmp, const char *state) {
  DIR *d = opendir(state);
  struct dirent *de;
  while (d && (de = readdir(d)))
    if (de->d_type != DT_DIR)
      unlinkat(dirfd(d), de->d_name, 0);
  if (d)
    closedir(d);
  if ((rmdir(state) < 0 && errno != ENOENT) || rmdir(tmp) < 0)
    fprintf(stderr, "sharedpath-sim bench: cannot remove %s: %s\n", tmp,
            strerror(errno));
}

int bench_run_point(sim *s, const bench_opts *o, unsigned int nc,
                    unsigned int np, point *pt, char *msg, size_t msgsz) {
  *pt = (point){.containers = nc, .paths = np};
  int r = sim_setup(s, msg, msgsz);
  if (r < 0)
    return r;
  /* --state-dir: the state in a temp dir of ours there, on that disk. */
  char tmp[PATH_MAX] = "";
  if (o->state_dir) {
    if (snprintf(tmp, sizeof(tmp), "%s/sharedpath-bench.XXXXXX",
                 o->state_dir) >= (int)sizeof(tmp) - 8 || !mkdtemp(tmp))
      return bench_fail(msg, msgsz, -errno, "cannot create a temp dir in %s",
                        o->state_dir);
    snprintf(s->state, sizeof(s->state), "%s/state", tmp);
    pt->state_on_disk = true;
  }
  snprintf(pt->state_fs, sizeof(pt->state_fs), "%s",
           fs_name(tmp[0] ? tmp : s->tmp));
  r = run_point(s, o, nc, np, pt, msg, msgsz);
  if (tmp[0])
    remove_state_tmp(tmp, s->state);
  return r;
}
