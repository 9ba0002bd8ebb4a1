/**
 * Tensor descriptions for the workloads' task arguments: every tensor the smoke workloads pass is
 * a contiguous float32 array, described so that tools reading tensors (the tensor dump) see them.
 */
import { tensorArg, type TaskArg, type TensorRole } from '../runtime-image/task-graph';

/** An address argument describing a contiguous float32 tensor of `shape` at `addr`. */
export function f32Arg(addr: bigint, shape: readonly number[], role: TensorRole): TaskArg {
  const elems = shape.reduce((n, d) => n * d, 1);
  return tensorArg(addr, { bytes: elems * 4, dtype: 'float32', shape, role });
}
