/* SPDX-License-Identifier: Apache-2.0 */
#include <CUnit/Basic.h>

#include "unit.h"

int main(void) {
  if (CU_initialize_registry() != CUE_SUCCESS)
    return 2;
  register_lib_suite();
  register_rules_suite();
  register_spec_suite();
  register_state_suite();
  register_statecache_suite();
  register_abi_suite();
  register_host_suite();
  register_cli_suite();
  register_cli_engine_suite();
  register_kernel_suite();
  CU_basic_set_mode(CU_BRM_VERBOSE);
  CU_basic_run_tests();
  unsigned int failed = CU_get_number_of_failures() +
                        CU_get_number_of_tests_failed();
  CU_cleanup_registry();
  return failed ? 1 : 0;
}
