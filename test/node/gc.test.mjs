// The garbage-collection safety net: tensors dropped without dispose are
// reclaimed by the FinalizationRegistry (needs node --expose-gc).
import * as assert from 'uvu/assert';
import { suite, sg } from '../helpers/harness.mjs';

const test = suite('gc safety net');

const collect = async () => {
  for (let i = 0; i < 6; i++) {
    globalThis.gc();
    await new Promise((r) => setTimeout(r, 10));
  }
};

test('tensors dropped without dispose are freed by the garbage collector', async () => {
  if (typeof globalThis.gc !== 'function') throw new Error('run node with --expose-gc');
  await collect();
  const before = sg.memory();
  (() => {
    // created outside any scope and never disposed, including a graph
    const a = sg.randn([256, 256], { requiresGrad: true });
    const b = a.tanh().mul(2);
    void b.sum();
  })();
  assert.ok(sg.memory().liveTensors > before.liveTensors);
  await collect();
  const after = sg.memory();
  assert.is(after.liveTensors, before.liveTensors);
  assert.is(after.bytesInUse, before.bytesInUse);
});

test('a tensor handed out of the outermost scope joins the safety net: dropped, it is freed by the garbage collector', async () => {
  await collect();
  const before = sg.memory();
  (() => {
    // made inside scopes (which register nothing), then returned to no enclosing scope
    const kept = sg.scope(() => sg.scope(() => sg.randn([128, 128], { requiresGrad: true }).tanh()));
    void kept.shape;
  })();
  assert.ok(sg.memory().liveTensors > before.liveTensors);
  await collect();
  const after = sg.memory();
  assert.is(after.liveTensors, before.liveTensors);
  assert.is(after.bytesInUse, before.bytesInUse);
});

test.run();
