/* SPDX-License-Identifier: Apache-2.0 */
/* State, host binds and the container's view agree (consistent.h). */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "consistent.h"

int list_entries(line_ctx *l, const char *id, entry **out) {
  char *json = NULL;
  if (list_paths(l, id, &json))
    return -1;
  json_object *o = json_tokener_parse(json), *paths;
  free(json);
  if (!o || !json_object_object_get_ex(o, "paths", &paths)) {
    json_object_put(o);
    fail(l, "on_list_paths returned JSON without \"paths\"");
    return -1;
  }
  size_t n = json_object_array_length(paths);
  entry *v = calloc(n + 1, sizeof(*v));
  for (size_t i = 0; i < n; i++) {
    json_object *e = json_object_array_get_idx(paths, i), *f;
    const char *keys[] = {"host", "container", "options", "hash"};
    char *dst[] = {v[i].host, v[i].ctr, v[i].opts, v[i].hash};
    size_t sz[] = {sizeof(v[i].host), sizeof(v[i].ctr), sizeof(v[i].opts),
                   sizeof(v[i].hash)};
    for (int k = 0; k < 4; k++)
      if (json_object_object_get_ex(e, keys[k], &f))
        snprintf(dst[k], sz[k], "%s", json_object_get_string(f));
  }
  json_object_put(o);
  *out = v;
  return (int)n;
}

/* path is the root of a mount showing the host path's inode. */
static bool host_is_bound(const char *path, const struct stat *host) {
  unsigned long long dev = 0, ino = 0;
  return sim_is_mount_root(path, &dev, &ino) && dev == host->st_dev &&
         ino == host->st_ino;
}

int expect_consistent(line_ctx *l, const char *id) {
  sim *s = l->s;
  if (need_plugin(l))
    return 1;
  entry *v = NULL;
  int n = list_entries(l, id, &v);
  if (n < 0)
    return 1;
  int rc = 0;
  char p[PATH_MAX];
  /* The intent lives in the lock file while an operation runs: a live
   * record starts with '{' (see plugin/intent.h). */
  snprintf(p, sizeof(p), "%s/%s.lock", s->state, id);
  int lk = open(p, O_RDONLY | O_CLOEXEC);
  char first = 0;
  if (lk >= 0) {
    if (pread(lk, &first, 1, 0) == 1 && first == '{')
      rc = fail(l, "%s: an intent is left in %s", id, p);
    close(lk);
  }
  size_t distinct = 0;
  for (int i = 0; i < n && !rc; i++) {
    bool seen_before = false;
    for (int j = 0; j < i; j++)
      seen_before |= !strcmp(v[j].hash, v[i].hash);
    distinct += !seen_before;
    struct stat host;
    if (stat(v[i].host, &host) < 0) {
      rc = fail(l, "%s: host path %s: %s", id, v[i].host, strerror(errno));
      break;
    }
    const char *dirs[] = {"master", "midpath"};
    for (int k = 0; k < 2 && !rc; k++) {
      snprintf(p, sizeof(p), "%s/%s/%s/%s", s->root, dirs[k], id, v[i].hash);
      if (!host_is_bound(p, &host))
        rc = fail(l, "%s: %s is not a bind of %s", id, p, v[i].host);
    }
    sim_ctr *c = find_ctr(s, id, NULL);
    if (rc || !c || !c->running)
      continue;
    sim_seen seen;
    if (sim_ctr_inspect(c, v[i].ctr, false, &seen) < 0 || seen.err) {
      rc = fail(l, "%s: %s is missing inside the container", id, v[i].ctr);
    } else if (seen.dev != (unsigned long long)host.st_dev ||
               seen.ino != (unsigned long long)host.st_ino) {
      rc = fail(l, "%s: %s inside the container is not %s", id, v[i].ctr,
                v[i].host);
    } else if (seen.ro != !strncmp(v[i].opts, "ro", 2)) {
      rc = fail(l, "%s: %s is %s inside, but its options are %s", id,
                v[i].ctr, seen.ro ? "ro" : "rw", v[i].opts);
    }
  }
  if (!rc) {
    char master[PATH_MAX], mid[PATH_MAX];
    snprintf(master, sizeof(master), "%s/master/%s", s->root, id);
    snprintf(mid, sizeof(mid), "%s/midpath/%s", s->root, id);
    /* The binds themselves; what is mounted inside them (an rbind's
     * submounts, a host mount propagated in) is the host path's. */
    size_t nm = sim_mounts_count_children(master),
           nd = sim_mounts_count_children(mid);
    if (nm != distinct || nd != distinct)
      rc = fail(l, "%s: %zu distinct host paths in the state, but %zu master "
                "and %zu mid binds", id, distinct, nm, nd);
  }
  free(v);
  return rc;
}
