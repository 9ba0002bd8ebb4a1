// The collectors' shared-memory layouts for the arch this executor is built for, under one set of
// names, so the diagnostics code is written once. The executors are compiled per arch with
// -DNPURUN_ARCH_A2A3 or -DNPURUN_ARCH_A5 (see buildSimExecutors).
#pragma once

#include <cstdint>

#if defined(NPURUN_ARCH_A2A3)
#include <npurun/collectors/layouts_a2a3.h>
#elif defined(NPURUN_ARCH_A5)
#include <npurun/collectors/layouts_a5.h>
#else
#error "build the simulated executors with -DNPURUN_ARCH_A2A3 or -DNPURUN_ARCH_A5"
#endif

namespace npurun_sim::diag {

// enable_profiling_flag bits.
constexpr uint32_t kFlagDump = 1u << 0;
constexpr uint32_t kFlagL2 = 1u << 1;
constexpr uint32_t kFlagPmu = 1u << 2;
constexpr uint32_t kFlagScopeStats = 1u << 4;

// Scheduler phase ids shared by both arches.
constexpr uint32_t kPhaseComplete = 0;
constexpr uint32_t kPhaseDispatch = 1;

#if defined(NPURUN_ARCH_A2A3)
constexpr uint32_t kMaxCores = NPURUN_A2A3_MAX_CORES;
constexpr uint32_t kMaxAicpuThreads = NPURUN_A2A3_MAX_AICPU_THREADS;
constexpr uint32_t kL2Records = NPURUN_A2A3_L2_RECORDS_PER_BUFFER;
constexpr uint32_t kL2AicoreRecords = NPURUN_A2A3_L2_AICORE_RECORDS_PER_BUFFER;
constexpr uint32_t kL2PhaseRecords = NPURUN_A2A3_L2_PHASE_RECORDS_PER_BUFFER;
constexpr uint32_t kL2Slots = NPURUN_A2A3_L2_SLOT_COUNT;
constexpr uint32_t kL2ReadyQueue = NPURUN_A2A3_L2_READY_QUEUE_SIZE;
constexpr uint32_t kDumpRecords = NPURUN_A2A3_DUMP_RECORDS_PER_BUFFER;
constexpr uint32_t kDumpSlots = NPURUN_A2A3_DUMP_SLOT_COUNT;
constexpr uint32_t kDumpReadyQueue = NPURUN_A2A3_DUMP_READY_QUEUE_SIZE;
constexpr uint32_t kPmuRecords = NPURUN_A2A3_PMU_RECORDS_PER_BUFFER;
constexpr uint32_t kPmuSlots = NPURUN_A2A3_PMU_SLOT_COUNT;
constexpr uint32_t kPmuReadyQueue = NPURUN_A2A3_PMU_READY_QUEUE_SIZE;
constexpr uint32_t kPmuCounters = NPURUN_A2A3_PMU_COUNTERS;
constexpr uint32_t kScopeRecords = NPURUN_A2A3_SCOPE_STATS_RECORDS_PER_BUFFER;
constexpr uint32_t kScopeSlots = NPURUN_A2A3_SCOPE_STATS_SLOT_COUNT;
constexpr uint32_t kScopeReadyQueue = NPURUN_A2A3_SCOPE_STATS_READY_QUEUE_SIZE;
// The orchestrator's phase on a2a3: one per submitted task.
constexpr uint32_t kPhaseOrch = 25;  // ORCH_SUBMIT
using L2Header = npurun_l2_perf_header_a2a3;
using L2Record = npurun_l2_perf_record_a2a3;
using L2Buffer = npurun_l2_perf_buffer_a2a3;
using L2PhaseHeader = npurun_aicpu_phase_header_a2a3;
using L2PhaseBuffer = npurun_l2_phase_buffer_a2a3;
using PmuHeader = npurun_pmu_header_a2a3;
using PmuRecord = npurun_pmu_record_a2a3;
using PmuBuffer = npurun_pmu_buffer_a2a3;
using PmuState = npurun_pmu_buffer_state_a2a3;
using DumpHeader = npurun_dump_header_a2a3;
using ScopeHeader = npurun_scope_stats_header_a2a3;
#else
constexpr uint32_t kMaxCores = NPURUN_A5_MAX_CORES;
constexpr uint32_t kMaxAicpuThreads = NPURUN_A5_MAX_AICPU_THREADS;
constexpr uint32_t kL2Records = NPURUN_A5_L2_RECORDS_PER_BUFFER;
constexpr uint32_t kL2PhaseRecords = NPURUN_A5_L2_PHASE_RECORDS_PER_BUFFER;
constexpr uint32_t kL2Slots = NPURUN_A5_L2_SLOT_COUNT;
constexpr uint32_t kL2ReadyQueue = NPURUN_A5_L2_READY_QUEUE_SIZE;
constexpr uint32_t kDumpRecords = NPURUN_A5_DUMP_RECORDS_PER_BUFFER;
constexpr uint32_t kDumpSlots = NPURUN_A5_DUMP_SLOT_COUNT;
constexpr uint32_t kDumpReadyQueue = NPURUN_A5_DUMP_READY_QUEUE_SIZE;
constexpr uint32_t kPmuRecords = NPURUN_A5_PMU_RECORDS_PER_BUFFER;
constexpr uint32_t kPmuSlots = NPURUN_A5_PMU_SLOT_COUNT;
constexpr uint32_t kPmuReadyQueue = NPURUN_A5_PMU_READY_QUEUE_SIZE;
constexpr uint32_t kPmuCounters = NPURUN_A5_PMU_COUNTERS;
constexpr uint32_t kScopeRecords = NPURUN_A5_SCOPE_STATS_RECORDS_PER_BUFFER;
constexpr uint32_t kScopeSlots = NPURUN_A5_SCOPE_STATS_SLOT_COUNT;
constexpr uint32_t kScopeReadyQueue = NPURUN_A5_SCOPE_STATS_READY_QUEUE_SIZE;
// The orchestrator's phase on a5: the init kernel sets each task's fan-in count.
constexpr uint32_t kPhaseOrch = 22;  // orch_fanin
using L2Header = npurun_l2_perf_header_a5;
using L2Record = npurun_l2_perf_record_a5;
using L2Buffer = npurun_l2_perf_buffer_a5;
using L2PhaseHeader = npurun_aicpu_phase_header_a5;
using L2PhaseBuffer = npurun_l2_phase_buffer_a5;
using L2AicoreRing = npurun_l2_perf_aicore_ring_a5;
using PmuHeader = npurun_pmu_header_a5;
using PmuRecord = npurun_pmu_record_a5;
using PmuBuffer = npurun_pmu_buffer_a5;
using PmuState = npurun_pmu_buffer_state_a5;
using PmuAicoreRing = npurun_pmu_aicore_ring_a5;
using DumpHeader = npurun_dump_header_a5;
using ScopeHeader = npurun_scope_stats_header_a5;
#endif

// Where each region of the l2 shared memory starts (the host's l2RegionOffsets).
struct L2Regions {
  npurun_l2_perf_buffer_state* taskStates;
#if !defined(NPURUN_ARCH_A5)
  npurun_l2_perf_aicore_buffer_state* aicoreStates;
#endif
  L2PhaseHeader* phaseHeader;
  npurun_l2_perf_buffer_state* phaseStates;

  static L2Regions of(L2Header* h) {
    auto* p = reinterpret_cast<uint8_t*>(h) + sizeof(L2Header);
    const uint32_t n = h->num_cores;
    L2Regions r{};
    r.taskStates = reinterpret_cast<npurun_l2_perf_buffer_state*>(p);
    p += n * sizeof(npurun_l2_perf_buffer_state);
#if !defined(NPURUN_ARCH_A5)
    r.aicoreStates = reinterpret_cast<npurun_l2_perf_aicore_buffer_state*>(p);
    p += n * sizeof(npurun_l2_perf_aicore_buffer_state);
#endif
    r.phaseHeader = reinterpret_cast<L2PhaseHeader*>(p);
    p += sizeof(L2PhaseHeader);
    r.phaseStates = reinterpret_cast<npurun_l2_perf_buffer_state*>(p);
    return r;
  }
};

// The state blocks that follow a collector's header (one per producer instance).
template <typename Header, typename State>
inline State* statesAfter(Header* h) {
  return reinterpret_cast<State*>(reinterpret_cast<uint8_t*>(h) + sizeof(Header));
}

}  // namespace npurun_sim::diag
