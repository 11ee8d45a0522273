/* SPDX-License-Identifier: Apache-2.0 */
/* State files (statefile.h) and lock files in the state dir. */
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>

#include "crc32c.h"
#include "fault.h"
#include "fileio.h"
#include "statefile.h"

/* ---- the version-3 layout ---- */

static const char HEAD[] = "{\"version\":3,\"slots\":[\n";
static const char TAIL[] = "]}\n";
#define HEAD_LEN (sizeof(HEAD) - 1)
#define TAIL_LEN (sizeof(TAIL) - 1)
/* A slot: a lead byte (' ', then ','  for the second: the slots are the
 * elements of a JSON array), the prefix, the state, '}', blanks. */
#define K_SEQ "{\"seq\":\""
#define K_NONCE "\",\"nonce\":\""
#define K_LEN "\",\"len\":\""
#define K_CRC "\",\"crc\":\""
#define K_STATE "\",\"state\":"
#define KL(k) (sizeof(k) - 1)
/* The CRC covers the prefix up to the crc field (seq, nonce, len), then
 * the state. */
#define CRC_COVER (KL(K_SEQ) + 16 + KL(K_NONCE) + 16 + KL(K_LEN) + 8)
#define PREFIX_LEN (1 + CRC_COVER + KL(K_CRC) + 8 + KL(K_STATE))
/* A slot never gets smaller than this, nor larger than twice the largest
 * state accepted. */
#define CAP_MIN 4096u
#define CAP_MAX (2 * (size_t)SP_STATE_MAX_BYTES)
#define FILE_MAX (HEAD_LEN + 2 * CAP_MAX + TAIL_LEN)

static int state_name(char *buf, size_t sz, const char *id, const char *ext) {
  int n = snprintf(buf, sz, "%s.%s", id, ext);
  return n > 0 && (size_t)n < sz ? 0 : -ENAMETOOLONG;
}

static void put_hex(char *o, uint64_t v, int digits) {
  static const char hex[] = "0123456789abcdef";
  for (int i = digits - 1; i >= 0; i--, v >>= 4)
    o[i] = hex[v & 0xf];
}

static bool get_hex(const char *p, int digits, uint64_t *v) {
  uint64_t x = 0;
  for (int i = 0; i < digits; i++) {
    char c = p[i];
    int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                                                  : -1;
    if (d < 0)
      return false;
    x = x << 4 | (uint64_t)d;
  }
  *v = x;
  return true;
}

typedef struct prefix {
  uint64_t seq, nonce;
  size_t len;
  uint32_t crc;
} prefix;

/* The prefix of slot k in p (PREFIX_LEN bytes), for a slot of cap bytes:
 * false if it is not one (an empty slot, or blanks: never written, or
 * invalidated). */
static bool parse_prefix(const char *p, unsigned k, size_t cap, prefix *out) {
  uint64_t len, crc;
  const char *q = p + 1;
  if (p[0] != (k ? ',' : ' ') || memcmp(q, K_SEQ, KL(K_SEQ)) ||
      !get_hex(q += KL(K_SEQ), 16, &out->seq) ||
      memcmp(q += 16, K_NONCE, KL(K_NONCE)) ||
      !get_hex(q += KL(K_NONCE), 16, &out->nonce) ||
      memcmp(q += 16, K_LEN, KL(K_LEN)) || !get_hex(q += KL(K_LEN), 8, &len) ||
      memcmp(q += 8, K_CRC, KL(K_CRC)) || !get_hex(q += KL(K_CRC), 8, &crc) ||
      memcmp(q += 8, K_STATE, KL(K_STATE)))
    return false;
  out->len = (size_t)len;
  out->crc = (uint32_t)crc;
  return out->seq > 0 && len <= SP_STATE_MAX_BYTES &&
         PREFIX_LEN + len + 1 <= cap;
}

static void make_prefix(char *p, unsigned k, const prefix *x,
                        const char *state) {
  char *q = p;
  *q++ = k ? ',' : ' ';
  memcpy(q, K_SEQ, KL(K_SEQ));
  put_hex(q += KL(K_SEQ), x->seq, 16);
  memcpy(q += 16, K_NONCE, KL(K_NONCE));
  put_hex(q += KL(K_NONCE), x->nonce, 16);
  memcpy(q += 16, K_LEN, KL(K_LEN));
  put_hex(q += KL(K_LEN), x->len, 8);
  uint32_t crc = sp_crc32c(sp_crc32c(0, p + 1, CRC_COVER), state, x->len);
  memcpy(q += 8, K_CRC, KL(K_CRC));
  put_hex(q += KL(K_CRC), crc, 8);
  memcpy(q += 8, K_STATE, KL(K_STATE));
}

/* Whether len bytes of state after prefix p are what its CRC says. */
static bool crc_ok(const char *p, const prefix *x, const char *state) {
  return sp_crc32c(sp_crc32c(0, p + 1, CRC_COVER), state, x->len) == x->crc &&
         state[x->len] == '}';
}

/* The slot layout of a file of size bytes starting with head (at least
 * HEAD_LEN bytes): 1 and *cap when it is a version-3 file, 0 when it is
 * not one (a file of version 1 or 2, or not a state file at all),
 * -EINVAL when it starts like one but its size does not fit. */
static int layout(const char *head, size_t size, size_t *cap) {
  if (size < HEAD_LEN || memcmp(head, HEAD, HEAD_LEN) != 0)
    return 0;
  size_t c = (size - HEAD_LEN - TAIL_LEN) / 2;
  if (size < HEAD_LEN + TAIL_LEN || HEAD_LEN + 2 * c + TAIL_LEN != size ||
      c < PREFIX_LEN + 2)
    return -EINVAL;
  *cap = c;
  return 1;
}

/* Which slots of f are well formed, and which holds the state (the higher
 * seq); p[k] are the slots' first PREFIX_LEN bytes. */
static void pick(sp_state_file *f, const char *const p[2]) {
  prefix x[2];
  for (unsigned k = 0; k < 2; k++) {
    f->valid[k] = parse_prefix(p[k], k, f->cap, &x[k]);
    f->seq[k] = f->valid[k] ? x[k].seq : 0;
    f->used[k] = f->valid[k] ? PREFIX_LEN + x[k].len + 1 : f->cap;
  }
  f->cur = f->valid[1] && (!f->valid[0] || x[1].seq > x[0].seq) ? 1 : 0;
  f->nonce = f->valid[f->cur] ? x[f->cur].nonce : 0;
}

/* ---- reading ---- */

void sp_state_file_close(sp_state_file *f) {
  if (f->fd >= 0)
    close(f->fd);
  f->fd = -1;
}

int sp_state_file_open(int dirfd, const char *id, sp_state_file *f,
                       bool *exists, sp_error *err) {
  char name[SP_ID_MAX + 16];
  sp_state_file_close(f);
  *f = (sp_state_file){.dirfd = dirfd, .fd = -1};
  *exists = false;
  if (state_name(name, sizeof(name), id, "json") < 0)
    return sp_fail(err, -ENAMETOOLONG, "container id too long");
  int flags = O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK;
  f->writable = true;
  f->fd = openat(dirfd, name, O_RDWR | flags);
  if (f->fd < 0 && (errno == EROFS || errno == EACCES || errno == EISDIR)) {
    f->writable = false; /* reading is all a read-only state dir allows */
    f->fd = openat(dirfd, name, O_RDONLY | flags);
  }
  if (f->fd < 0)
    return errno == ENOENT ? 0 : sp_fail_errno(err, -errno, "cannot open "
                                                "state file %s", name);
  if (fstat(f->fd, &f->sb) < 0)
    return sp_fail_errno(err, -errno, "cannot stat state file %s", name);
  if (!S_ISREG(f->sb.st_mode))
    return sp_fail(err, -EINVAL, "state file %s is not a regular file", name);
  if ((uint64_t)f->sb.st_size > FILE_MAX)
    return sp_fail(err, -EFBIG, "state file %s is %lld bytes, more than the "
                   "%zu allowed", name, (long long)f->sb.st_size,
                   (size_t)FILE_MAX);
  *exists = true;
  /* The head and the first slot's prefix at once, then the second's. */
  size_t size = (size_t)f->sb.st_size;
  char head[HEAD_LEN + PREFIX_LEN], second[PREFIX_LEN];
  ssize_t n = 0;
  if (size >= HEAD_LEN + 2 * (PREFIX_LEN + 2) + TAIL_LEN &&
      (n = pread(f->fd, head, sizeof(head), 0)) == (ssize_t)sizeof(head) &&
      layout(head, size, &f->cap) == 1 &&
      (n = pread(f->fd, second, PREFIX_LEN,
                 (off_t)(HEAD_LEN + f->cap))) == PREFIX_LEN) {
    f->slotted = true;
    pick(f, (const char *const[2]){head + HEAD_LEN, second});
    return 0;
  }
  if (n < 0)
    return sp_fail_errno(err, -errno, "cannot read state file %s", name);
  /* Version 1 or 2, or a file sp_state_file_read refuses: one too large
   * for those is refused unread. */
  if (size > SP_STATE_MAX_BYTES)
    return sp_fail(err, -EFBIG, "state file %s is %zu bytes, more than the "
                   "%u allowed", name, size, SP_STATE_MAX_BYTES);
  return 0;
}

/* The slotted text's state: the intact slot with the higher seq, f
 * updated to it (f may be a scratch one, for sp_state_file_parse). */
static int parse_slotted(const char *text, sp_state_file *f, const char *id,
                         sp_state *st, sp_error *err) {
  const char *slot[2] = {text + HEAD_LEN, text + HEAD_LEN + f->cap};
  pick(f, slot);
  /* The newer first; a torn write (a power loss while it was written)
   * leaves it failing its CRC, and the older is the state. */
  for (unsigned t = 0; t < 2; t++) {
    unsigned k = t ? 1 - f->cur : f->cur;
    prefix x;
    if (!f->valid[k] || !parse_prefix(slot[k], k, f->cap, &x))
      continue;
    if (!crc_ok(slot[k], &x, slot[k] + PREFIX_LEN)) {
      f->valid[k] = false;
      f->used[k] = f->cap; /* torn: anything may be left in it */
      continue;
    }
    f->cur = k;
    f->nonce = x.nonce;
    return sp_state_parse(slot[k] + PREFIX_LEN, x.len, id, st, err);
  }
  return sp_fail(err, -EINVAL, "no slot of the state is intact");
}

int sp_state_file_parse(const char *text, size_t len, const char *id,
                        sp_state *st, uint64_t *seq, sp_error *err) {
  *st = (sp_state){0};
  *seq = 0;
  sp_state_file f = SP_STATE_FILE_INIT;
  int r = layout(text, len, &f.cap);
  if (r < 0)
    return sp_fail(err, r, "the state file's size does not fit its two "
                   "slots");
  if (r == 0)
    return sp_state_parse(text, len, id, st, err);
  if ((r = parse_slotted(text, &f, id, st, err)) < 0)
    return r;
  *seq = f.seq[f.cur];
  return 0;
}

int sp_state_file_read(sp_state_file *f, const char *id, sp_state *st,
                       sp_error *err) {
  char what[SP_ID_MAX + 32];
  snprintf(what, sizeof(what), "state file %s.json", id);
  *st = (sp_state){0};
  _cleanup_free_ char *buf = NULL;
  size_t len = 0;
  int r = sp_read_all(f->fd, 0, FILE_MAX, what, &buf, &len, err);
  if (r < 0)
    return r;
  size_t cap = 0;
  r = layout(buf, len, &cap);
  if (r < 0)
    return sp_fail(err, r, "%s: its size does not fit its two slots", what);
  if (r == 0) {
    /* Version 1 (or not a state at all): the state object itself. */
    f->slotted = false;
    r = len > SP_STATE_MAX_BYTES
            ? sp_fail(err, -EFBIG, "%s is larger than %u bytes", what,
                      SP_STATE_MAX_BYTES)
            : sp_state_parse(buf, len, id, st, err);
  } else {
    f->slotted = true;
    f->cap = cap;
    r = parse_slotted(buf, f, id, st, err);
  }
  return r < 0 ? sp_wrap(err, r, "%s", what) : 0;
}

int sp_state_load(int dirfd, const char *id, sp_state *st, bool *exists,
                  sp_error *err) {
  _cleanup_state_file_ sp_state_file f = SP_STATE_FILE_INIT;
  *st = (sp_state){0};
  int r = sp_state_file_open(dirfd, id, &f, exists, err);
  if (r < 0 || !*exists)
    return r;
  return sp_state_file_read(&f, id, st, err);
}

/* ---- writing ---- */

/* A nonce for a new file: tells its states from those of another file
 * under the same name (a container deleted and created again), which may
 * reach the same seq. */
static uint64_t new_nonce(void) {
  uint64_t v = 0;
  if (getrandom(&v, sizeof(v), GRND_NONBLOCK) != sizeof(v)) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    v = (uint64_t)ts.tv_sec * 1000000007u ^ (uint64_t)ts.tv_nsec ^
        (uint64_t)getpid() << 40;
  }
  return v ? v : 1;
}

/* Make slot k's prefix unreadable: the previous slot is the state again.
 * Best effort, after a failed flush of that slot. */
static void invalidate(const sp_state_file *f, unsigned k) {
  char blank[PREFIX_LEN];
  memset(blank, ' ', sizeof(blank));
  blank[0] = k ? ',' : ' ';
  if (pwrite(f->fd, blank, sizeof(blank),
             (off_t)(HEAD_LEN + k * f->cap)) == (ssize_t)sizeof(blank))
    fdatasync(f->fd);
}

/* In place: the slot that does not hold the state, then fdatasync. */
static int write_slot(sp_state_file *f, const char *text, size_t len,
                      sp_error *err) {
  unsigned k = 1 - f->cur;
  size_t need = PREFIX_LEN + len + 1;
  /* Blanks over what the slot held beyond the new text, so the file stays
   * one JSON object. */
  size_t n = need > f->used[k] ? need : f->used[k];
  _cleanup_free_ char *buf = malloc(n);
  if (!buf)
    return sp_fail(err, -ENOMEM, "out of memory");
  prefix x = {.seq = f->seq[f->cur] + 1, .nonce = f->nonce, .len = len};
  make_prefix(buf, k, &x, text);
  memcpy(buf + PREFIX_LEN, text, len);
  buf[PREFIX_LEN + len] = '}';
  memset(buf + need, ' ', n - need);
  int r = sp_write_all(f->fd, buf, n, (off_t)(HEAD_LEN + k * f->cap));
  if (r < 0)
    /* Nothing, or part of the slot, written: its CRC fails; the state is
     * still the other slot's. */
    return sp_fail_errno(err, r, "cannot write the state file");
  if (SP_SYS(SP_F_WRITE, fdatasync(f->fd)) < 0) {
    r = -errno;
    invalidate(f, k);
    return sp_fail_errno(err, r, "cannot flush the state file");
  }
  /* The inode and its size are what they were (f->sb): in place. */
  f->cur = k;
  f->valid[k] = true;
  f->seq[k] = x.seq;
  f->used[k] = need;
  return 0;
}

/* A new file, both slots, by temp file and rename. */
static int write_new(sp_state_file *f, const char *id, const char *text,
                     size_t len, sp_error *err) {
  char name[SP_ID_MAX + 16], tmp[SP_ID_MAX + 24];
  if (state_name(name, sizeof(name), id, "json") < 0 ||
      state_name(tmp, sizeof(tmp), id, "json.tmp") < 0)
    return sp_fail(err, -ENAMETOOLONG, "container id too long");
  size_t need = PREFIX_LEN + len + 1, cap = CAP_MIN;
  /* Room to grow: a state outgrowing its slots costs a new file. */
  while (cap < 2 * need && cap < CAP_MAX)
    cap *= 2;
  if (need > cap)
    return sp_fail(err, -EFBIG, "the state of container '%s' would be %zu "
                   "bytes, more than the %u allowed", id, len,
                   SP_STATE_MAX_BYTES);
  size_t size = HEAD_LEN + 2 * cap + TAIL_LEN;
  _cleanup_free_ char *buf = malloc(size);
  if (!buf)
    return sp_fail(err, -ENOMEM, "out of memory");
  memset(buf, ' ', size);
  memcpy(buf, HEAD, HEAD_LEN);
  bool follows = f->fd >= 0 && f->slotted && f->valid[f->cur];
  prefix x = {.seq = follows ? f->seq[f->cur] + 1 : 1,
              .nonce = follows ? f->nonce : new_nonce(), .len = len};
  char *s0 = buf + HEAD_LEN, *s1 = s0 + cap;
  make_prefix(s0, 0, &x, text);
  memcpy(s0 + PREFIX_LEN, text, len);
  s0[PREFIX_LEN + len] = '}';
  memcpy(s1, ",{}", 3);
  memcpy(buf + size - TAIL_LEN, TAIL, TAIL_LEN);
  /* fsync'ed before the rename and the directory after: a new name is
   * durable only once its directory is. */
  int fd = -1;
  int r = sp_write_atomic_at(f->dirfd, name, tmp, buf, size, 0600, 0, &fd,
                             err);
  if (r < 0)
    return r;
  sp_state_file_close(f);
  f->fd = fd;
  f->writable = true;
  if (fstat(fd, &f->sb) < 0)
    f->sb = (struct stat){0};
  f->slotted = true;
  f->cap = cap;
  f->cur = 0;
  f->valid[0] = true;
  f->valid[1] = false;
  f->seq[0] = x.seq;
  f->seq[1] = 0;
  f->nonce = x.nonce;
  f->used[0] = need;
  f->used[1] = 3;
  return 0;
}

/* Why one write and one fdatasync keep every promise of the state:
 *
 * - Atomic.  A save writes only the slot that does not hold the state;
 *   the state's own slot is never touched by it.  Readers take the slot
 *   whose prefix is well formed and whose CRC-32C (over seq, nonce, len
 *   and the state) matches, with the higher seq.  A save cut short,
 *   whether the process dies in the write or the power goes before it
 *   reaches the disk, leaves that slot partly written: its CRC fails and
 *   the other slot is the state, as before the save.  This assumes what
 *   SQLite calls powersafe overwrite: a device writes each sector (512
 *   bytes) whole or not at all and never damages sectors outside the
 *   range written (so rewriting the unchanged bytes of a page both slots
 *   share leaves them as they were).
 * - Durable.  fdatasync returns once the data written, and the metadata
 *   needed to read it back, are on stable storage, with the device's
 *   write cache flushed (POSIX; on Linux for every filesystem, ext4 and
 *   xfs included, journal or not).  Here no metadata is needed: the
 *   slots' blocks were allocated and written, and fsync'ed, when the
 *   file was created, and the file's size never changes, so on ext4 and
 *   xfs it costs the data's write and one cache flush, no journal commit
 *   (on a copy-on-write filesystem such as btrfs it also commits the new
 *   extents: still correct).  An fsync would also write the inode for
 *   its new mtime, which nothing reads after a crash.
 * - A name is created only for a new file: the first save, a state that
 *   outgrows its slots, a file of version 1 or 2 replaced.  That one goes
 *   through a temp file, fsync, rename and a directory fsync, since a rename is
 *   durable only once its directory is (ext4's auto_da_alloc and xfs
 *   flush data before some renames, as a heuristic, not a promise).
 * - A failed flush (EIO) may leave the new slot on the disk or not: the
 *   save invalidates the slot's prefix again, so this boot reads the
 *   previous state, and returns the error; the caller undoes its mounts.
 *   After a power loss either may be read; nothing better can be said
 *   of a device that fails a flush.
 * - Versioned: a file of version 1 or 2 (the state object alone) is read
 *   and replaced at the next save; an older plugin parses this file as a
 *   newer version's and refuses it (-EPROTO); a newer version than 3 is
 *   refused here.
 *
 * The intent (intent.h) needs none of this: it only has to outlive the
 * process, and is never flushed. */
int sp_state_file_write(sp_state_file *f, const char *id, const sp_state *st,
                        sp_error *err) {
  _cleanup_free_ char *text = NULL;
  int r = sp_state_to_json(st, id, true, &text, err);
  if (r < 0)
    return r;
  size_t len = strlen(text);
  if (f->fd >= 0 && f->slotted && f->writable && f->valid[f->cur] &&
      PREFIX_LEN + len + 1 <= f->cap)
    return write_slot(f, text, len, err);
  return write_new(f, id, text, len, err);
}

int sp_state_save(int dirfd, const char *id, const sp_state *st,
                  sp_error *err) {
  _cleanup_state_file_ sp_state_file f = SP_STATE_FILE_INIT;
  bool exists;
  int r = sp_state_file_open(dirfd, id, &f, &exists, err);
  if (r < 0)
    return r;
  /* The state's slot, checked, before the other is written over. */
  if (exists && f.slotted) {
    _cleanup_state_ sp_state old = {0};
    if (sp_state_file_read(&f, id, &old, NULL) < 0)
      f.slotted = false; /* unreadable: replaced whole */
  }
  return sp_state_file_write(&f, id, st, err);
}

void sp_state_tmp_remove(int dirfd, const char *id) {
  char tmp[SP_ID_MAX + 24];
  if (state_name(tmp, sizeof(tmp), id, "json.tmp") == 0)
    unlinkat(dirfd, tmp, 0);
}

int sp_state_unlink(int dirfd, const char *id, sp_error *err) {
  char name[SP_ID_MAX + 16];
  if (state_name(name, sizeof(name), id, "json") < 0)
    return sp_fail(err, -ENAMETOOLONG, "container id too long");
  sp_state_tmp_remove(dirfd, id);
  if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
    return sp_fail_errno(err, -errno, "cannot remove %s", name);
  if (fsync(dirfd) < 0)
    return sp_fail_errno(err, -errno, "cannot fsync the state dir");
  return 0;
}

/* ---- lock files ---- */

int sp_state_lock(int dirfd, const char *id, int *lockfd, off_t *intent_len,
                  sp_error *err) {
  char name[SP_ID_MAX + 16];
  if (state_name(name, sizeof(name), id, "lock") < 0)
    return sp_fail(err, -ENAMETOOLONG, "container id too long");
  for (;;) {
    _cleanup_close_ int fd = openat(dirfd, name,
                                    O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
                                    0600);
    if (fd < 0)
      return sp_fail_errno(err, -errno, "cannot open lock file %s", name);
    while (flock(fd, LOCK_EX) < 0)
      if (errno != EINTR)
        return sp_fail_errno(err, -errno, "cannot lock %s", name);
    /* A delete may have unlinked the file while we waited: then our lock
     * guards nothing and we must retry on the new file.  Lock files are
     * only ever created and unlinked (never renamed or linked), so one
     * still linked is the one at the name: its link count tells, with no
     * second lookup of the name. */
    struct stat a;
    if (fstat(fd, &a) < 0)
      return sp_fail_errno(err, -errno, "cannot stat lock file %s", name);
    if (a.st_nlink > 0) {
      if (!S_ISREG(a.st_mode))
        return sp_fail(err, -EINVAL, "lock file %s is not a regular file",
                       name);
      /* One left with another mode (by hand, an older build) gets ours. */
      if ((a.st_mode & 07777) != 0600 && fchmod(fd, 0600) < 0)
        return sp_fail_errno(err, -errno, "cannot chmod lock file %s", name);
      if (intent_len)
        *intent_len = a.st_size;
      *lockfd = TAKE_FD(fd);
      return 0;
    }
  }
}

void sp_state_lock_unlink(int dirfd, const char *id) {
  char name[SP_ID_MAX + 16];
  if (state_name(name, sizeof(name), id, "lock") == 0)
    unlinkat(dirfd, name, 0);
}
