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

#define ADD(suite, fn) CU_add_test(suite, #fn, fn)
#endif
