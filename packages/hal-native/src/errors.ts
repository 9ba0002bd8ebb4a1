/**
 * Errors raised by the HAL. The native binding constructs these directly (the class is handed to it
 * at load), so a `HalError` thrown from C++ is the same class users catch.
 */

/** Stable codes of {@link HalError}. Tests and callers switch on these, never on messages. */
export const HalErrorCode = {
  /** An argument had the wrong type, was not an integer, or was out of range. */
  InvalidArgument: 'HAL_INVALID_ARGUMENT',
  /** The platform name is unknown, or not usable here. */
  InvalidPlatform: 'HAL_INVALID_PLATFORM',
  /** Device memory is exhausted. */
  OutOfMemory: 'HAL_OUT_OF_MEMORY',
  /** An address that is not inside a live allocation (or, for free, not the start of one). */
  InvalidAddress: 'HAL_INVALID_ADDRESS',
  /** A range that starts inside an allocation but runs past its end. */
  OutOfBounds: 'HAL_OUT_OF_BOUNDS',
  /** Freeing memory that is still mapped into the host. */
  StillMapped: 'HAL_STILL_MAPPED',
  /** Unmapping memory that is not mapped, or mapping it twice. */
  MappingState: 'HAL_MAPPING_STATE',
  /** Bytes that are not an ELF shared object. */
  InvalidBinary: 'HAL_INVALID_BINARY',
  /** A device program that lacks a required entry symbol. */
  MissingSymbol: 'HAL_MISSING_SYMBOL',
  /** `blockDim` of 0, or above the arch's maximum. */
  InvalidBlockDim: 'HAL_INVALID_BLOCK_DIM',
  /** An AI CPU thread count of 0, or above what the arch launches. */
  InvalidThreadCount: 'HAL_INVALID_THREAD_COUNT',
  /** An AI CPU kernel name the program does not export. */
  UnknownKernel: 'HAL_UNKNOWN_KERNEL',
  /** A stream, binary or program handle that is not live on this device. */
  InvalidHandle: 'HAL_INVALID_HANDLE',
  /** The device was closed. */
  DeviceClosed: 'HAL_DEVICE_CLOSED',
  /** A stream did not finish within the synchronize timeout. */
  SyncTimeout: 'HAL_SYNC_TIMEOUT',
  /** A kernel reported failure (AI CPU kernel returned non-zero), or work was aborted. */
  KernelFailed: 'HAL_KERNEL_FAILED',
  /** The operation does not exist on this arch (host mapping on a5). */
  Unsupported: 'HAL_UNSUPPORTED',
  /** A vendor library could not be loaded. */
  LibraryNotFound: 'HAL_LIBRARY_NOT_FOUND',
  /** A vendor library lacks a symbol the backend needs. */
  SymbolNotFound: 'HAL_SYMBOL_NOT_FOUND',
  /** A vendor runtime call returned an error; `backendCode` holds its number. */
  VendorError: 'HAL_VENDOR_ERROR',
  /**
   * Simulator: device code faulted (a signal such as SIGSEGV, an escaping C++ exception, `exit()`)
   * or had to be killed because it ignored the stop flag. The message names the task, kernel, core
   * and cause (for a memory fault, the address and the nearest allocation). Sticky: every later
   * call that uses the device fails with it until `reset()` (which starts a fresh device); release
   * calls (`free`, stream `destroy`, `unmapFromHost`, `close`) still succeed, and `copyFromDevice`
   * still reads what the device left in memory.
   */
  DeviceFault: 'HAL_DEVICE_FAULT',
  /**
   * The native addon (or the simulator's `npurun-device` executable beside it) is missing or cannot
   * be loaded here: no prebuilt binary for this platform, a damaged install, or a libc the binary
   * does not run on. The message names the file, the cause and the fix for npm, pnpm and yarn.
   */
  AddonUnavailable: 'HAL_ADDON_UNAVAILABLE',
  /** A host-side failure (a thread, a temporary file, a dlopen of a valid image). */
  Internal: 'HAL_INTERNAL',
} as const;

/** One of the values of {@link HalErrorCode}. */
export type HalErrorCode = (typeof HalErrorCode)[keyof typeof HalErrorCode];

/** Details attached to a {@link HalError}. */
export interface HalErrorDetails {
  /** Stable code. */
  code: HalErrorCode;
  /** The HAL operation that failed, e.g. `malloc` or `launchAicore`. */
  op: string;
  /** The backend's numeric code (a CANN error number on hardware), when there is one. */
  backendCode?: number;
}

/** Every error the HAL throws or rejects with. */
export class HalError extends Error {
  /** Stable code (see {@link HalErrorCode}). */
  readonly code: HalErrorCode;
  /** The failing operation's name. */
  readonly op: string;
  /** The backend's numeric code, when there is one. */
  readonly backendCode: number | undefined;

  constructor(message: string, details: HalErrorDetails) {
    super(message);
    this.name = 'HalError';
    this.code = details.code;
    this.op = details.op;
    this.backendCode = details.backendCode;
  }
}
