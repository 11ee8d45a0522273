/* SPDX-License-Identifier: Apache-2.0 */
/* Steps that prepare and change the host's and the containers' files and
 * mounts, for the plugin to meet (steps.h). */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "steps.h"

static int step_host_write(line_ctx *l) {
  if (l->ntok != 3)
    return fail(l, "usage: host-write PATH TEXT");
  FILE *f = fopen(l->tok[1], "w");
  if (!f)
    return outcome(l, -errno, "host-write");
  fputs(l->tok[2], f);
  return outcome(l, fclose(f) == 0 ? 0 : -errno, "host-write");
}

static int step_host_mkdir(line_ctx *l) {
  if (l->ntok != 2)
    return fail(l, "usage: host-mkdir PATH");
  return outcome(l, mkdir(l->tok[1], 0755) < 0 ? -errno : 0, "host-mkdir");
}

static int step_host_symlink(line_ctx *l) {
  if (l->ntok != 3)
    return fail(l, "usage: host-symlink TARGET PATH");
  return outcome(l, symlink(l->tok[1], l->tok[2]) < 0 ? -errno : 0,
                 "host-symlink");
}

static int step_ctr_write(line_ctx *l) {
  if (l->ntok != 4)
    return fail(l, "usage: ctr-write ID PATH TEXT");
  sim_ctr *c = find_ctr(l->s, l->tok[1], NULL);
  if (!c || !c->running)
    return fail(l, "container %s is not running", l->tok[1]);
  int r = sim_ctr_write(c, l->tok[2], l->tok[3]);
  return outcome(l, r, r ? strerror(-r) : "");
}

static int step_ctr_fs(line_ctx *l) {
  const char *cmd = l->tok[0];
  bool link = !strcmp(cmd, "ctr-symlink"), mnt = !strcmp(cmd, "ctr-mount"),
       mv = !strcmp(cmd, "ctr-rename"), um = !strcmp(cmd, "ctr-umount");
  if (l->ntok != (link || mnt || mv ? 4 : 3))
    return fail(l, "usage: ctr-symlink ID TARGET LINKPATH | ctr-mkdir ID "
                "PATH | ctr-mount ID FSTYPE PATH | ctr-umount ID PATH | "
                "ctr-rename ID OLD NEW");
  sim_ctr *c = running_ctr(l, l->tok[1]);
  if (!c)
    return 1;
  int r = link ? sim_ctr_symlink(c, l->tok[2], l->tok[3])
          : mnt ? sim_ctr_mount(c, l->tok[2], l->tok[3])
          : mv  ? sim_ctr_rename(c, l->tok[2], l->tok[3])
          : um  ? sim_ctr_umount(c, l->tok[2])
                : sim_ctr_mkdir(c, l->tok[2]);
  return outcome(l, r, r ? strerror(-r) : "");
}

static int step_ctr_flip(line_ctx *l) {
  if (l->ntok != 4)
    return fail(l, "usage: ctr-flip ID PATH OTHER");
  sim_ctr *c = running_ctr(l, l->tok[1]);
  if (!c)
    return 1;
  int r = sim_ctr_flip_start(c, l->tok[2], l->tok[3]);
  return outcome(l, r, r ? strerror(-r) : "");
}

static int step_ctr_flip_stop(line_ctx *l) {
  if (l->ntok != 2 && l->ntok != 3)
    return fail(l, "usage: ctr-flip-stop ID [MIN-SWAPS]");
  sim_ctr *c = find_ctr(l->s, l->tok[1], NULL);
  if (!c || !c->flipper)
    return fail(l, "container %s has no flipper running", l->tok[1]);
  long n = sim_ctr_flip_stop(c);
  long min = l->ntok == 3 ? strtol(l->tok[2], NULL, 10) : 1;
  if (!l->s->quiet)
    printf("         -> %ld swaps\n", n);
  return n >= min ? 0 : fail(l, "the flipper made %ld swaps, fewer than %ld: "
                             "it did not race", n, min);
}

/* ctr-hold ID PATH: a process of the container keeps its cwd at PATH;
 * ctr-hold-stop ID ends it. */
static int step_ctr_hold(line_ctx *l) {
  bool stop = !strcmp(l->tok[0], "ctr-hold-stop");
  if (l->ntok != (stop ? 2 : 3))
    return fail(l, "usage: ctr-hold ID PATH | ctr-hold-stop ID");
  sim_ctr *c = find_ctr(l->s, l->tok[1], NULL);
  if (!c || (!stop && !c->running))
    return fail(l, "container %s is not running", l->tok[1]);
  int r = stop ? sim_ctr_hold_stop(c) : sim_ctr_hold_start(c, l->tok[2]);
  return outcome(l, r, r ? strerror(-r) : "");
}

/* ctr-remount-rw ID PATH: the container's root remounts the mount at
 * PATH read-write (with '! EPERM': the kernel must refuse). */
static int step_ctr_remount_rw(line_ctx *l) {
  if (l->ntok != 3)
    return fail(l, "usage: ctr-remount-rw ID PATH");
  sim_ctr *c = running_ctr(l, l->tok[1]);
  if (!c)
    return 1;
  int r = sim_ctr_remount_rw(c, l->tok[2]);
  return outcome(l, r, r ? strerror(-r) : "");
}

/* Whether an idmapped bind of dir can be made: a detached clone of it
 * given a user namespace (a child's, with one id mapped) as its idmap. */
static bool can_idmap(const char *dir) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0)
    return false;
  fflush(NULL);
  pid_t pid = fork();
  if (pid == 0) {
    close(p[0]);
    char b = unshare(CLONE_NEWUSER) == 0 ? 'y' : 'n';
    if (write(p[1], &b, 1) != 1)
      _exit(1);
    for (;;)
      pause();
  }
  close(p[1]);
  char b = 'n';
  bool ok = false;
  if (pid > 0 && read(p[0], &b, 1) == 1 && b == 'y') {
    char path[64];
    int r = 0;
    for (const char *map = "uid_map"; map && r == 0;
         map = !strcmp(map, "uid_map") ? "gid_map" : NULL) {
      snprintf(path, sizeof(path), "/proc/%d/%s", pid, map);
      FILE *f = fopen(path, "w");
      r = f && fprintf(f, "0 %u 1\n", SIM_USERNS_BASE) > 0 ? 0 : -1;
      if (f && fclose(f) != 0)
        r = -1;
    }
    snprintf(path, sizeof(path), "/proc/%d/ns/user", pid);
    int ns = r == 0 ? open(path, O_RDONLY | O_CLOEXEC) : -1;
    int tree = ns >= 0 ? open_tree(AT_FDCWD, dir, OPEN_TREE_CLONE |
                                                     OPEN_TREE_CLOEXEC)
                       : -1;
    struct mount_attr a = {.attr_set = MOUNT_ATTR_IDMAP,
                           .userns_fd = (uint64_t)ns};
    ok = tree >= 0 &&
         mount_setattr(tree, "", AT_EMPTY_PATH, &a, sizeof(a)) == 0;
    if (tree >= 0)
      close(tree);
    if (ns >= 0)
      close(ns);
  }
  close(p[0]);
  if (pid > 0) {
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
  }
  return ok;
}

/* require [!]FEATURE: the rest of the scenario needs the plugin to be
 * able (or unable) to use it here, else it ends here as skipped.
 * mount-api: the new mount API (Linux 5.12, and not avoided: --mechanism
 * classic); idmap: that, and an idmapped bind of $DATA (tmpfs: 6.3). */
static int step_require(line_ctx *l) {
  const char *f = l->ntok == 2 ? l->tok[1] : "";
  bool want = *f != '!';
  if (!want)
    f++;
  if (strcmp(f, "idmap") && strcmp(f, "mount-api"))
    return fail(l, "usage: require [!]idmap|[!]mount-api");
  bool have = !(l->s->avoid & SHAREDPATH_MECH_MOUNT_API) &&
              (mount_setattr(-1, "", ~0u, NULL, 0) == 0 || errno != ENOSYS);
  if (have && !strcmp(f, "idmap"))
    have = can_idmap(l->s->data);
  if (have == want)
    return 0;
  printf("         -> skipped: this kernel %s %s\n", have ? "has" : "lacks", f);
  return SIM_SKIPPED;
}

/* chattr +i / -i: an immutable dir can have no entry added or removed. */
static int set_immutable(const char *path, bool on) {
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0)
    return -errno;
  int flags = 0, r = 0;
  if (ioctl(fd, FS_IOC_GETFLAGS, &flags) < 0)
    r = -errno;
  flags = on ? flags | FS_IMMUTABLE_FL : flags & ~FS_IMMUTABLE_FL;
  if (r == 0 && ioctl(fd, FS_IOC_SETFLAGS, &flags) < 0)
    r = -errno;
  close(fd);
  return r;
}

static int step_host_fs(line_ctx *l) {
  const char *cmd = l->tok[0];
  int r;
  if (!strcmp(cmd, "host-chmod")) {
    if (l->ntok != 3)
      return fail(l, "usage: host-chmod PATH OCTAL");
    r = chmod(l->tok[1], (mode_t)strtoul(l->tok[2], NULL, 8)) < 0 ? -errno : 0;
  } else if (!strcmp(cmd, "host-truncate")) {
    if (l->ntok != 3)
      return fail(l, "usage: host-truncate PATH BYTES");
    int fd = open(l->tok[1], O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    r = fd < 0 || ftruncate(fd, strtoll(l->tok[2], NULL, 10)) < 0 ? -errno : 0;
    if (fd >= 0)
      close(fd);
  } else if (!strcmp(cmd, "host-mount")) {
    if ((l->ntok != 3 && l->ntok != 4) ||
        (l->ntok == 4 && strcmp(l->tok[3], "noexec")))
      return fail(l, "usage: host-mount FSTYPE PATH [noexec]");
    unsigned long flags = MS_NOSUID | MS_NODEV |
                          (l->ntok == 4 ? MS_NOEXEC : 0);
    r = mount(l->tok[1], l->tok[2], l->tok[1], flags, NULL) < 0 ? -errno : 0;
  } else if (!strcmp(cmd, "host-bind-shared")) {
    /* PATH bound onto itself as a shared mount, as host paths are under
     * systemd: mounts made below it later propagate to its slaves. */
    if (l->ntok != 2)
      return fail(l, "usage: host-bind-shared PATH");
    r = mount(l->tok[1], l->tok[1], NULL, MS_BIND, NULL) < 0 ||
                mount(NULL, l->tok[1], NULL, MS_SHARED, NULL) < 0
            ? -errno : 0;
  } else if (!strcmp(cmd, "host-chattr")) {
    if (l->ntok != 3 || (strcmp(l->tok[2], "+i") && strcmp(l->tok[2], "-i")))
      return fail(l, "usage: host-chattr PATH +i|-i");
    r = set_immutable(l->tok[1], l->tok[2][0] == '+');
  } else if (!strcmp(cmd, "host-rm")) {
    if (l->ntok != 2)
      return fail(l, "usage: host-rm PATH");
    r = remove(l->tok[1]) < 0 ? -errno : 0;
  } else {
    if (l->ntok != 2)
      return fail(l, "usage: host-umount PATH");
    r = umount2(l->tok[1], UMOUNT_NOFOLLOW) < 0 ? -errno : 0;
  }
  return outcome(l, r, r ? strerror(-r) : "");
}

static int step_sha256(line_ctx *l) {
  sim *s = l->s;
  if (l->ntok != 3 || strlen(l->tok[1]) >= sizeof(s->vars[0].name))
    return fail(l, "usage: sha256 NAME TEXT");
  unsigned char md[32];
  unsigned int mdlen = 0;
  if (!EVP_Digest(l->tok[2], strlen(l->tok[2]), md, &mdlen, EVP_sha256(),
                  NULL))
    return fail(l, "sha256 failed");
  char hex[65];
  for (unsigned int i = 0; i < 32; i++)
    snprintf(hex + 2 * i, 3, "%02x", md[i]);
  size_t i;
  for (i = 0; i < s->nvars; i++)
    if (!strcmp(s->vars[i].name, l->tok[1]))
      break;
  if (i == sizeof(s->vars) / sizeof(s->vars[0]))
    return fail(l, "too many variables");
  if (i == s->nvars) {
    snprintf(s->vars[i].name, sizeof(s->vars[i].name), "%s", l->tok[1]);
    s->vars[i].value = NULL;
    s->nvars++;
  }
  free(s->vars[i].value);
  s->vars[i].value = strdup(hex);
  return 0;
}

const sim_step sim_fs_steps[] = {
    {"host-write", step_host_write},     {"host-mkdir", step_host_mkdir},
    {"host-symlink", step_host_symlink}, {"host-chmod", step_host_fs},
    {"host-truncate", step_host_fs},     {"host-mount", step_host_fs},
    {"host-umount", step_host_fs},       {"host-rm", step_host_fs},
    {"host-chattr", step_host_fs},       {"ctr-write", step_ctr_write},
    {"host-bind-shared", step_host_fs},
    {"ctr-symlink", step_ctr_fs},        {"ctr-mkdir", step_ctr_fs},
    {"ctr-mount", step_ctr_fs},          {"ctr-rename", step_ctr_fs},
    {"ctr-umount", step_ctr_fs},
    {"ctr-flip", step_ctr_flip},         {"ctr-flip-stop", step_ctr_flip_stop},
    {"ctr-hold", step_ctr_hold},         {"ctr-hold-stop", step_ctr_hold},
    {"ctr-remount-rw", step_ctr_remount_rw},
    {"require", step_require},
    {"sha256", step_sha256},             {NULL, NULL},
};
