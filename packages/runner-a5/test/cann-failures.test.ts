// Every vendor call of a whole a5 runner session failed in turn against the fake CANN libraries
// (shared suite: runner-base/test/support/cann-suite.ts).
import { describeCannFailures } from '../../runner-base/test/support/cann-suite';
import { a5CannTarget } from './cann-target';

describeCannFailures(a5CannTarget);
