/* SPDX-License-Identifier: Apache-2.0 */
/* What scenario steps share (scenario.c, walks.c). */
#ifndef SIM_STEPS_H
#define SIM_STEPS_H
#include "sim.h"

#define MAX_TOKENS 256

typedef struct line_ctx {
  sim *s;
  const char *file;
  int line;
  char *tok[MAX_TOKENS];
  int ntok;
  int expect_err; /* 0 success, >0 that errno, -1 any failure */
  bool try_;      /* 'try STEP': the outcome of the call does not matter */
} line_ctx;

/* Report a failed step as FILE:LINE; returns 1. */
int fail(line_ctx *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Compare a call's result with the line's "! ERRNO" expectation. */
int outcome(line_ctx *l, int r, const char *message);
const char *errname(int e);
int need_plugin(line_ctx *l);
sim_ctr *find_ctr(sim *s, const char *id, size_t *idx);
struct sharedpath_container ctr_of(const char *id, const sim_ctr *c);
/* on_list_paths as a malloc'd string; 1 (reported) on failure. */
int list_paths(line_ctx *l, const char *id, char **json);
size_t count_paths(const char *json);

/* walks.c */
int step_fault_walk(line_ctx *l);
int step_stress(line_ctx *l);
int step_kill_walk(line_ctx *l);
int expect_consistent(line_ctx *l, const char *id);
#endif
