/**
 * Driving a whole arch runner (`A2A3Runner`, `A5Runner`) against the fake CANN libraries: the
 * runner packages' `cann-*.test.ts` load this at run time (see `runner-harness-api.d.ts` for why
 * and for the documentation of each member). Nothing here knows a runner's types: the tests pass
 * their scenario in as a function, so this file depends on nothing outside the fakes.
 */
import type {
  CallLog,
  DeviceCensus,
  FailureCase,
  FakeCannHarness,
  FakeCannHome,
  FoundHalError,
  Injection,
  LoggedCall,
  OpenProbeDevice,
  RunnerScenario,
} from './runner-harness-api';
import { buildFakeCann as buildFakes, type FakeCannOptions } from './build';
import { readFakeLog } from './log';

/** Every setting the fake reads (fake_internal.h), without the `NPURUN_FAKE_CANN_` prefix. */
const SETTINGS = ['LOG', 'FAIL', 'KERNEL_MS', 'CUBE', 'VECTOR', 'HBM_BYTES'] as const;

/** Calls whose failure the backend treats as advisory, as the upstream runner does (a default is kept). */
const ADVISORY = new Set(['aclrtSetOpExecuteTimeOutV2', 'aclrtGetStreamResLimit']);

/** Injected codes start here: far from every real CANN code, so a match is never a coincidence. */
const INJECTED_CODE_BASE = 800000;

function buildFakeCann(options: FakeCannOptions = {}): FakeCannHome {
  const fake = buildFakes(options);
  return {
    home: fake.home,
    aicpuProgram: fake.aicpuProgram,
    startLog(settings = {}): CallLog {
      const path = fake.newLogPath();
      const update: Record<string, string | undefined> = {};
      for (const key of SETTINGS) update[`NPURUN_FAKE_CANN_${key}`] = settings[key];
      update.NPURUN_FAKE_CANN_LOG = path;
      fake.configure(update);
      return {
        calls: () => readFakeLog(path),
        count: () => readFakeLog(path).length,
      };
    },
    remove: () => fake.remove(),
  };
}

function fakeExecutors(fake: FakeCannHome): ReturnType<FakeCannHarness['fakeExecutors']> {
  // The fake registers any ELF image as an AI Core binary and never runs it, so the AI CPU test
  // program doubles as the AI Core executor.
  return { aicore: fake.aicpuProgram, aicpu: fake.aicpuProgram, aicpuInitKernel: 'npurun_test_init', aicpuRunKernel: 'npurun_test_exec' };
}

/** Device pointers as symbols: `#k` for the k-th successful rtMalloc, `#k+off` inside it. */
class PointerNames {
  private readonly live: { start: bigint; size: bigint; name: string }[] = [];
  private count = 0;

  allocated(ptr: string, size: string): string {
    const name = `#${++this.count}`;
    this.live.push({ start: BigInt(ptr), size: BigInt(size), name });
    return name;
  }

  name(ptr: string | undefined): string {
    if (ptr === undefined || !ptr.startsWith('0x')) return `?${ptr ?? ''}`;
    const p = BigInt(ptr);
    // Newest first: an address the allocator reuses belongs to its latest allocation.
    for (let i = this.live.length - 1; i >= 0; i--) {
      const a = this.live[i]!;
      if (p >= a.start && p < a.start + a.size) return p === a.start ? a.name : `${a.name}+${p - a.start}`;
    }
    return `?${ptr}`;
  }

  freed(ptr: string | undefined): void {
    const at = this.live.findIndex((a) => ptr !== undefined && ptr.startsWith('0x') && a.start === BigInt(ptr));
    if (at >= 0) this.live.splice(at, 1);
  }
}

/** Streams as `s<k>`, the k-th stream created in the rendered calls (the fake numbers them per process). */
class StreamNames {
  private readonly names = new Map<string, string>();

  created(id: string | undefined): string {
    const name = `s${this.names.size + 1}`;
    this.names.set(id ?? '', name);
    return name;
  }

  name(id: string | undefined): string {
    return this.names.get(id ?? '') ?? `s?${id ?? ''}`;
  }
}

const COPY_KIND: Readonly<Record<string, string>> = { '1': 'H2D', '2': 'D2H' };

/** The arguments worth comparing, per function; pointers are rendered as symbols. */
function renderCall(c: LoggedCall, ptrs: PointerNames, streams: StreamNames): string {
  const a = { ...c.args };
  if (a.stream !== undefined) a.stream = c.fn === 'rtStreamCreate' && c.rc === 0 ? streams.created(a.stream) : streams.name(a.stream);
  const pick = (...keys: string[]): string => keys.map((k) => `${k}=${a[k] ?? '?'}`).join(' ');
  switch (c.fn) {
    case 'rtMalloc':
      return c.rc === 0 ? `rtMalloc size=${a.size} ${ptrs.allocated(a.ptr ?? '', a.size ?? '0')}` : `rtMalloc size=${a.size}`;
    case 'rtFree': {
      const name = ptrs.name(a.ptr);
      if (c.rc === 0) ptrs.freed(a.ptr);
      return `rtFree ${name}`;
    }
    case 'rtMemcpy':
      return `rtMemcpy ${COPY_KIND[a.kind ?? ''] ?? `kind=${a.kind}`} size=${a.size} ${ptrs.name(a.dev)}`;
    case 'aclrtMemset':
      return `aclrtMemset ${ptrs.name(a.dev)} ${pick('value', 'size')}`;
    case 'rtKernelLaunchWithHandleV2':
      return `rtKernelLaunchWithHandleV2 ${pick('blocks')} kargs=${ptrs.name(a.kargs)} ${pick('argsSize', 'schem', 'stream')}`;
    case 'rtsLaunchCpuKernel':
      return `rtsLaunchCpuKernel ${pick('kernel', 'blocks', 'argsSize', 'stream')}`;
    case 'halHostRegister':
      return `halHostRegister ${ptrs.name(a.dev)} ${pick('size', 'flag')}`;
    case 'halHostUnregister':
      return `halHostUnregister ${ptrs.name(a.dev)}`;
    case 'aclrtSynchronizeStreamWithTimeout':
      return `aclrtSynchronizeStreamWithTimeout ${pick('stream')}`; // the timeout left is time-dependent
    case 'rtRegisterAllKernel':
      return `rtRegisterAllKernel ${pick('magic', 'length')}`;
    case 'rtsBinaryLoadFromFile':
      return `rtsBinaryLoadFromFile ${pick('mode', 'kernels')}`;
    case 'rtDeviceReset':
      return `rtDeviceReset ${pick('dev')}`;
    case 'aclrtGetStreamResLimit':
      return `aclrtGetStreamResLimit ${pick('type')}`;
    default:
      return [c.fn, ...Object.entries(a).map(([k, v]) => `${k}=${v}`)].join(' ');
  }
}

function renderCalls(calls: readonly LoggedCall[]): string[] {
  const main = calls[0]?.thread;
  const ptrs = new PointerNames();
  const streams = new StreamNames();
  const lines: string[] = [];
  for (const c of calls) {
    const worker = c.thread !== main;
    if (worker && c.fn === 'rtSetDevice' && c.rc === 0) continue;
    lines.push(`${renderCall(c, ptrs, streams)}${worker ? ' @worker' : ''}${c.rc !== 0 ? ` -> ${c.rc}` : ''}`);
  }
  return lines;
}

function census(reset: LoggedCall): DeviceCensus {
  const n = (key: string): number => Number(reset.args[key]);
  return { allocs: n('allocs'), bytes: n('bytes'), streams: n('streams'), maps: n('maps'), bins: n('bins') };
}

function deviceCensus(fake: FakeCannHome, open: OpenProbeDevice): DeviceCensus {
  const log = fake.startLog();
  // a5 needs no driver library, so the probe works on every build that can open at all.
  open({ platform: 'a5', ascendHomePath: fake.home }).close();
  const reset = log.calls().find((c) => c.fn === 'rtDeviceReset' && c.rc === 0);
  if (reset === undefined) throw new Error('the probe device was closed without a successful rtDeviceReset');
  return census(reset);
}

function findHalError(error: unknown, backendCode: number): FoundHalError | undefined {
  const seen = new Set<unknown>();
  const visit = (e: unknown): FoundHalError | undefined => {
    if (typeof e !== 'object' || e === null || seen.has(e)) return undefined;
    seen.add(e);
    const o = e as { name?: unknown; backendCode?: unknown; cause?: unknown; errors?: unknown };
    if (o.name === 'HalError' && o.backendCode === backendCode) return e as FoundHalError;
    const nested = [o.cause, ...(Array.isArray(o.errors) ? (o.errors as unknown[]) : [])];
    for (const n of nested) {
      const found = visit(n);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  return visit(error);
}

function injections(clean: readonly LoggedCall[]): Injection[] {
  const main = clean[0]?.thread;
  const seen = new Map<string, number>();
  const out: Injection[] = [];
  let workerBindings = 0;
  for (const [i, call] of clean.entries()) {
    const nth = (seen.get(call.fn) ?? 0) + 1;
    seen.set(call.fn, nth);
    if (call.fn === 'rtSetDevice' && call.thread !== main) {
      if (++workerBindings > 1) continue;
    } else if (call.fn === 'rtSetDevice' && workerBindings > 1) {
      // Its ordinal would depend on how many pool threads bound before it.
      throw new Error(`injections: rtSetDevice #${nth} follows a variable number of worker bindings`);
    }
    out.push({ fn: call.fn, nth, code: INJECTED_CODE_BASE + i, label: `${call.fn} #${nth} (call ${i})` });
  }
  return out;
}

async function runFailureMatrix(
  fake: FakeCannHome,
  scenario: RunnerScenario,
  cases: readonly Injection[],
  open: OpenProbeDevice,
): Promise<FailureCase[]> {
  const results: FailureCase[] = [];
  for (const injection of cases) {
    const log = fake.startLog({ FAIL: `${injection.fn}:${injection.nth}:${injection.code}` });
    const errors = await scenario(fake.home);
    const calls = log.calls();
    results.push({ ...injection, errors, calls, census: deviceCensus(fake, open) });
  }
  return results;
}

function failureCaseProblems(c: FailureCase): string[] {
  const problems: string[] = [];
  const say = (what: string): number => problems.push(`${c.label}: ${what}`);
  const hit = c.calls.filter((call) => call.rc === c.code).map((call) => call.fn);
  if (hit.length !== 1 || hit[0] !== c.fn) say(`the injected code came back from [${hit.join(', ')}]`);
  for (const e of c.errors) {
    const code = (e as { code?: unknown } | null)?.code;
    if (typeof code !== 'string') say(`an untyped error surfaced: ${String(e)}`);
  }
  if (ADVISORY.has(c.fn)) {
    if (c.errors.length !== 0) say(`an advisory call's failure surfaced ${c.errors.length} error(s): ${c.errors.map(String).join('; ')}`);
  } else if (c.errors.length !== 1) {
    say(`expected exactly one surfaced error, got ${c.errors.length}: ${c.errors.map(String).join('; ')}`);
  } else {
    const found = findHalError(c.errors[0], c.code);
    if (found === undefined) say(`no HalError with backendCode ${c.code} in ${String(c.errors[0])}`);
    else {
      if (!found.message.includes(c.fn)) say(`the HalError does not name ${c.fn}: ${found.message}`);
      if (typeof found.op !== 'string' || found.op === '') say('the HalError has no op');
      if (typeof found.code !== 'string') say('the HalError has no code');
    }
  }
  const { allocs, streams, maps } = c.census;
  if (allocs !== 0 || streams !== 0 || maps !== 0) say(`the fake still holds allocs=${allocs} streams=${streams} maps=${maps}`);
  // The device reset reclaims anything, so also check what the session left for its own reset:
  // nothing but the one thing whose release was failed on purpose.
  const reset = [...c.calls].reverse().find((call) => call.fn === 'rtDeviceReset' && call.rc === 0);
  if (reset !== undefined) {
    const left = census(reset);
    const allowed = { allocs: c.fn === 'rtFree' ? 1 : 0, streams: c.fn === 'rtStreamDestroy' ? 1 : 0, maps: c.fn === 'halHostUnregister' ? 1 : 0 };
    if (left.allocs > allowed.allocs || left.streams > allowed.streams || left.maps > allowed.maps) {
      say(`the session left allocs=${left.allocs} streams=${left.streams} maps=${left.maps} for the device reset to reclaim`);
    }
  }
  return problems;
}

/** The harness (typed by `runner-harness-api.d.ts`; the arch tests `require` this module). */
export const harness: FakeCannHarness = {
  buildFakeCann,
  fakeExecutors,
  renderCalls,
  deviceCensus,
  findHalError,
  injections,
  runFailureMatrix,
  failureCaseProblems,
};
