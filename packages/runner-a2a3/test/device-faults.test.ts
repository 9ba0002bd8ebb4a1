// The runner-level fault corpus on a2a3sim (shared suite: runner-base/test/support/fault-suite.ts).
import * as path from 'node:path';
import { describeDeviceFaults } from '../../runner-base/test/support/fault-suite';

describeDeviceFaults({ simPlatform: 'a2a3sim', packageMain: path.resolve(__dirname, '..', 'dist', 'index.js') });
