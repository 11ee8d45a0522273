/* SPDX-License-Identifier: Apache-2.0 */
/* sharedpath-sim: an engine stand-in that loads a sharedpath plugin and
 * drives it against real containers, inside its own mount namespace. */
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim.h"

/* host-sim is not installed: its fallback is the configured install. */
#ifndef SHAREDPATH_PLUGIN_INSTALLED
#error "SHAREDPATH_PLUGIN_INSTALLED is set by host-sim/CMakeLists.txt"
#endif

static void usage(FILE *f) {
  fprintf(f,
"Usage: sharedpath-sim [--plugin PATH] [--quiet] demo\n"
"       sharedpath-sim [--plugin PATH] [--quiet] run FILE...\n"
"       sharedpath-sim [--plugin PATH] bench [--containers N] [--paths M]\n"
"                      [--json] [--sweep]   (bench --help for more)\n"
"\n"
"An engine stand-in for sharedpath plugins.  It enters a private mount\n"
"namespace (/ made rprivate), puts its shared root, state dir, host data\n"
"and container rootfs dirs on a temporary tmpfs, and runs real containers\n"
"(a mount namespace, the spec's mounts, pivot_root) whose view it checks\n"
"from inside.  The machine's mount table is never touched.\n"
"\n"
"Commands:\n"
"  demo          the whole lifecycle: create, start, add a directory, a file\n"
"                and a read-only directory, check them inside, write on\n"
"                both sides, remove, restart, delete; printing each step\n"
"  run FILE...   run scenario files (syntax: host-sim/README.md)\n"
"  bench         time add-path and remove-path through the plugin against\n"
"                the same kernel work in plain code and against mount(8) +\n"
"                nsenter(1), with N containers of M paths (BENCHMARKS.md)\n"
"\n"
"Options:\n"
"  --plugin PATH     plugin to load for 'load $PLUGIN' and the demo\n"
"                    (default: the build tree's, else %s)\n"
"  --max-paths N     paths per container the engine allows (default: the\n"
"                    plugin's, 128)\n"
"  --mechanism new|classic\n"
"                    the kernel mechanisms the plugin may use: the newest\n"
"                    the kernel has (default), or those of a 4.18 kernel\n"
"                    on any kernel (the engine's host.avoid)\n"
"  --avoid LIST      rule out some: mount-api,openat2,pidfd,statmount,\n"
"                    statx-mount (or all)\n"
"  -q, --quiet       print failures only\n"
"  -h, --help        this text\n"
"\n"
"Exit status: 0 every step held, 1 a step failed (printed as FILE:LINE),\n"
"2 usage or setup error.  Must run as root.\n",
          SHAREDPATH_PLUGIN_INSTALLED);
}

/* The plugin beside us in a build tree: <build>/host-sim/../plugin/. */
static void default_plugin(char *out, size_t sz) {
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (n > 0) {
    exe[n] = '\0';
    snprintf(out, sz, "%s/../plugin/sharedpath-plugin.so", dirname(exe));
    if (access(out, R_OK) == 0)
      return;
  }
  snprintf(out, sz, "%s", SHAREDPATH_PLUGIN_INSTALLED);
}

int main(int argc, char **argv) {
  static const struct option opts[] = {
      {"plugin", required_argument, NULL, 'p'},
      {"max-paths", required_argument, NULL, 'm'},
      {"mechanism", required_argument, NULL, 'M'},
      {"avoid", required_argument, NULL, 'A'},
      {"quiet", no_argument, NULL, 'q'},
      {"help", no_argument, NULL, 'h'},
      {0},
  };
  sim s = {0};
  int c;
  while ((c = getopt_long(argc, argv, "+p:m:qh", opts, NULL)) != -1) {
    switch (c) {
    case 'p':
      snprintf(s.plugin_path, sizeof(s.plugin_path), "%s", optarg);
      break;
    case 'm':
      s.max_paths = (unsigned int)strtoul(optarg, NULL, 10);
      break;
    case 'M':
    case 'A':
      if (sim_parse_avoid(optarg, c == 'M', &s.avoid) < 0) {
        fprintf(stderr, "sharedpath-sim: %s '%s': use %s\n",
                c == 'M' ? "--mechanism" : "--avoid", optarg,
                c == 'M' ? "new or classic"
                         : "mount-api,openat2,pidfd,statmount,statx-mount "
                           "or all");
        return 2;
      }
      break;
    case 'q':
      s.quiet = true;
      break;
    case 'h':
      usage(stdout);
      return 0;
    default:
      usage(stderr);
      return 2;
    }
  }
  if (optind >= argc) {
    usage(stderr);
    return 2;
  }
  const char *cmd = argv[optind++];
  bool demo = !strcmp(cmd, "demo");
  bool bench = !strcmp(cmd, "bench");
  if (!demo && !bench && strcmp(cmd, "run")) {
    fprintf(stderr, "sharedpath-sim: unknown command '%s' (try --help)\n",
            cmd);
    return 2;
  }
  if (!demo && !bench && optind >= argc) {
    fprintf(stderr, "sharedpath-sim: run needs a scenario FILE\n");
    return 2;
  }
  if (!s.plugin_path[0])
    default_plugin(s.plugin_path, sizeof(s.plugin_path));
  /* Make the plugin path absolute before anything changes directory. */
  char abs[PATH_MAX];
  if (realpath(s.plugin_path, abs))
    snprintf(s.plugin_path, sizeof(s.plugin_path), "%s", abs);

  /* The bench sets up a fresh sim for each point it measures. */
  if (bench)
    return sim_bench_main(&s, argc - optind + 1, argv + optind - 1);
  char msg[512];
  if (sim_setup(&s, msg, sizeof(msg)) < 0) {
    fprintf(stderr, "sharedpath-sim: %s\n", msg);
    sim_teardown(&s);
    return 2;
  }
  int rc = 0;
  if (demo) {
    printf("sharedpath demo: plugin %s\n", s.plugin_path);
    printf("private mount namespace; shared root %s, state %s\n", s.root,
           s.state);
    rc = sim_run_text(&s, "demo", sim_demo_scenario);
    printf("\n%s\n", rc ? "demo FAILED" : "demo passed: every step held");
  } else {
    /* A skipped file (SIM_SKIPPED) does not stop the run; the run is
     * skipped when every file was. */
    int ran = 0, skipped = 0;
    for (; optind < argc && rc == 0; optind++) {
      rc = sim_run_file(&s, argv[optind]);
      ran++;
      bool skip = rc == SIM_SKIPPED;
      if (skip)
        skipped++, rc = 0;
      printf("%s: %s\n", argv[optind],
             rc ? "FAILED" : skip ? "skipped" : "passed");
      /* Each file starts from a clean harness. */
      sim_teardown(&s);
      if (rc == 0 && optind + 1 < argc && sim_setup(&s, msg, sizeof(msg)) < 0) {
        fprintf(stderr, "sharedpath-sim: %s\n", msg);
        rc = 2;
      }
    }
    if (rc == 0 && ran > 0 && skipped == ran)
      rc = SIM_SKIPPED;
  }
  sim_teardown(&s);
  return rc;
}
