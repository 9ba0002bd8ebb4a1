/** Tensor descriptions of address arguments (runtime image v2): validation, encoding, decoding. */
import {
  GraphError,
  RUNTIME_IMAGE_VERSION,
  RtDtype,
  RtTensorRole,
  addrArg,
  decodeRuntimeImage,
  encodeRuntimeImage,
  scalarArg,
  tensorArg,
  type KernelRef,
  type TaskArg,
  type TensorInfo,
} from '../src';

const vec: KernelRef = { name: 'add', entry: 'kernel_add', imageAddr: 0x3000n, imageSize: 2048, coreType: 'vector' };

function graphWith(args: readonly TaskArg[]) {
  return { kernels: [vec], tasks: [{ kernel: 0, args }] };
}

function errorOf(args: readonly TaskArg[]): GraphError {
  try {
    encodeRuntimeImage(graphWith(args));
  } catch (e) {
    if (e instanceof GraphError) return e;
    throw e;
  }
  throw new Error('expected a GraphError');
}

describe('tensor descriptions', () => {
  test('round-trip through the image, by argument, with the dump codes', () => {
    const x: TensorInfo = { bytes: 4 * 128 * 2, dtype: 'float32', shape: [2, 128], role: 'input' };
    const y: TensorInfo = { bytes: 2n * 7n, dtype: 'bfloat16', shape: [7] };
    const img = encodeRuntimeImage({
      kernels: [vec],
      tasks: [
        { kernel: 0, args: [tensorArg(0x100n, x), scalarArg(5), addrArg(0x200n)] },
        { kernel: null, args: [tensorArg(0x300n, y)], deps: [0] },
      ],
    });
    expect(img.tensorCount).toBe(2);
    const d = decodeRuntimeImage(img.bytes);
    expect(d.header.version).toBe(RUNTIME_IMAGE_VERSION);
    expect(d.header.tensorCount).toBe(2);
    expect(d.tasks[0]!.tensors).toEqual([{ bytes: 1024n, dtype: 'float32', role: 'input', shape: [2, 128] }, undefined, undefined]);
    expect(d.tasks[1]!.tensors).toEqual([{ bytes: 14n, dtype: 'bfloat16', role: 'inout', shape: [7] }]);
    expect(RtDtype.bfloat16).toBe(6);
    expect(RtTensorRole.inout).toBe(2);
  });

  test('a scalar tensor (no dimensions) is one element', () => {
    const d = decodeRuntimeImage(encodeRuntimeImage(graphWith([tensorArg(0x10n, { bytes: 8, dtype: 'int64', shape: [] })])).bytes);
    expect(d.tasks[0]!.tensors[0]).toEqual({ bytes: 8n, dtype: 'int64', role: 'inout', shape: [] });
  });

  test.each([
    ['bytes that disagree with the shape', tensorArg(0x10n, { bytes: 12, dtype: 'float32', shape: [4] }), /bytes must equal .* 16/],
    ['an unknown dtype', tensorArg(0x10n, { bytes: 4, dtype: 'float8' as never, shape: [1] }), /dtype must be one of/],
    ['an unknown role', tensorArg(0x10n, { bytes: 4, dtype: 'float32', shape: [1], role: 'scratch' as never }), /role must be/],
    ['six dimensions', tensorArg(0x10n, { bytes: 4, dtype: 'float32', shape: [1, 1, 1, 1, 1, 1] }), /at most 5/],
    ['a zero extent', tensorArg(0x10n, { bytes: 4, dtype: 'float32', shape: [0] }), /positive integers/],
    ['a non-integer byte count', tensorArg(0x10n, { bytes: 4.5, dtype: 'float32', shape: [1] }), /bytes must be a positive integer/],
    ['a scalar argument with a tensor', { kind: 'scalar', value: 1, tensor: { bytes: 4, dtype: 'float32', shape: [1] } } as unknown as TaskArg, /only an address/],
  ])('%s is rejected before anything is encoded', (_what, arg, message) => {
    const e = errorOf([arg]);
    expect(e).toMatchObject({ code: 'GRAPH_INVALID', reason: 'argumentValue', task: 0 });
    expect(e.message).toMatch(message);
  });
});
