// The npurun-a2a3 command in-process (shared suite: runner-base/test/support/arch-suite.ts).
import { describeArchCli } from '../../runner-base/test/support/arch-suite';
import { a2a3Target } from './arch-target';

describeArchCli(a2a3Target);
