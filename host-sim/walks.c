/* SPDX-License-Identifier: Apache-2.0 */
/* Steps that prove the engine-facing guarantees: fault and crash walks
 * over every step of an operation, and a multi-threaded stress run, each
 * checked with expect_consistent (consistent.c).  Syntax in
 * host-sim/README.md. */
#include <errno.h>
#include <json-c/json.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "consistent.h"
#include "statetext.h"
#include "steps.h"

/* ---- fault and crash walks ---- */

typedef struct snapshot {
  sim_mounts host, ctr;
  char *state;
} snapshot;

static void snap(sim *s, const char *id, snapshot *sn) {
  sim_mounts_read(&sn->host);
  sim_ctr *c = find_ctr(s, id, NULL);
  char p[PATH_MAX];
  sn->ctr = (sim_mounts){0};
  if (c && c->running) {
    snprintf(p, sizeof(p), "/proc/%d/mountinfo", c->pid);
    sim_mounts_read_file(&sn->ctr, p);
  }
  /* The state the file holds (for a version-2 file, its newest intact
   * slot: the bytes of the slot a failed save wrote and invalidated
   * again are no state). */
  snprintf(p, sizeof(p), "%s/%s.json", s->state, id);
  sn->state = sim_state_text(p);
}

static void snap_free(snapshot *sn) {
  sim_mounts_free(&sn->host);
  sim_mounts_free(&sn->ctr);
  free(sn->state);
}

/* 0 when now equals before (differences printed). */
static int snap_compare(line_ctx *l, const char *id, const snapshot *before,
                        bool state_bytes, const char *what) {
  snapshot now;
  snap(l->s, id, &now);
  int rc = 0;
  if (!sim_mounts_same(&before->host, &now.host))
    rc = fail(l, "%s: the host mount table changed (above)", what);
  else if (!sim_mounts_same(&before->ctr, &now.ctr))
    rc = fail(l, "%s: the container's mount table changed (above)", what);
  else if (state_bytes && strcmp(before->state, now.state))
    rc = fail(l, "%s: the state changed:\n%s\nwas:\n%s", what, now.state,
              before->state);
  snap_free(&now);
  return rc;
}

static int call_op(sim *s, bool add, const char *id, char **specs, size_t n,
                   struct sharedpath_error *e) {
  sim_ctr *c = find_ctr(s, id, NULL);
  struct sharedpath_container sc = ctr_of(s, id, c);
  return add ? sph_add(&s->plugin, &sc, (const char *const *)specs, n, e)
             : sph_remove(&s->plugin, &sc, (const char *const *)specs, n, e);
}

/* "host:ctr:opts" specs for the entries whose ctr is named by specs. */
static char **readd_specs(line_ctx *l, const char *id, char **specs, size_t n) {
  entry *v = NULL;
  int m = list_entries(l, id, &v);
  if (m < 0)
    return NULL;
  char **out = calloc(n, sizeof(char *));
  for (size_t i = 0; i < n; i++) {
    const char *ctr = strrchr(specs[i], ':') ? strrchr(specs[i], ':') + 1
                                             : specs[i];
    for (int k = 0; k < m; k++)
      if (!strcmp(v[k].ctr, ctr) &&
          asprintf(&out[i], "%s:%s:%s", v[k].host, v[k].ctr, v[k].opts) < 0)
        out[i] = NULL;
    if (!out[i]) {
      fail(l, "%s is not listed for %s before the walk", ctr, id);
      for (size_t j = 0; j < i; j++)
        free(out[j]);
      free(out);
      free(v);
      return NULL;
    }
  }
  free(v);
  return out;
}

/* The container paths named by add specs (host:ctr[:opts]) or remove specs. */
static char **ctr_specs(char **specs, size_t n, bool add) {
  char **out = calloc(n, sizeof(char *));
  for (size_t i = 0; i < n; i++) {
    const char *c = specs[i];
    if (add || strchr(c, ':')) {
      c = strchr(c, ':') + 1;
    }
    out[i] = strndup(c, strcspn(c, ":"));
  }
  return out;
}

static void free_strs(char **v, size_t n) {
  if (!v)
    return;
  for (size_t i = 0; i < n; i++)
    free(v[i]);
  free(v);
}

/* After the engine died mid-operation: the next call for the container
 * finishes or undoes the work; the operation, retried, lands exactly once;
 * undoing it returns the mount tables to where they were. */
static int recover(line_ctx *l, bool add, const char *id, char **specs,
                   char **undo, size_t n, const snapshot *before, long point) {
  struct sharedpath_error e = sph_error();
  int rc = 0, r = call_op(l->s, add, id, specs, n, &e);
  if (r < 0 && r != (add ? -EEXIST : -ENOENT))
    rc = fail(l, "crash point %ld: retry failed: -%s: %s", point, errname(-r),
              e.message);
  if (!rc)
    rc = expect_consistent(l, id);
  if (!rc) {
    e = sph_error();
    if (call_op(l->s, !add, id, undo, n, &e) < 0)
      rc = fail(l, "crash point %ld: undoing failed: %s", point, e.message);
  }
  char what[64];
  snprintf(what, sizeof(what), "crash point %ld, recovered and undone", point);
  if (!rc)
    rc = snap_compare(l, id, before, false, what);
  return rc;
}

/* "add|remove ID SPEC..." from token 2 on, and the specs that undo it (to
 * return to the start after each point: ctr paths, or the full entries as
 * listed before). */
typedef struct walk_op {
  bool add;
  const char *id;
  char **specs, **undo;
  size_t n;
} walk_op;

static int walk_op_of(line_ctx *l, walk_op *w) {
  w->add = !strcmp(l->tok[2], "add");
  w->id = l->tok[3];
  w->specs = &l->tok[4];
  w->n = (size_t)l->ntok - 4;
  w->undo = w->add ? ctr_specs(w->specs, w->n, true)
                   : readd_specs(l, w->id, w->specs, w->n);
  return w->undo ? 0 : 1;
}

static long elapsed_us(const struct timespec *a, const struct timespec *b) {
  return (b->tv_sec - a->tv_sec) * 1000000L + (b->tv_nsec - a->tv_nsec) / 1000;
}

static bool is_container(const sim *s, long pid) {
  for (size_t i = 0; i < s->nctrs; i++)
    if (s->ctrs[i].running && s->ctrs[i].pid == pid)
      return true;
  return false;
}

/* Wait until the killed engine's children (a container-side child may
 * outlive it; the sim is a child subreaper, so they come back to us) have
 * finished: until our only children are containers. */
static void reap_orphans(const sim *s) {
  char path[64];
  snprintf(path, sizeof(path), "/proc/self/task/%d/children", getpid());
  for (int tries = 0; tries < 100000; tries++) {
    while (waitpid(-1, NULL, WNOHANG | __WALL) > 0)
      ;
    FILE *f = fopen(path, "r");
    long pid;
    bool others = false;
    while (f && fscanf(f, "%ld", &pid) == 1)
      others |= !is_container(s, pid);
    if (f)
      fclose(f);
    if (!others)
      return;
    usleep(50);
  }
}

static int step_kill_walk(line_ctx *l) {
  sim *s = l->s;
  if (l->ntok < 5 || (strcmp(l->tok[2], "add") && strcmp(l->tok[2], "remove")))
    return fail(l, "usage: kill-walk N add|remove ID SPEC...");
  if (need_plugin(l))
    return 1;
  int rounds = atoi(l->tok[1]);
  walk_op w;
  if (walk_op_of(l, &w))
    return 1;
  bool add = w.add;
  const char *id = w.id;
  char **specs = w.specs, **undo = w.undo;
  size_t n = w.n;
  /* How long a forked engine takes to do the operation, to spread the
   * kills over its whole life. */
  struct timespec t0, t1;
  struct sharedpath_error e = sph_error();
  clock_gettime(CLOCK_MONOTONIC, &t0);
  fflush(NULL);
  pid_t probe = fork();
  if (probe == 0)
    _exit(call_op(s, add, id, specs, n, &e) == 0 ? 0 : 3);
  int pstatus = 0;
  waitpid(probe, &pstatus, 0);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  int rc = !WIFEXITED(pstatus) || WEXITSTATUS(pstatus)
               ? fail(l, "the operation fails by itself") : 0;
  if (!rc && call_op(s, !add, id, undo, n, &e) < 0)
    rc = fail(l, "undoing the operation failed: %s", e.message);
  long span = elapsed_us(&t0, &t1) + 1;
  unsigned int seed = 12345;
  int killed = 0;
  for (int round = 0; round < rounds && !rc; round++) {
    snapshot before;
    snap(s, id, &before);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
      struct sharedpath_error ce = sph_error();
      _exit(call_op(s, add, id, specs, n, &ce) == 0 ? 0 : 3);
    }
    long delay = rand_r(&seed) % span;
    struct timespec d = {0, delay * 1000};
    nanosleep(&d, NULL);
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    reap_orphans(s);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 3) {
      rc = fail(l, "round %d: the operation failed without being killed",
                round);
    } else if (WIFEXITED(status)) {
      /* Finished before the kill: undo and go on. */
      e = sph_error();
      rc = expect_consistent(l, id);
      if (!rc && call_op(s, !add, id, undo, n, &e) < 0)
        rc = fail(l, "round %d: undoing failed: %s", round, e.message);
    } else {
      killed++;
      rc = recover(l, add, id, specs, undo, n, &before, round);
    }
    snap_free(&before);
  }
  if (!rc && !s->quiet)
    printf("         -> %d rounds, %d killed mid-operation (after 0-%ld us), "
           "all recovered\n", rounds, killed, span);
  free_strs(undo, n);
  return rc;
}

/* on_start of a stopped container holding saved paths (one child does
 * every container-side step), every step failed or crashed in turn, each
 * time in a new container process: a failed on_start leaves the host's
 * mount table, the new container's and the state as they were; after a
 * crash the engine's next on_start lands every path.  Ends running. */
static int start_walk(line_ctx *l, bool crash, const char *id) {
  sim *s = l->s;
  sim_ctr *c = find_ctr(s, id, NULL);
  if (!c || c->running)
    return fail(l, "container %s must be created and stopped", id);
  int rc = 0;
  long point;
  bool done = false;
  char msg[512];
  for (point = 1; point < 2000 && !rc && !done; point++) {
    if (sim_ctr_start(c, msg, sizeof(msg)) < 0)
      return fail(l, "%s", msg);
    snapshot before;
    snap(s, id, &before);
    char fault[64];
    snprintf(fault, sizeof(fault), "%s:any:%ld", crash ? "crash" : "fail",
             point);
    struct sharedpath_container sc = ctr_of(s, id, c);
    struct sharedpath_error e = sph_error();
    if (!crash) {
      setenv("SHAREDPATH_FAULT", fault, 1);
      int r = sph_start(&s->plugin, &sc, &e);
      unsetenv("SHAREDPATH_FAULT");
      char what[SHAREDPATH_ERROR_MESSAGE_MAX + 64];
      snprintf(what, sizeof(what), "after failing step %ld of on_start (%s)",
               point, e.message);
      done = r == 0;
      if (!done)
        rc = snap_compare(l, id, &before, true, what);
    } else {
      fflush(NULL);
      pid_t pid = fork();
      if (pid == 0) {
        setenv("SHAREDPATH_FAULT", fault, 1);
        _exit(sph_start(&s->plugin, &sc, &e) == 0 ? 0 : 3);
      }
      int status = 0;
      waitpid(pid, &status, 0);
      reap_orphans(s);
      done = WIFEXITED(status) && WEXITSTATUS(status) == 0;
      if (!done && (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL))
        rc = fail(l, "crash point %ld: on_start failed without crashing "
                  "(status 0x%x)", point, status);
      else if (!done && sph_start(&s->plugin, &sc, &e) < 0)
        rc = fail(l, "crash point %ld: the next on_start failed: %s", point,
                  e.message);
      else if (!done)
        rc = expect_consistent(l, id);
    }
    snap_free(&before);
    if (!done)
      sim_ctr_stop(c); /* its namespace goes with it */
  }
  if (!rc && !done)
    rc = fail(l, "on_start never completed");
  if (!rc && !s->quiet)
    printf("         -> %ld %s points of on_start walked, then it "
           "completed\n", point - 1, crash ? "crash" : "failure");
  return rc ? rc : expect_consistent(l, id);
}

static int step_fault_walk(line_ctx *l) {
  sim *s = l->s;
  if (l->ntok == 4 && !strcmp(l->tok[2], "start") &&
      (!strcmp(l->tok[1], "fail") || !strcmp(l->tok[1], "crash")))
    return need_plugin(l) ? 1
                          : start_walk(l, !strcmp(l->tok[1], "crash"),
                                       l->tok[3]);
  if (l->ntok < 5 || (strcmp(l->tok[1], "fail") && strcmp(l->tok[1], "crash")) ||
      (strcmp(l->tok[2], "add") && strcmp(l->tok[2], "remove")))
    return fail(l, "usage: fault-walk fail|crash add|remove ID SPEC..., or "
                "fault-walk fail|crash start ID");
  if (need_plugin(l))
    return 1;
  bool crash = !strcmp(l->tok[1], "crash");
  walk_op w;
  if (walk_op_of(l, &w))
    return 1;
  bool add = w.add;
  const char *id = w.id;
  char **specs = w.specs, **undo = w.undo;
  size_t n = w.n;
  int rc = 0;
  long point;
  for (point = 1; point < 2000 && rc == 0; point++) {
    snapshot before;
    snap(s, id, &before);
    char fault[64];
    snprintf(fault, sizeof(fault), "%s:any:%ld", crash ? "crash" : "fail",
             point);
    struct sharedpath_error e = sph_error();
    bool done = false;
    if (!crash) {
      setenv("SHAREDPATH_FAULT", fault, 1);
      int r = call_op(s, add, id, specs, n, &e);
      unsetenv("SHAREDPATH_FAULT");
      if (r == 0) {
        /* Done.  Repeating it must be refused and change nothing, and
         * finishes an intent a failed clear left (the last fault point). */
        done = true;
        e = sph_error();
        snapshot after;
        snap(s, id, &after);
        r = call_op(s, add, id, specs, n, &e);
        if (r != (add ? -EEXIST : -ENOENT))
          rc = fail(l, "repeating the completed operation gave %d, not -%s",
                    r, add ? "EEXIST" : "ENOENT");
        if (!rc)
          rc = snap_compare(l, id, &after, true, "repeating it");
        snap_free(&after);
      } else {
        char what[SHAREDPATH_ERROR_MESSAGE_MAX + 64];
        snprintf(what, sizeof(what), "after failing step %ld (%s)", point,
                 e.message);
        rc = snap_compare(l, id, &before, true, what);
        if (!rc)
          rc = expect_consistent(l, id);
      }
    } else {
      fflush(NULL);
      pid_t pid = fork();
      if (pid == 0) {
        setenv("SHAREDPATH_FAULT", fault, 1);
        _exit(call_op(s, add, id, specs, n, &e) == 0 ? 0 : 3);
      }
      int status = 0;
      waitpid(pid, &status, 0);
      if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        done = true;
      } else if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL) {
        rc = fail(l, "crash point %ld: the operation failed without "
                  "crashing (status 0x%x)", point, status);
      } else {
        rc = recover(l, add, id, specs, undo, n, &before, point);
      }
    }
    snap_free(&before);
    if (done)
      break;
  }
  if (rc == 0 && point >= 2000)
    rc = fail(l, "the operation never completed");
  if (rc == 0) {
    if (!s->quiet)
      printf("         -> %ld %s points walked, then the operation "
             "completed\n", point - 1, crash ? "crash" : "failure");
    rc = expect_consistent(l, id);
  }
  free_strs(undo, n);
  return rc;
}

/* ---- stress: many engine threads at once ---- */

#define STRESS_PATHS 4
#define STRESS_MAX_IDS 16

typedef struct stress_thread {
  sim *s;
  int t, ops, nids;
  char **ids;
  bool added[STRESS_MAX_IDS][STRESS_PATHS];
  int adds, removes;
  char error[600];
  pthread_t th;
} stress_thread;

static void *stress_main(void *arg) {
  stress_thread *st = arg;
  unsigned int seed = (unsigned int)st->t * 7919u + 17u;
  for (int k = 0; k < st->ops; k++) {
    int ci = rand_r(&seed) % st->nids, p = rand_r(&seed) % STRESS_PATHS;
    char spec[2 * PATH_MAX];
    char *specs[1] = {spec};
    bool add = !st->added[ci][p];
    if (add)
      snprintf(spec, sizeof(spec), "%s/stress/t%d-p%d:/stress/t%d/p%d%s",
               st->s->data, st->t, p, st->t, p, p == 3 ? ":ro" : "");
    else
      snprintf(spec, sizeof(spec), "/stress/t%d/p%d", st->t, p);
    struct sharedpath_error e = sph_error();
    int r = call_op(st->s, add, st->ids[ci], specs, 1, &e);
    if (r < 0) {
      snprintf(st->error, sizeof(st->error), "thread %d op %d: %s %s on %s: "
               "-%s: %s", st->t, k, add ? "add" : "remove", spec,
               st->ids[ci], errname(-r), e.message);
      return NULL;
    }
    st->added[ci][p] = add;
    add ? st->adds++ : st->removes++;
  }
  return NULL;
}

static int step_stress(line_ctx *l) {
  sim *s = l->s;
  if (l->ntok < 4)
    return fail(l, "usage: stress THREADS OPS ID...");
  if (need_plugin(l))
    return 1;
  int threads = atoi(l->tok[1]), ops = atoi(l->tok[2]), nids = l->ntok - 3;
  if (threads < 1 || threads > 64 || ops < 1 || nids > STRESS_MAX_IDS)
    return fail(l, "stress: 1-64 threads, at least 1 op, at most %d ids",
                STRESS_MAX_IDS);
  stress_thread *st = calloc((size_t)threads, sizeof(*st));
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (int t = 0; t < threads; t++) {
    st[t] = (stress_thread){.s = s, .t = t, .ops = ops, .nids = nids,
                            .ids = &l->tok[3]};
    pthread_create(&st[t].th, NULL, stress_main, &st[t]);
  }
  for (int t = 0; t < threads; t++)
    pthread_join(st[t].th, NULL);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  int rc = 0, total = 0;
  for (int t = 0; t < threads && !rc; t++) {
    total += st[t].adds + st[t].removes;
    if (st[t].error[0])
      rc = fail(l, "%s", st[t].error);
  }
  /* No update lost: each container lists exactly what the threads left. */
  for (int ci = 0; ci < nids && !rc; ci++) {
    entry *v = NULL;
    int n = list_entries(l, l->tok[3 + ci], &v);
    if (n < 0) {
      rc = 1;
      break;
    }
    int want = 0;
    for (int t = 0; t < threads; t++)
      for (int p = 0; p < STRESS_PATHS; p++) {
        if (!st[t].added[ci][p])
          continue;
        want++;
        char ctr[64];
        snprintf(ctr, sizeof(ctr), "/stress/t%d/p%d", t, p);
        bool found = false;
        for (int k = 0; k < n; k++)
          found |= !strcmp(v[k].ctr, ctr);
        if (!found && !rc)
          rc = fail(l, "%s: %s was added by thread %d but is not listed",
                    l->tok[3 + ci], ctr, t);
      }
    int listed = 0;
    for (int k = 0; k < n; k++)
      listed += !strncmp(v[k].ctr, "/stress/", 8);
    if (!rc && listed != want)
      rc = fail(l, "%s lists %d stress paths, the threads left %d",
                l->tok[3 + ci], listed, want);
    free(v);
    if (!rc)
      rc = expect_consistent(l, l->tok[3 + ci]);
  }
  double secs = (double)(t1.tv_sec - t0.tv_sec) +
                (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  if (!rc && !s->quiet)
    printf("         -> %d threads, %d operations in %.2f s, state and "
           "mounts agree\n", threads, total, secs);
  free(st);
  return rc;
}

const sim_step sim_walk_steps[] = {
    {"fault-walk", step_fault_walk},
    {"kill-walk", step_kill_walk},
    {"stress", step_stress},
    {NULL, NULL},
};
