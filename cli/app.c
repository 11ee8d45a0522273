/* SPDX-License-Identifier: Apache-2.0 */
/* The plugin for a command of the sharedpath binary (app.h): where it is
 * (--plugin, the build tree's, the installed one), loaded with the host's
 * settings and its log, and on_create, which oci-prepare, create and the
 * precreate hook share. */
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"

/* Where the installed plugin is, from the directory of this binary:
 * <bindir> -> <libdir>/sharedpath/sharedpath-plugin.so as a relative path,
 * so a tree installed under any prefix (cmake --install --prefix, DESTDIR,
 * a package) finds its own plugin; absolute when an install dir is. */
#ifndef SHAREDPATH_PLUGIN_FROM_BINDIR
#error "SHAREDPATH_PLUGIN_FROM_BINDIR is set by cli/CMakeLists.txt"
#endif

void spc_installed_plugin(char *out, size_t size) {
  char exe[PATH_MAX];
  const char *rel = SHAREDPATH_PLUGIN_FROM_BINDIR;
  if (rel[0] == '/' || !realpath("/proc/self/exe", exe))
    snprintf(out, size, "%s", rel);
  else
    snprintf(out, size, "%s/%s", dirname(exe), rel);
}

static void plugin_log(void *data, int level, const char *msg) {
  const bool *verbose = data;
  if (level <= SHAREDPATH_LOG_WARNING || *verbose)
    fprintf(stderr, "sharedpath: plugin: %s\n", msg);
}

int spc_plugin_path(const spc_args *a, char *out, sp_error *e) {
  char want[PATH_MAX];
  if (a->plugin) {
    snprintf(want, sizeof(want), "%s", a->plugin);
  } else {
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    spc_installed_plugin(want, sizeof(want));
    if (n > 0) {
      exe[n] = '\0';
      /* Only in a build tree (CMakeCache.txt one level up): an installed
       * binary never picks up a stray <prefix>/plugin/ directory. */
      char beside[PATH_MAX], cache[PATH_MAX];
      const char *dir = dirname(exe);
      snprintf(beside, sizeof(beside), "%s/../plugin/sharedpath-plugin.so",
               dir);
      snprintf(cache, sizeof(cache), "%s/../CMakeCache.txt", dir);
      if (access(cache, F_OK) == 0 && access(beside, R_OK) == 0)
        snprintf(want, sizeof(want), "%s", beside);
    }
  }
  if (!realpath(want, out))
    return sp_fail_errno(e, -errno, "cannot find the plugin %s (use "
                         "--plugin PATH)", want);
  return 0;
}

int spc_load(spc_app *ap, sp_error *e) {
  int r = spc_plugin_path(ap->a, ap->plugin, e);
  if (r < 0)
    return r;
  struct sharedpath_host host = {
      .size = sizeof(host),
      .shared_root = ap->a->root,
      .state_dir = ap->a->state_dir,
      .log = plugin_log,
      .log_data = (void *)&ap->a->verbose,
  };
  struct sharedpath_error he = sph_error();
  r = sph_load(ap->plugin, &host, &ap->p, &he);
  return r < 0 ? sp_fail(e, r, "%s", sph_strerror(&he, r)) : 0;
}

int spc_plugin_fail(int r, const struct sharedpath_error *pe, sp_error *e) {
  return sp_fail(e, r, "%s", sph_strerror(pe, r));
}

int spc_create(spc_app *ap, const char *id, const char *spec, char **out,
               bool *existed, sp_error *e) {
  struct sharedpath_error pe = sph_error();
  char *json = NULL;
  if (existed) {
    *existed = sph_list(&ap->p, id, &json, &pe) == 0;
    sph_release(&ap->p, json);
    pe = sph_error();
  }
  int r = sph_create(&ap->p, id, spec, &json, &pe);
  if (r < 0)
    return spc_plugin_fail(r, &pe, e);
  *out = strdup(json);
  sph_release(&ap->p, json);
  return *out ? 0 : sp_fail(e, -ENOMEM, "out of memory");
}
