/* SPDX-License-Identifier: Apache-2.0 */
/* State format: round trip, versioning, and every kind of corrupt input. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "state.h"
#include "unit.h"

#define H_DATA "c4db6b731db6996033c01719ded3faf48b063744886ca3c9a68314738f1f66f5"

static void add(sp_state *st, const char *spec) {
  sp_bind b;
  sp_error e = {0};
  CU_ASSERT_EQUAL_FATAL(sp_bind_parse(spec, false, &b, &e), 0);
  CU_ASSERT_EQUAL_FATAL(sp_hash_hex(b.host, b.hash, &e), 0);
  CU_ASSERT_EQUAL_FATAL(sp_state_append(st, &b, &e), 0);
  sp_bind_clear(&b);
}

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
  parse_fails("{\"version\":2,\"id\":\"c1\",\"paths\":[]}", -EPROTO);
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
  CU_ASSERT_EQUAL(sp_state_lock(dfd, "c1", &lock, &e), 0);
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
  ADD(s, test_corrupt);
  ADD(s, test_files);
  ADD(s, test_stale_temp);
}
