/* SPDX-License-Identifier: Apache-2.0 */
/* Is a container running although no hook recorded its process?  That is
 * what happens when an engine starts a container without the sharedpath
 * hooks (podman without --hooks-dir on `podman start`): a path added then
 * would be saved for a start that already happened.  Engines name a
 * container's cgroup after its id (podman libpod-<id>, CRI-O crio-<id>,
 * docker docker-<id>, plain runc <id>, with .scope under systemd), so a
 * process in such a cgroup says it runs.  Used for a message only: a pid
 * found this way is never acted on. */
#ifndef SPC_CGSCAN_H
#define SPC_CGSCAN_H

#include <stdbool.h>
#include <sys/types.h>

/* Whether the text of a /proc/PID/cgroup file has a path component that
 * is engine_id or ends in "-<engine_id>", either with ".scope" after it. */
bool spc_cgroup_names(const char *text, const char *engine_id);

/* A process in engine_id's cgroup, preferring one outside our mount
 * namespace (the container's, not conmon's or a shim's): its pid, or 0. */
pid_t spc_cgroup_find(const char *engine_id);

/* For id without a process record: a process of its container if that
 * runs (found by the owner record's engine id, which *owner gets), else
 * 0: also when it has a record or no owner. */
struct spc_owner;
pid_t spc_unrecorded_running(const char *state_dir, const char *id,
                             struct spc_owner *owner);

#endif
