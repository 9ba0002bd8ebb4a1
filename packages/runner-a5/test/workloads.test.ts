// The bundled workloads on a5sim through the arch runner (shared suite: runner-base/test/support/arch-suite.ts).
import { describeArchWorkloads } from '../../runner-base/test/support/arch-suite';
import { a5Target } from './arch-target';

describeArchWorkloads(a5Target);
