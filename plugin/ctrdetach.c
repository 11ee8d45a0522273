/* SPDX-License-Identifier: Apache-2.0 */
/* A detach in the container (ctrchild.h), for the container-side child:
 * our mount taken off its path, or wherever renames in the container have
 * moved it (found by statmount with its unique id, else in the
 * container's mountinfo by its reusable one), or for a path without a
 * recorded id (an older plugin's state) the one mount of its host path
 * that no other path accounts for.  It runs through sp_nsexec (nsexec.c):
 * system calls only, no allocation, no stdio. */
#include <fcntl.h>
#include <string.h>

#include "ctrchild.h"
#include "syscalls.h"

/* The mount point of mount mnt_id as this process sees it (the child's
 * root is the container's), into path.  -ENOENT: no such mount any more. */
static int mount_point_of(uint64_t mnt_id, char *path, size_t size) {
  union {
    struct sp_statmount sm;
    char buf[sizeof(struct sp_statmount) + PATH_MAX];
  } u;
  struct sp_mnt_id_req req = {.size = SP_MNT_ID_REQ_SIZE_VER0,
                              .mnt_id = mnt_id,
                              .param = SP_STATMOUNT_MNT_POINT};
  if (sp_statmount(&req, &u.sm, sizeof(u)) < 0)
    return -errno;
  if (!(u.sm.mask & SP_STATMOUNT_MNT_POINT) ||
      offsetof(struct sp_statmount, str) + u.sm.mnt_point >= sizeof(u))
    return -ENOENT;
  const char *p = u.sm.str + u.sm.mnt_point;
  size_t len = strnlen(p, sizeof(u) - offsetof(struct sp_statmount, str) -
                              u.sm.mnt_point);
  if (len >= size)
    return -ENAMETOOLONG;
  memcpy(path, p, len);
  path[len] = '\0';
  return 0;
}

/* Unmount the top mount at path if it is ours: with want, that very mount
 * (of kind); without, any of ours that is not another path's.  1: nothing
 * to take there; *top (may be NULL) then the id found, 0 if none. */
static int detach_at(child_args *a, sp_ctr_op *op, const char *path,
                     uint64_t want, int kind, uint64_t *top) {
  if (top)
    *top = 0;
  seen s = {0};
  int fd = -1;
  int r = ctr_look_at(a, path, 0, &op->ident, &s, kind, &fd);
  if (fd == -ENOENT)
    return 1;
  if (fd < 0)
    return fd;
  if (r == 0 && top)
    *top = s.mnt_id;
  if (r == 0)
    r = s.ours && (want ? s.mnt_id == want
                        : !ctr_held_has(a, op, s.mnt_id, kind))
            ? ctr_umount_fd(a->procfd, fd, op->ident.is_dir) : 1;
  close(fd);
  return r;
}

/* ---- the container's mountinfo, where statmount is missing ---- */

/* Opened through the host's procfs for the child itself: its namespace
 * (the container's) and its root (ctr_root_in), so mount points read as the
 * container's paths. */
static int open_mountinfo(child_args *a) {
  int r = ctr_root_in(a);
  if (r < 0)
    return r;
  int fd = openat(a->procfd, "self/mountinfo", O_RDONLY | O_CLOEXEC);
  return fd < 0 ? -errno : fd;
}

typedef struct mi_find {
  child_args *a;
  const sp_ctr_op *op;
  uint64_t want;                   /* find this id's line */
  char copy[sizeof(SHAREDPATH_CONTAINER_DIR) + SP_HASH_HEX_LEN + 1];
  bool found, have_copy;
  unsigned int major, minor, copy_major, copy_minor;
} mi_find;

static int copy_string(char *dst, const char *src) {
  size_t len = strlen(src);
  if (len >= PATH_MAX)
    return -ENAMETOOLONG;
  memcpy(dst, src, len + 1);
  return 0;
}

static void copy_point(mi_find *f) {
  size_t dl = sizeof(SHAREDPATH_CONTAINER_DIR) - 1;
  memcpy(f->copy, SHAREDPATH_CONTAINER_DIR, dl);
  f->copy[dl] = '/';
  memcpy(f->copy + dl + 1, f->op->hash, SP_HASH_HEX_LEN + 1);
}

/* The line of id want (its point and root kept), and that of the copy at
 * /.sharedpath/<h> (its device and root: what a mount of the host path
 * shows, in mountinfo's own terms). */
static int find_line(const sp_mi_line *l, void *arg) {
  mi_find *f = arg;
  scratch *sc = f->a->sc;
  int r = 0;
  if (f->want && l->id == f->want) {
    f->found = true;
    f->major = l->major, f->minor = l->minor;
    if ((r = copy_string(sc->point, l->point)) == 0)
      r = copy_string(sc->root, l->root);
  } else if (!f->have_copy && strcmp(l->point, f->copy) == 0) {
    f->have_copy = true;
    f->copy_major = l->major, f->copy_minor = l->minor;
    r = copy_string(sc->copy_root, l->root);
  }
  return r < 0 ? r : f->found && f->have_copy ? 1 : 0;
}

/* Scan the container's mountinfo with f. */
static int scan(child_args *a, sp_mi_fn fn, void *f) {
  int fd = open_mountinfo(a);
  if (fd < 0)
    return fd;
  int r = sp_mountinfo_each(fd, a->sc->mi, sizeof(a->sc->mi), fn, f);
  close(fd);
  return r < 0 ? r : 0;
}

/* Where mount want (of kind) is now, into point (PATH_MAX; a->sc->point
 * where the mountinfo is read): 0, or -ENOENT
 * when it is gone.  *shows_host: it is a mount of the op's host path (a
 * reusable id may have passed to another mount since ours went). */
static int locate(child_args *a, sp_ctr_op *op, uint64_t want, int kind,
                  bool *shows_host, char *point) {
  *shows_host = true;
  if (kind == ID_UNIQUE) {
    int r = ctr_root_in(a); /* statmount names mount points from our root */
    return r < 0 ? r : mount_point_of(want, point, PATH_MAX);
  }
  mi_find f = {.a = a, .op = op, .want = want};
  copy_point(&f);
  int r = scan(a, find_line, &f);
  if (r < 0)
    return r;
  if (!f.found)
    return -ENOENT;
  /* Without the copy (the master bind is gone already) nothing tells:
   * take it for ours, which only ever makes a remove stricter. */
  if (f.have_copy)
    *shows_host = f.major == f.copy_major && f.minor == f.copy_minor &&
                  strcmp(a->sc->root, a->sc->copy_root) == 0;
  return 0;
}

/* The recorded mount, wherever renames in the container have put it
 * since: 0 taken out; 1 it is gone; -EBUSY (STAGE_COVERED) it is there
 * but cannot be reached: another mount covers it, or it keeps moving. */
static int detach_moved(child_args *a, sp_ctr_op *op, uint64_t want,
                        int kind) {
  /* statmount's answer needs no scratch (sp_ctr_run lends none then). */
  char local[PATH_MAX], *point = a->sc ? a->sc->point : local;
  /* Bounded, for a container that renames in a loop; a rename between
   * the lookup and the resolve only makes us look again. */
  for (int tries = 0; tries < 200; tries++) {
    bool shows_host;
    int r = locate(a, op, want, kind, &shows_host, point);
    if (r == -ENOENT)
      return 1;
    if (r < 0)
      return r;
    /* The copy under /.sharedpath shows the host path too: an id that
     * passed to it (ours is gone then: ids are unique among live mounts)
     * is never taken for ours. */
    if (sp_path_within(point, SHAREDPATH_CONTAINER_DIR))
      return 1;
    uint64_t top = 0;
    r = detach_at(a, op, point, want, kind, &top);
    if (r <= 0)
      return r;
    /* That id is another mount's now (a reusable one passes on once ours
     * is gone): ours is gone. */
    if (!shows_host || top == want)
      return 1;
    /* Moved again between the lookup and the resolve, or covered. */
  }
  op->stage = STAGE_COVERED;
  return -EBUSY;
}

/* ---- a path without a recorded id (a state of an older plugin) ---- */

typedef struct mi_unrecorded {
  mi_find f;          /* the copy's line, from a first pass */
  size_t nheld;       /* ids of the other paths' mounts of the host path */
  size_t candidates;
  uint64_t id;        /* the one candidate */
} mi_unrecorded;

/* A mount of the host path (the copy's device and root), not the copy and
 * not below /.sharedpath, not another path's, and at the top of its
 * mount point (a covered one cannot be told from the mounts of the
 * container's own that show the same). */
static int unrecorded_line(const sp_mi_line *l, void *arg) {
  mi_unrecorded *u = arg;
  child_args *a = u->f.a;
  if (l->major != u->f.copy_major || l->minor != u->f.copy_minor ||
      strcmp(l->root, a->sc->copy_root) != 0 ||
      sp_path_within(l->point, SHAREDPATH_CONTAINER_DIR))
    return 0;
  for (size_t i = 0; i < u->nheld; i++)
    if (a->sc->held_ids[i] == l->id)
      return 0;
  seen s = {0};
  int fd = -1;
  int r = ctr_look_at(a, l->point, 0, &u->f.op->ident, &s, ID_OLD, &fd);
  if (fd < 0)
    r = 0;
  if (fd >= 0)
    close(fd);
  if (r < 0)
    return r;
  if (fd >= 0 && s.ours && s.mnt_id == l->id) {
    if (u->candidates++ == 0) {
      u->id = l->id;
      r = copy_string(a->sc->point, l->point);
    }
  }
  return r;
}

/* The container's mounts of the host path that no other path of it
 * accounts for: exactly one is this path's (0 when taken out); none: 1;
 * several: -EBUSY (STAGE_AMBIGUOUS), the path stays. */
static int detach_unrecorded(child_args *a, sp_ctr_op *op) {
  mi_unrecorded u = {.f = {.a = a, .op = op}};
  copy_point(&u.f);
  int r = scan(a, find_line, &u.f);
  if (r < 0)
    return r;
  if (!u.f.have_copy)
    return 1; /* nothing tells what shows the host path: the path decides */
  /* The other paths' mounts of the host path: as recorded, else what is
   * at their paths now. */
  for (size_t i = 0; i < a->nheld; i++) {
    const sp_bind *h = &a->held[i];
    if (strcmp(h->hash, op->hash) || !strcmp(h->ctr, op->target))
      continue;
    if (u.nheld == SP_HELD_IDS_MAX) {
      op->stage = STAGE_AMBIGUOUS;
      return -EBUSY;
    }
    uint64_t id = ctr_id_kind(a, h->mnt_id) == ID_OLD ? h->mnt_id : 0;
    seen s = {0};
    int fd = -1;
    if (!id && ctr_look_at(a, h->ctr, 0, &op->ident, &s, ID_OLD, &fd) == 0 &&
        s.ours)
      id = s.mnt_id;
    if (fd >= 0)
      close(fd);
    if (id)
      a->sc->held_ids[u.nheld++] = id;
  }
  if ((r = scan(a, unrecorded_line, &u)) < 0)
    return r;
  if (u.candidates == 0)
    return 1;
  if (u.candidates > 1) {
    op->stage = STAGE_AMBIGUOUS;
    return -EBUSY;
  }
  return detach_at(a, op, a->sc->point, u.id, ID_OLD, NULL);
}

int ctr_do_detach(child_args *a, sp_ctr_op *op) {
  op->stage = STAGE_UMOUNT;
  int kind = ctr_id_kind(a, op->mnt_id), r;
  uint64_t want = kind == ID_NONE ? 0 : op->mnt_id;
  if (want) {
    if ((r = detach_at(a, op, op->target, want, kind, NULL)) <= 0)
      return r;
    /* Its id is another path's now: its own mount is gone. */
    if (!ctr_held_has(a, op, want, kind) &&
        (r = detach_moved(a, op, want, kind)) <= 0)
      return r;
  } else if ((r = detach_unrecorded(a, op)) <= 0) {
    return r;
  }
  op->stage = STAGE_UMOUNT;
  return detach_at(a, op, op->target, 0, ctr_record_kind(a), NULL);
}
