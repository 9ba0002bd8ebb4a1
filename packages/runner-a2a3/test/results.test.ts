// A run's files, trace and report on a2a3sim (shared suite: runner-base/test/support/results-suite.ts).
import { describeRunResults } from '../../runner-base/test/support/results-suite';
import { a2a3Target } from './arch-target';

describeRunResults(a2a3Target);
