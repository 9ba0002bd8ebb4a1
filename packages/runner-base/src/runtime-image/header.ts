/**
 * The C header device programs include to read runtime images (`npurun/runtime_image.h`),
 * generated from the TypeScript layout so the two cannot drift.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { emitCHeader, generatedHeadersCacheDir } from '@npurun/hal-native';
import { RUNTIME_IMAGE_CONSTANTS, RuntimeImageHeader, RuntimeImageKernel, RuntimeImageTask, RuntimeImageTensor } from './layout';

const COMMENT = `npurun runtime image: the host-built task graph a run hands to the AI CPU scheduler.

KernelArgs.runtime_args holds the device address of the image. Every *_offset is a byte offset
from that address; sections are 8-byte aligned. A task is ready when its pending count is 0;
when it finishes, decrement pending of each of its successors. Dummy tasks (NPURUN_RT_TASK_DUMMY)
run no kernel and touch no memory: complete them as soon as they are ready. An address argument
may carry a tensor description (arg_tensors[i] != NPURUN_RT_NONE): its size, element type, shape
and whether the task reads or writes it.
Format description: packages/runner-base/docs/runtime-image.md.`;

/** The text of `npurun/runtime_image.h`. */
export function runtimeImageHeaderText(): string {
  return emitCHeader({
    guard: 'NPURUN_RUNTIME_IMAGE_H',
    structs: [RuntimeImageHeader, RuntimeImageTask, RuntimeImageKernel, RuntimeImageTensor],
    constants: RUNTIME_IMAGE_CONSTANTS,
    comment: COMMENT,
  });
}

/**
 * Writes `npurun/runtime_image.h` under `dir` (creating `dir/npurun`) and returns the header's path.
 * The write is atomic (temporary file + rename), so concurrent builds never see half a header.
 */
export function writeRuntimeImageHeader(dir: string): string {
  const target = path.join(dir, 'npurun', 'runtime_image.h');
  const text = runtimeImageHeaderText();
  if (fs.existsSync(target) && fs.readFileSync(target, 'utf8') === text) return target;
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const tmp = `${target}.${process.pid}.${Date.now()}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, target);
  return target;
}

let includeDirCache: string | undefined;

/**
 * An include directory holding `npurun/runtime_image.h`, for device-program builds
 * (`#include <npurun/runtime_image.h>`). Materialized once per content under npurun's cache
 * (the user's own), so every process sharing a header version shares the directory.
 */
export function runtimeImageIncludeDir(): string {
  if (includeDirCache !== undefined && fs.existsSync(path.join(includeDirCache, 'npurun', 'runtime_image.h'))) return includeDirCache;
  const hash = createHash('sha256').update(runtimeImageHeaderText()).digest('hex').slice(0, 16);
  const dir = path.join(generatedHeadersCacheDir(), `runtime-image-${hash}`);
  writeRuntimeImageHeader(dir);
  includeDirCache = dir;
  return dir;
}
