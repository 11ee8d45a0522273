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
  unsigned int batch;        /* --batch N: also one call of N paths */
  unsigned int batch_rounds; /* rounds of the batch part */
  const char *state_dir;     /* --state-dir DIR: state in a temp dir there */
  bool json, sweep, quiet;
  bool classic; /* --mechanism classic: the plugin and the floor both take
                 * a 4.18 kernel's way (mount(2), the ns file) */
} bench_opts;

typedef struct stats {
  double median, p99;
} stats;

typedef struct point {
  unsigned int containers, paths, rounds, hand_rounds;
  stats add, rm, floor_add, floor_rm, hand_add, hand_rm;
  bool have_hand;
  /* --batch: one add of N paths, on_start of the container holding them
   * (and its M), one remove of the N; each against its floor. */
  unsigned int batch, batch_rounds;
  stats badd, brm, bstart, floor_badd, floor_brm, floor_bstart;
  char state_fs[16]; /* the state dir's filesystem */
  bool state_on_disk; /* --state-dir */
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

/* Shared by the bench's files (bench_point.c). */
double bench_now_us(void);
stats bench_stats(double *v, size_t n); /* sorts v */
int bench_fail(char *msg, size_t msgsz, int r, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
struct sharedpath_container bench_ctr_desc(const sim_ctr *c);
/* path inside c shows a file holding want. */
int bench_check_content(const sim_ctr *c, const char *path, const char *want,
                        char *msg, size_t msgsz);

int bench_write_file(const char *path, const char *text);
/* How many bytes the plugin writes for id's state as it is now. */
long bench_state_len(const sim *s, const char *id);

/* Set up N containers of M paths through the plugin in a fresh sim,
 * measure, delete them all; *pt gets the numbers.  0, or -errno with msg. */
int bench_run_point(sim *s, const bench_opts *o, unsigned int nc,
                    unsigned int np, point *pt, char *msg, size_t msgsz);

/* The floor: the plugin's kernel work for n paths of container c in one
 * call, in plain code: the host binds of each, one child in the container
 * for all of them, one durable write. */
typedef struct floor_path {
  char host[PATH_MAX], mid[PATH_MAX], m[PATH_MAX];
  char src[128];   /* the master bind's copy inside the container */
  char target[64]; /* where it goes inside the container */
} floor_path;
typedef struct floor_ctx {
  const sim_ctr *c;
  bool classic; /* mount(2) by path, setns on the ns file */
  floor_path *paths;
  size_t n;
  int state_fd;     /* floor_state_open */
  const char *state_text; /* as many bytes as the plugin's state file */
  size_t state_len;
} floor_ctx;
/* The floor's state file in dirfd, its blocks written once (as the
 * plugin's are): each write then rewrites state_len bytes in place and
 * fdatasyncs, the cheapest durable write plain code has. */
int floor_state_open(int dirfd, size_t max_len);
int floor_add(floor_ctx *f);
int floor_remove(floor_ctx *f);
/* A new container process, host side in place: the container side of
 * every path again (and of extra: mounted, never removed: the next
 * restart takes them), one durable write. */
int floor_start(floor_ctx *f, const floor_path *extra, size_t nextra);
/* Name k (< 0x10000) of the floor's batch: 64 chars like a hash. */
void floor_batch_name(char out[65], unsigned int k);

/* --batch: the batch part of a point, on the measured container c (its
 * single-path part done).  Containers are restarted between rounds. */
int bench_batch(sim *s, const bench_opts *o, sim_ctr *c, point *pt,
                char *msg, size_t msgsz);

/* By hand: the same with mount(8) and nsenter(1) processes. */
typedef struct hand_ctx {
  char host[PATH_MAX], mid[PATH_MAX], m[PATH_MAX], src[PATH_MAX];
  char pid[16];
} hand_ctx;
int hand_add(hand_ctx *h);
int hand_remove(hand_ctx *h);
#endif
