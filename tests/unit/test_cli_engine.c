/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of what the command does for real engines: who owns an id
 * (owner records and the claim rule), finding a container by the engine's
 * id, the cgroup check for a container started without the hooks, the
 * hook log and syslog, the hook files' id regex, and the OCI annotations
 * behind them. */
#include <CUnit/Basic.h>
#include <fcntl.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "args.h"
#include "cgscan.h"
#include "fileio.h"
#include "hooklog.h"
#include "lookup.h"
#include "oci.h"
#include "owner.h"

#include "unit.h"

#define HEX64 "d0753349953a0123456789abcdef0123456789abcdef0123456789abcdef0123"

static spc_owner owner(const char *engine_id, const char *name) {
  spc_owner o;
  CU_ASSERT_EQUAL(spc_owner_set(&o, engine_id, name, "/b", NULL), 0);
  return o;
}

static char *tmpdir(void) {
  static char dir[64];
  snprintf(dir, sizeof(dir), "/tmp/sharedpath-cli-unit.XXXXXX");
  CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
  return dir;
}

static void rm_rf(const char *dir) {
  char cmd[256];
  snprintf(cmd, sizeof(cmd), "rm -r %s", dir);
  CU_ASSERT_EQUAL(system(cmd), 0);
}

static void write_file(const char *dir, const char *name, const char *text) {
  char path[256];
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  CU_ASSERT_EQUAL(sp_write_atomic(path, text, strlen(text), 0600, NULL), 0);
}

static void test_owner_record(void) {
  spc_owner o = owner(HEX64, "web"), back;
  sp_error e = {0};
  char *text = NULL;
  CU_ASSERT_EQUAL_FATAL(spc_owner_format("web", &o, &text, &e), 0);
  CU_ASSERT_EQUAL(spc_owner_parse(text, "web", &back, &e), 0);
  CU_ASSERT_STRING_EQUAL(back.engine_id, HEX64);
  CU_ASSERT_STRING_EQUAL(back.name, "web");
  CU_ASSERT_STRING_EQUAL(back.bundle, "/b");
  CU_ASSERT_EQUAL(spc_owner_parse(text, "db", &back, &e), -EINVAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "not for id 'db'"));
  free(text);
  /* Engine ids are the engine's strings: quotes are escaped, not cut. */
  o = owner("a\"b\\c", "");
  CU_ASSERT_EQUAL_FATAL(spc_owner_format("x", &o, &text, &e), 0);
  CU_ASSERT_EQUAL(spc_owner_parse(text, "x", &back, &e), 0);
  CU_ASSERT_STRING_EQUAL(back.engine_id, "a\"b\\c");
  free(text);
  CU_ASSERT_EQUAL(spc_owner_parse("{\"version\":2,\"id\":\"x\","
                                  "\"engine_id\":\"a\"}", "x", &back, &e),
                  -EPROTONOSUPPORT);
  CU_ASSERT_EQUAL(spc_owner_parse("{\"version\":1,\"id\":\"x\"}", "x", &back,
                                  &e), -EINVAL);
  CU_ASSERT_EQUAL(spc_owner_parse("{\"version\":1,\"id\":\"x\","
                                  "\"engine_id\":\"\"}", "x", &back, &e),
                  -EINVAL);
  CU_ASSERT_EQUAL(spc_owner_set(&o, "a\nb", NULL, NULL, &e), -EINVAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "control character"));
  char longid[SPC_ENGINE_ID_MAX + 1];
  memset(longid, 'a', sizeof(longid) - 1);
  longid[sizeof(longid) - 1] = '\0';
  CU_ASSERT_EQUAL(spc_owner_set(&o, longid, NULL, NULL, &e), -EINVAL);

  char label[128];
  o = owner(HEX64, "");
  spc_owner_label(&o, label, sizeof(label));
  CU_ASSERT_STRING_EQUAL(label, "d0753349953a");
  o = owner(HEX64, "web");
  spc_owner_label(&o, label, sizeof(label));
  CU_ASSERT_STRING_EQUAL(label, "d0753349953a (web)");
  o = owner("runc-web", "");
  spc_owner_label(&o, label, sizeof(label));
  CU_ASSERT_STRING_EQUAL(label, "runc-web");
}

static void test_owner_check(void) {
  spc_owner a = owner("aaaaaaaaaaaa1", ""), b = owner("bbbbbbbbbbbb2", "");
  sp_error e = {0};
  bool claim = true;
  /* No owner, nothing running: claim. */
  CU_ASSERT_EQUAL(spc_owner_check("web", NULL, 0, &b, 20, false, &claim, &e),
                  0);
  CU_ASSERT(claim);
  /* The owner itself (poststart after createRuntime, a restart). */
  CU_ASSERT_EQUAL(spc_owner_check("web", &b, 20, &b, 20, false, &claim, &e),
                  0);
  CU_ASSERT(!claim);
  CU_ASSERT_EQUAL(spc_owner_check("web", &b, 0, &b, 30, false, &claim, &e),
                  0);
  CU_ASSERT(!claim);
  /* Another container runs with the id: refused, naming both, even with
   * takeover. */
  for (int takeover = 0; takeover < 2; takeover++) {
    e = (sp_error){0};
    CU_ASSERT_EQUAL(spc_owner_check("web", &a, 10, &b, 20, takeover, &claim,
                                    &e), -EBUSY);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "in use by running container "
                                         "aaaaaaaaaaaa1 (process 10)"));
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "container bbbbbbbbbbbb2 cannot"));
  }
  /* A running process without an owner record is not ours either. */
  CU_ASSERT_EQUAL(spc_owner_check("web", NULL, 10, &b, 20, true, &claim, &e),
                  -EBUSY);
  CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "a running container (process 10)"));
  CU_ASSERT_EQUAL(spc_owner_check("web", NULL, 20, &b, 20, false, &claim,
                                  &e), 0);
  CU_ASSERT(claim);
  /* A stopped owner: refused without takeover, handed over with it. */
  CU_ASSERT_EQUAL(spc_owner_check("web", &a, 0, &b, 20, false, &claim, &e),
                  -EBUSY);
  CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "belongs to container aaaaaaaaaaaa1, "
                                       "which is stopped"));
  CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "container bbbbbbbbbbbb2 is refused"));
  CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "io.sharedpath.takeover=true"));
  CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "sharedpath delete web"));
  CU_ASSERT_EQUAL(spc_owner_check("web", &a, 0, &b, 20, true, &claim, &e), 0);
  CU_ASSERT(claim);
}

static void test_owner_files(void) {
  char *dir = tmpdir();
  spc_owner a = owner("aaaaaaaaaaaa1", ""), b = owner("bbbbbbbbbbbb2", "");
  spc_owner got;
  sp_error e = {0};
  char note[512];
  CU_ASSERT_EQUAL(spc_owner_load(dir, "web", &got, &e), -ENOENT);
  CU_ASSERT_EQUAL(spc_owner_claim(dir, "web", &a, 10, false, note,
                                  sizeof(note), &e), 0);
  CU_ASSERT_STRING_EQUAL(note, "the id is now this container's");
  CU_ASSERT_EQUAL_FATAL(spc_owner_load(dir, "web", &got, &e), 0);
  CU_ASSERT_STRING_EQUAL(got.engine_id, a.engine_id);
  char path[256];
  struct stat sb;
  snprintf(path, sizeof(path), "%s/owners", dir);
  CU_ASSERT_EQUAL(stat(path, &sb), 0);
  CU_ASSERT_EQUAL(sb.st_mode & 07777, 0700);
  snprintf(path, sizeof(path), "%s/owners/web.json", dir);
  CU_ASSERT_EQUAL(stat(path, &sb), 0);
  CU_ASSERT_EQUAL(sb.st_mode & 07777, 0600);
  /* Again by the owner: nothing to say. */
  CU_ASSERT_EQUAL(spc_owner_claim(dir, "web", &a, 11, false, note,
                                  sizeof(note), &e), 0);
  CU_ASSERT_STRING_EQUAL(note, "");
  /* b, a was stopped (no live record): refused, then taken over. */
  CU_ASSERT_EQUAL(spc_owner_claim(dir, "web", &b, 20, false, note,
                                  sizeof(note), &e), -EBUSY);
  CU_ASSERT_EQUAL(spc_owner_load(dir, "web", &got, &e), 0);
  CU_ASSERT_STRING_EQUAL(got.engine_id, a.engine_id);
  CU_ASSERT_EQUAL(spc_owner_mine(dir, "web", &b, note, sizeof(note), &e), 0);
  CU_ASSERT_PTR_NOT_NULL(strstr(note, "belongs to container aaaaaaaaaaaa1, "
                                      "not to bbbbbbbbbbbb2"));
  CU_ASSERT_EQUAL(spc_owner_mine(dir, "web", &a, note, sizeof(note), &e), 1);
  CU_ASSERT_EQUAL(spc_owner_claim(dir, "web", &b, 20, true, note,
                                  sizeof(note), &e), 0);
  CU_ASSERT_PTR_NOT_NULL(strstr(note, "took the id over from container "
                                      "aaaaaaaaaaaa1"));
  CU_ASSERT_EQUAL(spc_owner_mine(dir, "web", &b, note, sizeof(note), &e), 1);
  CU_ASSERT_EQUAL(spc_owner_mine(dir, "web", &a, note, sizeof(note), &e), 0);
  /* precreate refuses only a running holder: none here. */
  CU_ASSERT_EQUAL(spc_owner_precreate(dir, "web", &e), 0);
  /* No owner at all (state from `sharedpath create`): anyone's. */
  CU_ASSERT_EQUAL(spc_owner_mine(dir, "db", &a, note, sizeof(note), &e), 1);
  CU_ASSERT_EQUAL(spc_owner_remove(dir, "web", &e), 0);
  CU_ASSERT_EQUAL(spc_owner_remove(dir, "web", &e), 0);
  CU_ASSERT_EQUAL(spc_owner_load(dir, "web", &got, &e), -ENOENT);
  CU_ASSERT_EQUAL(spc_owner_save(dir, "../x", &a, &e), -EINVAL);
  rm_rf(dir);
}

/* Two hooks for one id: the second waits for the first, and a lock file
 * the first removed (a delete) is not the one the second ends up holding. */
static void test_owner_lock(void) {
  char *dir = tmpdir();
  sp_error e = {0};
  int fd = spc_owner_lock(dir, "web", &e);
  CU_ASSERT_FATAL(fd >= 0);
  int pipefd[2];
  CU_ASSERT_EQUAL_FATAL(pipe(pipefd), 0);
  pid_t child = fork();
  CU_ASSERT_FATAL(child >= 0);
  if (child == 0) {
    /* Our copy of the parent's descriptor would hold its lock too. */
    close(fd);
    close(pipefd[0]);
    int cfd = spc_owner_lock(dir, "web", NULL);
    char path[256];
    struct stat held, now;
    snprintf(path, sizeof(path), "%s/owners/web.lock", dir);
    bool same = cfd >= 0 && fstat(cfd, &held) == 0 &&
                stat(path, &now) == 0 && held.st_ino == now.st_ino;
    (void)!write(pipefd[1], same ? "y" : "n", 1);
    _exit(0);
  }
  close(pipefd[1]);
  usleep(100 * 1000);
  char c = 0;
  /* Still waiting while we hold it. */
  CU_ASSERT_EQUAL(fcntl(pipefd[0], F_SETFL, O_NONBLOCK), 0);
  CU_ASSERT_EQUAL(read(pipefd[0], &c, 1), -1);
  CU_ASSERT_EQUAL(fcntl(pipefd[0], F_SETFL, 0), 0);
  /* A delete takes the lock file away, then lets go. */
  CU_ASSERT_EQUAL(spc_owner_remove(dir, "web", &e), 0);
  close(fd);
  CU_ASSERT_EQUAL(read(pipefd[0], &c, 1), 1);
  CU_ASSERT_EQUAL(c, 'y');
  close(pipefd[0]);
  int status;
  CU_ASSERT_EQUAL(waitpid(child, &status, 0), child);
  rm_rf(dir);
}

static void test_lookup(void) {
  char *dir = tmpdir();
  char path[256], out[129];
  sp_error e = {0};
  spc_owner o;
  /* web: podman's, db: with a name, plain: a state file only. */
  o = owner(HEX64, "");
  CU_ASSERT_EQUAL(spc_owner_save(dir, "web", &o, &e), 0);
  o = owner("ffffffffffff0000", "db-ctr");
  CU_ASSERT_EQUAL(spc_owner_save(dir, "db", &o, &e), 0);
  write_file(dir, "web.json", "{}");
  write_file(dir, "plain.json", "{}");
  write_file(dir, "web.lock", "");
  write_file(dir, "..json", "{}");
  snprintf(path, sizeof(path), "%s/pids", dir);
  CU_ASSERT_EQUAL(mkdir(path, 0700), 0);

  spc_known *k = NULL;
  size_t n = 0;
  CU_ASSERT_EQUAL_FATAL(spc_known_list(dir, &k, &n, &e), 0);
  CU_ASSERT_EQUAL_FATAL(n, 3);
  CU_ASSERT_STRING_EQUAL(k[0].id, "db");
  CU_ASSERT_STRING_EQUAL(k[1].id, "plain");
  CU_ASSERT_STRING_EQUAL(k[2].id, "web");
  CU_ASSERT(k[0].has_owner && !k[1].has_owner && k[2].has_owner);
  CU_ASSERT_EQUAL(spc_known_match(k, n, HEX64, &e), 2);
  CU_ASSERT_EQUAL(spc_known_match(k, n, "d0753349953a", &e), 2);
  CU_ASSERT_EQUAL(spc_known_match(k, n, "d0753349953", &e), -ENOENT);
  CU_ASSERT_EQUAL(spc_known_match(k, n, "db-ctr", &e), 0);
  CU_ASSERT_EQUAL(spc_known_match(k, n, "ffffffffffff", &e), 0);
  CU_ASSERT_EQUAL(spc_known_match(k, n, "plain", &e), -ENOENT);
  char buf[256];
  spc_known_describe(k, n, 5, buf, sizeof(buf));
  CU_ASSERT_STRING_EQUAL(buf, "db (container ffffffffffff0000 (db-ctr)), "
                              "plain, web (container d0753349953a)");
  spc_known_describe(k, n, 1, buf, sizeof(buf));
  CU_ASSERT_STRING_EQUAL(buf, "db (container ffffffffffff0000 (db-ctr)) "
                              "and 2 more");
  spc_known_describe(k, 0, 5, buf, sizeof(buf));
  CU_ASSERT_STRING_EQUAL(buf, "none");
  free(k);

  /* Two containers a prefix names: refused, naming both. */
  o = owner("d0753349953a9999", "");
  CU_ASSERT_EQUAL(spc_owner_save(dir, "web2", &o, &e), 0);
  CU_ASSERT_EQUAL(spc_lookup_id(dir, "d0753349953a", out, sizeof(out), &e),
                  -EINVAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "names more than one container: web "
                                       "(container d0753349953a), web2"));
  /* The sharedpath id itself wins over everything. */
  CU_ASSERT_EQUAL(spc_lookup_id(dir, "web2", out, sizeof(out), &e), 0);
  CU_ASSERT_STRING_EQUAL(out, "web2");
  CU_ASSERT_EQUAL(spc_lookup_id(dir, "plain", out, sizeof(out), &e), 0);
  CU_ASSERT_STRING_EQUAL(out, "plain");
  CU_ASSERT_EQUAL(spc_lookup_id(dir, HEX64, out, sizeof(out), &e), 0);
  CU_ASSERT_STRING_EQUAL(out, "web");
  CU_ASSERT_EQUAL(spc_lookup_id(dir, "db-ctr", out, sizeof(out), &e), 0);
  CU_ASSERT_STRING_EQUAL(out, "db");
  CU_ASSERT_EQUAL(spc_lookup_id(dir, "nosuch", out, sizeof(out), &e),
                  -ENOENT);
  CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "no container 'nosuch' is known"));
  CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "known: db ("));
  CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "io.sharedpath.id annotation"));
  /* A state dir not made yet knows nothing. */
  snprintf(path, sizeof(path), "%s/none", dir);
  CU_ASSERT_EQUAL(spc_lookup_id(path, "web", out, sizeof(out), &e), -ENOENT);
  CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "known: none"));
  rm_rf(dir);
}

static void test_cgroup_names(void) {
  const char *id = HEX64;
  char text[1024];
  /* podman with cgroupfs, on cgroup v1 and v2 */
  snprintf(text, sizeof(text), "12:pids:/libpod_parent/libpod-%s\n"
           "0::/libpod_parent/libpod-%s\n", id, id);
  CU_ASSERT(spc_cgroup_names(text, id));
  /* podman and CRI-O under systemd, docker, a plain runc id: the text
   * around the id. */
  const char *yes[][2] = {{"0::/machine.slice/libpod-", ".scope\n"},
                          {"0::/kubepods.slice/kubepods-pod1.slice/crio-",
                           ".scope\n"},
                          {"0::/system.slice/docker-", ".scope\n"},
                          {"0::/docker/", "\n"},
                          {"0::/", "/init\n"},
                          {"1:name=systemd:/", ""}};
  for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
    snprintf(text, sizeof(text), "%s%s%s", yes[i][0], id, yes[i][1]);
    CU_ASSERT(spc_cgroup_names(text, id));
  }
  /* Not a component of its own: another container's, or not a path. */
  const char *no[][2] = {{"0::/libpod-", "x\n"}, {"0::/libpod-x", "\n"},
                         {"0::/libpod_", "\n"},  {"0::/", ".slice2\n"},
                         {"", "::/\n"},          {"0:", ":/\n"}};
  for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
    snprintf(text, sizeof(text), "%s%s%s", no[i][0], id, no[i][1]);
    CU_ASSERT(!spc_cgroup_names(text, id));
  }
  CU_ASSERT(!spc_cgroup_names("0::/\n", id));
  CU_ASSERT(!spc_cgroup_names("", id));
  CU_ASSERT(!spc_cgroup_names("0::/web\n", "we"));
  CU_ASSERT(spc_cgroup_names("0::/runc/web\n", "web"));
  CU_ASSERT(!spc_cgroup_names("0::/a\n", ""));
  /* Nothing of ours runs in a made-up container's cgroup. */
  CU_ASSERT_EQUAL(spc_cgroup_find("sharedpath-unit-no-such-container"), 0);
}

static void test_log_file(void) {
  char *dir = tmpdir();
  char path[256], old[256], link[256];
  snprintf(path, sizeof(path), "%s/hooks.log", dir);
  snprintf(old, sizeof(old), "%s/hooks.log.1", dir);
  snprintf(link, sizeof(link), "%s/link.log", dir);
  sp_error e = {0};
  /* 11 + 7 bytes: the second line still goes into the first file. */
  CU_ASSERT_EQUAL(spc_log_append(path, 15, "first line", &e), 0);
  CU_ASSERT_EQUAL(spc_log_append(path, 15, "second", &e), 0);
  char *text = NULL;
  CU_ASSERT_EQUAL_FATAL(sp_read_file_at(AT_FDCWD, path, 100, path, &text, NULL, &e), 0);
  CU_ASSERT_STRING_EQUAL(text, "first line\nsecond\n");
  free(text);
  struct stat sb;
  CU_ASSERT_EQUAL(stat(path, &sb), 0);
  CU_ASSERT_EQUAL(sb.st_mode & 07777, 0600);
  /* Past the bound it starts over, the old one kept once. */
  CU_ASSERT_EQUAL(spc_log_append(path, 15, "third", &e), 0);
  CU_ASSERT_EQUAL_FATAL(sp_read_file_at(AT_FDCWD, path, 100, path, &text, NULL, &e), 0);
  CU_ASSERT_STRING_EQUAL(text, "third\n");
  free(text);
  CU_ASSERT_EQUAL_FATAL(sp_read_file_at(AT_FDCWD, old, 100, old, &text, NULL, &e), 0);
  CU_ASSERT_STRING_EQUAL(text, "first line\nsecond\n");
  free(text);
  for (int i = 0; i < 50; i++)
    CU_ASSERT_EQUAL(spc_log_append(path, 20, "0123456789", &e), 0);
  CU_ASSERT_EQUAL(stat(path, &sb), 0);
  CU_ASSERT(sb.st_size <= 20 + 11);
  CU_ASSERT_EQUAL(stat(old, &sb), 0);
  CU_ASSERT(sb.st_size <= 20 + 11);
  /* Left with another mode: made 0600 again. */
  CU_ASSERT_EQUAL(chmod(path, 0644), 0);
  CU_ASSERT_EQUAL(spc_log_append(path, 1000, "x", &e), 0);
  CU_ASSERT_EQUAL(stat(path, &sb), 0);
  CU_ASSERT_EQUAL(sb.st_mode & 07777, 0600);
  /* Never written through a symlink. */
  CU_ASSERT_EQUAL(symlink(old, link), 0);
  CU_ASSERT_EQUAL(spc_log_append(link, 1000, "x", &e), -ELOOP);
  CU_ASSERT_EQUAL(spc_log_append(dir, 1000, "x", &e), -EISDIR);

  /* spc_hook_log makes <state>/log 0700 and writes a stamped line. */
  char state[256];
  snprintf(state, sizeof(state), "%s/state", dir);
  spc_hook_log(state, LOG_INFO, "hook poststart %s: done", "web");
  snprintf(path, sizeof(path), "%s/log", state);
  CU_ASSERT_EQUAL(stat(path, &sb), 0);
  CU_ASSERT_EQUAL(sb.st_mode & 07777, 0700);
  snprintf(path, sizeof(path), "%s/log/hooks.log", state);
  CU_ASSERT_EQUAL_FATAL(sp_read_file_at(AT_FDCWD, path, 1000, path, &text, NULL, &e), 0);
  CU_ASSERT_PTR_NOT_NULL(strstr(text, " sharedpath["));
  CU_ASSERT_PTR_NOT_NULL(strstr(text, "]: info: hook poststart web: done\n"));
  CU_ASSERT_EQUAL(text[4], '-');
  free(text);
  rm_rf(dir);
}

static void test_syslog(void) {
  char *dir = tmpdir();
  char sock[256];
  snprintf(sock, sizeof(sock), "%s/log", dir);
  /* Nobody listens: an error, nothing else. */
  CU_ASSERT_EQUAL(spc_syslog_send(sock, LOG_ERR, "x"), -ENOENT);
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  CU_ASSERT_FATAL(fd >= 0);
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
  CU_ASSERT_EQUAL_FATAL(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
  CU_ASSERT_EQUAL(spc_syslog_send(sock, LOG_ERR, "hook poststart web: "
                                                 "failed"), 0);
  char buf[512];
  ssize_t n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
  CU_ASSERT_FATAL(n > 0);
  buf[n] = '\0';
  /* daemon (3) * 8 + err (3) */
  CU_ASSERT_EQUAL(strncmp(buf, "<27>", 4), 0);
  char tail[128];
  snprintf(tail, sizeof(tail), " sharedpath[%d]: hook poststart web: failed",
           (int)getpid());
  CU_ASSERT(n > (ssize_t)strlen(tail) &&
            strcmp(buf + n - strlen(tail), tail) == 0);
  CU_ASSERT_EQUAL(spc_syslog_send(sock, LOG_WARNING, "w"), 0);
  n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
  CU_ASSERT(n > 4 && strncmp(buf, "<28>", 4) == 0);
  close(fd);
  rm_rf(dir);
}

/* The hook files' `when` takes exactly the ids the command takes. */
static void test_hook_regex(void) {
  char *text = NULL;
  sp_error e = {0};
  CU_ASSERT_EQUAL_FATAL(sp_read_file_at(AT_FDCWD, HOOK_FILE, 1 << 16, HOOK_FILE, &text, NULL, &e),
                        0);
  const char *key = "\"^io\\\\.sharedpath\\\\.id$\": \"";
  char *p = strstr(text, key);
  CU_ASSERT_PTR_NOT_NULL_FATAL(p);
  p += strlen(key);
  char *end = strchr(p, '"');
  CU_ASSERT_PTR_NOT_NULL_FATAL(end);
  *end = '\0';
  CU_ASSERT_PTR_NULL(strchr(p, '\\')); /* nothing to unescape */
  regex_t re;
  CU_ASSERT_EQUAL_FATAL(regcomp(&re, p, REG_EXTENDED | REG_NOSUB), 0);
  char id128[130], id129[131];
  memset(id128, 'a', 128);
  id128[128] = '\0';
  memcpy(id129, id128, 128);
  memcpy(id129 + 128, "9", 2);
  const char *ids[] = {"a", "web", "A9_.-z", "0", "a..b", id128, id129, "",
                       ".", "..", "-a", "_a", ".a", "a/b", "a b", "a\n",
                       "\xc3\xa4", "a:b", "xweb/", NULL};
  for (const char **id = ids; *id; id++) {
    bool cli = spc_id_validate(*id, NULL) == 0;
    bool hook = regexec(&re, *id, 0, NULL, 0) == 0;
    if (cli != hook)
      fprintf(stderr, "id '%s': cli %d, hook regex %d\n", *id, cli, hook);
    CU_ASSERT_EQUAL(cli, hook);
  }
  /* Every single character after the first, and as the first. */
  for (int c = 1; c < 256; c++) {
    char id[3] = {(char)c, 0, 0}, id2[3] = {'a', (char)c, 0};
    CU_ASSERT_EQUAL(spc_id_validate(id, NULL) == 0,
                    regexec(&re, id, 0, NULL, 0) == 0);
    CU_ASSERT_EQUAL(spc_id_validate(id2, NULL) == 0,
                    regexec(&re, id2, 0, NULL, 0) == 0);
  }
  regfree(&re);
  free(text);
}

static void test_annotations(void) {
  spc_oci_state st;
  sp_error e = {0};
  CU_ASSERT_EQUAL_FATAL(
      spc_oci_state_parse("{\"id\":\"c1\",\"status\":\"creating\",\"pid\":3,"
                          "\"annotations\":{\"io.sharedpath.id\":\"web\","
                          "\"io.sharedpath.takeover\":\"true\","
                          "\"io.kubernetes.container.name\":\"app\"}}",
                          &st, &e),
      0);
  CU_ASSERT(st.takeover);
  CU_ASSERT_STRING_EQUAL(st.name, "app");
  spc_oci_state_free(&st);
  /* podman 4.3 passes no name; "yes" is not "true". */
  CU_ASSERT_EQUAL_FATAL(
      spc_oci_state_parse("{\"id\":\"c1\",\"status\":\"creating\",\"pid\":3,"
                          "\"annotations\":{\"io.container.manager\":"
                          "\"libpod\",\"io.sharedpath.takeover\":\"yes\","
                          "\"nerdctl/name\":\"n1\"}}",
                          &st, &e),
      0);
  CU_ASSERT(!st.takeover);
  CU_ASSERT_STRING_EQUAL(st.name, "n1");
  spc_oci_state_free(&st);
  CU_ASSERT_EQUAL_FATAL(spc_oci_state_parse("{\"id\":\"c1\",\"status\":"
                                            "\"stopped\"}", &st, &e), 0);
  CU_ASSERT_PTR_NULL(st.name);
  CU_ASSERT(!st.takeover);
  spc_oci_state_free(&st);

  /* --takeover belongs to hook alone. */
  spc_args a;
  char *ok[] = {"sharedpath", "hook", "--takeover", NULL};
  CU_ASSERT_EQUAL(spc_args_parse(3, ok, &a, &e), 0);
  CU_ASSERT(a.takeover);
  char *bad[] = {"sharedpath", "add-path", "--takeover", "c1", "/a:/b", NULL};
  CU_ASSERT_EQUAL(spc_args_parse(5, bad, &a, &e), -EINVAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "does not take --takeover"));
}

void register_cli_engine_suite(void) {
  CU_pSuite s = CU_add_suite("cli_engine", NULL, NULL);
  static const struct {
    const char *name;
    void (*fn)(void);
  } tests[] = {
      {"owner_record", test_owner_record},
      {"owner_check", test_owner_check},
      {"owner_files", test_owner_files},
      {"owner_lock", test_owner_lock},
      {"lookup", test_lookup},
      {"cgroup_names", test_cgroup_names},
      {"log_file", test_log_file},
      {"syslog", test_syslog},
      {"hook_regex", test_hook_regex},
      {"annotations", test_annotations},
  };
  for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
    CU_add_test(s, tests[i].name, tests[i].fn);
}
