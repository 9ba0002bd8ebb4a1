/**
 * Validation of diagnostics options.
 */
import type { DiagnosticName } from '@npurun/collectors';
import { InvalidArgumentError } from './errors';
import type { DiagnosticsOptions } from './run-types';

const KNOWN: readonly DiagnosticName[] = ['l2Swimlane', 'tensorDump', 'pmu', 'scopeStats', 'depGen'];

/**
 * Validates diagnostics options and returns a normalized copy (every field present).
 *
 * @param supported the diagnostics the arch offers (`depGen` is a2a3 only)
 * @throws InvalidArgumentError for unknown keys, wrong types, out-of-range levels, or a
 *   diagnostic the arch does not support
 */
export function normalizeDiagnostics(op: string, value: unknown, supported: readonly DiagnosticName[]): Required<DiagnosticsOptions> {
  if (value === undefined) return { l2Swimlane: 0, tensorDump: false, pmu: 0, scopeStats: false, depGen: false };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidArgumentError(op, 'diagnostics', value, 'an object');
  }
  const v = value as Record<string, unknown>;
  for (const key of Object.keys(v)) {
    if (!KNOWN.includes(key as DiagnosticName)) throw new InvalidArgumentError(op, `diagnostics.${key}`, v[key], `absent (known: ${KNOWN.join(', ')})`);
  }
  const level = v.l2Swimlane ?? 0;
  if (typeof level !== 'number' || !Number.isInteger(level) || level < 0 || level > 4) {
    throw new InvalidArgumentError(op, 'diagnostics.l2Swimlane', level, 'an integer 0-4');
  }
  const pmu = v.pmu ?? 0;
  if (typeof pmu !== 'number' || !Number.isInteger(pmu) || pmu < 0 || pmu > 0xffff) {
    throw new InvalidArgumentError(op, 'diagnostics.pmu', pmu, 'an event group number (0 = off)');
  }
  const flag = (name: 'tensorDump' | 'scopeStats' | 'depGen'): boolean => {
    const f = v[name] ?? false;
    if (typeof f !== 'boolean') throw new InvalidArgumentError(op, `diagnostics.${name}`, f, 'a boolean');
    return f;
  };
  const out: Required<DiagnosticsOptions> = {
    l2Swimlane: level,
    tensorDump: flag('tensorDump'),
    pmu,
    scopeStats: flag('scopeStats'),
    depGen: flag('depGen'),
  };
  for (const name of enabledDiagnostics(out)) {
    if (!supported.includes(name)) throw new InvalidArgumentError(op, `diagnostics.${name}`, v[name], `off: this arch does not support ${name}`);
  }
  return out;
}

/** The diagnostics that are on. */
export function enabledDiagnostics(d: DiagnosticsOptions): DiagnosticName[] {
  const on: DiagnosticName[] = [];
  if ((d.tensorDump ?? false) === true) on.push('tensorDump');
  if ((d.l2Swimlane ?? 0) > 0) on.push('l2Swimlane');
  if ((d.pmu ?? 0) > 0) on.push('pmu');
  if ((d.depGen ?? false) === true) on.push('depGen');
  if ((d.scopeStats ?? false) === true) on.push('scopeStats');
  return on;
}
