/* SPDX-License-Identifier: Apache-2.0 */
/* The bench's batch part (--batch N): one add call of N paths, on_start of
 * the container holding them (and the M it had), one remove call of the N,
 * round by round against the floor doing the same kernel work with one
 * child and one durable write per call (bench.h). */
#include <errno.h>
#include <fcntl.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "bench.h"

static int mkdir_ok(const char *p) {
  return mkdir(p, 0755) < 0 && errno != EEXIST ? -errno : 0;
}

static void hex_sha256(const char *text, char out[65]) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256((const unsigned char *)text, strlen(text), md);
  for (int i = 0; i < SHA256_DIGEST_LENGTH; i++)
    snprintf(out + 2 * i, 3, "%02x", md[i]);
}

typedef struct batch {
  unsigned int n, m;
  char **add_specs, **rm_specs;
  floor_path *fp;    /* the floor's n paths */
  floor_path *extra; /* the container's m paths, bound again by floor_start */
  size_t len_full, len_rest; /* the plugin's state with and without them */
} batch;

static void batch_free(batch *b) {
  for (unsigned int k = 0; b->add_specs && k < b->n; k++)
    free(b->add_specs[k]);
  for (unsigned int k = 0; b->rm_specs && k < b->n; k++)
    free(b->rm_specs[k]);
  free(b->add_specs);
  free(b->rm_specs);
  free(b->fp);
  free(b->extra);
}

/* Host dirs, container targets (made in the rootfs, as an image would
 * have them), specs and the floor's paths. */
static int batch_prepare(const sim *s, const sim_ctr *c, batch *b, char *msg,
                         size_t msgsz) {
  char p[PATH_MAX];
  b->add_specs = calloc(b->n, sizeof(char *));
  b->rm_specs = calloc(b->n, sizeof(char *));
  b->fp = calloc(b->n, sizeof(floor_path));
  b->extra = calloc(b->m ? b->m : 1, sizeof(floor_path));
  if (!b->add_specs || !b->rm_specs || !b->fp || !b->extra)
    return bench_fail(msg, msgsz, -ENOMEM, "out of memory");
  static const char *const dirs[] = {"batch", "fbatch"};
  for (size_t i = 0; i < 4; i++) {
    snprintf(p, sizeof(p), "%s/%s", i < 2 ? s->data : c->rootfs, dirs[i % 2]);
    if (mkdir_ok(p) < 0)
      return bench_fail(msg, msgsz, -errno, "cannot create %s", p);
  }
  snprintf(p, sizeof(p), "%s/fstart", c->rootfs);
  if (mkdir_ok(p) < 0)
    return bench_fail(msg, msgsz, -errno, "cannot create %s", p);
  for (unsigned int k = 0; k < b->n; k++) {
    char name[65];
    floor_batch_name(name, k);
    floor_path *f = &b->fp[k];
    snprintf(f->host, sizeof(f->host), "%s/fbatch/b%u", s->data, k);
    snprintf(f->mid, sizeof(f->mid), "%s/midpath/%s/%s", s->root, c->id, name);
    snprintf(f->m, sizeof(f->m), "%s/master/%s/%s", s->root, c->id, name);
    snprintf(f->src, sizeof(f->src), SHAREDPATH_CONTAINER_DIR "/%s", name);
    snprintf(f->target, sizeof(f->target), "/fbatch/b%u", k);
    if (asprintf(&b->add_specs[k], "%s/batch/b%u:/batch/b%u", s->data, k,
                 k) < 0 ||
        asprintf(&b->rm_specs[k], "/batch/b%u", k) < 0) {
      b->add_specs[k] = b->rm_specs[k] = NULL;
      return bench_fail(msg, msgsz, -ENOMEM, "out of memory");
    }
    char ph[PATH_MAX], pc[PATH_MAX], pf[PATH_MAX];
    snprintf(ph, sizeof(ph), "%s/batch/b%u", s->data, k);
    snprintf(pc, sizeof(pc), "%s/batch/b%u", c->rootfs, k);
    snprintf(pf, sizeof(pf), "%s/fbatch/b%u", c->rootfs, k);
    if (mkdir_ok(f->host) < 0 || mkdir_ok(ph) < 0 || mkdir_ok(pc) < 0 ||
        mkdir_ok(pf) < 0)
      return bench_fail(msg, msgsz, -errno, "cannot create the dirs of "
                        "batch path %u", k);
  }
  /* The container's own paths, as bench_run_point added them. */
  for (unsigned int j = 0; j < b->m; j++) {
    char host[PATH_MAX], h[65];
    snprintf(host, sizeof(host), "%s/%s/p%u", s->data, c->id, j);
    hex_sha256(host, h);
    floor_path *f = &b->extra[j];
    snprintf(f->src, sizeof(f->src), SHAREDPATH_CONTAINER_DIR "/%s", h);
    snprintf(f->target, sizeof(f->target), "/fstart/m%u", j);
    snprintf(p, sizeof(p), "%s/fstart/m%u", c->rootfs, j);
    if (mkdir_ok(p) < 0)
      return bench_fail(msg, msgsz, -errno, "cannot create %s", p);
  }
  snprintf(p, sizeof(p), "%s/batch/b0/x", s->data);
  if (bench_write_file(p, "batch") < 0)
    return bench_fail(msg, msgsz, -errno, "cannot write %s", p);
  snprintf(p, sizeof(p), "%s/fbatch/b0/x", s->data);
  if (bench_write_file(p, "fbatch") < 0)
    return bench_fail(msg, msgsz, -errno, "cannot write %s", p);
  return 0;
}

/* The container exits (on_stop) and starts again: a new mount namespace,
 * untimed. */
static int restart(sim *s, sim_ctr *c, char *msg, size_t msgsz) {
  struct sharedpath_container d = bench_ctr_desc(c);
  sim_ctr_stop(c);
  d.pid = 0;
  d.pidfd = -1;
  struct sharedpath_error e = sph_error();
  int r = sph_stop(&s->plugin, &d, &e);
  if (r < 0)
    return bench_fail(msg, msgsz, r, "on_stop %s: %s", c->id, e.message);
  return sim_ctr_start(c, msg, msgsz);
}

enum { OP_ADD, OP_START, OP_REMOVE };

static int plugin_op(sim *s, sim_ctr *c, const batch *b, int op,
                     struct sharedpath_error *e) {
  struct sharedpath_container d = bench_ctr_desc(c);
  switch (op) {
  case OP_ADD:
    return sph_add(&s->plugin, &d, (const char *const *)b->add_specs, b->n, e);
  case OP_START:
    return sph_start(&s->plugin, &d, e);
  default:
    return sph_remove(&s->plugin, &d, (const char *const *)b->rm_specs, b->n,
                      e);
  }
}

static int floor_op(floor_ctx *f, const batch *b, int op) {
  switch (op) {
  case OP_ADD:
    f->state_len = b->len_full;
    return floor_add(f);
  case OP_START:
    f->state_len = b->len_full;
    return floor_start(f, b->extra, b->m);
  default:
    f->state_len = b->len_rest;
    return floor_remove(f);
  }
}

int bench_batch(sim *s, const bench_opts *o, sim_ctr *c, point *pt,
                char *msg, size_t msgsz) {
  batch b = {.n = o->batch, .m = pt->paths};
  unsigned int max = s->max_paths ? s->max_paths : 128;
  if (b.n + b.m + 1 > max + 1 || b.n > 0xffff)
    return bench_fail(msg, msgsz, -EINVAL, "--batch %u with %u paths in the "
                      "container exceeds its limit of %u paths", b.n, b.m,
                      max);
  int r = batch_prepare(s, c, &b, msg, msgsz);
  struct sharedpath_error e = sph_error();
  /* Once each, checked from inside; the state sizes for the floor. */
  long rest = r == 0 ? bench_state_len(s, c->id) : 0;
  if (r == 0 && rest < 0)
    r = bench_fail(msg, msgsz, (int)rest, "cannot read the state of %s",
                   c->id);
  if (r == 0 && (r = plugin_op(s, c, &b, OP_ADD, &e)) < 0)
    bench_fail(msg, msgsz, r, "on_add_path of %u paths: %s", b.n, e.message);
  long full = r == 0 ? bench_state_len(s, c->id) : 0;
  if (r == 0 && full < 0)
    r = bench_fail(msg, msgsz, (int)full, "cannot read the state of %s",
                   c->id);
  if (r < 0) {
    batch_free(&b);
    return r;
  }
  b.len_full = (size_t)full;
  b.len_rest = (size_t)rest;
  _cleanup_free_ char *text = malloc(b.len_full + b.len_rest + 1);
  _cleanup_close_ int sdir = open(s->state, O_RDONLY | O_DIRECTORY |
                                  O_CLOEXEC);
  _cleanup_close_ int sfd = sdir >= 0 ? floor_state_open(sdir, 1 << 20) : -1;
  floor_ctx f = {.c = c, .classic = o->classic, .paths = b.fp, .n = b.n,
                 .state_fd = sfd,
                 .state_text = text};
  if (!text)
    r = bench_fail(msg, msgsz, -ENOMEM, "out of memory");
  else if (sfd < 0)
    r = bench_fail(msg, msgsz, sdir < 0 ? -errno : sfd, "cannot create the "
                   "floor's state in %s", s->state);
  else
    memset(text, ' ', b.len_full + b.len_rest);
  if (r == 0 && (r = floor_op(&f, &b, OP_ADD)) < 0)
    bench_fail(msg, msgsz, r, "floor add of %u paths", b.n);
  if (r == 0 && (r = restart(s, c, msg, msgsz)) == 0) {
    if ((r = plugin_op(s, c, &b, OP_START, &e)) < 0)
      bench_fail(msg, msgsz, r, "on_start with %u paths: %s", b.n + b.m,
                 e.message);
    else if ((r = floor_op(&f, &b, OP_START)) < 0)
      bench_fail(msg, msgsz, r, "floor start of %u paths", b.n + b.m);
    else if ((r = bench_check_content(c, "/batch/b0/x", "batch", msg,
                                      msgsz)) == 0)
      r = bench_check_content(c, "/fbatch/b0/x", "fbatch", msg, msgsz);
  }
  if (r == 0 && (r = plugin_op(s, c, &b, OP_REMOVE, &e)) < 0)
    bench_fail(msg, msgsz, r, "on_remove_path of %u paths: %s", b.n,
               e.message);
  if (r == 0 && (r = floor_op(&f, &b, OP_REMOVE)) < 0)
    bench_fail(msg, msgsz, r, "floor remove of %u paths", b.n);

  size_t n = o->batch_rounds, warm = 2;
  _cleanup_free_ double *v = calloc(6 * (n ? n : 1), sizeof(double));
  if (r == 0 && !v)
    r = bench_fail(msg, msgsz, -ENOMEM, "out of memory");
  /* samples[op][plugin] */
  double *samples[3][2];
  for (int op = 0; op < 3 && v; op++)
    for (int plug = 0; plug < 2; plug++)
      samples[op][plug] = v + (size_t)(2 * op + plug) * n;
  for (size_t i = 0; r == 0 && i < warm + n; i++)
    for (int op = OP_ADD; r == 0 && op <= OP_REMOVE; op++) {
      if (op == OP_START && (r = restart(s, c, msg, msgsz)) < 0)
        break;
      for (int k = 0; r == 0 && k < 2; k++) {
        bool plug = k == (int)(i & 1);
        double t0 = bench_now_us();
        r = plug ? plugin_op(s, c, &b, op, &e) : floor_op(&f, &b, op);
        double t1 = bench_now_us();
        if (r < 0)
          bench_fail(msg, msgsz, r, "batch round %zu: %s %s: %s", i,
                     plug ? "plugin" : "floor",
                     op == OP_ADD ? "add" : op == OP_START ? "start"
                                                           : "remove",
                     plug ? e.message : "");
        else if (i >= warm)
          samples[op][plug][i - warm] = t1 - t0;
      }
    }
  if (r == 0) {
    pt->batch = b.n;
    pt->batch_rounds = (unsigned int)n;
    pt->badd = bench_stats(samples[OP_ADD][1], n);
    pt->floor_badd = bench_stats(samples[OP_ADD][0], n);
    pt->bstart = bench_stats(samples[OP_START][1], n);
    pt->floor_bstart = bench_stats(samples[OP_START][0], n);
    pt->brm = bench_stats(samples[OP_REMOVE][1], n);
    pt->floor_brm = bench_stats(samples[OP_REMOVE][0], n);
  }
  batch_free(&b);
  return r;
}
