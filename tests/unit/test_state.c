/* SPDX-License-Identifier: Apache-2.0 */
/* State format: round trip, versioning, and every kind of corrupt input. */
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "intent.h"
#include "statefile.h"
#include "unit.h"

#define H_DATA "c4db6b731db6996033c01719ded3faf48b063744886ca3c9a68314738f1f66f5"

void unit_state_add(sp_state *st, const char *spec) {
  sp_bind b;
  sp_error e = {0};
  CU_ASSERT_EQUAL_FATAL(sp_bind_parse(spec, false, &b, &e), 0);
  CU_ASSERT_EQUAL_FATAL(sp_hash_hex(b.host, b.hash, &e), 0);
  CU_ASSERT_EQUAL_FATAL(sp_state_append(st, &b, &e), 0);
  sp_bind_clear(&b);
}
/* The short name this file uses. */
#define add unit_state_add

static void test_round_trip(void) {
  sp_state st = {0}, back = {0};
  sp_error e = {0};
  add(&st, "/data/shared:/mnt/a");
  add(&st, "/data/f:/etc/f:ro,private");
  char *text = NULL;
  CU_ASSERT_EQUAL_FATAL(sp_state_to_json(&st, "c1", true, &text, &e), 0);
  CU_ASSERT(strstr(text, "\"version\"") != NULL);
  CU_ASSERT_EQUAL_FATAL(sp_state_parse(text, strlen(text), "c1", &back, &e), 0);
  CU_ASSERT_EQUAL(back.n, 2);
  CU_ASSERT_STRING_EQUAL(back.paths[0].hash, H_DATA);
  CU_ASSERT_STRING_EQUAL(back.paths[1].ctr, "/etc/f");
  CU_ASSERT_STRING_EQUAL(sp_opts_string(&back.paths[1].opts), "ro,private");
  free(text);
  sp_state_free(&st);
  sp_state_free(&back);
}

/* Version 1 while no path uses the options version 2 added (an older
 * plugin keeps reading it), 2 once one does (an older plugin refuses it
 * by its version); both read back, a version past ours does not. */
static void test_versions(void) {
  sp_state st = {0}, back = {0};
  sp_error e = {0};
  add(&st, "/data/shared:/mnt/a:ro");
  char *text = NULL;
  CU_ASSERT_EQUAL_FATAL(sp_state_to_json(&st, "c1", false, &text, &e), 0);
  CU_ASSERT(strncmp(text, "{\"version\":1,", 13) == 0);
  free(text);
  add(&st, "/data/tree:/mnt/t:rbind,idmap");
  CU_ASSERT_EQUAL_FATAL(sp_state_to_json(&st, "c1", false, &text, &e), 0);
  CU_ASSERT(strncmp(text, "{\"version\":2,", 13) == 0);
  CU_ASSERT_EQUAL_FATAL(sp_state_parse(text, strlen(text), "c1", &back, &e), 0);
  CU_ASSERT_EQUAL(back.n, 2);
  CU_ASSERT(back.paths[1].opts.rbind && back.paths[1].opts.idmap);
  CU_ASSERT_STRING_EQUAL(sp_opts_string(&back.paths[1].opts),
                         "rw,rslave,rbind,idmap");
  sp_state_free(&back);
  /* 3 is the slotted file's (statefile.h): past it, newer. */
  text[11] = '4';
  CU_ASSERT_EQUAL(sp_state_parse(text, strlen(text), "c1", &back, &e),
                  -EPROTO);
  CU_ASSERT(strstr(e.msg, "newer plugin") != NULL);
  free(text);
  sp_state_free(&st);
}

static void parse_fails(const char *text, int code) {
  sp_state st;
  sp_error e = {0};
  CU_ASSERT_EQUAL(sp_state_parse(text, strlen(text), "c1", &st, &e), code);
  CU_ASSERT(e.msg[0] != '\0');
  CU_ASSERT_EQUAL(st.n, 0);
}

#define ENTRY(host, ctr, opts, hash)                                           \
  "{\"version\":1,\"id\":\"c1\",\"paths\":[{\"host\":\"" host                  \
  "\",\"container\":\"" ctr "\",\"options\":\"" opts "\",\"hash\":\"" hash     \
  "\"}]}"

static void test_corrupt(void) {
  sp_state st;
  sp_error e = {0};
  const char *ok = ENTRY("/data/shared", "/mnt/a", "rw,rslave", H_DATA);
  CU_ASSERT_EQUAL(sp_state_parse(ok, strlen(ok), "c1", &st, &e), 0);
  sp_state_free(&st);
  parse_fails("", -EINVAL);
  parse_fails("{\"version\":1,\"id\":\"c1\",\"pa", -EINVAL);
  parse_fails("not json", -EINVAL);
  parse_fails("[]", -EINVAL);
  parse_fails("{\"id\":\"c1\",\"paths\":[]}", -EINVAL);
  parse_fails("{\"version\":\"1\",\"id\":\"c1\",\"paths\":[]}", -EINVAL);
  /* Version 3 keeps the state in slots (statefile.h), never bare. */
  parse_fails("{\"version\":3,\"id\":\"c1\",\"paths\":[]}", -EINVAL);
  parse_fails("{\"version\":4,\"id\":\"c1\",\"paths\":[]}", -EPROTO);
  parse_fails("{\"version\":0,\"id\":\"c1\",\"paths\":[]}", -EINVAL);
  parse_fails("{\"version\":1,\"id\":\"c2\",\"paths\":[]}", -EINVAL);
  parse_fails("{\"version\":1,\"id\":\"c1\"}", -EINVAL);
  parse_fails("{\"version\":1,\"id\":\"c1\",\"paths\":[1]}", -EINVAL);
  parse_fails("{\"version\":1,\"id\":\"c1\",\"paths\":[]} x", -EINVAL);
  parse_fails("{\"version\":01,\"id\":\"c1\",\"paths\":[]}", -EINVAL);
  parse_fails("{\"version\":1,\"id\":\"c1\",\"paths\":[]}/**/", -EINVAL);
  parse_fails(ENTRY("/data/shared", "/mnt/a", "rw,rslave", "00"), -EINVAL);
  parse_fails(ENTRY("/data//shared", "/mnt/a", "rw,rslave", H_DATA), -EINVAL);
  parse_fails(ENTRY("/data/shared", "/proc/x", "rw,rslave", H_DATA), -EPERM);
  parse_fails(ENTRY("/data/shared", "/mnt/../../x", "rw,rslave", H_DATA),
              -EINVAL);
  parse_fails(ENTRY("data", "/mnt/a", "rw,rslave", H_DATA), -EINVAL);
  parse_fails(ENTRY("/data/shared", "/mnt/a", "rw,bogus", H_DATA), -EINVAL);
  parse_fails("{\"version\":1,\"id\":\"c1\",\"paths\":[{\"host\":\"/data/shared\","
              "\"container\":\"/a\",\"options\":\"rw,rslave\",\"hash\":\"" H_DATA
              "\"},{\"host\":\"/data/shared\",\"container\":\"/a\",\"options\":"
              "\"rw,rslave\",\"hash\":\"" H_DATA "\"}]}", -EINVAL);
  /* Same host path with other options, entries apart: a conflict. */
  parse_fails("{\"version\":1,\"id\":\"c1\",\"paths\":[{\"host\":\"/data/shared\","
              "\"container\":\"/a\",\"options\":\"rw,rslave\",\"hash\":\"" H_DATA
              "\"},{\"host\":\"/data/shared\",\"container\":\"/b\",\"options\":"
              "\"rw,rslave\",\"hash\":\"" H_DATA "\"},{\"host\":\"/data/shared\","
              "\"container\":\"/c\",\"options\":\"ro,rslave\",\"hash\":\"" H_DATA
              "\"}]}", -EINVAL);
  /* Embedded NUL and oversize are refused before parsing. */
  char nul[] = "{\"version\":1}\0xx";
  CU_ASSERT_EQUAL(sp_state_parse(nul, sizeof(nul) - 1, "c1", &st, &e), -EINVAL);
  size_t big = SP_STATE_MAX_BYTES + 1;
  char *huge = malloc(big + 1);
  memset(huge, ' ', big);
  huge[big] = '\0';
  CU_ASSERT_EQUAL(sp_state_parse(huge, big, "c1", &st, &e), -EFBIG);
  free(huge);
}

static void test_files(void) {
  char dir[] = "/tmp/sp-unit-state.XXXXXX";
  CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
  int dfd = open(dir, O_RDONLY | O_DIRECTORY);
  sp_state st = {0}, back;
  sp_error e = {0};
  bool exists = true;
  CU_ASSERT_EQUAL(sp_state_load(dfd, "c1", &back, &exists, &e), 0);
  CU_ASSERT(!exists);
  add(&st, "/data/shared:/mnt/a");
  int lock = -1;
  CU_ASSERT_EQUAL(sp_state_lock(dfd, "c1", &lock, NULL, &e), 0);
  CU_ASSERT_EQUAL(sp_state_save(dfd, "c1", &st, &e), 0);
  struct stat sb;
  CU_ASSERT_EQUAL(fstatat(dfd, "c1.json", &sb, 0), 0);
  CU_ASSERT_EQUAL(sb.st_mode & 07777, 0600);
  CU_ASSERT_NOT_EQUAL(fstatat(dfd, "c1.json.tmp", &sb, 0), 0);
  CU_ASSERT_EQUAL(sp_state_load(dfd, "c1", &back, &exists, &e), 0);
  CU_ASSERT(exists);
  CU_ASSERT_EQUAL(back.n, 1);
  sp_state_free(&back);
  /* A huge file is refused by its size, without reading it. */
  int fd = openat(dfd, "c2.json", O_WRONLY | O_CREAT, 0600);
  CU_ASSERT_EQUAL(ftruncate(fd, 100 << 20), 0);
  close(fd);
  CU_ASSERT_EQUAL(sp_state_load(dfd, "c2", &back, &exists, &e), -EFBIG);
  CU_ASSERT(strstr(e.msg, "c2.json") != NULL);
  /* A symlinked state file is not followed. */
  CU_ASSERT_EQUAL(symlinkat("/etc/passwd", dfd, "c3.json"), 0);
  CU_ASSERT(sp_state_load(dfd, "c3", &back, &exists, &e) < 0);
  CU_ASSERT_EQUAL(sp_state_unlink(dfd, "c1", &e), 0);
  sp_state_lock_unlink(dfd, "c1");
  close(lock);
  unlinkat(dfd, "c2.json", 0);
  unlinkat(dfd, "c3.json", 0);
  sp_state_free(&st);
  close(dfd);
  CU_ASSERT_EQUAL(rmdir(dir), 0);
}

/* The whole file. */
static char *file_text(int dfd, const char *name, size_t *len) {
  int fd = openat(dfd, name, O_RDONLY);
  struct stat sb;
  CU_ASSERT_EQUAL_FATAL(fstat(fd, &sb), 0);
  char *buf = calloc(1, (size_t)sb.st_size + 1);
  CU_ASSERT_EQUAL(read(fd, buf, (size_t)sb.st_size), sb.st_size);
  close(fd);
  *len = (size_t)sb.st_size;
  return buf;
}

static size_t load_n(int dfd, int code) {
  sp_state back = {0};
  sp_error e = {0};
  bool exists = false;
  CU_ASSERT_EQUAL(sp_state_load(dfd, "c1", &back, &exists, &e), code);
  size_t n = back.n;
  sp_state_free(&back);
  return n;
}

/* Version 3: two slots, saved in place, one JSON object an older plugin
 * refuses as a newer version; a torn slot falls back to the other; a
 * version-1 file is read and replaced. */
static void test_slots(void) {
  char dir[] = "/tmp/sp-unit-slots.XXXXXX";
  CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
  int dfd = open(dir, O_RDONLY | O_DIRECTORY);
  sp_state st = {0};
  sp_error e = {0};
  add(&st, "/data/shared:/mnt/a");
  CU_ASSERT_EQUAL_FATAL(sp_state_save(dfd, "c1", &st, &e), 0);
  struct stat first, sb;
  CU_ASSERT_EQUAL(fstatat(dfd, "c1.json", &first, 0), 0);
  CU_ASSERT_EQUAL(first.st_mode & 07777, 0600);
  add(&st, "/data/f:/etc/f:ro");
  CU_ASSERT_EQUAL_FATAL(sp_state_save(dfd, "c1", &st, &e), 0);
  CU_ASSERT_EQUAL(fstatat(dfd, "c1.json", &sb, 0), 0);
  CU_ASSERT_EQUAL(sb.st_ino, first.st_ino); /* in place */
  CU_ASSERT_EQUAL(sb.st_size, first.st_size);
  CU_ASSERT_EQUAL(load_n(dfd, 0), 2);

  /* One JSON object of version 3 with two slots: what an older plugin
   * parses, and refuses as newer than it knows. */
  size_t len;
  char *text = file_text(dfd, "c1.json", &len);
  json_object *o = json_tokener_parse(text), *v, *slots;
  CU_ASSERT_PTR_NOT_NULL_FATAL(o);
  CU_ASSERT(json_object_object_get_ex(o, "version", &v) &&
            json_object_get_int(v) == 3);
  CU_ASSERT(json_object_object_get_ex(o, "slots", &slots) &&
            json_object_array_length(slots) == 2);
  json_object_put(o);
  sp_state back = {0};
  uint64_t seq = 0;
  CU_ASSERT_EQUAL(sp_state_file_parse(text, len, "c1", &back, &seq, &e), 0);
  CU_ASSERT_EQUAL(back.n, 2);
  CU_ASSERT_EQUAL(seq, 2);
  sp_state_free(&back);

  /* A torn save: the newest slot's state damaged (its CRC fails), the
   * other slot is the state, and the next save goes over the torn one. */
  char *newest = strstr(text, "\"seq\":\"0000000000000002\"");
  CU_ASSERT_PTR_NOT_NULL_FATAL(newest);
  char *p = strstr(newest, "/etc/f");
  CU_ASSERT_PTR_NOT_NULL_FATAL(p);
  int fd = openat(dfd, "c1.json", O_WRONLY);
  CU_ASSERT_EQUAL(pwrite(fd, "X", 1, p - text), 1);
  CU_ASSERT_EQUAL(load_n(dfd, 0), 1);
  /* Its prefix torn too (blanks): the same. */
  CU_ASSERT_EQUAL(pwrite(fd, "     ", 5, newest - text), 5);
  CU_ASSERT_EQUAL(load_n(dfd, 0), 1);
  CU_ASSERT_EQUAL_FATAL(sp_state_save(dfd, "c1", &st, &e), 0);
  CU_ASSERT_EQUAL(load_n(dfd, 0), 2);
  free(text);
  text = file_text(dfd, "c1.json", &len);
  CU_ASSERT(strstr(text, "\"seq\":\"0000000000000002\"") != NULL);
  o = json_tokener_parse(text);
  CU_ASSERT_PTR_NOT_NULL(o); /* blanked over: one JSON object again */
  json_object_put(o);
  /* Both slots damaged: no state, an error. */
  char *s2 = strstr(text, "\"seq\":\"0000000000000002\"");
  CU_ASSERT_EQUAL(pwrite(fd, "#", 1, strstr(text, "\"seq\"") - text), 1);
  CU_ASSERT_EQUAL(pwrite(fd, "#", 1, s2 - text), 1);
  load_n(dfd, -EINVAL);
  free(text);

  /* Its size must fit two slots. */
  CU_ASSERT_EQUAL(ftruncate(fd, first.st_size - 1), 0);
  load_n(dfd, -EINVAL);
  close(fd);

  /* A version-1 file is read, and replaced by a version-3 one at the
   * next save; a state outgrowing its slots gets a new, larger file. */
  char *v1 = NULL;
  CU_ASSERT_EQUAL_FATAL(sp_state_to_json(&st, "c1", true, &v1, &e), 0);
  fd = openat(dfd, "c1.json", O_WRONLY | O_TRUNC);
  CU_ASSERT_EQUAL(write(fd, v1, strlen(v1)), (ssize_t)strlen(v1));
  close(fd);
  free(v1);
  CU_ASSERT_EQUAL(load_n(dfd, 0), 2);
  CU_ASSERT_EQUAL_FATAL(sp_state_save(dfd, "c1", &st, &e), 0);
  text = file_text(dfd, "c1.json", &len);
  CU_ASSERT(strncmp(text, "{\"version\":3,\"slots\":[", 22) == 0);
  free(text);
  CU_ASSERT_EQUAL(fstatat(dfd, "c1.json", &first, 0), 0);
  char spec[128];
  for (int i = 0; i < 40; i++) {
    snprintf(spec, sizeof(spec), "/data/many/%d:/mnt/many/%d", i, i);
    add(&st, spec);
  }
  CU_ASSERT_EQUAL_FATAL(sp_state_save(dfd, "c1", &st, &e), 0);
  CU_ASSERT_EQUAL(fstatat(dfd, "c1.json", &sb, 0), 0);
  CU_ASSERT(sb.st_size > first.st_size);
  CU_ASSERT_NOT_EQUAL(sb.st_ino, first.st_ino);
  CU_ASSERT_EQUAL(load_n(dfd, 0), 42);
  CU_ASSERT_NOT_EQUAL(fstatat(dfd, "c1.json.tmp", &sb, 0), 0);

  CU_ASSERT_EQUAL(sp_state_unlink(dfd, "c1", &e), 0);
  sp_state_free(&st);
  close(dfd);
  CU_ASSERT_EQUAL(rmdir(dir), 0);
}

/* sp_state_to_json writes what json-c prints for the same tree, escapes
 * included (the writer copies runs of plain bytes at once). */
static void test_json_like_json_c(void) {
  static const char *const hosts[] = {
      "/plain/path", "/q\"uote", "/back\\slash", "/tab\there/nl\n",
      "/ctl\x01\x1f\x7f", "/utf8/\xc3\xa9t\xc3\xa9", "/a/b/", "/\"", "/\\"};
  sp_state st = {0};
  sp_error e = {0};
  json_object *root = json_object_new_object(), *paths = json_object_new_array();
  /* No path uses rbind or idmap: written as version 1. */
  json_object_object_add(root, "version", json_object_new_int(1));
  json_object_object_add(root, "id", json_object_new_string("c\"1"));
  json_object_object_add(root, "paths", paths);
  for (size_t i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
    sp_bind b = {.host = (char *)hosts[i], .ctr = (char *)"/mnt/x\\y"};
    CU_ASSERT_EQUAL_FATAL(sp_hash_hex(b.host, b.hash, &e), 0);
    CU_ASSERT_EQUAL_FATAL(sp_state_append(&st, &b, &e), 0);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "host", json_object_new_string(b.host));
    json_object_object_add(o, "container", json_object_new_string(b.ctr));
    json_object_object_add(o, "options",
                           json_object_new_string(sp_opts_string(&b.opts)));
    json_object_object_add(o, "hash", json_object_new_string(b.hash));
    json_object_array_add(paths, o);
  }
  for (int pretty = 0; pretty < 2; pretty++) {
    char *text = NULL;
    CU_ASSERT_EQUAL_FATAL(sp_state_to_json(&st, "c\"1", pretty, &text, &e),
                          0);
    const char *want = json_object_to_json_string_ext(
        root, JSON_C_TO_STRING_NOSLASHESCAPE |
                  (pretty ? JSON_C_TO_STRING_PRETTY : JSON_C_TO_STRING_PLAIN));
    CU_ASSERT_STRING_EQUAL(text, want);
    free(text);
  }
  json_object_put(root);
  sp_state_free(&st);
}

/* Read the intent in lock (its length from fstat), as a call would. */
static int intent_n(int lock, sp_state *back, bool *exists, off_t *size) {
  struct stat sb;
  sp_error e = {0};
  CU_ASSERT_EQUAL_FATAL(fstat(lock, &sb), 0);
  *size = sb.st_size;
  return sp_intent_read(lock, sb.st_size, "c1", back, exists, &e);
}

/* The intent record in the lock file: live only while it starts with '{',
 * a shorter record over a longer one still reads back, and a body written
 * without its '{' (cut short) is no intent. */
static void test_intent(void) {
  char dir[] = "/tmp/sp-unit-intent.XXXXXX";
  CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
  int dfd = open(dir, O_RDONLY | O_DIRECTORY);
  sp_error e = {0};
  int lock = -1;
  off_t size = -1;
  CU_ASSERT_EQUAL_FATAL(sp_state_lock(dfd, "c1", &lock, &size, &e), 0);
  CU_ASSERT_EQUAL(size, 0);
  sp_state two = {0}, one = {0}, back = {0};
  add(&two, "/data/shared:/mnt/a");
  add(&two, "/data/f:/etc/f:ro,private");
  add(&one, "/data/x:/mnt/x");
  bool exists = true;
  CU_ASSERT_EQUAL(intent_n(lock, &back, &exists, &size), 0);
  CU_ASSERT(!exists);
  CU_ASSERT_EQUAL_FATAL(sp_intent_write(lock, &size, "c1", &two, &e), 0);
  CU_ASSERT_EQUAL(intent_n(lock, &back, &exists, &size), 0);
  CU_ASSERT(exists);
  CU_ASSERT_EQUAL(back.n, 2);
  sp_state_free(&back);
  CU_ASSERT_EQUAL(sp_intent_clear(lock), 0);
  CU_ASSERT_EQUAL(intent_n(lock, &back, &exists, &size), 0);
  CU_ASSERT(!exists);
  off_t longer = size;
  CU_ASSERT_EQUAL_FATAL(sp_intent_write(lock, &size, "c1", &one, &e), 0);
  CU_ASSERT_EQUAL(size, longer);
  CU_ASSERT_EQUAL(intent_n(lock, &back, &exists, &size), 0);
  CU_ASSERT(exists);
  CU_ASSERT_EQUAL(back.n, 1);
  CU_ASSERT_STRING_EQUAL(back.paths[0].ctr, "/mnt/x");
  sp_state_free(&back);
  CU_ASSERT_EQUAL(sp_intent_clear(lock), 0);
  /* A record a large batch left (tens of KiB) is not padded to by every
   * later one: the file is cut to the small record once. */
  sp_state many = {0};
  char spec[128];
  for (int i = 0; i < 100; i++) {
    snprintf(spec, sizeof(spec), "/data/many/%d:/mnt/many/%d", i, i);
    add(&many, spec);
  }
  CU_ASSERT_EQUAL_FATAL(sp_intent_write(lock, &size, "c1", &many, &e), 0);
  CU_ASSERT(size > 8192);
  CU_ASSERT_EQUAL(sp_intent_clear(lock), 0);
  CU_ASSERT_EQUAL_FATAL(sp_intent_write(lock, &size, "c1", &one, &e), 0);
  CU_ASSERT(size < 4096);
  CU_ASSERT_EQUAL(intent_n(lock, &back, &exists, &size), 0);
  CU_ASSERT(exists);
  CU_ASSERT_EQUAL(back.n, 1);
  sp_state_free(&back);
  sp_state_free(&many);
  CU_ASSERT_EQUAL(sp_intent_clear(lock), 0);
  /* A body (here cut short: garbage) whose '{' never came: no intent. */
  CU_ASSERT_EQUAL(pwrite(lock, "#garbage", 8, 1), 8);
  CU_ASSERT_EQUAL(intent_n(lock, &back, &exists, &size), 0);
  CU_ASSERT(!exists);
  /* A live record that does not parse is an error (the caller drops it). */
  CU_ASSERT_EQUAL(pwrite(lock, "{", 1, 0), 1);
  CU_ASSERT(intent_n(lock, &back, &exists, &size) < 0);
  CU_ASSERT(!exists);
  sp_state_free(&two);
  sp_state_free(&one);
  sp_state_lock_unlink(dfd, "c1");
  close(lock);
  close(dfd);
  CU_ASSERT_EQUAL(rmdir(dir), 0);
}

/* A temp file left by a crash (any mode, or a hard link to another file)
 * is never reused: the saved state is a new 0600 inode. */
static void test_stale_temp(void) {
  char dir[] = "/tmp/sp-unit-stale.XXXXXX";
  CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
  int dfd = open(dir, O_RDONLY | O_DIRECTORY);
  int fd = openat(dfd, "victim", O_WRONLY | O_CREAT, 0644);
  CU_ASSERT_EQUAL(write(fd, "VICTIM", 6), 6);
  close(fd);
  CU_ASSERT_EQUAL(linkat(dfd, "victim", dfd, "c1.json.tmp", 0), 0);
  CU_ASSERT_EQUAL(fchmodat(dfd, "c1.json.tmp", 0666, 0), 0);
  sp_state st = {0};
  sp_error e = {0};
  add(&st, "/data/shared:/mnt/a");
  CU_ASSERT_EQUAL(sp_state_save(dfd, "c1", &st, &e), 0);
  struct stat sb;
  CU_ASSERT_EQUAL(fstatat(dfd, "c1.json", &sb, 0), 0);
  CU_ASSERT_EQUAL(sb.st_mode & 07777, 0600);
  CU_ASSERT_EQUAL(sb.st_nlink, 1);
  char buf[16] = "";
  fd = openat(dfd, "victim", O_RDONLY);
  CU_ASSERT_EQUAL(read(fd, buf, sizeof(buf) - 1), 6);
  close(fd);
  CU_ASSERT_STRING_EQUAL(buf, "VICTIM");
  sp_state_free(&st);
  unlinkat(dfd, "c1.json", 0);
  unlinkat(dfd, "victim", 0);
  close(dfd);
  CU_ASSERT_EQUAL(rmdir(dir), 0);
}

void register_state_suite(void) {
  CU_pSuite s = CU_add_suite("state", NULL, NULL);
  ADD(s, test_round_trip);
  ADD(s, test_versions);
  ADD(s, test_corrupt);
  ADD(s, test_files);
  ADD(s, test_slots);
  ADD(s, test_intent);
  ADD(s, test_json_like_json_c);
  ADD(s, test_stale_temp);
}
