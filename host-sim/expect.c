/* SPDX-License-Identifier: Apache-2.0 */
/* `expect`: what must hold, as seen from inside a container, from the
 * plugin's list, or from the host (expect_host.c).  One table of
 * expectations per place; the line names one and its arguments. */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "consistent.h"
#include "steps.h"

/* ---- the host ---- */

/* N mounts strictly below <root>/master and <root>/midpath. */
static int expect_mounts(line_ctx *l, const char *id, char *const *args) {
  (void)id;
  sim *s = l->s;
  char master[PATH_MAX], mid[PATH_MAX];
  snprintf(master, sizeof(master), "%s/master", s->root);
  snprintf(mid, sizeof(mid), "%s/midpath", s->root);
  const char *const prefixes[] = {master, mid};
  size_t n = sim_mounts_count_below(prefixes, 2);
  size_t want = strtoul(args[0], NULL, 10);
  return n == want ? 0 : fail(l, "expected %zu mounts under %s, saw %zu",
                              want, s->root, n);
}

static int expect_no_leftover(line_ctx *l, const char *id,
                              char *const *args) {
  (void)id, (void)args;
  sim *s = l->s;
  if (!s->have_baseline)
    return fail(l, "no baseline yet (load a plugin first)");
  sim_mounts now;
  sim_mounts_read(&now);
  bool same = sim_mounts_same(&s->baseline, &now);
  sim_mounts_free(&now);
  return same ? 0 : fail(l, "the mount table differs from the one after "
                         "the first load (above)");
}

static int expect_host_content(line_ctx *l, const char *id,
                               char *const *args) {
  (void)id;
  char buf[256] = "";
  FILE *f = fopen(args[0], "r");
  if (!f)
    return fail(l, "host file %s: %s", args[0], strerror(errno));
  size_t n = fread(buf, 1, sizeof(buf) - 1, f);
  buf[n] = '\0';
  fclose(f);
  return !strcmp(buf, args[1])
             ? 0 : fail(l, "host file %s holds \"%s\"", args[0], buf);
}

static int expect_host_owner(line_ctx *l, const char *id,
                             char *const *args) {
  (void)id;
  struct stat sb;
  if (lstat(args[0], &sb) < 0)
    return fail(l, "host path %s: %s", args[0], strerror(errno));
  unsigned long wu = strtoul(args[1], NULL, 10), wg = strtoul(args[2], NULL, 10);
  return sb.st_uid == wu && sb.st_gid == wg
             ? 0 : fail(l, "host path %s is owned by %lu:%lu, not %lu:%lu",
                        args[0], (unsigned long)sb.st_uid,
                        (unsigned long)sb.st_gid, wu, wg);
}

/* The plugin's check() names MECH for STEP (plugin.h): the mechanisms a
 * run means to test are the ones in use. */
static int expect_mechanism(line_ctx *l, const char *id, char *const *args) {
  (void)id;
  if (need_plugin(l))
    return 1;
  struct sharedpath_error e = sph_error();
  char *json = NULL;
  int r = sph_check(&l->s->plugin, &l->s->host, &json, &e);
  if (r < 0)
    return fail(l, "check: %s", sph_strerror(&e, r));
  json_object *o = json_tokener_parse(json), *use = NULL;
  sph_release(&l->s->plugin, json);
  const char *seen = NULL;
  if (o && json_object_object_get_ex(o, "use", &use))
    for (size_t i = 0; i < json_object_array_length(use); i++) {
      json_object *u = json_object_array_get_idx(use, i), *st, *m;
      if (json_object_object_get_ex(u, "step", &st) &&
          json_object_object_get_ex(u, "mechanism", &m) &&
          !strcmp(json_object_get_string(st), args[0]))
        seen = json_object_get_string(m);
    }
  r = !seen ? fail(l, "check names no step '%s'", args[0])
      : strcmp(seen, args[1]) ? fail(l, "%s: the plugin uses %s, not %s",
                                     args[0], seen, args[1])
                              : 0;
  json_object_put(o);
  return r;
}

static const sim_expectation host_level[] = {
    {"mounts", 1, "N", expect_mounts},
    {"mechanism", 2, "STEP MECH", expect_mechanism},
    {"no-leftover-mounts", 0, "", expect_no_leftover},
    {"host-content", 2, "PATH TEXT", expect_host_content},
    {"host-owner", 3, "PATH UID GID", expect_host_owner},
    {NULL, 0, NULL, NULL},
};

/* ---- a container ---- */

static int expect_consistent_step(line_ctx *l, const char *id,
                                  char *const *args) {
  (void)args;
  return expect_consistent(l, id);
}

/* What on_list_paths says about ctr (what: listed, not-listed) or how
 * many paths it lists (paths). */
static int listing(line_ctx *l, const char *id, const char *what,
                   const char *arg) {
  if (need_plugin(l))
    return 1;
  char *json = NULL;
  if (list_paths(l, id, &json))
    return 1;
  char needle[PATH_MAX + 32];
  snprintf(needle, sizeof(needle), "\"container\":\"%s\"", arg);
  bool has = strstr(json, needle) != NULL;
  int r = 0;
  if (!strcmp(what, "paths")) {
    if (count_paths(json) != strtoul(arg, NULL, 10))
      r = fail(l, "expected %s paths, list says %s", arg, json);
  } else if (has != !strcmp(what, "listed")) {
    r = fail(l, "%s %s listed: %s", arg, has ? "is" : "is not", json);
  }
  free(json);
  return r;
}

static int expect_listed(line_ctx *l, const char *id, char *const *args) {
  return listing(l, id, "listed", args[0]);
}
static int expect_not_listed(line_ctx *l, const char *id,
                             char *const *args) {
  return listing(l, id, "not-listed", args[0]);
}
static int expect_paths(line_ctx *l, const char *id, char *const *args) {
  return listing(l, id, "paths", args[0]);
}

/* path as seen from inside the running container id; write_test: try to
 * write there too.  1 (reported) when the look failed or path is not
 * there, unless missing_ok. */
static int look_inside(line_ctx *l, const char *id, const char *path,
                       bool write_test, bool missing_ok, sim_seen *seen) {
  sim_ctr *c = running_ctr(l, id);
  if (!c)
    return 1;
  int r = sim_ctr_inspect(c, path, write_test, seen);
  if (r < 0)
    return fail(l, "cannot look inside %s: %s", id, strerror(-r));
  if (seen->err && !(missing_ok && seen->err == ENOENT))
    return missing_ok ? fail(l, "%s exists in %s (stat error)", path, id)
                      : fail(l, "%s in %s: %s", path, id,
                             strerror(seen->err));
  return 0;
}

static int expect_content(line_ctx *l, const char *id, char *const *args) {
  sim_seen seen;
  if (look_inside(l, id, args[0], false, false, &seen))
    return 1;
  return !strcmp(seen.content, args[1])
             ? 0 : fail(l, "%s in %s holds \"%s\"", args[0], id,
                        seen.content);
}

static int expect_absent(line_ctx *l, const char *id, char *const *args) {
  sim_seen seen;
  if (look_inside(l, id, args[0], false, true, &seen))
    return 1;
  return seen.err == ENOENT ? 0 : fail(l, "%s exists in %s", args[0], id);
}

static int expect_ro(line_ctx *l, const char *id, char *const *args) {
  sim_seen seen;
  if (look_inside(l, id, args[0], true, false, &seen))
    return 1;
  return seen.ro && seen.write_err == EROFS
             ? 0 : fail(l, "%s in %s is not read-only (mount %s, write "
                        "test: %s)", args[0], id, seen.ro ? "ro" : "rw",
                        seen.write_err ? strerror(seen.write_err) : "ok");
}

static int expect_rw(line_ctx *l, const char *id, char *const *args) {
  sim_seen seen;
  if (look_inside(l, id, args[0], true, false, &seen))
    return 1;
  return !seen.ro && seen.write_err == 0
             ? 0 : fail(l, "%s in %s is not writable (mount %s, write "
                        "test: %s)", args[0], id, seen.ro ? "ro" : "rw",
                        seen.write_err ? strerror(seen.write_err) : "ok");
}

/* The owner as the container sees it (its own user namespace's ids). */
static int expect_owner(line_ctx *l, const char *id, char *const *args) {
  sim_ctr *c = running_ctr(l, id);
  if (!c)
    return 1;
  unsigned long uid, gid;
  int r = sim_ctr_owner(c, args[0], &uid, &gid);
  if (r < 0)
    return fail(l, "%s in %s: %s", args[0], id, strerror(-r));
  unsigned long wu = strtoul(args[1], NULL, 10), wg = strtoul(args[2], NULL, 10);
  return uid == wu && gid == wg
             ? 0 : fail(l, "%s in %s is owned by %lu:%lu, not %lu:%lu",
                        args[0], id, uid, gid, wu, wg);
}

/* The flags of the mount holding path (ro, nosuid, nodev, noexec), all
 * of them: a comma list, or "-" for none. */
static int expect_flags(line_ctx *l, const char *id, char *const *args) {
  static const struct {
    const char *name;
    unsigned long bit;
  } flags[] = {{"ro", ST_RDONLY}, {"nosuid", ST_NOSUID},
               {"nodev", ST_NODEV}, {"noexec", ST_NOEXEC}};
  sim_seen seen;
  if (look_inside(l, id, args[0], false, false, &seen))
    return 1;
  char have[64] = "";
  for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
    if (seen.vfs_flags & flags[i].bit)
      snprintf(have + strlen(have), sizeof(have) - strlen(have), "%s%s",
               have[0] ? "," : "", flags[i].name);
  const char *want = strcmp(args[1], "-") ? args[1] : "";
  return !strcmp(have, want) ? 0
                             : fail(l, "%s in %s is on a mount with %s, not "
                                    "%s", args[0], id, have[0] ? have : "-",
                                    args[1]);
}

/* The propagation of the mount at path: shared, slave, shared,slave or
 * private (its mountinfo line). */
static int expect_propagation(line_ctx *l, const char *id,
                              char *const *args) {
  sim_ctr *c = running_ctr(l, id);
  if (!c)
    return 1;
  char have[32];
  int r = sim_ctr_propagation(c, args[0], have, sizeof(have));
  if (r < 0)
    return fail(l, "no mount at %s in %s: %s", args[0], id, strerror(-r));
  return !strcmp(have, args[1]) ? 0
                                : fail(l, "the mount at %s in %s is %s, not "
                                       "%s", args[0], id, have, args[1]);
}

static const sim_expectation per_container[] = {
    {"flags", 2, "PATH ro,nosuid,nodev,noexec|-", expect_flags},
    {"propagation", 2, "PATH shared|slave|shared,slave|private",
     expect_propagation},
    {"consistent", 0, "", expect_consistent_step},
    {"listed", 1, "CTR", expect_listed},
    {"not-listed", 1, "CTR", expect_not_listed},
    {"paths", 1, "N", expect_paths},
    {"content", 2, "PATH TEXT", expect_content},
    {"absent", 1, "PATH", expect_absent},
    {"ro", 1, "PATH", expect_ro},
    {"rw", 1, "PATH", expect_rw},
    {"owner", 3, "PATH UID GID", expect_owner},
    {NULL, 0, NULL, NULL},
};

/* ---- the step ---- */

static const sim_expectation *find(const sim_expectation *tables[],
                                   const char *name) {
  for (size_t t = 0; tables[t]; t++)
    for (const sim_expectation *x = tables[t]; x->name; x++)
      if (!strcmp(x->name, name))
        return x;
  return NULL;
}

static int run(line_ctx *l, const sim_expectation *x, const char *id,
               int first_arg) {
  if (l->ntok != first_arg + x->nargs)
    return fail(l, "usage: expect %s%s%s%s", id ? "ID " : "", x->name,
                x->nargs ? " " : "", x->usage);
  return x->fn(l, id, &l->tok[first_arg]);
}

/* `expect NAME ARGS...` or `expect ID NAME ARGS...`. */
static int step_expect(line_ctx *l) {
  static const sim_expectation *hosts[] = {host_level, sim_host_expectations,
                                           NULL};
  static const sim_expectation *ctrs[] = {per_container, NULL};
  const sim_expectation *x = l->ntok >= 2 ? find(hosts, l->tok[1]) : NULL;
  if (x)
    return run(l, x, NULL, 2);
  x = l->ntok >= 3 ? find(ctrs, l->tok[2]) : NULL;
  if (x)
    return run(l, x, l->tok[1], 3);
  return fail(l, "unknown expectation '%s' (see host-sim/README.md)",
              l->ntok >= 3 ? l->tok[2] : l->ntok == 2 ? l->tok[1] : "");
}

const sim_step sim_expect_steps[] = {
    {"expect", step_expect},
    {NULL, NULL},
};
