// Shortened soak (npm run soak runs 5,000 steps): after warm-up the heap is
// flat and the live-tensor count returns to its baseline, with tensors freed
// by scopes, dispose, Symbol.dispose and only by the garbage collector.
import * as assert from 'uvu/assert';
import { suite, sg } from '../helpers/harness.mjs';
import { makeSoak, collectGarbage } from '../../bench/soak-net.mjs';

const test = suite('soak');

test('300 training steps of a residual net with BN and dropout keep a flat heap', async () => {
  assert.ok(await collectGarbage(), 'needs node --expose-gc');
  const start = sg.memory();
  const soak = makeSoak(2);
  for (let i = 0; i < 100; i++) soak.step(i); // includes two eval passes
  await collectGarbage();
  const base = sg.memory();
  let loss = 0;
  for (let i = 100; i < 300; i++) loss = soak.step(i);
  await collectGarbage();
  const end = sg.memory();
  assert.ok(Number.isFinite(loss));
  assert.is(end.bytesInUse, base.bytesInUse);
  assert.is(end.liveTensors, base.liveTensors);
  soak.dispose();
  await collectGarbage();
  assert.is(sg.memory().liveTensors, start.liveTensors);
  assert.is(sg.memory().bytesInUse, start.bytesInUse);
});

test.run();
