// The arch package is the whole API (shared suite: runner-base/test/support/api-suite.ts).
import * as api from '../src';
import { describeArchApi } from '../../runner-base/test/support/api-suite';

describeArchApi('@npurun/runner-a2a3', api as unknown as Record<string, unknown>, (platform) => api.A2A3Runner.create({ platform: platform as 'a2a3sim' }), 'a5sim');
