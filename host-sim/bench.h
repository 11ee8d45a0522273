/* SPDX-License-Identifier: Apache-2.0 */
/* sharedpath-sim bench: the cost of one add-path and one remove-path
 * through the plugin, next to the same kernel work done by plain code (the
 * floor) and by an operator with mount(8) and nsenter(1) (by hand), with N
 * running containers holding M paths each.  Everything runs inside the
 * sim's private mount namespace (sim_setup).  bench.c reads the options
 * and prints, bench_point.c sets up and measures one point, bench_floor.c
 * is the floor and the by-hand operations. */
#ifndef SIM_BENCH_H
#define SIM_BENCH_H
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "sim.h"

/* A 64-char name like the plugin's hashes, for the floor's and the by-hand
 * staging dirs (never a SHA-256 of a real path, so no clash). */
#define FLOOR_NAME                                                             \
  "f100f100f100f100f100f100f100f100f100f100f100f100f100f100f100f100"
#define HAND_NAME                                                              \
  "b4a2db4a2db4a2db4a2db4a2db4a2db4a2db4a2db4a2db4a2db4a2db4a2db4a"

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

static inline void bench_freep(void *p) { free(*(void **)p); }
static inline void bench_closep(int *fd) {
  if (*fd >= 0)
    close(*fd);
}
#define _cleanup_free_ __attribute__((cleanup(bench_freep)))
#define _cleanup_close_ __attribute__((cleanup(bench_closep)))

/* Set up N containers of M paths through the plugin in a fresh sim,
 * measure, delete them all; *pt gets the numbers.  0, or -errno with msg. */
int bench_run_point(sim *s, const bench_opts *o, unsigned int nc,
                    unsigned int np, point *pt, char *msg, size_t msgsz);

/* The floor: the plugin's kernel work for one path of container c, in
 * plain code. */
typedef struct floor_ctx {
  const sim *s;
  const sim_ctr *c;
  char host[PATH_MAX], mid[PATH_MAX], m[PATH_MAX];
  int state_dirfd;
  char *state_text; /* as many bytes as the plugin's state file */
  size_t state_len;
} floor_ctx;
int floor_add(floor_ctx *f);
int floor_remove(floor_ctx *f);

/* By hand: the same with mount(8) and nsenter(1) processes. */
typedef struct hand_ctx {
  char host[PATH_MAX], mid[PATH_MAX], m[PATH_MAX], src[PATH_MAX];
  char pid[16];
} hand_ctx;
int hand_add(hand_ctx *h);
int hand_remove(hand_ctx *h);
#endif
