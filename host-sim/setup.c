/* SPDX-License-Identifier: Apache-2.0 */
/* The harness's private world: a mount namespace of its own with a tmpfs
 * for the shared root, the state dir, host data and rootfs dirs; and
 * taking it all down again. */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim.h"

static int mkdirs(const char *p) {
  return mkdir(p, 0755) < 0 && errno != EEXIST ? -errno : 0;
}

/* The plugin's warnings and errors go to stderr, marked. */
static void plugin_log(void *data, int level, const char *message) {
  static const char *const names[] = {"error", "warning", "info", "debug"};
  (void)data;
  if (level > SHAREDPATH_LOG_WARNING)
    return;
  fprintf(stderr, "         [plugin %s] %s\n",
          level >= 0 && level <= 3 ? names[level] : "?", message);
}

int sim_setup(sim *s, char *msg, size_t msgsz) {
  if (geteuid() != 0) {
    snprintf(msg, msgsz, "must run as root: it creates mount namespaces");
    return -EPERM;
  }
  /* Our own mount namespace with / rprivate: nothing we or the plugin mount
   * can reach the machine's mount table. */
  if (unshare(CLONE_NEWNS) < 0 ||
      mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
    snprintf(msg, msgsz, "cannot enter a private mount namespace: %s",
             strerror(errno));
    return -errno;
  }
  /* Children of a killed engine (kill-walk) come back to us to be reaped. */
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  snprintf(s->tmp, sizeof(s->tmp), "/tmp/sharedpath-sim.XXXXXX");
  if (!mkdtemp(s->tmp)) {
    snprintf(msg, msgsz, "mkdtemp: %s", strerror(errno));
    return -errno;
  }
  /* Traversable by everyone, like / and /var: what keeps other users out
   * of the shared root and the state dir must be the plugin's own modes
   * (expect unreadable-by). */
  if (mount("sharedpath-sim", s->tmp, "tmpfs", MS_NOSUID | MS_NODEV,
            "mode=0755") < 0) {
    snprintf(msg, msgsz, "mount tmpfs on %s: %s", s->tmp, strerror(errno));
    rmdir(s->tmp);
    s->tmp[0] = '\0';
    return -errno;
  }
  snprintf(s->root, sizeof(s->root), "%s/sharedpath", s->tmp);
  /* The state dir is reached through a symlink, as on hosts where /var
   * or a parent is one: the plugin must apply its rules to where it really
   * is ($REALSTATE). */
  snprintf(s->state, sizeof(s->state), "%s/state-link/state", s->tmp);
  char real[PATH_MAX], link[PATH_MAX];
  snprintf(real, sizeof(real), "%s/state-real", s->tmp);
  snprintf(link, sizeof(link), "%s/state-link", s->tmp);
  if (mkdir(real, 0755) < 0 || symlink("state-real", link) < 0) {
    snprintf(msg, msgsz, "cannot create %s: %s", link, strerror(errno));
    return -EIO;
  }
  snprintf(s->data, sizeof(s->data), "%s/data", s->tmp);
  snprintf(s->rootfs, sizeof(s->rootfs), "%s/rootfs", s->tmp);
  if (mkdirs(s->data) < 0 || mkdirs(s->rootfs) < 0) {
    snprintf(msg, msgsz, "cannot create dirs in %s", s->tmp);
    return -EIO;
  }
  s->pass_pidfd = true;
  s->host = (struct sharedpath_host){
      .size = sizeof(s->host),
      .shared_root = s->root,
      .state_dir = s->state,
      .max_paths_per_container = s->max_paths,
      .log = plugin_log,
      .log_data = s,
      .avoid = s->avoid,
  };
  return 0;
}

int sim_parse_avoid(const char *text, bool mechanism, uint32_t *avoid) {
  static const struct {
    const char *name;
    uint32_t bits;
  } names[] = {
      {"mount-api", SHAREDPATH_MECH_MOUNT_API},
      {"openat2", SHAREDPATH_MECH_OPENAT2},
      {"pidfd", SHAREDPATH_MECH_PIDFD},
      {"statmount", SHAREDPATH_MECH_STATMOUNT},
      {"statx-mount", SHAREDPATH_MECH_STATX_MOUNT},
      {"all", SHAREDPATH_MECH_ALL},
  };
  if (mechanism) {
    if (strcmp(text, "new") && strcmp(text, "classic"))
      return -EINVAL;
    *avoid = !strcmp(text, "classic") ? SHAREDPATH_MECH_ALL : 0;
    return 0;
  }
  char buf[256];
  snprintf(buf, sizeof(buf), "%s", text);
  *avoid = 0;
  for (char *save = NULL, *t = strtok_r(buf, ",", &save); t;
       t = strtok_r(NULL, ",", &save)) {
    size_t i = 0;
    while (i < sizeof(names) / sizeof(names[0]) && strcmp(names[i].name, t))
      i++;
    if (i == sizeof(names) / sizeof(names[0]))
      return -EINVAL;
    *avoid |= names[i].bits;
  }
  return 0;
}

void sim_ctr_forget(sim *s, size_t i) {
  sim_ctr_stop(&s->ctrs[i]);
  free(s->ctrs[i].spec);
  s->ctrs[i] = s->ctrs[--s->nctrs];
}

void sim_teardown(sim *s) {
  while (s->nctrs)
    sim_ctr_forget(s, 0);
  free(s->ctrs);
  s->ctrs = NULL;
  if (s->loaded)
    sph_unload(&s->plugin);
  s->loaded = false;
  sim_mounts_free(&s->baseline);
  s->have_baseline = false;
  for (size_t i = 0; i < s->nvars; i++)
    free(s->vars[i].value);
  s->nvars = 0;
  free(s->snapshot);
  s->snapshot = NULL;
  if (s->tmp[0]) {
    umount2(s->tmp, MNT_DETACH);
    rmdir(s->tmp);
    s->tmp[0] = '\0';
  }
}
