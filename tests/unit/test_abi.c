/* SPDX-License-Identifier: Apache-2.0 */
/* ABI negotiation as an engine sees it, through the loader and real .so
 * files: the real plugin, its minor-0 build and fakes. */
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "sharedpath/host.h"
#include "unit.h"

static void test_current_plugin(void) {
  sph_plugin p;
  struct sharedpath_error err = sph_error();
  CU_ASSERT_EQUAL_FATAL(sph_open(PLUGIN_PATH, &p, &err), 0);
  CU_ASSERT_EQUAL(p.t->abi_major, SHAREDPATH_ABI_MAJOR);
  CU_ASSERT_EQUAL(p.t->abi_minor, SHAREDPATH_ABI_MINOR);
  CU_ASSERT_EQUAL(p.t->size, sizeof(struct sharedpath_plugin));
  CU_ASSERT_PTR_NOT_NULL(SHAREDPATH_CALLBACK(p.t, on_stop));
  CU_ASSERT_PTR_NOT_NULL(SHAREDPATH_CALLBACK(p.t, on_add_path));
  sph_unload(&p);
}

static void test_older_minor(void) {
  sph_plugin p;
  struct sharedpath_error err = sph_error();
  CU_ASSERT_EQUAL_FATAL(sph_open(PLUGIN_MINOR0_PATH, &p, &err), 0);
  CU_ASSERT_EQUAL(p.t->abi_minor, 0);
  CU_ASSERT_EQUAL(p.t->size, offsetof(struct sharedpath_plugin, on_stop));
  /* The host never reads past the plugin's size, whatever lies there. */
  CU_ASSERT_PTR_NULL(SHAREDPATH_CALLBACK(p.t, on_stop));
  CU_ASSERT_PTR_NOT_NULL(SHAREDPATH_CALLBACK(p.t, on_delete));
  struct sharedpath_error e = sph_error();
  struct sharedpath_container c = {.size = sizeof(c), .id = "x", .pidfd = -1};
  CU_ASSERT_EQUAL(sph_stop(&p, &c, &e), -ENOSYS);
  CU_ASSERT(strstr(e.message, "on_stop") != NULL);
  sph_unload(&p);
}

static void test_other_major(void) {
  sph_plugin p;
  struct sharedpath_error err = sph_error();
  CU_ASSERT_EQUAL(sph_open(FAKE_MAJOR2_PATH, &p, &err),
                  -EPROTONOSUPPORT);
  CU_ASSERT(strstr(err.message, "ABI 2.0") != NULL);
  CU_ASSERT(strstr(err.message, "major") != NULL);
  CU_ASSERT_PTR_NULL(p.handle);
  /* The plugin side refuses a host of another major, too. */
  void *h = dlopen(PLUGIN_PATH, RTLD_NOW | RTLD_LOCAL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(h);
  sharedpath_plugin_entry_fn entry =
      (sharedpath_plugin_entry_fn)dlsym(h, SHAREDPATH_PLUGIN_ENTRY_SYMBOL);
  const struct sharedpath_plugin *t = NULL;
  CU_ASSERT_EQUAL(entry(SHAREDPATH_ABI_MAJOR + 1, 0, &t), -EPROTONOSUPPORT);
  CU_ASSERT_EQUAL(entry(SHAREDPATH_ABI_MAJOR, 0, &t), 0);
  CU_ASSERT_EQUAL(entry(SHAREDPATH_ABI_MAJOR, 99, &t), 0);
  dlclose(h);
}

static void test_missing_entry(void) {
  sph_plugin p;
  struct sharedpath_error err = sph_error();
  CU_ASSERT_EQUAL(sph_open(FAKE_NOENTRY_PATH, &p, &err), -ENOENT);
  CU_ASSERT(strstr(err.message, SHAREDPATH_PLUGIN_ENTRY_SYMBOL) != NULL);
  CU_ASSERT_EQUAL(sph_open("/nonexistent/plugin.so", &p, &err),
                  -ENOENT);
  CU_ASSERT(strstr(err.message, "cannot load") != NULL);
}

static void test_null_callbacks(void) {
  sph_plugin p;
  struct sharedpath_error err = sph_error();
  struct sharedpath_host host = {.size = sizeof(host), .state_dir = "/x"};
  CU_ASSERT_EQUAL_FATAL(sph_load(FAKE_NULL_PATH, &host, &p, &err),
                        0);
  struct sharedpath_container c = {.size = sizeof(c), .id = "x", .pidfd = -1};
  struct sharedpath_error e = sph_error();
  const char *specs[] = {"/a:/b"};
  char *out = NULL;
  CU_ASSERT_EQUAL(sph_add(&p, &c, specs, 1, &e), -ENOSYS);
  CU_ASSERT(strstr(e.message, "on_add_path") != NULL);
  CU_ASSERT_EQUAL(e.code, -ENOSYS);
  CU_ASSERT_EQUAL(sph_remove(&p, &c, specs, 1, &e), -ENOSYS);
  CU_ASSERT_EQUAL(sph_create(&p, "x", "{}", &out, &e), -ENOSYS);
  CU_ASSERT_EQUAL(sph_start(&p, &c, &e), -ENOSYS);
  CU_ASSERT_EQUAL(sph_stop(&p, &c, &e), -ENOSYS);
  CU_ASSERT_EQUAL(sph_list(&p, "x", &out, &e), -ENOSYS);
  CU_ASSERT_EQUAL(sph_delete(&p, &c, &e), -ENOSYS);
  sph_unload(&p);
}

/* The plugin writes an error only within the size the host declared. */
static void test_error_struct_size(void) {
  sph_plugin p;
  struct sharedpath_error err = sph_error();
  CU_ASSERT_EQUAL_FATAL(sph_open(PLUGIN_PATH, &p, &err), 0);
  unsigned char buf[sizeof(struct sharedpath_error) + 64];
  memset(buf, 0xAA, sizeof(buf));
  struct sharedpath_error *e = (struct sharedpath_error *)buf;
  size_t small = offsetof(struct sharedpath_error, message) + 8;
  e->size = (uint32_t)small;
  /* init with a host struct too small to hold a state dir: refused. */
  struct sharedpath_host host = {.size = 4};
  void *ctx = NULL;
  CU_ASSERT_EQUAL(p.t->init(&host, &ctx, e), -EINVAL);
  CU_ASSERT_EQUAL(e->code, -EINVAL);
  CU_ASSERT_EQUAL(strlen(e->message), 7);
  for (size_t i = small; i < sizeof(buf); i++)
    CU_ASSERT_EQUAL_FATAL(buf[i], 0xAA);
  struct sharedpath_error full = sph_error();
  CU_ASSERT_EQUAL(p.t->init(&host, &ctx, &full), -EINVAL);
  CU_ASSERT(strstr(full.message, "host services") != NULL);
  CU_ASSERT_PTR_NULL(ctx);
  sph_unload(&p);
}

void register_abi_suite(void) {
  CU_pSuite s = CU_add_suite("abi", NULL, NULL);
  ADD(s, test_current_plugin);
  ADD(s, test_older_minor);
  ADD(s, test_other_major);
  ADD(s, test_missing_entry);
  ADD(s, test_null_callbacks);
  ADD(s, test_error_struct_size);
}
