/**
 * `@npurun/results`: what to do with a run's output directory once the run is over — read every
 * file as typed objects (`readRun`), export the dumped tensors as `.npy` (`exportNpy`), and write
 * the offline, self-contained `report.html` (`writeReport`). The parsers and formatters of each file
 * are pure functions, exported too.
 *
 * @packageDocumentation
 */
export { ResultsError, ResultsErrorCode } from './errors';
export { readRun, RUN_FILES, type RunResults, type ReadRunOptions, type TensorDump } from './read-run';
export { parseTaskId, hexTaskId } from './task-id';
export { dtypeInfo, halfToNumber, type DtypeInfo, type TensorArray } from './dtype';
export { encodeNpy, decodeNpy, type NpyArray } from './npy';
export { exportNpy, type NpyExport, type NpyIndexEntry } from './export-npy';
export type { Fields } from './formats/check';
export { parseRunJson, formatRunJson, type RunInfo, type TaskInfo, type KernelInfo, type CollectorInfo } from './formats/run-json';
export {
  parseL2PerfRecords,
  formatL2PerfRecords,
  type L2PerfRecords,
  type L2Task,
  type SchedulerPhase,
  type OrchestratorPhase,
} from './formats/l2-perf-records';
export { parseTrace, formatTrace, type TraceFile, type TraceEvent } from './formats/trace';
export { parsePmuCsv, formatPmuCsv, type PmuTable, type PmuRow } from './formats/pmu-csv';
export { parseScopeStats, formatScopeStats, type ScopeStatsFile, type ScopeStatsMeta } from './formats/scope-stats';
export { parseDepsJson, formatDepsJson, type DepsFile, type DepsTask, type DepsArg, type DepsTensor, type DepsEdge, type DepsRegion } from './formats/deps-json';
export {
  parseDumpManifest,
  formatDumpManifest,
  dumpedTensors,
  type DumpManifest,
  type DumpEntry,
  type DumpCounts,
  type DumpedTensor,
} from './formats/tensor-dump';
export { writeReport, reportScript, REPORT_FILE, type WriteReportOptions } from './report/write-report';
export { renderReportHtml, scriptSafeJson, REPORT_DATA_ID } from './report/html';
export {
  buildReportModel,
  BarKind,
  type ReportModel,
  type ReportTimeline,
  type ReportLane,
  type LaneKind,
  type ReportBars,
  type ReportArrows,
  type ReportCounters,
  type ReportCounterTrack,
  type ReportScope,
  type ReportTensor,
  type ReportDumpTask,
} from './report/model';
export { tensorPreview, type TensorPreview } from './report/tensor-preview';
