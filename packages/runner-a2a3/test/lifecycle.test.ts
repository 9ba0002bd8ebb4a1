// Creation, arenas, failed and timed-out runs, concurrency and teardown of the a2a3 runner on a2a3sim
// (shared suite: runner-base/test/support/arch-suite.ts).
import { describeArchLifecycle } from '../../runner-base/test/support/arch-suite';
import { a2a3Target } from './arch-target';

describeArchLifecycle(a2a3Target);
