/**
 * `export-npy`: every dumped tensor of a run as an `.npy` file numpy loads directly
 * (`numpy.load(path)`), plus `index.json` saying which task, kernel, label, stage, role and argument
 * each file holds. File names: `task<id>_<stage>_arg<index>_<role>[_sub<subtask>].npy`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { dtypeInfo } from './dtype';
import { ResultsError, ResultsErrorCode } from './errors';
import { encodeNpy } from './npy';
import { readRun } from './read-run';

/** One exported file. */
export interface NpyIndexEntry {
  /** File name, relative to the output directory. */
  file: string;
  /** Task id. */
  taskId: number;
  /** Kernel name, from `run.json`'s kernel table. */
  kernel?: string;
  /** The task's label. */
  label?: string;
  /** Stage. */
  stage: string;
  /** Role. */
  role: string;
  /** Argument index. */
  argIndex: number;
  /** Element type in the dump. */
  dtype: string;
  /** numpy type written. */
  npy: string;
  /** Shape. */
  shape: number[];
}

/** What {@link exportNpy} wrote. */
export interface NpyExport {
  /** The output directory. */
  dir: string;
  /** Files written. */
  files: NpyIndexEntry[];
  /** Tensors left out, and why (unknown element type, truncated or overwritten payload). */
  skipped: Array<{ taskId: number; argIndex: number; stage: string; reason: string }>;
}

/**
 * Writes the dumped tensors of the run in `runDir` as `.npy` files under `outDir` (default
 * `<runDir>/npy`).
 *
 * @throws ResultsError `RESULTS_NOT_A_RUN` / `RESULTS_BAD_FILE` from reading the run; `RESULTS_INVALID_ARGUMENT`
 *   when the run dumped no tensors; `RESULTS_WRITE_FAILED` when a file cannot be written
 */
export function exportNpy(runDir: string, outDir?: string): NpyExport {
  const run = readRun(runDir);
  const dump = run.tensorDump;
  if (dump === undefined) throw new ResultsError(ResultsErrorCode.InvalidArgument, `${run.dir} has no tensor dump (run with the tensor dump on: --dump)`);
  const dir = path.resolve(outDir ?? path.join(run.dir, 'npy'));
  const kernels = new Map(run.run.kernels.map((k) => [k.id, k.name]));
  const tasks = new Map(run.run.tasks.map((t) => [t.id, t]));
  const files: NpyIndexEntry[] = [];
  const skipped: NpyExport['skipped'] = [];
  try {
    fs.mkdirSync(dir, { recursive: true });
    for (const t of dump.tensors) {
      const info = dtypeInfo(t.dtype);
      const skip = (reason: string): void => void skipped.push({ taskId: t.taskId, argIndex: t.argIndex, stage: t.stage, reason });
      if (info === undefined || t.data === undefined) {
        skip(`element type ${t.dtype} has no numpy equivalent here`);
        continue;
      }
      if (t.overwritten || t.truncated || t.data.length !== t.numel) {
        skip(t.overwritten ? 'payload overwritten on the device' : 'payload truncated on the device');
        continue;
      }
      const sub = t.subtaskId === 0 ? '' : `_sub${t.subtaskId}`;
      const file = `task${t.taskId}_${t.stage}_arg${t.argIndex}_${t.role}${sub}.npy`;
      // FLOAT16 keeps its bits; every other type is written as decoded (BFLOAT16 widened to float32).
      const data = t.dtype === 'FLOAT16' ? new Uint16Array(t.raw.slice().buffer) : t.data;
      fs.writeFileSync(path.join(dir, file), encodeNpy(data, info.npy, t.shape.length === 0 ? [] : t.shape));
      const task = tasks.get(t.taskId);
      const kernel = kernels.get(t.funcId);
      files.push({
        file,
        taskId: t.taskId,
        ...(kernel !== undefined ? { kernel } : {}),
        ...(task?.label !== undefined ? { label: task.label } : {}),
        stage: t.stage,
        role: t.role,
        argIndex: t.argIndex,
        dtype: t.dtype,
        npy: info.npy,
        shape: t.shape,
      });
    }
    fs.writeFileSync(path.join(dir, 'index.json'), `${JSON.stringify({ run: run.dir, files, skipped }, null, 2)}\n`);
  } catch (e) {
    if (e instanceof ResultsError) throw e;
    throw new ResultsError(ResultsErrorCode.WriteFailed, `writing .npy files under ${dir} failed: ${(e as Error).message}`, dir, e);
  }
  return { dir, files, skipped };
}
