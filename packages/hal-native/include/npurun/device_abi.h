/*
 * npurun simulator device ABI.
 *
 * On the simulator, an AI Core executor binary and an AI CPU executor program are host ELF shared
 * objects handed to the HAL as bytes. This header is the whole contract between such a program and
 * the simulator: the symbols it must export, the entry signatures, and what each core or thread is
 * told about itself. Device programs run in the simulated device's own process; device memory
 * addresses are real addresses in that process, so device programs dereference them directly,
 * exactly as device code does on hardware. Only live allocations are accessible: an access outside
 * one faults the device (the host gets HAL_DEVICE_FAULT naming the task, kernel and address), and
 * so do a crash, an escaping exception or exit() in device code. The host process survives all of
 * them.
 *
 * Required exports of every device program:
 *   const uint32_t npurun_device_abi_version = NPURUN_DEVICE_ABI_VERSION;
 *
 * AI Core executor binary, additionally:
 *   void npurun_aicore_entry(const npurun_aicore_ctx *ctx, uint64_t kernel_args_addr);
 *     Called once per core of a launch (blockDim blocks x (1 cube + 2 vector) cores), on host
 *     threads: all cores of a launch run at once (a core may wait for the others), though a thread
 *     may run another core's call after one that returned. kernel_args_addr is the device address
 *     the host launched with.
 *
 * AI CPU executor program: any number of kernels, resolved by name at launch, each
 *   int <name>(const npurun_aicpu_ctx *ctx, void *args, uint64_t args_size);
 *     Called once per launched thread. args points at a launch-private copy of the host argument
 *     block (writes never reach the host). A non-zero return fails the launch (HAL_KERNEL_FAILED).
 *
 * Cooperative stop: device code that loops or waits must poll NPURUN_SHOULD_STOP(ctx) and return
 * when it is non-zero. The simulator raises it when a stream is destroyed or the device is reset or
 * closed (e.g. after a synchronize timeout) and waits a short grace period for the code to return;
 * code that does not is ended with the device process, which faults the device.
 */
#ifndef NPURUN_DEVICE_ABI_H
#define NPURUN_DEVICE_ABI_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NPURUN_DEVICE_ABI_VERSION 1u

#define NPURUN_CORE_CUBE 0u
#define NPURUN_CORE_VECTOR 1u

/* Services the simulator offers device code. Function pointers stay valid for the launch. */
typedef struct npurun_sim_services {
  /* The device timestamp clock (the arch's rate: 50 MHz a2a3, 1 GHz a5), monotonic. */
  uint64_t (*read_timestamp)(void);
  /* Timestamp clock frequency in Hz. */
  uint64_t timestamp_hz;
  /*
   * Resolves symbol `name` in a kernel image (an ELF shared object) stored in device memory at
   * [image_addr, image_addr + image_size). Loads each image once per device; returns NULL (and
   * never crashes) when the range is not device memory, the bytes are not a shared object, or the
   * symbol is missing. This stands in for the hardware jumping to a kernel's code in device memory.
   */
  void *(*resolve_kernel)(const void *device, uint64_t image_addr, uint64_t image_size, const char *name);
  /* Opaque device handle to pass to resolve_kernel. */
  const void *device;
  /*
   * Tells the simulator which task the calling thread runs now, so a fault in it is reported with
   * the task id and kernel; kernel_entry NULL clears it. Executors call it around each kernel.
   */
  void (*set_current_task)(uint32_t task_id, uint32_t kernel_id, const char *kernel_entry);
} npurun_sim_services;

/* What one AI Core core knows about itself during a launch. */
typedef struct npurun_aicore_ctx {
  uint32_t abi_version;    /* NPURUN_DEVICE_ABI_VERSION */
  uint32_t core_type;      /* NPURUN_CORE_CUBE or NPURUN_CORE_VECTOR */
  uint32_t block_idx;      /* 0 .. block_num-1 */
  uint32_t block_num;      /* blockDim of the launch */
  uint32_t sub_block_idx;  /* vector cores: 0 or 1; cube cores: 0 */
  uint32_t sub_block_num;  /* vector cores: 2; cube cores: 1 */
  uint32_t core_id;        /* cube b -> b; vector (b, s) -> block_num + 2*b + s */
  uint32_t core_num;       /* 3 * block_num */
  const volatile uint32_t *stop_requested;
  const npurun_sim_services *sim;
} npurun_aicore_ctx;

/* What one AI CPU thread knows about itself during a launch. */
typedef struct npurun_aicpu_ctx {
  uint32_t abi_version;  /* NPURUN_DEVICE_ABI_VERSION */
  uint32_t thread_idx;   /* 0 .. thread_num-1 */
  uint32_t thread_num;   /* threads of this launch */
  uint32_t device_id;
  const volatile uint32_t *stop_requested;
  const npurun_sim_services *sim;
} npurun_aicpu_ctx;

#define NPURUN_SHOULD_STOP(ctx) (__atomic_load_n((ctx)->stop_requested, __ATOMIC_RELAXED) != 0u)

#ifdef __cplusplus
#define NPURUN_EXTERN_C extern "C"
#else
#define NPURUN_EXTERN_C
#endif

/* Marks a function or object as an export the simulator resolves by name. */
#define NPURUN_DEVICE_EXPORT NPURUN_EXTERN_C __attribute__((visibility("default")))

/* Defines the ABI version export; use once per device program. */
#define NPURUN_DEVICE_PROGRAM \
  NPURUN_DEVICE_EXPORT const uint32_t npurun_device_abi_version = NPURUN_DEVICE_ABI_VERSION

#ifdef __cplusplus
}
#endif

#endif /* NPURUN_DEVICE_ABI_H */
