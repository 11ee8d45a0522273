/* SPDX-License-Identifier: Apache-2.0 */
/* The bench's yardsticks: the plugin's kernel work in plain code (the
 * floor), and by hand with mount(8) and nsenter(1) (bench.h). */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "bench.h"

extern char **environ;

/* ---- the floor: the same kernel work, plain code ---- */

/* What the child does in the container: for each of n (src, target), a
 * clone of the master bind's copy there (src), made a slave, moved onto
 * target; or, unmounting, target detached. */
typedef struct floor_child {
  int pidfd;
  bool mount, classic;
  const floor_path *paths, *extra;
  size_t n, nextra;
  int err;
} floor_child;

/* Classic: a bind of the copy onto the target by path, made a slave by
 * path. */
static int child_mount(const floor_path *p, bool classic) {
  if (classic)
    return mount(p->src, p->target, NULL, MS_BIND, NULL) < 0 ||
                   mount(NULL, p->target, NULL, MS_SLAVE, NULL) < 0
               ? -errno : 0;
  int tree = open_tree(AT_FDCWD, p->src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
  struct mount_attr slave = {.propagation = MS_SLAVE};
  int r = tree < 0 ||
                  mount_setattr(tree, "", AT_EMPTY_PATH, &slave,
                                sizeof(slave)) < 0 ||
                  move_mount(tree, "", AT_FDCWD, p->target,
                             MOVE_MOUNT_F_EMPTY_PATH) < 0
              ? -errno : 0;
  if (tree >= 0)
    close(tree);
  return r;
}

static int floor_child_main(void *arg) {
  floor_child *a = arg;
  if (setns(a->pidfd, CLONE_NEWNS) < 0) {
    a->err = -errno;
    _exit(0);
  }
  for (size_t i = 0; i < a->n && !a->err; i++)
    a->err = a->mount ? child_mount(&a->paths[i], a->classic)
             : umount2(a->paths[i].target, MNT_DETACH) < 0 ? -errno : 0;
  for (size_t i = 0; i < a->nextra && !a->err; i++)
    a->err = child_mount(&a->extra[i], a->classic);
  _exit(0);
}

/* What the floor enters the container by: as the plugin does, the pidfd
 * where there is one (setns takes it since 5.8) and not classic, else the
 * ns file. */
static int floor_ns(const floor_ctx *f) {
  return f->c->pidfd >= 0 && !f->classic ? f->c->pidfd : f->c->nsfd;
}

/* Enter the container in a CLONE_VM|CLONE_VFORK child sharing the fd table
 * (CLONE_FILES) and sending no exit signal, exactly as the plugin does: the
 * cheapest way plain code has, so the floor is not flattered by a costlier
 * clone; one child for every path of the call. */
static int floor_in_container(floor_child *a) {
  static char stack[64 * 1024] __attribute__((aligned(16)));
  pid_t pid = clone(floor_child_main, stack + sizeof(stack),
                    CLONE_VM | CLONE_VFORK | CLONE_FILES, a);
  if (pid < 0)
    return -errno;
  while (waitpid(pid, NULL, __WALL) < 0 && errno == EINTR)
    ;
  return a->err;
}

int floor_state_open(int dirfd, size_t max_len) {
  int fd = openat(dirfd, "floor.state", O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC,
                  0600);
  if (fd < 0)
    return -errno;
  char *zero = calloc(1, max_len ? max_len : 1);
  int r = !zero ? -ENOMEM
          : write(fd, zero, max_len) != (ssize_t)max_len || fsync(fd) < 0 ||
                  fsync(dirfd) < 0
              ? -errno : 0;
  free(zero);
  if (r < 0) {
    close(fd);
    return r;
  }
  return fd;
}

static int floor_state_write(floor_ctx *f) {
  if (pwrite(f->state_fd, f->state_text, f->state_len, 0) !=
          (ssize_t)f->state_len ||
      fdatasync(f->state_fd) < 0)
    return -errno;
  return 0;
}

void floor_batch_name(char out[65], unsigned int k) {
  snprintf(out, 65, "fb%058x%04x", 0u, k & 0xffffu);
}

/* Per path: host -> mid (private), mid -> master (propagates into the
 * container); then one child: inside the container a clone of each copy
 * there with its propagation set, moved onto its target; one durable
 * write. */
int floor_add(floor_ctx *f) {
  for (size_t i = 0; i < f->n; i++) {
    const floor_path *p = &f->paths[i];
    _cleanup_close_ int hostfd = open(p->host, O_PATH | O_CLOEXEC);
    if (hostfd < 0 || mkdir(p->mid, 0700) < 0 || mkdir(p->m, 0700) < 0)
      return -errno;
    if (f->classic) {
      /* The host path bound onto mid by path and made private. */
      if (mount(p->host, p->mid, NULL, MS_BIND, NULL) < 0 ||
          mount(NULL, p->mid, NULL, MS_PRIVATE, NULL) < 0 ||
          mount(p->mid, p->m, NULL, MS_BIND, NULL) < 0)
        return -errno;
      continue;
    }
    _cleanup_close_ int tree = open_tree(hostfd, "", OPEN_TREE_CLONE |
                                         OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
    struct mount_attr priv = {.propagation = MS_PRIVATE};
    if (tree < 0 || mount_setattr(tree, "", AT_EMPTY_PATH, &priv,
                                  sizeof(priv)) < 0 ||
        move_mount(tree, "", AT_FDCWD, p->mid, MOVE_MOUNT_F_EMPTY_PATH) < 0 ||
        mount(p->mid, p->m, NULL, MS_BIND, NULL) < 0)
      return -errno;
  }
  floor_child a = {.pidfd = floor_ns(f), .classic = f->classic, .mount = true, .paths = f->paths,
                   .n = f->n};
  int r = floor_in_container(&a);
  return r < 0 ? r : floor_state_write(f);
}

int floor_remove(floor_ctx *f) {
  floor_child a = {.pidfd = floor_ns(f), .classic = f->classic, .paths = f->paths, .n = f->n};
  int r = floor_in_container(&a);
  if (r < 0)
    return r;
  for (size_t i = 0; i < f->n; i++) {
    const floor_path *p = &f->paths[i];
    if (umount2(p->m, UMOUNT_NOFOLLOW) < 0 ||
        umount2(p->mid, UMOUNT_NOFOLLOW) < 0 || rmdir(p->m) < 0 ||
        rmdir(p->mid) < 0)
      return -errno;
  }
  return floor_state_write(f);
}

int floor_start(floor_ctx *f, const floor_path *extra, size_t nextra) {
  floor_child a = {.pidfd = floor_ns(f), .classic = f->classic, .mount = true, .paths = f->paths,
                   .n = f->n, .extra = extra, .nextra = nextra};
  int r = floor_in_container(&a);
  return r < 0 ? r : floor_state_write(f);
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
