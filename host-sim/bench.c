/* SPDX-License-Identifier: Apache-2.0 */
/* sharedpath-sim bench: options, the sweep, and the output (bench.h).
 * Plugin and floor operations are interleaved round by round (and their
 * order alternates) so that drift on a noisy machine hits both alike. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "bench.h"

/* ---- output ---- */

static double ratio(double a, double b) { return b > 0 ? a / b : 0; }

static void print_hand(const point *pt, const char *key, double v) {
  if (pt->have_hand)
    printf("\"%s\":%.1f,", key, v);
  else
    printf("\"%s\":null,", key);
}

/* (batch - single) / (n - 1): what each path beyond the first costs. */
static double per_extra(double batch, double single, unsigned int n) {
  return n > 1 ? (batch - single) / (n - 1) : 0;
}

static void print_batch_json(const point *pt) {
  printf(",\"state_fs\":\"%s\",\"state_on_disk\":%s", pt->state_fs,
         pt->state_on_disk ? "true" : "false");
  if (!pt->batch) {
    printf(",\"batch\":0");
    return;
  }
  printf(",\"batch\":%u,\"batch_rounds\":%u,"
         "\"batch_add_median_us\":%.1f,\"batch_add_p99_us\":%.1f,"
         "\"batch_start_median_us\":%.1f,\"batch_start_p99_us\":%.1f,"
         "\"batch_remove_median_us\":%.1f,\"batch_remove_p99_us\":%.1f,"
         "\"floor_batch_add_median_us\":%.1f,"
         "\"floor_batch_start_median_us\":%.1f,"
         "\"floor_batch_remove_median_us\":%.1f,"
         "\"batch_add_ratio_vs_floor\":%.3f,"
         "\"batch_start_ratio_vs_floor\":%.3f,"
         "\"batch_remove_ratio_vs_floor\":%.3f,"
         "\"batch_add_per_extra_path_us\":%.1f,"
         "\"batch_remove_per_extra_path_us\":%.1f,"
         "\"floor_batch_add_per_extra_path_us\":%.1f",
         pt->batch, pt->batch_rounds, pt->badd.median, pt->badd.p99,
         pt->bstart.median, pt->bstart.p99, pt->brm.median, pt->brm.p99,
         pt->floor_badd.median, pt->floor_bstart.median,
         pt->floor_brm.median, ratio(pt->badd.median, pt->floor_badd.median),
         ratio(pt->bstart.median, pt->floor_bstart.median),
         ratio(pt->brm.median, pt->floor_brm.median),
         per_extra(pt->badd.median, pt->add.median, pt->batch),
         per_extra(pt->brm.median, pt->rm.median, pt->batch),
         per_extra(pt->floor_badd.median, pt->floor_add.median, pt->batch));
}

static const char *mechanism = "new";

static void print_point_json(const point *pt) {
  printf("{\"mechanism\":\"%s\",\"containers\":%u,\"paths\":%u,"
         "\"rounds\":%u,"
         "\"add_median_us\":%.1f,\"add_p99_us\":%.1f,"
         "\"remove_median_us\":%.1f,\"remove_p99_us\":%.1f,"
         "\"floor_add_median_us\":%.1f,\"floor_add_p99_us\":%.1f,"
         "\"floor_remove_median_us\":%.1f,\"floor_remove_p99_us\":%.1f,"
         "\"add_ratio_vs_floor\":%.3f,\"remove_ratio_vs_floor\":%.3f,",
         mechanism, pt->containers, pt->paths, pt->rounds, pt->add.median,
         pt->add.p99,
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
         "\"leftover_mounts\":%ld,\"setup_s\":%.2f",
         pt->mounts_host + pt->mounts_ctr + pt->mounts_other, pt->mounts_host,
         pt->mounts_ctr, pt->mounts_other, pt->leftover, pt->setup_s);
  print_batch_json(pt);
  putchar('}');
}

static void print_header(void) {
  printf("mechanism: %s\n", mechanism);
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
  if (pt->state_on_disk)
    printf("%18s state on %s\n", "", pt->state_fs);
  if (pt->batch)
    printf("%18s batch of %u: add %.1f (floor %.1f, %.2f; +%.1f/path), "
           "start %.1f (floor %.1f, %.2f), remove %.1f (floor %.1f, %.2f)\n",
           "", pt->batch, pt->badd.median, pt->floor_badd.median,
           ratio(pt->badd.median, pt->floor_badd.median),
           per_extra(pt->badd.median, pt->add.median, pt->batch),
           pt->bstart.median, pt->floor_bstart.median,
           ratio(pt->bstart.median, pt->floor_bstart.median),
           pt->brm.median, pt->floor_brm.median,
           ratio(pt->brm.median, pt->floor_brm.median));
  fflush(stdout);
}

static void usage(FILE *f) {
  fprintf(f,
"Usage: sharedpath-sim [--plugin PATH] bench [--containers N] [--paths M]\n"
"                      [--rounds R] [--by-hand-rounds H] [--batch B]\n"
"                      [--batch-rounds R] [--state-dir DIR] [--json]\n"
"                      [--sweep] [--mechanism new|classic]\n"
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
"  --batch B           also one add call of B paths, on_start of the\n"
"                      container holding them and its M, one remove of the\n"
"                      B, each against a floor with one child and one\n"
"                      durable write per call (M + B <= the path limit)\n"
"  --batch-rounds R    measured rounds of the batch part (default 30)\n"
"  --state-dir DIR     the plugin's (and the floor's) state in a temp dir\n"
"                      created in DIR and removed after (a real disk)\n"
"  --sweep             1, 50, 200 containers x 1, 20 paths, and scale_ratio\n"
"                      = cost at 200x20 / cost at 1x1; then batches of 128\n"
"                      (1 x 0) and 100 (50 x 20); with --state-dir, 50 x 20\n"
"                      and the batch of 128 again with the state there\n"
"  --mechanism new|classic\n"
"                      the plugin's mechanisms: the newest the kernel has\n"
"                      (default), or a 4.18 kernel's (host.avoid); the floor\n"
"                      does the same kernel work the same way (mount(2) by\n"
"                      path, setns on the ns file)\n"
"  --json              one JSON object on stdout\n");
}

static int parse(int argc, char **argv, bench_opts *o) {
  static const struct option opts[] = {
      {"containers", required_argument, NULL, 'c'},
      {"paths", required_argument, NULL, 'p'},
      {"rounds", required_argument, NULL, 'r'},
      {"by-hand-rounds", required_argument, NULL, 'H'},
      {"batch", required_argument, NULL, 'b'},
      {"batch-rounds", required_argument, NULL, 'B'},
      {"state-dir", required_argument, NULL, 'S'},
      {"json", no_argument, NULL, 'j'},
      {"sweep", no_argument, NULL, 's'},
      {"mechanism", required_argument, NULL, 'M'},
      {"help", no_argument, NULL, 'h'},
      {0},
  };
  int ch;
  optind = 1;
  while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    char *end = NULL;
    if (ch == 'S') {
      o->state_dir = optarg;
      continue;
    }
    if (ch == 'M') {
      if (strcmp(optarg, "new") && strcmp(optarg, "classic")) {
        fprintf(stderr, "sharedpath-sim bench: --mechanism new|classic\n");
        return 2;
      }
      o->classic = !strcmp(optarg, "classic");
      continue;
    }
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
    case 'b': o->batch = (unsigned int)v; break;
    case 'B': o->batch_rounds = (unsigned int)v; break;
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
  if (o->containers < 1 || o->rounds < 1 || o->batch_rounds < 1) {
    fprintf(stderr, "sharedpath-sim bench: --containers, --rounds and "
            "--batch-rounds must be at least 1\n");
    return 2;
  }
  return 0;
}

/* The sweep: the six classic points (tmpfs), then batches, then (with
 * --state-dir) the same on a disk. */
typedef struct point_spec {
  unsigned int containers, paths, batch;
  bool disk;
} point_spec;

static const point_spec sweep[] = {
    {1, 1, 0, false},   {1, 20, 0, false},   {50, 1, 0, false},
    {50, 20, 0, false}, {200, 1, 0, false},  {200, 20, 0, false},
    {1, 0, 128, false}, {50, 20, 100, false},
    {50, 20, 0, true},  {1, 0, 128, true},
};
enum { CLASSIC = 6 }; /* scale_ratio: sweep[CLASSIC - 1] vs sweep[0] */
#define NSWEEP (sizeof(sweep) / sizeof(sweep[0]))

int sim_bench_main(sim *s, int argc, char **argv) {
  bench_opts o = {.containers = 1, .paths = 1, .rounds = 400,
                  .hand_rounds = 15, .warmup = 20, .batch_rounds = 30,
                  .quiet = s->quiet};
  int rc = parse(argc, argv, &o);
  if (rc)
    return rc == 1 ? 0 : rc;
  /* The engine's avoid, for every point's setup (sim_setup). */
  if (o.classic)
    s->avoid = SHAREDPATH_MECH_ALL;
  mechanism = s->avoid == SHAREDPATH_MECH_ALL ? "classic"
              : s->avoid                      ? "mixed"
                                              : "new";
  o.classic = s->avoid == SHAREDPATH_MECH_ALL;
  point_spec one = {o.containers, o.paths, o.batch, o.state_dir != NULL};
  size_t np = 1;
  if (o.sweep)
    for (np = 0; np < NSWEEP && (!sweep[np].disk || o.state_dir); np++)
      ;
  point pts[NSWEEP];
  char msg[1024] = "";
  if (!o.json)
    print_header();
  for (size_t i = 0; i < np; i++) {
    const point_spec *ps = o.sweep ? &sweep[i] : &one;
    bench_opts po = o;
    po.batch = ps->batch;
    po.state_dir = ps->disk ? o.state_dir : NULL;
    int r = bench_run_point(s, &po, ps->containers, ps->paths, &pts[i], msg,
                            sizeof(msg));
    sim_teardown(s);
    if (r < 0) {
      fprintf(stderr, "sharedpath-sim bench: %u containers x %u paths%s: "
              "%s\n", ps->containers, ps->paths, ps->batch ? ", batch" : "",
              msg);
      return 1;
    }
    if (!o.json)
      print_point_text(&pts[i]);
  }
  size_t nclassic = o.sweep ? CLASSIC : 1;
  const point *a = &pts[0], *z = &pts[nclassic - 1];
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
