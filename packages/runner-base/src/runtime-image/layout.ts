/**
 * The runtime image's device structs, declared once. The C header device programs include
 * (`npurun/runtime_image.h`) is generated from these declarations; the format is described in
 * `docs/runtime-image.md`.
 */
import { array, ptr, struct, u32, u64, u8 } from '@npurun/hal-native';

/** `"NPRT"` in memory order (little-endian u32). */
export const RUNTIME_IMAGE_MAGIC = 0x5452504e;
/** Format version; bumped on any incompatible change (2: tensor descriptions of address arguments). */
export const RUNTIME_IMAGE_VERSION = 2;
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
/** Most dimensions a tensor description carries (the tensor dump's limit). */
export const RT_TENSOR_MAX_DIMS = 5;
/**
 * Element types of tensor descriptions. The codes are the tensor dump's `DataType` codes, so a
 * device program copies them into dump records unchanged.
 */
export const RtDtype = {
  float32: 0,
  float16: 1,
  int32: 2,
  int16: 3,
  int8: 4,
  uint8: 5,
  bfloat16: 6,
  int64: 7,
  uint64: 8,
  uint16: 9,
  uint32: 10,
} as const;
/** Bytes per element of each {@link RtDtype}. */
export const RT_DTYPE_BYTES: Readonly<Record<keyof typeof RtDtype, number>> = {
  float32: 4,
  float16: 2,
  int32: 4,
  int16: 2,
  int8: 1,
  uint8: 1,
  bfloat16: 2,
  int64: 8,
  uint64: 8,
  uint16: 2,
  uint32: 4,
};
/**
 * How a task uses a described tensor (the tensor dump's role codes): an input is read, an output
 * written, an inout both. A dump copies inputs before the task, outputs after it, inouts at both.
 */
export const RtTensorRole = { input: 0, output: 1, inout: 2 } as const;

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
    tensorCount: { type: u32, doc: 'entries in the tensors section' },
    tasksOffset: { type: u64, doc: 'byte offset of npurun_rt_task[task_count]' },
    kernelsOffset: { type: u64, doc: 'byte offset of npurun_rt_kernel[kernel_count]' },
    argsOffset: { type: u64, doc: 'byte offset of uint64_t[arg_count]' },
    argKindsOffset: { type: u64, doc: 'byte offset of uint8_t[arg_count] (NPURUN_RT_ARG_*)' },
    successorsOffset: { type: u64, doc: 'byte offset of uint32_t[successor_count]' },
    argTensorsOffset: { type: u64, doc: 'byte offset of uint32_t[arg_count]: tensor index of each argument, or NPURUN_RT_NONE' },
    tensorsOffset: { type: u64, doc: 'byte offset of npurun_rt_tensor[tensor_count]' },
    totalSize: { type: u64, doc: 'size of the whole image in bytes' },
  },
  { size: 96, doc: 'Runtime image header. Offsets are relative to the start of the image.' },
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

/** What a task's address argument points at, when the graph says (tools such as the tensor dump use it). */
export const RuntimeImageTensor = struct(
  'npurun_rt_tensor',
  {
    bytes: { type: u64, doc: 'bytes of the tensor at the argument address (contiguous, row-major)' },
    dtype: { type: u32, doc: 'NPURUN_RT_DTYPE_* (the tensor dump DataType codes)' },
    role: { type: u32, doc: 'NPURUN_RT_ROLE_INPUT, _OUTPUT or _INOUT' },
    ndims: { type: u32, doc: `dimensions used in shape (0 = a scalar tensor of one element; at most ${RT_TENSOR_MAX_DIMS})` },
    shape: { type: array(u32, RT_TENSOR_MAX_DIMS), doc: 'extent of each dimension, outermost first' },
  },
  { size: 40, doc: 'One described tensor argument.' },
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
  NPURUN_RT_TENSOR_MAX_DIMS: RT_TENSOR_MAX_DIMS,
  NPURUN_RT_ROLE_INPUT: RtTensorRole.input,
  NPURUN_RT_ROLE_OUTPUT: RtTensorRole.output,
  NPURUN_RT_ROLE_INOUT: RtTensorRole.inout,
  ...Object.fromEntries(Object.entries(RtDtype).map(([name, code]) => [`NPURUN_RT_DTYPE_${name.toUpperCase()}`, code])),
};
