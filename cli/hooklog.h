/* SPDX-License-Identifier: Apache-2.0 */
/* Where a hook's messages go besides stderr.  Engines often drop a hook's
 * stderr (podman reports a failed precreate hook as "exit status 1" and
 * nothing else), so every hook run leaves a line in a log file under the
 * state dir, and failures and warnings also go to syslog (the journal,
 * under systemd) when something listens on /dev/log. */
#ifndef SPC_HOOKLOG_H
#define SPC_HOOKLOG_H

#include <stddef.h>
#include <syslog.h>

#include "errors.h"

/* <state_dir>/log/hooks.log, the dir 0700 and the file 0600; past this
 * size it moves to hooks.log.1 (the one before that goes), so the log
 * takes at most twice this. */
#define SPC_HOOK_LOG_DIR "log"
#define SPC_HOOK_LOG_NAME "hooks.log"
#define SPC_HOOK_LOG_MAX (1u << 20)
#define SPC_SYSLOG_SOCKET "/dev/log"

/* Append line (a newline is added) to the log file at path, under an
 * flock so concurrent hooks neither interleave nor rotate twice; rotate
 * first if the file has reached max bytes.  A symlink or non-file at path
 * is refused; a file left with another mode gets 0600. */
int spc_log_append(const char *path, size_t max, const char *line,
                   sp_error *e);

/* One datagram in the syslog format (RFC 3164: "<PRI>Mmm dd hh:mm:ss
 * sharedpath[PID]: msg", facility daemon) to socket_path, without
 * blocking.  -errno when nothing listens there. */
int spc_syslog_send(const char *socket_path, int priority, const char *msg);

/* A hook's message at priority (LOG_ERR, LOG_WARNING, LOG_INFO): into
 * <state_dir>/log/hooks.log with a time stamp, and, for warnings and
 * errors, to syslog.  Never fails: a log that cannot be written is said
 * on stderr. */
void spc_hook_log(const char *state_dir, int priority, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
