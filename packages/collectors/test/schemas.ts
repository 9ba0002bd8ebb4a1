/** JSON schemas of the export files (used with ajv). */
const us = { type: 'number', minimum: 0 };
export const l2PerfRecordsSchema = {
  type: 'object',
  required: ['l2_perf_level', 'tasks'],
  properties: {
    l2_perf_level: { type: 'integer', minimum: 1, maximum: 4 },
    incomplete: { type: 'boolean' },
    tasks: {
      type: 'array',
      items: {
        type: 'object',
        required: ['task_id', 'func_id', 'core_id', 'core_type', 'ring_id', 'start_time_us', 'end_time_us', 'duration_us', 'dispatch_time_us', 'finish_time_us'],
        properties: {
          task_id: { type: 'integer', minimum: 0 },
          func_id: { type: 'integer' },
          core_id: { type: 'integer' },
          core_type: { enum: ['aic', 'aiv'] },
          ring_id: { type: 'integer' },
          start_time_us: us, end_time_us: us, duration_us: us, dispatch_time_us: us, finish_time_us: us,
          fanout: { type: 'array', items: { type: 'integer' } },
          fanout_count: { type: 'integer' },
        },
        additionalProperties: false,
      },
    },
    aicpu_scheduler_phases: {
      type: 'array',
      items: {
        type: 'array',
        items: {
          type: 'object',
          required: ['start_time_us', 'end_time_us', 'phase', 'loop_iter', 'tasks_processed'],
          properties: { start_time_us: us, end_time_us: us, phase: { type: 'string' }, loop_iter: { type: 'integer' }, tasks_processed: { type: 'integer' }, pop_hit: { type: 'integer' }, pop_miss: { type: 'integer' } },
          additionalProperties: false,
        },
      },
    },
    aicpu_orchestrator_phases: {
      type: 'array',
      items: { type: 'array', items: { type: 'object', required: ['phase', 'start_time_us', 'end_time_us', 'submit_idx', 'task_id'], additionalProperties: false, properties: { phase: { type: 'string' }, start_time_us: us, end_time_us: us, submit_idx: { type: 'integer' }, task_id: { type: 'integer' } } } },
    },
    core_to_thread: { type: 'array', items: { type: 'integer' } },
  },
  additionalProperties: false,
};

export const dumpManifestSchema = {
  type: 'object',
  required: ['run_dir', 'bin_format', 'total_tensors', 'before_dispatch', 'after_completion', 'input_tensors', 'output_tensors', 'inout_tensors', 'truncated_tensors', 'dropped_records', 'dropped_overwrite', 'bin_file', 'tensors'],
  properties: {
    tensors: {
      type: 'array',
      items: {
        type: 'object',
        required: ['task_id', 'subtask_id', 'func_id', 'role', 'stage', 'arg_index', 'dtype', 'is_contiguous', 'shape', 'strides', 'start_offset', 'numel', 'bin_offset', 'bin_size', 'truncated', 'overwritten'],
        properties: {
          task_id: { type: 'string', pattern: '^0x[0-9a-f]{16}$' },
          role: { enum: ['input', 'output', 'inout'] },
          stage: { enum: ['before_dispatch', 'after_completion'] },
          dtype: { type: 'string', pattern: '^[A-Z0-9]+$' },
          shape: { type: 'array', items: { type: 'integer' } },
          strides: { type: 'array', items: { type: 'integer' } },
        },
      },
    },
  },
};

export const scopeMetaSchema = {
  type: 'object',
  required: ['version', 'fatal', 'dropped', 'total', 'task_window_max', 'heap_max', 'tensormap_max'],
  properties: { version: { const: 4 }, fatal: { type: 'boolean' }, task_window_max: { type: 'array', minItems: 4, maxItems: 4 }, heap_max: { type: 'array', minItems: 4, maxItems: 4 } },
};
export const scopeRecordSchema = {
  type: 'object',
  required: ['site', 'phase', 'depth', 'ring', 'task_window_start', 'task_window_end', 'heap_start', 'heap_end', 'tensormap'],
  properties: {
    site: { type: 'string', pattern: '^.+:-?[0-9]+$' },
    phase: { enum: ['begin', 'end'] },
    depth: { type: 'integer' },
    ring: { type: 'integer' },
    task_window_start: { type: 'integer' },
    task_window_end: { type: 'integer' },
    heap_start: { type: 'integer', minimum: 0 },
    heap_end: { type: 'integer', minimum: 0 },
    tensormap: { type: 'integer' },
  },
  additionalProperties: false,
};
