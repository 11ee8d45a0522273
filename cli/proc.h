/* SPDX-License-Identifier: Apache-2.0 */
/* A container's process as the hook saw it, recorded, and found again.
 *
 * The hook records the process's identity (sph_proc: pid, start time,
 * mount namespace, from libsharedpath-host) in a file; later commands
 * open it through sph_target_open, which checks that identity while a
 * pidfd pins the process, so a reused pid never gets a bind. */
#ifndef SPC_PROC_H
#define SPC_PROC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "errors.h"
#include "sharedpath/host.h"

/* The record file: JSON {"version":1,"id":..,"pid":..,"start_time":..,
 * "mnt_ns":{"dev":..,"ino":..}}. */
int spc_record_format(const char *id, const sph_proc *p, char **out,
                      sp_error *e);
int spc_record_parse(const char *text, const char *id, sph_proc *p,
                     sp_error *e);
/* <state_dir>/pids/<id>.json */
int spc_record_path(const char *state_dir, const char *id, char *buf,
                    size_t sz, sp_error *e);
int spc_record_save(const char *state_dir, const char *id, const sph_proc *p,
                    sp_error *e);
/* -ENOENT (with e filled) when there is none. */
int spc_record_load(const char *state_dir, const char *id, sph_proc *p,
                    sp_error *e);
/* Remove the record; none is fine. */
int spc_record_remove(const char *state_dir, const char *id, sp_error *e);

/* A container process to act on. */
typedef struct spc_target {
  sph_target t; /* pid 0 and pidfd -1: not running */
  char note[SHAREDPATH_ERROR_MESSAGE_MAX]; /* why it counts as not running */
} spc_target;

/* From the record of id: not running (with note set) when there is no
 * record or the recorded process is gone or is another process now. */
int spc_target_from_record(const char *state_dir, const char *id,
                           spc_target *t, sp_error *e);
/* The same from a record in hand (rec: what the hook just recorded). */
int spc_target_from_proc(const char *id, const sph_proc *rec, spc_target *t,
                         sp_error *e);
/* From an explicit pid (--pid): it must be alive and not share our mount
 * namespace (it would put host paths onto host paths). */
int spc_target_from_pid(pid_t pid, spc_target *t, sp_error *e);
void spc_target_close(spc_target *t);

#endif
