// Creation, arenas, failed and timed-out runs, concurrency and teardown of the a5 runner on a5sim
// (shared suite: runner-base/test/support/arch-suite.ts).
import { describeArchLifecycle } from '../../runner-base/test/support/arch-suite';
import { a5Target } from './arch-target';

describeArchLifecycle(a5Target);
