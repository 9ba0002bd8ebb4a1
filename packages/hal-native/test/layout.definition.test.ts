// Declaration mistakes are caught when the struct is declared, each with its own code.
import { LayoutError, array, pad, snakeCase, struct, u16, u32, u64, u8, type FieldType } from '../src/layout';

function layoutError(fn: () => unknown): LayoutError {
  try {
    fn();
  } catch (error) {
    if (error instanceof LayoutError) return error;
    throw error;
  }
  throw new Error('expected a LayoutError, nothing was thrown');
}

describe('snakeCase', () => {
  it.each([
    ['l2PerfDataBase', 'l2_perf_data_base'],
    ['aicoreL2PerfRingAddrs', 'aicore_l2_perf_ring_addrs'],
    ['deviceId', 'device_id'],
    ['HTTPServer', 'http_server'],
    ['already_snake', 'already_snake'],
    ['x', 'x'],
  ])('%s -> %s', (key, expected) => {
    expect(snakeCase(key)).toBe(expected);
  });
});

describe('struct definition errors', () => {
  it('refuses two keys with the same C name', () => {
    const error = layoutError(() => struct('s', { fooBar: u32, foo_bar: u32 }));
    expect(error.code).toBe('LAYOUT_DUPLICATE_NAME');
    expect(error.message).toContain('foo_bar');
  });

  it('refuses an explicit cName that clashes', () => {
    expect(layoutError(() => struct('s', { a: u32, b: { type: u32, cName: 'a' } })).code).toBe('LAYOUT_DUPLICATE_NAME');
  });

  it('refuses zero-length arrays and zero padding', () => {
    expect(layoutError(() => array(u32, 0)).code).toBe('LAYOUT_INVALID');
    expect(layoutError(() => array(u32, 2.5)).code).toBe('LAYOUT_INVALID');
    expect(layoutError(() => pad(0)).code).toBe('LAYOUT_INVALID');
    expect(layoutError(() => array(pad(4), 2)).code).toBe('LAYOUT_INVALID');
    expect(layoutError(() => array({ kind: 'scalar' } as unknown as FieldType, 2)).code).toBe('LAYOUT_INVALID');
  });

  it('refuses an asserted offset that goes backwards', () => {
    const error = layoutError(() => struct('s', { a: u64, b: u32, c: { type: u32, offset: 8 } }));
    expect(error.code).toBe('LAYOUT_OFFSET_MISMATCH');
    expect(error.field).toBe('c');
    expect(error.message).toContain('goes backwards');
  });

  it('refuses an asserted offset the natural layout does not reach, and says how to fix it', () => {
    const error = layoutError(() => struct('s', { a: u32, b: { type: u32, offset: 8 } }));
    expect(error.code).toBe('LAYOUT_OFFSET_MISMATCH');
    expect(error.message).toContain('natural offset 4');
    expect(error.message).toContain('pad(4)');
    // Following the advice works.
    expect(struct('s', { a: u32, _p: pad(4), b: { type: u32, offset: 8 } }).offsetOf('b')).toBe(8);
  });

  it('refuses an asserted size that differs', () => {
    const error = layoutError(() => struct('s', { a: u64, b: u8 }, { size: 9 }));
    expect(error.code).toBe('LAYOUT_SIZE_MISMATCH');
    expect(error.message).toContain('natural size 16');
  });

  it('refuses bad names', () => {
    expect(layoutError(() => struct('bad name', { a: u8 })).code).toBe('LAYOUT_INVALID');
    expect(layoutError(() => struct('struct', { a: u8 })).code).toBe('LAYOUT_INVALID');
    expect(layoutError(() => struct('s', { default: u8 })).code).toBe('LAYOUT_INVALID');
    expect(layoutError(() => struct('s', { 'a-b': u8 })).code).toBe('LAYOUT_INVALID');
    expect(layoutError(() => struct('s', { a: { type: u8, cName: '9a' } })).code).toBe('LAYOUT_INVALID');
  });

  it('refuses empty structs, unknown field types and bad alignments', () => {
    expect(layoutError(() => struct('s', {})).code).toBe('LAYOUT_INVALID');
    expect(layoutError(() => struct('s', { a: 4 as unknown as FieldType })).code).toBe('LAYOUT_INVALID');
    expect(layoutError(() => struct('s', { a: { type: 'u32' as unknown as FieldType } })).code).toBe('LAYOUT_INVALID');
    expect(layoutError(() => struct('s', { a: { type: u32, offset: -4 } })).code).toBe('LAYOUT_INVALID');
    expect(layoutError(() => struct('s', { a: u32 }, { align: 12 })).code).toBe('LAYOUT_INVALID');
    expect(layoutError(() => struct('s', { a: u64 }, { align: 4 })).code).toBe('LAYOUT_INVALID');
  });

  it('keeps cName and doc on the laid-out field', () => {
    const s = struct('s', { ringBase: { type: u64, cName: 'rb', doc: 'ring base' }, count: u16 });
    expect(s.fields[0]).toEqual({ name: 'ringBase', cName: 'rb', offset: 0, size: 8, type: u64, doc: 'ring base' });
    expect(s.fields[1]).toEqual({ name: 'count', cName: 'count', offset: 8, size: 2, type: u16 });
  });

  it('returns immutable layouts', () => {
    const s = struct('s', { a: u32 });
    expect(Object.isFrozen(s)).toBe(true);
    expect(Object.isFrozen(s.fields)).toBe(true);
    expect(Object.isFrozen(s.fields[0])).toBe(true);
  });
});
