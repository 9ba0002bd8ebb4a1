// Whole runs of the a2a3 runner on the `a2a3` platform against the fake CANN libraries: exact vendor
// calls, the device reset, diagnostics and a run timeout (shared suite: runner-base/test/support/cann-suite.ts).
import { describeCannRun } from '../../runner-base/test/support/cann-suite';
import { a2a3CannTarget } from './cann-target';

describeCannRun(a2a3CannTarget);
