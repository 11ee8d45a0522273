/* SPDX-License-Identifier: Apache-2.0 */
/* Minimal plugins for the ABI negotiation tests, built in variants:
 *   FAKE_MAJOR=N       a table of another major
 *   FAKE_NO_ENTRY      a .so without the entry symbol
 *   (default)          major 1, minor 0, only init/fini/release set */
#include <errno.h>
#include <stdlib.h>

#include "sharedpath/plugin.h"

#ifdef FAKE_NO_ENTRY
__attribute__((visibility("default"))) int not_the_entry(void);
int not_the_entry(void) { return 0; }
#else
#ifndef FAKE_MAJOR
#define FAKE_MAJOR SHAREDPATH_ABI_MAJOR
#endif

static int f_init(const struct sharedpath_host *host, void **ctx,
                  struct sharedpath_error *err) {
  (void)host, (void)err;
  *ctx = (void *)1;
  return 0;
}
static void f_fini(void *ctx) { (void)ctx; }
static void f_release(void *ctx, void *p) {
  (void)ctx;
  free(p);
}

static const struct sharedpath_plugin table = {
    .size = offsetof(struct sharedpath_plugin, on_stop),
    .abi_major = FAKE_MAJOR,
    .abi_minor = 0,
    .name = "fake",
    .version = "fake-9.9",
    .init = f_init,
    .fini = f_fini,
    .release = f_release,
};

__attribute__((visibility("default"))) int
sharedpath_plugin_entry(uint32_t host_major, uint32_t host_minor,
                        const struct sharedpath_plugin **t) {
  (void)host_minor;
  *t = &table;
  return host_major == FAKE_MAJOR ? 0 : -EPROTONOSUPPORT;
}
#endif
