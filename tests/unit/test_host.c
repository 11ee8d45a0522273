/* SPDX-License-Identifier: Apache-2.0 */
/* libsharedpath-host's view of a process: its start time from
 * /proc/PID/stat, its identity, and opening it as a target. */
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sharedpath/host.h"
#include "unit.h"

static void test_stat_start_time(void) {
  uint64_t t = 0;
  struct sharedpath_error e = sph_error();
  const char *line =
      "8457 (sleep) S 8440 8457 8457 0 -1 4194560 120 0 0 0 0 0 0 0 20 0 1 "
      "0 1234567 1650688 200 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 "
      "17 1 0 0 0 0 0\n";
  CU_ASSERT_EQUAL(sph_proc_start_time(line, &t, &e), 0);
  CU_ASSERT_EQUAL(t, 1234567);
  /* A comm with spaces and ")" must not shift the fields. */
  const char *tricky =
      "77 (a) b ) c) R 1 77 77 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 987 1 1\n";
  CU_ASSERT_EQUAL(sph_proc_start_time(tricky, &t, &e), 0);
  CU_ASSERT_EQUAL(t, 987);
  const char *bad[] = {
      "",
      "1 (x R 1",
      "1 (x) R 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0\n",      /* too short */
      "1 (x) R 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 12a 1\n", /* not a number */
      "1 (x) R 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 -5 1\n",
      "1 (x) R 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0  5 1\n",  /* empty field */
      NULL};
  for (const char **b = bad; *b; b++)
    CU_ASSERT_EQUAL(sph_proc_start_time(*b, &t, &e), -EINVAL);
}

static void test_proc_self(void) {
  sph_proc p;
  struct sharedpath_error e = sph_error();
  CU_ASSERT_EQUAL_FATAL(sph_proc_read(getpid(), &p, &e), 0);
  CU_ASSERT(p.start_time > 0);
  struct stat sb;
  CU_ASSERT_EQUAL_FATAL(stat("/proc/self/ns/mnt", &sb), 0);
  CU_ASSERT_EQUAL(p.mnt_ino, sb.st_ino);
  /* Our own process is on the host: never a target. */
  sph_target t;
  CU_ASSERT_EQUAL(sph_target_open(getpid(), NULL, &t, &e), -EPERM);
  CU_ASSERT_PTR_NOT_NULL(strstr(e.message, "host's mount namespace"));
  CU_ASSERT_EQUAL(e.code, -EPERM);
  CU_ASSERT_EQUAL(t.pidfd, -1);
}

/* A process that is not the one recorded (another start time: its pid
 * reused) counts as gone. */
static void test_target_reused(void) {
  pid_t child = fork();
  CU_ASSERT_FATAL(child >= 0);
  if (child == 0) {
    pause();
    _exit(0);
  }
  sph_proc p;
  struct sharedpath_error e = sph_error();
  CU_ASSERT_EQUAL(sph_proc_read(child, &p, &e), 0);
  p.start_time++;
  sph_target t;
  CU_ASSERT_EQUAL(sph_target_open(child, &p, &t, &e), -ESRCH);
  CU_ASSERT_PTR_NOT_NULL(strstr(e.message, "pid reused"));
  kill(child, SIGKILL);
  waitpid(child, NULL, 0);
  CU_ASSERT_EQUAL(sph_target_open(child, NULL, &t, &e), -ESRCH);
}

void register_host_suite(void) {
  CU_pSuite s = CU_add_suite("host", NULL, NULL);
  ADD(s, test_stat_start_time);
  ADD(s, test_proc_self);
  ADD(s, test_target_reused);
}
