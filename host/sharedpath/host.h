/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libsharedpath-host: the engine's side of the sharedpath plugin ABI,
 * done once for every engine (the sharedpath command, host-sim, yours).
 *
 *   cc engine.c $(pkg-config --cflags --libs sharedpath-host)
 *
 * - Loading: dlopen(RTLD_NOW | RTLD_LOCAL), the entry symbol, version
 *   negotiation (a table of another major is refused, a smaller table of
 *   an older minor is fine), init; and fini + dlclose.
 * - Calling: one function per callback, answering -ENOSYS with a message
 *   for a callback the plugin's table lacks (older minor) or leaves NULL.
 * - Finding a container's process again: a pid alone can be reused once
 *   the container is gone, and binding a path into a stranger hands it
 *   host data.  A process is known by its pid, its start time and its
 *   mount namespace; sph_target_open checks them while a pidfd pins it.
 *
 * The ABI does not need this library: <sharedpath/plugin.h> alone is
 * enough (see api/example/bare-engine.c).  Every function returns 0 or a
 * negative errno and fills the ABI's own struct sharedpath_error with a
 * message a person can act on.  An sph_plugin is used by one thread at a
 * time for load and unload; the calls may come from any thread, as the
 * ABI allows.
 */
#ifndef SHAREDPATH_HOST_H
#define SHAREDPATH_HOST_H

#include <limits.h>
#include <stdint.h>
#include <sys/types.h>

#include <sharedpath/plugin.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SPH_API __attribute__((visibility("default")))

/* ---- errors ---- */

/* An error struct ready to pass to a callback or to this library. */
static inline struct sharedpath_error sph_error(void) {
  struct sharedpath_error e = {.size = sizeof(e)};
  return e;
}

/* What to show for a failed call that returned r: e's message, or
 * strerror(-r) when the plugin left it empty. */
SPH_API const char *sph_strerror(const struct sharedpath_error *e, int r);

/* ---- loading ---- */

typedef struct sph_plugin {
  void *handle;
  const struct sharedpath_plugin *t; /* the plugin's table */
  void *ctx;                         /* from init; NULL after sph_open */
  char path[PATH_MAX];
} sph_plugin;

/* dlopen + negotiate, without init. */
SPH_API int sph_open(const char *path, sph_plugin *p,
                     struct sharedpath_error *e);
/* sph_open + init(host). */
SPH_API int sph_load(const char *path, const struct sharedpath_host *host,
                     sph_plugin *p, struct sharedpath_error *e);
/* fini + dlclose; p is reset.  glibc hands back the open handle when the
 * same path is loaded again: a host swapping versions unloads fully first
 * or loads from a distinct path. */
SPH_API void sph_unload(sph_plugin *p);

/* ---- calling: -ENOSYS, with a message, for a missing callback ---- */

SPH_API int sph_create(sph_plugin *p, const char *id, const char *spec,
                       char **out, struct sharedpath_error *e);
SPH_API int sph_start(sph_plugin *p, const struct sharedpath_container *c,
                      struct sharedpath_error *e);
SPH_API int sph_stop(sph_plugin *p, const struct sharedpath_container *c,
                     struct sharedpath_error *e);
SPH_API int sph_add(sph_plugin *p, const struct sharedpath_container *c,
                    const char *const *specs, size_t n,
                    struct sharedpath_error *e);
SPH_API int sph_remove(sph_plugin *p, const struct sharedpath_container *c,
                       const char *const *specs, size_t n,
                       struct sharedpath_error *e);
SPH_API int sph_list(sph_plugin *p, const char *id, char **json,
                     struct sharedpath_error *e);
SPH_API int sph_delete(sph_plugin *p, const struct sharedpath_container *c,
                       struct sharedpath_error *e);
/* Free what the plugin returned (spec, list, check). */
SPH_API void sph_release(sph_plugin *p, void *ptr);

/* check(): the kernel mechanisms the plugin would use with host (its
 * avoid field; may be NULL), as JSON (plugin.h), to sph_release.  Needs
 * no init: after sph_open as well as after sph_load.  -ENOSYS, with a
 * message, for a plugin of ABI 1.0 or 1.1. */
SPH_API int sph_check(sph_plugin *p, const struct sharedpath_host *host,
                      char **json, struct sharedpath_error *e);

/* ---- a container's process ---- */

/* A process as the engine saw it: its start time (clock ticks after boot,
 * /proc/PID/stat field 22) and its mount namespace (dev and inode of
 * /proc/PID/ns/mnt). */
typedef struct sph_proc {
  pid_t pid;
  uint64_t start_time;
  uint64_t mnt_dev, mnt_ino;
} sph_proc;

/* Read the identity of pid from /proc. */
SPH_API int sph_proc_read(pid_t pid, sph_proc *p, struct sharedpath_error *e);
/* Field 22 (starttime) of a /proc/PID/stat line.  The comm field may hold
 * spaces and parentheses, so fields are counted after the last ')'. */
SPH_API int sph_proc_start_time(const char *stat_line, uint64_t *out,
                                struct sharedpath_error *e);

/* A running container's process, pinned by a pidfd, or where the kernel
 * has none (before 5.3) by its /proc/PID directory fd (reads through it
 * fail once that process is gone): a plugin of ABI 1.2 takes either as
 * the container's pidfd. */
typedef struct sph_target {
  pid_t pid;
  int pidfd;
} sph_target;

/* Open pid: a pidfd first, then its identity read and, when want is
 * given, compared with it, and the pidfd checked alive afterwards (so what
 * /proc showed was the pidfd's process); without pidfds, its /proc dir and
 * its identity read through that.  A process in this process's own
 * mount namespace is refused (-EPERM): the plugin would bind host paths
 * onto host paths.  -ESRCH when it has exited or is another process now
 * (its pid reused). */
SPH_API int sph_target_open(pid_t pid, const sph_proc *want, sph_target *t,
                            struct sharedpath_error *e);
/* Close the pidfd; t is reset (pid 0, pidfd -1). */
SPH_API void sph_target_close(sph_target *t);

/* The container struct for a callback: id with t's pid and pidfd, or a
 * container that is not running (pid 0, pidfd -1) when t is NULL or
 * holds no process. */
static inline struct sharedpath_container
sph_container(const char *id, const sph_target *t) {
  struct sharedpath_container c = {.size = sizeof(c), .id = id, .pidfd = -1};
  if (t && t->pid > 0) {
    c.pid = t->pid;
    c.pidfd = t->pidfd;
  }
  return c;
}

#ifdef __cplusplus
}
#endif
#endif /* SHAREDPATH_HOST_H */
