/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the sharedpath command's parsers: the command line, the
 * OCI state a runtime passes to hooks, the process record,
 * the hooks oci-prepare writes, and the file helpers. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "args.h"
#include "fileio.h"
#include "oci.h"
#include "proc.h"
#include "unit.h"

#define ARGC(v) ((int)(sizeof(v) / sizeof(v[0])) - 1)

static int parse(int argc, char **argv, spc_args *a, sp_error *e) {
  *e = (sp_error){0};
  return spc_args_parse(argc, argv, a, e);
}

/* Declares argv v in the caller's scope: a->args points into it. */
#define PARSE_OK(a, v, ...)                                                    \
  char *v[] = {"sharedpath", __VA_ARGS__, NULL};                               \
  CU_ASSERT_EQUAL(parse(ARGC(v), v, (a), &(sp_error){0}), 0)

#define PARSE_FAILS(needle, ...)                                               \
  do {                                                                         \
    char *v_[] = {"sharedpath", __VA_ARGS__, NULL};                            \
    spc_args a_;                                                               \
    sp_error e_;                                                                \
    CU_ASSERT_EQUAL(parse(ARGC(v_), v_, &a_, &e_), -EINVAL);                   \
    CU_ASSERT_PTR_NOT_NULL(strstr(e_.msg, needle));                            \
  } while (0)

static void test_args_ok(void) {
  spc_args a;
  PARSE_OK(&a, v1, "--root", "/r", "add-path", "c1", "/h:/c", "/h2:/c2:ro",
           "--pid", "42");
  CU_ASSERT_EQUAL(a.cmd->cmd, SPC_CMD_ADD);
  CU_ASSERT_STRING_EQUAL(a.root, "/r");
  CU_ASSERT_STRING_EQUAL(a.state_dir, SPC_DEFAULT_STATE_DIR);
  CU_ASSERT_EQUAL(a.pid, 42);
  CU_ASSERT_EQUAL(a.nargs, 3);
  CU_ASSERT_STRING_EQUAL(a.args[0], "c1");
  CU_ASSERT_STRING_EQUAL(a.args[2], "/h2:/c2:ro");

  PARSE_OK(&a, v2, "--state-dir", "/s", "--plugin", "p.so", "--id", "x1",
           "--persist", "hook", "poststop");
  CU_ASSERT_EQUAL(a.cmd->cmd, SPC_CMD_HOOK);
  CU_ASSERT(a.persist);
  CU_ASSERT_STRING_EQUAL(a.id, "x1");
  CU_ASSERT_STRING_EQUAL(a.plugin, "p.so");
  CU_ASSERT_STRING_EQUAL(a.args[0], "poststop");

  PARSE_OK(&a, v3, "hook");
  CU_ASSERT_EQUAL(a.nargs, 0);
  PARSE_OK(&a, v4, "list-path", "--json", "c.1-x_y");
  CU_ASSERT(a.json);
  PARSE_OK(&a, v5, "--help");
  CU_ASSERT(a.help);
  CU_ASSERT_PTR_NULL(a.cmd);
  /* --help of a command skips the argument checks. */
  PARSE_OK(&a, v6, "add-path", "--help");
  CU_ASSERT(a.help);
  CU_ASSERT_EQUAL(a.cmd->cmd, SPC_CMD_ADD);
  PARSE_OK(&a, v7, "help", "delete");
  /* "--" ends the options. */
  PARSE_OK(&a, v8, "remove-path", "c1", "--", "/c");
  CU_ASSERT_EQUAL_FATAL(a.nargs, 2);
  CU_ASSERT_STRING_EQUAL(a.args[1], "/c");
}

static void test_args_bad(void) {
  PARSE_FAILS("unknown command", "frobnicate");
  PARSE_FAILS("unknown option", "--frob", "list-path", "c1");
  PARSE_FAILS("needs a value", "list-path", "c1", "--root");
  PARSE_FAILS("absolute", "--root", "rel", "list-path", "c1");
  PARSE_FAILS("absolute", "--state-dir", "", "list-path", "c1");
  PARSE_FAILS("--plugin needs", "--plugin", "", "list-path", "c1");
  PARSE_FAILS("--pid '0'", "add-path", "--pid", "0", "c1", "/a:/b");
  PARSE_FAILS("--pid '-3'", "add-path", "--pid", "-3", "c1", "/a:/b");
  PARSE_FAILS("--pid '12x'", "add-path", "--pid", "12x", "c1", "/a:/b");
  PARSE_FAILS("--pid ' 12'", "add-path", "--pid", " 12", "c1", "/a:/b");
  PARSE_FAILS("--pid '99999999999'", "add-path", "--pid", "99999999999",
              "c1", "/a:/b");
  PARSE_FAILS("does not take --json", "add-path", "--json", "c1", "/a:/b");
  PARSE_FAILS("does not take --pid", "list-path", "--pid", "1", "c1");
  PARSE_FAILS("does not take --persist", "delete", "--persist", "c1");
  PARSE_FAILS("does not take --id", "add-path", "--id", "c2", "c1", "/a:/b");
  PARSE_FAILS("more arguments", "add-path", "c1");
  PARSE_FAILS("more arguments", "oci-prepare");
  PARSE_FAILS("fewer arguments", "list-path", "c1", "c2");
  PARSE_FAILS("fewer arguments", "hook", "poststart", "extra");
  PARSE_FAILS("invalid container id", "add-path", "../x", "/a:/b");
  PARSE_FAILS("invalid container id", "delete", ".");
  PARSE_FAILS("invalid container id", "hook", "--id", "a/b");
  PARSE_FAILS("no command", "--pid", "3");
}

static void test_id(void) {
  CU_ASSERT_EQUAL(spc_id_validate("a", NULL), 0);
  CU_ASSERT_EQUAL(spc_id_validate("A9_.-z", NULL), 0);
  char longid[130];
  memset(longid, 'a', 128);
  longid[128] = '\0';
  CU_ASSERT_EQUAL(spc_id_validate(longid, NULL), 0);
  longid[128] = 'a';
  longid[129] = '\0';
  CU_ASSERT_EQUAL(spc_id_validate(longid, NULL), -EINVAL);
  const char *bad[] = {"", ".", "..", "-a", "_a", ".a", "a/b", "a b",
                       "a\n", "ä", NULL};
  for (const char **b = bad; *b; b++)
    CU_ASSERT_EQUAL(spc_id_validate(*b, NULL), -EINVAL);
  CU_ASSERT_EQUAL(spc_id_validate(NULL, NULL), -EINVAL);
}

static void test_state_ok(void) {
  spc_oci_state st;
  sp_error e = {0};
  CU_ASSERT_EQUAL_FATAL(
      spc_oci_state_parse("{\"ociVersion\":\"1.0.2-dev\",\"id\":\"rx1\","
                          "\"status\":\"creating\",\"pid\":8457,\"bundle\":"
                          "\"/tmp/b\"}\n",
                          &st, &e),
      0);
  CU_ASSERT_STRING_EQUAL(st.id, "rx1");
  CU_ASSERT_STRING_EQUAL(st.status, "creating");
  CU_ASSERT_STRING_EQUAL(st.bundle, "/tmp/b");
  CU_ASSERT_EQUAL(st.pid, 8457);
  CU_ASSERT_PTR_NULL(st.sp_id);
  CU_ASSERT(!st.persist);
  spc_oci_state_free(&st);
  /* runc's poststop state has no pid. */
  CU_ASSERT_EQUAL_FATAL(
      spc_oci_state_parse("{\"id\":\"rx1\",\"status\":\"stopped\","
                          "\"annotations\":{\"io.sharedpath.id\":\"web\","
                          "\"io.sharedpath.persist\":\"true\",\"x\":\"y\"}}",
                          &st, &e),
      0);
  CU_ASSERT_EQUAL(st.pid, 0);
  CU_ASSERT_PTR_NULL(st.bundle);
  CU_ASSERT_STRING_EQUAL(st.sp_id, "web");
  CU_ASSERT(st.persist);
  spc_oci_state_free(&st);
}

static void state_fails(const char *text, const char *needle) {
  spc_oci_state st;
  sp_error e = {0};
  CU_ASSERT_EQUAL(spc_oci_state_parse(text, &st, &e), -EINVAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, needle));
  CU_ASSERT_PTR_NULL(st.id);
}

static void test_state_bad(void) {
  state_fails("", "not valid JSON");
  state_fails("{\"id\":\"a\",\"status\":\"creating\"", "not valid JSON");
  state_fails("[]", "not a JSON object");
  state_fails("{\"id\":\"a\",\"status\":\"x\"} {}", "data after");
  state_fails("{\"status\":\"creating\"}", "no \"id\"");
  state_fails("{\"id\":\"a\"}", "no \"status\"");
  state_fails("{\"id\":1,\"status\":\"creating\"}", "\"id\" is not a string");
  state_fails("{\"id\":\"a\",\"status\":\"c\",\"pid\":\"12\"}", "\"pid\"");
  state_fails("{\"id\":\"a\",\"status\":\"c\",\"pid\":-1}", "\"pid\"");
  state_fails("{\"id\":\"a\",\"status\":\"c\",\"pid\":1.5}", "\"pid\"");
  state_fails("{\"id\":\"a\",\"status\":\"c\",\"pid\":4294967297}", "\"pid\"");
  state_fails("{\"id\":\"a\",\"status\":\"c\",\"annotations\":[]}",
              "\"annotations\"");
  state_fails("{\"id\":\"a\",\"status\":\"c\",\"bundle\":false}",
              "\"bundle\"");
}

/* JSON the command reads (OCI state on stdin, process records) ends at its
 * NUL: after a trailing comment or number json-c counts the NUL as parsed,
 * and a check for trailing data must not look beyond it.  Comments are
 * not JSON either. */
static void test_json_past_end(void) {
  static const char *const inputs[] = {"{}//x", "{}//", "{}/", "{}/*x*/",
                                       "1", "{\"a\":1}//////"};
  for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
    void *map = NULL;
    size_t mapsz = 0;
    char *text = unit_at_page_end(inputs[i], &map, &mapsz);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    spc_oci_state st;
    sph_proc p;
    sp_error e = {0};
    CU_ASSERT_EQUAL(spc_oci_state_parse(text, &st, &e), -EINVAL);
    CU_ASSERT_EQUAL(spc_record_parse(text, "c1", &p, &e), -EINVAL);
    munmap(map, mapsz);
  }
}

/* Our own process is on the host: never a target. */
static void test_target_self(void) {
  spc_target t;
  sp_error e = {0};
  CU_ASSERT_EQUAL(spc_target_from_pid(getpid(), &t, &e), -EPERM);
  CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "host's mount namespace"));
  CU_ASSERT_EQUAL(t.t.pidfd, -1);
}

static void test_record_round_trip(void) {
  sph_proc p = {.pid = 4242, .start_time = 18446744073709551615ull,
                .mnt_dev = 4, .mnt_ino = 4026532178ull}, back;
  sp_error e = {0};
  char *text = NULL;
  CU_ASSERT_EQUAL_FATAL(spc_record_format("c1", &p, &text, &e), 0);
  CU_ASSERT_EQUAL(spc_record_parse(text, "c1", &back, &e), 0);
  /* Field by field: the struct has padding after pid. */
  CU_ASSERT_EQUAL(back.pid, p.pid);
  CU_ASSERT_EQUAL(back.start_time, p.start_time);
  CU_ASSERT_EQUAL(back.mnt_dev, p.mnt_dev);
  CU_ASSERT_EQUAL(back.mnt_ino, p.mnt_ino);
  /* A record is only ever read for its own id. */
  CU_ASSERT_EQUAL(spc_record_parse(text, "c2", &back, &e), -EINVAL);
  free(text);
}

static void record_fails(const char *text, int code) {
  sph_proc p;
  sp_error e = {0};
  CU_ASSERT_EQUAL(spc_record_parse(text, "c1", &p, &e), code);
  CU_ASSERT(e.msg[0] != '\0');
}

#define REC(pid, st, dev, ino)                                                 \
  "{\"version\":1,\"id\":\"c1\",\"pid\":" pid ",\"start_time\":" st            \
  ",\"mnt_ns\":{\"dev\":" dev ",\"ino\":" ino "}}"

static void test_record_bad(void) {
  sph_proc p;
  sp_error e = {0};
  CU_ASSERT_EQUAL(spc_record_parse(REC("1", "2", "3", "4"), "c1", &p, &e), 0);
  record_fails("", -EINVAL);
  record_fails("{\"version\":1", -EINVAL);
  record_fails(REC("1", "2", "3", "4") "x", -EINVAL);
  record_fails("{\"version\":2,\"id\":\"c1\"}", -EPROTONOSUPPORT);
  record_fails("{\"id\":\"c1\"}", -EINVAL);
  record_fails(REC("0", "2", "3", "4"), -EINVAL);
  record_fails(REC("-1", "2", "3", "4"), -EINVAL);
  record_fails(REC("2147483648", "2", "3", "4"), -EINVAL);
  record_fails(REC("\"1\"", "2", "3", "4"), -EINVAL);
  record_fails(REC("1", "-2", "3", "4"), -EINVAL);
  record_fails(REC("1", "2.5", "3", "4"), -EINVAL);
  record_fails(REC("1", "2", "null", "4"), -EINVAL);
  record_fails("{\"version\":1,\"id\":\"c1\",\"pid\":1,\"start_time\":2}",
               -EINVAL);
  record_fails("{\"version\":1,\"id\":\"c1\",\"pid\":1,\"start_time\":2,"
               "\"mnt_ns\":[3,4]}",
               -EINVAL);
}

static void test_record_path(void) {
  char buf[64];
  sp_error e = {0};
  CU_ASSERT_EQUAL(spc_record_path("/s", "c1", buf, sizeof(buf), &e), 0);
  CU_ASSERT_STRING_EQUAL(buf, "/s/pids/c1.json");
  CU_ASSERT_EQUAL(spc_record_path("/s", "../x", buf, sizeof(buf), &e),
                  -EINVAL);
  CU_ASSERT_EQUAL(spc_record_path("/a-very-long-state-dir/that/does/not/fit",
                                  "c1", buf, 20, &e),
                  -ENAMETOOLONG);
}

/* Our hooks in config after spc_oci_set_hooks. */
static size_t count_ours(json_object *cfg, const char *stage, bool *persist) {
  json_object *hooks, *list;
  size_t n = 0;
  if (!json_object_object_get_ex(cfg, "hooks", &hooks) ||
      !json_object_object_get_ex(hooks, stage, &list))
    return 0;
  for (size_t i = 0; i < json_object_array_length(list); i++) {
    json_object *h = json_object_array_get_idx(list, i), *args;
    if (!json_object_object_get_ex(h, "args", &args))
      continue;
    size_t len = json_object_array_length(args);
    const char *last = json_object_get_string(
        json_object_array_get_idx(args, len - 1));
    if (strcmp(json_object_get_string(json_object_array_get_idx(args, 0)),
               "sharedpath") ||
        strcmp(last, stage))
      continue;
    n++;
    *persist = false;
    for (size_t k = 0; k < len; k++)
      if (!strcmp(json_object_get_string(json_object_array_get_idx(args, k)),
                  "--persist"))
        *persist = true;
  }
  return n;
}

static const char *const prefix[] = {"sharedpath", "--root", "/r", "--id",
                                     "c1", NULL};
static const spc_hook_spec hs = {.path = "/usr/bin/sharedpath",
                                 .argv_prefix = prefix};

static int parse_config(const char *text, json_object **cfg, sp_error *e) {
  return sp_json_object_parse(text, strlen(text), "config", cfg, e);
}

static void test_hooks(void) {
  sp_error e = {0};
  json_object *cfg = NULL;
  CU_ASSERT_EQUAL_FATAL(
      parse_config(
          "{\"ociVersion\":\"1.0.2\",\"hooks\":{\"poststop\":[{\"path\":"
          "\"/bin/other\",\"args\":[\"other\",\"hook\"]}],\"prestart\":[]}}",
          &cfg, &e),
      0);
  bool persist = true;
  CU_ASSERT_EQUAL_FATAL(spc_oci_set_hooks(cfg, &hs, false, &e), 0);
  /* Twice: ours are replaced, not doubled; others stay. */
  CU_ASSERT_EQUAL_FATAL(spc_oci_set_hooks(cfg, &hs, true, &e), 0);
  CU_ASSERT_EQUAL(count_ours(cfg, "createRuntime", &persist), 1);
  CU_ASSERT(!persist);
  CU_ASSERT_EQUAL(count_ours(cfg, "poststart", &persist), 1);
  CU_ASSERT(!persist);
  CU_ASSERT_EQUAL(count_ours(cfg, "poststop", &persist), 1);
  CU_ASSERT(persist);
  json_object *hooks, *list, *h, *path;
  CU_ASSERT_FATAL(json_object_object_get_ex(cfg, "hooks", &hooks));
  CU_ASSERT_FATAL(json_object_object_get_ex(hooks, "poststop", &list));
  CU_ASSERT_EQUAL(json_object_array_length(list), 2);
  h = json_object_array_get_idx(list, 0);
  CU_ASSERT_FATAL(json_object_object_get_ex(h, "path", &path));
  CU_ASSERT_STRING_EQUAL(json_object_get_string(path), "/bin/other");
  h = json_object_array_get_idx(list, 1);
  CU_ASSERT_FATAL(json_object_object_get_ex(h, "path", &path));
  CU_ASSERT_STRING_EQUAL(json_object_get_string(path), "/usr/bin/sharedpath");
  json_object_put(cfg);
}

static void hooks_fail(const char *text, const char *needle) {
  sp_error e = {0};
  json_object *cfg = NULL;
  CU_ASSERT_EQUAL_FATAL(parse_config(text, &cfg, &e), 0);
  CU_ASSERT_EQUAL(spc_oci_set_hooks(cfg, &hs, false, &e), -EINVAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, needle));
  json_object_put(cfg);
}

static void test_hooks_bad(void) {
  hooks_fail("{\"hooks\":[]}", "\"hooks\" is not an object");
  hooks_fail("{\"hooks\":{\"poststart\":{}}}", "\"hooks.poststart\"");
  hooks_fail("{\"hooks\":{\"createRuntime\":\"x\"}}", "\"hooks.createRuntime\"");
}

static int read_file(const char *path, size_t max, char **text, size_t *len,
                     sp_error *e) {
  return sp_read_file_at(AT_FDCWD, path, max, path, text, len, e);
}

static void test_files(void) {
  char dir[] = "/tmp/sharedpath-cli-unit.XXXXXX";
  CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
  char path[128], link[128];
  snprintf(path, sizeof(path), "%s/config.json", dir);
  snprintf(link, sizeof(link), "%s/link.json", dir);
  sp_error e = {0};
  CU_ASSERT_EQUAL(sp_write_atomic(path, "{}", 2, 0640, &e), 0);
  CU_ASSERT_EQUAL(sp_write_atomic(path, "{\"a\":1}", 7, 0640, &e), 0);
  struct stat sb;
  CU_ASSERT_EQUAL(stat(path, &sb), 0);
  CU_ASSERT_EQUAL(sb.st_mode & 07777, 0640);
  char *text = NULL;
  size_t len = 0;
  CU_ASSERT_EQUAL(read_file(path, 100, &text, &len, &e), 0);
  CU_ASSERT_STRING_EQUAL(text, "{\"a\":1}");
  CU_ASSERT_EQUAL(len, 7);
  free(text);
  CU_ASSERT_EQUAL(read_file(path, 6, &text, &len, &e), -EFBIG);
  CU_ASSERT_EQUAL(symlink(path, link), 0);
  CU_ASSERT_EQUAL(read_file(link, 100, &text, &len, &e), -ELOOP);
  CU_ASSERT_EQUAL(read_file(dir, 100, &text, &len, &e), -EINVAL);
  /* A NUL byte would cut the text short unnoticed. */
  CU_ASSERT_EQUAL(sp_write_atomic(path, "{}\0x", 4, 0600, &e), 0);
  CU_ASSERT_EQUAL(read_file(path, 100, &text, &len, &e), -EINVAL);
  /* No temp file is left next to the target. */
  char cmd[256];
  snprintf(cmd, sizeof(cmd), "test $(ls -A %s | wc -l) -eq 2", dir);
  CU_ASSERT_EQUAL(system(cmd), 0);
  snprintf(cmd, sizeof(cmd), "rm -r %s", dir);
  CU_ASSERT_EQUAL(system(cmd), 0);
}

void register_cli_suite(void) {
  CU_pSuite s = CU_add_suite("cli", NULL, NULL);
  ADD(s, test_args_ok);
  ADD(s, test_args_bad);
  ADD(s, test_id);
  ADD(s, test_state_ok);
  ADD(s, test_state_bad);
  ADD(s, test_json_past_end);
  ADD(s, test_target_self);
  ADD(s, test_record_round_trip);
  ADD(s, test_record_bad);
  ADD(s, test_record_path);
  ADD(s, test_hooks);
  ADD(s, test_hooks_bad);
  ADD(s, test_files);
}
