// Cancellation through an AbortSignal on a5sim (shared suite: runner-base/test/support/cancel-suite.ts).
import { describeArchCancellation } from '../../runner-base/test/support/cancel-suite';
import { a5Target } from './arch-target';

describeArchCancellation(a5Target);
