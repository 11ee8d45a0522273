/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/stat.h>

#include "statecache.h"

#define BUCKETS 256u

typedef struct file_id {
  dev_t dev;
  ino_t ino;
  off_t size;
  struct timespec mtim, ctim;
  /* The file handle carries the inode's generation: an inode number freed
   * by one rename and reused by the next state file within one timestamp
   * tick, at the same size, still reads as another file. */
  unsigned int handle_len;
  unsigned char handle[MAX_HANDLE_SZ];
} file_id;

typedef struct entry {
  struct entry *next;
  char id[SP_ID_MAX + 1];
  file_id fid;
  /* lent: st was handed to the caller holding the container's lock (a
   * move, not a copy: ~40 strdup and ~80 free at 20 paths per call); it
   * is back only through sp_state_cache_give_back or a save.  A lent
   * entry answers no load. */
  bool lent;
  sp_state st;
} entry;

struct sp_state_cache {
  pthread_mutex_t lock;
  entry *bucket[BUCKETS];
  sp_state_check_fn check;
  void *check_arg;
};

void sp_state_cache_set_check(sp_state_cache *c, sp_state_check_fn fn,
                              void *arg) {
  c->check = fn;
  c->check_arg = arg;
}

/* The identity of the file name names in dirfd (or of dirfd itself, name
 * "" and AT_EMPTY_PATH); false when it cannot be told (no such file, or a
 * filesystem without file handles: then nothing is cached). */
static bool identify_at(int dirfd, const char *name, int flags,
                        file_id *fid) {
  struct stat sb;
  if (fstatat(dirfd, name, &sb, AT_SYMLINK_NOFOLLOW | flags) < 0 ||
      !S_ISREG(sb.st_mode))
    return false;
  union {
    struct file_handle fh;
    unsigned char buf[sizeof(struct file_handle) + MAX_HANDLE_SZ];
  } h;
  h.fh.handle_bytes = MAX_HANDLE_SZ;
  int mount_id;
  if (name_to_handle_at(dirfd, name, &h.fh, &mount_id, flags) < 0 ||
      h.fh.handle_bytes > MAX_HANDLE_SZ)
    return false;
  *fid = (file_id){.dev = sb.st_dev, .ino = sb.st_ino, .size = sb.st_size,
                   .mtim = sb.st_mtim, .ctim = sb.st_ctim,
                   .handle_len = h.fh.handle_bytes};
  memcpy(fid->handle, h.fh.f_handle, h.fh.handle_bytes);
  return true;
}

/* The identity of <id>.json now. */
static bool identify(int dirfd, const char *id, file_id *fid) {
  char name[SP_ID_MAX + 16];
  int n = snprintf(name, sizeof(name), "%s.json", id);
  return n > 0 && (size_t)n < sizeof(name) &&
         identify_at(dirfd, name, 0, fid);
}

static bool same_file(const file_id *a, const file_id *b) {
  return a->handle_len && a->handle_len == b->handle_len &&
         !memcmp(a->handle, b->handle, a->handle_len) && a->dev == b->dev &&
         a->ino == b->ino && a->size == b->size &&
         a->mtim.tv_sec == b->mtim.tv_sec &&
         a->mtim.tv_nsec == b->mtim.tv_nsec &&
         a->ctim.tv_sec == b->ctim.tv_sec &&
         a->ctim.tv_nsec == b->ctim.tv_nsec;
}

static entry **slot(sp_state_cache *c, const char *id) {
  uint32_t h = 2166136261u; /* FNV-1a */
  for (const unsigned char *p = (const unsigned char *)id; *p; p++)
    h = (h ^ *p) * 16777619u;
  entry **e = &c->bucket[h % BUCKETS];
  while (*e && strcmp((*e)->id, id) != 0)
    e = &(*e)->next;
  return e;
}

static void entry_free(entry *e) {
  sp_state_free(&e->st);
  free(e);
}

int sp_state_cache_new(sp_state_cache **out, sp_error *err) {
  sp_state_cache *c = calloc(1, sizeof(*c));
  if (!c)
    return sp_fail(err, -ENOMEM, "out of memory");
  pthread_mutex_init(&c->lock, NULL);
  *out = c;
  return 0;
}

void sp_state_cache_free(sp_state_cache *c) {
  if (!c)
    return;
  for (size_t i = 0; i < BUCKETS; i++)
    for (entry *e = c->bucket[i], *next; e; e = next) {
      next = e->next;
      entry_free(e);
    }
  pthread_mutex_destroy(&c->lock);
  free(c);
}

void sp_state_cache_forget(sp_state_cache *c, const char *id) {
  pthread_mutex_lock(&c->lock);
  entry **e = slot(c, id), *gone = *e;
  if (gone)
    *e = gone->next;
  pthread_mutex_unlock(&c->lock);
  if (gone)
    entry_free(gone);
}

/* Remember st as the content of the file with identity fid: st itself
 * when take is set (then *st is left empty), or, lent, an entry that
 * waits for the caller to give st back (sp_state_cache_give_back).  On
 * any failure the entry is dropped: the cache only ever saves work. */
static void remember(sp_state_cache *c, const char *id, const file_id *fid,
                     sp_state *st, bool take) {
  entry *n = calloc(1, sizeof(*n));
  if (!n || strlen(id) > SP_ID_MAX) {
    free(n);
    sp_state_cache_forget(c, id);
    return;
  }
  if (take) {
    n->st = *st;
    *st = (sp_state){0};
  } else {
    n->lent = true;
  }
  strcpy(n->id, id);
  n->fid = *fid;
  pthread_mutex_lock(&c->lock);
  entry **e = slot(c, id), *old = *e;
  n->next = old ? old->next : NULL;
  *e = n;
  pthread_mutex_unlock(&c->lock);
  if (old)
    entry_free(old);
}

int sp_state_load_cached(sp_state_cache *c, int dirfd, const char *id,
                         sp_state *st, bool *exists, sp_error *err) {
  file_id before;
  bool known = identify(dirfd, id, &before);
  if (known) {
    pthread_mutex_lock(&c->lock);
    entry *e = *slot(c, id);
    bool hit = e && !e->lent && same_file(&e->fid, &before);
    if (hit) {
      *st = e->st;
      e->st = (sp_state){0};
      e->lent = true;
    }
    pthread_mutex_unlock(&c->lock);
    if (hit) {
      *exists = true;
      return 0;
    }
  }
  int r = sp_state_load(dirfd, id, st, exists, err);
  if (r == 0 && *exists && c->check)
    r = c->check(st, id, c->check_arg, err);
  if (r < 0 || !*exists) {
    sp_state_cache_forget(c, id);
    return r;
  }
  /* Remember only if the file read is still the one identified before. */
  file_id after;
  if (known && identify(dirfd, id, &after) && same_file(&before, &after))
    remember(c, id, &after, st, false);
  else
    sp_state_cache_forget(c, id);
  return 0;
}

int sp_state_save_cached(sp_state_cache *c, int dirfd, const char *id,
                         sp_state *st, sp_error *err) {
  /* Identified through the fd just written and renamed into place (after
   * the rename, which changes its ctime): what is remembered is exactly
   * the file holding st, with no lookup of the name.  A writer replacing
   * it meanwhile makes a new identity, read again at the next load. */
  _cleanup_close_ int fd = -1;
  int r = sp_state_save_fd(dirfd, id, st, &fd, err);
  file_id fid;
  if (r == 0 && identify_at(fd, "", AT_EMPTY_PATH, &fid))
    remember(c, id, &fid, st, true); /* no copy: callers are done with st */
  else
    sp_state_cache_forget(c, id);
  return r;
}

void sp_state_cache_give_back(sp_state_cache *c, const char *id,
                              sp_state *st) {
  pthread_mutex_lock(&c->lock);
  entry *e = *slot(c, id);
  bool back = e && e->lent;
  if (back) {
    e->st = *st;
    e->lent = false;
    *st = (sp_state){0};
  }
  pthread_mutex_unlock(&c->lock);
  if (!back)
    sp_state_free(st);
}
