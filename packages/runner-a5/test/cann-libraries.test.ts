// The a5 runner on incomplete vendor installs (shared suite: runner-base/test/support/cann-suite.ts).
import { describeCannLibraries } from '../../runner-base/test/support/cann-suite';
import { a5CannTarget } from './cann-target';

describeCannLibraries(a5CannTarget);
