/**
 * `@npurun/collectors`: the collector framework and the four shared collectors (l2 swimlane,
 * tensor dump, PMU, scope stats): shared-memory layouts, the host half of the queue protocol,
 * reconcile, and streaming export.
 *
 * @packageDocumentation
 */
export * from './collector';
export * from './errors';
export * from './arch';
export * from './factory';
export { deviceIncludeDir as collectorsDeviceIncludeDir, producerSources as collectorProducerSources } from './device-files';
export type { CollectorContext } from './framework/context';
export { CollectorBase, type DeviceCounters, type SetupResult } from './framework/base-collector';
export { DrainEngine, type CollectedBuffer, type BufferConsumer, type Leftover, type DrainEngineOptions } from './framework/drain-engine';
export { ResourceLedger, initAllOrNothing } from './framework/lifecycle';
export { Poller, type PollerOptions, type PollTick } from './framework/poller';
export { RecordSpool, type SpoolChunk } from './framework/spool';
export { TextFileWriter, type TextFileWriterOptions } from './export/text-writer';
export { OutputWriteError, describeOsError, osErrorCode } from './export/output-error';
export { writeFileAtomic, moveFileAtomic, commitTemporary, temporaryPathFor, parseTemporaryName, removeStaleTemporaries } from './export/atomic-file';
export { OutputFiles } from './export/output-files';
export { makeDirectory } from './export/make-dir';
export { noteUnrecordedOutputs, markOutputsRecorded, unrecordedOutputs, removeUnrecordedOutputs } from './export/unrecorded-outputs';
export { createSpoolDir, spoolDirOwner, removeStaleSpools, removeProcessSpools } from './framework/spool-dirs';
export { isProcessAlive } from './framework/process-alive';
export { ByteOut, AsciiLiteral, ascii, MemorySink, DEFAULT_CHUNK_BYTES, type ByteSink } from './export/byte-out';
export { TimeSlicer, UnitCost, DEFAULT_SLICE_MS, turnDeadline, yieldToEventLoop, runSliced, runToEnd } from './framework/slicer';
export * from './memory';
export * from './protocol/geometry';
export * from './protocol/queues';
export { ReadyQueueEntry, freeQueueLayout, FREE_QUEUE_BYTES, type FreeQueueValue } from './layout/common';
export * as l2Layout from './l2-swimlane/layout';
export * as dumpLayout from './tensor-dump/layout';
export * as pmuLayout from './pmu/layout';
export * as scopeStatsLayout from './scope-stats/layout';
export { l2Geometry } from './l2-swimlane/geometry';
export { dumpGeometry, dumpStateOffset } from './tensor-dump/geometry';
export { pmuGeometry, pmuStateOffset } from './pmu/geometry';
export { scopeStatsGeometry, scopeStatsStateOffset } from './scope-stats/geometry';
export { L2SwimlaneCollector, L2_PERF_RECORDS_FILE, SWIMLANE_TRACE_FILE, type L2SwimlaneOptions } from './l2-swimlane/collector';
export { L2TaskStore, TASK_ROW, type L2TaskRow, type PhaseClass } from './l2-swimlane/task-store';
export type { PendingTask } from './l2-swimlane/join';
export { AicoreJoin } from './l2-swimlane/join';
export { writeL2PerfJson, type L2ExportMeta } from './l2-swimlane/export-json';
export { writeL2PerfJsonText } from './l2-swimlane/export-json-text';
export { writeSwimlaneTrace, coreTid, aicpuTid, coreLaneName, DUMMY_TID, SCOPE_TID, type TraceMeta } from './l2-swimlane/export-trace';
export type { HostTask, TraceProcess, PmuSample, PmuSamples, ScopeBoundary, TraceInputs } from './trace/inputs';
export { combineArrows, hostEdges, arrowName, type ArrowSource, type DependencyArrow } from './trace/arrows';
export { dummyCompletionTimes } from './trace/dummies';
export { pairScopes, scopeSlices, type ScopePair, type ScopeSlice } from './trace/scope-slices';
export { decodeScopeStatsRecord } from './scope-stats/decode';
export { phaseName, phaseClassOf } from './l2-swimlane/phases';
export { TensorDumpCollector, TENSOR_DUMP_DIR, TENSOR_DUMP_MANIFEST, TENSOR_DUMP_BIN, type TensorDumpCollectorOptions } from './tensor-dump/collector';
export { formatDumpManifestEntry, formatDumpManifestHead, type DumpManifestCounts, type DumpManifestEntry } from './tensor-dump/manifest';
export { PmuCollector, PMU_FILE, type PmuCollectorOptions } from './pmu/collector';
export { PMU_EVENT_TABLES, PMU_DEFAULT_EVENT_GROUP, PmuEventGroup, resolvePmuEventGroup, type PmuEventTable, type ResolvedPmuEventGroup } from './pmu/events';
export { pmuCsvColumns, pmuEventGroupLabel, hexTaskId, SIMULATED_MARKER } from './pmu/csv';
export { ScopeStatsCollector, SCOPE_STATS_FILE } from './scope-stats/collector';
export { formatScopeStatsMetadata, formatScopeStatsRecord, SCOPE_STATS_SCHEMA_VERSION, type ScopeStatsMetadata } from './scope-stats/export';
export { collectorHeaders, type GeneratedHeader } from './headers';
