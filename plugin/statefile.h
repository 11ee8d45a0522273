/* SPDX-License-Identifier: Apache-2.0 */
/* Per-container state: <state_dir>/<id>.json, guarded by flock on
 * <state_dir>/<id>.lock.
 *
 * Format version 3, what this plugin writes: one JSON object holding two
 * slots of a fixed size, each a sequence number, the file's nonce, a
 * length, a CRC-32C and a state object (state.h: version 1, or 2 with
 * rbind or idmap), padded with blanks:
 *
 *   {"version":3,"slots":[
 *    {"seq":"<16 hex>","nonce":"<16 hex>","len":"<8 hex>","crc":"<8 hex>",
 *     "state":{"version":1,"id":...,"paths":[...]}}     <blanks to the slot's end>
 *   ,{...the other slot, or {} ...}                     <blanks>
 *   ]}
 *
 * The state is the intact slot (its prefix well formed, its CRC right)
 * with the higher seq.  A save writes the other slot, in place, and
 * fdatasyncs: one write and one flush, no name created.  Why that keeps
 * every promise (atomic, durable across a crash and a power loss) is
 * argued at sp_state_file_write in statefile.c.  A file of version 1 or 2
 * (the state object alone, written by older plugins or by hand) is read
 * as before and replaced by a version-3 file at the next save; an older
 * plugin reads a version-3 file as valid JSON of a newer version and
 * refuses it (-EPROTO, "use a newer plugin"). */
#ifndef SP_STATEFILE_H
#define SP_STATEFILE_H
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "state.h"

/* An open state file, as a call holding the container's lock found it:
 * where the next save writes.  Owned by that call (sp_locked). */
typedef struct sp_state_file {
  int dirfd;      /* the state dir (borrowed) */
  int fd;         /* <id>.json, or -1 (none yet, or closed) */
  bool slotted;   /* version 3 */
  bool writable;  /* fd is open for writing */
  size_t cap;     /* bytes per slot */
  unsigned cur;   /* the slot holding the state */
  bool valid[2];  /* which slots have a well-formed prefix */
  uint64_t seq[2], nonce;
  size_t used[2]; /* bytes of each slot that are not blanks (at most) */
  struct stat sb; /* fstat at open, and after each save */
} sp_state_file;

#define SP_STATE_FILE_INIT {.dirfd = -1, .fd = -1}
void sp_state_file_close(sp_state_file *f) SP_HIDDEN;
#define _cleanup_state_file_ _cleanup_(sp_state_file_close)

/* Open <id>.json in dirfd and read what says which state it holds (a
 * version-3 file's slot prefixes), not the state itself.  A missing file
 * is 0 with *exists false.  *f is closed first. */
int sp_state_file_open(int dirfd, const char *id, sp_state_file *f,
                       bool *exists, sp_error *err) SP_HIDDEN;
/* Read the state the open file holds (checksummed, parsed and validated
 * like user input). */
int sp_state_file_read(sp_state_file *f, const char *id, sp_state *st,
                       sp_error *err) SP_HIDDEN;
/* Save st: in place into the slot not holding the state, when it fits;
 * else (no file yet, one of version 1 or 2, a state outgrowing its slots) a
 * new file by temp file and rename.  f (open or not, with its dirfd)
 * then describes the file written. */
int sp_state_file_write(sp_state_file *f, const char *id, const sp_state *st,
                        sp_error *err) SP_HIDDEN;

/* The text of a state file (either version): its state into *st, checked
 * like user input; for a version-3 file *seq gets the seq of the slot it
 * came from (0 for versions 1 and 2).  For sp_state_file_read and the
 * fuzzer. */
int sp_state_file_parse(const char *text, size_t len, const char *id,
                        sp_state *st, uint64_t *seq, sp_error *err) SP_HIDDEN;

/* One-shot: open, read, close.  A missing file gives an empty state and
 * *exists = false. */
int sp_state_load(int dirfd, const char *id, sp_state *st, bool *exists,
                  sp_error *err) SP_HIDDEN;
/* One-shot: open (if there) and save. */
int sp_state_save(int dirfd, const char *id, const sp_state *st,
                  sp_error *err) SP_HIDDEN;
/* Remove a temp file a crash left in a save that creates a file (saves
 * in place never look at it): called where a crash was, on_start. */
void sp_state_tmp_remove(int dirfd, const char *id) SP_HIDDEN;
/* Remove <id>.json (and a stale temp file), durably (a deleted container's paths never come back
 * after a power loss). */
int sp_state_unlink(int dirfd, const char *id, sp_error *err) SP_HIDDEN;

/* Take the container's exclusive lock; *lockfd is closed to release.
 * *intent_len (if not NULL) is the lock file's size once locked, for
 * sp_intent_read and sp_intent_write (0: no intent recorded). */
int sp_state_lock(int dirfd, const char *id, int *lockfd, off_t *intent_len,
                  sp_error *err) SP_HIDDEN;
/* Remove the lock file while holding it (on delete). */
void sp_state_lock_unlink(int dirfd, const char *id) SP_HIDDEN;
#endif
