/* SPDX-License-Identifier: Apache-2.0 */
/* The harness's view of its own mount table (libmount). */
#ifndef SIM_MOUNTTABLE_H
#define SIM_MOUNTTABLE_H
#include <stdbool.h>
#include <stddef.h>

typedef struct sim_mounts {
  char **lines; /* "target fstype options" per mount, in table order */
  size_t n;
} sim_mounts;

int sim_mounts_read(sim_mounts *m);
/* The same from another mountinfo file, e.g. /proc/PID/mountinfo. */
int sim_mounts_read_file(sim_mounts *m, const char *mountinfo);
void sim_mounts_free(sim_mounts *m);
/* Mounts whose target lies strictly below one of the prefixes. */
size_t sim_mounts_count_below(const char *const *prefixes, size_t np);
/* Mounts whose target is exactly one component below prefix (the binds
 * themselves, not what is mounted inside them). */
size_t sim_mounts_count_children(const char *prefix);
/* Print to stdout what differs between two snapshots; true if equal. */
bool sim_mounts_same(const sim_mounts *a, const sim_mounts *b);
/* Print the mounts of now that are not in base and whose target is not
 * strictly below prefix; true if there are none. */
bool sim_mounts_new_only_below(const sim_mounts *base, const sim_mounts *now,
                               const char *prefix);
/* Print the mounts at or below path; true if there are none. */
bool sim_mounts_none_at_or_below(const sim_mounts *m, const char *path);
/* path (a last symlink not followed) is the root of a mount: by
 * STATX_ATTR_MOUNT_ROOT where the kernel has it (5.8+: its attributes
 * mask says), else by a mount id (fdinfo's, any kernel) other than its
 * directory's.  *dev, *ino (may be NULL): what it shows. */
bool sim_is_mount_root(const char *path, unsigned long long *dev,
                       unsigned long long *ino);
#endif
