/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SP_INTENT_H
#define SP_INTENT_H
#include <sys/types.h>

#include "state.h"

/* The intent of an add or remove: the paths it is about to touch, kept
 * in the (held) lock file.  It only has to outlive the process, not the
 * machine: after a reboot no mount is left and on_start rebuilds from the
 * state.
 *
 * The lock file is empty or holds one record: the state-format JSON,
 * padded with blanks to the file's length.  A record is live while its
 * first byte is '{'.  Writing puts the body (bytes 1..) first and the '{'
 * last; clearing overwrites the '{' with a blank.  So a record cut short
 * never reads as live, and the file keeps its page: truncating it to 0
 * and writing it again freed and re-allocated that page on every call
 * (most of what the intent cost on tmpfs, and a journalled truncate on
 * ext4; BENCHMARKS.md). */
/* *size: the lock file's length, updated. */
int sp_intent_write(int lockfd, off_t *size, const char *id,
                    const sp_state *st, sp_error *err) SP_HIDDEN;
/* size: the lock file's length (from sp_state_lock).  *exists = false
 * when no live record is there.  An error means a live record could not
 * be read back. */
int sp_intent_read(int lockfd, off_t size, const char *id, sp_state *st,
                   bool *exists, sp_error *err) SP_HIDDEN;
int sp_intent_clear(int lockfd) SP_HIDDEN;

#endif
