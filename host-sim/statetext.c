/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"
#include "statetext.h"

static const char head[] = "{\"version\":3,\"slots\":[\n";
static const char tail[] = "]}\n";
/* After the lead byte (' ' or ','): the fields, fixed width, then the
 * state. */
static const char fmt_seq[] = "{\"seq\":\"", fmt_nonce[] = "\",\"nonce\":\"",
                  fmt_len[] = "\",\"len\":\"", fmt_crc[] = "\",\"crc\":\"",
                  fmt_state[] = "\",\"state\":";

/* Bitwise CRC-32C: slow and obviously right. */
static uint32_t crc32c(uint32_t crc, const unsigned char *p, size_t n) {
  crc = ~crc;
  while (n--) {
    crc ^= *p++;
    for (int k = 0; k < 8; k++)
      crc = crc & 1 ? (crc >> 1) ^ 0x82f63b78u : crc >> 1;
  }
  return ~crc;
}

/* Match lit at *p, then take digits hex digits into *v. */
static bool field(const char **p, const char *lit, int digits, uint64_t *v) {
  size_t l = strlen(lit);
  if (strncmp(*p, lit, l))
    return false;
  *p += l;
  uint64_t x = 0;
  for (int i = 0; i < digits; i++) {
    char c = (*p)[i];
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
      return false;
    x = x * 16 + (uint64_t)(c <= '9' ? c - '0' : c - 'a' + 10);
  }
  *p += digits;
  *v = x;
  return true;
}

typedef struct slot {
  uint64_t seq;
  const char *state;
  size_t len, bytes;
} slot;

/* Slot k (cap bytes at s): whether it is intact. */
static bool read_slot(const char *s, size_t cap, int k, slot *out) {
  const char *p = s + 1;
  uint64_t seq, nonce, len, crc;
  if (s[0] != (k ? ',' : ' ') || !field(&p, fmt_seq, 16, &seq) ||
      !field(&p, fmt_nonce, 16, &nonce) || !field(&p, fmt_len, 8, &len) ||
      (size_t)(p - s) > cap)
    return false;
  size_t covered = (size_t)(p - (s + 1));
  if (!field(&p, fmt_crc, 8, &crc) ||
      strncmp(p, fmt_state, strlen(fmt_state)))
    return false;
  p += strlen(fmt_state);
  size_t pre = (size_t)(p - s);
  if (seq == 0 || pre + len + 1 > cap || p[len] != '}')
    return false;
  uint32_t c = crc32c(crc32c(0, (const unsigned char *)s + 1, covered),
                      (const unsigned char *)p, len);
  if (c != (uint32_t)crc)
    return false;
  *out = (slot){seq, p, len, pre + len + 1};
  return true;
}

/* The newest intact slot of a version-3 text; 0 none, -1 not version 3. */
static int newest(const char *text, size_t n, slot *out) {
  size_t h = strlen(head), t = strlen(tail);
  if (n < h + t || strncmp(text, head, h))
    return -1;
  size_t cap = (n - h - t) / 2;
  if (h + 2 * cap + t != n)
    return 0;
  slot s[2];
  bool ok[2];
  for (int k = 0; k < 2; k++)
    ok[k] = read_slot(text + h + (size_t)k * cap, cap, k, &s[k]);
  if (!ok[0] && !ok[1])
    return 0;
  *out = ok[1] && (!ok[0] || s[1].seq > s[0].seq) ? s[1] : s[0];
  return 1;
}

char *sim_state_text(const char *path) {
  size_t n;
  char *text = sim_read_text(path, &n);
  if (!text)
    return strdup("");
  slot s;
  int r = newest(text, n, &s);
  if (r < 0)
    return text;
  char *out = NULL;
  if (r == 0 ? asprintf(&out, "version 3, no intact slot\n") < 0
             : asprintf(&out, "seq %llu\n%.*s", (unsigned long long)s.seq,
                        (int)s.len, s.state) < 0)
    out = NULL;
  free(text);
  return out ? out : strdup("");
}

long sim_state_bytes(const char *path) {
  size_t n;
  char *text = sim_read_text(path, &n);
  if (!text)
    return -errno;
  slot s;
  int r = newest(text, n, &s);
  free(text);
  return r < 0 ? (long)n : r == 0 ? -EINVAL : (long)s.bytes;
}
