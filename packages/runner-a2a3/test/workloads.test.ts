// The bundled workloads on a2a3sim through the arch runner (shared suite: runner-base/test/support/arch-suite.ts).
import { describeArchWorkloads } from '../../runner-base/test/support/arch-suite';
import { a2a3Target } from './arch-target';

describeArchWorkloads(a2a3Target);
