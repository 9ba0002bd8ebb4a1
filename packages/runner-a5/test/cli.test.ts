// The npurun-a5 command in-process (shared suite: runner-base/test/support/arch-suite.ts).
import { describeArchCli } from '../../runner-base/test/support/arch-suite';
import { a5Target } from './arch-target';

describeArchCli(a5Target);
