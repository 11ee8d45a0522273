/* SPDX-License-Identifier: Apache-2.0 */
/* The engine's side of a scenario: load and unload the plugin, and the
 * lifecycle calls on containers (steps.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "steps.h"

/* Whether the engine hands the plugin a pidfd with the pid; an engine
 * without pidfds passes the pid alone.  Per run: each file starts with
 * it on (sim_setup). */
static int step_engine_pidfd(line_ctx *l) {
  if (l->ntok != 2 || (strcmp(l->tok[1], "on") && strcmp(l->tok[1], "off")))
    return fail(l, "usage: engine-pidfd on|off");
  l->s->pass_pidfd = !strcmp(l->tok[1], "on");
  return 0;
}

static int step_load(line_ctx *l) {
  sim *s = l->s;
  if (l->ntok != 2)
    return fail(l, "usage: load PATH");
  if (s->loaded)
    return fail(l, "a plugin is already loaded; unload it first");
  struct sharedpath_error e = sph_error();
  int r = sph_load(l->tok[1], &s->host, &s->plugin, &e);
  if (r == 0) {
    s->loaded = true;
    if (!s->quiet)
      printf("         -> %s %s, ABI %u.%u (host %u.%u)\n",
             s->plugin.t->name ? s->plugin.t->name : "?",
             s->plugin.t->version ? s->plugin.t->version : "?",
             s->plugin.t->abi_major, s->plugin.t->abi_minor,
             SHAREDPATH_ABI_MAJOR, SHAREDPATH_ABI_MINOR);
    if (!s->have_baseline) {
      sim_mounts_read(&s->baseline);
      s->have_baseline = true;
    }
  }
  return outcome(l, r, e.message);
}

static int step_unload(line_ctx *l) {
  if (need_plugin(l))
    return 1;
  sph_unload(&l->s->plugin);
  l->s->loaded = false;
  return 0;
}

/* The spec a container is created with: a /tmp tmpfs; "userns" adds a
 * user namespace (0 inside is SIM_USERNS_BASE outside), "readonly" a
 * read-only root (root.readonly). */
static int make_spec(line_ctx *l, char *buf, size_t size) {
  bool userns = false, readonly = false;
  for (int i = 2; i < l->ntok; i++) {
    if (!strcmp(l->tok[i], "userns"))
      userns = true;
    else if (!strcmp(l->tok[i], "readonly"))
      readonly = true;
    else
      return fail(l, "usage: create ID [userns] [readonly]");
  }
  char linux_[256] = "";
  if (userns)
    snprintf(linux_, sizeof(linux_),
             ",\"linux\":{\"namespaces\":[{\"type\":\"mount\"},"
             "{\"type\":\"user\"}],\"uidMappings\":[{\"containerID\":0,"
             "\"hostID\":%u,\"size\":%u}],\"gidMappings\":[{"
             "\"containerID\":0,\"hostID\":%u,\"size\":%u}]}",
             SIM_USERNS_BASE, SIM_USERNS_SIZE, SIM_USERNS_BASE,
             SIM_USERNS_SIZE);
  snprintf(buf, size,
           "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"%s},"
           "\"mounts\":[{\"destination\":\"/tmp\",\"type\":\"tmpfs\","
           "\"source\":\"tmpfs\",\"options\":[\"nosuid\",\"nodev\","
           "\"mode=1777\"]}]%s}",
           readonly ? ",\"readonly\":true" : "", linux_);
  return 0;
}

static int step_create(line_ctx *l) {
  sim *s = l->s;
  if (need_plugin(l) || l->ntok < 2)
    return l->ntok < 2 ? fail(l, "usage: create ID [userns] [readonly]") : 1;
  const char *id = l->tok[1];
  char base_spec[1024];
  if (make_spec(l, base_spec, sizeof(base_spec)))
    return 1;
  char *spec = NULL;
  struct sharedpath_error e = sph_error();
  int r = sph_create(&s->plugin, id, base_spec, &spec, &e);
  if (r == 0) {
    bool ok = spec && strstr(spec, "\"destination\"") &&
              strstr(spec, SHAREDPATH_CONTAINER_DIR) && strstr(spec, "rslave");
    char *copy = spec ? strdup(spec) : NULL;
    sph_release(&s->plugin, spec);
    if (!ok) {
      free(copy);
      return fail(l, "on_create returned a spec without the %s mount",
                  SHAREDPATH_CONTAINER_DIR);
    }
    sim_ctr *c = find_ctr(s, id, NULL);
    if (!c) {
      s->ctrs = realloc(s->ctrs, (s->nctrs + 1) * sizeof(*s->ctrs));
      c = &s->ctrs[s->nctrs++];
      *c = (sim_ctr)SIM_CTR_INIT;
      snprintf(c->id, sizeof(c->id), "%s", id);
      snprintf(c->rootfs, sizeof(c->rootfs), "%s/%s", s->rootfs, id);
      if (mkdir(c->rootfs, 0755) < 0 && errno != EEXIST)
        return fail(l, "mkdir %s: %s", c->rootfs, strerror(errno));
    }
    free(c->spec);
    c->spec = copy;
  }
  return outcome(l, r, e.message);
}

static int step_start(line_ctx *l) {
  sim *s = l->s;
  if (need_plugin(l) || l->ntok != 2)
    return l->ntok != 2 ? fail(l, "usage: start ID") : 1;
  sim_ctr *c = find_ctr(s, l->tok[1], NULL);
  if (!c)
    return fail(l, "container %s was not created", l->tok[1]);
  if (c->running)
    return fail(l, "container %s is already running", c->id);
  char msg[512];
  if (sim_ctr_start(c, msg, sizeof(msg)) < 0)
    return fail(l, "%s", msg);
  struct sharedpath_container sc = ctr_of(s, c->id, c);
  struct sharedpath_error e = sph_error();
  int r = sph_start(&s->plugin, &sc, &e);
  if (r < 0)
    sim_ctr_stop(c); /* an engine does not run a container whose hook failed */
  return outcome(l, r, e.message);
}

static int step_stop(line_ctx *l) {
  sim *s = l->s;
  if (need_plugin(l) || l->ntok != 2)
    return l->ntok != 2 ? fail(l, "usage: stop ID") : 1;
  sim_ctr *c = find_ctr(s, l->tok[1], NULL);
  if (!c || !c->running)
    return fail(l, "container %s is not running", l->tok[1]);
  sim_ctr_stop(c);
  struct sharedpath_container sc = ctr_of(s, c->id, NULL);
  struct sharedpath_error e = sph_error();
  int r = sph_stop(&s->plugin, &sc, &e);
  if (r == -ENOSYS) {
    /* A minor-0 plugin has no on_stop: nothing to tell it. */
    if (!s->quiet)
      printf("         -> plugin has no on_stop (ABI minor %u)\n",
             s->plugin.t->abi_minor);
    r = 0;
  }
  return outcome(l, r, e.message);
}

static int step_delete(line_ctx *l) {
  sim *s = l->s;
  if (need_plugin(l) || l->ntok != 2)
    return l->ntok != 2 ? fail(l, "usage: delete ID") : 1;
  size_t idx = 0;
  sim_ctr *c = find_ctr(s, l->tok[1], &idx);
  struct sharedpath_container sc = ctr_of(s, l->tok[1], c);
  struct sharedpath_error e = sph_error();
  int r = sph_delete(&s->plugin, &sc, &e);
  if (r == 0 && c)
    sim_ctr_forget(s, idx);
  return outcome(l, r, e.message);
}

static int paths(line_ctx *l, bool add) {
  sim *s = l->s;
  if (need_plugin(l))
    return 1;
  if (l->ntok < 3)
    return fail(l, "usage: %s ID SPEC...", add ? "add" : "remove");
  sim_ctr *c = find_ctr(s, l->tok[1], NULL);
  struct sharedpath_container sc = ctr_of(s, l->tok[1], c);
  struct sharedpath_error e = sph_error();
  const char *const *specs = (const char *const *)&l->tok[2];
  size_t n = (size_t)l->ntok - 2;
  int r = add ? sph_add(&s->plugin, &sc, specs, n, &e)
              : sph_remove(&s->plugin, &sc, specs, n, &e);
  return outcome(l, r, e.message);
}

static int step_add(line_ctx *l) { return paths(l, true); }
static int step_remove(line_ctx *l) { return paths(l, false); }

static int step_list(line_ctx *l) {
  if (need_plugin(l) || l->ntok != 2)
    return l->ntok != 2 ? fail(l, "usage: list ID") : 1;
  struct sharedpath_error e = sph_error();
  char *out = NULL;
  int r = sph_list(&l->s->plugin, l->tok[1], &out, &e);
  if (r == 0 && !l->s->quiet)
    printf("         -> %s\n", out);
  if (r == 0)
    sph_release(&l->s->plugin, out);
  return outcome(l, r, e.message);
}

const sim_step sim_engine_steps[] = {
    {"load", step_load},     {"unload", step_unload},
    {"create", step_create}, {"start", step_start},
    {"stop", step_stop},     {"delete", step_delete},
    {"add", step_add},       {"remove", step_remove},
    {"list", step_list},     {"engine-pidfd", step_engine_pidfd},
    {NULL, NULL},
};
