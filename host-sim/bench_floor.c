/* SPDX-License-Identifier: Apache-2.0 */
/* The bench's yardsticks: the plugin's kernel work in plain code (the
 * floor), and by hand with mount(8) and nsenter(1) (bench.h). */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <spawn.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "bench.h"

extern char **environ;

/* ---- the floor: the same kernel work, plain code ---- */

typedef struct floor_child {
  int pidfd;
  const char *src, *target;
  int err;
} floor_child;

/* In the container: a clone of the master bind's copy there (src), made
 * a slave, moved onto target; or target unmounted (src NULL). */
static int floor_child_main(void *arg) {
  floor_child *a = arg;
  if (setns(a->pidfd, CLONE_NEWNS) < 0) {
    a->err = -errno;
    _exit(0);
  }
  if (!a->src) {
    a->err = umount2(a->target, MNT_DETACH) < 0 ? -errno : 0;
    _exit(0);
  }
  int tree = open_tree(AT_FDCWD, a->src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
  struct mount_attr slave = {.propagation = MS_SLAVE};
  if (tree < 0 ||
      mount_setattr(tree, "", AT_EMPTY_PATH, &slave, sizeof(slave)) < 0 ||
      move_mount(tree, "", AT_FDCWD, a->target, MOVE_MOUNT_F_EMPTY_PATH) < 0)
    a->err = -errno;
  if (tree >= 0)
    close(tree);
  _exit(0);
}

/* Enter the container in a CLONE_VM|CLONE_VFORK child sharing the fd table
 * (CLONE_FILES) and sending no exit signal, exactly as the plugin does: the
 * cheapest way plain code has, so the floor is not flattered by a costlier
 * clone; then bind src onto target (src given) or unmount target. */
static int floor_in_container(const sim_ctr *c, const char *src,
                              const char *target) {
  static char stack[64 * 1024] __attribute__((aligned(16)));
  floor_child a = {.pidfd = c->pidfd, .src = src, .target = target};
  pid_t pid = clone(floor_child_main, stack + sizeof(stack),
                    CLONE_VM | CLONE_VFORK | CLONE_FILES, &a);
  if (pid < 0)
    return -errno;
  while (waitpid(pid, NULL, __WALL) < 0 && errno == EINTR)
    ;
  return a.err;
}

static int floor_state_write(floor_ctx *f) {
  _cleanup_close_ int fd = openat(f->state_dirfd, "floor.json.tmp",
                                  O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                                  0600);
  if (fd < 0)
    return -errno;
  if (write(fd, f->state_text, f->state_len) != (ssize_t)f->state_len ||
      fsync(fd) < 0)
    return -errno;
  if (renameat(f->state_dirfd, "floor.json.tmp", f->state_dirfd,
               "floor.json") < 0 || fsync(f->state_dirfd) < 0)
    return -errno;
  return 0;
}

/* host -> mid (private), mid -> master (propagates into the container),
 * inside the container a clone of its copy there with its propagation set
 * moved onto the target, one fsync'd atomic state write. */
int floor_add(floor_ctx *f) {
  _cleanup_close_ int hostfd = open(f->host, O_PATH | O_CLOEXEC);
  if (hostfd < 0 || mkdir(f->mid, 0700) < 0 || mkdir(f->m, 0700) < 0)
    return -errno;
  _cleanup_close_ int tree = open_tree(hostfd, "", OPEN_TREE_CLONE |
                                       OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
  struct mount_attr priv = {.propagation = MS_PRIVATE};
  if (tree < 0 || mount_setattr(tree, "", AT_EMPTY_PATH, &priv,
                                sizeof(priv)) < 0 ||
      move_mount(tree, "", AT_FDCWD, f->mid, MOVE_MOUNT_F_EMPTY_PATH) < 0 ||
      mount(f->mid, f->m, NULL, MS_BIND, NULL) < 0)
    return -errno;
  int r = floor_in_container(f->c, SHAREDPATH_CONTAINER_DIR "/" FLOOR_NAME,
                             "/floor");
  return r < 0 ? r : floor_state_write(f);
}

int floor_remove(floor_ctx *f) {
  int r = floor_in_container(f->c, NULL, "/floor");
  if (r < 0)
    return r;
  if (umount2(f->m, UMOUNT_NOFOLLOW) < 0 ||
      umount2(f->mid, UMOUNT_NOFOLLOW) < 0 || rmdir(f->m) < 0 ||
      rmdir(f->mid) < 0)
    return -errno;
  return floor_state_write(f);
}

/* ---- by hand: mount(8) and nsenter(1) as processes ---- */

static int run(char *const argv[]) {
  pid_t pid;
  int r = posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ);
  if (r)
    return -r;
  int status;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR)
      return -errno;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

int hand_add(hand_ctx *h) {
  if (mkdir(h->mid, 0700) < 0 || mkdir(h->m, 0700) < 0)
    return -errno;
  char *const a1[] = {"mount", "--bind", h->host, h->mid, NULL};
  char *const a2[] = {"mount", "--bind", h->mid, h->m, NULL};
  char *const a3[] = {"nsenter", "-t", h->pid, "-m", "mount", "--bind",
                      h->src, "/byhand", NULL};
  int r = run(a1);
  if (r == 0)
    r = run(a2);
  if (r == 0)
    r = run(a3);
  return r;
}

int hand_remove(hand_ctx *h) {
  char *const a1[] = {"nsenter", "-t", h->pid, "-m", "umount", "/byhand",
                      NULL};
  char *const a2[] = {"umount", h->m, NULL};
  char *const a3[] = {"umount", h->mid, NULL};
  int r = run(a1);
  if (r == 0)
    r = run(a2);
  if (r == 0)
    r = run(a3);
  if (r < 0)
    return r;
  return rmdir(h->m) < 0 || rmdir(h->mid) < 0 ? -errno : 0;
}
