/* SPDX-License-Identifier: Apache-2.0 */
/* Hash, ids, path cleaning, options, bind specs, host/container path rules. */
#include <limits.h>
#include <string.h>

#include "rules.h"
#include "unit.h"

static void test_hash(void) {
  char out[SP_HASH_HEX_LEN + 1];
  sp_error e = {0};
  CU_ASSERT_EQUAL(sp_hash_hex("", out, &e), 0);
  CU_ASSERT_STRING_EQUAL(out, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CU_ASSERT_EQUAL(sp_hash_hex("/data/shared", out, &e), 0);
  CU_ASSERT_STRING_EQUAL(out, "c4db6b731db6996033c01719ded3faf48b063744886ca3c9a68314738f1f66f5");
  CU_ASSERT_EQUAL(strlen(out), 64);
}

static void id_ok(const char *id) {
  sp_error e = {0};
  CU_ASSERT_EQUAL_FATAL(sp_id_validate(id, &e), 0);
}
static void id_bad(const char *id) {
  sp_error e = {0};
  CU_ASSERT_EQUAL(sp_id_validate(id, &e), -EINVAL);
  CU_ASSERT(e.msg[0] != '\0');
}

static void test_ids(void) {
  id_ok("web");
  id_ok("a");
  id_ok("A1_b.c-d");
  id_ok("0abc");
  char max[SP_ID_MAX + 2];
  memset(max, 'a', SP_ID_MAX);
  max[SP_ID_MAX] = '\0';
  id_ok(max);
  max[SP_ID_MAX] = 'a';
  max[SP_ID_MAX + 1] = '\0';
  id_bad(max);
  id_bad(NULL);
  id_bad("");
  id_bad(".");
  id_bad("..");
  id_bad("../x");
  id_bad("a/b");
  id_bad("/a");
  id_bad("-a");
  id_bad("_a");
  id_bad(".a");
  id_bad("a b");
  id_bad("a\x01");
  id_bad("a\n");
  id_bad("a:b");
  id_bad("caf\xc3\xa9");
  id_bad("a\x7f");
  id_bad("\x01a");
  id_bad("a\tb");
  id_bad("a\rb");
  id_bad("a\\b");
  id_bad("a*");
}

static void clean_is(const char *in, const char *want) {
  char out[PATH_MAX];
  sp_error e = {0};
  CU_ASSERT_EQUAL_FATAL(sp_path_clean(in, out, "test", &e), 0);
  CU_ASSERT_STRING_EQUAL(out, want);
}
static void clean_fails(const char *in, int code) {
  char out[PATH_MAX];
  sp_error e = {0};
  CU_ASSERT_EQUAL(sp_path_clean(in, out, "test", &e), code);
  CU_ASSERT(strstr(e.msg, "test path") != NULL);
}

static void test_path_clean(void) {
  clean_is("/", "/");
  clean_is("///", "/");
  clean_is("/a//b/./c/", "/a/b/c");
  clean_is("/./a", "/a");
  clean_is("/a/.../b", "/a/.../b");
  clean_is("/a/..b", "/a/..b");
  clean_fails("", -EINVAL);
  clean_fails(NULL, -EINVAL);
  clean_fails("a/b", -EINVAL);
  clean_fails("./a", -EINVAL);
  clean_fails("/a/../b", -EINVAL);
  clean_fails("/a/..", -EINVAL);
  clean_fails("/..", -EINVAL);
  static char longp[PATH_MAX + 8];
  longp[0] = '/';
  memset(longp + 1, 'a', PATH_MAX + 2);
  for (size_t i = 100; i < PATH_MAX; i += 100)
    longp[i] = '/';
  longp[PATH_MAX + 3] = '\0';
  clean_fails(longp, -ENAMETOOLONG);
  char comp[NAME_MAX + 3];
  comp[0] = '/';
  memset(comp + 1, 'x', NAME_MAX + 1);
  comp[NAME_MAX + 2] = '\0';
  clean_fails(comp, -ENAMETOOLONG);
}

static void test_within(void) {
  CU_ASSERT(sp_path_within("/a/b", "/a"));
  CU_ASSERT(sp_path_within("/a", "/a"));
  CU_ASSERT(!sp_path_within("/ab", "/a"));
  CU_ASSERT(sp_path_within("/x", "/"));
}

static void opts_are(const char *s, const char *canonical) {
  sp_opts o;
  sp_error e = {0};
  CU_ASSERT_EQUAL_FATAL(sp_opts_parse(s, &o, &e), 0);
  CU_ASSERT_STRING_EQUAL(sp_opts_string(&o), canonical);
}
static void opts_bad(const char *s) {
  sp_opts o;
  sp_error e = {0};
  CU_ASSERT_EQUAL(sp_opts_parse(s, &o, &e), -EINVAL);
  CU_ASSERT(e.msg[0] != '\0');
}

static void test_opts(void) {
  opts_are(NULL, "rw,rslave");
  opts_are("", "rw,rslave");
  opts_are("ro", "ro,rslave");
  opts_are("rw", "rw,rslave");
  opts_are("private", "rw,private");
  opts_are("ro,rprivate", "ro,rprivate");
  opts_are("shared,ro", "ro,shared");
  opts_are("rshared", "rw,rshared");
  opts_are("slave", "rw,slave");
  opts_are("rbind", "rw,rslave,rbind");
  opts_are("idmap,ro", "ro,rslave,idmap");
  opts_are("idmap,rprivate,rbind,ro", "ro,rprivate,rbind,idmap");
  opts_are("rw,rbind,shared,idmap", "rw,shared,rbind,idmap");
  opts_bad("rbind,rbind");
  opts_bad("idmap,ro,idmap");
  opts_bad("rbind=1");
  opts_bad("foo");
  opts_bad("ro,ro");
  opts_bad("ro,rw");
  opts_bad("slave,shared");
  opts_bad("rslave,rslave");
  opts_bad(",ro");
  opts_bad("ro,");
  opts_bad("ro,,rslave");
  opts_bad("ro=1");
  opts_bad("RO");
  opts_bad("bind");
}

static void bind_ok(const char *spec, bool rm, const char *host,
                    const char *ctr, const char *opts) {
  sp_bind b;
  sp_error e = {0};
  CU_ASSERT_EQUAL_FATAL(sp_bind_parse(spec, rm, &b, &e), 0);
  if (host) {
    CU_ASSERT_STRING_EQUAL(b.host, host);
  } else {
    CU_ASSERT_PTR_NULL(b.host);
  }
  CU_ASSERT_STRING_EQUAL(b.ctr, ctr);
  CU_ASSERT_STRING_EQUAL(sp_opts_string(&b.opts), opts);
  sp_bind_clear(&b);
}
static void bind_bad(const char *spec, bool rm, int code) {
  sp_bind b;
  sp_error e = {0};
  CU_ASSERT_EQUAL(sp_bind_parse(spec, rm, &b, &e), code);
  CU_ASSERT(e.msg[0] != '\0');
  CU_ASSERT_PTR_NULL(b.host);
  CU_ASSERT_PTR_NULL(b.ctr);
}

static void test_bind_parse(void) {
  bind_ok("/a:/b", false, "/a", "/b", "rw,rslave");
  bind_ok("/a//x/:/b/./c:ro", false, "/a/x", "/b/c", "ro,rslave");
  bind_ok("/a:/b:rw,private", false, "/a", "/b", "rw,private");
  bind_ok("/b", true, NULL, "/b", "rw,rslave");
  bind_ok("/a:/b", true, "/a", "/b", "rw,rslave");
  bind_ok("/a:/procfs", false, "/a", "/procfs", "rw,rslave");
  bind_bad("", false, -EINVAL);
  bind_bad(NULL, false, -EINVAL);
  bind_bad("/a", false, -EINVAL);
  bind_bad("/a:/b:", false, -EINVAL);
  bind_bad("/a:/b:ro:x", false, -EINVAL);
  bind_bad("/a:/b:ro:", false, -EINVAL);
  bind_bad("a:/b", false, -EINVAL);
  bind_bad("/a:b", false, -EINVAL);
  bind_bad(":/b", false, -EINVAL);
  bind_bad("/a:", false, -EINVAL);
  bind_bad("/a:/", false, -EINVAL);
  bind_bad("/a/../etc:/b", false, -EINVAL);
  bind_bad("/a:/b/../../etc", false, -EINVAL);
  bind_bad("/a:/.sharedpath", false, -EPERM);
  bind_bad("/a:/.sharedpath/x", false, -EPERM);
  bind_bad("/a:/proc", false, -EPERM);
  bind_bad("/a:/proc/1/root", false, -EPERM);
  bind_bad("/a:/sys/x", false, -EPERM);
  bind_bad("/a:/b:foo", false, -EINVAL);
  bind_bad("/a:/b:ro,rw", false, -EINVAL);
  bind_bad("/a:/b:ro", true, -EINVAL);
  bind_bad("/a:/b:c:d", true, -EINVAL);
}

/* Paths at and beyond PATH_MAX, and specs with many colons. */
static void test_bind_limits(void) {
  static char spec[3 * PATH_MAX];
  static char path[PATH_MAX + 2];
  sp_bind b;
  sp_error e = {0};
  /* A path of PATH_MAX - 1 bytes (components of 200) is accepted... */
  path[0] = '/';
  for (size_t i = 1; i < PATH_MAX - 1; i++)
    path[i] = i % 201 == 0 ? '/' : 'p';
  path[PATH_MAX - 1] = '\0';
  snprintf(spec, sizeof(spec), "%s:/mnt/x", path);
  CU_ASSERT_EQUAL(sp_bind_parse(spec, false, &b, &e), 0);
  CU_ASSERT_EQUAL(strlen(b.host), PATH_MAX - 1);
  sp_bind_clear(&b);
  snprintf(spec, sizeof(spec), "/h:%s:ro", path);
  CU_ASSERT_EQUAL(sp_bind_parse(spec, false, &b, &e), 0);
  sp_bind_clear(&b);
  /* ...PATH_MAX bytes and more are not, on either side. */
  path[PATH_MAX - 1] = 'p';
  path[PATH_MAX] = '\0';
  snprintf(spec, sizeof(spec), "%s:/mnt/x", path);
  bind_bad(spec, false, -ENAMETOOLONG);
  snprintf(spec, sizeof(spec), "/h:%s", path);
  bind_bad(spec, false, -ENAMETOOLONG);
  bind_bad(spec + 3, true, -ENAMETOOLONG);
  /* Two paths of PATH_MAX: the spec itself is too long. */
  snprintf(spec, sizeof(spec), "%s:%s", path, path);
  bind_bad(spec, false, -ENAMETOOLONG);
  /* Colons. */
  bind_bad("/a:/b:ro:rw", false, -EINVAL);
  bind_bad("/a:/b:ro:rw:x:y:z", false, -EINVAL);
  bind_bad("::::::::", false, -EINVAL);
  bind_bad("/a::/b", false, -EINVAL);
  bind_bad("/a:/b:", true, -EINVAL);
  bind_bad("/a::", true, -EINVAL);
  memset(spec, ':', 2 * PATH_MAX);
  spec[2 * PATH_MAX] = '\0';
  bind_bad(spec, false, -EINVAL);
}

static void host_ok(const char *p, bool allow) {
  sp_error e = {0};
  CU_ASSERT_EQUAL(sp_host_path_check(p, "/.sharedpath", "/var/lib/sp", allow,
                                     &e), 0);
}
static void host_bad(const char *p, bool allow) {
  sp_error e = {0};
  CU_ASSERT_EQUAL(sp_host_path_check(p, "/.sharedpath", "/var/lib/sp", allow,
                                     &e), -EPERM);
  CU_ASSERT(e.msg[0] != '\0');
}

static void test_host_rules(void) {
  host_ok("/data", false);
  host_ok("/devices", false);
  host_ok("/srv/proc", false);
  host_ok("/var/lib/other", false);
  host_bad("/", false);
  host_bad("/proc", false);
  host_bad("/proc/1/root", false);
  host_bad("/sys", false);
  host_bad("/sys/fs/cgroup", false);
  host_bad("/dev", false);
  host_bad("/dev/sda", false);
  host_bad("/.sharedpath", false);
  host_bad("/.sharedpath/master/x", false);
  host_bad("/var/lib/sp", false);
  host_bad("/var/lib/sp/x.json", false);
  host_bad("/var", false); /* would expose the state dir */
  host_ok("/proc", true);
  host_ok("/dev", true);
  host_bad("/", true); /* still contains the shared root */
  host_bad("/.sharedpath/x", true);
}

void register_rules_suite(void) {
  CU_pSuite s = CU_add_suite("rules", NULL, NULL);
  ADD(s, test_hash);
  ADD(s, test_ids);
  ADD(s, test_path_clean);
  ADD(s, test_within);
  ADD(s, test_opts);
  ADD(s, test_bind_parse);
  ADD(s, test_bind_limits);
  ADD(s, test_host_rules);
}
