// The shared diagnostics on a2a3sim through the arch runner (shared suite: runner-base/test/support/diagnostics-suite.ts).
import { describeArchDiagnostics } from '../../runner-base/test/support/diagnostics-suite';
import { a2a3Target } from './arch-target';

describeArchDiagnostics(a2a3Target);
