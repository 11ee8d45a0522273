/* SPDX-License-Identifier: Apache-2.0 */
/* The smallest engine: written against <sharedpath/plugin.h> alone, to show
 * (and to prove, in CTest) that the header is enough, without
 * libsharedpath-host (engine.c does the same through it).  It loads a
 * plugin, negotiates, creates a container, records a path while the
 * container is not running, lists and deletes it.
 *
 *   cc -o bare-engine bare-engine.c $(pkg-config --cflags sharedpath-plugin) -ldl
 *   ./bare-engine PLUGIN.so SHARED_ROOT STATE_DIR HOST_DIR
 *
 * Run it as root in a private mount namespace (unshare -m, and
 * mount --make-rprivate /): init mounts the master tmpfs. */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sharedpath/plugin.h>

static void log_cb(void *data, int level, const char *msg) {
  (void)data;
  fprintf(stderr, "plugin[%d]: %s\n", level, msg);
}

static int report(const char *what, int r, const struct sharedpath_error *e) {
  if (r < 0)
    fprintf(stderr, "%s: %s (%d)\n", what, e->message[0] ? e->message
                                                           : strerror(-r), r);
  else
    printf("%s: ok\n", what);
  return r;
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: %s PLUGIN SHARED_ROOT STATE_DIR HOST_DIR\n",
            argv[0]);
    return 2;
  }
  void *h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    fprintf(stderr, "dlopen: %s\n", dlerror());
    return 1;
  }
  sharedpath_plugin_entry_fn entry =
      (sharedpath_plugin_entry_fn)dlsym(h, SHAREDPATH_PLUGIN_ENTRY_SYMBOL);
  const struct sharedpath_plugin *t = NULL;
  if (!entry || entry(SHAREDPATH_ABI_MAJOR, SHAREDPATH_ABI_MINOR, &t) < 0 ||
      !t || t->abi_major != SHAREDPATH_ABI_MAJOR) {
    fprintf(stderr, "not a sharedpath plugin of ABI %d\n",
            SHAREDPATH_ABI_MAJOR);
    return 1;
  }
  printf("plugin %s %s, ABI %u.%u\n", t->name, t->version, t->abi_major,
         t->abi_minor);

  struct sharedpath_host host = {
      .size = sizeof(host),
      .shared_root = argv[2],
      .state_dir = argv[3],
      .log = log_cb,
  };
  struct sharedpath_error err = {.size = sizeof(err)};
  void *ctx = NULL;
  if (report("init", t->init(&host, &ctx, &err), &err) < 0)
    return 1;

  int rc = 1;
  char *spec = NULL, *list = NULL;
  if (report("on_create", t->on_create(ctx, "example", "{\"mounts\":[]}",
                                       &spec, &err), &err) < 0)
    goto out;
  printf("spec: %s\n", spec);
  t->release(ctx, spec);

  /* Not running (pid 0): recorded now, applied at on_start. */
  struct sharedpath_container c = {.size = sizeof(c), .id = "example",
                                   .pid = 0, .pidfd = -1};
  char bind[4096];
  snprintf(bind, sizeof(bind), "%s:/mnt/shared:ro", argv[4]);
  const char *specs[] = {bind};
  if (report("on_add_path", t->on_add_path(ctx, &c, specs, 1, &err), &err) < 0)
    goto out;
  if (report("on_list_paths", t->on_list_paths(ctx, "example", &list, &err),
             &err) < 0)
    goto out;
  printf("paths: %s\n", list);
  int listed = strstr(list, "/mnt/shared") != NULL;
  t->release(ctx, list);

  /* A callback beyond the plugin's table, or NULL, is "not implemented". */
  if (SHAREDPATH_CALLBACK(t, on_stop))
    report("on_stop", t->on_stop(ctx, &c, &err), &err);
  else
    printf("on_stop: not implemented (-ENOSYS)\n");

  if (report("on_delete", t->on_delete(ctx, &c, &err), &err) < 0)
    goto out;
  rc = listed ? 0 : 1;
out:
  t->fini(ctx);
  dlclose(h);
  return rc;
}
