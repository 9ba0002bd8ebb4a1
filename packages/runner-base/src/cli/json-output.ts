/**
 * The documents `--json` prints: exactly one per invocation, versioned, on stdout. Success of
 * `run` is `{ schemaVersion, arch, platform, results }`; any failure of the command itself (a usage
 * error included) is `{ schemaVersion, error: { code, message } }`. Pure builders.
 */
import type { Arch, Platform } from '@npurun/hal-native';
import type { CaseSummary } from './report';

/** Version of the CLI's JSON documents; raised on any incompatible change. */
export const CLI_JSON_SCHEMA_VERSION = 1;

/** `run --json`. */
export interface RunDocument {
  /** {@link CLI_JSON_SCHEMA_VERSION}. */
  schemaVersion: number;
  /** The arch of the command. */
  arch: Arch;
  /** The platform the cases ran on. */
  platform: Platform;
  /** One row per case attempted, in order. */
  results: CaseSummary[];
}

/** Any failure of the command itself, with `--json`. */
export interface ErrorDocument {
  /** {@link CLI_JSON_SCHEMA_VERSION}. */
  schemaVersion: number;
  /** The error's stable code (`CLI_USAGE` for a usage error) and message. */
  error: { code: string; message: string };
}

/** One bundled workload in `list --json`. */
export interface ListedWorkload {
  /** Workload name. */
  name: string;
  /** What it exercises. */
  description: string;
  /** The case run when none is named. */
  defaultCase: string;
  /** Its cases. */
  cases: { name: string; description: string }[];
}

/** `list --json`. */
export interface ListDocument {
  /** {@link CLI_JSON_SCHEMA_VERSION}. */
  schemaVersion: number;
  /** The arch of the command. */
  arch: Arch;
  /** The bundled workloads. */
  workloads: ListedWorkload[];
}

/** `info --json`. */
export interface InfoDocument {
  /** {@link CLI_JSON_SCHEMA_VERSION}. */
  schemaVersion: number;
  /** The arch of the command. */
  arch: Arch;
  /** The platform opened. */
  platform: Platform;
  /** The device's properties (64-bit values as decimal strings). */
  device: Record<string, unknown>;
}

/** The `run --json` document. */
export function runDocument(arch: Arch, platform: Platform, results: readonly CaseSummary[]): RunDocument {
  return { schemaVersion: CLI_JSON_SCHEMA_VERSION, arch, platform, results: [...results] };
}

/** The document of a failed command. */
export function errorDocument(code: string, message: string): ErrorDocument {
  return { schemaVersion: CLI_JSON_SCHEMA_VERSION, error: { code, message } };
}

/** The `list --json` document. */
export function listDocument(arch: Arch, workloads: readonly ListedWorkload[]): ListDocument {
  return { schemaVersion: CLI_JSON_SCHEMA_VERSION, arch, workloads: [...workloads] };
}

/** The `info --json` document. */
export function infoDocument(arch: Arch, platform: Platform, device: object): InfoDocument {
  return { schemaVersion: CLI_JSON_SCHEMA_VERSION, arch, platform, device: { ...device } };
}

/** A document as printed: indented JSON, 64-bit values as decimal strings, one trailing newline. */
export function formatDocument(document: RunDocument | ErrorDocument | ListDocument | InfoDocument): string {
  return `${JSON.stringify(document, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`;
}
