/* SPDX-License-Identifier: Apache-2.0 */
/* Loading a plugin the way an engine should, and calling it. */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

int sph_open(const char *path, sph_plugin *p, struct sharedpath_error *e) {
  *p = (sph_plugin){0};
  snprintf(p->path, sizeof(p->path), "%s", path);
  p->handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!p->handle)
    return sph_fail(e, -ENOENT, "cannot load plugin %s: %s", path,
                    dlerror());
  sharedpath_plugin_entry_fn entry = (sharedpath_plugin_entry_fn)dlsym(
      p->handle, SHAREDPATH_PLUGIN_ENTRY_SYMBOL);
  if (!entry) {
    sph_unload(p);
    return sph_fail(e, -ENOENT, "%s does not export %s: it is not a "
                    "sharedpath plugin", path, SHAREDPATH_PLUGIN_ENTRY_SYMBOL);
  }
  const struct sharedpath_plugin *t = NULL;
  int r = entry(SHAREDPATH_ABI_MAJOR, SHAREDPATH_ABI_MINOR, &t);
  if (t && (r == -EPROTONOSUPPORT || t->abi_major != SHAREDPATH_ABI_MAJOR)) {
    r = sph_fail(e, -EPROTONOSUPPORT, "plugin %s (%s) implements ABI %u.%u "
                 "but this host speaks %u.%u: major versions must match; "
                 "use a plugin built for ABI %u", path,
                 t->version ? t->version : "?", t->abi_major, t->abi_minor,
                 SHAREDPATH_ABI_MAJOR, SHAREDPATH_ABI_MINOR,
                 SHAREDPATH_ABI_MAJOR);
    sph_unload(p);
    return r;
  }
  if (r < 0 || !t) {
    r = sph_fail(e, r < 0 ? r : -EPROTO, "plugin %s refused ABI %u.%u: %s",
                 path, SHAREDPATH_ABI_MAJOR, SHAREDPATH_ABI_MINOR,
                 strerror(r < 0 ? -r : EPROTO));
    sph_unload(p);
    return r;
  }
  /* Everything of minor 0 must be there to be a table at all. */
  if (t->size < offsetof(struct sharedpath_plugin, release) +
                    sizeof(t->release) || !t->init) {
    r = sph_fail(e, -EPROTO, "plugin %s has a malformed table (size %u, "
                 "init %s)", path, t->size, t->init ? "set" : "missing");
    sph_unload(p);
    return r;
  }
  p->t = t;
  return 0;
}

int sph_load(const char *path, const struct sharedpath_host *host,
             sph_plugin *p, struct sharedpath_error *e) {
  int r = sph_open(path, p, e);
  if (r < 0)
    return r;
  struct sharedpath_error ie = sph_error();
  if ((r = p->t->init(host, &p->ctx, &ie)) < 0) {
    p->ctx = NULL;
    sph_unload(p);
    return sph_fail(e, r, "plugin %s failed to initialize: %s", path,
                    sph_strerror(&ie, r));
  }
  return 0;
}

void sph_unload(sph_plugin *p) {
  if (p->t && p->ctx && p->t->fini)
    p->t->fini(p->ctx);
  if (p->handle)
    dlclose(p->handle);
  *p = (sph_plugin){0};
}

static int enosys(struct sharedpath_error *e, const char *name) {
  return sph_fail(e, -ENOSYS, "the plugin does not implement %s", name);
}

#define CALL(p, field, e, ...)                                                 \
  (SHAREDPATH_CALLBACK((p)->t, field)                                         \
       ? (p)->t->field((p)->ctx, __VA_ARGS__, (e))                            \
       : enosys((e), #field))

int sph_create(sph_plugin *p, const char *id, const char *spec, char **out,
               struct sharedpath_error *e) {
  return CALL(p, on_create, e, id, spec, out);
}
int sph_start(sph_plugin *p, const struct sharedpath_container *c,
              struct sharedpath_error *e) {
  return CALL(p, on_start, e, c);
}
int sph_stop(sph_plugin *p, const struct sharedpath_container *c,
             struct sharedpath_error *e) {
  return CALL(p, on_stop, e, c);
}
int sph_add(sph_plugin *p, const struct sharedpath_container *c,
            const char *const *specs, size_t n, struct sharedpath_error *e) {
  return CALL(p, on_add_path, e, c, specs, n);
}
int sph_remove(sph_plugin *p, const struct sharedpath_container *c,
               const char *const *specs, size_t n,
               struct sharedpath_error *e) {
  return CALL(p, on_remove_path, e, c, specs, n);
}
int sph_list(sph_plugin *p, const char *id, char **json,
             struct sharedpath_error *e) {
  return CALL(p, on_list_paths, e, id, json);
}
int sph_delete(sph_plugin *p, const struct sharedpath_container *c,
               struct sharedpath_error *e) {
  return CALL(p, on_delete, e, c);
}
int sph_check(sph_plugin *p, const struct sharedpath_host *host,
              char **json, struct sharedpath_error *e) {
  if (!SHAREDPATH_CALLBACK(p->t, check))
    return sph_fail(e, -ENOSYS, "the plugin does not implement check (it "
                    "speaks ABI %u.%u; check is 1.2)", p->t->abi_major,
                    p->t->abi_minor);
  return p->t->check(host, json, e);
}

void sph_release(sph_plugin *p, void *ptr) {
  if (ptr && SHAREDPATH_CALLBACK(p->t, release))
    p->t->release(p->ctx, ptr);
}
