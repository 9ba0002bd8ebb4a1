/** Phase ids and their names per arch. */
import type { Arch } from '@npurun/hal-native';
import type { PhaseClass } from './task-store';

const A5_ORCH = ['orch_sync', 'orch_alloc', 'orch_params', 'orch_lookup', 'orch_heap', 'orch_insert', 'orch_fanin', 'orch_finalize', 'orch_scope_end'];

/** Whether a phase id is a scheduler phase (else an orchestrator phase). */
export function phaseClassOf(arch: Arch, phaseId: number): PhaseClass {
  return phaseId < (arch === 'a2a3' ? 16 : 4) ? 'sched' : 'orch';
}

/** The name of a phase id as the export writes it. */
export function phaseName(arch: Arch, phaseId: number): string {
  if (phaseId === 0) return 'complete';
  if (phaseId === 1) return 'dispatch';
  if (arch === 'a5') {
    if (phaseId === 2) return 'scan';
    if (phaseId === 3) return 'idle';
    return A5_ORCH[phaseId - 16] ?? 'unknown';
  }
  return phaseId === 25 ? 'orch_submit' : 'unknown';
}

/** Scheduler phase id of a dispatch (carries pop hit/miss). */
export const PHASE_DISPATCH = 1;
