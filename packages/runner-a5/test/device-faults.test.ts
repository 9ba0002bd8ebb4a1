// The runner-level fault corpus on a5sim (shared suite: runner-base/test/support/fault-suite.ts).
import * as path from 'node:path';
import { describeDeviceFaults } from '../../runner-base/test/support/fault-suite';

describeDeviceFaults({ simPlatform: 'a5sim', packageMain: path.resolve(__dirname, '..', 'dist', 'index.js') });
