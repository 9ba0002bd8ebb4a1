/**
 * PMU event groups per arch (the upstream `pmu_profiling.h`, values from pypto): the event ids each
 * counter slot is programmed with and the CSV column names. An empty name marks an unused slot,
 * which the CSV leaves out.
 */
import type { Arch } from '@npurun/hal-native';
import { CollectorError, CollectorErrorCode } from '../errors';

/** Event group numbers (`PmuEventType`). */
export const PmuEventGroup = {
  /** Arithmetic unit utilization. */
  ArithmeticUtilization: 1,
  /** Pipe utilization (the default). */
  PipeUtilization: 2,
  /** Memory traffic. */
  Memory: 4,
  /** L0 buffers. */
  MemoryL0: 5,
  /** Resource conflicts. */
  ResourceConflict: 6,
  /** Unified buffer. */
  MemoryUb: 7,
  /** L2 cache. */
  L2Cache: 8,
} as const;

/** The default event group. */
export const PMU_DEFAULT_EVENT_GROUP: number = PmuEventGroup.PipeUtilization;

/** One event group on one arch. */
export interface PmuEventTable {
  /** Group number. */
  readonly group: number;
  /** Upper-case group name, e.g. `PIPE_UTILIZATION`. */
  readonly name: string;
  /** Event id programmed into each counter slot (0 = unused). */
  readonly eventIds: readonly number[];
  /** Column name of each counter slot ('' = unused). */
  readonly counterNames: readonly string[];
}

type Row = readonly [group: number, name: string, ids: readonly number[], names: readonly string[]];

const A2A3_ROWS: readonly Row[] = [
  [1, 'ARITHMETIC_UTILIZATION', [0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f, 0x0],
    ['cube_fp16_exec', 'cube_int8_exec', 'vec_fp32_exec', 'vec_fp16_128lane_exec', 'vec_fp16_64lane_exec', 'vec_int32_exec', 'vec_misc_exec', '']],
  [2, 'PIPE_UTILIZATION', [0x08, 0x0a, 0x09, 0x0b, 0x0c, 0x0d, 0x55, 0x54],
    ['vec_busy_cycles', 'cube_busy_cycles', 'scalar_busy_cycles', 'mte1_busy_cycles', 'mte2_busy_cycles', 'mte3_busy_cycles', 'icache_miss', 'icache_req']],
  [4, 'MEMORY', [0x15, 0x16, 0x31, 0x32, 0x0f, 0x10, 0x12, 0x13],
    ['ub_read_req', 'ub_write_req', 'l1_read_req', 'l1_write_req', 'l2_read_req', 'l2_write_req', 'main_read_req', 'main_write_req']],
  [5, 'MEMORY_L0', [0x1b, 0x1c, 0x21, 0x22, 0x27, 0x28, 0x0, 0x0],
    ['l0a_read_req', 'l0a_write_req', 'l0b_read_req', 'l0b_write_req', 'l0c_read_req', 'l0c_write_req', '', '']],
  [6, 'RESOURCE_CONFLICT', [0x64, 0x65, 0x66, 0x0, 0x0, 0x0, 0x0, 0x0],
    ['bankgroup_stall_cycles', 'bank_stall_cycles', 'vec_resc_conflict_cycles', '', '', '', '', '']],
  [7, 'MEMORY_UB', [0x3d, 0x10, 0x13, 0x3e, 0x43, 0x44, 0x37, 0x38],
    ['ub_read_bw_mte', 'l2_write_bw', 'main_mem_write_bw', 'ub_write_bw_mte', 'ub_read_bw_vector', 'ub_write_bw_vector', 'ub_read_bw_scalar', 'ub_write_bw_scalar']],
  [8, 'L2_CACHE', [0x500, 0x502, 0x504, 0x506, 0x508, 0x50a, 0x0, 0x0],
    ['write_cache_hit', 'write_cache_miss_allocate', 'r0_read_cache_hit', 'r0_read_cache_miss_allocate', 'r1_read_cache_hit', 'r1_read_cache_miss_allocate', '', '']],
];

const A5_ROWS: readonly Row[] = [
  [1, 'ARITHMETIC_UTILIZATION', [0x323, 0x324, 0, 0, 0, 0, 0, 0, 0, 0],
    ['cube_fp_instr_busy', 'cube_int_instr_busy', '', '', '', '', '', '', '', '']],
  [2, 'PIPE_UTILIZATION', [0x501, 0x301, 0x1, 0x701, 0x202, 0x203, 0x34, 0x35, 0x714, 0x0],
    ['pmu_idc_aic_vec_busy_o', 'cube_instr_busy', 'scalar_instr_busy', 'mte1_instr_busy', 'mte2_instr_busy', 'mte3_instr_busy', 'icache_req', 'icache_miss', 'pmu_fix_instr_busy', '']],
  [4, 'MEMORY', [0x0, 0x0, 0x400, 0x401, 0x56f, 0x571, 0x570, 0x572, 0x707, 0x709],
    ['', '', 'bif_sc_pmu_read_main_instr_core', 'bif_sc_pmu_write_main_instr_core', 'pmu_aiv_ext_rd_ub_instr', 'ub_pmu_vec_rd_ub_acc', 'pmu_aiv_ext_wr_ub_instr', 'ub_pmu_vec_wr_ub_acc', 'pmu_rd_l1_instr', 'pmu_wr_l1_instr']],
  [5, 'MEMORY_L0', [0x304, 0x703, 0x306, 0x705, 0x712, 0x30a, 0x308, 0, 0, 0],
    ['cube_sc_pmu_read_l0a_instr', 'pmu_wr_l0a_instr', 'cube_sc_pmu_read_l0b_instr', 'pmu_wr_l0b_instr', 'fixp_rd_l0c_instr', 'cube_sc_pmu_read_l0c_instr', 'cube_sc_pmu_write_l0c_instr', '', '', '']],
  [6, 'RESOURCE_CONFLICT', [0x3556, 0x3540, 0x3502, 0x3528, 0, 0, 0, 0, 0, 0],
    ['stu_pmu_wctl_ub_cflt', 'ldu_pmu_ib_ub_cflt', 'pmu_idc_aic_vec_instr_vf_busy_o', 'idu_pmu_ins_iss_cnt', '', '', '', '', '', '']],
  [7, 'MEMORY_UB', [0x3, 0x5, 0x70c, 0x206, 0x204, 0x571, 0x572, 0, 0, 0],
    ['pmu_rd_acc_ub_instr_p', 'pmu_wr_acc_ub_instr_p', 'pmu_fix_wr_ub_instr', 'mte_sc_pmu_write_acc_ub_instr_0', 'mte_sc_pmu_read_acc_ub_instr_0', 'ub_pmu_vec_rd_ub_acc', 'ub_pmu_vec_wr_ub_acc', '', '', '']],
  [8, 'L2_CACHE', [0x424, 0x425, 0x426, 0x42a, 0x42b, 0x42c, 0, 0, 0, 0],
    ['bif_sc_pmu_ar_close_l2_hit_core', 'bif_sc_pmu_ar_close_l2_miss_core', 'bif_sc_pmu_ar_close_l2_victim_core', 'bif_sc_pmu_aw_close_l2_hit_core', 'bif_sc_pmu_aw_close_l2_miss_core', 'bif_sc_pmu_aw_close_l2_victim_core', '', '', '', '']],
];

function toTables(rows: readonly Row[]): ReadonlyMap<number, PmuEventTable> {
  return new Map(rows.map(([group, name, eventIds, counterNames]) => [group, Object.freeze({ group, name, eventIds, counterNames })]));
}

/** Every event group of every arch. */
export const PMU_EVENT_TABLES: Readonly<Record<Arch, ReadonlyMap<number, PmuEventTable>>> = Object.freeze({
  a2a3: toTables(A2A3_ROWS),
  a5: toTables(A5_ROWS),
});

/** The outcome of {@link resolvePmuEventGroup}. */
export interface ResolvedPmuEventGroup {
  /** The table used. */
  readonly table: PmuEventTable;
  /** The group asked for. */
  readonly requested: number;
  /** True when the requested group was unknown and the default was used instead. */
  readonly fellBack: boolean;
}

/**
 * Resolves a requested event group as the upstream runner does: a known group is used as is; any other
 * non-zero value falls back to PIPE_UTILIZATION (and says so, so the caller can warn). Unlike the
 * upstream runner, the fallback really is the default (the upstream runner logged "using default" but kept
 * an invalid environment value).
 *
 * @throws CollectorError `COLLECTOR_INVALID_ARGUMENT` when `requested` is not a positive integer
 *   (0 means "PMU off" and never reaches a collector).
 */
export function resolvePmuEventGroup(arch: Arch, requested: number): ResolvedPmuEventGroup {
  if (!Number.isSafeInteger(requested) || requested <= 0) {
    throw new CollectorError(CollectorErrorCode.InvalidArgument, 'pmu.resolveEventGroup', `event group must be a positive integer (got ${String(requested)})`);
  }
  const tables = PMU_EVENT_TABLES[arch];
  const hit = tables.get(requested);
  if (hit !== undefined) return { table: hit, requested, fellBack: false };
  const fallback = tables.get(PMU_DEFAULT_EVENT_GROUP);
  if (fallback === undefined) throw new CollectorError(CollectorErrorCode.InvalidState, 'pmu.resolveEventGroup', 'the default event group is missing from the table'); // unreachable: data above
  return { table: fallback, requested, fellBack: true };
}
