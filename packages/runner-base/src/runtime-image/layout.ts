/**
 * The runtime image's device structs, declared once. The C header device programs include
 * (`npurun/runtime_image.h`) is generated from these declarations; the format is described in
 * `docs/runtime-image.md`.
 */
import { array, ptr, struct, u32, u64, u8 } from '@npurun/hal-native';

/** `"NPRT"` in memory order (little-endian u32). */
export const RUNTIME_IMAGE_MAGIC = 0x5452504e;
/** Format version; bumped on any incompatible change. */
export const RUNTIME_IMAGE_VERSION = 1;
/** Bytes reserved for a kernel's entry symbol, NUL terminator included. */
export const KERNEL_ENTRY_BYTES = 64;
/** `kernel_ids[i]` / `arg_count` value meaning "none" / "not declared". */
export const RT_NONE = 0xffffffff;
/** Every section starts at a multiple of this. */
export const SECTION_ALIGN = 8;

/** Core-type codes of tasks and kernels (cube and vector match `NPURUN_CORE_*` of the device ABI). */
export const RtCoreType = { cube: 0, vector: 1, mixed: 2, none: 3 } as const;
/** Task flag bits. */
export const RtTaskFlag = { dummy: 1 } as const;
/** Argument kinds (one byte per argument in the kinds section). */
export const RtArgKind = { scalar: 0, addr: 1 } as const;

/** The image header, at offset 0 of the image. */
export const RuntimeImageHeader = struct(
  'npurun_rt_header',
  {
    magic: { type: u32, doc: 'NPURUN_RT_MAGIC' },
    version: { type: u32, doc: 'NPURUN_RT_VERSION' },
    taskCount: u32,
    kernelCount: u32,
    argCount: { type: u32, doc: 'entries in the args and arg_kinds sections' },
    successorCount: { type: u32, doc: 'entries in the successors section (= dependency edges)' },
    rootCount: { type: u32, doc: 'tasks with no predecessors' },
    reserved: u32,
    tasksOffset: { type: u64, doc: 'byte offset of npurun_rt_task[task_count]' },
    kernelsOffset: { type: u64, doc: 'byte offset of npurun_rt_kernel[kernel_count]' },
    argsOffset: { type: u64, doc: 'byte offset of uint64_t[arg_count]' },
    argKindsOffset: { type: u64, doc: 'byte offset of uint8_t[arg_count] (NPURUN_RT_ARG_*)' },
    successorsOffset: { type: u64, doc: 'byte offset of uint32_t[successor_count]' },
    totalSize: { type: u64, doc: 'size of the whole image in bytes' },
  },
  { size: 80, doc: 'Runtime image header. Offsets are relative to the start of the image.' },
);

/** One task. */
export const RuntimeImageTask = struct(
  'npurun_rt_task',
  {
    kernelIds: {
      type: array(u32, 3),
      doc: 'cube/vector task: [kernel, NONE, NONE]; mixed: [cube, vector0, vector1]; dummy: all NONE',
    },
    coreType: { type: u32, doc: 'NPURUN_RT_CORE_*' },
    flags: { type: u32, doc: 'NPURUN_RT_TASK_* bits' },
    argOffset: { type: u32, doc: 'first argument (index into args / arg_kinds)' },
    argCount: u32,
    predCount: { type: u32, doc: 'number of tasks this one waits for' },
    successorOffset: { type: u32, doc: 'first successor (index into successors)' },
    successorCount: u32,
    pending: { type: u32, doc: 'scheduler scratch: starts at pred_count, decremented as predecessors finish' },
    state: { type: u32, doc: 'scheduler scratch: starts at 0' },
  },
  { size: 48, doc: 'One task of the graph; its index is its task id.' },
);

/** One kernel-table entry. */
export const RuntimeImageKernel = struct(
  'npurun_rt_kernel',
  {
    imageAddr: { type: ptr, doc: 'device address of the kernel image (sim: an ELF shared object)' },
    imageSize: { type: u64, doc: 'image size in bytes' },
    coreType: { type: u32, doc: 'NPURUN_RT_CORE_CUBE or NPURUN_RT_CORE_VECTOR' },
    argCount: { type: u32, doc: 'declared argument count, or NPURUN_RT_NONE' },
    entry: { type: array(u8, KERNEL_ENTRY_BYTES), doc: 'entry symbol, NUL-terminated' },
  },
  { size: 88, doc: 'One kernel: where its image is and which symbol to call.' },
);

/** Constants the generated header defines, by C name. */
export const RUNTIME_IMAGE_CONSTANTS: Readonly<Record<string, number>> = {
  NPURUN_RT_MAGIC: RUNTIME_IMAGE_MAGIC,
  NPURUN_RT_VERSION: RUNTIME_IMAGE_VERSION,
  NPURUN_RT_NONE: RT_NONE,
  NPURUN_RT_KERNEL_ENTRY_BYTES: KERNEL_ENTRY_BYTES,
  NPURUN_RT_CORE_CUBE: RtCoreType.cube,
  NPURUN_RT_CORE_VECTOR: RtCoreType.vector,
  NPURUN_RT_CORE_MIXED: RtCoreType.mixed,
  NPURUN_RT_CORE_NONE: RtCoreType.none,
  NPURUN_RT_TASK_DUMMY: RtTaskFlag.dummy,
  NPURUN_RT_ARG_SCALAR: RtArgKind.scalar,
  NPURUN_RT_ARG_ADDR: RtArgKind.addr,
};
