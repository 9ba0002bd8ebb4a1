/* A stand-in AI CPU executor program for the cann backend's tests: what matters to the backend is
 * that it is an ELF shared object whose exported functions are the kernels. */
#include <stdint.h>

__attribute__((visibility("default"))) int npurun_test_init(void *args, uint64_t size) { return args == 0 && size; }
__attribute__((visibility("default"))) int npurun_test_exec(void *args, uint64_t size) { return args == 0 && size; }
static int helper(int x) { return x + 1; }
__attribute__((visibility("hidden"))) int npurun_test_hidden(int x) { return helper(x); }
