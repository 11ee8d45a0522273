/* SPDX-License-Identifier: Apache-2.0 */
/* CRC-32C (Castagnoli), as iSCSI, ext4 and btrfs use it: the checksum of
 * a state file's slots (statefile.h).  The SSE 4.2 instruction where the
 * CPU has it, else a table. */
#ifndef SP_CRC32C_H
#define SP_CRC32C_H
#include <stddef.h>
#include <stdint.h>

#include "base.h"

/* Continue crc (0 to start) over len bytes of data. */
uint32_t sp_crc32c(uint32_t crc, const void *data, size_t len) SP_HIDDEN;
#endif
