/**
 * `npurun/dep_gen_layout.h`, the C header the simulated orchestrator (runner-base's
 * `device/src/dep_gen_capture.h`) includes, generated from {@link ./layout}.
 */
import { emitCHeader } from '@npurun/hal-native';
import { materializeHeaders } from '@npurun/runner-base';
import {
  DEP_GEN_CONSTANTS,
  DepGenBuffer,
  DepGenBufferState,
  DepGenHeader,
  DepGenOverflowRecord,
  DepGenRecord,
  DepGenTensor,
} from './layout';

/** Where the header sits under its include directory. */
export const DEP_GEN_HEADER_PATH = 'npurun/dep_gen_layout.h';

const COMMENT = `dep_gen shared memory on a2a3. Generated from
packages/runner-a2a3/src/dep-gen/layout.ts. The queue protocol is the collectors' one
(npurun/collector_producer.h): one producer instance, full buffers go to the ready queue row of
the orchestrator's AI CPU thread.`;

/** The text of `npurun/dep_gen_layout.h`. */
export function depGenHeaderText(): string {
  return emitCHeader({
    guard: 'NPURUN_DEP_GEN_LAYOUT_H',
    structs: [DepGenTensor, DepGenRecord, DepGenOverflowRecord, DepGenBuffer, DepGenBufferState, DepGenHeader],
    constants: DEP_GEN_CONSTANTS,
    includes: ['stdint.h'],
    comment: COMMENT,
  });
}

/**
 * An include directory holding `npurun/dep_gen_layout.h`: a directory named by the content hash
 * (runner-base's `materializeHeaders`), so processes agreeing on the layout share it and a layout
 * change never reaches a build stale.
 */
export function depGenIncludeDir(): string {
  return materializeHeaders({ [DEP_GEN_HEADER_PATH]: depGenHeaderText() });
}
