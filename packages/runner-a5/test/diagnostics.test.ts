// The shared diagnostics on a5sim through the arch runner (shared suite: runner-base/test/support/diagnostics-suite.ts).
import { describeArchDiagnostics } from '../../runner-base/test/support/diagnostics-suite';
import { a5Target } from './arch-target';

describeArchDiagnostics(a5Target);
