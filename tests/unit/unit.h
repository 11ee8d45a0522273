/* SPDX-License-Identifier: Apache-2.0 */
#ifndef UNIT_H
#define UNIT_H
#include <CUnit/CUnit.h>
#include <errno.h>
#include <stddef.h>

/* Each file registers one suite. */
void register_rules_suite(void);
void register_spec_suite(void);
void register_state_suite(void);
void register_statecache_suite(void);
void register_abi_suite(void);
void register_host_suite(void);
void register_cli_suite(void);
void register_cli_engine_suite(void);
void register_lib_suite(void);
void register_kernel_suite(void);

#define ADD(suite, fn) CU_add_test(suite, #fn, fn)

/* text (with its NUL) at the very end of a page followed by an
 * inaccessible one: a parser reading past the NUL faults.  munmap *map
 * (*mapsz bytes) after.  In test_lib.c. */
char *unit_at_page_end(const char *text, void **map, size_t *mapsz);

struct sp_state;
/* Append the parsed bind spec (with its hash) to st; fails the test if it
 * does not parse.  In test_state.c. */
void unit_state_add(struct sp_state *st, const char *spec);
#endif
