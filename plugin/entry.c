/* SPDX-License-Identifier: Apache-2.0 */
/* ABI glue: the one exported symbol and the callback table.  Everything
 * else in the plugin is hidden. */
#include <string.h>

#include "fault.h"
#include "kernel.h"
#include "lifecycle.h"
#include "version.h"

#ifndef SP_PLUGIN_ABI_MINOR
#define SP_PLUGIN_ABI_MINOR SHAREDPATH_ABI_MINOR
#endif
#ifndef SP_PLUGIN_VERSION
#define SP_PLUGIN_VERSION SHAREDPATH_VERSION
#endif

/* Copy our error into the host's struct, within the size the host gave. */
static int out(int r, const sp_error *e, struct sharedpath_error *herr) {
  if (r >= 0 || !herr)
    return r;
  if (SHAREDPATH_HAS(herr, code))
    herr->code = r;
  size_t off = offsetof(struct sharedpath_error, message);
  if (herr->size > off) {
    size_t room = herr->size - off;
    if (room > sizeof(herr->message))
      room = sizeof(herr->message);
    const char *msg = e->msg[0] ? e->msg : strerror(-r);
    size_t len = strnlen(msg, room - 1);
    memcpy(herr->message, msg, len);
    herr->message[len] = '\0';
  }
  return r;
}

static int cb_init(const struct sharedpath_host *host, void **ctx,
                   struct sharedpath_error *herr) {
  sp_error e = {0};
  sp_ctx *c = NULL;
  int r = ctx ? sp_ctx_new(host, &c, &e)
              : sp_fail(&e, -EINVAL, "init needs a context pointer");
  if (r == 0)
    *ctx = c;
  return out(r, &e, herr);
}

static void cb_fini(void *ctx) { sp_ctx_free(ctx); }

static int cb_create(void *ctx, const char *id, const char *spec,
                     char **spec_out, struct sharedpath_error *herr) {
  sp_error e = {0};
  int r = ctx && spec_out ? sp_create(ctx, id, spec, spec_out, &e)
                          : sp_fail(&e, -EINVAL, "on_create: NULL argument");
  return out(r, &e, herr);
}

#define CONTAINER_CB(name, fn)                                                 \
  static int name(void *ctx, const struct sharedpath_container *c,            \
                  struct sharedpath_error *herr) {                            \
    sp_error e = {0};                                                          \
    sp_fault_begin();                                                          \
    int r = ctx ? fn(ctx, c, &e) : sp_fail(&e, -EINVAL, #fn ": no context");   \
    return out(r, &e, herr);                                                   \
  }
CONTAINER_CB(cb_start, sp_start)
CONTAINER_CB(cb_stop, sp_stop)
CONTAINER_CB(cb_delete, sp_delete)

#define PATHS_CB(name, fn)                                                     \
  static int name(void *ctx, const struct sharedpath_container *c,            \
                  const char *const *specs, size_t n,                          \
                  struct sharedpath_error *herr) {                            \
    sp_error e = {0};                                                          \
    sp_fault_begin();                                                          \
    int r = ctx ? fn(ctx, c, specs, n, &e)                                     \
                : sp_fail(&e, -EINVAL, #fn ": no context");                    \
    return out(r, &e, herr);                                                   \
  }
PATHS_CB(cb_add, sp_add)
PATHS_CB(cb_remove, sp_remove)

static int cb_list(void *ctx, const char *id, char **json_out,
                   struct sharedpath_error *herr) {
  sp_error e = {0};
  int r = ctx && json_out
              ? sp_list(ctx, id, json_out, &e)
              : sp_fail(&e, -EINVAL, "on_list_paths: NULL argument");
  return out(r, &e, herr);
}

/* No context: check must work where init would fail. */
static int cb_check(const struct sharedpath_host *host, char **json_out,
                    struct sharedpath_error *herr) {
  sp_error e = {0};
  if (!json_out)
    return out(sp_fail(&e, -EINVAL, "check: NULL argument"), &e, herr);
  sp_mech m;
  sp_mech_probe(SHAREDPATH_HAS(host, avoid) ? host->avoid : 0, &m);
  return out(sp_mech_json(&m, json_out, &e), &e, herr);
}

static void cb_release(void *ctx, void *ptr) {
  (void)ctx;
  free(ptr);
}

/* A build with a smaller minor exposes a table that ends where that minor's
 * table ended: exactly what an older plugin binary looks like to a host. */
#if SP_PLUGIN_ABI_MINOR >= 2
#define TABLE_SIZE sizeof(struct sharedpath_plugin)
#elif SP_PLUGIN_ABI_MINOR == 1
#define TABLE_SIZE offsetof(struct sharedpath_plugin, check)
#else
#define TABLE_SIZE offsetof(struct sharedpath_plugin, on_stop)
#endif

static const struct sharedpath_plugin table = {
    .size = TABLE_SIZE,
    .abi_major = SHAREDPATH_ABI_MAJOR,
    .abi_minor = SP_PLUGIN_ABI_MINOR,
    .name = "sharedpath",
    .version = SP_PLUGIN_VERSION,
    .init = cb_init,
    .fini = cb_fini,
    .on_create = cb_create,
    .on_start = cb_start,
    .on_add_path = cb_add,
    .on_remove_path = cb_remove,
    .on_list_paths = cb_list,
    .on_delete = cb_delete,
    .release = cb_release,
#if SP_PLUGIN_ABI_MINOR >= 1
    .on_stop = cb_stop,
#endif
#if SP_PLUGIN_ABI_MINOR >= 2
    .check = cb_check,
#endif
};

#if SP_PLUGIN_ABI_MINOR < 1
/* Compiled but unreachable in a minor-0 table, as in an old binary. */
__attribute__((unused)) static void *keep_stop = (void *)cb_stop;
#endif
#if SP_PLUGIN_ABI_MINOR < 2
__attribute__((unused)) static void *keep_check = (void *)cb_check;
#endif

__attribute__((visibility("default"))) int
sharedpath_plugin_entry(uint32_t host_major, uint32_t host_minor,
                        const struct sharedpath_plugin **out_table) {
  (void)host_minor; /* any minor of our major can use this table */
  if (!out_table)
    return -EINVAL;
  *out_table = &table;
  return host_major == SHAREDPATH_ABI_MAJOR ? 0 : -EPROTONOSUPPORT;
}
