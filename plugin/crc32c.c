/* SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include "crc32c.h"

#define POLY 0x82f63b78u /* reflected Castagnoli polynomial */

static uint32_t table[256];
static bool have_insn; /* set once at load, read-only after */

static void __attribute__((constructor)) crc32c_init(void) {
#if defined(__x86_64__)
  __builtin_cpu_init();
  have_insn = __builtin_cpu_supports("sse4.2");
#endif
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i;
    for (int k = 0; k < 8; k++)
      c = c & 1 ? (c >> 1) ^ POLY : c >> 1;
    table[i] = c;
  }
}

static uint32_t by_table(uint32_t c, const unsigned char *p, size_t len) {
  while (len--)
    c = table[(c ^ *p++) & 0xff] ^ (c >> 8);
  return c;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) static uint32_t
by_insn(uint32_t c, const unsigned char *p, size_t len) {
  uint64_t c64 = c;
  for (; len >= 8; p += 8, len -= 8) {
    uint64_t v;
    memcpy(&v, p, 8);
    c64 = __builtin_ia32_crc32di(c64, v);
  }
  c = (uint32_t)c64;
  for (; len; p++, len--)
    c = __builtin_ia32_crc32qi(c, *p);
  return c;
}
#endif

uint32_t sp_crc32c(uint32_t crc, const void *data, size_t len) {
  uint32_t c = ~crc;
#if defined(__x86_64__)
  if (have_insn)
    return ~by_insn(c, data, len);
#endif
  return ~by_table(c, data, len);
}
