/* SPDX-License-Identifier: Apache-2.0 */
/* What every scenario step builds on (steps.c): the line being run, its
 * failure report and "! ERRNO" expectation, containers by id, the
 * plugin's list.  The step files (step_engine.c, step_fs.c, expect*.c,
 * walks.c) use this and consistent.h alone, never each other or the
 * runner; the runner (scenario.c) finds their steps in their tables. */
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

/* A step: tok[0] is its name. */
typedef struct sim_step {
  const char *name;
  int (*fn)(line_ctx *l);
} sim_step;

/* Each step file's steps, ended by {NULL}. */
extern const sim_step sim_engine_steps[]; /* step_engine.c */
extern const sim_step sim_fs_steps[];     /* step_fs.c */
extern const sim_step sim_expect_steps[]; /* expect.c */
extern const sim_step sim_snapshot_steps[]; /* expect_host.c */
extern const sim_step sim_walk_steps[];   /* walks.c */

/* An expectation: `expect NAME ARGS...` (host-level) or `expect ID NAME
 * ARGS...` (a container's); args are the nargs tokens after the name. */
typedef struct sim_expectation {
  const char *name;
  int nargs;
  const char *usage; /* the arguments, for the usage message */
  int (*fn)(line_ctx *l, const char *id, char *const *args);
} sim_expectation;
/* The host-level ones of expect_host.c, ended by {NULL}. */
extern const sim_expectation sim_host_expectations[];

/* Report a failed step as FILE:LINE; returns 1. */
int fail(line_ctx *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Compare a call's result with the line's "! ERRNO" expectation. */
int outcome(line_ctx *l, int r, const char *message);
const char *errname(int e);
/* The errno of a name ("EINVAL"), -1 for "any", 0 for an unknown one. */
int errvalue(const char *name);
int need_plugin(line_ctx *l);
sim_ctr *find_ctr(sim *s, const char *id, size_t *idx);
/* The container, running; NULL (reported) if it is not. */
sim_ctr *running_ctr(line_ctx *l, const char *id);
/* The container struct the engine passes for c (NULL: not running), with
 * or without its pidfd ('engine-pidfd on|off'). */
struct sharedpath_container ctr_of(const sim *s, const char *id,
                                   const sim_ctr *c);
/* on_list_paths as a malloc'd string; 1 (reported) on failure. */
int list_paths(line_ctx *l, const char *id, char **json);
size_t count_paths(const char *json);
#endif
