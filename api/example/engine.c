/* SPDX-License-Identifier: Apache-2.0 */
/* A small engine on libsharedpath-host: it loads a plugin (dlopen, ABI
 * negotiation, init), creates a container, records a path while the
 * container is not running, lists it, stops and deletes it.  The library
 * answers -ENOSYS for a callback the plugin does not have.
 *
 *   cc -o engine engine.c $(pkg-config --cflags --libs sharedpath-host)
 *   ./engine PLUGIN.so SHARED_ROOT STATE_DIR HOST_DIR
 *
 * Run it as root in a private mount namespace (unshare -m, and
 * mount --make-rprivate /): init mounts the master tmpfs.  The same
 * engine without the library, on <sharedpath/plugin.h> alone:
 * bare-engine.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sharedpath/host.h>

static void log_cb(void *data, int level, const char *msg) {
  (void)data;
  fprintf(stderr, "plugin[%d]: %s\n", level, msg);
}

static int report(const char *what, int r, const struct sharedpath_error *e) {
  if (r < 0)
    fprintf(stderr, "%s: %s (%d)\n", what, sph_strerror(e, r), r);
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
  struct sharedpath_host host = {
      .size = sizeof(host),
      .shared_root = argv[2],
      .state_dir = argv[3],
      .log = log_cb,
  };
  struct sharedpath_error err = sph_error();
  sph_plugin p;
  if (report("load", sph_load(argv[1], &host, &p, &err), &err) < 0)
    return 1;
  printf("plugin %s %s, ABI %u.%u\n", p.t->name, p.t->version,
         p.t->abi_major, p.t->abi_minor);

  int rc = 1;
  char *spec = NULL, *list = NULL;
  err = sph_error();
  if (report("on_create", sph_create(&p, "example", "{\"mounts\":[]}", &spec,
                                     &err), &err) < 0)
    goto out;
  printf("spec: %s\n", spec);
  sph_release(&p, spec);

  /* Not running (no process): recorded now, applied at on_start. */
  struct sharedpath_container c = sph_container("example", NULL);
  char bind[4096];
  snprintf(bind, sizeof(bind), "%s:/mnt/shared:ro", argv[4]);
  const char *specs[] = {bind};
  if (report("on_add_path", sph_add(&p, &c, specs, 1, &err), &err) < 0)
    goto out;
  if (report("on_list_paths", sph_list(&p, "example", &list, &err), &err) < 0)
    goto out;
  printf("paths: %s\n", list);
  int listed = strstr(list, "/mnt/shared") != NULL;
  sph_release(&p, list);

  /* A plugin of ABI 1.0 has no on_stop: the library says -ENOSYS. */
  int r = sph_stop(&p, &c, &err);
  if (r == -ENOSYS)
    printf("on_stop: not implemented (%s)\n", err.message);
  else if (report("on_stop", r, &err) < 0)
    goto out;

  if (report("on_delete", sph_delete(&p, &c, &err), &err) < 0)
    goto out;
  rc = listed ? 0 : 1;
out:
  sph_unload(&p);
  return rc;
}
