// npurun-a5 as a child process: a signal, a closed stdout, stale spools, a full file system
// (shared suite: runner-base/test/support/cli-process-suite.ts). The command's code is shared with
// npurun-a2a3, whose suite interrupts it at every moment; here one moment is enough.
import { describeCliProcess } from '../../runner-base/test/support/cli-process-suite';
import { a5Target } from './arch-target';

describeCliProcess(a5Target, { moments: 'one' });
