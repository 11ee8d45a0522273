/* SPDX-License-Identifier: Apache-2.0 */
/* Host-sim containers: a process in a new mount namespace whose root is a
 * directory on the sim's tmpfs, with the OCI spec's mounts applied the way
 * runc applies them (root rslave, binds, ro remounts, propagation), then
 * pivot_root.  Inspection happens from inside, never from the plugin. */
#ifndef SIM_CONTAINER_H
#define SIM_CONTAINER_H
#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

/* A user-namespaced container's ids: 0 inside is this outside. */
#define SIM_USERNS_BASE 100000u
#define SIM_USERNS_SIZE 65536u

typedef struct sim_ctr {
  char id[160];
  char rootfs[PATH_MAX];
  char *spec; /* the spec returned by on_create */
  pid_t pid;
  int pidfd;  /* from clone(CLONE_PIDFD); -1 where the kernel gives none
               * (before 5.2 the flag is ignored) */
  int procfd; /* /proc/PID: pins it as well, on every kernel */
  int nsfd;   /* /proc/PID/ns/mnt: what the harness enters */
  bool running;
  /* From the spec at start: a user namespace of its own (linux.namespaces
   * has "user"; uid and gid 0 map to SIM_USERNS_BASE), root.readonly.
   * Every look and change "inside" a user-namespaced container runs as
   * its root, in its user namespace. */
  bool userns, readonly;
  pid_t flipper; /* 'ctr-flip' process, or 0 */
  pid_t holder;  /* 'ctr-hold' process, or 0 */
} sim_ctr;

#define SIM_CTR_INIT {.pidfd = -1, .procfd = -1, .nsfd = -1}

/* What an engine passes as the container's pidfd: the pidfd, or where
 * there is none (or pidfds are avoided) the /proc/PID dir fd, which a
 * plugin of ABI 1.2 takes instead. */
int sim_ctr_handle(const sim_ctr *c, bool avoid_pidfd);

/* Start the container's init from c->spec.  0 or -errno with msg. */
int sim_ctr_start(sim_ctr *c, char *msg, size_t msgsz);
/* SIGKILL and reap; the namespace goes with it. */
void sim_ctr_stop(sim_ctr *c);

typedef struct sim_seen {
  int err;          /* 0 or errno of stat() inside the container */
  bool is_dir;
  bool ro;          /* the mount holding path is read-only (statvfs) */
  unsigned long vfs_flags; /* statvfs's f_flag (ST_*) */
  int write_err;    /* 0 if a write test succeeded, else its errno */
  char content[256];/* first bytes of a file */
  unsigned long long dev, ino; /* what stat() saw */
} sim_seen;

/* Look at path from inside the container.  write_test: try to write
 * (create+remove a file in a dir, open O_WRONLY|O_APPEND a file). */
int sim_ctr_inspect(const sim_ctr *c, const char *path, bool write_test,
                    sim_seen *seen);
/* Write text to path inside the container (truncate/create). 0 or -errno. */
int sim_ctr_write(const sim_ctr *c, const char *path, const char *text);
/* Inside the container: symlink(target, path), mkdir -p (0755) and
 * mount(fstype, path, fstype).  0 or -errno. */
int sim_ctr_symlink(const sim_ctr *c, const char *target, const char *path);
int sim_ctr_mkdir(const sim_ctr *c, const char *path);
/* rename(2) inside the container. */
int sim_ctr_rename(const sim_ctr *c, const char *from, const char *to);
int sim_ctr_mount(const sim_ctr *c, const char *fstype, const char *path);
/* A process inside the container with its cwd at path, holding it until
 * sim_ctr_hold_stop (what an interactive shell left there does). */
int sim_ctr_hold_start(sim_ctr *c, const char *path);
int sim_ctr_hold_stop(sim_ctr *c);
/* As the container's root: remount the mount at path read-write (keeping
 * its other flags), as a process with CAP_SYS_ADMIN in the container's
 * namespaces would.  0 if the kernel allowed it, else -errno. */
int sim_ctr_remount_rw(const sim_ctr *c, const char *path);
/* Owner of path as the container sees it (its user namespace's ids). */
int sim_ctr_owner(const sim_ctr *c, const char *path, unsigned long *uid,
                  unsigned long *gid);
/* umount2(path, MNT_DETACH) inside the container. */
int sim_ctr_umount(const sim_ctr *c, const char *path);
/* The propagation of the top mount at path inside the container, from
 * its mountinfo: "shared", "slave", "shared,slave" or "private", into
 * out.  -ENOENT when no mount is there. */
int sim_ctr_propagation(const sim_ctr *c, const char *path, char *out,
                        size_t size);
/* Start a process inside the container that swaps a and b
 * (renameat2 RENAME_EXCHANGE) in a loop until sim_ctr_flip_stop. */
int sim_ctr_flip_start(sim_ctr *c, const char *a, const char *b);
/* Stop it; returns how many swaps it made (>= 0) or -errno. */
long sim_ctr_flip_stop(sim_ctr *c);

/* Shared by container.c and container_inside.c. */
/* mkdir -p, every directory made with mode: a spec mount's target under
 * the rootfs (container.c), and ctr-mkdir inside (container_inside.c).
 * 0 or -errno. */
int sim_mkdir_p(const char *path, mode_t mode);
/* fork with a pipe from the child to the parent (stdio flushed first, so
 * that the child never writes the parent's buffers again): the child's
 * pid in the parent, *fd the read end; 0 in the child, *fd the write end;
 * or -errno, nothing left open. */
pid_t sim_fork_pipe(int *fd);
#endif
