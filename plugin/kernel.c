/* SPDX-License-Identifier: Apache-2.0 */
/* The kernel mechanisms the plugin can use, and what each way gives
 * (kernel.h). */
#include <fcntl.h>
#include <json-c/json.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include "context.h"
#include "jsonobj.h"
#include "kernel.h"
#include "mntid.h"
#include "syscalls.h"

/* A call the kernel has fails on bad arguments with anything but ENOSYS. */
static bool has_call(long r) { return r >= 0 || errno != ENOSYS; }

/* setns takes a pidfd since 5.8; before, only namespace files (EINVAL).
 * Asked in a CLONE_VM|CLONE_VFORK child, which joins the UTS namespace it
 * is in already through its parent's pidfd and exits: the engine's
 * threads never change namespaces.  Exit status 0: yes. */
static int setns_probe_child(void *arg) {
  int pidfd = *(int *)arg;
  _exit(setns(pidfd, CLONE_NEWUTS) == 0 || errno == EPERM ? 0 : 1);
}

static bool probe_setns_pidfd(void) {
  int pidfd = pidfd_open(getpid(), 0);
  if (pidfd < 0)
    return false;
  char stack[8192] __attribute__((aligned(64)));
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  pid_t pid = clone(setns_probe_child, stack + sizeof(stack),
                    CLONE_VM | CLONE_VFORK, &pidfd);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  int status = 1;
  if (pid > 0)
    while (waitpid(pid, &status, __WALL) < 0 && errno == EINTR)
      ;
  close(pidfd);
  return pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void probe(sp_kernel_has *h) {
  *h = (sp_kernel_has){0};
  h->open_tree = has_call(open_tree(-1, "", ~0u));
  h->move_mount = has_call(move_mount(-1, "", -1, "", ~0u));
  h->mount_setattr = has_call(mount_setattr(-1, "", ~0u, NULL, 0));
  h->openat2 = has_call(syscall(SYS_openat2, -1, "", NULL, 0));
  h->pidfd_send_signal = has_call(pidfd_send_signal(-1, 0, NULL, 0));
  h->pidfd_open = has_call(pidfd_open(getpid(), ~0u));
  h->setns_pidfd = h->pidfd_open && probe_setns_pidfd();
  h->statmount = has_call(syscall(SP_NR_statmount, NULL, NULL, 0, 0));
  h->listmount = has_call(syscall(SP_NR_listmount, NULL, NULL, 0, 0));
  struct statx sx;
  if (statx(AT_FDCWD, "/", 0, STATX_MNT_ID, &sx) == 0) {
    h->statx_mnt_id = sx.stx_mask & STATX_MNT_ID;
    h->statx_mount_root = sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT;
  }
  if (statx(AT_FDCWD, "/", 0, STATX_MNT_ID_UNIQUE, &sx) == 0)
    h->statx_mnt_id_unique = sx.stx_mask & STATX_MNT_ID_UNIQUE;
  _cleanup_close_ int procfd = open("/proc", O_PATH | O_DIRECTORY |
                                                 O_CLOEXEC);
  uint64_t id = 0;
  h->fdinfo_mnt_id = procfd >= 0 && sp_fdinfo_mnt_id(procfd, procfd, &id) ==
                                        0 && id > 0;
}

void sp_mech_probe(uint32_t avoid, sp_mech *m) {
  *m = (sp_mech){.avoid = avoid & SHAREDPATH_MECH_ALL};
  probe(&m->has);
  const sp_kernel_has *h = &m->has;
  m->mount_api = h->open_tree && h->move_mount && h->mount_setattr &&
                 !(avoid & SHAREDPATH_MECH_MOUNT_API);
  m->statx_mount = h->statx_mnt_id && h->statx_mount_root &&
                   !(avoid & SHAREDPATH_MECH_STATX_MOUNT);
  /* The walk also gives the directory each name was found in, which is
   * how a mount root is told without STATX_ATTR_MOUNT_ROOT. */
  m->openat2 = h->openat2 && m->statx_mount &&
               !(avoid & SHAREDPATH_MECH_OPENAT2);
  m->pidfd = h->pidfd_open && h->pidfd_send_signal &&
             !(avoid & SHAREDPATH_MECH_PIDFD);
  m->setns_pidfd = m->pidfd && h->setns_pidfd;
  m->statmount = h->statmount && h->statx_mnt_id_unique &&
                 !(avoid & SHAREDPATH_MECH_STATMOUNT);
}

int sp_mech_usable(const sp_mech *m, sp_error *err) {
  if (!m->statx_mount && !m->statmount && !m->has.fdinfo_mnt_id)
    return sp_fail(err, -ENOSYS, "this kernel shows no mount ids: neither "
                   "statx (STATX_MNT_ID, 5.8) nor /proc/self/fdinfo; is "
                   "/proc mounted?");
  return 0;
}

/* ---- what each way does, in words ---- */

typedef struct use {
  const char *step, *mechanism, *detail;
} use;

static size_t uses(const sp_mech *m, use *u) {
  size_t n = 0;
  u[n++] = m->mount_api
      ? (use){"host-binds", "mount-api",
              "open_tree clone of the host path's fd, read-only and private "
              "(mount_setattr) before move_mount attaches it"}
      : (use){"host-binds", "mount(2)",
              "MS_BIND of the host path's fd through /proc/self/fd, then "
              "MS_PRIVATE and MS_REMOUNT|MS_BIND|MS_RDONLY repeating the "
              "mount's own flags, in a root-only dir, before anything can "
              "propagate from it"};
  u[n++] = m->mount_api
      ? (use){"container-binds", "mount-api",
              "inside the container: open_tree clone of /.sharedpath/<h>, "
              "read-only and propagation set while detached, move_mount "
              "onto the target's fd"}
      : (use){"container-binds", "mount(2)",
              "inside the container: MS_BIND of /.sharedpath/<h> onto the "
              "target's fd through the host's /proc/self/fd (read-only from "
              "the start: the source is), propagation set right after"};
  u[n++] = m->openat2
      ? (use){"resolve", "openat2",
              "RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS from the container's "
              "root"}
      : (use){"resolve", "walk",
              "from the container's root one component at a time "
              "(O_PATH|O_NOFOLLOW): a symlink's text followed inside the "
              "root (at most 40), '..' never above it, magic links "
              "refused"};
  u[n++] = m->pidfd
      ? (use){"process", "pidfd",
              m->setns_pidfd ? "a pidfd pins it; setns on the pidfd"
                             : "a pidfd pins it; setns on /proc/PID/ns/mnt, "
                               "opened while the pidfd shows it alive"}
      : (use){"process", "proc-dir",
              "its /proc directory fd pins it (reads through it fail once "
              "it is gone); start time and mount namespace read through it "
              "before, and checked again after, each entry"};
  u[n++] = m->statmount
      ? (use){"mount-ids", "unique", "STATX_MNT_ID_UNIQUE: never reused"}
      : m->statx_mount
      ? (use){"mount-ids", "statx", "STATX_MNT_ID: reused only once the "
              "mount is gone"}
      : (use){"mount-ids", "fdinfo", "mnt_id of /proc/self/fdinfo: reused "
              "only once the mount is gone"};
  u[n++] = m->statx_mount
      ? (use){"mount-roots", "statx", "STATX_ATTR_MOUNT_ROOT"}
      : (use){"mount-roots", "parent", "a mount id other than the "
              "directory's it was found in"};
  u[n++] = m->statmount
      ? (use){"moved-mounts", "statmount",
              "where the recorded unique id is now"}
      : (use){"moved-mounts", "mountinfo",
              "the container's mountinfo, by the recorded id, checked at "
              "the mount point (root device and inode) and against the "
              "container's other paths"};
  return n;
}

static const char *const guarantees[] = {
    "a symlink or a rename in the container never turns a bind onto a host "
    "path: targets are resolved inside the container's root and mounted by "
    "file descriptor",
    "a read-only path is read-only before the container can see it, and "
    "(from the copy that propagated in) stays locked so in a user-namespaced "
    "container",
    "a reused pid never gets a bind",
    "a remove succeeds only once the mount it made is gone from the "
    "container, wherever the container moved it; otherwise it fails and "
    "the path stays listed",
    "nothing is deleted through a mount; every add and remove is all or "
    "nothing",
};

static size_t limits(const sp_mech *m, const char **l) {
  size_t n = 0;
  if (!m->mount_api)
    l[n++] = "container binds take the source's propagation (a slave of the "
             "master) until the requested one is set right after; only the "
             "plugin mounts below the master, so nothing arrives meanwhile";
  if (!m->openat2)
    l[n++] = "magic links are told by what they read back (an absolute "
             "path or type:[...] on procfs or sysfs), not by their kind as "
             "openat2 does; only text is ever followed, inside the root";
  if (!m->pidfd)
    l[n++] = "a bare pid is pinned when the call starts: an engine should "
             "pass a /proc/PID dir fd it has checked (libsharedpath-host "
             "does), or the process found at the start is the one used";
  if (!m->statmount)
    l[n++] = "mount ids are reusable: a remove that does not find its mount "
             "at its path reads the container's whole mountinfo, and checks "
             "the id it finds at the mount point and against the "
             "container's other paths";
  return n;
}

void sp_mech_summary(const sp_mech *m, char *buf, size_t size) {
  use u[8];
  size_t n = uses(m, u), o = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < n && o < size; i++) {
    int w = snprintf(buf + o, size - o, "%s%s: %s", i ? ", " : "",
                     u[i].step, u[i].mechanism);
    if (w < 0)
      break;
    o += (size_t)w;
  }
}

static const struct {
  const char *name;
  size_t off;
} has_names[] = {
#define H(f) {#f, offsetof(sp_kernel_has, f)}
    H(open_tree),  H(move_mount),       H(mount_setattr),
    H(openat2),    H(pidfd_send_signal), H(pidfd_open),
    H(setns_pidfd), H(statx_mnt_id),    H(statx_mount_root),
    H(statmount),  H(listmount),        H(statx_mnt_id_unique),
    H(fdinfo_mnt_id),
#undef H
};

static const struct {
  uint32_t bit;
  const char *name;
} mech_names[] = {
    {SHAREDPATH_MECH_MOUNT_API, "mount-api"},
    {SHAREDPATH_MECH_OPENAT2, "openat2"},
    {SHAREDPATH_MECH_PIDFD, "pidfd"},
    {SHAREDPATH_MECH_STATMOUNT, "statmount"},
    {SHAREDPATH_MECH_STATX_MOUNT, "statx-mount"},
};

static json_object *strings(const char *const *v, size_t n) {
  json_object *a = json_object_new_array();
  for (size_t i = 0; a && i < n; i++)
    json_object_array_add(a, json_object_new_string(v[i]));
  return a;
}

int sp_mech_json(const sp_mech *m, char **out, sp_error *err) {
  struct utsname un;
  if (uname(&un) < 0)
    return sp_fail_errno(err, -errno, "uname");
  _cleanup_json_ json_object *o = json_object_new_object();
  json_object *has = json_object_new_object(), *avoided =
                                                   json_object_new_array(),
              *usea = json_object_new_array();
  if (!o || !has || !avoided || !usea) {
    json_object_put(has);
    json_object_put(avoided);
    json_object_put(usea);
    return sp_fail(err, -ENOMEM, "out of memory");
  }
  json_object_object_add(o, "kernel", json_object_new_string(un.release));
  json_object_object_add(o, "machine", json_object_new_string(un.machine));
  sp_error why = {0};
  bool usable = sp_mech_usable(m, &why) == 0;
  json_object_object_add(o, "usable", json_object_new_boolean(usable));
  if (!usable)
    json_object_object_add(o, "problem", json_object_new_string(why.msg));
  for (size_t i = 0; i < SP_ARRAY_SIZE(has_names); i++)
    json_object_object_add(
        has, has_names[i].name,
        json_object_new_boolean(*(const bool *)((const char *)&m->has +
                                                has_names[i].off)));
  json_object_object_add(o, "has", has);
  for (size_t i = 0; i < SP_ARRAY_SIZE(mech_names); i++)
    if (m->avoid & mech_names[i].bit)
      json_object_array_add(avoided,
                            json_object_new_string(mech_names[i].name));
  json_object_object_add(o, "avoided", avoided);
  use u[8];
  size_t n = uses(m, u);
  for (size_t i = 0; i < n; i++) {
    json_object *e = json_object_new_object();
    json_object_object_add(e, "step", json_object_new_string(u[i].step));
    json_object_object_add(e, "mechanism",
                           json_object_new_string(u[i].mechanism));
    json_object_object_add(e, "detail", json_object_new_string(u[i].detail));
    json_object_array_add(usea, e);
  }
  json_object_object_add(o, "use", usea);
  json_object_object_add(o, "guarantees",
                         strings(guarantees, SP_ARRAY_SIZE(guarantees)));
  const char *l[8];
  json_object_object_add(o, "limits", strings(l, limits(m, l)));
  const char *text = json_object_to_json_string_ext(
      o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
  if (!text || !(*out = strdup(text)))
    return sp_fail(err, -ENOMEM, "out of memory");
  return 0;
}
