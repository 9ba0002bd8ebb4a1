// Whole runs of the a5 runner on the `a5` platform against the fake CANN libraries: exact vendor
// calls, the device reset, diagnostics and a run timeout (shared suite: runner-base/test/support/cann-suite.ts).
import { describeCannRun } from '../../runner-base/test/support/cann-suite';
import { a5CannTarget } from './cann-target';

describeCannRun(a5CannTarget);
