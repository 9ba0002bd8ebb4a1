// A run's files, trace and report on a5sim (shared suite: runner-base/test/support/results-suite.ts).
import { describeRunResults } from '../../runner-base/test/support/results-suite';
import { a5Target } from './arch-target';

describeRunResults(a5Target);
