// npurun-a5 as a child process: SIGTERM during an export, a closed stdout, a full file system
// (shared suite: runner-base/test/support/cli-process-suite.ts). The command's code is shared with
// npurun-a2a3, whose suite also interrupts it at every moment, sends a second SIGINT, and checks
// stale spools and re-runs; here the arch-specific part is enough.
import { describeCliProcess } from '../../runner-base/test/support/cli-process-suite';
import { a5Target } from './arch-target';

describeCliProcess(a5Target, { moments: 'one' });
