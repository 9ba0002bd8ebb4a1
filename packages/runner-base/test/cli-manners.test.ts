/**
 * The CLI's manners in isolation: the interrupt handlers (first signal aborts, second exits at
 * once after restoring the terminal), the progress bar (absent off a terminal, tasks and elapsed
 * time on one, colour only without NO_COLOR), a closed pipe, short usage errors.
 */
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { createSpoolDir } from '@npurun/collectors';
import {
  CliExitCode,
  InterruptedError,
  RESTORE_TERMINAL,
  colorAllowed,
  createProgress,
  formatElapsed,
  formatUsageError,
  guardClosedPipe,
  installInterruptHandlers,
  type InterruptSignal,
  type InterruptTarget,
} from '../src';

/** A fake terminal (or pipe) that records what is written. */
function fakeStream(isTTY: boolean): NodeJS.WriteStream & { text: () => string } {
  const emitter = new EventEmitter() as NodeJS.WriteStream & { text: () => string };
  let text = '';
  Object.assign(emitter, {
    isTTY,
    columns: 120,
    destroyed: false,
    write: (chunk: string) => {
      text += chunk;
      return true;
    },
    cursorTo: () => true,
    clearLine: () => true,
    moveCursor: () => true,
    text: () => text,
  });
  return emitter;
}

class FakeProcess implements InterruptTarget {
  readonly listeners = new Map<InterruptSignal, () => void>();
  exitCode: number | undefined;
  on(signal: InterruptSignal, listener: () => void): void {
    this.listeners.set(signal, listener);
  }
  off(signal: InterruptSignal): void {
    this.listeners.delete(signal);
  }
  exit(code: number): void {
    this.exitCode = code;
  }
  send(signal: InterruptSignal): void {
    this.listeners.get(signal)?.();
  }
}

describe('interrupts', () => {
  test('the first SIGINT aborts with 130; a second exits at once, restoring the terminal and removing spools', () => {
    const proc = new FakeProcess();
    const tty = fakeStream(true);
    const handlers = installInterruptHandlers(tty, proc);
    const spool = createSpoolDir(os.tmpdir(), 'pmu');
    try {
      proc.send('SIGINT');
      expect(handlers.signal.aborted).toBe(true);
      expect(handlers.signal.reason).toBeInstanceOf(InterruptedError);
      expect(handlers.signal.reason).toMatchObject({ name: 'AbortError', code: 'ABORT_ERR', signal: 'SIGINT', exitCode: CliExitCode.Interrupted });
      expect(proc.exitCode).toBeUndefined();
      expect(fs.existsSync(spool)).toBe(true);
      proc.send('SIGINT');
      expect(proc.exitCode).toBe(130);
      expect(tty.text()).toBe(RESTORE_TERMINAL);
      expect(fs.existsSync(spool)).toBe(false);
    } finally {
      handlers.dispose();
      fs.rmSync(spool, { recursive: true, force: true });
    }
    expect(proc.listeners.size).toBe(0);
  });

  test('SIGTERM means 143', () => {
    const proc = new FakeProcess();
    const handlers = installInterruptHandlers(fakeStream(false), proc);
    proc.send('SIGTERM');
    expect(handlers.signal.reason).toMatchObject({ signal: 'SIGTERM', exitCode: CliExitCode.Terminated });
    handlers.dispose();
  });
});

describe('progress', () => {
  test('nothing at all when stderr is not a terminal', () => {
    const pipe = fakeStream(false);
    const p = createProgress(2, pipe, {});
    p.start('w/c');
    p.tasks(5);
    p.advance();
    p.stop();
    expect(pipe.text()).toBe('');
  });

  test('on a terminal: the case, its finished tasks and elapsed time; colour unless NO_COLOR', () => {
    for (const [env, coloured] of [
      [{}, true],
      [{ NO_COLOR: '1' }, false],
    ] as const) {
      const tty = fakeStream(true);
      const p = createProgress(2, tty, env);
      p.start('alternating_matmul_add/fill_cores');
      p.tasks(137);
      p.stop();
      const text = tty.text();
      expect(text).toContain('alternating_matmul_add/fill_cores');
      expect(text).toContain('137 tasks');
      expect(text).toMatch(/\d+\.\d s/);
      expect(text.includes('\x1b[36m')).toBe(coloured);
      expect(text).toContain('\x1b[?25h'); // the cursor is given back
    }
    expect(colorAllowed({ isTTY: true }, { NO_COLOR: '' })).toBe(true);
    expect(colorAllowed({ isTTY: false }, {})).toBe(false);
    expect(formatElapsed(61_500)).toBe('1 min 01 s');
  });
});

describe('output manners', () => {
  test('a closed pipe (EPIPE) is quiet: later writes are dropped, nothing is reported', () => {
    const target = fakeStream(false);
    const reports: string[] = [];
    const guarded = guardClosedPipe(target, (m) => reports.push(m));
    expect(guarded.stream.write('a')).toBe(true);
    target.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    expect(guarded.closed).toBe(true);
    expect(guarded.stream.write('b')).toBe(false);
    expect(target.text()).toBe('a');
    expect(reports).toEqual([]);
    guarded.dispose();
    expect(() => target.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }))).not.toThrow();
  });

  test('a usage error is two lines: the message and where help is', () => {
    expect(formatUsageError('npurun-a5', 'run', "error: unknown option '--frobnicate'")).toBe("npurun-a5: unknown option '--frobnicate'\nsee 'npurun-a5 run --help'\n");
    expect(formatUsageError('npurun-a5', undefined, 'x').split('\n')).toEqual(['npurun-a5: x', "see 'npurun-a5 --help'", '']);
  });
});

