import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InvalidArgumentError, KernelCompileError, Logger, RunnerErrorCode, compileKernel, findVendorKernelCompiler } from '../src';

describe('Logger', () => {
  test('filters by level and INFO verbosity', () => {
    const lines: string[] = [];
    const log = new Logger({ level: 'info', infoV: 3, sink: (l, m) => lines.push(`${l}:${m}`) });
    log.debug('d');
    log.info('i0');
    log.info('i3', 3);
    log.info('i4', 4);
    log.warn('w');
    log.error('e');
    expect(lines).toEqual(['info:i0', 'info:i3', 'warn:w', 'error:e']);
    expect(log.level).toBe(1);
    expect(log.infoV).toBe(3);
  });

  test('off writes nothing; numeric levels work', () => {
    const lines: string[] = [];
    const log = new Logger({ level: 4, sink: (_l, m) => lines.push(m) });
    log.error('e');
    expect(lines).toEqual([]);
    expect(new Logger({ level: 'debug' }).level).toBe(0);
  });

  test.each([['verbose'], [5], [-1], [1.5]])('rejects level %p', (bad) => {
    expect(() => new Logger({ level: bad as never })).toThrow(InvalidArgumentError);
  });

  test.each([[10], [-1], [2.5], ['3']])('rejects infoV %p', (bad) => {
    expect(() => new Logger({ infoV: bad as never })).toThrow(/logInfoV must be an integer 0-9/);
  });
});

describe('compileKernel', () => {
  test('sim platforms build an ELF shared object with the runtime-image and device ABI headers available', async () => {
    const image = await compileKernel({
      platform: 'a5sim',
      sources: [
        {
          name: 'k.cpp',
          code: [
            '#include <npurun/device_abi.h>',
            '#include <npurun/runtime_image.h>',
            '#ifndef NPURUN_ARCH_A5',
            '#error expected NPURUN_ARCH_A5',
            '#endif',
            'NPURUN_DEVICE_PROGRAM;',
            'NPURUN_DEVICE_EXPORT uint32_t kernel_tasks(const npurun_rt_header *h) { return h->task_count * SCALE; }',
          ].join('\n'),
        },
      ],
      defines: { SCALE: 2 },
    });
    expect([...image.slice(0, 4)]).toEqual([0x7f, 0x45, 0x4c, 0x46]);
    expect(image[16]).toBe(3); // ET_DYN
  });

  test('compile errors surface with the compiler diagnostics', async () => {
    await expect(compileKernel({ platform: 'a2a3sim', sources: [{ name: 'bad.cpp', code: 'int f( {' }] })).rejects.toMatchObject({
      code: 'DEVICE_COMPILE_FAILED',
    });
  });

  test('hardware without ccec under ASCEND_HOME_PATH: KERNEL_COMPILER_NOT_FOUND naming where it looked', async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-cann-'));
    try {
      let err: unknown;
      try {
        await compileKernel({ platform: 'a2a3', sources: ['k.cpp'], ascendHomePath: home });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(KernelCompileError);
      expect((err as KernelCompileError).code).toBe(RunnerErrorCode.CompilerNotFound);
      expect((err as Error).message).toContain(path.join(home, 'bin', 'ccec'));
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });

  test('hardware with a ccec present: detected, then KERNEL_COMPILE_UNSUPPORTED', async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-cann-'));
    try {
      const ccec = path.join(home, 'compiler', 'ccec_compiler', 'bin', 'ccec');
      fs.mkdirSync(path.dirname(ccec), { recursive: true });
      fs.writeFileSync(ccec, '#!/bin/sh\nexit 1\n', { mode: 0o755 });
      expect(findVendorKernelCompiler(home).path).toBe(ccec);
      await expect(compileKernel({ platform: 'a5', sources: ['k.cpp'], ascendHomePath: home })).rejects.toMatchObject({
        code: RunnerErrorCode.CompileUnsupported,
        message: expect.stringContaining(ccec),
      });
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });

  test('unknown platform', async () => {
    await expect(compileKernel({ platform: 'a9' as never, sources: [] })).rejects.toThrow(/compileKernel: platform must be one of/);
  });
});
