/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sharedpath plugin ABI — the contract between a container engine ("host")
 * and a sharedpath plugin shared object.
 *
 * This header is all an engine needs.  It has no dependency beyond libc.
 *
 * LOADING
 *   handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
 *   entry  = (sharedpath_plugin_entry_fn)dlsym(handle, SHAREDPATH_PLUGIN_ENTRY_SYMBOL);
 *   rc     = entry(SHAREDPATH_ABI_MAJOR, SHAREDPATH_ABI_MINOR, &table);
 *   if (rc < 0 || table->abi_major != SHAREDPATH_ABI_MAJOR) refuse the plugin;
 *   rc     = table->init(&host, &ctx, &err);
 *   ... callbacks ...
 *   table->fini(ctx);  dlclose(handle);
 *
 *   The plugin exports exactly one symbol, sharedpath_plugin_entry.
 *   glibc returns the already-open handle when the same path is dlopen()ed
 *   twice; a host swapping plugin versions must dlclose() the old one fully
 *   first or load the new one from a distinct path.
 *
 * VERSIONING
 *   A different major version is incompatible: the plugin's entry refuses a
 *   host of another major (-EPROTONOSUPPORT) and the host must refuse a table
 *   of another major.  Minor versions only append: every struct below starts
 *   with `uint32_t size` (the size the writer was compiled with) and fields
 *   are only ever added at the end.  A reader uses a field only when the
 *   writer's size covers it — see SHAREDPATH_HAS().  A NULL callback means
 *   "not implemented": the host answers -ENOSYS itself (SHAREDPATH_CALLBACK()
 *   below tells; libsharedpath-host's calls, <sharedpath/host.h>, do it).
 *   A plugin built for an older minor works under a newer host; a host of
 *   an older minor simply never sees the newer fields.
 *
 * ERRORS
 *   Every callback returns 0 on success or a negative errno (-EINVAL,
 *   -ENOENT, -EEXIST, -ENOSPC, ...).  On failure it also fills the
 *   struct sharedpath_error passed by the host with the same code and a
 *   one-line message a person can act on.  On failure nothing has changed:
 *   no mount is left behind and the persisted state is untouched.
 *
 * THREADS
 *   Callbacks may be called concurrently from many threads, for the same or
 *   for different containers, on one context.  The plugin never changes the
 *   calling thread's namespaces, never prints, never installs signal
 *   handlers.  Container-side work runs in a short-lived child process.
 *
 * MEMORY
 *   Strings returned by the plugin (spec_out, json_out) are freed with
 *   table->release(ctx, ptr).  Strings the host passes in are only borrowed
 *   for the duration of the call.
 */
#ifndef SHAREDPATH_PLUGIN_H
#define SHAREDPATH_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SHAREDPATH_ABI_MAJOR 1
/* Minor 0: init/fini, on_create, on_start, on_add_path, on_remove_path,
 *          on_list_paths, on_delete, release.
 * Minor 1: on_stop.
 * Minor 2: check; sharedpath_host.avoid; a container's pidfd may be a
 *          /proc/PID directory fd (kernels without pidfds). */
#define SHAREDPATH_ABI_MINOR 2

#define SHAREDPATH_PLUGIN_ENTRY_SYMBOL "sharedpath_plugin_entry"

/* Defaults a plugin applies when the host leaves a field 0/NULL. */
#define SHAREDPATH_DEFAULT_SHARED_ROOT "/.sharedpath"
#define SHAREDPATH_DEFAULT_MAX_PATHS 128u
/* The mount point every container gets; host paths appear below it. */
#define SHAREDPATH_CONTAINER_DIR "/.sharedpath"

/* True when a struct written with `(s)->size` contains `field`. */
#define SHAREDPATH_HAS(s, field)                                              \
  ((s) != NULL &&                                                            \
   (size_t)(s)->size >= offsetof(__typeof__(*(s)), field) + sizeof((s)->field))

#define SHAREDPATH_ERROR_MESSAGE_MAX 512

/* Filled by the plugin on failure.  The host sets size (and should zero the
 * rest); the plugin writes only within size. */
struct sharedpath_error {
  uint32_t size;
  int32_t code;                                   /* negative errno */
  char message[SHAREDPATH_ERROR_MESSAGE_MAX];     /* NUL-terminated */
};

enum sharedpath_log_level {
  SHAREDPATH_LOG_ERROR = 0,
  SHAREDPATH_LOG_WARNING = 1,
  SHAREDPATH_LOG_INFO = 2,
  SHAREDPATH_LOG_DEBUG = 3,
};

/* Services and settings the engine gives the plugin at init.  The plugin
 * copies what it needs; the struct need not outlive init. */
struct sharedpath_host {
  uint32_t size;
  uint32_t flags;                 /* SHAREDPATH_HOST_* */
  /* Shared root on the host, absolute; NULL = SHAREDPATH_DEFAULT_SHARED_ROOT.
   * The plugin mounts its master tmpfs at <shared_root>/master and stages
   * host binds under <shared_root>/midpath. */
  const char *shared_root;
  /* Directory for per-container state files, absolute, required.  Created
   * 0700 if missing.  Must not be under shared_root. */
  const char *state_dir;
  /* Paths per container; 0 = SHAREDPATH_DEFAULT_MAX_PATHS. */
  uint32_t max_paths_per_container;
  uint32_t reserved0;
  /* Size limit of the master tmpfs in bytes; 0 = plugin default. */
  uint64_t master_tmpfs_size;
  /* Log sink; NULL = discard.  Called from any thread. */
  void (*log)(void *log_data, int level, const char *message);
  void *log_data;
  /* ---- minor 2 ---- */
  /* SHAREDPATH_MECH_*: kernel mechanisms the plugin must not use even
   * where the kernel has them; it takes the older way instead, which is
   * as safe (check() says what each way costs).  0: the best the kernel
   * has.  For tests, benchmarks, and working around a kernel bug. */
  uint32_t avoid;
  uint32_t reserved1;
};

/* Host flags. */
/* Allow host paths that hand over the host (/, /proc, /sys, /dev). */
#define SHAREDPATH_HOST_ALLOW_SENSITIVE_PATHS (1u << 0)

/* Kernel mechanisms (sharedpath_host.avoid), and what replaces each. */
/* open_tree, move_mount, mount_setattr (5.12): else mount(2) by fd path. */
#define SHAREDPATH_MECH_MOUNT_API (1u << 0)
/* openat2 RESOLVE_IN_ROOT (5.6): else a component walk in the root. */
#define SHAREDPATH_MECH_OPENAT2 (1u << 1)
/* pidfd_open, pidfd_send_signal, setns on a pidfd (5.3, 5.8): else a
 * /proc/PID directory fd with the process's start time. */
#define SHAREDPATH_MECH_PIDFD (1u << 2)
/* statmount, STATX_MNT_ID_UNIQUE (6.8): else the reusable mount id and
 * the container's mountinfo. */
#define SHAREDPATH_MECH_STATMOUNT (1u << 3)
/* STATX_MNT_ID, STATX_ATTR_MOUNT_ROOT (5.8): else /proc/self/fdinfo and
 * a comparison with the parent. */
#define SHAREDPATH_MECH_STATX_MOUNT (1u << 4)
/* Everything above: the mechanisms of a 4.18 kernel. */
#define SHAREDPATH_MECH_ALL 0x1fu

/* A container as the engine sees it at the time of the call. */
struct sharedpath_container {
  uint32_t size;
  uint32_t reserved0;
  const char *id;   /* [A-Za-z0-9][A-Za-z0-9_.-]{0,127}, not "." or ".." */
  /* Init process of the running container, or 0 when it is not running
   * (then changes are recorded and applied at the next on_start). */
  int32_t pid;
  /* A pidfd for pid, or -1.  When given, the plugin uses it (and does not
   * close it) to enter the container, which rules out pid reuse.  Since
   * minor 2 it may instead be an fd of the /proc/PID directory (where the
   * kernel has no pidfds, before 5.3), which pins the process as well:
   * reads through it fail once that process is gone. */
  int32_t pidfd;
};

/* The callback table a plugin returns from its entry.  It is static in the
 * plugin and valid until dlclose(). */
struct sharedpath_plugin {
  uint32_t size;
  uint32_t abi_major;
  uint32_t abi_minor;
  uint32_t reserved0;
  const char *name;      /* e.g. "sharedpath" */
  const char *version;   /* plugin release, e.g. "0.1.0" */

  /* ---- minor 0 ---- */

  /* Create a context.  Prepares the shared root (master tmpfs, mode 0700,
   * MS_SHARED) once per host and the state dir. */
  int (*init)(const struct sharedpath_host *host, void **ctx,
              struct sharedpath_error *err);
  void (*fini)(void *ctx);

  /* Before the container starts.  spec_json: the OCI runtime spec (text).
   * *spec_out: a new spec with the /.sharedpath bind (rbind, ro, rslave)
   * added, to release().  Creates the container's master dir and its empty
   * state.  Idempotent for the same id. */
  int (*on_create)(void *ctx, const char *id, const char *spec_json,
                   char **spec_out, struct sharedpath_error *err);

  /* The container's init runs (c->pid != 0): re-apply every persisted path
   * inside its new mount namespace. */
  int (*on_start)(void *ctx, const struct sharedpath_container *c,
                  struct sharedpath_error *err);

  /* Add n bind specs "host:ctr[:opts]" (opts: ro|rw and one of private,
   * rprivate, slave, rslave, shared, rshared; default rw,rslave).
   * All or nothing. */
  int (*on_add_path)(void *ctx, const struct sharedpath_container *c,
                     const char *const *specs, size_t n,
                     struct sharedpath_error *err);

  /* Remove n paths given as "host:ctr" or "ctr".  All or nothing. */
  int (*on_remove_path)(void *ctx, const struct sharedpath_container *c,
                        const char *const *specs, size_t n,
                        struct sharedpath_error *err);

  /* *json_out: {"version":1,"id":...,"paths":[{"host","container",
   * "options","hash"[,"mount_id"]}...]}, to release().  mount_id, when
   * present, is the id of the container-side mount in the running
   * container: the unique one (kernel 6.8+, at least 2^31), else the
   * kernel's older, reusable one (below 2^31). */
  int (*on_list_paths)(void *ctx, const char *id, char **json_out,
                       struct sharedpath_error *err);

  /* Remove every path, the container's dirs under the shared root and its
   * state.  Leaves zero mounts.  Deleting an unknown id succeeds. */
  int (*on_delete)(void *ctx, const struct sharedpath_container *c,
                   struct sharedpath_error *err);

  /* Free memory the plugin returned (for check's, ctx may be NULL). */
  void (*release)(void *ctx, void *ptr);

  /* ---- minor 1 ---- */

  /* The container stopped (its mount namespace is gone or going): keep its
   * paths recorded for the next on_start, drop nothing else. */
  int (*on_stop)(void *ctx, const struct sharedpath_container *c,
                 struct sharedpath_error *err);

  /* ---- minor 2 ---- */

  /* Which kernel mechanisms this plugin finds and would use with host
   * (its avoid field; the rest may be unset), without a context: nothing
   * is mounted or created, so it works where init would fail.
   * *json_out, to release() (ctx NULL before init):
   *   {"kernel":"6.1.0-...","machine":"x86_64",
   *    "usable":true,                         false: "problem":"..." 
   *    "has":{"open_tree":true,...},          what the kernel answers
   *    "avoided":["openat2",...],             host->avoid
   *    "use":[{"step":"container-binds","mechanism":"mount-api",
   *            "detail":"..."},...],          what the plugin would do:
   *      host-binds, container-binds: mount-api | mount(2);
   *      resolve: openat2 | walk;  process: pidfd | proc-dir;
   *      mount-ids: unique | statx | fdinfo;  mount-roots: statx | parent;
   *      moved-mounts: statmount | mountinfo
   *    "guarantees":["..."],"limits":["..."]}  in words, for operators */
  int (*check)(const struct sharedpath_host *host, char **json_out,
               struct sharedpath_error *err);
};

/* The one exported symbol.  Sets *table and returns 0, or returns
 * -EPROTONOSUPPORT when host_major differs from the plugin's major (*table
 * is still set, so the host can name the plugin's version in its message;
 * it must not call into such a table). */
typedef int (*sharedpath_plugin_entry_fn)(uint32_t host_major,
                                          uint32_t host_minor,
                                          const struct sharedpath_plugin **table);

int sharedpath_plugin_entry(uint32_t host_major, uint32_t host_minor,
                            const struct sharedpath_plugin **table);

/* Host-side helper: the callback `field` of table `t`, or NULL when the
 * plugin's table is too small to contain it (older minor) or leaves it NULL.
 * Usage:  if (!SHAREDPATH_CALLBACK(t, on_stop)) rc = -ENOSYS; */
#define SHAREDPATH_CALLBACK(t, field) (SHAREDPATH_HAS(t, field) ? (t)->field : NULL)

#ifdef __cplusplus
}
#endif
#endif /* SHAREDPATH_PLUGIN_H */
