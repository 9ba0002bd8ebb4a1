import { PmuCollector, pmuGeometry, pmuLayout, pmuStateOffset } from '../src';
import { fakeContext, letDrain } from './helpers/harness';
import { TsProducer } from './helpers/ts-producer';

test('dbg', async () => {
  const arch = 'a5';
  const { ctx, mem } = fakeContext(arch, {});
  const c = new PmuCollector(ctx, { eventGroup: 2 });
  const { dataBase } = c.init();
  const geo = pmuGeometry(arch, 6);
  const S = pmuLayout.PmuBufferStateA5;
  const ps = Array.from({length: 6}, (_, core) => { const at = pmuStateOffset(arch, core); return new TsProducer(mem, dataBase, geo, { pool: core, thread: core % 2, totalOffset: at + S.offsetOf('totalRecordCount'), droppedOffset: at + S.offsetOf('droppedRecordCount') }); });
  ps.forEach(p => p.begin());
  const engine = (c as any).engine;
  const orig = engine.tick.bind(engine);
  let ticks = 0;
  engine.tick = () => { const n = orig(); ticks++; if (ticks < 50 || n > 0) process.stderr.write(`T${n} `); return n; };
  c.start();
  for (let i = 0; i < 3000; i++) {
    ps.forEach((p, k) => { p.append(() => undefined); });
    if (i % 200 === 0) { process.stderr.write(`i${i} `); await letDrain(); process.stderr.write(`d\n`); }
  }
  await c.stop();
  c.finalize();
});
