// Cancellation through an AbortSignal on a2a3sim (shared suite: runner-base/test/support/cancel-suite.ts).
import { describeArchCancellation } from '../../runner-base/test/support/cancel-suite';
import { a2a3Target } from './arch-target';

describeArchCancellation(a2a3Target);
