// The a2a3 runner on incomplete vendor installs (shared suite: runner-base/test/support/cann-suite.ts).
import { describeCannLibraries } from '../../runner-base/test/support/cann-suite';
import { a2a3CannTarget } from './cann-target';

describeCannLibraries(a2a3CannTarget);
