// npurun-a5 as a child process: signals, a closed stdout, stale spools, a full file system
// (shared suite: runner-base/test/support/cli-process-suite.ts).
import { describeCliProcess } from '../../runner-base/test/support/cli-process-suite';
import { a5Target } from './arch-target';

describeCliProcess(a5Target);
