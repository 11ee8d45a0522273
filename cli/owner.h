/* SPDX-License-Identifier: Apache-2.0 */
/* Which container a sharedpath id belongs to.
 *
 * An engine knows its containers by its own id (the OCI state's "id":
 * podman's 64-hex id, a runc id) and the user picks the sharedpath id (the
 * io.sharedpath.id annotation).  Nothing stops two containers from being
 * given the same sharedpath id: the second would overwrite the first's
 * process record, its stop would delete the first's paths, and a new
 * container would silently inherit the paths an old one persisted.  So the
 * first container whose hook runs for an id claims it, in
 * <state_dir>/owners/<id>.json, and keeps it across stop and start until
 * the id is deleted; a hook of any other container for that id is refused,
 * unless the operator hands the id over (io.sharedpath.takeover=true or
 * `hook --takeover`), which is never allowed while the owner runs. */
#ifndef SPC_OWNER_H
#define SPC_OWNER_H

#include <stdbool.h>
#include <sys/types.h>

#include "errors.h"

/* Engine ids and names are the engine's strings: bounded, printable. */
#define SPC_ENGINE_ID_MAX 256

typedef struct spc_owner {
  char engine_id[SPC_ENGINE_ID_MAX]; /* the OCI state's "id"; never empty */
  char name[SPC_ENGINE_ID_MAX];      /* the engine's name for it, or "" */
  char bundle[4096];                 /* the OCI state's "bundle", or "" */
} spc_owner;

/* Fill o from the hook's view of a container; -EINVAL if engine_id is
 * empty, too long or not printable (name and bundle likewise, when given). */
int spc_owner_set(spc_owner *o, const char *engine_id, const char *name,
                  const char *bundle, sp_error *e);

/* The file: {"version":1,"id":..,"engine_id":..,"name":..,"bundle":..}. */
int spc_owner_format(const char *id, const spc_owner *o, char **out,
                     sp_error *e);
int spc_owner_parse(const char *text, const char *id, spc_owner *o,
                    sp_error *e);
/* <state_dir>/owners/<id>.json */
int spc_owner_path(const char *state_dir, const char *id, char *buf,
                   size_t sz, sp_error *e);
int spc_owner_save(const char *state_dir, const char *id, const spc_owner *o,
                   sp_error *e);
/* -ENOENT (with e filled) when the id has no owner. */
int spc_owner_load(const char *state_dir, const char *id, spc_owner *o,
                   sp_error *e);
/* Remove the owner file and its lock file; none is fine. */
int spc_owner_remove(const char *state_dir, const char *id, sp_error *e);

/* Hooks of two containers may run at once for one id: the check and the
 * records it leads to are made under flock on <state_dir>/owners/<id>.lock
 * (a lock file removed by a delete meanwhile is noticed and taken anew).
 * Returns the locked fd to close when done, or -errno. */
int spc_owner_lock(const char *state_dir, const char *id, sp_error *e);

/* How messages name a container: podman-style 12-character short id for
 * a 64-hex id, else the id; with the name when there is one. */
void spc_owner_label(const spc_owner *o, char *buf, size_t sz);

/* The rule, for a hook of container `me` (its process `me_pid`, 0 when
 * the stage has none) on id:
 *   owner:    the recorded owner, NULL when there is none;
 *   live_pid: the id's recorded process if it still runs, else 0.
 * A live process of another container: -EBUSY.  No owner: claim it.  The
 * same engine id: ours.  Another, stopped owner: -EBUSY unless takeover.
 * On success *claim says whether to (re)write the owner file as me. */
int spc_owner_check(const char *id, const spc_owner *owner, pid_t live_pid,
                    const spc_owner *me, pid_t me_pid, bool takeover,
                    bool *claim, sp_error *e);

/* What the hooks run, from the files in state_dir:
 * claim: spc_owner_check against the id's owner record and recorded
 *   process, then write the owner record if it is ours now; note says
 *   what changed ("" when nothing did).
 * precreate: podman's precreate sees a config, not the engine id; it can
 *   only refuse an id whose recorded process runs (-EBUSY).
 * mine: whether a poststop of `me` may act on id: 1 yes; 0 no (another
 *   container owns it, or a running process holds it), with note saying
 *   which. */
int spc_owner_claim(const char *state_dir, const char *id,
                    const spc_owner *me, pid_t me_pid, bool takeover,
                    char *note, size_t nsz, sp_error *e);
int spc_owner_precreate(const char *state_dir, const char *id, sp_error *e);
int spc_owner_mine(const char *state_dir, const char *id,
                   const spc_owner *me, char *note, size_t nsz, sp_error *e);

#endif
