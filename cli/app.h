/* SPDX-License-Identifier: Apache-2.0 */
/* What the commands of the sharedpath binary share (main.c, hook.c): the
 * command line parsed, the plugin loaded for it and what a hook says it
 * did. */
#ifndef SPC_APP_H
#define SPC_APP_H
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "args.h"
#include "errors.h"
#include "sharedpath/host.h"

typedef struct spc_app {
  const spc_args *a;
  sph_plugin p;
  char plugin[PATH_MAX];
  /* A hook's outcome for its log line; warn: a warning, on stderr too. */
  char done[SHAREDPATH_ERROR_MESSAGE_MAX + 128];
  bool warn;
} spc_app;

/* The installed plugin for this binary (see app.c). */
void spc_installed_plugin(char *out, size_t size);
/* The plugin path: --plugin, else the build tree's beside us, else the
 * installed one.  Absolute, because hooks run from another directory. */
int spc_plugin_path(const spc_args *a, char *out, sp_error *e);
/* Load the plugin (spc_plugin_path into ap->plugin) with --root,
 * --state-dir and a log that prints warnings, and with --verbose the
 * rest. */
int spc_load(spc_app *ap, sp_error *e);
/* The plugin's message, or strerror when it gave none. */
int spc_plugin_fail(int r, const struct sharedpath_error *pe, sp_error *e);
/* on_create for id on spec; *existed says whether id had state before, so
 * a caller that fails later knows whether to undo it. */
int spc_create(spc_app *ap, const char *id, const char *spec, char **out,
               bool *existed, sp_error *e);
#endif
