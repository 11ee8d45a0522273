/* SPDX-License-Identifier: Apache-2.0 */
#ifndef UNIT_H
#define UNIT_H
#include <CUnit/CUnit.h>
#include <errno.h>

/* Each file registers one suite. */
void register_rules_suite(void);
void register_spec_suite(void);
void register_state_suite(void);
void register_statecache_suite(void);
void register_abi_suite(void);
void register_host_suite(void);

#define ADD(suite, fn) CU_add_test(suite, #fn, fn)

struct sp_state;
/* Append the parsed bind spec (with its hash) to st; fails the test if it
 * does not parse.  In test_state.c. */
void unit_state_add(struct sp_state *st, const char *spec);
#endif
