/* SPDX-License-Identifier: Apache-2.0 */
/* Loading a sharedpath plugin the way an engine should: dlopen, version
 * negotiation through the entry symbol, init; and calling it with -ENOSYS
 * for callbacks a plugin does not have.  Uses api/ only. */
#ifndef SPH_LOADER_H
#define SPH_LOADER_H
#include <limits.h>
#include <stdbool.h>

#include "sharedpath/plugin.h"

typedef struct sph_plugin {
  void *handle;
  const struct sharedpath_plugin *t;
  void *ctx;
  char path[PATH_MAX];
} sph_plugin;

/* An error struct ready to pass to a callback. */
static inline struct sharedpath_error sph_error(void) {
  struct sharedpath_error e = {.size = sizeof(e)};
  return e;
}

/* dlopen + negotiate, without init.  On failure msg says why. */
int sph_open(const char *path, sph_plugin *p, char *msg, size_t msgsz);
/* sph_open + init(host). */
int sph_load(const char *path, const struct sharedpath_host *host,
             sph_plugin *p, char *msg, size_t msgsz);
/* fini + dlclose; p is reset. */
void sph_unload(sph_plugin *p);

/* Calls that answer -ENOSYS (with a message) for a missing callback. */
int sph_create(sph_plugin *p, const char *id, const char *spec, char **out,
               struct sharedpath_error *e);
int sph_start(sph_plugin *p, const struct sharedpath_container *c,
              struct sharedpath_error *e);
int sph_stop(sph_plugin *p, const struct sharedpath_container *c,
             struct sharedpath_error *e);
int sph_add(sph_plugin *p, const struct sharedpath_container *c,
            const char *const *specs, size_t n, struct sharedpath_error *e);
int sph_remove(sph_plugin *p, const struct sharedpath_container *c,
               const char *const *specs, size_t n,
               struct sharedpath_error *e);
int sph_list(sph_plugin *p, const char *id, char **json,
             struct sharedpath_error *e);
int sph_delete(sph_plugin *p, const struct sharedpath_container *c,
               struct sharedpath_error *e);
void sph_release(sph_plugin *p, void *ptr);
#endif
