// npurun-a2a3 as a child process: signals, a closed stdout, stale spools, a full file system
// (shared suite: runner-base/test/support/cli-process-suite.ts).
import { describeCliProcess } from '../../runner-base/test/support/cli-process-suite';
import { a2a3Target } from './arch-target';

describeCliProcess(a2a3Target);
