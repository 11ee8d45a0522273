/* SPDX-License-Identifier: Apache-2.0 */
/* A container's process as the hook saw it, and finding it again safely.
 *
 * A pid alone can be reused by an unrelated process once the container is
 * gone; binding a path into that process would hand host data to a
 * stranger.  So the hook records the pid with the process's start time
 * (/proc/PID/stat field 22) and its mount namespace (dev and inode of
 * /proc/PID/ns/mnt).  Later commands open a pidfd first, then compare both
 * and check the pidfd is still alive: the pidfd pins the process, so what
 * /proc showed was that process. */
#ifndef SPC_PROC_H
#define SPC_PROC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "errors.h"

typedef struct spc_proc {
  pid_t pid;
  uint64_t start_time; /* clock ticks after boot */
  uint64_t mnt_dev, mnt_ino;
} spc_proc;

/* Field 22 (starttime) of a /proc/PID/stat line.  The comm field may hold
 * spaces and parentheses, so fields are counted after the last ')'. */
int spc_stat_start_time(const char *stat_line, uint64_t *out, sp_error *e);

/* Read the identity of pid from /proc. */
int spc_proc_read(pid_t pid, spc_proc *p, sp_error *e);

/* The record file: JSON {"version":1,"id":..,"pid":..,"start_time":..,
 * "mnt_ns":{"dev":..,"ino":..}}. */
int spc_record_format(const char *id, const spc_proc *p, char **out,
                      sp_error *e);
int spc_record_parse(const char *text, const char *id, spc_proc *p,
                     sp_error *e);
/* <state_dir>/pids/<id>.json */
int spc_record_path(const char *state_dir, const char *id, char *buf,
                    size_t sz, sp_error *e);
int spc_record_save(const char *state_dir, const char *id, const spc_proc *p,
                    sp_error *e);
/* -ENOENT (with e filled) when there is none. */
int spc_record_load(const char *state_dir, const char *id, spc_proc *p,
                    sp_error *e);
/* Remove the record; none is fine. */
int spc_record_remove(const char *state_dir, const char *id, sp_error *e);

/* A container process to act on. */
typedef struct spc_target {
  pid_t pid;   /* 0: not running */
  int pidfd;   /* -1 when pid is 0 */
  char note[SHAREDPATH_ERROR_MESSAGE_MAX]; /* why it counts as not running */
} spc_target;

/* From the record of id: pid 0 (with note set) when there is no record or
 * the recorded process is gone or is another process now. */
int spc_target_from_record(const char *state_dir, const char *id,
                           spc_target *t, sp_error *e);
/* From an explicit pid (--pid): it must be alive and not share our mount
 * namespace (it would put host paths onto the host). */
int spc_target_from_pid(pid_t pid, spc_target *t, sp_error *e);
void spc_target_close(spc_target *t);

#endif
