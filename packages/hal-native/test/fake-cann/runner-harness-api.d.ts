/**
 * The interface of `runner-harness.ts`: what the arch runners' tests (`runner-a2a3`, `runner-a5`)
 * use to drive a whole runner against the fake CANN libraries.
 *
 * Why a declaration file: each package type-checks its tests with `rootDir` set to the package, so
 * a test there cannot import a `.ts` file of this package (TS6059). A declaration file is exempt
 * from that check, so the arch tests import these types and `require` the implementation at run
 * time; `runner-harness.ts` is type-checked against this interface here, in hal-native.
 */

/** One logged vendor call (the fake's log line, parsed). */
export interface LoggedCall {
  /** Vendor function name, e.g. `rtMalloc`. */
  readonly fn: string;
  /** Key arguments and results as logged. */
  readonly args: Readonly<Record<string, string>>;
  /** Small per-process thread number (per fake build). */
  readonly thread: number;
  /** The code the call returned. */
  readonly rc: number;
}

/** A built fake CANN install (one per test file: its state is per directory). */
export interface FakeCannHome {
  /** Use as `ascendHomePath`. */
  readonly home: string;
  /** An ELF shared object exporting the AI CPU kernels `npurun_test_init` and `npurun_test_exec`. */
  readonly aicpuProgram: Uint8Array;
  /**
   * Starts a fresh call log and sets the fake's other settings (`NPURUN_FAKE_CANN_*` without the
   * prefix, e.g. `{ FAIL: 'rtMalloc:2' }`); settings not named are cleared.
   */
  startLog(settings?: Readonly<Record<string, string>>): CallLog;
  /** Removes the directory. */
  remove(): void;
}

/** The calls logged since {@link FakeCannHome.startLog}. */
export interface CallLog {
  /** Every call so far. */
  calls(): LoggedCall[];
  /** How many calls so far (a mark between the steps of a test). */
  count(): number;
}

/** What the fake held for device 0 when it was last reset (logged by `rtDeviceReset`). */
export interface DeviceCensus {
  /** Live device allocations. */
  readonly allocs: number;
  /** Their bytes. */
  readonly bytes: number;
  /** Live streams. */
  readonly streams: number;
  /** Live host mappings. */
  readonly maps: number;
  /** Registered binaries (AI Core and AI CPU). */
  readonly bins: number;
}

/** Executor binaries the fake loader accepts (the runners' `executors` option on hardware). */
export interface FakeExecutors {
  /** AI Core executor: any ELF image (the fake checks only the magic). */
  readonly aicore: Uint8Array;
  /** AI CPU executor program: the fake's test program. */
  readonly aicpu: Uint8Array;
  /** Its init kernel. */
  readonly aicpuInitKernel: string;
  /** Its run kernel. */
  readonly aicpuRunKernel: string;
}

/** Opens a device on the fakes (pass `openDevice` of `@npurun/hal-native`). */
export type OpenProbeDevice = (options: { platform: 'a5'; ascendHomePath: string }) => { close(): void };

/** A `HalError` as found in an error's cause chain. */
export interface FoundHalError {
  /** Stable HAL code. */
  readonly code: string;
  /** HAL operation. */
  readonly op: string;
  /** Vendor code. */
  readonly backendCode: number | undefined;
  /** Message. */
  readonly message: string;
}

/** One vendor call to fail: the `nth` call of `fn`, returning `code`. */
export interface Injection {
  /** Vendor function. */
  readonly fn: string;
  /** Which call of it (1-based, counted from when the spec was set). */
  readonly nth: number;
  /** Code it returns (unique per case, so it can be found in errors). */
  readonly code: number;
  /** `fn #nth (index i of the clean run)`, for messages. */
  readonly label: string;
}

/** What happened when one injection was run. */
export interface FailureCase extends Injection {
  /** Errors the scenario surfaced (thrown or rejected), in order. */
  readonly errors: readonly unknown[];
  /** The scenario's calls. */
  readonly calls: readonly LoggedCall[];
  /** The fake's state after the scenario (read by a probe device's reset). */
  readonly census: DeviceCensus;
}

/** A whole runner session (create, use, finalize) on the fakes; returns every error it met. */
export type RunnerScenario = (ascendHomePath: string) => Promise<unknown[]>;

/** The harness. */
export interface FakeCannHarness {
  /** Compiles the fakes into a new temporary CANN home. */
  buildFakeCann(options?: { without?: readonly ('libruntime.so' | 'libascendcl.so' | 'libascend_hal.so')[]; omit?: readonly string[] }): FakeCannHome;
  /** Executors for a hardware runner on these fakes. */
  fakeExecutors(fake: FakeCannHome): FakeExecutors;
  /**
   * Renders calls as comparable lines: key arguments only, device pointers as `#k` (the k-th
   * `rtMalloc`), calls off the first thread marked `@worker`, non-zero codes as `-> rc`. A
   * worker thread's own `rtSetDevice` binding is dropped: whether the second wait lands on an
   * already bound pool thread is up to libuv (an unbound one would fail with 107002 and show). Streams are `s<k>`, the k-th created in `calls`.
   */
  renderCalls(calls: readonly LoggedCall[]): string[];
  /** The census of the fake's device 0 now: opens and closes a probe device, reads its reset. */
  deviceCensus(fake: FakeCannHome, open: OpenProbeDevice): DeviceCensus;
  /** The `HalError` with `backendCode` in `error`, its `cause` chain or its aggregated `errors`. */
  findHalError(error: unknown, backendCode: number): FoundHalError | undefined;
  /**
   * Every call of a clean scenario's log as an injection. A worker thread's `rtSetDevice` is
   * included once (the first wait always binds a fresh pool thread; whether the second does is
   * up to libuv).
   */
  injections(clean: readonly LoggedCall[]): Injection[];
  /** Runs `scenario` once per injection, each on a fresh log, and takes a census after each. */
  runFailureMatrix(fake: FakeCannHome, scenario: RunnerScenario, injections: readonly Injection[], open: OpenProbeDevice): Promise<FailureCase[]>;
  /**
   * What is wrong with one case (empty when nothing): the injection hit its call; an advisory
   * call's failure surfaced nothing, any other call's failure surfaced exactly one error whose
   * chain holds a `HalError` naming the call with its code; every surfaced error has a string
   * `code`; the fake holds no allocation, stream or mapping afterwards; and the session left its
   * own device reset nothing to reclaim but the one release that was failed on purpose.
   */
  failureCaseProblems(c: FailureCase): string[];
}
