/* SPDX-License-Identifier: Apache-2.0 */
/* lib/, the layer under the plugin and the command: the strict JSON-object
 * parse, whole reads and writes, mkdir. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "jsonobj.h"
#include "unit.h"

/* text copied to the very end of a page followed by an inaccessible one:
 * a parser reading one byte past the terminating NUL faults. */
char *unit_at_page_end(const char *text, void **map, size_t *mapsz) {
  size_t page = (size_t)sysconf(_SC_PAGESIZE), len = strlen(text) + 1;
  *mapsz = 2 * page;
  *map = mmap(NULL, *mapsz, PROT_READ | PROT_WRITE,
              MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (*map == MAP_FAILED || mprotect((char *)*map + page, page, PROT_NONE))
    return NULL;
  char *p = (char *)*map + page - len;
  memcpy(p, text, len);
  return p;
}

static int parse(const char *text, sp_error *e) {
  json_object *o = NULL;
  int r = sp_json_object_parse(text, strlen(text), "input", &o, e);
  if (o)
    json_object_put(o);
  return r;
}

static void test_json_object(void) {
  sp_error e = {0};
  CU_ASSERT_EQUAL(parse("{}", &e), 0);
  CU_ASSERT_EQUAL(parse(" {\"a\":[1,2]}\n\t ", &e), 0);
  static const struct {
    const char *text, *says;
  } bad[] = {
      {"", "ends before"},          {"{", "ends before"},
      {"[]", "not a JSON object"},  {"null ", "not a JSON object"},
      {"1 ", "not a JSON object"},  {"{} {}", "trailing data"},
      {"{}//x", "trailing data"},   {"{/*x*/}", "not valid JSON"},
      {"{\"a\":01}", "not valid JSON"}, {"{\"a\":[1,]}", "not valid JSON"},
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    e = (sp_error){0};
    CU_ASSERT_EQUAL(parse(bad[i].text, &e), -EINVAL);
    CU_ASSERT_EQUAL(e.code, -EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, bad[i].says));
  }
  /* The length given, not the NUL, ends the text. */
  json_object *o = NULL;
  CU_ASSERT_EQUAL(sp_json_object_parse("{}\0{", 4, "input", &o, &e), -EINVAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "NUL"));
  CU_ASSERT_EQUAL(sp_json_object_parse("{} x", 2, "input", &o, &e), 0);
  json_object_put(o);
}

/* Nothing is read beyond the length, whatever json-c counts as parsed. */
static void test_json_past_end(void) {
  static const char *const inputs[] = {"{}//x", "{}//", "{}/", "{}/*x*/",
                                       "1", "{\"a\":1}//////", "{}"};
  for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
    void *map = NULL;
    size_t mapsz = 0;
    char *text = unit_at_page_end(inputs[i], &map, &mapsz);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    sp_error e = {0};
    int r = parse(text, &e);
    CU_ASSERT(r == (strcmp(inputs[i], "{}") ? -EINVAL : 0));
    munmap(map, mapsz);
  }
}

static void test_read_write_all(void) {
  char path[] = "/tmp/sharedpath-unit-lib.XXXXXX";
  int fd = mkstemp(path);
  CU_ASSERT_FATAL(fd >= 0);
  unlink(path);
  CU_ASSERT_EQUAL(sp_write_all(fd, "hello world", 11, -1), 0);
  CU_ASSERT_EQUAL(sp_write_all(fd, "W", 1, 6), 0);
  char *text = NULL;
  size_t len = 0;
  sp_error e = {0};
  CU_ASSERT_EQUAL(sp_read_all(fd, 0, 100, "f", &text, &len, &e), 0);
  CU_ASSERT_STRING_EQUAL(text, "hello World");
  CU_ASSERT_EQUAL(len, 11);
  free(text);
  CU_ASSERT_EQUAL(sp_read_all(fd, 0, 10, "f", &text, &len, &e), -EFBIG);
  CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "larger than 10"));
  close(fd);
}

static void test_mkdir(void) {
  char dir[] = "/tmp/sharedpath-unit-mkdir.XXXXXX", p[128];
  CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
  sp_error e = {0};
  snprintf(p, sizeof(p), "%s/a/b/c", dir);
  CU_ASSERT_EQUAL(sp_mkdir_p(p, 0700, &e), 0);
  struct stat sb;
  CU_ASSERT_EQUAL(stat(p, &sb), 0);
  CU_ASSERT_EQUAL(sb.st_mode & 0777, 0700);
  CU_ASSERT_EQUAL(sp_mkdir_p(p, 0700, &e), 0);
  CU_ASSERT_EQUAL(sp_mkdir(p, 0700, &sb, &e), 1);
  snprintf(p, sizeof(p), "%s/f", dir);
  CU_ASSERT_EQUAL(sp_write_atomic(p, "x", 1, 0600, &e), 0);
  CU_ASSERT_EQUAL(sp_mkdir(p, 0700, NULL, &e), -ENOTDIR);
  char cmd[160];
  snprintf(cmd, sizeof(cmd), "rm -r %s", dir);
  CU_ASSERT_EQUAL(system(cmd), 0);
}

void register_lib_suite(void) {
  CU_pSuite s = CU_add_suite("lib", NULL, NULL);
  ADD(s, test_json_object);
  ADD(s, test_json_past_end);
  ADD(s, test_read_write_all);
  ADD(s, test_mkdir);
}
