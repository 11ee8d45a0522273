/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SIM_SIM_H
#define SIM_SIM_H
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "container.h"
#include "sharedpath/host.h"
#include "mounttable.h"

typedef struct sim {
  char tmp[PATH_MAX];   /* private tmpfs holding everything below */
  char root[PATH_MAX];  /* shared root given to the plugin */
  char state[PATH_MAX]; /* state dir given to the plugin (via a symlink) */
  char real_state[PATH_MAX]; /* $REALSTATE: where it really is */
  char data[PATH_MAX];  /* host data for scenarios ($DATA) */
  char rootfs[PATH_MAX];/* container rootfs dirs */
  char plugin_path[PATH_MAX]; /* --plugin, $PLUGIN */
  sph_plugin plugin;
  bool loaded;
  struct sharedpath_host host;
  sim_ctr *ctrs;
  size_t nctrs;
  sim_mounts baseline; /* after the first init: what "no leftover" means */
  bool have_baseline;
  bool quiet;
  bool pass_pidfd; /* the engine passes pidfds ('engine-pidfd'); per run */
  uint32_t avoid;  /* SHAREDPATH_MECH_* (--mechanism, --avoid) */
  unsigned int max_paths;
  char iter[16]; /* $i inside 'repeat' */
  struct {
    char name[32];
    char *value;
  } vars[16];   /* set by 'sha256 NAME TEXT' */
  size_t nvars;
  char *snapshot; /* taken by 'snapshot', compared by 'expect unchanged' */
} sim;

/* What a step returns to end a scenario as skipped, and the run's exit
 * status when every file was (CTest's SKIP_RETURN_CODE): 'require' on a
 * kernel without the feature. */
#define SIM_SKIPPED 77
/* "classic", "new", or a comma list of mechanisms to avoid (mount-api,
 * openat2, pidfd, statmount, statx-mount, all) into *avoid; -EINVAL. */
int sim_parse_avoid(const char *text, bool mechanism, uint32_t *avoid);

/* Enter a private mount namespace and set up the temporary tmpfs. */
int sim_setup(sim *s, char *msg, size_t msgsz);
/* Stop containers, unload, unmount and remove the temporary dir. */
void sim_teardown(sim *s);
/* Stop container i and forget it. */
void sim_ctr_forget(sim *s, size_t i);

/* Run a scenario: text from file `name` (for messages).  0 if every step
 * held, 1 if one did not (reported as name:line). */
int sim_run_text(sim *s, const char *name, const char *text);
int sim_run_file(sim *s, const char *path);
/* The whole file at path (text up to a NUL, "" when unreadable past the
 * open), malloc'ed, *len its length unless len is NULL; NULL with errno
 * when it cannot be opened. */
char *sim_read_text(const char *path, size_t *len);
extern const char sim_demo_scenario[];
/* `bench [options]`: argv[0] is "bench".  Sets up (and tears down) its own
 * sim per measured point.  Exit status: 0, 1 on failure, 2 on usage. */
int sim_bench_main(sim *s, int argc, char **argv);
#endif
