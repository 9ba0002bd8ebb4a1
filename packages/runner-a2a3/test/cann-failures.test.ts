// Every vendor call of a whole a2a3 runner session failed in turn against the fake CANN libraries
// (shared suite: runner-base/test/support/cann-suite.ts).
import { describeCannFailures } from '../../runner-base/test/support/cann-suite';
import { a2a3CannTarget } from './cann-target';

describeCannFailures(a2a3CannTarget);
