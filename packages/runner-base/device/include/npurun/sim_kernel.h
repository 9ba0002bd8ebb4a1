/*
 * The kernel ABI of npurun's simulated runtime: how the simulated AI Core executor calls a task's
 * kernel. A kernel is a C-linkage function in a kernel image (an ELF shared object on the
 * simulator), named by the kernel table's entry symbol:
 *
 *   NPURUN_DEVICE_PROGRAM;                            (once per image)
 *   NPURUN_KERNEL(my_kernel) { ... uses ctx and args ... }
 *
 * args are the task's arguments in order, each 64 bits: a device address (cast it to a pointer)
 * or a scalar. ctx tells the kernel where it runs within its task: a cube or vector task runs on one
 * core as block 0 of 1; a mixed task runs on one block's cube core and its two vector cores, each
 * with the same block index and its own sub-block index.
 */
#ifndef NPURUN_SIM_KERNEL_H
#define NPURUN_SIM_KERNEL_H

#include <stdint.h>

#include <npurun/device_abi.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct npurun_kernel_ctx {
  uint32_t core_type;      /* NPURUN_CORE_CUBE or NPURUN_CORE_VECTOR */
  uint32_t block_idx;      /* the task's block index */
  uint32_t block_num;      /* the task's block count */
  uint32_t sub_block_idx;  /* vector cores of a mixed task: 0 or 1; otherwise 0 */
  uint32_t sub_block_num;  /* vector cores of a mixed task: 2; otherwise 1 */
  uint32_t core_id;        /* the physical core running it */
  uint32_t task_id;
  uint32_t arg_count;
  /* Raised when the run is being torn down (device reset, stream destroyed after a timeout): a
     kernel that loops or waits must poll NPURUN_KERNEL_SHOULD_STOP(ctx) and return. */
  const volatile uint32_t *stop_requested;
} npurun_kernel_ctx;

#define NPURUN_KERNEL_SHOULD_STOP(ctx) (__atomic_load_n((ctx)->stop_requested, __ATOMIC_RELAXED) != 0u)

typedef void (*npurun_kernel_fn)(const npurun_kernel_ctx *ctx, const uint64_t *args);

#define NPURUN_KERNEL(name) NPURUN_DEVICE_EXPORT void name(const npurun_kernel_ctx *ctx, const uint64_t *args)

#ifdef __cplusplus
}
#endif

#endif /* NPURUN_SIM_KERNEL_H */
