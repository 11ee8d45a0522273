/* SPDX-License-Identifier: Apache-2.0 */
#include <pthread.h>
#include <string.h>
#include <sys/stat.h>

#include "statecache.h"

#define BUCKETS 256u

/* What identifies the content of a version-2 state file without reading
 * it (statefile.h): its nonce and the seq of each slot, from the slots'
 * prefixes, the slot found to hold the state, and the inode and its size.
 * Every writer holds the container's lock and writes a seq one above the
 * state's into the other slot, or a new file: so another process's save
 * shows as another seq (or inode).  A file deleted and created again
 * starts at seq 1 with another nonce.  A version-1 file is never cached
 * (the next save replaces it); one written by hand over a version-2 file
 * is no longer one (its head and size change).  The times are not
 * compared: a save in place changes them, and the one edit they would
 * add, a slot's text changed by hand keeping its prefix, is refused by
 * its CRC at every read from disk anyway. */
typedef struct file_id {
  dev_t dev;
  ino_t ino;
  off_t size;
  uint64_t nonce, seq[2];
  unsigned cur;
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

/* false: not to be cached (no file, version 1, times unknown). */
static bool identify(const sp_state_file *f, file_id *fid) {
  if (f->fd < 0 || !f->slotted || !f->sb.st_ino)
    return false;
  *fid = (file_id){.dev = f->sb.st_dev, .ino = f->sb.st_ino,
                   .size = f->sb.st_size, .nonce = f->nonce,
                   .seq = {f->valid[0] ? f->seq[0] : 0,
                           f->valid[1] ? f->seq[1] : 0},
                   .cur = f->cur};
  return true;
}

static bool same_file(const file_id *a, const file_id *b) {
  return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
         a->nonce == b->nonce &&
         a->seq[0] == b->seq[0] && a->seq[1] == b->seq[1] && a->cur == b->cur;
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
                         sp_state_file *f, sp_state *st, bool *exists,
                         sp_error *err) {
  *st = (sp_state){0};
  int r = sp_state_file_open(dirfd, id, f, exists, err);
  if (r < 0 || !*exists) {
    sp_state_cache_forget(c, id);
    return r;
  }
  file_id fid;
  if (identify(f, &fid)) {
    pthread_mutex_lock(&c->lock);
    entry *e = *slot(c, id);
    bool hit = e && !e->lent && same_file(&e->fid, &fid);
    if (hit) {
      *st = e->st;
      e->st = (sp_state){0};
      e->lent = true;
    }
    pthread_mutex_unlock(&c->lock);
    if (hit)
      return 0;
  }
  r = sp_state_file_read(f, id, st, err);
  if (r == 0 && c->check)
    r = c->check(st, id, c->check_arg, err);
  if (r < 0) {
    sp_state_free(st);
    sp_state_cache_forget(c, id);
    return r;
  }
  /* As read: a slot that failed its CRC makes the identity differ from
   * what the prefixes alone say, so such a file is read whole each time
   * until a save writes over that slot. */
  if (identify(f, &fid))
    remember(c, id, &fid, st, false);
  else
    sp_state_cache_forget(c, id);
  return 0;
}

int sp_state_save_cached(sp_state_cache *c, sp_state_file *f, const char *id,
                         sp_state *st, sp_error *err) {
  /* What is remembered is the file just written, through its fd: no
   * lookup of the name. */
  int r = sp_state_file_write(f, id, st, err);
  file_id fid;
  if (r == 0 && identify(f, &fid))
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
